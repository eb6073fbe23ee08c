// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "fmt.h"
#include "log.h"
#include "parse.h"

static const char *const flag_words[8] = {
	"", "first", "step", "first+step", "merged", "first+merged",
	"step+merged", "first+step+merged",
};

/*
 * The parts of a row that repeat from one row to the next, kept formatted:
 * rows come in runs of one instance, in time order, each starting where the
 * previous one ended. Fixed-size copies (the caller leaves CSV_ROW_BUF
 * bytes) are cheaper than exact ones.
 */
#define MID_COPY	64	/* ",name,id," <= 54 */
#define TAIL_COPY	48	/* ",period,flags\n" <= 40 */

static struct {
	struct fmt_date date;
	char name[NAME_MAX_LEN + 1];
	const char *name_ptr;
	size_t name_len;
	uint64_t id;
	char mid[MID_COPY];
	size_t mid_len;
	bool mid_ok;
	uint64_t period;
	unsigned int flags;
	char tail[TAIL_COPY];
	size_t tail_len;
	bool tail_ok;
} fc;

static void set_mid(const char *name, size_t name_len, uint64_t id)
{
	char *p = fc.mid;

	/* Ids are unique: the same id and name buffer, the same instance. */
	if (fc.mid_ok && fc.id == id && fc.name_len == name_len &&
	    (fc.name_ptr == name || memcmp(fc.name, name, name_len) == 0))
		return;
	memcpy(fc.name, name, name_len);
	fc.name_ptr = name;
	fc.name_len = name_len;
	fc.id = id;
	*p++ = ',';
	memcpy(p, name, name_len);
	p += name_len;
	*p++ = ',';
	p = fmt_u64(p, id);
	*p++ = ',';
	fc.mid_len = (size_t)(p - fc.mid);
	fc.mid_ok = true;
}

static void set_tail(uint64_t period, unsigned int flags)
{
	const char *fw = flag_words[flags & 7];
	char *p = fc.tail;

	if (fc.tail_ok && fc.period == period && fc.flags == flags)
		return;
	fc.period = period;
	fc.flags = flags;
	*p++ = ',';
	p = fmt_u64(p, period);
	*p++ = ',';
	while (*fw)
		*p++ = *fw++;
	*p++ = '\n';
	fc.tail_len = (size_t)(p - fc.tail);
	fc.tail_ok = true;
}

size_t csv_format_row(char *buf, const struct row *r, const char *name,
		      size_t name_len)
{
	uint64_t sec = r->end_ns / 1000000000ULL;
	uint32_t nine = (uint32_t)(r->end_ns % 1000000000ULL);
	char *p = buf;

	if (name_len > NAME_MAX_LEN)
		name_len = NAME_MAX_LEN;
	fmt_date_set(&fc.date, sec);
	set_mid(name, name_len, r->id);
	set_tail(r->period_ns, r->flags);
	memcpy(p, fc.date.text, FMT_DATE_COPY);
	p += fc.date.len;
	p = fmt_nine(p, nine);
	*p++ = 'Z';
	*p++ = ',';
	/* end_ns: the second's digits, then the nine digits again. */
	if (sec) {
		memcpy(p, fc.date.digits, FMT_DATE_COPY);
		p = fmt_nine(p + fc.date.dlen, nine);
	} else {
		p = fmt_u64(p, r->end_ns);
	}
	memcpy(p, fc.mid, MID_COPY);
	p += fc.mid_len;
	p = fmt_u64(p, r->frames);
	*p++ = ',';
	p = fmt_u64(p, r->bytes);
	*p++ = ',';
	p = fmt_u64(p, r->total_frames);
	*p++ = ',';
	p = fmt_u64(p, r->total_bytes);
	*p++ = ',';
	/* start_ns: usually the previous end, in the same second. */
	if (sec && r->start_ns / 1000000000ULL == sec) {
		memcpy(p, fc.date.digits, FMT_DATE_COPY);
		p = fmt_nine(p + fc.date.dlen,
			     (uint32_t)(r->start_ns % 1000000000ULL));
	} else {
		p = fmt_u64(p, r->start_ns);
	}
	memcpy(p, fc.tail, TAIL_COPY);
	p += fc.tail_len;
	return (size_t)(p - buf);
}

static int parse_flags(const char *s, size_t len, unsigned int *flags)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (strlen(flag_words[i]) == len &&
		    memcmp(flag_words[i], s, len) == 0) {
			*flags = i;
			return 0;
		}
	return -1;
}

int csv_parse_row(const char *s, size_t len, struct row *r)
{
	const char *f[11];
	size_t flen[11], pos = 0;
	int n = 0;

	/* Split at every comma: 8 fields (format 1) or 11. */
	for (;;) {
		const char *c = memchr(s + pos, ',', len - pos);
		size_t k = c ? (size_t)(c - (s + pos)) : len - pos;

		if (n == 11)
			return -1;
		f[n] = s + pos;
		flen[n++] = k;
		pos += k;
		if (!c)
			break;
		pos++;
	}
	if ((n != 8 && n != 11) || flen[0] == 0 || flen[2] == 0 ||
	    parse_u64(f[1], flen[1], &r->end_ns) ||
	    parse_u64(f[3], flen[3], &r->id) ||
	    parse_u64(f[4], flen[4], &r->frames) ||
	    parse_u64(f[5], flen[5], &r->bytes) ||
	    parse_u64(f[6], flen[6], &r->total_frames) ||
	    parse_u64(f[7], flen[7], &r->total_bytes))
		return -1;
	r->start_ns = r->period_ns = 0;
	r->flags = 0;
	if (n == 11 && (parse_u64(f[8], flen[8], &r->start_ns) ||
			parse_u64(f[9], flen[9], &r->period_ns) ||
			parse_flags(f[10], flen[10], &r->flags)))
		return -1;
	return 0;
}

/* Offset just after the last '\n' before end, or 0 if there is none. */
static int whole_lines_end(int fd, off_t end, off_t *out)
{
	char buf[4096];

	while (end > 0) {
		size_t n = end < (off_t)sizeof(buf) ? (size_t)end : sizeof(buf);
		ssize_t got = pread(fd, buf, n, end - (off_t)n);
		char *nl;

		if (got != (ssize_t)n)
			return -1;
		nl = memrchr(buf, '\n', n);
		if (nl) {
			*out = end - (off_t)n + (nl - buf) + 1;
			return 0;
		}
		end -= (off_t)n;
	}
	*out = 0;
	return 0;
}

int csv_last_row(const char *path, struct row *r)
{
	char buf[4 * CSV_ROW_MAX];
	struct stat sb;
	off_t end, start;
	ssize_t n;
	char *line, *nl;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) || whole_lines_end(fd, sb.st_size, &end))
		goto out;
	ret = 0;
	if (end == 0)
		goto out;
	start = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
	n = pread(fd, buf, (size_t)(end - start), start);
	if (n != end - start) {
		ret = -1;
		goto out;
	}
	/* buf ends with '\n': the last line starts after the one before. */
	nl = n > 1 ? memrchr(buf, '\n', (size_t)n - 1) : NULL;
	line = nl ? nl + 1 : buf;
	if (!nl && start > 0)
		goto out;	/* longer than any row we write */
	if (csv_parse_row(line, (size_t)(buf + n - 1 - line), r) == 0)
		ret = 1;
	else if (strncmp(line, CSV_HEADER, sizeof(CSV_HEADER) - 1) &&
		 strncmp(line, CSV_HEADER_V1, sizeof(CSV_HEADER_V1) - 1))
		log_msg(LOG_WARNING, "%s: last line is not a row, ignored",
			path);
out:
	close(fd);
	return ret;
}

int csv_append(int fd, const char *buf, size_t len, size_t *whole)
{
	struct stat sb;
	ssize_t n;
	const char *nl;

	*whole = 0;
	if (fstat(fd, &sb))
		return -1;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n == len) {
		*whole = len;
		return 0;
	}
	/* Short write: the disk is full. Keep whole lines, cut the rest. */
	nl = n > 0 ? memrchr(buf, '\n', (size_t)n) : NULL;
	*whole = nl ? (size_t)(nl - buf) + 1 : 0;
	if (ftruncate(fd, sb.st_size + (off_t)*whole))
		log_msg(LOG_ERR, "ftruncate after short write: %s "
			"(the torn row is cut when the file is reopened)",
			strerror(errno));
	errno = ENOSPC;
	return -1;
}

int csv_open(const char *path, bool create)
{
	char head[sizeof(CSV_HEADER) - 1];
	struct stat sb;
	off_t end;
	size_t whole;
	int fd, err;

	/* O_RDWR: the torn-tail and header checks read the file. */
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0),
		  0640);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) || whole_lines_end(fd, sb.st_size, &end))
		goto fail;
	if (end != sb.st_size) {
		/* A row torn by a crash or a full disk: it was never done. */
		if (ftruncate(fd, end))
			goto fail;
		log_msg(LOG_WARNING, "%s: cut a torn last line (%lld bytes)",
			path, (long long)(sb.st_size - end));
	}
	if (end == 0) {
		if (csv_append(fd, CSV_HEADER, sizeof(CSV_HEADER) - 1, &whole))
			goto fail;
		return fd;
	}
	if (end < (off_t)sizeof(head) ||
	    pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, CSV_HEADER, sizeof(head))) {
		close(fd);
		return CSV_FOREIGN;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
