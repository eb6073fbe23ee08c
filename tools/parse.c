// SPDX-License-Identifier: GPL-2.0
/*
 * Text parsers of pktstat-collect. Everything here is strict: a value the
 * kernel would never print is an error, not a guess.
 */
#include <string.h>

#include "parse.h"

int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)	/* UINT64_MAX has 20 digits */
		return -1;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Length of the leading run of non-space characters. */
static size_t field_len(const char *s, size_t len)
{
	const char *sp = memchr(s, ' ', len);

	return sp ? (size_t)(sp - s) : len;
}

int parse_data_line(const char *s, size_t len, struct sample *out)
{
	uint64_t v[3];
	size_t pos = 0;
	int i;

	for (i = 0; i < 3; i++) {
		size_t n = field_len(s + pos, len - pos);

		if (parse_u64(s + pos, n, &v[i]))
			return -1;
		pos += n;
		if (i < 2) {
			if (pos >= len)		/* missing field */
				return -1;
			pos++;			/* the single space */
		}
	}
	if (pos != len)				/* trailing garbage */
		return -1;
	out->end_ns = v[0];
	out->frames = v[1];
	out->bytes = v[2];
	return 0;
}

int kv_get_u64(const char *buf, size_t len, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;

		pos += llen + 1;
		if (llen > klen + 1 && memcmp(line, key, klen) == 0 &&
		    line[klen] == ':') {
			size_t v = klen + 1;

			while (v < llen && line[v] == ' ')
				v++;
			return parse_u64(line + v, llen - v, out);
		}
	}
	return -1;
}

int parse_stats(const char *buf, size_t len, struct inst_stats *out)
{
	struct inst_stats st;

	memset(&st, 0, sizeof(st));
	if (kv_get_u64(buf, len, "id", &st.id) ||
	    kv_get_u64(buf, len, "period_ns", &st.period_ns) ||
	    kv_get_u64(buf, len, "samples", &st.samples))
		return -1;
	/* Optional: an older module lacks some; absent is not an error. */
	kv_get_u64(buf, len, "cpus", &st.cpus);
	kv_get_u64(buf, len, "queued", &st.queued);
	st.has_overflows = kv_get_u64(buf, len, "overflows", &st.overflows) == 0;
	st.has_totals = kv_get_u64(buf, len, "frames", &st.frames) == 0 &&
			kv_get_u64(buf, len, "bytes", &st.bytes) == 0;
	st.has_created = kv_get_u64(buf, len, "created_ns", &st.created_ns) == 0;
	st.has_clock_steps = kv_get_u64(buf, len, "clock_steps",
					&st.clock_steps) == 0;
	st.has_windows_read = kv_get_u64(buf, len, "windows_read",
					 &st.windows_read) == 0;
	if (!st.has_totals)
		st.frames = st.bytes = 0;
	*out = st;
	return 0;
}

int parse_duration(const char *s, uint64_t *ns, bool *bare)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const uint64_t day = 86400000000000ULL;
	size_t ilen = strspn(s, "0123456789");
	size_t flen = 0;
	const char *unit;
	uint64_t whole, frac = 0, scale = 1, mul = 0;
	size_t i;

	if (parse_u64(s, ilen, &whole))
		return -1;
	unit = s + ilen;
	if (*unit == '.') {
		flen = strspn(unit + 1, "0123456789");
		if (flen == 0 || flen > 9 || parse_u64(unit + 1, flen, &frac))
			return -1;
		unit += flen + 1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0)
			mul = units[i].ns;
	if (mul == 0 || whole > day / mul)
		return -1;
	if (bare)
		*bare = *unit == '\0';
	for (i = 0; i < flen; i++)
		scale *= 10;
	/* frac < scale <= 1e9 and mul <= 3.6e12: no overflow below 2^64. */
	*ns = whole * mul + frac * (mul / scale) + frac * (mul % scale) / scale;
	return (*ns == 0 || *ns > day) ? -1 : 0;
}

bool valid_instance_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}
