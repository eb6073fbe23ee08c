// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pktstat-collect: parsers, formatting, delta logic, CSV and
 * state files, and whole collector rounds against a fake proc tree in a
 * temp directory (an append-only data file stands for the kernel's: a held
 * descriptor reads what was added since). Built with ASan/UBSan; prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "csv.h"
#include "delta.h"
#include "fmt.h"
#include "live.h"
#include "output.h"
#include "parse.h"
#include "prom.h"
#include "state.h"
#include "tap.h"

/* Window ends in 2027, instance ids like the kernel's (load time + n). */
#define T0 1800000000000000000ULL
#define P  250000ULL

static char root[256];

/* path() returns one of 4 rotating buffers: copy what must last. */
static const char *path(const char *fmt, const char *a)
{
	static char buf[4][PATH_MAX];
	static int i;
	char rel[1024];

	i = (i + 1) % 4;
	snprintf(rel, sizeof(rel), fmt, a);
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

/* Write s to p, opened with fopen() mode "w" or "a"; exit 2 if it can't. */
static void write_file(const char *p, const char *mode, const char *s)
{
	FILE *f = fopen(p, mode);

	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(s, f);
	fclose(f);
}

static void put(const char *p, const char *s)
{
	write_file(p, "w", s);
}

static void append(const char *p, const char *s)
{
	write_file(p, "a", s);
}

static char *slurp(const char *p)
{
	static char buf[8 << 20];
	FILE *f = fopen(p, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

/* After a failed ok(): show a file as TAP comments. */
static void diag(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("# %.*s\n", n, p);
		p += n + (nl != NULL);
	}
}

static int count_lines(const char *p)
{
	const char *s = slurp(p);
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

struct sums {
	int rows;
	uint64_t frames, bytes;
	struct row last;
	unsigned int flags_or;
	int merged, step, first;
};

/* Sum the delta columns of CSV files; rows = -1 if a line is bad. */
static struct sums csv_sum(const char *p)
{
	struct sums s;
	char *buf = slurp(p), *line, *save = NULL;

	memset(&s, 0, sizeof(s));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct row r;

		if (strcmp(line, "time_utc,end_ns,instance,instance_id,frames,"
				 "bytes,total_frames,total_bytes,start_ns,"
				 "period_ns,flags") == 0)
			continue;
		if (csv_parse_row(line, strlen(line), &r)) {
			s.rows = -1;
			return s;
		}
		s.frames += r.frames;
		s.bytes += r.bytes;
		s.last = r;
		s.flags_or |= r.flags;
		s.merged += !!(r.flags & ROW_MERGED);
		s.step += !!(r.flags & ROW_STEP);
		s.first += !!(r.flags & ROW_FIRST);
		s.rows++;
	}
	return s;
}

/* The fake kernel's view of one instance. */
struct fake {
	uint64_t id, created, ovf, steps, wr, frames, bytes;
	bool no_created, no_steps, no_wr;
};

static void stats_of(const char *name, const struct fake *f)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "name: %s\nid: %" PRIu64 "\nperiod_ns: "
		     "%llu\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: %"
		     PRIu64 "\nframes: %" PRIu64 "\nbytes: %" PRIu64
		     "\nrules: 1\n", name, f->id, P, f->ovf, f->frames,
		     f->bytes);
	if (!f->no_wr)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "windows_read: %" PRIu64 "\n", f->wr);
	if (!f->no_created)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "created_ns: %" PRIu64 "\n", f->created);
	if (!f->no_steps)
		snprintf(buf + n, sizeof(buf) - (size_t)n,
			 "clock_steps: %" PRIu64 "\n", f->steps);
	put(path("proc/%s/stats", name), buf);
}

/* An older module: no created_ns, clock_steps or windows_read. */
static void stats_old(const char *name, uint64_t id)
{
	struct fake f = { .id = id, .no_created = true, .no_steps = true,
			  .no_wr = true };

	stats_of(name, &f);
}

/* Append windows to the data file, as the kernel queues them. */
static void add(const char *name, const uint64_t (*l)[3], int n)
{
	char buf[4096];
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
					l[i][0], l[i][1], l[i][2]);
	buf[len] = 0;
	append(path("proc/%s/data", name), buf);
}

#define ADD(name, ...) do {						\
	const uint64_t l_[][3] = { __VA_ARGS__ };			\
	add(name, l_, (int)(sizeof(l_) / sizeof(l_[0])));		\
} while (0)

static void mkinst(const char *name, uint64_t id)
{
	mkdir(path("proc/%s", name), 0755);
	stats_old(name, id);
	put(path("proc/%s/data", name), "");
}

static void rminst(const char *name)
{
	unlink(path("proc/%s/stats", name));
	unlink(path("proc/%s/data", name));
	rmdir(path("proc/%s", name));
}

static void coll_init(struct collector *c)
{
	static char proc[PATH_MAX], out[PATH_MAX], st[PATH_MAX], run[PATH_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(out, sizeof(out), "%s/out", root);
	snprintf(st, sizeof(st), "%s/state", root);
	snprintf(run, sizeof(run), "%s/run", root);
	c->proc_root = proc;
	c->outdir = out;
	c->statedir = st;
	c->rundir = run;
	c->recheck_ns = 1;	/* every round: tests replace files */
	if (collector_init(c))
		exit(2);
}

static void fresh(void)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/proc '%s'/out '%s'/state "
		 "'%s'/run '%s'/prom", root, root, root, root, root);
	if (system(cmd))
		exit(2);
	mkdir(path("%s", "proc"), 0755);
	mkdir(path("%s", "out"), 0755);
	mkdir(path("%s", "state"), 0755);
	mkdir(path("%s", "run"), 0755);
	mkdir(path("%s", "prom"), 0755);
}

static void test_parse(void)
{
	struct sample s = { 0, 0, 0 };
	struct inst_stats st;
	uint64_t v = 0;
	bool bare = false;
	const char *good = "name: web\nid: 3\nperiod_ns: 250000\nsamples: 4096"
			   "\ncpus: 2\nqueued: 12\noverflows: 0\nframes: 123"
			   "\nbytes: 45678\nrules: 1\nwindows_read: 9\n"
			   "created_ns: 77\nclock_steps: 2\n";

	ok(parse_u64("0", 1, &v) == 0 && v == 0, "u64: 0");
	ok(parse_u64("18446744073709551615", 20, &v) == 0 && v == UINT64_MAX,
	   "u64: UINT64_MAX");
	ok(parse_u64("18446744073709551616", 20, &v) == -1,
	   "u64: UINT64_MAX + 1 rejected");
	ok(parse_u64("99999999999999999999", 20, &v) == -1,
	   "u64: 20 nines rejected");
	ok(parse_u64("", 0, &v) == -1 && parse_u64("-1", 2, &v) == -1 &&
	   parse_u64("+1", 2, &v) == -1 && parse_u64(" 1", 2, &v) == -1 &&
	   parse_u64("1a", 2, &v) == -1, "u64: empty, sign, space, junk");

	ok(parse_data_line("1 2 3", 5, &s) == 0 && s.end_ns == 1 &&
	   s.frames == 2 && s.bytes == 3, "data: good line");
	ok(parse_data_line("18446744073709551615 18446744073709551615 "
			   "18446744073709551615", 62, &s) == 0 &&
	   s.end_ns == UINT64_MAX && s.frames == UINT64_MAX &&
	   s.bytes == UINT64_MAX, "data: three UINT64_MAX");
	ok(parse_data_line("1 2", 3, &s) == -1 &&
	   parse_data_line("1 2 ", 4, &s) == -1 &&
	   parse_data_line("1", 1, &s) == -1 &&
	   parse_data_line("", 0, &s) == -1, "data: missing fields");
	ok(parse_data_line("1 2 3 4", 7, &s) == -1 &&
	   parse_data_line("1 2 3 ", 6, &s) == -1 &&
	   parse_data_line("1  2 3", 6, &s) == -1 &&
	   parse_data_line("1\t2 3", 5, &s) == -1 &&
	   parse_data_line("1 2 3\r", 6, &s) == -1 &&
	   parse_data_line(" 1 2 3", 6, &s) == -1, "data: extra fields, spaces");
	ok(parse_data_line("1 18446744073709551616 3", 24, &s) == -1,
	   "data: overflowing number");
	ok(parse_data_line("1 2 34", 5, &s) == 0 && s.bytes == 3,
	   "data: length is honoured (no NUL needed)");

	ok(parse_stats(good, strlen(good), &st) == 0 && st.id == 3 &&
	   st.period_ns == 250000 && st.samples == 4096 && st.cpus == 2 &&
	   st.queued == 12 && st.overflows == 0 && st.has_overflows &&
	   st.frames == 123 && st.bytes == 45678 && st.has_totals &&
	   st.windows_read == 9 && st.has_windows_read &&
	   st.created_ns == 77 && st.has_created && st.clock_steps == 2 &&
	   st.has_clock_steps, "stats: every key");
	ok(parse_stats("ids: 4\nperiod_ns: 1\nsamples: 2\n", 32, &st) == -1,
	   "stats: no id (a key prefix is not the key)");
	ok(parse_stats("id: x\nperiod_ns: 1\nsamples: 2\n", 30, &st) == -1,
	   "stats: bad id");
	ok(parse_stats("id: 1\nperiod_ns: 1\nsamples: 2", 29, &st) == 0 &&
	   !st.has_overflows && !st.has_created && !st.has_clock_steps &&
	   !st.has_windows_read && !st.has_totals && st.created_ns == 0,
	   "stats: an older module's keys only: the others are absent");

	ok(parse_duration("250ms", &v, &bare) == 0 && v == 250000000ULL &&
	   !bare, "duration: 250ms");
	ok(parse_duration("1.5", &v, &bare) == 0 && v == 1500000000ULL && bare,
	   "duration: 1.5 is seconds, and said to be bare");
	ok(parse_duration("2m", &v, NULL) == 0 && v == 120000000000ULL &&
	   parse_duration("24h", &v, NULL) == 0 &&
	   parse_duration("1us", &v, NULL) == 0 && v == 1000 &&
	   parse_duration("0.5us", &v, NULL) == 0 && v == 500,
	   "duration: 2m, 24h, 1us, 0.5us");
	ok(parse_duration("0", &v, NULL) == -1 &&
	   parse_duration("", &v, NULL) == -1 &&
	   parse_duration("1x", &v, NULL) == -1 &&
	   parse_duration("25h", &v, NULL) == -1 &&
	   parse_duration("1.", &v, NULL) == -1 &&
	   parse_duration(".5", &v, NULL) == -1 &&
	   parse_duration("1.0000000001", &v, NULL) == -1 &&
	   parse_duration("-1", &v, NULL) == -1,
	   "duration: zero, empty, bad unit, over a day, bad fraction");

	ok(valid_instance_name("web") && valid_instance_name("0") &&
	   valid_instance_name("a.b-c_D9") &&
	   valid_instance_name("1234567890123456789012345678901"),
	   "names: valid");
	ok(!valid_instance_name("") && !valid_instance_name(".") &&
	   !valid_instance_name("..") && !valid_instance_name(".x") &&
	   !valid_instance_name("a/b") && !valid_instance_name("a b") &&
	   !valid_instance_name("12345678901234567890123456789012"),
	   "names: invalid, dot first, slash, too long");
}

static void test_fmt(void)
{
	static const struct { uint64_t ns; const char *s; } secs[] = {
		{ 250000, "0.00025" }, { 1000, "1e-06" }, { 1500, "1.5e-06" },
		{ 10000, "1e-05" }, { 100000, "0.0001" }, { 1, "1e-09" },
		{ 1000000000, "1" }, { 1500000000, "1.5" },
		{ 3600000000000ULL, "3600" }, { 123456789, "0.123456789" },
		{ 10000000, "0.01" },
	};
	static const uint64_t nums[] = { 0, 9, 10, 99, 100, 101, 12345,
					 1000000000, UINT64_MAX };
	char buf[64], ref[64];
	struct fmt_date d = { .valid = 0 };
	bool good = true;
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		*fmt_u64(buf, nums[i]) = 0;
		snprintf(ref, sizeof(ref), "%" PRIu64, nums[i]);
		good &= strcmp(buf, ref) == 0;
	}
	ok(good, "fmt: u64 in decimal, 0 to UINT64_MAX");
	*fmt_nine(buf, 7) = 0;
	ok(strcmp(buf, "000000007") == 0, "fmt: nine digits, zero padded");
	*fmt_date(buf, &d, 1700000000) = 0;
	ok(strcmp(buf, "2023-11-14T22:13:20.") == 0, "fmt: date of a second");
	*fmt_date(buf, &d, 1700000001) = 0;
	ok(strcmp(buf, "2023-11-14T22:13:21.") == 0, "fmt: the next second");
	good = true;
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		fmt_seconds(buf, secs[i].ns);
		if (strcmp(buf, secs[i].s)) {
			printf("# %" PRIu64 " ns: %s, want %s\n", secs[i].ns,
			       buf, secs[i].s);
			good = false;
		}
	}
	ok(good, "fmt: seconds as Prometheus prints floats (0.00025, 1e-06)");
}

/* The fast row formatter against snprintf and strftime, on many rows. */
static void test_format_ref(void)
{
	static const char *const fw[8] = {
		"", "first", "step", "first+step", "merged", "first+merged",
		"step+merged", "first+step+merged",
	};
	char buf[CSV_ROW_BUF], ref[CSV_ROW_BUF], date[32];
	uint64_t x = 88172645463325252ULL, end = 1700000000000000000ULL;
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		struct row r;
		time_t sec;
		struct tm tm;
		size_t n;
		const char *name = i % 3 ? "web" : "x.y-z_1234567890123456789012";

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly consecutive windows; now and then a jump or step. */
		end += i % 97 == 0 ? x % 5000000000ULL : 250000;
		if (i % 1013 == 0)
			end = x % 4000000000000000000ULL;
		r.end_ns = end;
		r.id = i % 5 ? 1764259100000000001ULL : x >> 7;
		r.frames = x % 100000;
		r.bytes = x >> (i % 64);
		r.total_frames = x >> 20;
		r.total_bytes = x;
		r.start_ns = i % 7 ? end - 250000 : x % (end + 1);
		r.period_ns = i % 11 ? 250000 : 1 + x % 3600000000000ULL;
		r.flags = (unsigned int)(x >> 61);
		n = csv_format_row(buf, &r, name, strlen(name));
		sec = (time_t)(r.end_ns / 1000000000ULL);
		gmtime_r(&sec, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ref, sizeof(ref), "%s.%09" PRIu64 "Z,%" PRIu64 ",%s,%"
			 PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			 ",%" PRIu64 ",%" PRIu64 ",%s\n", date,
			 (uint64_t)(r.end_ns % 1000000000ULL), r.end_ns, name, r.id, r.frames,
			 r.bytes, r.total_frames, r.total_bytes, r.start_ns,
			 r.period_ns, fw[r.flags]);
		if (n != strlen(ref) || memcmp(buf, ref, n)) {
			if (bad++ < 3)
				printf("# got %.*s# want %s", (int)n, buf, ref);
		}
	}
	ok(bad == 0, "csv: 200000 rows formatted exactly as snprintf and "
	   "strftime would (%d differ)", bad);
}

static void test_delta(void)
{
	struct cursor c = { .valid = false };
	struct series_ctx ctx = { .id = 3, .period_ns = P, .created_ns = T0 - P };
	struct sample s = { T0, 10, 1000 };
	struct row r;

	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEW_SERIES && r.frames == 10 &&
	   r.bytes == 1000 && r.id == 3 && r.flags == ROW_FIRST &&
	   r.start_ns == T0 - P && r.period_ns == P,
	   "delta: first row counts from zero, starts at created_ns");
	s = (struct sample){ T0 + P, 15, 1600 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEXT && r.frames == 5 &&
	   r.bytes == 600 && r.total_frames == 15 && r.flags == 0 &&
	   r.start_ns == T0, "delta: next row, starts at the previous end");
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_STALE &&
	   c.end_ns == T0 + P, "delta: same window again is stale");
	s = (struct sample){ T0 + 5 * P, 15, 1600 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_STALE,
	   "delta: a later end with the same totals is stale (counted)");
	s = (struct sample){ T0 - 100 * P, 17, 1800 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEXT && r.frames == 2 &&
	   r.flags == ROW_STEP && r.start_ns == T0 - 101 * P,
	   "delta: an earlier end with higher totals: a clock step, counted");
	s = (struct sample){ T0, 1, 1 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_STALE,
	   "delta: lower totals, same id: stale, never negative");
	ctx.id = 4;
	ctx.created_ns = 0;
	ctx.first_flags = ROW_MERGED;
	s = (struct sample){ T0 + 2 * P, 20, 2000 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEW_SERIES && r.frames == 20 &&
	   r.id == 4 && r.flags == (ROW_FIRST | ROW_MERGED) &&
	   r.start_ns == T0 + P,
	   "delta: new id, no created_ns: first row starts a period back");
	ctx.next_flags = ROW_MERGED | ROW_STEP;
	s = (struct sample){ T0 + 3 * P, 25, 2500 };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEXT &&
	   r.flags == (ROW_MERGED | ROW_STEP) && r.start_ns == T0 + 2 * P,
	   "delta: the caller's flags");
	c = (struct cursor){ true, 7, T0, UINT64_MAX - 5, UINT64_MAX - 50 };
	ctx = (struct series_ctx){ .id = 7, .period_ns = P };
	s = (struct sample){ T0 + P, UINT64_MAX, UINT64_MAX };
	ok(delta_apply(&c, &ctx, &s, &r) == DELTA_NEXT && r.frames == 5 &&
	   r.bytes == 50, "delta: up to UINT64_MAX");
}

static bool row_eq(const struct row *a, const struct row *b)
{
	return a->end_ns == b->end_ns && a->id == b->id &&
	       a->frames == b->frames && a->bytes == b->bytes &&
	       a->total_frames == b->total_frames &&
	       a->total_bytes == b->total_bytes && a->start_ns == b->start_ns &&
	       a->period_ns == b->period_ns && a->flags == b->flags;
}

static void test_csv_state(void)
{
	struct row r = { 1700000000123456789ULL, 3, 1, 2, 3, 4,
			 1700000000123206789ULL, 250000, ROW_FIRST | ROW_MERGED };
	struct row q;
	struct state st = { { true, 9, T0, 11, 22 }, 5, 2, 40, 0, 0 }, st2;
	char buf[CSV_ROW_BUF];
	size_t n = csv_format_row(buf, &r, "web", 3);
	const char *f = path("%s", "t.csv");
	int fd;

	buf[n] = 0;
	ok(n == strlen(buf) && strcmp(buf, "2023-11-14T22:13:20.123456789Z,"
	   "1700000000123456789,web,3,1,2,3,4,1700000000123206789,250000,"
	   "first+merged\n") == 0, "csv: format 2 row, ISO 8601 UTC with ns");
	r = (struct row){ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
			  UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 7 };
	n = csv_format_row(buf, &r, "1234567890123456789012345678901", 31);
	ok(n < CSV_ROW_MAX && csv_parse_row(buf, n - 1, &q) == 0 &&
	   row_eq(&q, &r),
	   "csv: longest row (%zu bytes) fits, round trip", n);
	ok(csv_parse_row("a,1,b,2,3,4,5,6", 15, &q) == 0 && q.end_ns == 1 &&
	   q.total_bytes == 6 && q.flags == 0 && q.start_ns == 0,
	   "csv: a format 1 row still parses (recovery after an upgrade)");
	ok(csv_parse_row("a,1,b,2,3,4,5", 13, &q) == -1 &&
	   csv_parse_row("a,1,b,2,3,4,5,6,7", 17, &q) == -1 &&
	   csv_parse_row("a,1,b,2,3,4,5,6,7,8,bogus", 25, &q) == -1 &&
	   csv_parse_row("a,1,b,2,3,4,5,6,7,8,,", 21, &q) == -1 &&
	   csv_parse_row(CSV_HEADER, sizeof(CSV_HEADER) - 2, &q) == -1,
	   "csv: wrong field count, unknown flag, header is not a row");

	ok(csv_last_row(f, &q) == 0, "csv: no file, no last row");
	fd = csv_open(f, true);
	close(fd);
	ok(fd >= 0 && strcmp(slurp(f), CSV_HEADER) == 0,
	   "csv: new file gets the header");
	ok(csv_last_row(f, &q) == 0, "csv: header only, no last row");
	append(f, "2023-11-14T22:13:20.1Z,5,web,3,1,2,3,4,0,1,\n2023-11-14T2");
	ok(csv_last_row(f, &q) == 1 && q.end_ns == 5,
	   "csv: last row ignores a torn tail");
	fd = csv_open(f, true);
	close(fd);
	ok(fd >= 0 && count_lines(f) == 2 &&
	   slurp(f)[strlen(slurp(f)) - 1] == '\n', "csv: open cuts a torn tail");
	put(f, "time_u");
	fd = csv_open(f, true);
	close(fd);
	ok(fd >= 0 && strcmp(slurp(f), CSV_HEADER) == 0,
	   "csv: a torn header is rewritten");
	put(f, CSV_HEADER_V1 "2023-11-14T22:13:20.1Z,5,web,3,1,2,3,4\n");
	ok(csv_open(f, true) == CSV_FOREIGN && csv_last_row(f, &q) == 1 &&
	   q.total_frames == 3, "csv: a format 1 file is foreign, its last "
	   "row readable");
	unlink(f);
	ok(csv_open(f, false) == -1 && errno == ENOENT,
	   "csv: open without create");

	f = path("%s", "t.state");
	ok(state_save(f, &st) == 0 && state_load(f, &st2) == 1 &&
	   st2.cur.valid && st2.cur.id == 9 && st2.cur.end_ns == T0 &&
	   st2.cur.frames == 11 && st2.cur.bytes == 22 && st2.overflows == 5 &&
	   st2.clock_steps == 2 && st2.windows_read == 40,
	   "state: save and load");
	put(f, "version: 1\nid: 1\nend_ns: 2\nframes: 3\nbytes: 4\n"
	       "overflows: 0\nended: 1\n");
	ok(state_load(f, &st2) == 1 && st2.cur.frames == 3 &&
	   st2.windows_read == 0, "state: an older version's file loads");
	put(f, "version: 1\nid: 1\n");
	ok(state_load(f, &st2) == -1 && !st2.cur.valid,
	   "state: truncated file is invalid");
	unlink(f);
	ok(state_load(f, &st2) == 0, "state: missing file");
}

static const char *csvp(const char *name)
{
	return path("out/%s.csv", name);
}

/* The basic rounds and the item 9 race: exact, first flag, start_ns. */
static void test_rounds(void)
{
	struct fake f = { .id = 3, .created = T0 };
	struct collector c;
	struct sums s;

	fresh();
	mkinst("web", 3);
	stats_of("web", &f);
	coll_init(&c);
	ADD("web", { T0 + P, 2, 200 }, { T0 + 3 * P, 5, 530 },
	    { T0 + 4 * P, 6, 600 });
	ok(collector_round(&c) == 0, "round: no error");
	s = csv_sum(csvp("web"));
	ok(s.rows == 3 && s.frames == 6 && s.bytes == 600 && s.first == 1 &&
	   s.merged == 0 && s.step == 0, "round: three rows, deltas sum to "
	   "totals, one first row");
	ok(strstr(slurp(csvp("web")), ",web,3,2,200,2,200,1800000000000000000,"
		  "250000,first\n") &&
	   strstr(slurp(csvp("web")), ",web,3,3,330,5,530,1800000000000250000,"
		  "250000,\n"), "round: first row spans from created_ns, the "
	   "next from the previous end");
	collector_round(&c);
	ADD("web", { T0 + 5 * P, 9, 900 });
	collector_round(&c);
	collector_save_all(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 4 && s.frames == 9 && s.last.frames == 3,
	   "round: held data file reads what was added");

	/* Restart: the data file is read again from its start (stale). */
	coll_init(&c);
	ADD("web", { T0 + 6 * P, 10, 1000 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 5 && s.frames == 10 && s.last.frames == 1,
	   "restart: windows already written are skipped, next exact");

	/* Crash after the CSV write, before the state: CSV is newer. */
	append(csvp("web"), "2027-01-15T08:00:00.001750000Z,1800000000001750000"
	       ",web,3,2,200,12,1200,1800000000001500000,250000,\n");
	coll_init(&c);
	ADD("web", { T0 + 7 * P, 12, 1200 }, { T0 + 8 * P, 15, 1234 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 7 && s.frames == 15 && s.bytes == 1234 &&
	   s.last.frames == 3, "recovery: a CSV row newer than the state wins");

	/* Crash mid-write: torn last line. */
	append(csvp("web"), "2027-01-15T08:00:00.002000000Z,18000000000020");
	coll_init(&c);
	ADD("web", { T0 + 9 * P, 20, 2000 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 8 && s.frames == 20 && s.bytes == 2000 &&
	   s.last.frames == 5, "recovery: torn last line cut, delta exact");
}

/*
 * Issue 10 item 1: a round whose listing fails (EMFILE here) changes
 * nothing: no instance is gone, nothing is counted twice.
 */
static void test_listing_fails(void)
{
	struct collector c;
	struct rlimit rl, tight;
	struct sums s;
	int fd, errs;

	fresh();
	mkinst("a", 5);
	mkinst("b", 6);
	coll_init(&c);
	ADD("a", { T0 + P, 10, 1000 });
	ADD("b", { T0 + P, 5, 500 });
	collector_round(&c);
	ADD("a", { T0 + 2 * P, 12, 1200 });
	ADD("b", { T0 + 2 * P, 6, 600 });
	/* No fd left: opendir fails with EMFILE. */
	getrlimit(RLIMIT_NOFILE, &rl);
	fd = dup(0);
	close(fd);
	tight = rl;
	tight.rlim_cur = (rlim_t)fd;
	setrlimit(RLIMIT_NOFILE, &tight);
	errs = collector_round(&c);
	setrlimit(RLIMIT_NOFILE, &rl);
	ok(errs > 0 && c.ninst == 2, "listing failed (EMFILE): reported, "
	   "both instances kept");
	ADD("a", { T0 + 3 * P, 15, 1500 });
	ADD("b", { T0 + 3 * P, 7, 700 });
	ok(collector_round(&c) == 0, "listing back: no error");
	collector_free(&c);
	s = csv_sum(csvp("a"));
	ok(s.rows == 3 && s.frames == 15 && s.bytes == 1500 && s.first == 1,
	   "listing failed: a's CSV sums to 15 frames, not more");
	s = csv_sum(csvp("b"));
	ok(s.rows == 3 && s.frames == 7 && s.first == 1,
	   "listing failed: b's CSV sums to 7 frames, not more");
	ok(!strstr(slurp(path("state/%s.state", "a")), "ended"),
	   "listing failed: no series was ended");

	/* A missing proc root is a listing that succeeded: no module. */
	coll_init(&c);
	rename(path("%s", "proc"), path("%s", "proc.away"));
	collector_round(&c);
	ok(c.ninst == 0 && c.proc_missing, "no proc root: no instance");
	rename(path("%s", "proc.away"), path("%s", "proc"));
	ADD("a", { T0 + 4 * P, 16, 1600 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("a"));
	ok(s.rows == 4 && s.frames == 16 && s.first == 1,
	   "module back, same id: the series continues, exact");
}

/*
 * Issue 10 item 2: the id decides, whatever the clock says. Window ends
 * from 2023 (before this boot, by any clock) continue their series.
 */
static void test_old_clock(void)
{
	const uint64_t t = 1700000000000000000ULL;
	struct collector c;
	struct sums s;

	fresh();
	mkinst("old", 42);
	coll_init(&c);
	ADD("old", { t + P, 200, 20000 });
	collector_round(&c);
	collector_free(&c);
	coll_init(&c);
	ADD("old", { t + 2 * P, 250, 25000 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("old"));
	ok(s.rows == 2 && s.frames == 250 && s.last.frames == 50 &&
	   s.first == 1, "rows older than this boot, same id: the series "
	   "continues (250 frames, not 450)");

	/* Vanished and back with the same id: the same instance. */
	coll_init(&c);
	rminst("old");
	collector_round(&c);
	ok(c.ninst == 0, "vanished: forgotten");
	mkinst("old", 42);
	ADD("old", { t + 3 * P, 260, 26000 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("old"));
	ok(s.rows == 3 && s.frames == 260 && s.first == 1,
	   "back with the same id: continues, exact");
	ok(strstr(slurp(path("state/%s.last", "old")), "\nframes: 260\n") != NULL,
	   "NAME.last holds the last row written");

	/* Recreated: another id, totals restart. */
	coll_init(&c);
	rminst("old");
	mkinst("old", 43);
	ADD("old", { t + 4 * P, 4, 400 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("old"));
	ok(s.rows == 4 && s.frames == 264 && s.last.frames == 4 &&
	   s.last.id == 43 && s.first == 2 && s.last.flags == ROW_FIRST,
	   "another id: a new series from zero, flagged first");
}

static const char *race_name;

/* Recreate the instance between the data open and the stats read. */
static void recreate_hook(struct collector *c, struct instance *in)
{
	if (strcmp(in->name, race_name))
		return;
	c->test_hook = NULL;
	rminst(race_name);
	mkinst(race_name, 9);
	ADD(race_name, { T0 + 20 * P, 3, 300 });
}

/* Issue 10 item 9: an instance recreated during the read. */
static void test_race(void)
{
	struct collector c;
	struct sums s;

	fresh();
	mkinst("race", 8);
	coll_init(&c);
	ADD("race", { T0 + P, 50, 5000 });
	collector_round(&c);
	/*
	 * A new data file makes the held one stale; the reopen meets an
	 * instance recreated (id 9) between its open and the stats read.
	 */
	race_name = "race";
	c.test_hook = recreate_hook;
	rminst("race");
	mkinst("race", 8);
	collector_round(&c);
	ADD("race", { T0 + 21 * P, 5, 500 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("race"));
	ok(s.rows == 3 && s.frames == 55 && s.last.id == 9 &&
	   s.last.frames == 2 && s.first == 2,
	   "recreated between the data open and the stats read: its rows "
	   "carry its own id, counted once (55 frames, not 58)");
}

/* Issue 10 item 4: recovery whatever logrotate named the old file. */
static void test_rotation(void)
{
	struct collector c;
	struct sums s, s2;
	int fd;

	fresh();
	mkinst("web", 3);
	coll_init(&c);
	ADD("web", { T0 + P, 10, 1000 });
	collector_round(&c);
	collector_free(&c);	/* a clean stop saved nothing yet */
	coll_init(&c);
	ADD("web", { T0 + 2 * P, 20, 2000 }, { T0 + 3 * P, 25, 2500 });
	collector_round(&c);
	/* logrotate with dateext: rename + create; then a crash mid-row. */
	append(csvp("web"), "2027-01-15T08:00:00.0010");
	rename(csvp("web"), path("out/%s.csv-20261202", "web"));
	put(csvp("web"), "");
	collector_free(&c);
	coll_init(&c);
	ADD("web", { T0 + 4 * P, 35, 3500 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	s2 = csv_sum(path("out/%s.csv-20261202", "web"));
	ok(s.rows == 1 && s.frames == 10 && s2.frames == 25 &&
	   s.frames + s2.frames == 35, "dateext rotation, then a crash: "
	   "35 frames in all, not 60");
	ok(strncmp(slurp(csvp("web")), CSV_HEADER, sizeof(CSV_HEADER) - 1) == 0,
	   "the new file got the header");
	s = csv_sum(path("out/%s.csv-20261202", "web"));
	ok(s.rows == 3, "the row the crash tore in the rotated file was cut");

	/* olddir: the old file moves to another directory. */
	coll_init(&c);
	ADD("web", { T0 + 5 * P, 40, 4000 });
	collector_round(&c);
	mkdir(path("out/%s", "old"), 0755);
	rename(csvp("web"), path("out/old/%s.csv.1", "web"));
	put(csvp("web"), "");
	collector_free(&c);
	coll_init(&c);
	ADD("web", { T0 + 6 * P, 47, 4700 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 7, "olddir rotation, then a crash: "
	   "the next row counts 7, not 17");

	/* Rotated, no new file yet, the synced state gone: NAME.last tells. */
	coll_init(&c);
	ADD("web", { T0 + 7 * P, 50, 5000 });
	collector_round(&c);
	rename(csvp("web"), path("out/%s.csv.9", "web"));
	collector_free(&c);
	unlink(path("state/%s.state", "web"));
	coll_init(&c);
	ADD("web", { T0 + 8 * P, 51, 5100 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 1 && s.last.total_frames == 51,
	   "rotated, no new file yet, state deleted: exact from NAME.last");

	/*
	 * Killed between a CSV write and NAME.last's update while logrotate
	 * renamed the file into a directory below: found by its inode.
	 */
	coll_init(&c);
	ADD("web", { T0 + 9 * P, 52, 5200 });
	collector_round(&c);
	{
		char old[STATE_RECORD + 1];

		snprintf(old, sizeof(old), "%s",
			 slurp(path("state/%s.last", "web")));
		ADD("web", { T0 + 10 * P, 55, 5500 });
		collector_round(&c);
		collector_free(&c);
		put(path("state/%s.last", "web"), old);
	}
	unlink(path("state/%s.state", "web"));
	rename(csvp("web"), path("out/old/%s.csv.2", "web"));
	put(csvp("web"), "");
	coll_init(&c);
	ADD("web", { T0 + 11 * P, 57, 5700 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 2, "NAME.last one write behind, the "
	   "file rotated into old/: found by inode, the next row counts 2, "
	   "not 5");

	/* A daemon sees rename + create: new file, exact delta. */
	coll_init(&c);
	ADD("web", { T0 + 12 * P, 58, 5800 });
	collector_round(&c);
	rename(csvp("web"), path("out/%s.csv.1", "web"));
	put(csvp("web"), "");
	ADD("web", { T0 + 13 * P, 60, 6000 });
	collector_round(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 2, "rename + create under a running "
	   "collector: the new file gets the next row, exact");

	/* Issue 10 item 6: the current file deleted. */
	unlink(csvp("web"));
	ADD("web", { T0 + 14 * P, 65, 6500 });
	collector_round(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 5, "deleted current CSV: noticed, a new "
	   "file holds the next row");

	/* Disk full mid-round: rows held in memory, then written. */
	fd = open("/dev/full", O_WRONLY);
	dup2(fd, c.inst[0]->cfd);
	close(fd);
	ADD("web", { T0 + 15 * P, 66, 6600 }, { T0 + 16 * P, 68, 6800 });
	ok(collector_round(&c) == 1 && collector_pending(&c) == 2 &&
	   csv_sum(csvp("web")).rows == 1, "ENOSPC: rows held in memory");
	ok(collector_round(&c) == 0 && collector_pending(&c) == 0,
	   "ENOSPC: rows written after recovery");
	s = csv_sum(csvp("web"));
	ok(s.rows == 3 && s.frames == 8 && s.last.total_frames == 68,
	   "ENOSPC: exact");

	/* A CSV that cannot be opened: nothing is read from the kernel. */
	rename(csvp("web"), path("out/%s.csv.2", "web"));
	mkdir(csvp("web"), 0755);
	collector_reopen(&c);
	ADD("web", { T0 + 17 * P, 69, 6900 });
	ok(collector_round(&c) == 1 && collector_pending(&c) == 1,
	   "EISDIR: error reported, the rows of one read held");
	rmdir(csvp("web"));
	ok(collector_round(&c) == 0 && csv_sum(csvp("web")).frames == 1,
	   "EISDIR: fixed, next round exact");
	collector_free(&c);
}

/* A timer run between logrotate's rename and its create (item 9). */
static void test_once_mid_rotation(void)
{
	struct collector c;
	struct sums s, s1;
	pid_t pid;
	int st;

	fresh();
	mkinst("web", 3);
	coll_init(&c);
	c.once = true;
	ADD("web", { T0 + P, 10, 1000 });
	collector_round(&c);
	collector_free(&c);
	rename(csvp("web"), path("out/%s.csv.1", "web"));
	pid = fork();
	if (pid == 0) {
		/* logrotate creates the new file a moment after the rename. */
		int fd;

		usleep(200000);
		fd = open(csvp("web"), O_WRONLY | O_CREAT | O_EXCL, 0640);
		_exit(fd < 0 ? 1 : 0);
	}
	coll_init(&c);
	c.once = true;
	ADD("web", { T0 + 2 * P, 12, 1200 });
	collector_round(&c);
	collector_free(&c);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "--once between rename and create: logrotate's create succeeded");
	s = csv_sum(csvp("web"));
	s1 = csv_sum(path("out/%s.csv.1", "web"));
	ok(s.rows == 1 && s.frames == 2 && s1.rows == 1 && s1.frames == 10,
	   "--once between rename and create: the row went to the new file");
}

/* Upgrade: a format 1 file is moved aside, the series continues. */
static void test_format1(void)
{
	struct collector c;
	struct sums s;

	fresh();
	mkinst("web", 3);
	put(csvp("web"), CSV_HEADER_V1
	    "2027-01-15T08:00:00.000250000Z,1800000000000250000,web,3,10,1000,"
	    "10,1000\n");
	coll_init(&c);
	ADD("web", { T0 + P, 10, 1000 }, { T0 + 2 * P, 14, 1400 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("web"));
	ok(s.rows == 1 && s.frames == 4 && s.first == 0 &&
	   strstr(slurp(path("out/%s.csv.format1", "web")), ",3,10,1000,10,1000"),
	   "format 1 file renamed to .format1, the series continues exactly");
}

/*
 * Row flags from the kernel's counters (item 8). The fake windows_read is
 * what the kernel would say: the lines the collector read, plus others'.
 */
static void test_flags(void)
{
	struct fake f = { .id = 3, .created = T0 };
	struct collector c;
	struct sums s;

	fresh();
	mkinst("fl", 3);
	stats_of("fl", &f);
	coll_init(&c);
	ADD("fl", { T0 + P, 1, 100 });
	collector_round(&c);
	f.wr = 1;
	stats_of("fl", &f);
	collector_round(&c);	/* an empty read */
	/* Windows merged by an overflow before the next read. */
	f.ovf = 2;
	stats_of("fl", &f);
	ADD("fl", { T0 + 9 * P, 5, 500 });
	collector_round(&c);
	s = csv_sum(csvp("fl"));
	ok(s.rows == 2 && s.last.flags == ROW_MERGED && s.merged == 1,
	   "overflows grew: the row read after it is flagged merged");
	f.wr = 2;
	stats_of("fl", &f);
	ADD("fl", { T0 + 10 * P, 6, 600 });
	collector_round(&c);
	s = csv_sum(csvp("fl"));
	ok(s.rows == 3 && s.last.flags == 0, "no growth: no flag");
	/* Another reader took a window: windows_read grew past ours. */
	f.wr = 4;
	stats_of("fl", &f);
	ADD("fl", { T0 + 13 * P, 9, 900 });
	collector_round(&c);
	s = csv_sum(csvp("fl"));
	ok(s.rows == 4 && s.last.flags == ROW_MERGED && s.frames == 9,
	   "another reader took a window: flagged merged, counts exact");
	/* The clock stepped: the counter, and an end not after the last. */
	f.wr = 5;
	f.steps = 1;
	stats_of("fl", &f);
	ADD("fl", { T0 + 5 * P, 10, 1000 });
	collector_round(&c);
	s = csv_sum(csvp("fl"));
	ok(s.rows == 5 && s.last.flags == ROW_STEP &&
	   s.last.start_ns == T0 + 4 * P && s.frames == 10,
	   "clock stepped back: flagged step, start_ns a period back, exact");
	collector_save_all(&c);
	collector_free(&c);
	ok(strstr(slurp(path("state/%s.state", "fl")), "\nwindows_read: 6\n")
	   != NULL, "state: windows_read as the kernel would say (6)");

	/* Restart: windows_read proves nothing was lost meanwhile. */
	f.wr = 6;
	stats_of("fl", &f);
	coll_init(&c);
	ADD("fl", { T0 + 20 * P, 12, 1200 });
	collector_round(&c);
	collector_save_all(&c);
	collector_free(&c);
	s = csv_sum(csvp("fl"));
	if (!ok(s.rows == 6 && s.last.flags == 0, "restart after a clean "
		"stop, windows_read as saved: no flag"))
		diag(slurp(csvp("fl")));
	/* A collector read a window and died before writing it. */
	f.wr = 8;
	stats_of("fl", &f);
	coll_init(&c);
	ADD("fl", { T0 + 22 * P, 15, 1500 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("fl"));
	ok(s.rows == 7 && s.last.flags == ROW_MERGED && s.frames == 15,
	   "restart, a window read and never written: flagged merged, exact");

	/* An older module: first row starts a period back, no counters. */
	mkinst("old", 4);
	coll_init(&c);
	ADD("old", { T0 + 4 * P, 2, 200 });
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("old"));
	ok(s.rows == 1 && s.last.flags == ROW_FIRST &&
	   s.last.start_ns == T0 + 3 * P, "older module: first row from "
	   "end_ns - period_ns");
}

/* The live view: exact content, atomic replace, removal (issue 12). */
static void test_live(void)
{
	static char prom[PATH_MAX];
	struct fake f = { .id = 77, .created = T0 + 900000000ULL, .frames = 9,
			  .bytes = 900 };
	struct collector c;
	struct stat a, b;
	char *s;
	int fd;

	fresh();
	mkinst("lv", 77);
	stats_of("lv", &f);
	coll_init(&c);
	c.interval_ns = 100000000;
	/* Second 1800000001: 3 rows; second ...002: a merged row, then one. */
	ADD("lv", { T0 + 900000000ULL + P, 2, 200 },
	    { T0 + 999000000ULL, 6, 660 }, { T0 + 1000000000ULL, 7, 700 });
	collector_round(&c);
	s = slurp(path("run/%s", "lv.live"));
	ok(strstr(s, "version: 1\nname: lv\ninstance_id: 77\nperiod_ns: 250000"
		  "\nsamples: 4096\nupdated_ns: ") &&
	   strstr(s, "\ninterval_ns: 100000000\nlast_end_ns: "
		  "1800000001000000000\ntotal_frames: 7\ntotal_bytes: 700\n"
		  "overflows: 0\nqueued: 0\nclock_steps: 0\nseconds: 1\n"
		  "S 1800000001000000000 7 700 4 1800000000999000000 460 "
		  "1800000000999000000 3\nwindows: 3\n"
		  "W 1800000000900250000 2 200\nW 1800000000999000000 4 460\n"
		  "W 1800000001000000000 1 40\n") &&
	   s[strlen(s) - 1] == '\n',
	   "live view: keys, one S line with the peak row, three W lines");
	stat(path("run/%s", "lv.live"), &a);
	fd = open(path("run/%s", "lv.live"), O_RDONLY);
	f.ovf = 1;
	f.wr = 3;
	stats_of("lv", &f);
	ADD("lv", { T0 + 1500000000ULL, 20, 2000 },
	    { T0 + 1600000000ULL, 22, 2200 });
	collector_round(&c);
	stat(path("run/%s", "lv.live"), &b);
	s = slurp(path("run/%s", "lv.live"));
	ok(a.st_ino != b.st_ino && fd >= 0 &&
	   lseek(fd, 0, SEEK_END) == a.st_size,
	   "live view: replaced by rename, a reader keeps the whole old file");
	close(fd);
	ok(strstr(s, "overflows: 1\n") && strstr(s, "seconds: 2\n") &&
	   strstr(s, "S 1800000002000000000 15 1500 0 0 0 0 2\nwindows: 5\n"),
	   "live view: merged rows count in the sums, not as peaks");
	snprintf(prom, sizeof(prom), "%s/prom", root);
	c.promdir = prom;
	c.prom_at = 0;
	ADD("lv", { T0 + 1700000000ULL, 30, 3000 });
	f.frames = 31;
	f.bytes = 3100;
	f.wr = 5;
	f.steps = 2;
	stats_of("lv", &f);
	mkinst("idle", 78);
	collector_round(&c);
	s = slurp(path("prom/%s", "xt_pktstat.prom"));
	if (!ok(strstr(s, "# TYPE xt_pktstat_frames_total counter\n"
		  "xt_pktstat_frames_total{name=\"idle\",period=\"0.00025\"} 0\n"
		  "xt_pktstat_frames_total{name=\"lv\",period=\"0.00025\"} 31\n")
	   && strstr(s, "xt_pktstat_bytes_total{name=\"lv\",period=\"0.00025\"} "
		     "3100\n")
	   && strstr(s, "xt_pktstat_overflows_total{name=\"lv\",period="
		     "\"0.00025\"} 1\n")
	   && strstr(s, "xt_pktstat_clock_steps_total{name=\"lv\",period="
		     "\"0.00025\"} 2\n")
	   && strstr(s, "xt_pktstat_queued_windows{name=\"lv\",period="
		     "\"0.00025\"} 0\n")
	   && strstr(s, "xt_pktstat_period_seconds{name=\"lv\",period="
		     "\"0.00025\"} 0.00025\n")
	   && strstr(s, "xt_pktstat_peak_window_frames{name=\"lv\",period="
		     "\"0.00025\"} 8\n")
	   && strstr(s, "xt_pktstat_peak_window_bytes{name=\"lv\",period="
		     "\"0.00025\"} 800\n")
	   && !strstr(s, "clock_steps_total{name=\"idle\"")
	   && strstr(s, "xt_pktstat_queued_windows{name=\"idle\",period="
		     "\"0.00025\"} 0\n")
	   && strstr(s, "\nxt_pktstat_collector_last_round_timestamp_seconds "),
	   "metrics: kernel totals, counters, period, the peak window since "
	   "the last write (8 frames, 800 bytes), older module's absent keys"))
		diag(s);
	c.prom_at = 0;
	collector_round(&c);
	s = slurp(path("prom/%s", "xt_pktstat.prom"));
	ok(strstr(s, "xt_pktstat_peak_window_frames{name=\"lv\",period="
		  "\"0.00025\"} 0\n") != NULL,
	   "metrics: no traffic since the last write: peak 0");
	/* An idle instance: checked every second, rewritten on change only. */
	stat(path("run/%s", "idle.live"), &a);
	c.inst[1]->live_at = c.inst[0]->live_at = 0;
	collector_round(&c);
	stat(path("run/%s", "idle.live"), &b);
	ok(a.st_ino == b.st_ino, "live view: an idle instance's file is left "
	   "as it is");
	{
		struct fake g = { .id = 78, .no_created = true, .no_steps = true,
				  .no_wr = true };

		g.ovf = 4;
		stats_of("idle", &g);
	}
	c.inst[1]->live_at = c.inst[0]->live_at = 0;
	collector_round(&c);
	stat(path("run/%s", "idle.live"), &b);
	ok(a.st_ino != b.st_ino &&
	   strstr(slurp(path("run/%s", "idle.live")), "\noverflows: 4\n"),
	   "live view: rewritten when its stats change");
	rminst("lv");
	c.prom_at = 0;
	collector_round(&c);
	s = slurp(path("prom/%s", "xt_pktstat.prom"));
	ok(access(path("run/%s", "lv.live"), F_OK) && errno == ENOENT &&
	   !strstr(s, "name=\"lv\"") && strstr(s, "name=\"idle\""),
	   "instance gone: its live view and metrics go");
	ok(strstr(slurp(path("run/%s", "collector")), "interval_ns: 100000000\n")
	   != NULL, "heartbeat: pid, updated_ns, interval_ns");
	collector_stop_views(&c);
	ok(access(path("run/%s", "collector"), F_OK) &&
	   access(path("run/%s", "idle.live"), F_OK),
	   "a clean stop removes the heartbeat and the live views");
	collector_free(&c);
}

/* More lines than one read buffer, and bad lines among them. */
static void test_big(void)
{
	const int n = 50000;
	struct collector c;
	struct sums s;
	FILE *f;
	int i;

	fresh();
	mkinst("big", 1);
	f = fopen(path("proc/%s/data", "big"), "w");
	for (i = 1; i <= n; i++) {
		fprintf(f, "%llu %d %d\n", T0 + (unsigned long long)i * P, i,
			i * 100);
		if (i == 1000)
			fputs("garbage line\n", f);
	}
	fclose(f);
	coll_init(&c);
	collector_round(&c);
	collector_free(&c);
	s = csv_sum(csvp("big"));
	ok(s.rows == n && s.frames == (uint64_t)n &&
	   s.bytes == (uint64_t)n * 100, "big: %d rows over many buffers, "
	   "exact", n);
}

int main(void)
{
	char tmpl[] = "/tmp/pktstat-unit.XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(root, sizeof(root), "%s", tmpl);
	test_parse();
	test_fmt();
	test_format_ref();
	test_delta();
	test_csv_state();
	test_rounds();
	test_listing_fails();
	test_old_clock();
	test_race();
	test_rotation();
	test_once_mid_rotation();
	test_format1();
	test_flags();
	test_live();
	test_big();
	if (!tap_failed && !getenv("KEEP")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			return 2;
	} else {
		fprintf(stderr, "test tree kept in %s\n", root);
	}
	return tap_done();
}
