/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decimal formatting for the hot paths (CSV rows, live view, metrics):
 * snprintf and strftime cost most of a row's CPU time.
 */
#ifndef PKTSTAT_FMT_H
#define PKTSTAT_FMT_H

#include <stdint.h>
#include <string.h>

/* Longest u64 in decimal. */
#define FMT_U64_MAX 20

extern const char fmt_digits2[200];

/* Decimal digits of v. */
static inline unsigned int fmt_len(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 10000) {
		v /= 10000;
		n += 4;
	}
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* Write v in decimal at p, no NUL. Returns the end. */
static inline char *fmt_u64(char *p, uint64_t v)
{
	char *e = p + fmt_len(v), *q = e;

	while (v >= 100) {
		unsigned int i = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--q = fmt_digits2[i + 1];
		*--q = fmt_digits2[i];
	}
	if (v >= 10) {
		*--q = fmt_digits2[v * 2 + 1];
		*--q = fmt_digits2[v * 2];
	} else {
		*--q = (char)('0' + v);
	}
	return e;
}

/* Exactly nine digits, zero padded (v < 1e9). */
static inline char *fmt_nine(char *p, uint32_t v)
{
	int i;

	for (i = 8; i > 0; i -= 2) {
		unsigned int d = (v % 100) * 2;

		v /= 100;
		p[i] = fmt_digits2[d + 1];
		p[i - 1] = fmt_digits2[d];
	}
	p[0] = (char)('0' + v);
	return p + 9;
}

/*
 * "YYYY-MM-DDTHH:MM:SS." of a second since the epoch, and the second in
 * decimal, cached: rows come in time order, so they change at most once a
 * second of window ends. text and digits are copied whole (fixed size:
 * cheaper than an exact copy), so the caller's buffer needs room for it.
 */
#define FMT_DATE_COPY	32
struct fmt_date {
	uint64_t sec;
	char text[FMT_DATE_COPY];	/* 20 used */
	char digits[FMT_DATE_COPY];	/* the second in decimal */
	size_t len;
	size_t dlen;
	int valid;
};

/* Make sure d describes sec. */
void fmt_date_set(struct fmt_date *d, uint64_t sec);

char *fmt_date(char *p, struct fmt_date *d, uint64_t sec);

/*
 * ns / 1e9 as Prometheus (Go's strconv 'g', shortest) prints a float:
 * 0.00025, 1e-06, 1.5, 3600. NUL-terminated; buf of 32 bytes at least.
 */
void fmt_seconds(char *buf, uint64_t ns);

#endif
