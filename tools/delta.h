/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the kernel's cumulative totals into per-row deltas.
 */
#ifndef PKTSTAT_DELTA_H
#define PKTSTAT_DELTA_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

/* The last row of a series: where the next delta starts from. */
struct cursor {
	bool valid;
	uint64_t id;		/* instance creation id, 0 = unknown */
	uint64_t end_ns;
	uint64_t frames;
	uint64_t bytes;
};

/* One CSV row. */
struct row {
	uint64_t end_ns;
	uint64_t id;
	uint64_t frames;	/* delta since the previous row of the series */
	uint64_t bytes;
	uint64_t total_frames;	/* cumulative, as the kernel reported */
	uint64_t total_bytes;
};

enum delta_kind {
	DELTA_NEXT,		/* continues the series */
	DELTA_NEW_SERIES,	/* first row, new id, or totals went down */
	DELTA_STALE,		/* at or before the cursor: already counted */
};

/*
 * Compute the row for sample s of instance id (0 = unknown) and advance the
 * cursor. For DELTA_STALE, *out and the cursor are left alone.
 */
enum delta_kind delta_apply(struct cursor *c, uint64_t id,
			    const struct sample *s, struct row *out);

/* The cursor a row leaves behind (for recovery from a CSV row). */
void cursor_from_row(struct cursor *c, const struct row *r);

#endif
