// SPDX-License-Identifier: GPL-2.0
/*
 * An instance's CSV file and state files. What makes restarts exact: after
 * every write to the CSV, STATEDIR/NAME.last records the cursor of the last
 * row written and which file it went to (state.h says why it need not be
 * synced). Recovery takes, among that record, the synced state and
 * NAME.csv's last row, the one of the instance's id with the highest
 * totals: the rows written just before a crash are found whatever logrotate
 * named their file meanwhile (numbered, dated, another directory,
 * compressed).
 *
 * (One window is left: a kill between a CSV write and the record's update,
 * two system calls apart, while logrotate renames the file. Then the file
 * is looked for by inode in OUTDIR and the directories below it.)
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
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "log.h"
#include "output.h"

/*
 * Exactness does not need periodic saves (NAME.last holds the last row);
 * they keep the counters and windows_read fresh for the next start.
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

static void cand_row(struct instance *in, const char *path)
{
	struct row r;

	if (in->ncand < 4 && csv_last_row(path, &r) == 1)
		cursor_from_row(&in->cand[in->ncand++], &r);
}

/* dir (and the directories right below it): a file with this inode. */
static bool find_inode(const char *dir, dev_t dev, ino_t ino, int depth,
		       char *found)
{
	struct dirent *de;
	bool ok = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!ok && (de = readdir(d))) {
		char p[PATH_MAX];
		struct stat sb;

		if (de->d_name[0] == '.' ||
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p) || lstat(p, &sb))
			continue;
		if (S_ISREG(sb.st_mode) && sb.st_dev == dev && sb.st_ino == ino) {
			memcpy(found, p, sizeof(p));
			ok = true;
		} else if (S_ISDIR(sb.st_mode) && depth > 0) {
			ok = find_inode(p, dev, ino, depth - 1, found);
		}
	}
	closedir(d);
	return ok;
}

void output_load(struct collector *c, struct instance *in)
{
	char path[PATH_MAX], found[PATH_MAX];
	struct state st, last;
	struct stat sb;
	bool have_last;

	if (mkpath(path, c->statedir, in->name, ".state") == 0 &&
	    state_load(path, &st) == 1) {
		in->saved = st;
		in->has_saved = true;
		in->cand[in->ncand++] = st.cur;
	}
	have_last = mkpath(path, c->statedir, in->name, ".last") == 0 &&
		    state_load(path, &last) == 1;
	if (have_last)
		in->cand[in->ncand++] = last.cur;
	if (mkpath(path, c->outdir, in->name, ".csv"))
		return;
	cand_row(in, path);
	/* The last file written is no longer NAME.csv: a rotation. */
	if (have_last && last.csv_ino &&
	    (stat(path, &sb) || sb.st_dev != (dev_t)last.csv_dev ||
	     sb.st_ino != (ino_t)last.csv_ino) &&
	    find_inode(c->outdir, (dev_t)last.csv_dev, (ino_t)last.csv_ino, 1,
		       found)) {
		/* Ours, and a crash may have torn its last row: cut it. */
		int fd = csv_open(found, false);

		if (fd >= 0)
			close(fd);
		cand_row(in, found);
	}
}

uint64_t output_wr_now(const struct instance *in)
{
	if (in->npend || !in->st.has_windows_read)
		return 0;
	if (in->dfd >= 0)
		return in->wr_open + in->lines_since_open + in->others.known;
	return in->wr_expect;
}

/* The state as of the last row written. */
static void state_now(const struct instance *in, struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->cur = in->done;
	if (in->ctr_id == in->done.id) {
		st->overflows = in->ovf.known;
		st->clock_steps = in->steps.known;
		/* Only if the last row read is the last row written. */
		if (in->cur.frames == in->done.frames &&
		    in->cur.id == in->done.id)
			st->windows_read = output_wr_now(in);
	}
	st->csv_dev = (uint64_t)in->cdev;
	st->csv_ino = (uint64_t)in->cino;
}

void output_save(struct collector *c, struct instance *in, bool force)
{
	char path[PATH_MAX];
	struct state st;
	uint64_t now = c->now;

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
	state_now(in, &st);
	if (state_save(path, &st)) {
		out_error(in, path, "save state", errno);
		return;
	}
	in->saved = st;
	in->has_saved = true;
	in->state_dirty = false;
	in->saved_at = now;
}

/* NAME.last after a write. A failure only loses the rotation case. */
static void record(struct collector *c, struct instance *in)
{
	char buf[STATE_RECORD], path[PATH_MAX];
	struct state st;

	if (in->lfd < 0) {
		if (mkpath(path, c->statedir, in->name, ".last"))
			return;
		in->lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		if (in->lfd < 0 && errno == EACCES && unlink(path) == 0) {
			/* Another user's (root ran it): ours to replace. */
			in->lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		}
		if (in->lfd < 0) {
			log_throttled(&in->t_err, -errno, LOG_WARNING, "%s: %s: "
				      "a crash right after a log rotation may "
				      "count the last rows again", path,
				      strerror(errno));
			return;
		}
		c->nheld++;
	}
	state_now(in, &st);
	state_record(buf, &st);
	if (pwrite(in->lfd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		log_throttled(&in->t_err, -EIO, LOG_WARNING, "%s: NAME.last: "
			      "write failed", in->name);
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

void output_drop(struct collector *c, struct instance *in)
{
	if (in->cfd >= 0) {
		close(in->cfd);
		in->cfd = -1;
		c->nheld--;
	}
	if (in->lfd >= 0) {
		close(in->lfd);
		in->lfd = -1;
		c->nheld--;
	}
}

/* Sync a file we do not hold open. */
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

/* Open NAME.csv, creating it; a file of format 1 is moved aside first. */
static int open_csv(struct collector *c, struct instance *in, const char *csv)
{
	int fd = csv_open(csv, true);

	if (fd == CSV_FOREIGN) {
		if (move_foreign(csv)) {
			out_error(in, csv, "move aside", errno);
			return -1;
		}
		fd = csv_open(csv, true);
	}
	if (fd < 0) {
		out_error(in, csv, "open", fd == CSV_FOREIGN ? EEXIST : errno);
		return -1;
	}
	if (set_cfd(c, in, fd)) {
		out_error(in, csv, "fstat", errno);
		return -1;
	}
	return 0;
}

/* No file open: the first write since start, SIGHUP or an idle close. */
static int open_first(struct collector *c, struct instance *in,
		      const char *csv)
{
	int i;

	/*
	 * --once between logrotate's rename and its create (a timer run):
	 * give it a second rather than race it for the path.
	 */
	for (i = 0; c->once && in->ncand > 0 && i < 20; i++) {
		if (access(csv, F_OK) == 0 || errno != ENOENT)
			break;
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	return open_csv(c, in, csv);
}

/* Make cfd the file rows must go to now. */
static int prepare(struct collector *c, struct instance *in)
{
	char csv[PATH_MAX];
	struct stat sb;

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
		output_close(c, in);
		return open_csv(c, in, csv);
	}
	if (errno != ENOENT) {
		out_error(in, csv, "stat", errno);
		return -1;
	}
	/*
	 * The path is gone. Renamed (a rotation under way): keep appending to
	 * the renamed file for a moment, logrotate creates the new one.
	 * Deleted, or nobody made a new one: make it.
	 */
	if (fstat(in->cfd, &sb) == 0 && sb.st_nlink > 0) {
		if (!in->missing_since)
			in->missing_since = c->now;
		if (c->now - in->missing_since < MISSING_WAIT_NS)
			return 0;
	}
	output_close(c, in);
	return open_csv(c, in, csv);
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
		while (j < n && len + CSV_ROW_BUF <= WBUF)
			len += csv_format_row(c->wbuf + len, &rows[j++],
					      in->name, in->name_len);
		if (csv_append(in->cfd, c->wbuf, len, &whole) == 0) {
			cursor_from_row(&in->done, &rows[j - 1]);
			in->state_dirty = true;
			in->last_write = c->now;
			record(c, in);
			i = j;
			continue;
		}
		/* Rows that made it whole are done. */
		for (k = 0; k < whole; k++)
			if (c->wbuf[k] == '\n')
				cursor_from_row(&in->done, &rows[i++]);
		in->state_dirty = true;
		if (whole)
			record(c, in);
		err = errno;
		mkpath(csv, c->outdir, in->name, ".csv");
		/* Reopening checks the tail again if the cut failed. */
		fdatasync(in->cfd);
		output_drop(c, in);
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
	output_drop(c, in);
}

int output_gone(struct collector *c, struct instance *in)
{
	output_close(c, in);
	output_save(c, in, true);
	return in->state_dirty ? -1 : 0;
}
