// SPDX-License-Identifier: GPL-2.0
/*
 * CLOCK_REALTIME steps, one thread, a set clock. test_clock is
 * CLOCK_MONOTONIC; CLOCK_REALTIME = test_clock + the epoch's offset, 0 until
 * the first step (so before it, times read as in test_core.c).
 */
#include <inttypes.h>

#include "tap.h"
#include "model.h"

CORE_USER_CLOCK;

#define P	1000	/* the period of every fixture here */

static void reset_clock(void)
{
	test_clock = 0;
	test_clock_step = 0;
	test_clock_start(7, 0);
}

/*
 * Back by 5 periods: the window the clock was in ends on time (in
 * CLOCK_MONOTONIC), then windows follow the stepped clock; the data go back
 * in time once.
 */
static void test_step_back(void)
{
	static const u64 before[][3] = { { 11000, 2, 3 } };
	static const u64 after[][3] = { { 12000, 4, 15 }, { 8000, 6, 63 },
					{ 9000, 7, 127 } };
	struct fixture f;
	struct line_buf b = { 0 };

	reset_clock();
	fixture_init(&f, 1, P, 16);
	packet_at(&f, 0, 10100, 1);
	packet_at(&f, 0, 10500, 2);
	packet_at(&f, 0, 11200, 4);
	test_clock = 11300;
	test_step_clock(-5000);		/* CLOCK_REALTIME 11300 -> 6300 */
	packet_at(&f, 0, 11400, 8);	/* the rest of window 11 */
	ok(read_at(&f, 11450, &b) == 1 && lines_are(&b, 0, 1, before),
	   "step back: window 11, open at the step, is not read before its end");
	packet_at(&f, 0, 12100, 16);	/* CLOCK_REALTIME 7100: window 7 */
	packet_at(&f, 0, 12500, 32);
	packet_at(&f, 0, 13200, 64);	/* window 8 */
	ok(read_at(&f, 14000, &b) == 3 && lines_are(&b, 1, 3, after),
	   "step back: window 11 ends one period at most after the step, then windows of the new clock");
	ok(fixture_clock_steps(&f) == 1, "step back: clock_steps 1");
	ok(f.cpu[0].overflows == 0, "step back: no overflow");
	ok(read_at(&f, 20000, &b) == 0, "step back: no window twice");
	fixture_free(&f);
	free(b.v);
}

static void test_step_forward(void)
{
	static const u64 want[][3] = { { 11000, 1, 1 }, { 12000, 2, 3 },
				       { 62000, 3, 7 }, { 63000, 4, 15 } };
	struct fixture f;
	struct line_buf b = { 0 };

	reset_clock();
	fixture_init(&f, 1, P, 16);
	packet_at(&f, 0, 10100, 1);
	packet_at(&f, 0, 11100, 2);
	test_clock = 11200;
	test_step_clock(49000);		/* CLOCK_REALTIME 11200 -> 60200 */
	ok(read_at(&f, 11300, &b) == 1,
	   "step forward: window 11 stays open until its end");
	packet_at(&f, 0, 12000, 4);	/* CLOCK_REALTIME 61000: window 61 */
	packet_at(&f, 0, 13000, 8);	/* window 62 */
	read_at(&f, 15000, &b);
	ok(lines_are(&b, 0, 4, want), "step forward: exact windows, new clock");
	ok(fixture_clock_steps(&f) == 1, "step forward: clock_steps 1");
	fixture_free(&f);
	free(b.v);
}

/*
 * Steps smaller than a period. After the step, until the end of its window,
 * a CPU keeps counting in the window it was in; a CPU that opens a window
 * then opens it in the new clock, which may be the same window number: two
 * lines with one timestamp, one per epoch, each with its own packets.
 */
static void test_small_steps(void)
{
	static const u64 back[][3] = { { 11000, 2, 3 }, { 11000, 4, 15 },
				       { 12000, 5, 31 } };
	static const u64 fwd[][3] = { { 11000, 2, 3 }, { 12000, 3, 7 } };
	struct fixture f;
	struct line_buf b = { 0 };

	reset_clock();
	fixture_init(&f, 2, P, 16);
	packet_at(&f, 0, 10100, 1);
	test_clock = 10500;
	test_step_clock(-300);		/* CLOCK_REALTIME 10500 -> 10200 */
	packet_at(&f, 0, 10600, 2);	/* still window 10, epoch 0 */
	packet_at(&f, 1, 10700, 4);	/* CPU 1 opens window 10 of epoch 1 */
	ok(read_at(&f, 10900, &b) == 0,
	   "small step back: nothing is read while window 10 is open");
	packet_at(&f, 0, 11100, 8);	/* CLOCK_REALTIME 10800: window 10, epoch 1 */
	packet_at(&f, 1, 11350, 16);	/* CLOCK_REALTIME 11050: window 11 */
	read_at(&f, 12400, &b);
	ok(lines_are(&b, 0, 3, back),
	   "small step back: window 10 twice, once per epoch, each exact");

	fixture_free(&f);
	free(b.v);
	b = (struct line_buf){ 0 };
	reset_clock();
	fixture_init(&f, 1, P, 16);
	packet_at(&f, 0, 10100, 1);
	test_clock = 10600;
	test_step_clock(500);		/* CLOCK_REALTIME 10600 -> 11100 */
	packet_at(&f, 0, 10700, 2);	/* reads 11200, counts in window 10 */
	packet_at(&f, 0, 11050, 4);	/* CLOCK_REALTIME 11550: window 11 */
	read_at(&f, 11600, &b);
	ok(lines_are(&b, 0, 2, fwd),
	   "small step forward: the rest of window 10 counts in window 10");
	fixture_free(&f);
	free(b.v);
}

/*
 * A CPU idle across a step back, whose window lies in the future of the
 * stepped clock, holds nobody up and, when traffic comes back in that same
 * window an hour later, counts in the new epoch, not in the old window.
 */
static void test_idle_cpu_step_back(void)
{
	static const u64 want[][3] = { { 11000, 1, 1 }, { 6000, 2, 3 },
				       { 7000, 3, 7 }, { 11000, 5, 31 } };
	struct fixture f;
	struct line_buf b = { 0 };

	reset_clock();
	fixture_init(&f, 2, P, 2);
	packet_at(&f, 1, 10100, 1);	/* CPU 1: window 10, then idle */
	test_clock = 10200;
	test_step_clock(-5000);		/* CLOCK_REALTIME 10200 -> 5200 */
	packet_at(&f, 0, 10300, 2);	/* CPU 0 opens window 5, epoch 1 */
	ok(read_at(&f, 11050, &b) == 2 && lines_are(&b, 0, 2, want),
	   "idle CPU: its old window is read once it ends, then the new clock's");
	packet_at(&f, 0, 11400, 4);	/* window 6 */
	packet_at(&f, 0, 15100, 8);	/* window 10 again, epoch 1 */
	packet_at(&f, 1, 15200, 16);	/* CPU 1 wakes in window 10 */
	read_at(&f, 16500, &b);
	ok(lines_are(&b, 0, 4, want),
	   "idle CPU: traffic back in its old window counts in the new epoch");
	ok(f.cpu[1].overflows == 0 && f.cpu[0].overflows == 0,
	   "idle CPU: no overflow across the step");
	fixture_free(&f);
	free(b.v);
}

/* Back, back, forward, an epoch without a step, over two CPUs. */
static void test_repeated_steps(void)
{
	static const u64 want[][3] = {
		{ 2000, 1, 1 }, { 3000, 2, 3 }, { 1000, 3, 7 },
		{ 2000, 5, 47 }, { 9000, 6, 63 }, { 10000, 7, 127 } };
	struct fixture f;
	struct line_buf b = { 0 };

	reset_clock();
	test_clock_start(7, 1000);	/* CLOCK_REALTIME = mono + 1000 */
	fixture_init(&f, 2, P, 16);
	packet_at(&f, 0, 600, 1);	/* real 1600: window 1 */
	packet_at(&f, 1, 1100, 2);	/* real 2100: window 2 */
	test_clock = 1200;
	test_step_clock(-1500);		/* real 2200 -> 700 */
	packet_at(&f, 0, 1300, 4);	/* real 800: window 0, epoch 8 */
	test_clock = 1400;
	test_step_clock(-400);		/* real 900 -> 500 */
	packet_at(&f, 1, 2050, 8);	/* real 1150: window 1, epoch 9 */
	test_clock = 2100;
	test_step_clock(6800);		/* real 1200 -> 8000 */
	packet_at(&f, 0, 2150, 16);	/* real 8050: window 8, epoch 10 */
	test_clock = 2200;
	test_step_clock(0);		/* an epoch without a step (TAI) */
	packet_at(&f, 1, 2250, 32);	/* CPU 1 still in its window */
	packet_at(&f, 1, 3100, 64);	/* real 9000: window 9, epoch 11 */
	read_at(&f, 5000, &b);
	ok(lines_are(&b, 0, 6, want) && fixture_clock_steps(&f) == 4,
	   "repeated steps: every window exact, in epoch order, clock_steps 4");
	fixture_free(&f);
	free(b.v);
}

/*
 * Random packets on random CPUs, random steps back and forward (smaller and
 * larger than a period, and none), random reads of random sizes: every line
 * as the model says, none missing, none twice; epochs start near 2^32 to
 * wrap.
 */
static void test_random_steps(void)
{
	enum { NCPU = 4, NPKT = 200000 };
	struct model_cpu mc[NCPU] = { 0 };
	struct model m = { 0 };
	struct fixture f;
	struct line_buf b = { 0 };
	u64 t = 1000000, i, steps = 0;
	size_t wrong;

	srand(7);
	test_clock_step = 0;
	test_clock = t;
	test_clock_start(0xffffff00U, 1000000000);
	fixture_init(&f, NCPU, P, 1 << 16);
	for (i = 0; i < NPKT; i++) {
		unsigned int cpu = rand() % NCPU;
		u64 len = 60 + rand() % 1440;

		t += rand() % 3 ? rand() % 50 : rand() % 3000;
		if (rand() % 1000 == 0) {
			int64_t d = (int64_t)(rand() % 20000) - 10000;

			if (rand() % 4 == 0)
				d = (int64_t)(rand() % 3) * 3600000 - 3600000;
			test_clock = t;
			test_step_clock(d);
			steps++;
		}
		packet_at(&f, cpu, t, len);
		model_add(&m, model_window(&mc[cpu], P, t, test_epoch), len);
		if (rand() % 300 == 0) {
			t += rand() % 2000;
			test_clock = t;
			fixture_read(&f, &b, 1 + rand() % 40, 1);
		}
	}
	read_at(&f, t + 2 * P, &b);
	wrong = model_check(&m, P, &b);
	ok(wrong == 0, "random steps: %" PRIu64 " steps, %zu lines, %zu wrong",
	   steps, b.n, wrong);
	ok(fixture_clock_steps(&f) == steps, "random steps: clock_steps %u",
	   fixture_clock_steps(&f));
	fixture_free(&f);
	free(b.v);
	free(m.v);
}

int main(void)
{
	test_step_back();
	test_step_forward();
	test_small_steps();
	test_idle_cpu_step_back();
	test_repeated_steps();
	test_random_steps();
	return tap_done();
}
