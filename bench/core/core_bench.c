// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: instructions per packet of the accounting core, counted by
 * valgrind --tool=callgrind (bench/core/run.sh). The core is the one the
 * module builds (src/pktstat_core.h) on the unit tests' userspace primitives
 * (tests/unit/core_user.h: the clock is an atomic fetch-add on a counter).
 * The counter (pktstat_core.h, Counter) is the same fetch-add, one tick per
 * ns, in use except in same_clock: the common case is a counter compare.
 *
 *   core_bench MODE N
 *
 * MODE:
 *   same    N packets in one window (the common case)
 *   same_clock  the same with the counter not in use (a clock read each)
 *   cross   N packets, each in the next window (ring never full)
 *   full    N packets, each in the next window, ring full (overflow path)
 *   bare    N increments of a per-CPU counter with the same clock read
 *   none    no packet: the program's fixed cost
 * Instructions per packet = (Ir(N2) - Ir(N1)) / (N2 - N1).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORE_USER_OWN_COUNTER
static inline uint32_t pktstat_counter_gen(void);
static inline uint64_t pktstat_counter(void);
static inline uint64_t pktstat_counter_ticks(uint64_t ns);

#include "../../tests/unit/fixture.h"

/* Most packets a run may count (cross: one ring slot each). */
#define CROSS_MAX	(1u << 20)

CORE_USER_CLOCK;

/* 2: the counter is in use; same_clock makes it 1. */
static u32 bench_counter_gen = 2;

static inline u32 pktstat_counter_gen(void)
{
	return PKTSTAT_READ_ONCE(bench_counter_gen);
}

static inline u64 pktstat_counter(void)
{
	return __atomic_fetch_add(&test_clock, test_clock_step, __ATOMIC_SEQ_CST);
}

static inline u64 pktstat_counter_ticks(u64 ns)
{
	return ns;
}

struct bare_cpu {
	u64 frames;
	u64 bytes;
	u64 last;
} __attribute__((aligned(64)));

static __attribute__((noinline)) void count_core(struct pktstat_cpu *c,
						 u64 period, u64 len)
{
	pktstat_cpu_count(c, period, 1, len);
}

static __attribute__((noinline)) void count_bare(struct bare_cpu *c, u64 len)
{
	PKTSTAT_WRITE_ONCE(c->last, pktstat_clock_ns());
	PKTSTAT_WRITE_ONCE(c->frames, c->frames + 1);
	PKTSTAT_WRITE_ONCE(c->bytes, c->bytes + len);
}

int main(int argc, char **argv)
{
	static struct bare_cpu bare;
	const u64 period = 1000;
	struct fixture f;
	unsigned long n, i;
	const char *mode;
	u32 cap;

	if (argc != 3) {
		fprintf(stderr, "usage: core_bench same|same_clock|cross|full|bare|none N\n");
		return 2;
	}
	mode = argv[1];
	n = strtoul(argv[2], NULL, 10);
	/* One ring size for every N, so its allocation cancels out. */
	if (n > CROSS_MAX) {
		fprintf(stderr, "core_bench: N at most %u\n", CROSS_MAX);
		return 2;
	}
	cap = !strcmp(mode, "full") ? 2 : CROSS_MAX + 2;
	fixture_init(&f, 1, period, cap);
	test_clock = 1000000;
	/* same: the clock never reaches the next boundary; cross: one step
	 * per packet is one window.
	 */
	test_clock_step = !strncmp(mode, "same", 4) ? 0 : period;
	if (!strcmp(mode, "same_clock"))
		bench_counter_gen = 1;
	/* The first packet opens the window in every mode: out of the loop. */
	if (strcmp(mode, "bare") && strcmp(mode, "none"))
		count_core(&f.cpu[0], period, 100);

	if (!strcmp(mode, "bare")) {
		for (i = 0; i < n; i++)
			count_bare(&bare, 100);
	} else if (strcmp(mode, "none")) {
		for (i = 0; i < n; i++)
			count_core(&f.cpu[0], period, 100);
	}
	/* Check what was counted, outside the measured loop's cost model
	 * (the same for every N, so it cancels in the difference).
	 */
	test_clock += 2 * period;
	test_clock_step = period;
	{
		struct line_buf lines = { 0 };
		u64 want = !strcmp(mode, "bare") || !strcmp(mode, "none") ? 0 : n + 1;
		unsigned int got = fixture_read(&f, &lines, 1, 1);
		u64 frames = got ? lines.v[0].frames : 0;

		free(lines.v);
		printf("%s %lu frames=%llu overflows=%llu bare=%llu\n", mode, n,
		       (unsigned long long)f.cpu[0].frames,
		       (unsigned long long)f.cpu[0].overflows,
		       (unsigned long long)bare.frames);
		if (f.cpu[0].frames != want || (want && !frames))
			return 1;
	}
	fixture_free(&f);
	return 0;
}
