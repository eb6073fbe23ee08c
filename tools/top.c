// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "human.h"
#include "liveread.h"
#include "top.h"

#define SEC		1000000000ULL
#define LIVE_BUF	(256 * 1024)	/* 60 S and 1000 W lines: ~70 KB */

static const struct {
	const char *title;
	int width;		/* < 0: left aligned */
	int key;
} cols[TC_N] = {
	[TC_NAME] = { "NAME", -4, 'n' },
	[TC_PERIOD] = { "PERIOD", 7, 0 },
	[TC_PPS] = { "PKT/S", 8, 'p' },
	[TC_BPS] = { "BIT/S", 8, 'b' },
	[TC_PEAK] = { "PEAK", 7, 'k' },
	[TC_PEAK_PPS] = { "PEAK PKT/S", 10, 0 },
	[TC_PEAK_BPS] = { "PEAK BIT/S", 10, 0 },
	[TC_OVERFLOWS] = { "OVERFLOWS", 9, 'o' },
	[TC_QUEUED] = { "QUEUED", 7, 'w' },
	[TC_PEAK_AT] = { "PEAK END (UTC)", -18, 0 },
	[TC_FRAMES] = { "FRAMES", 14, 'f' },
	[TC_BYTES] = { "BYTES", 16, 0 },
};

const char *top_col_title(enum top_col c)
{
	return cols[c].title;
}

int top_col_key(enum top_col c)
{
	return cols[c].key;
}

void top_init(struct top *t, const char *rundir, const char *proc_root)
{
	memset(t, 0, sizeof(*t));
	t->rundir = rundir;
	t->proc_root = proc_root;
	t->sort = TC_PPS;
}

void top_free(struct top *t)
{
	free(t->inst);
	t->inst = NULL;
	t->n = 0;
}

/* Read a whole small file. Returns its length or -1 with errno. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	while (got < size && (n = read(fd, buf + got, size - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = errno;
			close(fd);
			errno = (int)n;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static struct top_inst *inst_get(struct top *t, const char *name)
{
	struct top_inst *in;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->inst[i].name, name) == 0)
			return &t->inst[i];
	in = realloc(t->inst, (t->n + 1) * sizeof(*in));
	if (!in)
		return NULL;
	t->inst = in;
	in = &t->inst[t->n++];
	memset(in, 0, sizeof(*in));
	snprintf(in->name, sizeof(in->name), "%s", name);
	return in;
}

/* Drop the instances not seen in this refresh. */
static void prune(struct top *t)
{
	size_t i, k = 0;

	for (i = 0; i < t->n; i++)
		if (t->inst[i].seen)
			t->inst[k++] = t->inst[i];
	t->n = k;
}

/*
 * Is the collector alive? Fills t->pid and, if not, t->why. interval_ns is
 * the longest interval the live files name; the heartbeat may name one.
 */
static bool collector_alive(struct top *t, uint64_t interval_ns)
{
	char path[PATH_MAX], buf[256];
	uint64_t upd, iv;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/collector", t->rundir);
	n = slurp(path, buf, sizeof(buf));
	if (n < 0) {
		snprintf(t->why, sizeof(t->why), "%s: %s", path,
			 errno == ENOENT ? "missing" : strerror(errno));
		return false;
	}
	if (live_parse_heartbeat(buf, (size_t)n, &t->pid, &upd, &iv)) {
		snprintf(t->why, sizeof(t->why), "%s: no pid or updated_ns",
			 path);
		return false;
	}
	if (iv > interval_ns)
		interval_ns = iv;
	if (live_stale(upd, interval_ns, t->now_ns)) {
		snprintf(t->why, sizeof(t->why), "%s: %.0f s old", path,
			 (double)(t->now_ns - upd) / 1e9);
		return false;
	}
	return true;
}

/* The live view: every NAME.live. Returns false if there is no collector. */
static bool refresh_live(struct top *t)
{
	char path[PATH_MAX], name[NAME_MAX_LEN + 1];
	struct live_file *lv = NULL;
	uint64_t interval = 0, oldest = UINT64_MAX;
	struct dirent *de;
	char *buf;
	size_t i, k = 0;
	DIR *d;

	d = opendir(t->rundir);
	if (!d) {
		snprintf(t->why, sizeof(t->why), "%s: %s", t->rundir,
			 strerror(errno));
		return false;
	}
	buf = malloc(LIVE_BUF);
	while (buf && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct live_file *more;
		const char *why;
		ssize_t n;

		if (len <= 5 || len - 5 > NAME_MAX_LEN ||
		    strcmp(de->d_name + len - 5, ".live"))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (!valid_instance_name(name))
			continue;
		more = realloc(lv, (k + 1) * sizeof(*lv));
		if (!more)
			break;
		lv = more;
		snprintf(path, sizeof(path), "%s/%s", t->rundir, de->d_name);
		n = slurp(path, buf, LIVE_BUF);
		if (n < 0 && errno == ENOENT)
			continue;	/* removed since readdir: gone */
		why = n < 0 ? strerror(errno) : NULL;
		if (!why && live_parse(buf, (size_t)n, &lv[k], &why) == 0 &&
		    strcmp(lv[k].name, name))
			why = "name: not the file's";
		if (why) {
			struct top_inst *in = inst_get(t, name);

			if (in) {
				in->seen = true;
				snprintf(in->err, sizeof(in->err), "%s: %s%s",
					 de->d_name, n < 0 ? "" : "bad ", why);
			}
			continue;
		}
		if (live_stale(lv[k].updated_ns, lv[k].interval_ns, t->now_ns)) {
			struct top_inst *in = inst_get(t, name);

			/* The collector no longer writes it: left behind. */
			if (in) {
				in->seen = true;
				snprintf(in->err, sizeof(in->err), "%s: %.0f s "
					 "old", de->d_name, (double)(t->now_ns -
					 lv[k].updated_ns) / 1e9);
			}
			continue;
		}
		if (lv[k].interval_ns > interval)
			interval = lv[k].interval_ns;
		if (lv[k].updated_ns < oldest)
			oldest = lv[k].updated_ns;
		k++;
	}
	closedir(d);
	free(buf);
	if (!collector_alive(t, interval)) {
		free(lv);
		return false;
	}
	/* One second for all: the newest that every file has seen end. */
	t->second_end_ns = k ? oldest / SEC * SEC : t->now_ns / SEC * SEC;
	for (i = 0; i < k; i++) {
		const struct live_second *s;
		struct top_inst *in = inst_get(t, lv[i].name);

		if (!in)
			continue;
		in->seen = true;
		in->err[0] = '\0';
		in->id = lv[i].instance_id;
		in->period_ns = lv[i].period_ns;
		in->frames = lv[i].total_frames;
		in->bytes = lv[i].total_bytes;
		in->overflows = lv[i].overflows;
		in->queued = lv[i].queued;
		in->has_rate = true;
		in->has_peak = false;
		in->pps = in->bps = 0;
		in->has_prev = false;
		s = live_second_at(&lv[i], t->second_end_ns);
		if (!s)
			continue;	/* no traffic in that second */
		in->pps = (double)s->frames;
		in->bps = (double)s->bytes * 8;
		if (s->windows == 0 || s->peak_frames == 0)
			continue;	/* only merged rows: no peak */
		in->has_peak = true;
		in->peak_frames = s->peak_frames;
		in->peak_end_ns = s->peak_frames_end_ns;
		in->peak_pps = (double)s->peak_frames * 1e9 /
			       (double)lv[i].period_ns;
		in->peak_bps = (double)s->peak_bytes * 8e9 /
			       (double)lv[i].period_ns;
	}
	free(lv);
	return true;
}

/* No collector: the stats files, rates from the previous refresh. */
static void refresh_proc(struct top *t, uint64_t mono_ns)
{
	char path[PATH_MAX], buf[4096];
	struct dirent *de;
	DIR *d;

	d = opendir(t->proc_root);
	if (!d) {
		size_t n = strlen(t->why);

		snprintf(t->why + n, sizeof(t->why) - n, "; %s: %s",
			 t->proc_root, errno == ENOENT ?
			 "missing (module not loaded?)" : strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct top_inst *in;
		struct inst_stats st;
		uint64_t fr, by;
		ssize_t n;

		if (!valid_instance_name(de->d_name))
			continue;
		in = inst_get(t, de->d_name);
		if (!in)
			break;
		in->seen = true;
		in->has_peak = false;
		in->has_rate = false;
		snprintf(path, sizeof(path), "%s/%s/stats", t->proc_root,
			 de->d_name);
		n = slurp(path, buf, sizeof(buf));
		if (n < 0) {
			snprintf(in->err, sizeof(in->err), "stats: %s",
				 strerror(errno));
			in->has_prev = false;
			continue;
		}
		if (parse_stats(buf, (size_t)n, &st) ||
		    kv_get_u64(buf, (size_t)n, "frames", &fr) ||
		    kv_get_u64(buf, (size_t)n, "bytes", &by)) {
			snprintf(in->err, sizeof(in->err), "stats: no id, "
				 "period_ns, samples, frames or bytes");
			in->has_prev = false;
			continue;
		}
		in->err[0] = '\0';
		/* Another id: a new instance, whose totals start again. */
		if (in->has_prev && in->id == st.id && fr >= in->prev_frames &&
		    by >= in->prev_bytes && mono_ns > in->prev_mono_ns) {
			double dt = (double)(mono_ns - in->prev_mono_ns) / 1e9;

			in->has_rate = true;
			in->pps = (double)(fr - in->prev_frames) / dt;
			in->bps = (double)(by - in->prev_bytes) * 8 / dt;
		}
		in->id = st.id;
		in->period_ns = st.period_ns;
		in->overflows = st.overflows;
		in->queued = st.queued;
		in->frames = fr;
		in->bytes = by;
		in->has_prev = true;
		in->prev_frames = fr;
		in->prev_bytes = by;
		in->prev_mono_ns = mono_ns;
	}
	closedir(d);
}

void top_refresh(struct top *t, uint64_t now_ns, uint64_t mono_ns)
{
	size_t i;
	bool was_live = t->live;

	t->now_ns = now_ns;
	t->why[0] = '\0';
	for (i = 0; i < t->n; i++)
		t->inst[i].seen = false;
	t->live = refresh_live(t);
	if (!t->live) {
		/* Totals of another source are no base for a rate. */
		if (was_live)
			for (i = 0; i < t->n; i++)
				t->inst[i].has_prev = false;
		for (i = 0; i < t->n; i++)
			t->inst[i].seen = false;
		refresh_proc(t, mono_ns);
	}
	prune(t);
	top_sort(t);
}

static double num(const struct top_inst *in, enum top_col c)
{
	switch (c) {
	case TC_PPS: return in->has_rate ? in->pps : -1;
	case TC_BPS: return in->has_rate ? in->bps : -1;
	case TC_PEAK: return in->has_peak ? (double)in->peak_frames : -1;
	case TC_PEAK_PPS: return in->has_peak ? in->peak_pps : -1;
	case TC_PEAK_BPS: return in->has_peak ? in->peak_bps : -1;
	case TC_OVERFLOWS: return (double)in->overflows;
	case TC_QUEUED: return (double)in->queued;
	case TC_PERIOD: return (double)in->period_ns;
	case TC_PEAK_AT: return in->has_peak ? (double)in->peak_end_ns : -1;
	case TC_FRAMES: return (double)in->frames;
	case TC_BYTES: return (double)in->bytes;
	default: return 0;
	}
}

static const struct top *sorting;

static int cmp(const void *pa, const void *pb)
{
	const struct top_inst *a = pa, *b = pb;
	int r = 0;

	if (sorting->sort != TC_NAME) {
		double x = num(a, sorting->sort), y = num(b, sorting->sort);

		r = x > y ? -1 : x < y ? 1 : 0;
	}
	if (r == 0)
		r = strcmp(a->name, b->name);
	return sorting->reverse ? -r : r;
}

void top_sort(struct top *t)
{
	sorting = t;
	if (t->n > 1)
		qsort(t->inst, t->n, sizeof(*t->inst), cmp);
}

static int name_width(const struct top *t)
{
	size_t i, w = 4;

	for (i = 0; i < t->n; i++)
		if (strlen(t->inst[i].name) > w)
			w = strlen(t->inst[i].name);
	return (int)w;
}

static int width_of(const struct top *t, enum top_col c)
{
	int w = cols[c].width < 0 ? -cols[c].width : cols[c].width;

	return c == TC_NAME ? name_width(t) : w;
}

void top_col_span(const struct top *t, enum top_col c, int *start,
		  int *width)
{
	int x = 0, i;

	for (i = 0; i < (int)c; i++)
		x += width_of(t, (enum top_col)i) + 2;
	*start = x;
	*width = width_of(t, c);
}

/* Append one cell, padded to its column, two spaces between columns. */
static size_t cell(const struct top *t, char *buf, size_t size, size_t n,
		   enum top_col c, const char *s)
{
	int w = width_of(t, c);

	if (n >= size)
		return n;
	n += (size_t)snprintf(buf + n, size - n, "%s%*s", c ? "  " : "",
			      cols[c].width < 0 ? -w : w, s);
	return n < size ? n : size;
}

static void peak_at(char *buf, size_t size, const struct top_inst *in)
{
	uint64_t p = in->period_ns;
	int frac = p % 1000000 == 0 ? 3 : p % 1000 == 0 ? 6 : 9;
	char full[64];

	human_utc(full, sizeof(full), in->peak_end_ns, frac);
	snprintf(buf, size, "%s", full + 11);	/* the time of day */
}

static void row(const struct top *t, const struct top_inst *in, char *buf,
		size_t size)
{
	char v[TC_N][64];
	size_t n = 0;
	int c;

	for (c = 0; c < TC_N; c++)
		strcpy(v[c], "-");
	snprintf(v[TC_NAME], sizeof(v[0]), "%s", in->name);
	if (in->err[0]) {
		n = cell(t, buf, size, n, TC_NAME, v[TC_NAME]);
		snprintf(buf + n, size - n, "  %s", in->err);
		return;
	}
	human_period(v[TC_PERIOD], sizeof(v[0]), in->period_ns);
	if (in->has_rate) {
		human_si(v[TC_PPS], sizeof(v[0]), in->pps);
		human_si(v[TC_BPS], sizeof(v[0]), in->bps);
	}
	if (in->has_peak) {
		human_si(v[TC_PEAK], sizeof(v[0]), (double)in->peak_frames);
		human_si(v[TC_PEAK_PPS], sizeof(v[0]), in->peak_pps);
		human_si(v[TC_PEAK_BPS], sizeof(v[0]), in->peak_bps);
		peak_at(v[TC_PEAK_AT], sizeof(v[0]), in);
	}
	snprintf(v[TC_OVERFLOWS], sizeof(v[0]), "%" PRIu64, in->overflows);
	snprintf(v[TC_QUEUED], sizeof(v[0]), "%" PRIu64, in->queued);
	snprintf(v[TC_FRAMES], sizeof(v[0]), "%" PRIu64, in->frames);
	snprintf(v[TC_BYTES], sizeof(v[0]), "%" PRIu64, in->bytes);
	for (c = 0; c < TC_N; c++)
		n = cell(t, buf, size, n, (enum top_col)c, v[c]);
}

size_t top_lines(const struct top *t)
{
	return 3 + (t->n ? t->n : 1);
}

void top_line(const struct top *t, size_t line, char *buf, size_t size)
{
	char now[64], sec[64];
	size_t n = 0;
	int c;

	buf[0] = '\0';
	human_utc(now, sizeof(now), t->now_ns, 0);
	switch (line) {
	case 0:
		snprintf(buf, size, "pktstat-top  %s UTC  %zu instance%s  "
			 "sort: %s%s  (q quit, < > or letter: sort, r reverse)",
			 now, t->n, t->n == 1 ? "" : "s", cols[t->sort].title,
			 t->reverse ? " reversed" : "");
		return;
	case 1:
		if (t->live) {
			human_utc(sec, sizeof(sec), t->second_end_ns - SEC, 0);
			human_utc(now, sizeof(now), t->second_end_ns, 0);
			snprintf(buf, size, "collector pid %" PRIu64 ", live view "
				 "%s: rates over %s to %s UTC; peak = its "
				 "window with the most packets", t->pid,
				 t->rundir, sec + 11, now + 11);
		} else {
			snprintf(buf, size, "NO COLLECTOR (%s): totals from "
				 "%s/*/stats, rates between refreshes, no peaks",
				 t->why, t->proc_root);
		}
		return;
	case 2:
		for (c = 0; c < TC_N; c++)
			n = cell(t, buf, size, n, (enum top_col)c, cols[c].title);
		return;
	default:
		if (line - 3 < t->n)
			row(t, &t->inst[line - 3], buf, size);
		else if (line == 3)
			snprintf(buf, size, "(no instances)");
	}
}
