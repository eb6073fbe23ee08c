// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of pktstat_opts.c (the extension's parsers and formatter),
 * built with ASan and UBSan by `make test`.  Prints TAP.
 */
#include <stdio.h>
#include <string.h>
#include "pktstat_opts.h"

static unsigned int tests, failures;

static void ok(int cond, const char *fmt, const char *arg)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %u - ", cond ? "" : "not ", tests);
	printf(fmt, arg);
	putchar('\n');
}

static void period_ok(const char *s, unsigned long long want)
{
	char err[PKTSTAT_ERRLEN] = "";
	uint64_t ns = 0;
	int ret = pktstat_parse_period(s, &ns, err, sizeof(err));

	ok(ret == 0 && ns == want, "period \"%s\" accepted", s);
	if (ret != 0 || ns != want)
		printf("# got %d, %llu ns (%s), want %llu\n", ret,
		       (unsigned long long)ns, err, want);
}

/* @why: a fragment the message must contain. */
static void period_bad(const char *s, const char *why)
{
	char err[PKTSTAT_ERRLEN] = "", want[128];
	uint64_t ns = 12345;
	int ret = pktstat_parse_period(s, &ns, err, sizeof(err));

	snprintf(want, sizeof(want), "--period \"%s\" %s", s, why);
	ok(ret == -1 && ns == 12345 && strstr(err, want) &&
	   strstr(err, "allowed 1us to 3600s"),
	   "period \"%s\" rejected", s);
	if (ret != -1 || !strstr(err, want))
		printf("# got %d: %s\n# want: %s\n", ret, err, want);
}

static void format_is(unsigned long long ns, const char *want)
{
	char buf[PKTSTAT_PERIOD_STRLEN];

	pktstat_format_period(ns, buf);
	ok(strcmp(buf, want) == 0, "format %s", want);
	if (strcmp(buf, want) != 0)
		printf("# got %s\n", buf);
}

/* format(parse(s)) == canon and parse(canon) gives the same value. */
static void round_trip(const char *s, const char *canon)
{
	char err[PKTSTAT_ERRLEN], buf[PKTSTAT_PERIOD_STRLEN];
	uint64_t a = 0, b = 1;

	pktstat_parse_period(s, &a, err, sizeof(err));
	pktstat_format_period(a, buf);
	pktstat_parse_period(buf, &b, err, sizeof(err));
	ok(strcmp(buf, canon) == 0 && a == b, "round trip %s", s);
}

static void samples_is(const char *s, int want_ok, unsigned int want)
{
	char err[PKTSTAT_ERRLEN] = "";
	uint32_t n = 7;
	int ret = pktstat_parse_samples(s, &n, err, sizeof(err));

	if (want_ok)
		ok(ret == 0 && n == want, "samples \"%s\" accepted", s);
	else
		ok(ret == -1 && n == 7 && strstr(err, "allowed 2 to 65536"),
		   "samples \"%s\" rejected", s);
	if (ret != 0 && want_ok)
		printf("# %s\n", err);
}

static void name_is(const char *s, int want_ok)
{
	char err[PKTSTAT_ERRLEN] = "";
	int ret = pktstat_check_name(s, err, sizeof(err));

	ok(want_ok ? ret == 0 : ret == -1 && strstr(err, "allowed 1 to 31"),
	   want_ok ? "name \"%s\" accepted" : "name \"%s\" rejected", s);
	if ((ret == 0) != want_ok)
		printf("# %s\n", err);
}

/* Fake /proc: names listed in @arg (space separated) exist. */
static bool fake_taken(const char *name, void *arg)
{
	char pat[XT_PKTSTAT_NAME_LEN + 2];

	snprintf(pat, sizeof(pat), " %s ", name);
	return strstr((const char *)arg, pat) != NULL;
}

static void pick_is(const char *proc, const char *want)
{
	char name[XT_PKTSTAT_NAME_LEN], err[PKTSTAT_ERRLEN];
	int ret = pktstat_pick_name(fake_taken, (void *)proc, name,
				    err, sizeof(err));

	ok(ret == 0 && strcmp(name, want) == 0, "auto name %s", want);
	if (ret != 0 || strcmp(name, want) != 0)
		printf("# got %s\n", ret ? err : name);
}

int main(void)
{
	char longname[64];

	/* Units, bare number = ms, limits. */
	period_ok("100", 100000000ULL);
	period_ok("1ms", 1000000ULL);
	period_ok("250us", 250000ULL);
	period_ok("1000ns", 1000ULL);
	period_ok("1us", 1000ULL);
	period_ok("3600s", 3600000000000ULL);
	period_ok("3600000ms", 3600000000000ULL);
	period_ok("3600000000000ns", 3600000000000ULL);
	period_ok("1.5ms", 1500000ULL);
	period_ok("0.001", 1000ULL);
	period_ok("1.000000000000000000000000000s", 1000000000ULL);
	period_ok("0.000001s", 1000ULL);
	period_ok("1.000000001s", 1000000001ULL);
	period_ok("007ms", 7000000ULL);
	period_bad("0", "out of range");
	period_bad("0ns", "out of range");
	period_bad("999ns", "out of range");
	period_bad("0.999us", "out of range");
	period_bad("3600000000001ns", "out of range");
	period_bad("3600.000000001s", "out of range");
	period_bad("3601s", "out of range");
	period_bad("99999999999999999999s", "out of range");
	period_bad("18446744073709551615ns", "out of range");
	period_bad("18446744073709551616ns", "out of range");
	period_bad("18446744073709551615s", "out of range");
	period_bad("184467440737095516150000000000", "out of range");
	period_bad("1.5ns", "is not a whole number of nanoseconds");
	period_bad("1.0000000001s", "is not a whole number of nanoseconds");
	period_bad("0.0000000005s", "is not a whole number of nanoseconds");
	period_bad("", "is empty");
	period_bad("-1", "is not a duration");
	period_bad("+1", "is not a duration");
	period_bad(" 1", "is not a duration");
	period_bad(".5ms", "is not a duration");
	period_bad("1.ms", "is not a duration");
	period_bad("ms", "is not a duration");
	period_bad("1x", "has an unknown unit");
	period_bad("1 ms", "has an unknown unit");
	period_bad("1MS", "has an unknown unit");
	period_bad("1mss", "has an unknown unit");
	period_bad("1m", "has an unknown unit");
	period_bad("0x10", "has an unknown unit");
	period_bad("1e3", "has an unknown unit");

	/* Canonical output: largest exact unit, never a bare number. */
	format_is(1000ULL, "1us");
	format_is(7ULL, "7ns");
	format_is(1500ULL, "1500ns");
	format_is(250000ULL, "250us");
	format_is(1500000ULL, "1500us");
	format_is(100000000ULL, "100ms");
	format_is(1000000000ULL, "1s");
	format_is(3600000000000ULL, "3600s");
	format_is(18446744073709551615ULL, "18446744073709551615ns");
	round_trip("100", "100ms");
	round_trip("1.5ms", "1500us");
	round_trip("1000us", "1ms");
	round_trip("60000ms", "60s");
	round_trip("1001ns", "1001ns");
	round_trip("3600s", "3600s");
	round_trip("1us", "1us");

	samples_is("2", 1, 2);
	samples_is("20", 1, 20);
	samples_is("1024", 1, 1024);
	samples_is("65536", 1, 65536);
	samples_is("020", 1, 20);
	samples_is("1", 0, 0);
	samples_is("0", 0, 0);
	samples_is("65537", 0, 0);
	samples_is("4294967298", 0, 0);
	samples_is("99999999999999999999999", 0, 0);
	samples_is("", 0, 0);
	samples_is("-2", 0, 0);
	samples_is("+2", 0, 0);
	samples_is("2k", 0, 0);
	samples_is("0x10", 0, 0);

	name_is("web", 1);
	name_is("0", 1);
	name_is("a.b-c_D9", 1);
	name_is("a.", 1);
	memset(longname, 'n', 31);
	longname[31] = '\0';
	name_is(longname, 1);
	longname[31] = 'n';
	longname[32] = '\0';
	name_is(longname, 0);
	name_is("", 0);
	name_is(".", 0);
	name_is("..", 0);
	name_is(".hidden", 0);
	name_is("a/b", 0);
	name_is("a b", 0);
	name_is("a\tb", 0);
	name_is("caf\xc3\xa9", 0);
	name_is("x:y", 0);

	/* Auto names: lowest free, not reused within one process. */
	pick_is(" ", "0");
	pick_is(" ", "1");
	pktstat_note_name("3");
	pktstat_note_name("05");	/* not an auto name: ignored */
	pick_is(" 2 ", "4");
	pktstat_forget_names();
	pick_is(" 0 1 3 ", "2");
	pick_is(" 0 1 3 ", "4");
	pktstat_forget_names();
	pktstat_note_name("200");	/* grows the set past its first size */
	pick_is(" 0 ", "1");
	pktstat_forget_names();

	printf("1..%u\n", tests);
	return failures ? 1 : 0;
}
