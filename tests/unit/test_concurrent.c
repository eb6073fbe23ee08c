// SPDX-License-Identifier: GPL-2.0
/*
 * Threads stand in for CPUs: writers count packets against a shared clock
 * while a reader drains concurrently and another thread steps
 * CLOCK_REALTIME back and forth, by less and more than a period and by
 * nothing. Every line must hold exactly the packets the counting rule
 * (model.h) puts in windows up to it: no grace period, no packet in a window
 * already read, no window twice. Built twice: ASan/UBSan and TSan.
 */
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include "tap.h"
#include "model.h"

enum { NWRITERS = 3, NPKT = 200000, PERIOD = 1000, STEP = 3 };

/* A clock step every this much CLOCK_MONOTONIC: about 40 in a run. */
#define STEP_EVERY	(50 * PERIOD)

CORE_USER_CLOCK;

static struct fixture fix;
static struct model tally[NWRITERS];
static int writers_done;
static u32 steps;

static void *writer(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	struct model_cpu mc = { 0 };
	u64 i;

	for (i = 0; i < NPKT; i++) {
		u64 len = 60 + (i * 7 + id) % 1440;
		u32 epoch;

		pktstat_cpu_count(&fix.cpu[id], PERIOD, 1, len);
		/*
		 * The epoch the core used if it opened a window: the one it saw,
		 * or, when that was new, the one it looked the offset up for.
		 */
		epoch = mc.open && test_last_seq == mc.key.epoch ?
			mc.key.epoch : test_last_epoch;
		model_add(&tally[id], model_window(&mc, PERIOD, test_last_now,
						   epoch), len);
		/* Let the reader in often: the point is to interleave. */
		if (i % 256 == 0)
			sched_yield();
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct line_buf *out = arg;
	unsigned int n = 0;

	const struct timespec pause = { .tv_nsec = 20000 };

	/* Each read takes the clock too: pause so time is mostly packets. */
	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		fixture_read(&fix, out, 1 + n++ % 17, 1);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Steps of half a period, of 50 periods, and none, back and forth. */
static void *stepper(void *arg)
{
	static const int64_t deltas[] = { -PERIOD / 2, 50 * PERIOD, 0,
					  -50 * PERIOD, PERIOD / 2 + 7,
					  -3 * PERIOD - 11 };
	const struct timespec pause = { .tv_nsec = 50000 };
	u64 next = __atomic_load_n(&test_clock, __ATOMIC_SEQ_CST) + STEP_EVERY;

	(void)arg;
	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&test_clock, __ATOMIC_SEQ_CST) >= next) {
			test_step_clock(deltas[steps % 6]);
			__atomic_store_n(&steps, steps + 1, __ATOMIC_RELAXED);
			next += STEP_EVERY;
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t w[NWRITERS], r, s;
	struct line_buf out = { 0 };
	struct model all = { 0 };
	size_t wrong, k;
	unsigned int i;

	test_clock_step = STEP;
	test_clock = 1000 * PERIOD;
	test_clock_start(0, 1000000000000ULL);
	fixture_init(&fix, NWRITERS, PERIOD, 1 << 16);
	pthread_create(&r, NULL, reader, &out);
	pthread_create(&s, NULL, stepper, NULL);
	for (i = 0; i < NWRITERS; i++)
		pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)i);
	for (i = 0; i < NWRITERS; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(r, NULL);
	pthread_join(s, NULL);
	ok(out.n > 0, "the reader drained %zu windows while writers ran", out.n);

	__atomic_fetch_add(&test_clock, 2 * PERIOD, __ATOMIC_SEQ_CST);
	fixture_read(&fix, &out, ~0U, 1);

	for (i = 0; i < NWRITERS; i++) {
		for (k = 0; k < tally[i].n; k++)
			model_add(&all, tally[i].v[k].key, tally[i].v[k].len);
		free(tally[i].v);
	}
	wrong = model_check(&all, PERIOD, &out);
	ok(wrong == 0, "every window holds exactly its packets, each once (%zu lines, %zu wrong)",
	   out.n, wrong);
	ok(out.n && out.v[out.n - 1].frames == (u64)NWRITERS * NPKT,
	   "the last line holds all %d packets", NWRITERS * NPKT);
	ok(steps >= 10, "the clock stepped %u times while counting", steps);
	ok(fixture_clock_steps(&fix) == steps, "clock_steps counts them all (%u)",
	   fixture_clock_steps(&fix));
	free(all.v);
	free(out.v);
	fixture_free(&fix);
	return tap_done();
}
