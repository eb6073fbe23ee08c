// SPDX-License-Identifier: GPL-2.0
/*
 * The counter's fast path (pktstat_core.h, Counter): one thread, a set
 * clock, the counter a linear map of it (core_user.h). The other tests run
 * whole on the fast path too (the -ctr builds); these check what only the
 * counter has: how often the clock is read, the boundary at a rate that is
 * not a whole number, what the generation is for (a rate change, a counter
 * that restarts, one that drifts), and the kernel's tick conversion.
 */
#include <inttypes.h>

#include "tap.h"
#include "fixture.h"

CORE_USER_CLOCK;

#define P	1000	/* the period of every fixture here */

/* A usable counter at 9/4 ticks per ns, reading 1000 at CLOCK_MONOTONIC 0. */
static void reset(void)
{
	test_clock = 0;
	test_clock_step = 0;
	test_clock_start(0, 0);
	test_counter_skew = 0;
	test_counter_gen = 2;
	test_counter_rate(1000, 9, 4, 0);
	test_clock_reads = 0;
	test_counter_reads = 0;
}

/* Within a window the clock is read once; the window's end is exact. */
static void test_one_clock_read(void)
{
	static const u64 want[][3] = { { 2000, 9, 90 }, { 3000, 11, 110 } };
	struct fixture f;
	struct line_buf b = { 0 };
	u64 t;

	reset();
	fixture_init(&f, 1, P, 16);
	for (t = 1100; t < 2000; t += 100)
		packet_at(&f, 0, t, 10);
	ok(test_clock_reads == 1 && test_counter_reads == 9,
	   "9 packets in a window: 1 clock read, 9 counter reads (%" PRIu64
	   ", %" PRIu64 ")", test_clock_reads, test_counter_reads);
	packet_at(&f, 0, 2000, 10);
	packet_at(&f, 0, 2999, 10);
	read_at(&f, 3000, &b);
	ok(lines_are(&b, 0, 2, want),
	   "first and last ns of a window at 9/4 ticks per ns land in it");
	fixture_free(&f);
	free(b.v);
}

/*
 * Every ns near a window's end, at rates that are not whole numbers: a
 * packet lands in the window of its time, never the one before.
 */
static void test_boundary_every_ns(void)
{
	static const u64 rates[][2] = { { 9, 4 }, { 1, 3 }, { 22458, 10000 },
					{ 1, 1 }, { 7, 1 } };
	unsigned int r, wrong = 0;

	for (r = 0; r < 5; r++) {
		u64 t0;

		for (t0 = 1990; t0 < 2000; t0++) {
			struct fixture f;
			struct line_buf b = { 0 };
			u64 t;

			reset();
			test_counter_rate(77, rates[r][0], rates[r][1], 1);
			fixture_init(&f, 1, P, 16);
			packet_at(&f, 0, 1000, 1);
			/* Every packet from t0 on, one per ns, up to 2010. */
			for (t = t0; t <= 2010; t++)
				packet_at(&f, 0, t, 1);
			read_at(&f, 3000, &b);
			if (b.n != 2 || b.v[0].frames != 1 + 2000 - t0 ||
			    b.v[1].frames != 1 + 2011 - t0)
				wrong++;
			fixture_free(&f);
			free(b.v);
		}
	}
	ok(wrong == 0, "every ns up to a window's end counts in it, the end in the next, at 5 rates (%u wrong)",
	   wrong);
}

/*
 * The counter's map changes at CLOCK_MONOTONIC at, under an end converted
 * at 1100: from then on it reads c0 (c0 == ~0: continuous) and runs at
 * num/den ticks per ns. Packets at 1100, then at t1 and t2; read at rd.
 * Told (the generation bumped, as the notifier does), the core converts
 * again; untold shows what the generation is for.
 */
static void map_change(u64 at, u64 c0, u64 num, u64 den, u64 t1, u64 t2,
		       u64 rd, int bump, struct line_buf *b)
{
	struct fixture f;

	reset();
	fixture_init(&f, 1, P, 16);
	packet_at(&f, 0, 1100, 1);
	test_clock = at;
	test_counter_rate(c0 == ~0ULL ? test_counter_at(at) : c0, num, den,
			  bump);
	packet_at(&f, 0, t1, 1);
	packet_at(&f, 0, t2, 1);
	read_at(&f, rd, b);
	fixture_free(&f);
}

/* told and untold: 1 if each run gives its lines. */
static int told_untold(u64 at, u64 c0, u64 num, u64 den, u64 t1, u64 t2,
		       u64 rd, size_t n_told, const u64 (*told)[3],
		       size_t n_untold, const u64 (*untold)[3], int *untold_ok)
{
	struct line_buf b = { 0 };
	int told_ok;

	map_change(at, c0, num, den, t1, t2, rd, 1, &b);
	told_ok = lines_are(&b, 0, n_told, told);
	free(b.v);
	b = (struct line_buf){ 0 };
	map_change(at, c0, num, den, t1, t2, rd, 0, &b);
	*untold_ok = lines_are(&b, 0, n_untold, untold);
	free(b.v);
	return told_ok;
}

/*
 * NTP slows the counter against the clock (2 ticks per ns instead of 9/4)
 * at 1500: the end converted at the old rate is late, and the packet at
 * 2050 belongs to window 3000.
 */
static void test_rate_change(void)
{
	static const u64 told[][3] = { { 2000, 2, 2 }, { 3000, 3, 3 } };
	static const u64 untold[][3] = { { 2000, 3, 3 } };
	int untold_ok;

	ok(told_untold(1500, ~0ULL, 2, 1, 1600, 2050, 3000, 2, told, 1, untold,
		       &untold_ok),
	   "a rate change with a new generation: the packet at 2050 counts in window 3000");
	ok(untold_ok, "counterexample: the same change untold counts it in window 2000");
}

/* Resume: the counter restarts at 0 at 1200; untold, the old end is far ahead. */
static void test_restart(void)
{
	static const u64 told[][3] = { { 2000, 1, 1 }, { 4000, 3, 3 } };
	static const u64 untold[][3] = { { 2000, 3, 3 } };
	int untold_ok;

	ok(told_untold(1200, 0, 9, 4, 3300, 3400, 6000, 2, told, 1, untold,
		       &untold_ok),
	   "a counter restarted at resume, told: the packets at 3300 and 3400 count in window 4000");
	ok(untold_ok, "counterexample: untold, they count in window 2000");
}

/*
 * Counters that are not synchronised. Each CPU compares its counter with an
 * end it converted from its own counter, so a constant offset between CPUs
 * is harmless; a counter that drifts from the clock is not, and the core
 * must not be told to use it (the kernel uses the TSC only while it drives
 * the clock, so the kernel's own checks rule drift out).
 */
static void skewed(u64 skew1, u64 drift1, u32 gen, struct line_buf *b)
{
	struct fixture f;

	reset();
	test_counter_gen = gen;
	fixture_init(&f, 2, P, 16);
	test_counter_skew = 0;
	packet_at(&f, 0, 1100, 1);
	test_counter_skew = skew1;
	packet_at(&f, 1, 1100, 1);
	test_counter_skew = 0;
	packet_at(&f, 0, 2050, 1);
	test_counter_skew = skew1 - drift1;
	packet_at(&f, 1, 2050, 1);
	test_counter_skew = 0;
	read_at(&f, 3000, b);
	fixture_free(&f);
}

static void test_unsynchronised(void)
{
	static const u64 want[][3] = { { 2000, 2, 2 }, { 3000, 4, 4 } };
	static const u64 drifted[][3] = { { 2000, 3, 3 }, { 3000, 4, 4 } };
	struct line_buf b = { 0 };

	skewed(1000000, 0, 2, &b);
	ok(lines_are(&b, 0, 2, want),
	   "CPU 1's counter 1000000 ticks ahead of CPU 0's: exact");
	free(b.v);
	b = (struct line_buf){ 0 };
	skewed(1000000, 500, 2, &b);
	ok(lines_are(&b, 0, 2, drifted),
	   "counterexample: CPU 1's counter 500 ticks slow by 2050 counts its packet in window 2000");
	free(b.v);
	b = (struct line_buf){ 0 };
	test_clock_reads = 0;
	skewed(1000000, 500, 3, &b);
	ok(lines_are(&b, 0, 2, want) && test_counter_reads == 0,
	   "the same drift with the counter not in use (odd generation): exact, the counter never read");
	free(b.v);
}

/* Not in use: every packet reads the clock, as before the counter. */
static void test_not_in_use(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 t;

	reset();
	test_counter_gen = 5;
	fixture_init(&f, 1, P, 16);
	for (t = 1100; t < 2000; t += 100)
		packet_at(&f, 0, t, 10);
	ok(test_clock_reads == 9 && test_counter_reads == 0,
	   "odd generation: 9 packets, 9 clock reads, no counter read (%" PRIu64
	   ", %" PRIu64 ")", test_clock_reads, test_counter_reads);
	read_at(&f, 2000, &b);
	ok(b.n == 1 && b.v[0].frames == 9, "and they count in their window");
	fixture_free(&f);
	free(b.v);
}

/* The kernel's map from counter to CLOCK_MONOTONIC (timekeeping.c). */
static u64 kernel_mono(u64 c, u64 last, u32 mult, u32 shift, u64 nsec)
{
	return (u64)(((unsigned __int128)(c - last) * mult + nsec) >> shift);
}

/*
 * pktstat_mult_ticks() against the kernel's own formula: the ticks it gives
 * never take longer than the ns asked, and one tick more than twice would
 * (it is not needlessly early), for random maps and spans.
 */
static void test_mult_ticks(void)
{
	unsigned int i, late = 0, early = 0;
	u64 x = 88172645463325252ULL;

	for (i = 0; i < 200000; i++) {
		u32 shift, mult;
		u64 last, nsec, c0, ns, k;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		shift = 8 + x % 24;
		/* 0.1 to 10 ticks per ns, as clocksources have. */
		mult = (u32)((1ULL << shift) / 10 + (x >> 8) % ((1ULL << shift) * 10));
		if (!mult)
			mult = 1;
		last = x >> 20;
		nsec = (x >> 3) % (1ULL << shift);
		c0 = last + (x >> 40);
		ns = (x >> 16) % 5000000000ULL;
		k = pktstat_mult_ticks(ns, mult, shift);
		if (kernel_mono(c0 + k, last, mult, shift, nsec) >
		    kernel_mono(c0, last, mult, shift, nsec) + ns)
			late++;
		if (ns && ns < 0xffffffffULL &&
		    kernel_mono(c0 + k + 2, last, mult, shift, nsec) <=
		    kernel_mono(c0, last, mult, shift, nsec) + ns - 1)
			early++;
	}
	ok(late == 0, "200000 random maps: the converted span never ends late (%u)",
	   late);
	ok(early == 0, "and it is at most 2 ticks short (%u)", early);
	ok(pktstat_mult_ticks(1ULL << 40, 1U << 20, 20) == 0xffffffffULL,
	   "spans over 2^32 - 1 ns are capped there (still early)");
}

int main(void)
{
	test_one_clock_read();
	test_boundary_every_ns();
	test_rate_change();
	test_restart();
	test_unsynchronised();
	test_not_in_use();
	test_mult_ticks();
	return tap_done();
}
