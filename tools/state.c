// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "state.h"

#define STATE_VERSION 1

int state_load(const char *path, struct state *st)
{
	char buf[1024];
	uint64_t version;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_msg(LOG_ERR, "%s: open: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	memset(st, 0, sizeof(*st));
	if (n < 0 ||
	    kv_get_u64(buf, (size_t)n, "version", &version) ||
	    version != STATE_VERSION ||
	    kv_get_u64(buf, (size_t)n, "id", &st->cur.id) ||
	    kv_get_u64(buf, (size_t)n, "end_ns", &st->cur.end_ns) ||
	    kv_get_u64(buf, (size_t)n, "frames", &st->cur.frames) ||
	    kv_get_u64(buf, (size_t)n, "bytes", &st->cur.bytes) ||
	    kv_get_u64(buf, (size_t)n, "overflows", &st->overflows)) {
		log_msg(LOG_WARNING, "%s: invalid state file, ignored", path);
		memset(st, 0, sizeof(*st));
		return -1;
	}
	/* Optional; "ended" of older versions is ignored: ids decide. */
	kv_get_u64(buf, (size_t)n, "clock_steps", &st->clock_steps);
	kv_get_u64(buf, (size_t)n, "windows_read", &st->windows_read);
	kv_get_u64(buf, (size_t)n, "csv_dev", &st->csv_dev);
	kv_get_u64(buf, (size_t)n, "csv_ino", &st->csv_ino);
	st->cur.valid = true;
	return 1;
}

static int state_format(char *buf, size_t size, const struct state *st)
{
	return snprintf(buf, size,
			"# pktstat-collect state: last row written to the CSV\n"
			"version: %d\nid: %" PRIu64 "\nend_ns: %" PRIu64
			"\nframes: %" PRIu64 "\nbytes: %" PRIu64
			"\noverflows: %" PRIu64 "\nclock_steps: %" PRIu64
			"\nwindows_read: %" PRIu64 "\ncsv_dev: %" PRIu64
			"\ncsv_ino: %" PRIu64 "\n",
			STATE_VERSION, st->cur.id, st->cur.end_ns,
			st->cur.frames, st->cur.bytes, st->overflows,
			st->clock_steps, st->windows_read, st->csv_dev,
			st->csv_ino);
}

void state_record(char *buf, const struct state *st)
{
	int n = state_format(buf, STATE_RECORD, st);

	/* A fixed size: rewriting in place leaves no old tail. */
	if (n < 0 || n >= STATE_RECORD - 1)
		n = 0;
	memset(buf + n, ' ', (size_t)(STATE_RECORD - 1 - n));
	buf[STATE_RECORD - 1] = '\n';
}

int state_save(const char *path, const struct state *st)
{
	char tmp[4096 + 8], buf[512];
	int fd, len, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	len = state_format(buf, sizeof(buf), st);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	/* fsync before rename: after a power cut, old or new, never empty. */
	errno = 0;
	if (write(fd, buf, (size_t)len) != len || fsync(fd)) {
		err = errno ? errno : ENOSPC;
		close(fd);
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}
