// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13 item 2: may one clock read serve every pktstat rule a packet
 * meets? Deterministic interleavings of two rules (instances A then B, one
 * CPU) and a reader, on the unit tests' fake clock (period P):
 *   naive: B reuses A's time and readers do not announce themselves. A
 *     reader between A and B closes the window, B then counts a packet
 *     stamped in it after its line went out: the packet shows in B's next
 *     window. The test must find this counterexample.
 *   read_gen (shared_clock.h): the same interleaving, the reader makes
 *     read_gen odd first; B sees it and reads the clock itself: B's count
 *     lands in the window of the time B used, as today.
 *   read_gen, no reader between A and B: B reuses A's time (one clock read
 *     for both) and both count in the same window.
 *   read_gen, a reader odd around A: neither rule reuses.
 *   stale identity: a packet's first rule taken for a later one reuses the
 *     earlier packet's time (counterexample: why "first" must be exact).
 * Exactness here: each instance's count lands in the window of the time
 * that instance used, and every window's line holds all of its packets.
 */
#include <stdbool.h>

#include "../../tests/unit/tap.h"
#include "../../tests/unit/fixture.h"
#include "shared_clock.h"

CORE_USER_CLOCK;

#define P	1000

static u32 read_gen;
static struct shared_clock sc;
static struct fixture fa, fb;
static struct line_buf la, lb;

/* A reader of both instances at CLOCK_MONOTONIC t; gen: announce it. */
static void read_both(u64 t, bool gen)
{
	if (gen)
		shared_clock_read_begin(&read_gen);
	test_clock = t;
	fixture_read(&fa, &la, ~0U, 1);
	fixture_read(&fb, &lb, ~0U, 1);
	if (gen)
		shared_clock_read_end(&read_gen);
}

/* Rule f counts a packet at t (the time it would read), first rule or not. */
static u64 rule(struct fixture *f, u64 t, bool first)
{
	test_clock = t;
	shared_clock_count(&sc, &read_gen, &f->cpu[0], P, 100, first);
	return sc.now;
}

/* Cumulative frames at the end of the window holding t, 0 if no line. */
static u64 frames_at(const struct line_buf *b, u64 t)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].end_ns == (t / P + 1) * P)
			return b->v[i].frames;
	return 0;
}

/* Did the packet counted n-th (cumulative n) land in the window of t? */
static bool in_window(const struct line_buf *b, u64 t, u64 n)
{
	return frames_at(b, t) >= n && (t < P || frames_at(b, t - P) < n);
}

static void setup(void)
{
	fixture_init(&fa, 1, P, 16);
	fixture_init(&fb, 1, P, 16);
	la.n = lb.n = 0;
	read_gen = 0;
	sc.now = 0;
	sc.gen = 1;
	test_clock_step = 0;
	/* One packet through both rules at 100: both open window 0. */
	rule(&fa, 100, true);
	rule(&fb, 100, true);
}

static void teardown(void)
{
	read_both(10 * P, false);	/* every window closed and read */
	fixture_free(&fa);
	fixture_free(&fb);
}

int main(void)
{
	u64 ta, tb;

	/* naive: the reader does not announce itself. */
	setup();
	ta = rule(&fa, P - 1, true);
	read_both(P + 500, false);
	tb = rule(&fb, P + 500, false);
	teardown();
	ok(ta == P - 1 && tb == P - 1, "naive: B reused A's time %llu",
	   (unsigned long long)tb);
	ok(in_window(&la, ta, 2), "naive: A's count in the window of its time");
	ok(!in_window(&lb, tb, 2) && frames_at(&lb, tb) == 1 &&
	   frames_at(&lb, tb + P) == 2,
	   "naive: counterexample: B's packet stamped %llu is not in that window's line (1 frame) but in the next (2)",
	   (unsigned long long)tb);

	/* read_gen: the same interleaving, the reader announced. */
	setup();
	ta = rule(&fa, P - 1, true);
	read_both(P + 500, true);
	tb = rule(&fb, P + 500, false);
	teardown();
	ok(tb == P + 500, "read_gen: B read the clock itself after a reader (%llu)",
	   (unsigned long long)tb);
	ok(in_window(&la, ta, 2) && in_window(&lb, tb, 2),
	   "read_gen: A and B each count in the window of the time they used");

	/* read_gen, no reader between the rules: one clock read for both. */
	setup();
	read_both(P - 10, true);
	ta = rule(&fa, P - 1, true);
	tb = rule(&fb, P + 500, false);
	teardown();
	ok(tb == ta && ta == P - 1, "read_gen: no reader between: B reused A's time");
	ok(in_window(&la, ta, 2) && in_window(&lb, tb, 2) &&
	   frames_at(&la, ta) == 2 && frames_at(&lb, tb) == 2,
	   "read_gen: both lines of window 0 hold both packets");

	/* read_gen: a reader odd around rule A, clock read after it. */
	setup();
	shared_clock_read_begin(&read_gen);
	ta = rule(&fa, P - 1, true);
	test_clock = P + 500;
	fixture_read(&fa, &la, ~0U, 1);
	fixture_read(&fb, &lb, ~0U, 1);
	shared_clock_read_end(&read_gen);
	tb = rule(&fb, P + 600, false);
	teardown();
	ok(tb == P + 600, "read_gen: a reader odd at A: B read the clock itself");
	ok(in_window(&la, ta, 2) && in_window(&lb, tb, 2),
	   "read_gen: odd reader: each count in the window of its time");

	/* stale identity: packet 2's first rule taken for packet 1's. */
	setup();
	rule(&fa, P - 1, true);
	rule(&fb, P - 1, false);
	tb = rule(&fa, 3 * P + 5, false);
	teardown();
	ok(tb == P - 1 && frames_at(&la, P - 1) == 3,
	   "stale identity: counterexample: a packet at %d counted in window 0",
	   3 * P + 5);

	free(la.v);
	free(lb.v);
	return tap_done();
}
