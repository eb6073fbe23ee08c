/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pktstat-top shows, without the terminal: one row per instance from
 * the collector's live view, or, with no collector running, from the
 * non-draining /proc stats files (rates from successive totals). Never
 * opens a data file. The lines are plain text: the curses screen and
 * --batch print the same.
 */
#ifndef PKTSTAT_TOP_H
#define PKTSTAT_TOP_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

enum top_col {
	TC_NAME, TC_PERIOD, TC_PPS, TC_BPS, TC_PEAK, TC_PEAK_PPS, TC_PEAK_BPS,
	TC_OVERFLOWS, TC_QUEUED, TC_PEAK_AT, TC_FRAMES, TC_BYTES, TC_N
};

struct top_inst {
	char name[NAME_MAX_LEN + 1];
	uint64_t id, period_ns;
	bool has_rate;			/* pps, bps */
	double pps, bps;
	bool has_peak;			/* the peak window of the second */
	uint64_t peak_frames, peak_end_ns;
	double peak_pps, peak_bps;
	uint64_t overflows, queued, frames, bytes;
	char err[80];			/* shown instead of figures if set */
	/* /proc mode: the totals of the previous refresh */
	bool has_prev;
	uint64_t prev_frames, prev_bytes, prev_mono_ns;
	bool seen;
};

struct top {
	const char *rundir;
	const char *proc_root;
	bool live;			/* from the collector's live view */
	uint64_t pid;			/* live: the collector's */
	uint64_t second_end_ns;		/* live: the second shown */
	char why[PATH_MAX + 160];	/* /proc mode: why, for the screen */
	uint64_t now_ns;
	struct top_inst *inst;
	size_t n;
	enum top_col sort;
	bool reverse;			/* against the column's natural order */
};

void top_init(struct top *t, const char *rundir, const char *proc_root);
void top_free(struct top *t);

/* Read everything again. now_ns: CLOCK_REALTIME, mono_ns: MONOTONIC. */
void top_refresh(struct top *t, uint64_t now_ns, uint64_t mono_ns);

/* Order t->inst by t->sort (numbers: largest first; names: a to z). */
void top_sort(struct top *t);

/* The column's title, and the letter that sorts by it (0: none). */
const char *top_col_title(enum top_col c);
int top_col_key(enum top_col c);

/*
 * Text lines: line 0 and 1 say what is shown and from where, 2 is the
 * column header, 3.. the instances. Returns the number of lines.
 */
size_t top_lines(const struct top *t);
void top_line(const struct top *t, size_t line, char *buf, size_t size);

/* Start and width of a column in the header and rows (for highlighting). */
void top_col_span(const struct top *t, enum top_col c, int *start,
		  int *width);

#endif
