/* SPDX-License-Identifier: GPL-2.0 */
/* The accounting core built on kernel primitives. */
#ifndef PKTSTAT_KERNEL_H
#define PKTSTAT_KERNEL_H

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/math64.h>
#include <linux/processor.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <asm/barrier.h>

#define PKTSTAT_READ_ONCE(x)		READ_ONCE(x)
#define PKTSTAT_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* Ring slots: the CPU publishes head, the reader hands back tail. */
#define pktstat_load_acquire(p)		smp_load_acquire(p)
/* Pairs with pktstat_load_acquire() on the other side of the ring. */
#define pktstat_store_release(p, v)	smp_store_release(p, v)
/* Orders the seqcount against the clock read, see pktstat_core.h. */
#define pktstat_smp_mb()		smp_mb()
/* The seqcount's write side. */
#define pktstat_smp_wmb()		smp_wmb()
/* The seqcount's read side. */
#define pktstat_smp_rmb()		smp_rmb()
#define pktstat_cpu_relax()		cpu_relax()
#define pktstat_div64(a, b)		div64_u64(a, b)
#define pktstat_likely(x)		likely(x)
#define pktstat_unlikely(x)		unlikely(x)
#define PKTSTAT_CACHELINE_ALIGNED	____cacheline_aligned_in_smp

static inline u64 pktstat_clock_ns(void)
{
	return ktime_get_real_ns();
}

#include "pktstat_core.h"

#endif /* PKTSTAT_KERNEL_H */
