// SPDX-License-Identifier: GPL-2.0
/*
 * The collector's rounds. Order matters for exactness:
 *
 *  1. write what is pending from an earlier round (the disk was failing);
 *  2. only then read the kernel's data file, one buffer at a time, writing
 *     each buffer's rows to the CSV before reading the next;
 *  3. now and then, fsync the CSV and save the state file.
 *
 * The kernel forgets a window once it has been read, so the only rows that
 * can be lost are the ones between a read() and its write(), by a crash in
 * that window: the cursor then comes back from the CSV (the truth) or the
 * state, and the next row's delta includes the lost windows. Counts are
 * never lost or counted twice; resolution can be.
 */
#include <dirent.h>
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
#include "log.h"
#include "state.h"

#define WBUF		(256 * 1024)
#define MAX_READS	1024		/* per instance per round */
#define ERR_LOG_EVERY	60		/* s between repeats of an error */
#define SAVE_EVERY_NS	1000000000ULL	/* state file at most every 1 s */

static int mkpath(char *buf, const char *dir, const char *name,
		  const char *suffix)
{
	if (snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix) >= PATH_MAX) {
		log_msg(LOG_ERR, "%s/%s%s: path too long", dir, name, suffix);
		return -1;
	}
	return 0;
}

static void fmt_duration(char *buf, size_t size, uint64_t ns)
{
	if (ns >= 1000000000ULL)
		snprintf(buf, size, "%.3gs", (double)ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, size, "%.3gms", (double)ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, size, "%.3gus", (double)ns / 1e3);
	else
		snprintf(buf, size, "%" PRIu64 "ns", ns);
}

/* Log an error now, or again only if it changed or a while passed. */
static void inst_error(struct instance *in, const char *path, const char *op,
		       int err)
{
	time_t now = time(NULL);

	if (err != in->err || now - in->err_logged >= ERR_LOG_EVERY) {
		log_msg(LOG_ERR, "%s: %s: %s (%zu rows held in memory, "
			"retrying every interval)", path, op, strerror(err),
			in->npend);
		in->err_logged = now;
	}
	in->err = err;
}

static void inst_ok(struct instance *in, size_t written)
{
	if (in->err)
		log_msg(LOG_INFO, "%s: recovered, %zu rows written", in->name,
			written);
	in->err = 0;
}

static const struct row *newest(const struct row *a, const struct row *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return b->end_ns > a->end_ns ? b : a;
}

/*
 * Where the series stands: the newest of the state file, the CSV's last
 * row and the last row of the file logrotate just renamed. The CSV wins
 * over a state file that a crash left behind it.
 */
static void inst_load(struct collector *c, struct instance *in)
{
	char path[PATH_MAX], rot[PATH_MAX + 2];
	struct row rs, r0, r1;
	const struct row *best = NULL;
	struct state st = { .ended = false };

	if (mkpath(path, c->statedir, in->name, ".state") == 0 &&
	    state_load(path, &st) == 1) {
		rs.end_ns = st.cur.end_ns;
		rs.id = st.cur.id;
		rs.total_frames = st.cur.frames;
		rs.total_bytes = st.cur.bytes;
		best = &rs;
		in->overflows = st.overflows;
		in->ovf_id = st.cur.id;
	}
	if (mkpath(path, c->outdir, in->name, ".csv"))
		return;
	if (csv_last_row(path, &r0) == 1)
		best = newest(best, &r0);
	snprintf(rot, sizeof(rot), "%s.1", path);
	if (csv_last_row(rot, &r1) == 1)
		best = newest(best, &r1);
	if (!best)
		return;
	if ((best == &rs && st.ended) || best->end_ns < c->boot_ns) {
		/* Whatever is there now is a new instance: count from zero. */
		in->overflows = 0;
		in->ovf_id = 0;
		return;
	}
	cursor_from_row(&in->cur, best);
	in->done = in->cur;
}

static struct instance *inst_get(struct collector *c, const char *name)
{
	struct instance *in, **arr;
	size_t i;

	for (i = 0; i < c->ninst; i++)
		if (strcmp(c->inst[i]->name, name) == 0)
			return c->inst[i];
	in = calloc(1, sizeof(*in));
	arr = realloc(c->inst, (c->ninst + 1) * sizeof(*arr));
	if (in)
		in->pend = malloc((PEND_MAX + 1) * sizeof(*in->pend));
	if (!in || !arr || !in->pend) {
		if (in)
			free(in->pend);
		free(in);
		if (arr)
			c->inst = arr;
		log_msg(LOG_ERR, "%s: out of memory", name);
		return NULL;
	}
	c->inst = arr;
	/* scan() passes only valid names: they fit. */
	memcpy(in->name, name, strnlen(name, NAME_MAX_LEN));
	in->fd = -1;
	inst_load(c, in);
	c->inst[c->ninst++] = in;
	return in;
}

static void inst_free(struct collector *c, size_t i)
{
	struct instance *in = c->inst[i];

	if (in->fd >= 0)
		close(in->fd);
	free(in->pend);
	free(in);
	c->inst[i] = c->inst[--c->ninst];
}

static bool wanted(const struct collector *c, const char *name)
{
	int i;

	if (c->nnames == 0)
		return true;
	for (i = 0; i < c->nnames; i++)
		if (strcmp(c->names[i], name) == 0)
			return true;
	return false;
}

/* Mark the instances present under the proc root. */
static void scan(struct collector *c)
{
	static int last_err = -1;
	struct dirent *de;
	size_t i;
	DIR *d;

	for (i = 0; i < c->ninst; i++)
		c->inst[i]->present = false;
	d = opendir(c->proc_root);
	if (!d) {
		/* Module not loaded yet: say so once, keep polling. */
		if (errno != last_err)
			log_msg(errno == ENOENT ? LOG_INFO : LOG_ERR,
				"%s: %s", c->proc_root, strerror(errno));
		last_err = errno;
		return;
	}
	last_err = 0;
	while ((de = readdir(d))) {
		struct instance *in;

		if (!valid_instance_name(de->d_name) || !wanted(c, de->d_name))
			continue;
		in = inst_get(c, de->d_name);
		if (in)
			in->present = true;
	}
	closedir(d);
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

static void read_stats(struct collector *c, struct instance *in)
{
	char path[PATH_MAX], buf[4096];
	struct inst_stats st;
	ssize_t n;

	in->stats_ok = false;
	if (mkpath(path, c->proc_root, in->name, "/stats"))
		return;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0) {
		if (errno == ENOENT)
			in->present = false;	/* vanished since the scan */
		else
			log_msg(LOG_ERR, "%s: %s", path, strerror(errno));
		return;
	}
	if (parse_stats(buf, (size_t)n, &st)) {
		log_msg(LOG_WARNING, "%s: no id, period_ns or samples", path);
		return;
	}
	if (st.id != in->ovf_id) {
		in->overflows = 0;	/* a new instance counts from zero */
		in->ovf_id = st.id;
	}
	if (st.has_overflows && st.overflows != in->overflows) {
		if (st.overflows > in->overflows)
			log_msg(LOG_WARNING, "%s: the kernel FIFO overflowed "
				"%" PRIu64 " more times (%" PRIu64 " in all): "
				"windows merged, counts kept; drain more often",
				in->name, st.overflows - in->overflows,
				st.overflows);
		in->overflows = st.overflows;
		in->state_dirty = true;
	}
	in->stats = st;
	in->stats_ok = true;
}

/* Open the CSV, or reopen it if logrotate put a new file at its path. */
static int inst_open(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	struct stat sb;

	if (mkpath(path, c->outdir, in->name, ".csv"))
		return -1;
	if (in->fd >= 0 && stat(path, &sb) == 0 &&
	    (sb.st_ino != in->ino || sb.st_dev != in->dev)) {
		close(in->fd);
		in->fd = -1;
	}
	/* A missing path keeps the old file: logrotate may be mid-rotation. */
	if (in->fd >= 0)
		return 0;
	in->fd = csv_open(path);
	if (in->fd < 0) {
		inst_error(in, path, "open", errno);
		return -1;
	}
	if (fstat(in->fd, &sb) == 0) {
		in->dev = sb.st_dev;
		in->ino = sb.st_ino;
	}
	return 0;
}

/* Write every pending row. Returns 0, or -1 with rows still pending. */
static int inst_flush(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	size_t i = 0, total = in->npend;

	while (i < in->npend) {
		size_t len = 0, whole, j = i, k;

		if (inst_open(c, in))
			goto fail;
		while (j < in->npend && len + CSV_ROW_MAX <= WBUF)
			len += csv_format_row(c->wbuf + len, &in->pend[j++],
					      in->name);
		if (csv_append(in->fd, c->wbuf, len, &whole) == 0) {
			cursor_from_row(&in->done, &in->pend[j - 1]);
			in->state_dirty = true;
			i = j;
			continue;
		}
		/* Rows that made it whole are done. */
		for (k = 0; k < whole; k++)
			if (c->wbuf[k] == '\n')
				cursor_from_row(&in->done, &in->pend[i++]);
		in->state_dirty = true;
		mkpath(path, c->outdir, in->name, ".csv");
		memmove(in->pend, in->pend + i, (in->npend - i) * sizeof(*in->pend));
		in->npend -= i;
		inst_error(in, path, "write", errno);
		/* Reopening checks the tail again if the cut failed. */
		close(in->fd);
		in->fd = -1;
		return -1;
	}
	in->npend = 0;
	inst_ok(in, total);
	return 0;
fail:
	memmove(in->pend, in->pend + i, (in->npend - i) * sizeof(*in->pend));
	in->npend -= i;
	return -1;
}

static void add_line(struct instance *in, const char *line, size_t len,
		     size_t *stale, size_t *bad)
{
	uint64_t id = in->stats_ok ? in->stats.id : 0;
	struct cursor before = in->cur;
	struct sample s;

	if (parse_data_line(line, len, &s)) {
		if ((*bad)++ < 3)
			log_msg(LOG_WARNING, "%s: bad data line \"%.*s\"",
				in->name, (int)(len > 80 ? 80 : len), line);
		return;
	}
	switch (delta_apply(&in->cur, id, &s, &in->pend[in->npend])) {
	case DELTA_STALE:
		(*stale)++;
		return;
	case DELTA_NEW_SERIES:
		if (before.valid)
			log_msg(LOG_INFO, "%s: new series (id %" PRIu64
				" -> %" PRIu64 ", frames %" PRIu64 " -> %"
				PRIu64 "): instance recreated", in->name,
				before.id, in->cur.id, before.frames,
				s.frames);
		break;
	case DELTA_NEXT:
		break;
	}
	in->npend++;
}

/* Read the data file buffer by buffer, writing each before the next. */
static void inst_drain(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	size_t carry = 0, stale = 0, bad = 0;
	int fd, reads;

	/* Never take from the kernel what cannot be written right now. */
	if (in->npend || inst_open(c, in) ||
	    mkpath(path, c->proc_root, in->name, "/data"))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			in->present = false;
		else
			inst_error(in, path, "open", errno);
		return;
	}
	for (reads = 0; reads < MAX_READS; reads++) {
		ssize_t n = read(fd, c->rbuf + carry, READ_BUF);
		char *p, *end, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The instance was removed while we read it. */
			log_msg(LOG_INFO, "%s: read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		p = c->rbuf;
		end = c->rbuf + carry + n;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			add_line(in, p, (size_t)(nl - p), &stale, &bad);
			p = nl + 1;
		}
		/* /proc returns whole lines; a plain file may split one. */
		carry = (size_t)(end - p);
		if (carry > DATA_LINE_MAX) {
			add_line(in, p, carry, &stale, &bad);
			carry = 0;
		}
		memmove(c->rbuf, p, carry);
		if (inst_flush(c, in))
			break;
	}
	close(fd);
	if (carry) {
		add_line(in, c->rbuf, carry, &stale, &bad);
		inst_flush(c, in);
	}
	if (bad)
		log_msg(LOG_WARNING, "%s: %zu bad data lines skipped",
			in->name, bad);
	if (stale)
		log_msg(LOG_INFO, "%s: %zu windows not after the last row "
			"written, skipped (already counted)", in->name, stale);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Save the state if it is behind the CSV, at most every SAVE_EVERY_NS
 * unless forced: it only matters when the CSV has no row to recover from
 * (just rotated), and each save costs two fsyncs.
 */
static void inst_save(struct collector *c, struct instance *in, bool force,
		      bool ended)
{
	char path[PATH_MAX];
	struct state st;
	uint64_t now = mono_ns();

	if (!in->done.valid || !(in->state_dirty || ended))
		return;
	if (!force && now - in->saved_at < SAVE_EVERY_NS)
		return;
	/* The state must never be ahead of what the CSV durably holds. */
	if (in->fd >= 0 && fdatasync(in->fd)) {
		mkpath(path, c->outdir, in->name, ".csv");
		inst_error(in, path, "fdatasync", errno);
		return;
	}
	if (mkpath(path, c->statedir, in->name, ".state"))
		return;
	st.cur = in->done;
	st.overflows = in->overflows;
	st.ended = ended;
	if (state_save(path, &st)) {
		inst_error(in, path, "save state", errno);
		return;
	}
	in->state_dirty = false;
	in->saved_at = now;
}

static uint64_t deadline_ns(const struct instance *in)
{
	if (!in->stats_ok || in->stats.samples == 0 || in->stats.period_ns == 0)
		return 0;
	if (in->stats.samples > UINT64_MAX / in->stats.period_ns)
		return UINT64_MAX;
	return in->stats.samples * in->stats.period_ns;
}

static void warn_deadline(struct collector *c, struct instance *in)
{
	uint64_t d = deadline_ns(in);
	char a[32], b[32];

	if (in->warned_deadline || !c->interval_ns || !d ||
	    c->interval_ns <= d / 2)
		return;
	fmt_duration(a, sizeof(a), c->interval_ns);
	fmt_duration(b, sizeof(b), d);
	log_msg(LOG_WARNING, "%s: interval %s is %s the FIFO deadline %s "
		"(samples x period): windows will merge", in->name, a,
		c->interval_ns >= d ? "beyond" : "over half of", b);
	in->warned_deadline = true;
}

int collector_round(struct collector *c)
{
	int errors = 0;
	size_t i;

	scan(c);
	for (i = 0; i < c->ninst; i++) {
		struct instance *in = c->inst[i];

		if (in->present)
			read_stats(c, in);
		if (in->npend)
			inst_flush(c, in);
		if (in->present) {
			warn_deadline(c, in);
			inst_drain(c, in);
		}
		if (!in->present && !in->npend) {
			/* Gone: close its series so a comeback starts anew. */
			inst_save(c, in, true, true);
			log_msg(LOG_INFO, "%s: instance gone", in->name);
		} else {
			inst_save(c, in, false, false);
		}
		if (in->npend || in->err)
			errors++;
	}
	/* Forget vanished instances once all they had is on disk. */
	for (i = c->ninst; i-- > 0;)
		if (!c->inst[i]->present && !c->inst[i]->npend &&
		    !c->inst[i]->state_dirty)
			inst_free(c, i);
	return errors;
}

void collector_save_all(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->ninst; i++)
		inst_save(c, c->inst[i], true, false);
}

void collector_reopen(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->ninst; i++) {
		if (c->inst[i]->fd >= 0)
			close(c->inst[i]->fd);
		c->inst[i]->fd = -1;
	}
}

size_t collector_pending(const struct collector *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->ninst; i++)
		n += c->inst[i]->npend;
	return n;
}

uint64_t collector_interval(const struct collector *c)
{
	uint64_t best = 0;
	size_t i;

	if (c->interval_ns)
		return c->interval_ns;
	for (i = 0; i < c->ninst; i++) {
		uint64_t d = deadline_ns(c->inst[i]) / 4;

		if (c->inst[i]->present && d && (!best || d < best))
			best = d;
	}
	if (!best)
		return 1000000000ULL;	/* nothing to drain yet: rescan */
	if (best < AUTO_MIN_NS)
		return AUTO_MIN_NS;
	return best > AUTO_MAX_NS ? AUTO_MAX_NS : best;
}

int collector_check(struct collector *c)
{
	uint64_t interval_ns;
	int bad = 0;
	size_t i;

	scan(c);
	for (i = 0; i < c->ninst; i++)
		if (c->inst[i]->present)
			read_stats(c, c->inst[i]);
	/* The auto interval depends on the stats just read. */
	interval_ns = collector_interval(c);
	printf("%-16s %10s %8s %10s %10s %8s %10s  %s\n", "instance",
	       "period", "samples", "deadline", "interval", "queued",
	       "overflows", "status");
	for (i = 0; i < c->ninst; i++) {
		struct instance *in = c->inst[i];
		char p[32], d[32], iv[32];
		const char *status;
		uint64_t dl;

		if (!in->present)
			continue;
		if (!in->stats_ok) {
			printf("%-16s  no usable stats file\n", in->name);
			bad++;
			continue;
		}
		dl = deadline_ns(in);
		if (interval_ns >= dl) {
			status = "OVERFLOW: interval beyond the deadline";
			bad++;
		} else if (interval_ns > dl / 2) {
			status = "tight: interval over half the deadline";
		} else {
			status = "ok";
		}
		fmt_duration(p, sizeof(p), in->stats.period_ns);
		fmt_duration(d, sizeof(d), dl);
		fmt_duration(iv, sizeof(iv), interval_ns);
		printf("%-16s %10s %8" PRIu64 " %10s %10s %8" PRIu64 " %10"
		       PRIu64 "  %s\n", in->name, p, in->stats.samples, d, iv,
		       in->stats.queued, in->stats.overflows, status);
	}
	return bad;
}

int collector_init(struct collector *c)
{
	struct timespec rt, bt;

	c->inst = NULL;
	c->ninst = 0;
	c->boot_ns = 0;
	if (clock_gettime(CLOCK_REALTIME, &rt) == 0 &&
	    clock_gettime(CLOCK_BOOTTIME, &bt) == 0 && rt.tv_sec > bt.tv_sec)
		c->boot_ns = (uint64_t)(rt.tv_sec - bt.tv_sec) * 1000000000ULL;
	c->rbuf = malloc(READ_BUF + DATA_LINE_MAX + 1);
	c->wbuf = malloc(WBUF);
	if (!c->rbuf || !c->wbuf) {
		collector_free(c);
		return -1;
	}
	return 0;
}

void collector_free(struct collector *c)
{
	while (c->ninst)
		inst_free(c, c->ninst - 1);
	free(c->inst);
	free(c->rbuf);
	free(c->wbuf);
	c->inst = NULL;
	c->rbuf = c->wbuf = NULL;
}
