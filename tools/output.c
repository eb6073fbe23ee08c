// SPDX-License-Identifier: GPL-2.0
/*
 * An instance's CSV file and state file. The invariant that makes restarts
 * exact: every row ever written is in the file at OUTDIR/NAME.csv, or in the
 * file OUTDIR/.NAME.csv.cur names, or covered by the state file. So:
 *
 *  - the collector writes only to the file .NAME.csv.cur names (a hard link
 *    it moves when it starts a new file), so a crash right after logrotate
 *    renamed NAME.csv (to .1, to a dated name, to another directory) still
 *    finds the last rows: they are in .NAME.csv.cur's file, whatever its
 *    other name now is;
 *  - before leaving a file for a new one, it syncs the old one and saves the
 *    state (which then covers all of it), and only then moves the link.
 *
 * Recovery takes, among the state, .NAME.csv.cur's last row and NAME.csv's
 * last row, the one with the instance's id and the highest totals.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "log.h"
#include "output.h"

/*
 * Exactness does not need periodic saves (the CSV and its second name hold
 * the last rows); they keep the counters and windows_read fresh.
 */
#define SAVE_EVERY_NS	(60 * NS)

static void out_error(struct instance *in, const char *path, const char *op,
		      int err)
{
	log_throttled(&in->t_err, err, LOG_ERR, "%s: %s: %s (rows read are "
		      "held in memory and nothing more is read from the kernel "
		      "until they are written; retrying every interval)%s",
		      path, op, strerror(err), err == EACCES ?
		      ": the files must belong to the collector's user "
		      "(chown -R pktstat: /var/log/xt-pktstat)" : "");
	in->err = err;
}

static int link_path(char *buf, const struct collector *c,
		     const struct instance *in, const char *suffix)
{
	if (snprintf(buf, PATH_MAX, "%s/.%s.csv%s", c->outdir, in->name,
		     suffix) >= PATH_MAX)
		return -1;
	return 0;
}

static void cand_row(struct instance *in, const char *path)
{
	struct row r;

	if (in->ncand < 3 && csv_last_row(path, &r) == 1)
		cursor_from_row(&in->cand[in->ncand++], &r);
}

void output_load(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];
	struct state st;

	if (mkpath(path, c->statedir, in->name, ".state") == 0 &&
	    state_load(path, &st) == 1) {
		in->saved = st;
		in->has_saved = true;
		in->cand[in->ncand++] = st.cur;
	}
	if (link_path(path, c, in, ".cur") == 0)
		cand_row(in, path);
	if (mkpath(path, c->outdir, in->name, ".csv") == 0)
		cand_row(in, path);
}

uint64_t output_wr_now(const struct instance *in)
{
	if (in->npend || !in->st.has_windows_read)
		return 0;
	if (in->dfd >= 0)
		return in->wr_open + in->lines_since_open + in->others.known;
	return in->wr_expect;
}

void output_save(struct collector *c, struct instance *in, bool force)
{
	char path[PATH_MAX];
	struct state st;
	uint64_t now = mono_ns();

	if (!in->done.valid || !in->state_dirty)
		return;
	if (!force && now - in->saved_at < SAVE_EVERY_NS)
		return;
	/* The state must never be ahead of what the CSV durably holds. */
	if (in->cfd >= 0 && fdatasync(in->cfd)) {
		mkpath(path, c->outdir, in->name, ".csv");
		out_error(in, path, "fdatasync", errno);
		return;
	}
	if (mkpath(path, c->statedir, in->name, ".state"))
		return;
	memset(&st, 0, sizeof(st));
	st.cur = in->done;
	if (in->ctr_id == in->done.id) {
		st.overflows = in->ovf.known;
		st.clock_steps = in->steps.known;
		/* Only if the last row read is the last row written. */
		if (in->cur.frames == in->done.frames &&
		    in->cur.id == in->done.id)
			st.windows_read = output_wr_now(in);
	}
	if (state_save(path, &st)) {
		out_error(in, path, "save state", errno);
		return;
	}
	in->saved = st;
	in->has_saved = true;
	in->state_dirty = false;
	in->saved_at = now;
}

/* Sync a file we do not hold open (the one the hidden name points to). */
static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	ret = fdatasync(fd);
	close(fd);
	return ret;
}

/* Give the file cfd writes the hidden second name. Failure degrades only. */
static void relink(struct collector *c, struct instance *in, const char *csv)
{
	char tmp[PATH_MAX], cur[PATH_MAX];
	struct stat sb;
	int dfd;

	in->linked = false;
	if (link_path(tmp, c, in, ".cur.tmp") || link_path(cur, c, in, ".cur"))
		return;
	unlink(tmp);
	if (link(csv, tmp) || stat(tmp, &sb) || sb.st_dev != in->cdev ||
	    sb.st_ino != in->cino || rename(tmp, cur)) {
		int err = errno ? errno : EXDEV;

		log_throttled(&in->t_err, -err, LOG_WARNING, "%s: cannot "
			      "keep a second name for %s (%s): a crash right "
			      "after a rotation may count its last rows "
			      "again", cur, csv, strerror(err));
		unlink(tmp);
		return;
	}
	/* The name must last before rows go to the file it names. */
	dfd = open(c->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	in->linked = true;
}

static int set_cfd(struct collector *c, struct instance *in, int fd)
{
	struct stat sb;

	if (fstat(fd, &sb)) {
		close(fd);
		return -1;
	}
	in->cfd = fd;
	in->cdev = sb.st_dev;
	in->cino = sb.st_ino;
	in->missing_since = 0;
	c->nheld++;
	return 0;
}

static void drop_cfd(struct collector *c, struct instance *in)
{
	if (in->cfd < 0)
		return;
	close(in->cfd);
	in->cfd = -1;
	in->linked = false;
	c->nheld--;
}

/* Move a file of another format out of the way: NAME.csv.format1[.N]. */
static int move_foreign(const char *csv)
{
	char dst[PATH_MAX + 16];
	struct stat sb;
	int i;

	for (i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(dst, sizeof(dst), "%s.format1", csv);
		else
			snprintf(dst, sizeof(dst), "%s.format1.%d", csv, i);
		if (lstat(dst, &sb) && errno == ENOENT)
			break;
	}
	if (sync_path(csv) || rename(csv, dst))
		return -1;
	log_msg(LOG_NOTICE, "%s: rows of an older format: renamed to %s; new "
		"rows (format 2, doc/OUTPUTS.md) go to a new %s", csv, dst,
		csv);
	return 0;
}

/*
 * Open NAME.csv (creating it) and name it .NAME.csv.cur. The caller made
 * sure the state covers every row outside it.
 */
static int open_csv(struct collector *c, struct instance *in, const char *csv)
{
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = csv_open(csv, true);
		if (fd != CSV_FOREIGN)
			break;
		/* Its rows are ours too: the state must cover them first. */
		output_save(c, in, true);
		if (in->state_dirty || move_foreign(csv)) {
			out_error(in, csv, "move aside", errno ? errno : EIO);
			return -1;
		}
	}
	if (fd < 0) {
		out_error(in, csv, "open", fd == CSV_FOREIGN ? EEXIST : errno);
		return -1;
	}
	if (set_cfd(c, in, fd)) {
		out_error(in, csv, "fstat", errno);
		return -1;
	}
	relink(c, in, csv);
	return 0;
}

/* Leave the file cfd writes for a new NAME.csv. */
static int switch_csv(struct collector *c, struct instance *in,
		      const char *csv)
{
	/* Sync and save first: the state then covers the old file. */
	output_save(c, in, true);
	if (in->state_dirty)
		return -1;	/* keep writing to the old file meanwhile */
	drop_cfd(c, in);
	return open_csv(c, in, csv);
}

/* No file open: the first write since start, SIGHUP or an idle close. */
static int open_first(struct collector *c, struct instance *in,
		      const char *csv)
{
	char cur[PATH_MAX];
	struct stat ps, ls;
	bool p_ok, l_ok;
	int fd, i;

	if (link_path(cur, c, in, ".cur"))
		return -1;
	for (i = 0;; i++) {
		p_ok = stat(csv, &ps) == 0;
		l_ok = stat(cur, &ls) == 0;
		if (p_ok || !l_ok || ls.st_nlink < 2 || !c->once || i >= 20)
			break;
		/*
		 * NAME.csv was renamed and the link's file has another name:
		 * logrotate is between its rename and its create. Give it a
		 * second rather than race it for the path.
		 */
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	if (p_ok && l_ok && ps.st_dev == ls.st_dev && ps.st_ino == ls.st_ino) {
		fd = csv_open(csv, false);
		if (fd >= 0) {
			if (set_cfd(c, in, fd))
				return -1;
			in->linked = true;
			return 0;
		}
		if (fd != CSV_FOREIGN && errno != ENOENT) {
			out_error(in, csv, "open", errno);
			return -1;
		}
	} else if (!p_ok && l_ok && ls.st_nlink >= 2 && !c->once) {
		/* Rotation under way: append to the renamed file meanwhile. */
		fd = csv_open(cur, false);
		if (fd >= 0) {
			if (set_cfd(c, in, fd))
				return -1;
			in->linked = true;
			in->missing_since = mono_ns();
			return 0;
		}
	}
	/*
	 * The link names another file: the state must cover it before the
	 * link moves. The cursor may come from that file's last row, newer
	 * than the state a crash left behind.
	 */
	if (l_ok) {
		if (sync_path(cur)) {
			out_error(in, cur, "fdatasync", errno);
			return -1;
		}
		if (in->done.valid && !(in->has_saved &&
		    in->saved.cur.id == in->done.id &&
		    in->saved.cur.frames == in->done.frames))
			in->state_dirty = true;
		output_save(c, in, true);
		if (in->state_dirty)
			return -1;
	}
	return open_csv(c, in, csv);
}

/* Make cfd the file rows must go to now. */
static int prepare(struct collector *c, struct instance *in)
{
	char csv[PATH_MAX];
	struct stat sb;
	uint64_t now;

	if (mkpath(csv, c->outdir, in->name, ".csv"))
		return -1;
	if (in->cfd < 0)
		return open_first(c, in, csv);
	if (stat(csv, &sb) == 0) {
		if (sb.st_dev == in->cdev && sb.st_ino == in->cino) {
			in->missing_since = 0;
			return 0;
		}
		/* A new file at the path: logrotate's create. */
		switch_csv(c, in, csv);
		return in->cfd >= 0 ? 0 : -1;
	}
	if (errno != ENOENT) {
		out_error(in, csv, "stat", errno);
		return -1;
	}
	/*
	 * The path is gone. Renamed (a rotation under way): keep appending to
	 * the renamed file for a moment, logrotate creates the new one. Deleted
	 * (no other name left) or nobody made a new one: make it.
	 */
	now = mono_ns();
	if (fstat(in->cfd, &sb) == 0 &&
	    sb.st_nlink > (nlink_t)(in->linked ? 1 : 0)) {
		if (!in->missing_since)
			in->missing_since = now;
		if (now - in->missing_since < MISSING_WAIT_NS)
			return 0;
	}
	switch_csv(c, in, csv);
	return in->cfd >= 0 ? 0 : -1;
}

int output_write(struct collector *c, struct instance *in,
		 const struct row *rows, size_t n)
{
	char csv[PATH_MAX];
	size_t i = 0, k;
	int err;

	while (i < n) {
		size_t len = 0, whole, j = i;

		if (prepare(c, in))
			goto keep;
		while (j < n && len + CSV_ROW_MAX <= WBUF)
			len += csv_format_row(c->wbuf + len, &rows[j++],
					      in->name, in->name_len);
		if (csv_append(in->cfd, c->wbuf, len, &whole) == 0) {
			cursor_from_row(&in->done, &rows[j - 1]);
			in->state_dirty = true;
			in->last_write = mono_ns();
			i = j;
			continue;
		}
		/* Rows that made it whole are done. */
		for (k = 0; k < whole; k++)
			if (c->wbuf[k] == '\n')
				cursor_from_row(&in->done, &rows[i++]);
		in->state_dirty = true;
		err = errno;
		mkpath(csv, c->outdir, in->name, ".csv");
		/* Reopening checks the tail again if the cut failed. */
		fdatasync(in->cfd);
		drop_cfd(c, in);
		out_error(in, csv, "write", err);
		goto keep;
	}
	if (in->err)
		log_msg(LOG_NOTICE, "%s: recovered: rows written again",
			in->name);
	in->err = 0;
	return 0;
keep:
	if (i < n) {
		struct row *p = malloc((n - i) * sizeof(*p));

		if (!p) {
			/* Their counts go into the next row's delta. */
			log_msg(LOG_ERR, "%s: out of memory: %zu rows dropped, "
				"their counts merge into the next row",
				in->name, n - i);
			in->cur = in->done;
			return -1;
		}
		memcpy(p, rows + i, (n - i) * sizeof(*p));
		in->pend = p;
		in->npend = n - i;
	}
	return -1;
}

int output_flush(struct collector *c, struct instance *in)
{
	struct row *p = in->pend;
	size_t n = in->npend;
	int ret;

	if (!n)
		return 0;
	in->pend = NULL;
	in->npend = 0;
	ret = output_write(c, in, p, n);
	free(p);
	return ret;
}

void output_close(struct collector *c, struct instance *in)
{
	if (in->cfd < 0)
		return;
	output_save(c, in, true);
	if (in->state_dirty)
		fdatasync(in->cfd);	/* best effort: the CSV is the truth */
	drop_cfd(c, in);
}

int output_gone(struct collector *c, struct instance *in)
{
	char cur[PATH_MAX];

	output_close(c, in);
	output_save(c, in, true);
	if (in->state_dirty)
		return -1;
	if (in->done.valid && link_path(cur, c, in, ".cur") == 0)
		unlink(cur);
	return 0;
}
