// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pktstat-top and pktstat-plot below the screen and the
 * picture: the CSV reader, the one-pass cells, the live view parser, the
 * text forms, and top's table from fixture directories. Built with
 * ASan/UBSan; prints TAP.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "bins.h"
#include "human.h"
#include "liveread.h"
#include "tap.h"
#include "top.h"

#define SEC	1000000000ULL
#define T0	1800000000000000000ULL	/* 2027-01-15 08:00:00 UTC */
#define HDR2	"time_utc,end_ns,instance,instance_id,frames,bytes," \
		"total_frames,total_bytes,start_ns,period_ns,flags"

/* mkdtemp() template: it replaces the six X with a unique name. */
static char dir[] = "/tmp/views-unit.XXXXXX";

static void put(const char *name, const char *s)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(s, f);
	fclose(f);
}

static int header(const char *h, int col[AC_N])
{
	return archive_parse_header(h, strlen(h), col);
}

static int row(const char *s, const int col[AC_N], int n, uint64_t period,
	       struct arow *r, const char **why)
{
	r->name[0] = '\0';
	return archive_parse_row(s, strlen(s), col, n, period, r, why);
}

static void test_archive_rows(void)
{
	int col[AC_N], n;
	struct arow r;
	const char *why = "";

	n = header(HDR2, col);
	ok(n == 11 && col[AC_END] == 1 && col[AC_INSTANCE] == 2 &&
	   col[AC_FRAMES] == 4 && col[AC_BYTES] == 5 && col[AC_START] == 8 &&
	   col[AC_PERIOD] == 9 && col[AC_FLAGS] == 10,
	   "format 2 header: 11 columns found by name");
	ok(row("2027-01-15T08:00:00.001000000Z,1800000000001000000,web,7,5,"
	       "1140,5,1140,1800000000000000000,1000000,", col, n, 0, &r,
	       &why) == 0 && r.end_ns == T0 + 1000000 && r.frames == 5 &&
	   r.bytes == 1140 && r.period_ns == 1000000 && r.flags == 0 &&
	   r.start_ns == T0 && strcmp(r.name, "web") == 0,
	   "a plain row: all fields");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1800000000001000000,"
	       "1000000,first+step+merged", col, n, 0, &r, &why) == 0 &&
	   r.flags == (AROW_FIRST | AROW_STEP | AROW_MERGED) &&
	   r.start_ns == T0 + 4000000,
	   "flags first+step+merged; a step's span is one period");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1800000000001000000,"
	       "1000000,merged+later", col, n, 0, &r, &why) == 0 &&
	   r.flags == AROW_MERGED && r.start_ns == T0 + 1000000,
	   "merged keeps start_ns; an unknown flag word is a future flag");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1,1000000,Merged",
	       col, n, 0, &r, &why) == -1 && strcmp(why, "bad flags") == 0,
	   "flags not [a-z]+ joined by + are garbage");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1,1000000", col, n, 0,
	       &r, &why) == -1 && strcmp(why, "too few fields") == 0,
	   "a field missing");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1,1000000,,", col, n,
	       0, &r, &why) == -1 && strcmp(why, "too many fields") == 0,
	   "a field too many");
	ok(row("x,18000000000050000x0,web,7,9,900,9,900,1,1000000,", col, n, 0,
	       &r, &why) == -1, "end_ns not a number");
	ok(row("x,1800000000005000000,../x,7,9,900,9,900,1,1000000,", col, n,
	       0, &r, &why) == -1 && strcmp(why, "bad instance name") == 0,
	   "a bad instance name");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1800000000005000000,"
	       "1000000,", col, n, 0, &r, &why) == -1,
	   "start_ns not before end_ns (no step)");
	ok(row("x,1800000000005000000,web,7,9,900,9,900,1,0,", col, n, 0, &r,
	       &why) == -1, "period_ns 0");

	n = header("time_utc,end_ns,instance,instance_id,frames,bytes,"
		   "total_frames,total_bytes", col);
	ok(n == 8 && col[AC_PERIOD] == -1 && col[AC_START] == -1 &&
	   col[AC_FLAGS] == -1, "format 1 header: no period, start, flags");
	ok(row("x,1800000000005000000,web,7,9,900,9,900", col, n, 250000, &r,
	       &why) == 0 && r.period_ns == 250000 &&
	   r.start_ns == T0 + 5000000 - 250000,
	   "format 1 row with a given period: one window");
	ok(row("x,1800000000005000000,web,7,9,900,9,900", col, n, 0, &r,
	       &why) == -1, "format 1 row without a period: error");
	ok(header("time_utc,end,instance,frames,bytes", col) == -1,
	   "a header without end_ns is not ours");
	ok(header("time_utc,bytes,frames,instance,end_ns,new_column", col) == 6 &&
	   col[AC_END] == 4 && col[AC_BYTES] == 1,
	   "columns in another order, one unknown: found by name");
}

static void test_file_names(void)
{
	char nm[NAME_MAX_LEN + 1];
	bool f1;

	ok(archive_file_matches("web.csv", NULL, nm, &f1) && !strcmp(nm, "web"),
	   "web.csv");
	ok(archive_file_matches("web.csv.1", "web", NULL, &f1), "web.csv.1");
	ok(archive_file_matches("web.csv.12.gz", "web", NULL, &f1), "web.csv.12.gz");
	ok(archive_file_matches("web.csv-20261202", "web", NULL, &f1) &&
	   archive_file_matches("web.csv-2026-12-02_10.gz", "web", NULL, &f1),
	   "dateext: web.csv-20261202, web.csv-2026-12-02_10.gz");
	ok(archive_file_matches("a.csv.b.csv.3", NULL, nm, &f1) &&
	   !strcmp(nm, "a.csv.b"), "a name with .csv in it");
	ok(archive_file_matches("web.csv.format1", NULL, nm, &f1) && f1 &&
	   archive_file_matches("web.csv.format1.2", NULL, nm, &f1) && f1 &&
	   archive_file_matches("web.csv.3.gz", NULL, nm, &f1) && !f1,
	   "format-1 files moved aside are known as such");
	ok(!archive_file_matches("web.csv", "db", NULL, &f1) &&
	   !archive_file_matches("web.csv.tmp", NULL, NULL, &f1) &&
	   !archive_file_matches("web.state", NULL, NULL, &f1) &&
	   !archive_file_matches(".x.csv", NULL, NULL, &f1) &&
	   !archive_file_matches("web.csv.gz.1", NULL, NULL, &f1),
	   "other names, temp files, state files are not archives");
}

static void test_archive_file(void)
{
	char p[PATH_MAX], err[512];
	struct archive a;
	struct arow r = { .name = "" };
	int rc, n = 0;

	snprintf(p, sizeof(p), "%s/web.csv", dir);
	put("web.csv", HDR2 "\n"
	    "x,1800000000001000000,web,7,5,500,5,500,1799999999000000000,1000000,first\n"
	    HDR2 "\n"
	    "x,1800000000002000000,web,7,6,600,11,1100,1800000000001000000,1000000,\r\n"
	    "x,1800000000003000000,web,7,7,700,18,1800,18000000");
	ok(archive_open(&a, p, 0, err, sizeof(err)) == 0, "open plain file");
	while ((rc = archive_next(&a, &r, err, sizeof(err))) == 1)
		n++;
	ok(rc == 0 && n == 2 && a.partial_tail,
	   "two rows, a repeated header and CRLF taken, the torn tail ignored");
	archive_close(&a);

	put("bad.csv", HDR2 "\nx,1800000000001000000,web,7,5,500,5,500,1,1000000,\nnonsense\n");
	snprintf(p, sizeof(p), "%s/bad.csv", dir);
	archive_open(&a, p, 0, err, sizeof(err));
	rc = archive_next(&a, &r, err, sizeof(err));
	ok(rc == 1, "first row fine");
	rc = archive_next(&a, &r, err, sizeof(err));
	ok(rc == -2 && strstr(err, "bad.csv:3: too few fields: \"nonsense\""),
	   "garbage row: -2 naming file:line and the row (%s)", err);
	ok(archive_next(&a, &r, err, sizeof(err)) == 0, "then the end");
	archive_close(&a);

	put("nohdr.csv", "x,1800000000001000000,web,7,5,500,5,500,1,1000000,\n");
	snprintf(p, sizeof(p), "%s/nohdr.csv", dir);
	archive_open(&a, p, 0, err, sizeof(err));
	ok(archive_next(&a, &r, err, sizeof(err)) == -1 &&
	   strstr(err, "nohdr.csv:1: no CSV header"), "no header: -1 (%s)", err);
	archive_close(&a);

	snprintf(p, sizeof(p), "%s/missing.csv", dir);
	ok(archive_open(&a, p, 0, err, sizeof(err)) == -1 &&
	   strstr(err, "missing.csv: No such file or directory"),
	   "missing file: named with errno (%s)", err);
}

/* A row of a plain 1 ms window ending at T0 + i ms. */
static struct arow win(uint64_t i, uint64_t frames)
{
	struct arow r = { .name = "web" };

	r.end_ns = T0 + i * 1000000;
	r.period_ns = 1000000;
	r.start_ns = r.end_ns - r.period_ns;
	r.frames = frames;
	r.bytes = frames * 100;
	return r;
}

static void test_bins_fixed(void)
{
	struct column col[10];
	struct bins b;
	struct arow r;
	uint64_t t0;
	double cw, f = 0;
	int s, i;

	/* 10 columns of 10 ms over [T0, T0 + 100 ms): 10 windows each. */
	ok(bins_init(&b, 10, T0, T0 + 100000000) == 0, "fixed: init");
	s = bins_add_series(&b);
	for (i = 1; i <= 100; i++) {
		r = win((uint64_t)i, i == 35 ? 50 : 2);
		bins_add(&b, (size_t)s, &r);
	}
	r = win(150, 9);		/* after --to */
	bins_add(&b, (size_t)s, &r);
	ok(bins_columns(&b, 10, col, &t0, &cw) == 0 && t0 == T0 && cw == 1e7,
	   "fixed: columns start at --from, 10 ms each");
	for (i = 0; i < 10; i++)
		f += col[i].frames;
	ok(fabs(f - 248) < 1e-6 && b.clipped == 1,
	   "fixed: frames in range exact (248), one row clipped");
	ok(col[3].max_fps == 50000 && col[3].min_fps == 2000 &&
	   fabs(col[3].mean_fps - (18.0 + 50) / 0.01) < 1e-6,
	   "fixed: column 3 has the 50-frame window: max 50000/s, min 2000/s, "
	   "mean %.1f", col[3].mean_fps);
	ok(col[4].max_fps == 2000 && col[4].min_fps == 2000 &&
	   col[4].max_bps == 2000 * 800.0, "fixed: other columns 2000/s, 1.6 Mbit/s");
	bins_free(&b);

	/* Fewer windows than columns: each window fills 5 columns. */
	bins_init(&b, 10, T0, T0 + 2000000);
	s = bins_add_series(&b);
	r = win(1, 10);
	bins_add(&b, (size_t)s, &r);
	bins_columns(&b, 10, col, &t0, &cw);
	ok(col[0].max_fps == 10000 && col[4].max_fps == 10000 &&
	   fabs(col[4].mean_fps - 10000) < 1e-6 && col[4].min_fps == 10000 &&
	   col[5].max_fps == 0 && col[5].min_fps == 0,
	   "zoomed in: a window spans its columns, rate = mean = min = max");
	bins_free(&b);
}

/* win() with the start of the span it counts for and its flags. */
static struct arow flagged(uint64_t i, uint64_t frames, uint64_t start_ns,
			   unsigned int flags)
{
	struct arow r = win(i, frames);

	r.start_ns = start_ns;
	r.flags = flags;
	return r;
}

/* The 10 columns over [T0, T0 + 100 ms) of one series of n rows. */
static void columns_of(struct column col[10], const struct arow *rows, size_t n)
{
	struct bins b;
	uint64_t t0;
	double cw;
	size_t i;
	int s;

	bins_init(&b, 10, T0, T0 + 100000000);
	s = bins_add_series(&b);
	for (i = 0; i < n; i++)
		bins_add(&b, (size_t)s, &rows[i]);
	bins_columns(&b, 10, col, &t0, &cw);
	bins_free(&b);
}

static void test_bins_flags(void)
{
	const struct arow merged_step[] = {
		/* merged: 100 frames over [T0, T0 + 50 ms): 10 per column, no peak */
		flagged(50, 100, T0, AROW_MERGED),
		/* step: 7 frames in its last window (its own 1 ms), no peak */
		flagged(75, 7, T0 + 74000000, AROW_STEP),
	};
	const struct arow first[] = {
		/* first, created 20 ms before its window: still its last window */
		flagged(20, 40, T0, AROW_FIRST),
		/* first and merged: spread from the creation on */
		flagged(60, 30, T0 + 30000000, AROW_FIRST | AROW_MERGED),
	};
	struct column col[10];
	double f = 0;
	int i;

	columns_of(col, merged_step, 2);
	for (i = 0; i < 10; i++)
		f += col[i].frames;
	ok(fabs(col[0].frames - 20) < 1e-9 && fabs(col[4].frames - 20) < 1e-9 &&
	   col[5].frames == 0 && col[0].max_fps == 0 &&
	   (col[2].flags & AROW_MERGED),
	   "merged: the mean spread over its span, never a peak, flagged");
	ok(fabs(col[7].frames - 7) < 1e-9 && col[7].max_fps == 0 &&
	   (col[7].flags & AROW_STEP) && fabs(f - 107) < 1e-9,
	   "step: counted in its last window, never a peak, flagged");

	columns_of(col, first, 2);
	ok(col[0].frames == 0 && fabs(col[1].frames - 40) < 1e-9 &&
	   col[1].max_fps == 40000,
	   "first (not merged): its counts in its last window, a rate");
	ok(fabs(col[3].frames - 10) < 1e-9 && fabs(col[5].frames - 10) < 1e-9 &&
	   col[4].max_fps == 0 && (col[4].flags & AROW_MERGED),
	   "first+merged: spread from start_ns, no peak");
}

static void test_bins_auto(void)
{
	struct column col[100];
	struct bins b;
	struct arow r;
	uint64_t t0;
	double cw, f = 0;
	size_t i, peak = 0;
	int s;

	/* 10 s of 1 ms windows, read out of order: doubling both ways. */
	bins_init(&b, 100, 0, UINT64_MAX);
	s = bins_add_series(&b);
	for (i = 5001; i <= 10000; i++) {
		r = win(i, i == 7777 ? 1000 : 1);
		bins_add(&b, (size_t)s, &r);
	}
	for (i = 1; i <= 5000; i++) {
		r = win(i, 1);
		bins_add(&b, (size_t)s, &r);
	}
	ok(bins_columns(&b, 100, col, &t0, &cw) == 0, "auto: columns");
	/* Cells grown to the left start before the first window. */
	ok(t0 <= T0 && (double)(T0 - t0) < cw / (BINS_PER_COLUMN / 2),
	   "auto: column 0 starts less than a cell before the first window");
	ok(cw >= 1e8 && cw <= 1e8 * 1.07 && fmod(cw, 1) == 0,
	   "auto: a column is a whole number of cells, 100 ms + under 7%% "
	   "(%.0f ns)", cw);
	for (i = 0; i < 100; i++) {
		f += col[i].frames;
		if (col[i].max_fps > col[peak].max_fps)
			peak = i;
	}
	ok(fabs(f - 10999) < 1e-6, "auto: every frame counted (%.3f)", f);
	ok(col[peak].max_fps == 1e6 &&
	   peak == (size_t)((double)(T0 + 7776000000ULL - t0) / cw),
	   "auto: the 1000-frame window is the peak, in column %zu", peak);
	for (i = 0; i < 100; i++)
		if ((t0 + (double)i * cw >= T0 + 10 * SEC) !=
		    !!(col[i].flags & BINS_OUTSIDE))
			break;
	ok(i == 100, "auto: exactly the columns after the last row are "
	   "outside, not zero");
	bins_free(&b);

	/* In order: the cells start at the first window. */
	bins_init(&b, 100, 0, UINT64_MAX);
	s = bins_add_series(&b);
	for (i = 1; i <= 1000; i++) {
		r = win(i, 1);
		bins_add(&b, (size_t)s, &r);
	}
	bins_columns(&b, 100, col, &t0, &cw);
	ok(t0 == T0, "auto, rows in order: column 0 starts at the first "
	   "window");
	bins_free(&b);

	/* --from only: the plot starts there. */
	bins_init(&b, 100, T0 - SEC, UINT64_MAX);
	s = bins_add_series(&b);
	r = win(1, 1);
	bins_add(&b, (size_t)s, &r);
	bins_columns(&b, 100, col, &t0, &cw);
	ok(t0 == T0 - SEC && (col[0].flags & BINS_OUTSIDE),
	   "auto with --from: starts at --from");
	bins_free(&b);

	bins_init(&b, 100, 0, UINT64_MAX);
	bins_add_series(&b);
	ok(bins_columns(&b, 100, col, &t0, &cw) == -1, "no rows: -1");
	bins_free(&b);
}

static void test_fmt(void)
{
	char buf[64];
	uint64_t t;

	human_si(buf, sizeof(buf), 1235);
	ok(!strcmp(buf, "1235"), "human_si 1235");
	human_si(buf, sizeof(buf), 3887456);
	ok(!strcmp(buf, "3.887M"), "human_si 3887456 = 3.887M (%s)", buf);
	human_si(buf, sizeof(buf), 12345);
	ok(!strcmp(buf, "12.35k"), "human_si 12345 = 12.35k (%s)", buf);
	human_si(buf, sizeof(buf), 999999);
	ok(!strcmp(buf, "1.000M"), "human_si 999999 = 1.000M (%s)", buf);
	human_si(buf, sizeof(buf), 3.84e9);
	ok(!strcmp(buf, "3.840G"), "human_si 3.84e9 (%s)", buf);
	human_period(buf, sizeof(buf), 250000);
	ok(!strcmp(buf, "250us"), "human_period 250us");
	human_period(buf, sizeof(buf), 1500000);
	ok(!strcmp(buf, "1500us"), "human_period 1500us (exact)");
	human_utc(buf, sizeof(buf), T0 + 250000, 6);
	ok(!strcmp(buf, "2027-01-15 08:00:00.000250"), "human_utc (%s)", buf);
	ok(parse_time("2027-01-15T08:00:00Z", 0, &t) == 0 && t == T0 &&
	   parse_time("2027-01-15 08:00:00.25", 0, &t) == 0 &&
	   t == T0 + 250000000 && parse_time("2027-01-15T08:00", 0, &t) == 0 &&
	   t == T0 && parse_time("2027-01-15", 0, &t) == 0 &&
	   t == T0 - 8 * 3600 * SEC, "parse_time ISO forms");
	ok(parse_time("1800000000000000001", 0, &t) == 0 && t == T0 + 1,
	   "parse_time epoch ns");
	ok(parse_time("-10m", T0, &t) == 0 && t == T0 - 600 * SEC &&
	   parse_time("-2d", T0, &t) == 0 && t == T0 - 2 * 86400 * SEC,
	   "parse_time -10m, -2d");
	ok(parse_time("2027-13-01T00:00Z", 0, &t) && parse_time("yesterday", 0, &t) &&
	   parse_time("2027-01-15T08:00:00.1234567891Z", 0, &t) &&
	   parse_time("-", 0, &t) && parse_time("", 0, &t),
	   "parse_time refuses bad forms");
}

#define LIVE_HEAD "version: 1\nname: web\ninstance_id: 9\nperiod_ns: 250000\n" \
	"samples: 4096\nupdated_ns: 1800000001100000000\ninterval_ns: 100000000\n" \
	"last_end_ns: 1800000001000000000\ntotal_frames: 1240\ntotal_bytes: 488012\n" \
	"overflows: 3\nqueued: 7\nclock_steps: 0\n"

static void test_live(void)
{
	static struct live_file lv;
	const struct live_second *s;
	const char *why = "";
	char buf[8192];
	uint64_t pid, upd, iv;
	int i, n;

	n = snprintf(buf, sizeof(buf), LIVE_HEAD "future_key: 5\nseconds: 2\n"
		     "S 1800000000000000000 5 2080 5 1799999999999750000 2080 "
		     "1799999999999750000 1\n"
		     "S 1800000001000000000 1235 485932 300 1800000000999250000 "
		     "120000 1800000000999250000 12\nwindows: 1\n"
		     "W 1800000000999250000 300 120000\nX unknown line\n");
	ok(live_parse(buf, (size_t)n, &lv, &why) == 0 && lv.nsec == 2 &&
	   !strcmp(lv.name, "web") && lv.total_frames == 1240 &&
	   lv.overflows == 3 && lv.queued == 7 && lv.period_ns == 250000,
	   "live file: keys, 2 S lines, unknown lines skipped");
	s = live_second_at(&lv, 1800000001000000000ULL);
	ok(s && s->frames == 1235 && s->peak_frames == 300 &&
	   s->peak_bytes == 120000 && s->windows == 12, "live_second_at");
	ok(!live_second_at(&lv, 1800000002000000000ULL), "a second without "
	   "traffic has no S line");
	n = snprintf(buf, sizeof(buf), "%s", LIVE_HEAD);
	buf[9] = '2';
	ok(live_parse(buf, (size_t)n, &lv, &why) == -1 &&
	   strstr(why, "version"), "version 2 refused (%s)", why);
	n = snprintf(buf, sizeof(buf), "version: 1\nname: web\n");
	ok(live_parse(buf, (size_t)n, &lv, &why) == -1, "missing keys refused");
	n = snprintf(buf, sizeof(buf), LIVE_HEAD "seconds: 1\nS 1 2 3\n");
	ok(live_parse(buf, (size_t)n, &lv, &why) == -1 &&
	   !strcmp(why, "an S line"), "short S line refused");
	n = snprintf(buf, sizeof(buf), "%s", LIVE_HEAD "seconds: 70\n");
	for (i = 1; i <= 70; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "S %d000000000 1 1 1 1 1 1 1\n", i);
	ok(live_parse(buf, (size_t)n, &lv, &why) == 0 &&
	   lv.nsec == LIVE_MAX_SECONDS && lv.sec[0].end_ns == 7000000000ULL &&
	   lv.sec[63].end_ns == 70000000000ULL, "more S lines than kept: the "
	   "newest %d", LIVE_MAX_SECONDS);
	ok(live_parse_heartbeat("pid: 12\nupdated_ns: 99\n", 23, &pid, &upd, &iv) == 0 &&
	   pid == 12 && upd == 99 && iv == 0 &&
	   live_parse_heartbeat("pid: 1\nupdated_ns: 9\ninterval_ns: 5\n", 36, &pid, &upd,
				&iv) == 0 && iv == 5, "heartbeat, interval_ns optional");
	ok(!live_stale(T0, 100000000, T0 + 3 * SEC) &&
	   live_stale(T0, 100000000, T0 + 3 * SEC + 1) &&
	   !live_stale(T0, 2 * SEC, T0 + 4 * SEC) &&
	   live_stale(T0, 2 * SEC, T0 + 4 * SEC + 1) &&
	   !live_stale(T0 + SEC, 0, T0),
	   "stale after max(2 x interval, 3 s); a future heartbeat is not");
}

static void mk(const char *sub)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	mkdir(p, 0755);
}

static void test_top(void)
{
	char rd[PATH_MAX], pr[PATH_MAX], buf[512], hb[128];
	struct top t;

	mk("run");
	mk("proc");
	mk("proc/web");
	snprintf(rd, sizeof(rd), "%s/run", dir);
	snprintf(pr, sizeof(pr), "%s/proc", dir);
	put("run/web.live", LIVE_HEAD "seconds: 1\n"
	    "S 1800000001000000000 1235 485932 300 1800000000999250000 "
	    "120000 1800000000999250000 12\n");
	put("run/db.live", "version: 1\nname: db\n");
	snprintf(hb, sizeof(hb), "pid: 42\nupdated_ns: %" PRIu64 "\n",
		 (uint64_t)1800000001100000000ULL);
	put("run/collector", hb);
	top_init(&t, rd, pr);
	top_refresh(&t, 1800000001500000000ULL, 1);
	ok(t.live && t.n == 2 && t.second_end_ns == 1800000001000000000ULL,
	   "live: collector alive, 2 instances, the second ending 08:00:01");
	t.sort = TC_NAME;
	top_sort(&t);
	top_line(&t, 3, buf, sizeof(buf));
	ok(strstr(buf, "db") == buf && strstr(buf, "db.live: bad "),
	   "a bad live file is shown as such (%s)", buf);
	top_line(&t, 4, buf, sizeof(buf));
	ok(!strncmp(buf, "web     250us      1235    3.887M      300      1.200M"
		    "      3.840G          3        7  08:00:00.999250", 73),
	   "row: rates of the second, peak 300 = 1.2M/s, 3.84 Gbit/s (%s)", buf);
	ok(strstr(buf, "   1240            488012") != NULL, "row: totals");
	top_line(&t, 1, buf, sizeof(buf));
	ok(strstr(buf, "collector pid 42") && strstr(buf, "08:00:00 to 08:00:01"),
	   "status line names the collector and the second (%s)", buf);
	/* Stale heartbeat: /proc, and a data file that must not be opened. */
	put("proc/web/stats", "name: web\nid: 9\nperiod_ns: 250000\nsamples: 4096\n"
	    "cpus: 2\nqueued: 1\noverflows: 0\nframes: 100\nbytes: 10000\n");
	put("proc/web/data", "");
	chmod(rd, 0755);
	top_refresh(&t, 1800000004200000000ULL, 1000000000);
	ok(!t.live && t.n == 1 && !t.inst[0].has_rate && t.inst[0].frames == 100,
	   "stale heartbeat (3.1 s): /proc mode, first refresh has no rate");
	top_line(&t, 1, buf, sizeof(buf));
	ok(strstr(buf, "NO COLLECTOR") && strstr(buf, "collector: 3 s old"),
	   "says so (%s)", buf);
	put("proc/web/stats", "name: web\nid: 9\nperiod_ns: 250000\nsamples: 4096\n"
	    "cpus: 2\nqueued: 1\noverflows: 0\nframes: 600\nbytes: 60000\n");
	top_refresh(&t, 1800000006200000000ULL, 3000000000ULL);
	ok(t.inst[0].has_rate && t.inst[0].pps == 250 && t.inst[0].bps == 200000,
	   "/proc: rate = 500 frames / 2 s = 250/s, 200 kbit/s");
	put("proc/web/stats", "name: web\nid: 10\nperiod_ns: 250000\nsamples: 4096\n"
	    "cpus: 2\nqueued: 1\noverflows: 0\nframes: 5\nbytes: 50\n");
	top_refresh(&t, 1800000007200000000ULL, 4000000000ULL);
	ok(!t.inst[0].has_rate, "/proc: a new id has no rate yet");
	top_free(&t);
}

int main(void)
{
	char cmd[PATH_MAX + 16];
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_archive_rows();
	test_file_names();
	test_archive_file();
	test_bins_fixed();
	test_bins_flags();
	test_bins_auto();
	test_fmt();
	test_live();
	test_top();
	ret = tap_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 2;
	return ret;
}
