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

/* Write v in decimal at p, no NUL. Returns the end. */
static inline char *fmt_u64(char *p, uint64_t v)
{
	char tmp[FMT_U64_MAX];
	char *t = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned int i = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--t = fmt_digits2[i + 1];
		*--t = fmt_digits2[i];
	}
	if (v >= 10) {
		*--t = fmt_digits2[v * 2 + 1];
		*--t = fmt_digits2[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
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
 * "YYYY-MM-DDTHH:MM:SS." of a second since the epoch, cached: rows come in
 * time order, so the date changes at most once a second of window ends.
 */
struct fmt_date {
	uint64_t sec;
	char text[21];
	size_t len;
	int valid;
};

char *fmt_date(char *p, struct fmt_date *d, uint64_t sec);

/*
 * ns / 1e9 as Prometheus (Go's strconv 'g', shortest) prints a float:
 * 0.00025, 1e-06, 1.5, 3600. NUL-terminated; buf of 32 bytes at least.
 */
void fmt_seconds(char *buf, uint64_t ns);

#endif
