/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accounting core on userspace primitives: threads stand in for CPUs.
 * Every shared field is accessed through __atomic builtins so TSan checks
 * the real orderings. The clock is the test's: pktstat_clock_ns() returns
 * test_clock and then advances it by test_clock_step; each thread remembers
 * the last value it read.
 */
#ifndef CORE_USER_H
#define CORE_USER_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t u32;
typedef uint64_t u64;

#define PKTSTAT_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PKTSTAT_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define pktstat_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pktstat_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define pktstat_smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define pktstat_smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define pktstat_smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define pktstat_cpu_relax()		sched_yield()
#define pktstat_div64(a, b)		((a) / (b))
#define pktstat_likely(x)		__builtin_expect(!!(x), 1)
#define pktstat_unlikely(x)		__builtin_expect(!!(x), 0)
#define PKTSTAT_CACHELINE_ALIGNED	__attribute__((aligned(64)))

extern u64 test_clock, test_clock_step;
extern __thread u64 test_last_now;

static inline u64 pktstat_clock_ns(void)
{
	test_last_now = __atomic_fetch_add(&test_clock, test_clock_step,
					   __ATOMIC_SEQ_CST);
	return test_last_now;
}

#include "../../src/pktstat_core.h"

#endif /* CORE_USER_H */
