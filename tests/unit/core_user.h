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
 * A test may bring its own clock (CORE_USER_OWN_CLOCK), clock barrier and
 * cpu_relax.
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

/* Offsets of the epochs in use, by epoch modulo this (steps per test). */
#define TEST_EPOCHS	4096

extern u64 test_clock, test_clock_step;
extern __thread u64 test_last_now;
extern u32 test_epoch;
extern u64 test_offsets[TEST_EPOCHS];
extern __thread u32 test_last_seq;
extern __thread u32 test_last_epoch;
extern __thread u64 test_last_offset;

/* Every test program defines the clock once, at file scope. */
#define CORE_USER_CLOCK					\
	u64 test_clock, test_clock_step;		\
	__thread u64 test_last_now;			\
	u32 test_epoch;					\
	u64 test_offsets[TEST_EPOCHS];			\
	__thread u32 test_last_seq;			\
	__thread u32 test_last_epoch;			\
	__thread u64 test_last_offset

#ifndef CORE_USER_OWN_CLOCK
static inline u64 pktstat_clock_ns(void)
{
	test_last_now = __atomic_fetch_add(&test_clock, test_clock_step,
					   __ATOMIC_SEQ_CST);
	return test_last_now;
}
#endif

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
