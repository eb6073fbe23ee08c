/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accounting core on userspace primitives: threads stand in for CPUs.
 * Every shared field is accessed through __atomic builtins so TSan checks
 * the real orderings. The clock is the test's:
 *   CLOCK_MONOTONIC: pktstat_clock_ns() returns test_clock and then advances
 *     it by test_clock_step; each thread remembers the last value it read.
 *   Clock steps: test_step_clock() starts a new epoch with a new
 *     CLOCK_REALTIME - CLOCK_MONOTONIC offset (0 until the first step); each
 *     thread remembers the last epoch it saw and the last epoch and offset
 *     it looked up.
 *   The counter (pktstat_counter()): a linear map of test_clock, counter =
 *     c0 + (test_clock - m0) * num / den (rounded down) + the thread's skew;
 *     reading it advances test_clock by test_clock_step as a clock read
 *     does. It is usable (generation even) when the test is built with
 *     TEST_COUNTER, which runs the same tests on the counter's fast path
 *     at 9/4 ticks per ns; else its generation is odd and the core reads
 *     the clock for every packet. test_counter_rate() changes the map as
 *     an NTP rate change or a resume does.
 * A test may bring its own clock (CORE_USER_OWN_CLOCK), counter
 * (CORE_USER_OWN_COUNTER), clock barrier and cpu_relax.
 */
#ifndef CORE_USER_H
#define CORE_USER_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint32_t u32;
typedef uint64_t u64;

#define PKTSTAT_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PKTSTAT_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define pktstat_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pktstat_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#ifndef pktstat_clock_barrier
#define pktstat_clock_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define pktstat_clock_barrier_read()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define pktstat_smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define pktstat_smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#ifndef pktstat_cpu_relax
#define pktstat_cpu_relax()		sched_yield()
#endif
#define pktstat_div64(a, b)		((a) / (b))
#define pktstat_likely(x)		__builtin_expect(!!(x), 1)
#define pktstat_unlikely(x)		__builtin_expect(!!(x), 0)
#define PKTSTAT_CACHELINE_ALIGNED	__attribute__((aligned(64)))
#define PKTSTAT_NOINLINE		__attribute__((noinline))

/* Offsets of the epochs in use, by epoch modulo this (steps per test). */
#define TEST_EPOCHS	4096

extern u64 test_clock, test_clock_step;
extern __thread u64 test_last_now;
extern u32 test_epoch;
extern u64 test_offsets[TEST_EPOCHS];
extern __thread u32 test_last_seq;
extern __thread u32 test_last_epoch;
extern __thread u64 test_last_offset;
extern u32 test_counter_gen;
extern u64 test_counter_m0, test_counter_c0, test_counter_num, test_counter_den;
extern __thread u64 test_counter_skew;
extern u64 test_counter_reads, test_clock_reads;

#ifdef TEST_COUNTER
#define TEST_COUNTER_GEN0	2
#else
#define TEST_COUNTER_GEN0	1
#endif

/* Every test program defines the clock once, at file scope. */
#define CORE_USER_CLOCK					\
	u64 test_clock, test_clock_step;		\
	__thread u64 test_last_now;			\
	u32 test_epoch;					\
	u64 test_offsets[TEST_EPOCHS];			\
	__thread u32 test_last_seq;			\
	__thread u32 test_last_epoch;			\
	__thread u64 test_last_offset;			\
	u32 test_counter_gen = TEST_COUNTER_GEN0;	\
	u64 test_counter_m0, test_counter_c0 = 1000;	\
	u64 test_counter_num = 9, test_counter_den = 4;	\
	__thread u64 test_counter_skew;			\
	u64 test_counter_reads, test_clock_reads

#ifndef CORE_USER_OWN_CLOCK
static inline u64 pktstat_clock_ns(void)
{
	__atomic_fetch_add(&test_clock_reads, 1, __ATOMIC_RELAXED);
	test_last_now = __atomic_fetch_add(&test_clock, test_clock_step,
					   __ATOMIC_SEQ_CST);
	return test_last_now;
}
#endif

#ifndef CORE_USER_OWN_COUNTER
/* The counter at CLOCK_MONOTONIC t on this thread. */
static inline u64 test_counter_at(u64 t)
{
	u64 m0 = __atomic_load_n(&test_counter_m0, __ATOMIC_RELAXED);

	/* 128 bits: tests run at CLOCK_REALTIME-sized times. */
	return __atomic_load_n(&test_counter_c0, __ATOMIC_RELAXED) +
	       (u64)((unsigned __int128)(t - m0) *
		     __atomic_load_n(&test_counter_num, __ATOMIC_RELAXED) /
		     __atomic_load_n(&test_counter_den, __ATOMIC_RELAXED)) +
	       test_counter_skew;
}

static inline u32 pktstat_counter_gen(void)
{
	return __atomic_load_n(&test_counter_gen, __ATOMIC_RELAXED);
}

static inline u64 pktstat_counter(void)
{
	__atomic_fetch_add(&test_counter_reads, 1, __ATOMIC_RELAXED);
	test_last_now = __atomic_fetch_add(&test_clock, test_clock_step,
					   __ATOMIC_SEQ_CST);
	return test_counter_at(test_last_now);
}

static inline u64 pktstat_counter_ticks(u64 ns)
{
	return (u64)((unsigned __int128)ns *
		     __atomic_load_n(&test_counter_num, __ATOMIC_RELAXED) /
		     __atomic_load_n(&test_counter_den, __ATOMIC_RELAXED));
}

#endif

/*
 * From now on the counter runs at num/den ticks per ns and reads c0 now
 * (an NTP rate change keeps it continuous: c0 = its value now; a resume may
 * start it anywhere). bump: tell the core, as the kernel's notifier does;
 * a test that does not shows what the generation is for.
 */
static inline void test_counter_rate(u64 c0, u64 num, u64 den, int bump)
{
	__atomic_store_n(&test_counter_m0, test_clock, __ATOMIC_RELAXED);
	__atomic_store_n(&test_counter_c0, c0, __ATOMIC_RELAXED);
	__atomic_store_n(&test_counter_num, num, __ATOMIC_RELAXED);
	__atomic_store_n(&test_counter_den, den, __ATOMIC_RELAXED);
	if (bump)
		__atomic_fetch_add(&test_counter_gen, 2, __ATOMIC_SEQ_CST);
}

static inline u32 pktstat_clock_seq(void)
{
	test_last_seq = __atomic_load_n(&test_epoch, __ATOMIC_SEQ_CST);
	return test_last_seq;
}

/* An epoch's offset is written before the epoch is published. */
static inline u64 pktstat_clock_offset(u32 *epoch)
{
	*epoch = test_last_epoch = pktstat_clock_seq();
	test_last_offset = __atomic_load_n(&test_offsets[*epoch % TEST_EPOCHS],
					   __ATOMIC_RELAXED);
	return test_last_offset;
}

/* Start epoch e with CLOCK_REALTIME = CLOCK_MONOTONIC + offset (the first). */
static inline void test_clock_start(u32 e, u64 offset)
{
	__atomic_store_n(&test_offsets[e % TEST_EPOCHS], offset,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&test_epoch, e, __ATOMIC_SEQ_CST);
}

/*
 * Step CLOCK_REALTIME by delta ns (negative: back), as settimeofday does.
 * Offsets are u64 modulo 2^64, as in the core: a test may step CLOCK_REALTIME
 * below CLOCK_MONOTONIC, never below 0.
 */
static inline void test_step_clock(int64_t delta)
{
	u32 e = __atomic_load_n(&test_epoch, __ATOMIC_RELAXED);
	u64 off = __atomic_load_n(&test_offsets[e % TEST_EPOCHS],
				  __ATOMIC_RELAXED);

	if ((int64_t)(__atomic_load_n(&test_clock, __ATOMIC_RELAXED) + off +
		      (u64)delta) < 0)
		abort();
	test_clock_start(e + 1, off + (u64)delta);
}

/* CLOCK_REALTIME now, without advancing the clock. */
static inline u64 test_realtime(void)
{
	u32 e = __atomic_load_n(&test_epoch, __ATOMIC_SEQ_CST);

	return __atomic_load_n(&test_clock, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&test_offsets[e % TEST_EPOCHS], __ATOMIC_RELAXED);
}

#include "../../src/pktstat_core.h"

#endif /* CORE_USER_H */
