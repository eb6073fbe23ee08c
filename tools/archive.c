// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "archive.h"

#define RBUF	(1024 * 1024)
#define MAX_FIELDS 64

static const char *const col_names[AC_N] = {
	[AC_END] = "end_ns", [AC_INSTANCE] = "instance",
	[AC_FRAMES] = "frames", [AC_BYTES] = "bytes",
	[AC_START] = "start_ns", [AC_PERIOD] = "period_ns",
	[AC_FLAGS] = "flags",
};

int archive_parse_header(const char *s, size_t len, int col[AC_N])
{
	size_t pos = 0;
	int i, k, n = 0;

	for (k = 0; k < AC_N; k++)
		col[k] = -1;
	for (;;) {
		const char *c = memchr(s + pos, ',', len - pos);
		size_t flen = c ? (size_t)(c - (s + pos)) : len - pos;

		if (n >= MAX_FIELDS)
			return -1;
		for (k = 0; k < AC_N; k++)
			if (strlen(col_names[k]) == flen &&
			    memcmp(col_names[k], s + pos, flen) == 0 && col[k] < 0)
				col[k] = n;
		n++;
		if (!c)
			break;
		pos += flen + 1;
	}
	for (i = AC_END; i <= AC_BYTES; i++)
		if (col[i] < 0)
			return -1;
	return n;
}

/* "", or [a-z]+ words joined by '+'. Unknown words are future flags. */
static int parse_flags(const char *s, size_t len, unsigned int *out)
{
	size_t pos = 0;

	*out = 0;
	while (pos < len) {
		size_t w = strspn(s + pos, "abcdefghijklmnopqrstuvwxyz");

		if (w == 0 || w > len - pos)
			return -1;
		if (w == 5 && memcmp(s + pos, "first", 5) == 0)
			*out |= AROW_FIRST;
		else if (w == 4 && memcmp(s + pos, "step", 4) == 0)
			*out |= AROW_STEP;
		else if (w == 6 && memcmp(s + pos, "merged", 6) == 0)
			*out |= AROW_MERGED;
		pos += w;
		if (pos == len)
			break;
		if (s[pos] != '+' || pos + 1 == len)
			return -1;
		pos++;
	}
	return 0;
}

int archive_parse_row(const char *s, size_t len, const int col[AC_N],
		      int ncols, uint64_t period_ns, struct arow *r,
		      const char **why)
{
	const char *f[MAX_FIELDS];
	size_t fl[MAX_FIELDS], pos = 0;
	uint64_t v;
	int i, k;

	for (i = 0; i < ncols; i++) {
		const char *c = memchr(s + pos, ',', len - pos);
		size_t n = c ? (size_t)(c - (s + pos)) : len - pos;

		f[i] = s + pos;
		fl[i] = n;
		pos += n;
		if (i < ncols - 1) {
			if (pos >= len) {
				*why = "too few fields";
				return -1;
			}
			pos++;
		}
	}
	if (pos != len) {
		*why = "too many fields";
		return -1;
	}
	k = col[AC_INSTANCE];
	if (fl[k] == 0 || fl[k] > NAME_MAX_LEN) {
		*why = "bad instance name";
		return -1;
	}
	/* Rows of a file are of one instance: check a name once. */
	if (strncmp(r->name, f[k], fl[k]) || r->name[fl[k]]) {
		memcpy(r->name, f[k], fl[k]);
		r->name[fl[k]] = '\0';
		if (!valid_instance_name(r->name)) {
			r->name[0] = '\0';
			*why = "bad instance name";
			return -1;
		}
	}
	r->flags = 0;
	if (parse_u64(f[col[AC_END]], fl[col[AC_END]], &r->end_ns) ||
	    parse_u64(f[col[AC_FRAMES]], fl[col[AC_FRAMES]], &r->frames) ||
	    parse_u64(f[col[AC_BYTES]], fl[col[AC_BYTES]], &r->bytes)) {
		*why = "end_ns, frames or bytes not a number";
		return -1;
	}
	r->period_ns = period_ns;
	if (col[AC_PERIOD] >= 0 &&
	    parse_u64(f[col[AC_PERIOD]], fl[col[AC_PERIOD]], &r->period_ns)) {
		*why = "period_ns not a number";
		return -1;
	}
	if (r->period_ns == 0 || r->period_ns > r->end_ns) {
		*why = r->period_ns ? "period_ns beyond end_ns" :
		       "no period (period_ns is 0 or missing: give --period)";
		return -1;
	}
	if (col[AC_FLAGS] >= 0 &&
	    parse_flags(f[col[AC_FLAGS]], fl[col[AC_FLAGS]], &r->flags)) {
		*why = "bad flags";
		return -1;
	}
	r->start_ns = r->end_ns - r->period_ns;
	if (col[AC_START] >= 0) {
		if (parse_u64(f[col[AC_START]], fl[col[AC_START]], &v)) {
			*why = "start_ns not a number";
			return -1;
		}
		/* A step's span is not known (doc/OUTPUTS.md). */
		if (!(r->flags & AROW_STEP)) {
			if (v >= r->end_ns) {
				*why = "start_ns not before end_ns";
				return -1;
			}
			r->start_ns = v;
		}
	}
	return 0;
}

int archive_open(struct archive *a, const char *path, uint64_t period_ns,
		 char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->path = path;
	a->period_ns = period_ns;
	a->ncols = -1;
	a->buf = malloc(RBUF + 1);
	if (!a->buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	errno = 0;
	a->gz = gzopen(path, "rb");
	if (!a->gz) {
		snprintf(err, errlen, "%s: %s", path,
			 errno ? strerror(errno) : "cannot open");
		free(a->buf);
		a->buf = NULL;
		return -1;
	}
	gzbuffer(a->gz, 256 * 1024);
	return 0;
}

void archive_close(struct archive *a)
{
	if (a->gz)
		gzclose(a->gz);
	free(a->buf);
	a->gz = NULL;
	a->buf = NULL;
}

/* Refill: keep the unread tail, read more. Returns 0 or -1 (gzip error). */
static int refill(struct archive *a, char *err, size_t errlen)
{
	int n, zerr;

	memmove(a->buf, a->buf + a->pos, a->len - a->pos);
	a->len -= a->pos;
	a->pos = 0;
	n = gzread(a->gz, a->buf + a->len, (unsigned int)(RBUF - a->len));
	if (n < 0) {
		const char *msg = gzerror(a->gz, &zerr);

		snprintf(err, errlen, "%s: %s", a->path,
			 zerr == Z_ERRNO ? strerror(errno) : msg);
		return -1;
	}
	if (n == 0) {
		/* A gzip stream cut short reads as an end, with an error. */
		const char *msg = gzerror(a->gz, &zerr);

		if (zerr != Z_OK) {
			snprintf(err, errlen, "%s: %s", a->path, msg);
			return -1;
		}
		a->eof = true;
	}
	a->len += (size_t)n;
	return 0;
}

int archive_next(struct archive *a, struct arow *r, char *err, size_t errlen)
{
	for (;;) {
		char *s = a->buf + a->pos, *nl;
		size_t len;
		const char *why;

		nl = memchr(s, '\n', a->len - a->pos);
		if (!nl) {
			if (a->len - a->pos > ARCHIVE_LINE_MAX) {
				snprintf(err, errlen, "%s:%lu: line longer than "
					 "%d bytes: not a pktstat CSV", a->path,
					 a->line + 1, ARCHIVE_LINE_MAX);
				return -1;
			}
			if (a->eof) {
				/* A row being appended right now. */
				a->partial_tail = a->len > a->pos;
				a->pos = a->len;
				return 0;
			}
			if (refill(a, err, errlen))
				return -1;
			continue;
		}
		len = (size_t)(nl - s);
		a->pos += len + 1;
		a->line++;
		if (len && s[len - 1] == '\r')
			len--;
		if (len > ARCHIVE_LINE_MAX) {
			snprintf(err, errlen, "%s:%lu: line longer than %d bytes:"
				 " not a pktstat CSV", a->path, a->line,
				 ARCHIVE_LINE_MAX);
			return -1;
		}
		/* A header: the first line, or files concatenated. */
		if (len >= 9 && memcmp(s, "time_utc,", 9) == 0) {
			a->ncols = archive_parse_header(s, len, a->col);
			if (a->ncols < 0) {
				snprintf(err, errlen, "%s:%lu: header without "
					 "end_ns, instance, frames and bytes",
					 a->path, a->line);
				return -1;
			}
			if (a->col[AC_PERIOD] < 0 && !a->period_ns) {
				snprintf(err, errlen, "%s:%lu: no period_ns "
					 "column (format 1): give --period",
					 a->path, a->line);
				return -1;
			}
			continue;
		}
		if (a->ncols < 0) {
			snprintf(err, errlen, "%s:%lu: no CSV header "
				 "(time_utc,end_ns,...): not a pktstat CSV",
				 a->path, a->line);
			return -1;
		}
		if (archive_parse_row(s, len, a->col, a->ncols, a->period_ns, r,
				      &why)) {
			snprintf(err, errlen, "%s:%lu: %s: \"%.*s%s\"", a->path,
				 a->line, why, (int)(len > 60 ? 60 : len), s,
				 len > 60 ? "..." : "");
			return -2;
		}
		return 1;
	}
}

bool archive_file_matches(const char *file, const char *name, char *found,
			  bool *format1)
{
	const char *csv = strstr(file, ".csv");
	const char *p;
	size_t nlen;
	char nm[NAME_MAX_LEN + 1];

	/* The name may itself contain ".csv": try each occurrence. */
	for (; csv; csv = strstr(csv + 1, ".csv")) {
		nlen = (size_t)(csv - file);
		if (nlen == 0 || nlen > NAME_MAX_LEN)
			continue;
		memcpy(nm, file, nlen);
		nm[nlen] = '\0';
		if (!valid_instance_name(nm) || (name && strcmp(nm, name)))
			continue;
		p = csv + 4;
		*format1 = strncmp(p, ".format1", 8) == 0;
		if (*format1)
			p += 8;
		if (*p == '.' && p[1] >= '0' && p[1] <= '9')
			p += 1 + strspn(p + 1, "0123456789");
		else if (*p == '-' && p[1] >= '0' && p[1] <= '9' && !*format1)
			p += 1 + strspn(p + 1, "0123456789-_");
		if (strcmp(p, ".gz") == 0)
			p += 3;
		if (*p)
			continue;
		if (found)
			memcpy(found, nm, nlen + 1);
		return true;
	}
	return false;
}
