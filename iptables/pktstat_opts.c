// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat option helpers: parse, validate and format --period, --samples
 * and --name, and pick automatic instance names.  Shared by the extension
 * and test_parse.c so the tested code is the shipped code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pktstat_opts.h"

#define NS_PER_US	1000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL

/* Longest user text echoed in a message; the rest becomes "...". */
#define ECHO_MAX	40

static const struct {
	const char *suffix;
	uint64_t mult;
} units[] = {
	/* Largest first: pktstat_format_period() relies on the order. */
	{ "s",  NS_PER_S },
	{ "ms", NS_PER_MS },
	{ "us", NS_PER_US },
	{ "ns", 1 },
};

/* Copy @s for an error message: printable ASCII only, bounded length. */
static void echo(char dst[ECHO_MAX + 4], const char *s)
{
	size_t i;

	for (i = 0; i < ECHO_MAX && s[i] != '\0'; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void pktstat_format_period(uint64_t ns, char buf[PKTSTAT_PERIOD_STRLEN])
{
	size_t i;

	/* The last unit (ns) divides everything: no need to test it. */
	for (i = 0; i + 1 < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].mult == 0)
			break;
	snprintf(buf, PKTSTAT_PERIOD_STRLEN, "%llu%s",
		 (unsigned long long)(ns / units[i].mult), units[i].suffix);
}

static int period_range_error(const char *what, const char *s,
			      char *err, size_t errlen)
{
	char lo[PKTSTAT_PERIOD_STRLEN], hi[PKTSTAT_PERIOD_STRLEN];
	char v[ECHO_MAX + 4];

	pktstat_format_period(XT_PKTSTAT_PERIOD_MIN_NS, lo);
	pktstat_format_period(XT_PKTSTAT_PERIOD_MAX_NS, hi);
	echo(v, s);
	return fail(err, errlen,
		    "pktstat: --period \"%s\" %s: allowed %s to %s "
		    "(units ns, us, ms, s; a bare number means ms)",
		    v, what, lo, hi);
}

/*
 * <digits>[.<digits>][ns|us|ms|s]; a bare number is milliseconds, as in the
 * 2011 original.  A fraction is accepted only when the result is a whole
 * number of nanoseconds ("1.5ms" yes, "1.5ns" no).  Overflow saturates and
 * is reported as out of range, never wrapped.
 */
int pktstat_parse_period(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	uint64_t ip = 0, frac = 0, mult = 0, total;
	const char *p = s, *fstart = NULL, *fend = NULL;

	if (*s == '\0')
		return period_range_error("is empty", s, err, errlen);
	if (!is_digit(*p))
		return period_range_error("is not a duration", s, err, errlen);
	for (; is_digit(*p); p++) {
		unsigned int d = (unsigned int)(*p - '0');

		ip = (ip > (UINT64_MAX - d) / 10) ? UINT64_MAX : ip * 10 + d;
	}
	if (*p == '.') {
		fstart = ++p;
		while (is_digit(*p))
			p++;
		fend = p;
		if (fend == fstart)
			return period_range_error("is not a duration", s,
						  err, errlen);
	}
	if (*p == '\0') {
		mult = NS_PER_MS;
	} else {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(p, units[i].suffix) == 0)
				mult = units[i].mult;
		if (mult == 0)
			return period_range_error("has an unknown unit", s,
						  err, errlen);
	}

	if (fstart != NULL) {
		uint64_t pow10 = 1;
		size_t sig = 0, i;

		/* Trailing zeros say nothing: count up to the last non-zero. */
		for (i = 0; fstart + i < fend; i++)
			if (fstart[i] != '0')
				sig = i + 1;
		/* More than 9 significant decimals can never be whole ns. */
		if (sig > 9)
			return period_range_error(
				"is not a whole number of nanoseconds",
				s, err, errlen);
		for (p = fstart; p < fstart + sig; p++) {
			frac = frac * 10 + (uint64_t)(*p - '0');
			pow10 *= 10;
		}
		/* frac < 1e9 and mult <= 1e9: the product fits in 64 bits. */
		if ((frac * mult) % pow10 != 0)
			return period_range_error(
				"is not a whole number of nanoseconds",
				s, err, errlen);
		frac = frac * mult / pow10;
	}

	if (ip > (UINT64_MAX - frac) / mult)
		return period_range_error("out of range", s, err, errlen);
	total = ip * mult + frac;
	if (total < XT_PKTSTAT_PERIOD_MIN_NS || total > XT_PKTSTAT_PERIOD_MAX_NS)
		return period_range_error("out of range", s, err, errlen);
	*ns = total;
	return 0;
}

int pktstat_parse_samples(const char *s, uint32_t *n, char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p;
	char e[ECHO_MAX + 4];

	echo(e, s);
	if (*s == '\0')
		return fail(err, errlen,
			    "pktstat: --samples \"\" is empty: allowed %u to %u",
			    XT_PKTSTAT_SAMPLES_MIN, XT_PKTSTAT_SAMPLES_MAX);
	for (p = s; *p != '\0'; p++) {
		if (!is_digit(*p))
			return fail(err, errlen,
				    "pktstat: --samples \"%s\" is not a whole "
				    "number: allowed %u to %u", e,
				    XT_PKTSTAT_SAMPLES_MIN,
				    XT_PKTSTAT_SAMPLES_MAX);
		/* Saturate well above the maximum: no overflow possible. */
		if (v <= XT_PKTSTAT_SAMPLES_MAX)
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < XT_PKTSTAT_SAMPLES_MIN || v > XT_PKTSTAT_SAMPLES_MAX)
		return fail(err, errlen,
			    "pktstat: --samples \"%s\" out of range: "
			    "allowed %u to %u", e,
			    XT_PKTSTAT_SAMPLES_MIN, XT_PKTSTAT_SAMPLES_MAX);
	*n = (uint32_t)v;
	return 0;
}

#define NAME_RULE "allowed 1 to 31 characters of A-Z a-z 0-9 _ . -, " \
		  "not starting with '.'"

int pktstat_check_name(const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s), i;
	char e[ECHO_MAX + 4];

	echo(e, s);
	if (len == 0)
		return fail(err, errlen,
			    "pktstat: --name \"\" is empty: " NAME_RULE);
	if (len > XT_PKTSTAT_NAME_LEN - 1)
		return fail(err, errlen,
			    "pktstat: --name \"%s\" is too long (%zu "
			    "characters): " NAME_RULE, e, len);
	if (s[0] == '.')
		return fail(err, errlen,
			    "pktstat: --name \"%s\" starts with '.': "
			    NAME_RULE, e);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    is_digit((char)c) || c == '_' || c == '.' || c == '-')
			continue;
		if (c >= 0x20 && c < 0x7f)
			return fail(err, errlen,
				    "pktstat: --name \"%s\" has invalid "
				    "character '%c' at position %zu: "
				    NAME_RULE, e, c, i + 1);
		return fail(err, errlen,
			    "pktstat: --name \"%s\" has invalid character "
			    "0x%02x at position %zu: " NAME_RULE, e, c, i + 1);
	}
	return 0;
}

/*
 * Numbers handed out (or named explicitly) by earlier rules of this
 * process: iptables-restore parses every rule before the kernel creates
 * any /proc entry, so /proc alone would give "0" to each of them.
 */
static bool *given;
static size_t given_len;

/* Only "0" and numbers without a leading zero can be auto names. */
#define AUTO_NAME_LIMIT	(1U << 20)

static bool auto_number(const char *name, unsigned long *n)
{
	char *end;

	if (!is_digit(name[0]) || (name[0] == '0' && name[1] != '\0'))
		return false;
	*n = strtoul(name, &end, 10);
	return *end == '\0' && *n < AUTO_NAME_LIMIT;
}

void pktstat_note_name(const char *name)
{
	unsigned long n;

	if (!auto_number(name, &n))
		return;
	if (n >= given_len) {
		size_t len;
		bool *p;

		len = given_len ? given_len : 64;
		while (len <= n)
			len *= 2;
		p = realloc(given, len * sizeof(*given));
		if (p == NULL)
			return;	/* only weakens the in-process guess */
		memset(p + given_len, 0, (len - given_len) * sizeof(*p));
		given = p;
		given_len = len;
	}
	given[n] = true;
}

int pktstat_pick_name(pktstat_taken_fn taken, void *arg,
		      char name[XT_PKTSTAT_NAME_LEN], char *err, size_t errlen)
{
	unsigned long n;

	for (n = 0; n < AUTO_NAME_LIMIT; n++) {
		if (n < given_len && given[n])
			continue;
		snprintf(name, XT_PKTSTAT_NAME_LEN, "%lu", n);
		if (taken(name, arg))
			continue;
		pktstat_note_name(name);
		return 0;
	}
	return fail(err, errlen,
		    "pktstat: no free instance name below %u: give --name",
		    AUTO_NAME_LIMIT);
}

void pktstat_forget_names(void)
{
	free(given);
	given = NULL;
	given_len = 0;
}
