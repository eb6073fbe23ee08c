// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "human.h"
#include "parse.h"

static const char si_prefix[] = " kMGTPE";

void human_si(char *buf, size_t size, double v)
{
	int p = 0, prec;

	if (v < 9999.5) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	while (v >= 999.95 && p < 6) {
		v /= 1000;
		p++;
	}
	/* 4 significant digits: 1.235, 12.35, 123.5 */
	prec = v < 9.9995 ? 3 : v < 99.995 ? 2 : 1;
	snprintf(buf, size, "%.*f%c", prec, v, si_prefix[p]);
}

void human_axis(char *buf, size_t size, double v)
{
	int p = 0;

	while (fabs(v) >= 1000 && p < 6) {
		v /= 1000;
		p++;
	}
	if (p)
		snprintf(buf, size, "%g%c", v, si_prefix[p]);
	else
		snprintf(buf, size, "%g", v);
}

void human_period(char *buf, size_t size, uint64_t ns)
{
	if (ns && ns % 1000000000ULL == 0)
		snprintf(buf, size, "%" PRIu64 "s", ns / 1000000000);
	else if (ns && ns % 1000000 == 0)
		snprintf(buf, size, "%" PRIu64 "ms", ns / 1000000);
	else if (ns && ns % 1000 == 0)
		snprintf(buf, size, "%" PRIu64 "us", ns / 1000);
	else
		snprintf(buf, size, "%" PRIu64 "ns", ns);
}

void human_utc(char *buf, size_t size, uint64_t ns, int frac)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	uint64_t f = ns % 1000000000ULL;
	struct tm tm;
	size_t n;
	int i;

	gmtime_r(&sec, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	if (frac <= 0 || frac > 9 || n == 0)
		return;
	for (i = frac; i < 9; i++)
		f /= 10;
	snprintf(buf + n, size - n, ".%0*u", frac & 15, (unsigned int)f);
}

/* n digits exactly as an int; -1 if not digits. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_iso(const char *s, uint64_t *ns)
{
	struct tm tm;
	uint64_t frac = 0;
	time_t t;
	int i;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	s += 10;
	if (*s && *s != 'Z') {	/* a date alone: midnight */
		if ((*s != 'T' && *s != ' ') || strlen(s) < 6 || s[3] != ':')
			return -1;
		tm.tm_hour = digits(s + 1, 2);
		tm.tm_min = digits(s + 4, 2);
		s += 6;
	}
	if (*s == ':') {
		tm.tm_sec = digits(s + 1, 2);
		s += 3;
		if (*s == '.') {
			for (i = 0, s++; *s >= '0' && *s <= '9'; s++, i++) {
				if (i >= 9)
					return -1;
				frac = frac * 10 + (uint64_t)(*s - '0');
			}
			if (i == 0)
				return -1;
			for (; i < 9; i++)
				frac *= 10;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s || tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		return -1;
	t = timegm(&tm);
	if (t < 0)
		return -1;
	*ns = (uint64_t)t * 1000000000ULL + frac;
	return 0;
}

int parse_time(const char *s, uint64_t now_ns, uint64_t *ns)
{
	size_t len = strlen(s);
	uint64_t d;

	if (len && strspn(s, "0123456789") == len)
		return parse_u64(s, len, ns);
	if (s[0] == '-') {
		char tmp[32];

		/* Days on top of parse_duration's units. */
		if (len > 2 && s[len - 1] == 'd' && len < sizeof(tmp)) {
			memcpy(tmp, s + 1, len - 2);
			tmp[len - 2] = '\0';
			if (parse_u64(tmp, len - 2, &d) || d == 0 || d > 36500)
				return -1;
			d *= 86400000000000ULL;
		} else if (parse_duration(s + 1, &d, NULL)) {
			return -1;
		}
		if (d > now_ns)
			return -1;
		*ns = now_ns - d;
		return 0;
	}
	return parse_iso(s, ns);
}
