/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the kernel's cumulative totals into per-row deltas (CSV format 2,
 * doc/OUTPUTS.md).
 */
#ifndef PKTSTAT_DELTA_H
#define PKTSTAT_DELTA_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

/* The last row of a series: where the next delta starts from. */
struct cursor {
	bool valid;
	uint64_t id;		/* the kernel's instance id */
	uint64_t end_ns;
	uint64_t frames;
	uint64_t bytes;
};

/* Row flags, printed in this order joined by '+'. */
#define ROW_FIRST	1u	/* first row of a series: counts since creation */
#define ROW_STEP	2u	/* the clock stepped since the previous row */
#define ROW_MERGED	4u	/* windows merged or missing before this row */

/* One CSV row. */
struct row {
	uint64_t end_ns;
	uint64_t id;
	uint64_t frames;	/* delta since the previous row of the series */
	uint64_t bytes;
	uint64_t total_frames;	/* cumulative, as the kernel reported */
	uint64_t total_bytes;
	uint64_t start_ns;	/* start of the span frames and bytes cover */
	uint64_t period_ns;
	unsigned int flags;
};

/* What the caller knows about the instance a sample comes from. */
struct series_ctx {
	uint64_t id;
	uint64_t period_ns;
	uint64_t created_ns;	/* 0: unknown (older module) */
	unsigned int next_flags;	/* for a row that continues the series */
	unsigned int first_flags;	/* extra flags for a first row */
};

enum delta_kind {
	DELTA_NEXT,		/* continues the series */
	DELTA_NEW_SERIES,	/* no cursor or another id: counts from zero */
	DELTA_STALE,		/* totals not above the cursor's: counted */
};

/*
 * Compute the row for sample s and advance the cursor. The same id always
 * continues the series (the kernel never reuses an id); within it totals
 * only grow, frames by at least one per line, so a line whose frames are not
 * above the cursor's was counted already (DELTA_STALE: *out and the cursor
 * are left alone). A window end not after the cursor's is a clock step.
 */
enum delta_kind delta_apply(struct cursor *c, const struct series_ctx *ctx,
			    const struct sample *s, struct row *out);

/* The cursor a row leaves behind (for recovery from a CSV row). */
void cursor_from_row(struct cursor *c, const struct row *r);

#endif
