// SPDX-License-Identifier: GPL-2.0
/*
 * The collector's rounds. Order matters for exactness:
 *
 *  1. write what is pending from an earlier round (the disk was failing);
 *  2. only then read the kernel's data file, one buffer at a time, writing
 *     each buffer's rows to the CSV before reading the next;
 *  3. now and then, sync the CSV and save the state file.
 *
 * The kernel forgets a window once it has been read, so the only rows that
 * can be lost are the ones between a read() and its write(), by a crash in
 * that window: the cursor then comes back from the CSV (the truth) or the
 * state, and the next row's delta includes the lost windows (flagged
 * merged). Counts are never lost or counted twice; resolution can be.
 *
 * Which series a row belongs to is the kernel's instance id: the same id
 * continues it, another id starts a new one. The id of the instance a data
 * file descriptor reads is established when it is opened (open data, read
 * stats, check the path still names the same file): an instance recreated
 * in between cannot lend its id to the old one's rows. A round whose listing
 * of the proc root failed changes nothing; an instance is gone only when a
 * listing that succeeded lacks it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "live.h"
#include "output.h"
#include "prom.h"

#define MAX_READS	1024		/* per instance per round */
#define CSV_IDLE_NS	(60 * NS)	/* close a CSV unused this long */
#define FD_RESERVE	64		/* fds kept for everything else */

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

int mkpath(char *buf, const char *dir, const char *name, const char *suffix)
{
	if (snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix) >= PATH_MAX) {
		log_msg(LOG_ERR, "%s/%s%s: path too long", dir, name, suffix);
		return -1;
	}
	return 0;
}

void fmt_duration(char *buf, size_t size, uint64_t ns)
{
	if (ns >= NS)
		snprintf(buf, size, "%.3gs", (double)ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, size, "%.3gms", (double)ns / 1e6);
	else if (ns >= 1000)
		snprintf(buf, size, "%.3gus", (double)ns / 1e3);
	else
		snprintf(buf, size, "%" PRIu64 "ns", ns);
}

static bool views_on(const struct collector *c)
{
	return (c->rundir && *c->rundir) || c->promdir;
}

uint64_t view_interval(const struct collector *c)
{
	if (c->once)
		return c->interval_ns ? c->interval_ns : ONCE_INTERVAL_NS;
	return collector_interval(c);
}

/* --- the instance table ------------------------------------------------ */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct instance *inst_find(const struct collector *c, const char *name)
{
	struct instance *in;

	if (!c->nhash)
		return NULL;
	for (in = c->hash[name_hash(name) & (c->nhash - 1)]; in; in = in->hnext)
		if (strcmp(in->name, name) == 0)
			return in;
	return NULL;
}

static int hash_grow(struct collector *c)
{
	size_t n = c->nhash ? c->nhash * 2 : 64, i;
	struct instance **h = calloc(n, sizeof(*h));

	if (!h)
		return -1;
	for (i = 0; i < c->ninst; i++) {
		struct instance *in = c->inst[i];
		uint32_t b = name_hash(in->name) & (n - 1);

		in->hnext = h[b];
		h[b] = in;
	}
	free(c->hash);
	c->hash = h;
	c->nhash = n;
	return 0;
}

static struct instance *inst_new(struct collector *c, const char *name)
{
	struct instance *in;
	uint32_t b;

	if (c->ninst == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct instance **a = realloc(c->inst, cap * sizeof(*a));

		if (!a)
			goto oom;
		c->inst = a;
		c->cap = cap;
	}
	if (c->ninst >= c->nhash && hash_grow(c))
		goto oom;
	in = calloc(1, sizeof(*in));
	if (!in)
		goto oom;
	/* list() passes only valid names: they fit. */
	in->name_len = strnlen(name, NAME_MAX_LEN);
	memcpy(in->name, name, in->name_len);
	in->dfd = in->cfd = in->lfd = -1;
	if (!c->check)
		output_load(c, in);
	b = name_hash(in->name) & (c->nhash - 1);
	in->hnext = c->hash[b];
	c->hash[b] = in;
	c->inst[c->ninst++] = in;
	return in;
oom:
	log_throttled(&c->t_fd, ENOMEM, LOG_ERR, "%s: out of memory", name);
	return NULL;
}

static void data_close(struct collector *c, struct instance *in);

static void inst_free(struct collector *c, size_t i)
{
	struct instance *in = c->inst[i], **pp;

	data_close(c, in);
	output_drop(c, in);
	for (pp = &c->hash[name_hash(in->name) & (c->nhash - 1)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == in) {
			*pp = in->hnext;
			break;
		}
	live_free(in);
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

/*
 * List the proc root. A missing root is a listing that succeeded with no
 * instance (no module, or unloaded); any other failure changes nothing.
 * Returns 0 or -1.
 */
static int list(struct collector *c)
{
	unsigned long gen = ++c->attempt;
	struct dirent *de;
	DIR *d = opendir(c->proc_root);

	if (!d && errno == ENOENT) {
		if (!c->proc_missing && !c->once)
			log_msg(LOG_INFO, "%s: absent (xt_pktstat not loaded, "
				"or no rule yet): waiting for it", c->proc_root);
		c->proc_missing = true;
		c->gen = gen;
		return 0;
	}
	if (!d) {
		log_throttled(&c->t_list, errno, LOG_ERR, "%s: %s: listing "
			      "failed, instances are kept as they were until "
			      "a listing succeeds", c->proc_root,
			      strerror(errno));
		return -1;
	}
	if (c->proc_missing && !c->once)
		log_msg(LOG_INFO, "%s: present", c->proc_root);
	c->proc_missing = false;
	for (;;) {
		struct instance *in;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!valid_instance_name(de->d_name) || !wanted(c, de->d_name))
			continue;
		in = inst_find(c, de->d_name);
		if (!in)
			in = inst_new(c, de->d_name);
		if (in)
			in->listed = gen;
	}
	if (errno) {
		log_throttled(&c->t_list, errno, LOG_ERR, "%s: readdir: %s: "
			      "listing failed, instances are kept as they were",
			      c->proc_root, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	c->gen = gen;
	return 0;
}

bool present(const struct collector *c, const struct instance *in)
{
	return in->listed && in->listed >= c->gen;
}

/* --- stats and the data file --------------------------------------------- */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	err = errno;
	close(fd);
	errno = err;
	return n;
}

static const char *access_hint(int err)
{
	return err == EACCES ? ": the module must give the collector's group "
	       "read access (modprobe option gid=, written by the package; "
	       "reload the module to apply it)" : "";
}

/* Read and parse the stats file. Returns 0, or -1 (logged unless ENOENT). */
static int stats_read(struct collector *c, const struct instance *in,
		      struct inst_stats *st)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n;

	if (mkpath(path, c->proc_root, in->name, "/stats"))
		return -1;
	n = read_file(path, buf, sizeof(buf));
	if (n < 0) {
		if (errno != ENOENT)
			log_throttled(&c->t_stats, errno, LOG_ERR, "%s: %s%s",
				      path, strerror(errno),
				      access_hint(errno));
		return -1;
	}
	if (parse_stats(buf, (size_t)n, st)) {
		log_throttled(&c->t_stats, -1, LOG_WARNING, "%s: no id, "
			      "period_ns or samples: not drained", path);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static void ctr_set(struct ctr *k, uint64_t v)
{
	if (v > k->known)
		k->known = v;
}

static void ctr_begin(struct ctr *k)
{
	k->prev_mark = k->mark;
	k->mark = k->known;
}

static bool ctr_grew(const struct ctr *k)
{
	return k->known > k->prev_mark;
}

/* Take in fresh stats of the instance dfd reads (same id). */
static void stats_apply(struct collector *c, struct instance *in,
			const struct inst_stats *st)
{
	uint64_t ours = in->wr_open + in->lines_since_open;

	if (!c->once && st->has_overflows && st->overflows > in->ovf.known &&
	    in->ovf.known)
		log_throttled(&in->t_ovf, 0, LOG_WARNING, "%s: a per-CPU queue "
			      "overflowed (%" PRIu64 " windows in all): windows "
			      "merged, counts kept, rows flagged merged; drain "
			      "more often or raise --samples", in->name,
			      st->overflows);
	ctr_set(&in->ovf, st->overflows);
	ctr_set(&in->steps, st->clock_steps);
	if (st->has_windows_read && st->windows_read > ours)
		ctr_set(&in->others, st->windows_read - ours);
	if (in->ovf.known != in->saved.overflows ||
	    in->steps.known != in->saved.clock_steps)
		in->state_dirty |= in->done.valid && in->done.id == st->id;
	in->st = *st;
	in->st_ok = true;
	in->st_at = c->now;
}

static void data_close(struct collector *c, struct instance *in)
{
	if (in->dfd < 0)
		return;
	/* What windows_read must say at the next open if no one else reads. */
	in->wr_expect = in->st.has_windows_read ? in->wr_open +
			in->lines_since_open + in->others.known : 0;
	in->clean_resume = true;
	close(in->dfd);
	in->dfd = -1;
	in->ncarry = 0;
	c->nheld--;
}

/*
 * Choose the cursor at the first open, now that the id is known: among the
 * state and the CSV files' last rows, the one of this id with the highest
 * totals (rows of one id only grow), else the series is new.
 */
static void series_choose(struct instance *in, uint64_t id)
{
	const struct cursor *best = NULL, *any = NULL;
	int i;

	for (i = 0; i < in->ncand; i++) {
		const struct cursor *k = &in->cand[i];

		if (!k->valid)
			continue;
		if (!any || k->id > any->id ||
		    (k->id == any->id && k->frames > any->frames))
			any = k;
		if (k->id == id &&
		    (!best || k->frames > best->frames ||
		     (k->frames == best->frames && k->bytes > best->bytes)))
			best = k;
	}
	if (best || any)
		in->cur = in->done = best ? *best : *any;
	in->clean_resume = best && in->has_saved &&
			   in->saved.cur.id == best->id &&
			   in->saved.cur.frames == best->frames &&
			   in->saved.cur.bytes == best->bytes;
	in->wr_expect = in->clean_resume ? in->saved.windows_read : 0;
	memset(&in->ovf, 0, sizeof(in->ovf));
	memset(&in->steps, 0, sizeof(in->steps));
	if (best && in->has_saved && in->saved.cur.id == best->id) {
		in->ovf.known = in->ovf.mark = in->ovf.prev_mark =
			in->saved.overflows;
		in->steps.known = in->steps.mark = in->steps.prev_mark =
			in->saved.clock_steps;
	}
	in->ctr_id = id;
	in->chosen = true;
}

/*
 * Open the data file and learn the id of the instance it reads: stats read
 * after the open, then the path checked to still name the same file (a file
 * recreated meanwhile has another inode while ours is held open). Returns 0
 * or -1.
 */
static int data_open(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	struct inst_stats st;
	struct stat a, b;
	bool same;
	int fd, tries;

	if (mkpath(path, c->proc_root, in->name, "/data"))
		return -1;
	for (tries = 0;; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				log_throttled(errno == EMFILE || errno == ENFILE ?
					      &c->t_fd : &c->t_data, errno,
					      LOG_ERR, "%s: %s%s", path,
					      strerror(errno),
					      access_hint(errno));
			return -1;
		}
		if (c->test_hook)
			c->test_hook(c, in);
		if (fstat(fd, &a) || stats_read(c, in, &st)) {
			close(fd);
			return -1;
		}
		same = stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		       a.st_ino == b.st_ino;
		if (same)
			break;
		close(fd);
		if (tries == 2)
			return -1;	/* recreated again and again: next round */
	}
	in->dfd = fd;
	in->ddev = a.st_dev;
	in->dino = a.st_ino;
	in->ncarry = 0;
	c->nheld++;
	if (!in->chosen)
		series_choose(in, st.id);
	if (in->ctr_id != st.id) {
		memset(&in->ovf, 0, sizeof(in->ovf));
		memset(&in->steps, 0, sizeof(in->steps));
		in->ctr_id = st.id;
	}
	/* Windows taken since our last row (another reader, a crash)? */
	if (in->cur.valid && in->cur.id == st.id) {
		if (st.has_windows_read)
			in->suspect |= !in->wr_expect ||
				       st.windows_read != in->wr_expect;
		else
			in->suspect |= !in->clean_resume;
	}
	memset(&in->others, 0, sizeof(in->others));
	in->lines_since_open = 0;
	in->wr_open = st.windows_read;
	stats_apply(c, in, &st);
	return 0;
}

/*
 * Once a second (and every round in tests), check that the held data file
 * is still the instance's (the kernel also fails reads of a removed one)
 * and refresh the stats for the views. Returns false if dfd was closed.
 */
static bool data_recheck(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	struct inst_stats st;
	struct stat sb;

	if (c->now - in->st_at < c->recheck_ns)
		return true;
	if (mkpath(path, c->proc_root, in->name, "/data"))
		return true;
	if (stat(path, &sb) || sb.st_dev != in->ddev || sb.st_ino != in->dino) {
		data_close(c, in);
		return false;
	}
	if (!views_on(c)) {
		in->st_at = c->now;
		return true;
	}
	if (stats_read(c, in, &st) == 0) {
		if (st.id == in->st.id) {
			stats_apply(c, in, &st);
		} else {
			data_close(c, in);
			return false;
		}
	}
	return true;
}

/* --- draining ---------------------------------------------------------- */

static void warn_deadline(struct collector *c, struct instance *in)
{
	uint64_t d = instance_deadline(in), iv;
	char a[32], b[32], p[32];

	if (c->once || in->warned_id == in->st.id || !d)
		return;
	in->warned_id = in->st.id;
	iv = collector_interval(c);
	if (iv <= d / 2)
		return;
	fmt_duration(a, sizeof(a), iv);
	fmt_duration(b, sizeof(b), d);
	fmt_duration(p, sizeof(p), in->st.period_ns);
	log_msg(iv >= d ? LOG_WARNING : LOG_NOTICE, "%s: interval %s is %s "
		"its queue deadline %s (samples %" PRIu64 " x period %s)%s",
		in->name, a, iv >= d ? "not shorter than" : "over half of", b,
		in->st.samples, p, iv >= d ? ": windows will merge (rows "
		"flagged merged); lower --interval or raise --samples" : "");
}

/* Turn parsed samples into rows (c->rows). Returns the number of rows. */
static size_t make_rows(struct collector *c, struct instance *in, size_t ns)
{
	struct series_ctx ctx = {
		.id = in->st.id,
		.period_ns = in->st.period_ns,
		.created_ns = in->st.has_created ? in->st.created_ns : 0,
	};
	size_t i, n = 0, stale = 0;

	if (ctr_grew(&in->ovf) || ctr_grew(&in->others))
		ctx.next_flags |= ROW_MERGED;
	if (ctr_grew(&in->steps))
		ctx.next_flags |= ROW_STEP;
	if (in->ovf.known || in->others.known || in->wr_open)
		ctx.first_flags |= ROW_MERGED;
	if (in->steps.known)
		ctx.first_flags |= ROW_STEP;
	for (i = 0; i < ns; i++) {
		struct row *r = &c->rows[n];
		struct cursor before = in->cur;
		unsigned int keep = ctx.next_flags;

		if (in->suspect)
			ctx.next_flags |= ROW_MERGED;
		switch (delta_apply(&in->cur, &ctx, &c->samples[i], r)) {
		case DELTA_STALE:
			stale++;
			ctx.next_flags = keep;
			continue;
		case DELTA_NEW_SERIES:
			if (before.valid)
				log_msg(LOG_INFO, "%s: new series (id %" PRIu64
					" -> %" PRIu64 "): the instance was "
					"recreated", in->name, before.id,
					in->cur.id);
			break;
		case DELTA_NEXT:
			break;
		}
		in->suspect = false;
		ctx.next_flags = keep;
		live_add(in, r);
		n++;
	}
	if (stale)
		log_throttled(&in->t_stale, 0, LOG_INFO, "%s: %zu windows not "
			      "above the last row written, skipped (already "
			      "counted)", in->name, stale);
	return n;
}

/*
 * Split a buffer into samples (c->samples); a trailing partial line, which
 * only a plain file can give, is kept for the next read. Returns the
 * number of samples; *lines counts the lines the kernel handed out: bad
 * ones too, not ones already counted (a plain file read again from its
 * start), as windows_read counts them.
 */
static size_t parse_buf(struct collector *c, struct instance *in, char *buf,
			size_t len, uint64_t *lines)
{
	bool same = in->cur.valid && in->cur.id == in->st.id;
	char *p = buf, *end = buf + len, *nl;
	size_t n = 0, bad = 0;

	end[0] = '\0';		/* parse_data_next()'s sentinel */
	for (;;) {
		struct sample *sm = &c->samples[n];
		const char *next = parse_data_next(p, end, sm);

		if (!next) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				break;		/* a partial line: carried */
			next = nl + 1;
			if (parse_data_line(p, (size_t)(nl - p), sm)) {
				if (bad++ == 0)
					log_throttled(&in->t_bad, 0, LOG_WARNING,
						      "%s: bad data line \"%.*s\" "
						      "skipped", in->name,
						      (int)(nl - p > 80 ? 80 :
						      nl - p), p);
				(*lines)++;
				p = nl + 1;
				continue;
			}
		}
		p = (char *)next;
		/* A replay (a plain file read again) was not handed out. */
		if (same && (sm->frames <= in->cur.frames ||
			     sm->bytes < in->cur.bytes))
			continue;
		(*lines)++;
		n++;
	}
	in->ncarry = (size_t)(end - p);
	if (in->ncarry > DATA_LINE_MAX) {
		log_throttled(&in->t_bad, 0, LOG_WARNING, "%s: data line longer "
			      "than %d bytes skipped", in->name, DATA_LINE_MAX);
		in->ncarry = 0;
	}
	memcpy(in->carry, p, in->ncarry);
	return n;
}

/* Read the data file buffer by buffer, writing each before the next. */
static size_t drain(struct collector *c, struct instance *in)
{
	size_t total = 0;
	int reads;

	for (reads = 0; reads < MAX_READS && in->dfd >= 0; reads++) {
		size_t carry = in->ncarry, ns, nr;
		struct inst_stats st;
		uint64_t lines = 0;
		ssize_t n;

		memcpy(c->rbuf, in->carry, carry);
		ctr_begin(&in->ovf);
		ctr_begin(&in->steps);
		ctr_begin(&in->others);
		n = read(in->dfd, c->rbuf + carry, READ_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The instance was removed while we held its file. */
			data_close(c, in);
			break;
		}
		if (n == 0)
			break;
		ns = parse_buf(c, in, c->rbuf, carry + (size_t)n, &lines);
		in->lines_since_open += lines;
		/* Counters read after the rows: they flag them. */
		if (lines && stats_read(c, in, &st) == 0) {
			if (st.id == in->st.id)
				stats_apply(c, in, &st);
			else
				in->st_at = 0;	/* replaced: recheck */
		}
		nr = make_rows(c, in, ns);
		total += nr;
		if (nr && output_write(c, in, c->rows, nr))
			break;	/* rows pending: read no more */
	}
	return total;
}

/* One instance's turn in a round. */
static void inst_work(struct collector *c, struct instance *in, bool refresh)
{
	size_t rows = 0;
	uint64_t now;

	if (in->npend && output_flush(c, in))
		return;
	if (in->dfd >= 0 && refresh)
		in->st_at = 0;
	if (in->dfd >= 0 && !data_recheck(c, in))
		data_open(c, in);
	else if (in->dfd < 0)
		data_open(c, in);
	if (in->dfd >= 0) {
		warn_deadline(c, in);
		rows = drain(c, in);
	}
	now = c->now;
	if (c->rundir && *c->rundir && in->st_ok &&
	    (rows || now - in->live_at >= LIVE_EVERY_NS)) {
		if (live_due(c, in, rows))
			live_write(c, in);
		in->live_at = now;
	}
	/* Over the fd budget: reopen per round rather than hold. */
	if (in->dfd >= 0 && c->nheld > c->fd_budget)
		data_close(c, in);
	if (in->cfd >= 0 && (c->nheld > c->fd_budget ||
			     now - in->last_write >= CSV_IDLE_NS))
		output_close(c, in);
	output_save(c, in, false);
}

/* A listing that succeeded lacks it: write what is left and forget it. */
static bool inst_gone(struct collector *c, struct instance *in)
{
	if (in->npend && output_flush(c, in))
		return false;
	data_close(c, in);
	if (output_gone(c, in))
		return false;
	if (in->live || in->live_file)
		live_remove(c, in);
	if (in->chosen)
		log_msg(LOG_INFO, "%s: instance gone", in->name);
	return true;
}

int collector_round(struct collector *c)
{
	uint64_t now = c->now = mono_ns();
	bool prom_due = c->promdir &&
			(!c->prom_at || now - c->prom_at >= c->prom_interval_ns);
	int errors = 0;
	size_t i;

	if (list(c))
		errors++;
	c->round_rt = real_ns();
	for (i = 0; i < c->ninst; i++) {
		struct instance *in = c->inst[i];

		if (present(c, in))
			inst_work(c, in, prom_due);
		if (in->npend || in->err)
			errors++;
	}
	for (i = c->ninst; i-- > 0;) {
		struct instance *in = c->inst[i];

		if (!present(c, in) && inst_gone(c, in))
			inst_free(c, i);
	}
	if (c->rundir && *c->rundir)
		heartbeat_write(c, view_interval(c));
	if (prom_due && prom_write(c) == 0)
		c->prom_at = now;
	return errors;
}

void collector_save_all(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->ninst; i++)
		output_save(c, c->inst[i], true);
}

void collector_reopen(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->ninst; i++)
		output_close(c, c->inst[i]);
}

void collector_stop_views(struct collector *c)
{
	size_t i;

	if (!c->rundir || !*c->rundir)
		return;
	for (i = 0; i < c->ninst; i++)
		live_remove(c, c->inst[i]);
	heartbeat_remove(c);
}

size_t collector_pending(const struct collector *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->ninst; i++)
		n += c->inst[i]->npend;
	return n;
}

uint64_t instance_deadline(const struct instance *in)
{
	if (!in->st_ok || in->st.samples == 0 || in->st.period_ns == 0)
		return 0;
	if (in->st.samples > UINT64_MAX / in->st.period_ns)
		return UINT64_MAX;
	return in->st.samples * in->st.period_ns;
}

uint64_t collector_interval(const struct collector *c)
{
	uint64_t best = 0;
	size_t i;

	if (c->interval_ns)
		return c->interval_ns;
	for (i = 0; i < c->ninst; i++) {
		uint64_t d = instance_deadline(c->inst[i]) / 4;

		if (present(c, c->inst[i]) && d && (!best || d < best))
			best = d;
	}
	if (!best)
		best = NS;	/* nothing to drain yet: rescan */
	if (best < AUTO_MIN_NS)
		best = AUTO_MIN_NS;
	if (best > AUTO_MAX_NS)
		best = AUTO_MAX_NS;
	/* The live view is at most a second behind. */
	if (c->rundir && *c->rundir && best > LIVE_MAX_NS)
		best = LIVE_MAX_NS;
	return best;
}

int collector_list_stats(struct collector *c)
{
	size_t i;
	int n = 0;

	c->now = mono_ns();
	if (list(c))
		return -1;
	for (i = 0; i < c->ninst; i++) {
		struct instance *in = c->inst[i];
		struct inst_stats st;

		if (!present(c, in))
			continue;
		n++;
		in->st_ok = stats_read(c, in, &st) == 0;
		if (in->st_ok)
			in->st = st;
	}
	return n;
}

/* Raise the soft fd limit to the hard one and share it out. */
static void fd_setup(struct collector *c)
{
	struct rlimit rl;

	c->fd_budget = 1024 - FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;

		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT32_MAX)
		rl.rlim_cur = INT32_MAX;
	c->fd_budget = (int)rl.rlim_cur > 2 * FD_RESERVE ?
		       (int)rl.rlim_cur - FD_RESERVE : (int)rl.rlim_cur / 2;
}

int collector_init(struct collector *c)
{
	c->inst = NULL;
	c->hash = NULL;
	c->ninst = c->cap = c->nhash = 0;
	c->nheld = 0;
	if (!c->recheck_ns)
		c->recheck_ns = NS;
	if (!c->prom_interval_ns)
		c->prom_interval_ns = 15 * NS;
	fd_setup(c);
	c->rbuf = malloc(READ_BUF + DATA_LINE_MAX + 16);
	c->wbuf = malloc(WBUF);
	c->samples = malloc(PEND_MAX * sizeof(*c->samples));
	c->rows = malloc(PEND_MAX * sizeof(*c->rows));
	if (!c->rbuf || !c->wbuf || !c->samples || !c->rows) {
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
	free(c->hash);
	free(c->rbuf);
	free(c->wbuf);
	free(c->samples);
	free(c->rows);
	c->inst = NULL;
	c->hash = NULL;
	c->nhash = c->cap = 0;
	c->rbuf = c->wbuf = NULL;
	c->samples = NULL;
	c->rows = NULL;
}
