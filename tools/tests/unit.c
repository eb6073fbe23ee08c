// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of pktstat-collect: parsers, delta logic, CSV and state files,
 * and whole collector rounds against a fake proc tree in a temp directory.
 * Built with ASan/UBSan; prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "csv.h"
#include "delta.h"
#include "parse.h"
#include "state.h"
#include "tap.h"

/* path() returns one of 4 rotating buffers: copy what must last. */

/* Realistic window ends: the collector treats older ones as another boot. */
#define T0 1800000000000000000ULL
#define P  250000ULL

static char root[256];

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

static void put(const char *p, const char *s)
{
	FILE *f = fopen(p, "w");

	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(s, f);
	fclose(f);
}

static void append(const char *p, const char *s)
{
	FILE *f = fopen(p, "a");

	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(s, f);
	fclose(f);
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

static int count_lines(const char *p)
{
	const char *s = slurp(p);
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Sum the delta columns of a CSV; returns rows, -1 if a line is bad. */
static int csv_sum(const char *p, uint64_t *frames, uint64_t *bytes,
		   struct row *last)
{
	char *s = slurp(p), *line, *save = NULL;
	int rows = 0;

	*frames = *bytes = 0;
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct row r;

		if (strcmp(line, "time_utc,end_ns,instance,instance_id,frames,"
				 "bytes,total_frames,total_bytes") == 0)
			continue;
		if (csv_parse_row(line, strlen(line), &r))
			return -1;
		*frames += r.frames;
		*bytes += r.bytes;
		if (last)
			*last = r;
		rows++;
	}
	return rows;
}

static void stats(const char *name, uint64_t id, uint64_t ovf)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "name: %s\nid: %" PRIu64 "\nperiod_ns: %llu"
		 "\nsamples: 4096\ncpus: 2\nqueued: 0\noverflows: %" PRIu64
		 "\nframes: 0\nbytes: 0\nrules: 1\n", name, id, P, ovf);
	put(path("proc/%s/stats", name), buf);
}

/* Replace the data file: a plain file does not drain like /proc does. */
static void data(const char *name, const uint64_t (*l)[3], int n)
{
	char buf[4096];
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
					l[i][0], l[i][1], l[i][2]);
	buf[len] = 0;
	put(path("proc/%s/data", name), buf);
}

static void mkinst(const char *name, uint64_t id)
{
	mkdir(path("proc/%s", name), 0755);
	stats(name, id, 0);
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
	static char proc[PATH_MAX], out[PATH_MAX], st[PATH_MAX];

	memset(c, 0, sizeof(*c));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(out, sizeof(out), "%s/out", root);
	snprintf(st, sizeof(st), "%s/state", root);
	c->proc_root = proc;
	c->outdir = out;
	c->statedir = st;
	if (collector_init(c))
		exit(2);
	c->boot_ns = T0 - 1000000000ULL;
}

static void test_parse(void)
{
	struct sample s = { 0, 0, 0 };
	struct inst_stats st;
	uint64_t v = 0;
	const char *good = "name: web\nid: 3\nperiod_ns: 250000\nsamples: 4096"
			   "\ncpus: 2\nqueued: 12\noverflows: 0\nframes: 123"
			   "\nbytes: 45678\nrules: 1\n";

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
	   st.queued == 12 && st.overflows == 0 && st.has_overflows,
	   "stats: the documented example");
	ok(parse_stats("ids: 4\nperiod_ns: 1\nsamples: 2\n", 32, &st) == -1,
	   "stats: no id (a key prefix is not the key)");
	ok(parse_stats("id: x\nperiod_ns: 1\nsamples: 2\n", 30, &st) == -1,
	   "stats: bad id");
	ok(parse_stats("id: 1\nperiod_ns: 1\nsamples: 2", 29, &st) == 0 &&
	   !st.has_overflows, "stats: no final newline, no overflows key");

	ok(parse_duration("250ms", &v) == 0 && v == 250000000ULL,
	   "duration: 250ms");
	ok(parse_duration("1.5", &v) == 0 && v == 1500000000ULL,
	   "duration: 1.5 (seconds)");
	ok(parse_duration("2m", &v) == 0 && v == 120000000000ULL &&
	   parse_duration("24h", &v) == 0 && parse_duration("1us", &v) == 0 &&
	   v == 1000 && parse_duration("0.5us", &v) == 0 && v == 500,
	   "duration: 2m, 24h, 1us, 0.5us");
	ok(parse_duration("0", &v) == -1 && parse_duration("", &v) == -1 &&
	   parse_duration("1x", &v) == -1 && parse_duration("25h", &v) == -1 &&
	   parse_duration("1.", &v) == -1 && parse_duration(".5", &v) == -1 &&
	   parse_duration("1.0000000001", &v) == -1 &&
	   parse_duration("-1", &v) == -1,
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

static void test_delta(void)
{
	struct cursor c = { .valid = false };
	struct sample s = { T0, 10, 1000 };
	struct row r;

	ok(delta_apply(&c, 3, &s, &r) == DELTA_NEW_SERIES && r.frames == 10 &&
	   r.bytes == 1000 && r.id == 3, "delta: first row counts from zero");
	s = (struct sample){ T0 + P, 15, 1600 };
	ok(delta_apply(&c, 3, &s, &r) == DELTA_NEXT && r.frames == 5 &&
	   r.bytes == 600 && r.total_frames == 15, "delta: next row");
	ok(delta_apply(&c, 3, &s, &r) == DELTA_STALE &&
	   c.end_ns == T0 + P, "delta: same window again is stale");
	s = (struct sample){ T0, 1, 1 };
	ok(delta_apply(&c, 3, &s, &r) == DELTA_STALE,
	   "delta: older window is stale even with lower totals");
	s = (struct sample){ T0 + 2 * P, 20, 2000 };
	ok(delta_apply(&c, 4, &s, &r) == DELTA_NEW_SERIES && r.frames == 20 &&
	   r.id == 4, "delta: new id starts a new series from zero");
	s = (struct sample){ T0 + 3 * P, 5, 500 };
	ok(delta_apply(&c, 4, &s, &r) == DELTA_NEW_SERIES && r.frames == 5 &&
	   r.bytes == 500, "delta: totals went down: new series, not negative");
	s = (struct sample){ T0 + 4 * P, 5, 400 };
	ok(delta_apply(&c, 0, &s, &r) == DELTA_NEW_SERIES && r.bytes == 400 &&
	   r.id == 4, "delta: bytes alone went down, unknown id");
	c = (struct cursor){ true, 7, T0, UINT64_MAX - 5, UINT64_MAX - 50 };
	s = (struct sample){ T0 + P, UINT64_MAX, UINT64_MAX };
	ok(delta_apply(&c, 7, &s, &r) == DELTA_NEXT && r.frames == 5 &&
	   r.bytes == 50, "delta: up to UINT64_MAX");
}

static void test_csv_state(void)
{
	struct row r = { 1700000000123456789ULL, 3, 1, 2, 3, 4 }, q;
	struct state st = { { true, 9, T0, 11, 22 }, 5, false }, st2;
	char buf[CSV_ROW_MAX];
	size_t n = csv_format_row(buf, &r, "web");
	const char *f = path("%s", "t.csv");
	int fd;

	ok(n == strlen(buf) && strcmp(buf, "2023-11-14T22:13:20.123456789Z,"
	   "1700000000123456789,web,3,1,2,3,4\n") == 0,
	   "csv: row format, ISO 8601 UTC with ns");
	r = (struct row){ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
			  UINT64_MAX, UINT64_MAX };
	n = csv_format_row(buf, &r, "1234567890123456789012345678901");
	ok(n < CSV_ROW_MAX && csv_parse_row(buf, n - 1, &q) == 0 &&
	   memcmp(&q, &r, sizeof(r)) == 0, "csv: longest row fits, round trip");
	ok(csv_parse_row("a,1,b,2,3,4,5", 13, &q) == -1 &&
	   csv_parse_row("a,1,b,2,3,4,5,6,7", 17, &q) == -1 &&
	   csv_parse_row(CSV_HEADER, sizeof(CSV_HEADER) - 2, &q) == -1,
	   "csv: wrong field count, header is not a row");

	ok(csv_last_row(f, &q) == 0, "csv: no file, no last row");
	fd = csv_open(f);
	close(fd);
	ok(fd >= 0 && strcmp(slurp(f), CSV_HEADER) == 0,
	   "csv: new file gets the header");
	ok(csv_last_row(f, &q) == 0, "csv: header only, no last row");
	append(f, "2023-11-14T22:13:20.1Z,5,web,3,1,2,3,4\n2023-11-14T2");
	ok(csv_last_row(f, &q) == 1 && q.end_ns == 5,
	   "csv: last row ignores a torn tail");
	fd = csv_open(f);
	close(fd);
	ok(fd >= 0 && count_lines(f) == 2 &&
	   slurp(f)[strlen(slurp(f)) - 1] == '\n', "csv: open cuts a torn tail");
	put(f, "time_u");
	fd = csv_open(f);
	close(fd);
	ok(fd >= 0 && strcmp(slurp(f), CSV_HEADER) == 0,
	   "csv: a torn header is rewritten");
	unlink(f);

	f = path("%s", "t.state");
	ok(state_save(f, &st) == 0 && state_load(f, &st2) == 1 &&
	   st2.cur.valid && st2.cur.id == 9 && st2.cur.end_ns == T0 &&
	   st2.cur.frames == 11 && st2.cur.bytes == 22 && st2.overflows == 5 &&
	   !st2.ended, "state: save and load");
	st.ended = true;
	ok(state_save(f, &st) == 0 && state_load(f, &st2) == 1 && st2.ended,
	   "state: ended flag");
	put(f, "version: 1\nid: 1\n");
	ok(state_load(f, &st2) == -1 && !st2.cur.valid,
	   "state: truncated file is invalid");
	unlink(f);
	ok(state_load(f, &st2) == 0, "state: missing file");
}

static void test_rounds(void)
{
	char csv[PATH_MAX];
	struct collector c;
	uint64_t fr, by;
	struct row last;
	int fd;

	snprintf(csv, sizeof(csv), "%s", path("out/%s.csv", "web"));
	mkdir(path("%s", "proc"), 0755);
	mkdir(path("%s", "out"), 0755);
	mkdir(path("%s", "state"), 0755);
	mkinst("web", 3);
	coll_init(&c);

	{
		const uint64_t l[][3] = { { T0 + P, 2, 200 },
					  { T0 + 3 * P, 5, 530 },
					  { T0 + 4 * P, 6, 600 } };
		data("web", l, 3);
	}
	ok(collector_round(&c) == 0 && csv_sum(csv, &fr, &by, &last) == 3 &&
	   fr == 6 && by == 600, "round: three rows, deltas sum to totals");
	ok(collector_round(&c) == 0 && csv_sum(csv, &fr, &by, NULL) == 3,
	   "round: the same lines again add nothing");
	{
		const uint64_t l[][3] = { { T0 + 5 * P, 9, 900 } };
		data("web", l, 1);
	}
	collector_round(&c);
	collector_free(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 4 && fr == 9 && by == 900 &&
	   last.frames == 3, "round: next row");

	/* Crash after the CSV write, before the state: CSV is newer. */
	append(csv, "2027-01-15T08:00:00.001500000Z,1800000000001500000,web,3,"
		    "1,100,10,1000\n");
	coll_init(&c);
	{
		const uint64_t l[][3] = { { T0 + 6 * P, 10, 1000 },
					  { T0 + 7 * P, 12, 1234 } };
		data("web", l, 2);
	}
	collector_round(&c);
	collector_free(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 6 && fr == 12 && by == 1234 &&
	   last.frames == 2, "recovery: a CSV row newer than state wins");

	/* Crash mid-write: torn last line. */
	append(csv, "2027-01-15T08:00:00.002000000Z,18000000000020");
	coll_init(&c);
	{
		const uint64_t l[][3] = { { T0 + 8 * P, 20, 2000 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 7 && fr == 20 && by == 2000 &&
	   last.frames == 8, "recovery: torn last line cut, delta exact");

	/* Recreated instance: new id, totals restart. */
	stats("web", 8, 0);
	{
		const uint64_t l[][3] = { { T0 + 9 * P, 4, 400 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 8 && last.frames == 4 &&
	   last.id == 8 && fr == 24, "recreated: new series from zero");

	/* Vanished and back with the same id (module reloaded). */
	rminst("web");
	collector_round(&c);
	ok(c.ninst == 0 && strstr(slurp(path("state/%s.state", "web")),
				  "ended: 1"), "vanished: series closed");
	mkinst("web", 8);
	{
		const uint64_t l[][3] = { { T0 + 10 * P, 7, 700 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 9 && last.frames == 7 &&
	   fr == 31, "vanished and back, same id: new series from zero");

	/* logrotate: rename + create, then HUP. */
	rename(csv, path("out/%s.csv.1", "web"));
	put(csv, "");
	{
		const uint64_t l[][3] = { { T0 + 11 * P, 9, 900 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 1 && fr == 2 &&
	   strncmp(slurp(csv), CSV_HEADER, sizeof(CSV_HEADER) - 1) == 0,
	   "rotated: new file found, header, exact delta");
	collector_reopen(&c);
	collector_free(&c);
	/* Restart after rotation with the state lost: the .1 file tells. */
	rename(csv, path("out/%s.csv.1", "web"));
	put(csv, "");
	unlink(path("state/%s.state", "web"));
	coll_init(&c);
	{
		const uint64_t l[][3] = { { T0 + 12 * P, 10, 1000 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 1 && fr == 1,
	   "rotated: restart without state or rows recovers from .1");

	/* Disk full mid-round: rows held in memory, then written. */
	fd = open("/dev/full", O_WRONLY);
	dup2(fd, c.inst[0]->fd);
	close(fd);
	{
		const uint64_t l[][3] = { { T0 + 13 * P, 11, 1100 },
					  { T0 + 14 * P, 13, 1300 } };
		data("web", l, 2);
	}
	ok(collector_round(&c) == 1 && collector_pending(&c) == 2 &&
	   csv_sum(csv, &fr, &by, NULL) == 1, "ENOSPC: rows held in memory");
	put(path("proc/%s/data", "web"), "");
	ok(collector_round(&c) == 0 && collector_pending(&c) == 0 &&
	   csv_sum(csv, &fr, &by, &last) == 3 && fr == 4 &&
	   last.total_frames == 13, "ENOSPC: rows written after recovery");

	/* A CSV that cannot be opened: nothing is read from the kernel. */
	rename(csv, path("out/%s.csv.2", "web"));
	mkdir(csv, 0755);
	collector_reopen(&c);
	{
		const uint64_t l[][3] = { { T0 + 15 * P, 14, 1400 } };
		data("web", l, 1);
	}
	ok(collector_round(&c) == 1 && collector_pending(&c) == 0,
	   "EISDIR: error reported, data left in the kernel");
	rmdir(csv);
	ok(collector_round(&c) == 0 && csv_sum(csv, &fr, &by, &last) == 1 &&
	   fr == 1, "EISDIR: fixed, next round exact");

	/* A series from an earlier boot counts from zero. */
	collector_free(&c);
	coll_init(&c);
	c.boot_ns = T0 + 20 * P;
	{
		const uint64_t l[][3] = { { T0 + 21 * P, 3, 300 } };
		data("web", l, 1);
	}
	collector_round(&c);
	ok(csv_sum(csv, &fr, &by, &last) == 2 && last.frames == 3,
	   "reboot: cursor older than boot, new series");
	collector_free(&c);
}

/* More lines than one read buffer, and bad lines among them. */
static void test_big(void)
{
	char csv[PATH_MAX];
	const int n = 50000;
	struct collector c;
	uint64_t fr, by;
	FILE *f;
	int i;

	snprintf(csv, sizeof(csv), "%s", path("out/%s.csv", "big"));
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
	ok(csv_sum(csv, &fr, &by, NULL) == n && fr == (uint64_t)n &&
	   by == (uint64_t)n * 100, "big: %d rows over many buffers, exact", n);
	rminst("big");
}

int main(void)
{
	char tmpl[] = "/tmp/pktstat-unit.XXXXXX";

	if (!mkdtemp(tmpl))
		return 2;
	snprintf(root, sizeof(root), "%s", tmpl);
	test_parse();
	test_delta();
	test_csv_state();
	test_rounds();
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
