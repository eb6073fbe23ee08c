/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plot's one-pass reduction: rows go into a fixed number of time cells
 * per series (sum of counts, fastest and slowest single window, time
 * covered by windows), so memory does not depend on the number of rows.
 *
 * Without a given time range the cells start 1 ns wide at the first row
 * and double (pairs merge) whenever a row falls outside, to the right or
 * to the left, so the data always fills at least half of them. At the end
 * every pixel column is a whole number of cells: exact, no resampling.
 */
#ifndef PKTSTAT_BINS_H
#define PKTSTAT_BINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"

#define BINS_TOUCHED	0x100u	/* a row reached the cell */
#define BINS_OUTSIDE	0x200u	/* column before the series' first row or
				 * after its last: not drawn */

/* Cells per pixel column while the range is not known. */
#define BINS_PER_COLUMN	32

struct cell {
	double frames, bytes;		/* counts, spread over their span */
	double max_fps, max_bps;	/* fastest single window overlapping */
	double min_fps, min_bps;	/* slowest of those windows */
	uint64_t covered_ns;		/* time covered by windows of known rate */
	unsigned int flags;		/* AROW_MERGED, AROW_STEP, BINS_TOUCHED */
	bool has_win;
};

/* One pixel column of one series. Rates per second. */
struct column {
	double mean_fps, mean_bps;	/* counts / column time */
	double max_fps, max_bps;	/* fastest single window; 0 if none */
	double min_fps, min_bps;	/* slowest window, 0 if a part had none */
	double frames, bytes;		/* counts in the column */
	unsigned int flags;
};

struct bins {
	uint64_t o, span;		/* cells cover [o, o + span) */
	size_t n, nser;
	struct cell **c;		/* nser series of n cells */
	bool fixed;			/* [lo, hi) given: cells are columns */
	bool started;
	uint64_t lo, hi;		/* rows are cut to [lo, hi) */
	uint64_t clipped;		/* rows wholly outside what can be shown */
};

/*
 * ncols pixel columns. lo/hi: the range asked for (0 and UINT64_MAX when
 * open). With both given, one cell per column. Returns 0 or -1.
 */
int bins_init(struct bins *b, size_t ncols, uint64_t lo, uint64_t hi);
void bins_free(struct bins *b);

/* A new series; returns its index, or -1 (out of memory). */
int bins_add_series(struct bins *b);

/*
 * Add one row of series ser (doc/OUTPUTS.md's rules for the flags).
 * Returns false if it lies wholly outside what can be shown (clipped).
 */
bool bins_add(struct bins *b, size_t ser, const struct arow *r);

/*
 * The columns: out holds nser * ncols, series after series. *t0 is the
 * start of column 0 and *col_ns the width of one column. Returns 0, or -1
 * when no row reached any cell.
 */
int bins_columns(const struct bins *b, size_t ncols, struct column *out,
		 uint64_t *t0, double *col_ns);

#endif
