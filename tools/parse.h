/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text parsers of pktstat-collect: the /proc data and stats files, the state
 * file (same "key: value" format as stats), durations and instance names.
 * Pure functions on memory buffers, so the fuzzer and unit tests reach them.
 */
#ifndef PKTSTAT_PARSE_H
#define PKTSTAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One line of /proc/net/xt_pktstat/<name>/data: cumulative totals. */
struct sample {
	uint64_t end_ns;
	uint64_t frames;
	uint64_t bytes;
};

/*
 * The fields of the stats file the collector uses. id, period_ns and samples
 * are required; the others are absent from older modules (has_* false, value
 * 0) and the collector degrades as pktstat-collect(8) says.
 */
struct inst_stats {
	uint64_t id;		/* creation id: another id, another series */
	uint64_t period_ns;
	uint64_t samples;	/* queue capacity per CPU */
	uint64_t cpus;
	uint64_t queued;
	uint64_t overflows;
	uint64_t frames;	/* live totals, open window included */
	uint64_t bytes;
	uint64_t created_ns;	/* CLOCK_REALTIME when the instance was made */
	uint64_t clock_steps;
	uint64_t windows_read;	/* lines handed out by data, to any reader */
	bool has_overflows;
	bool has_totals;
	bool has_created;
	bool has_clock_steps;
	bool has_windows_read;
};

/* Longest instance name (uapi XT_PKTSTAT_NAME_LEN - 1). */
#define NAME_MAX_LEN 31

/*
 * Strict unsigned decimal: [0-9]+, no sign, no space, fits in 64 bits.
 * Parses exactly len bytes. Returns 0 or -1.
 */
int parse_u64(const char *s, size_t len, uint64_t *out);

/*
 * "<end_ns> <frames> <bytes>" with single spaces, without the '\n'.
 * Returns 0 or -1; *out is untouched on error.
 */
int parse_data_line(const char *s, size_t len, struct sample *out);

/* The value of 8 ASCII digits loaded little-endian, or -1 if not digits. */
static inline int64_t parse_eight(uint64_t w)
{
	if ((w & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
	    ((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) !=
	    0x3030303030303030ULL)
		return -1;
	w -= 0x3030303030303030ULL;
	w = w * 10 + (w >> 8);
	w = ((w & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)) +
	     ((w >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32))) >> 32;
	return (int64_t)w;
}

/*
 * The fast path of the data file: one line "<end> <frames> <bytes>\n" at p,
 * numbers of at most 19 digits. The buffer must hold 8 readable bytes past
 * end, the first of them not a digit (a sentinel). Returns the start of the
 * next line, or NULL if the line is not that (a 20-digit number, junk, no
 * '\n' before end): then parse_data_line() decides.
 */
static inline const char *parse_data_next(const char *p, const char *end,
					  struct sample *out)
{
	uint64_t v[3];
	int i;

	for (i = 0; i < 3; i++) {
		const char *q = p;
		uint64_t x = 0, w;
		int64_t e;

		for (;;) {
			memcpy(&w, p, 8);
			e = parse_eight(w);
			if (e < 0 || p - q > 8)
				break;
			x = x * 100000000 + (uint64_t)e;
			p += 8;
		}
		while ((unsigned char)(*p - '0') <= 9 && p - q < 20)
			x = x * 10 + (uint64_t)(*p++ - '0');
		if (p == q || p - q > 19 || p >= end ||
		    *p != (i < 2 ? ' ' : '\n'))
			return NULL;
		v[i] = x;
		p++;
	}
	out->end_ns = v[0];
	out->frames = v[1];
	out->bytes = v[2];
	return p;
}

/*
 * Find "key: value" in a buffer of such lines and parse value as u64.
 * Returns 0 if found and valid, -1 otherwise.
 */
int kv_get_u64(const char *buf, size_t len, const char *key, uint64_t *out);

/* The stats file: id, period_ns and samples are required. Returns 0 or -1. */
int parse_stats(const char *buf, size_t len, struct inst_stats *out);

/*
 * Duration: a decimal number with an optional fraction and unit ns, us, ms,
 * s, m, h. "250ms", "2m". A bare number is seconds ("1.5"), as it always
 * was here; *bare (if not NULL) says so, for a warning: iptables' --period
 * reads a bare number as milliseconds. Returns 0 or -1 (also when zero or
 * beyond a day).
 */
int parse_duration(const char *s, uint64_t *ns, bool *bare);

/* [A-Za-z0-9_.-]{1,31}, not starting with '.', as the kernel enforces. */
bool valid_instance_name(const char *s);

#endif
