/* SPDX-License-Identifier: GPL-2.0 */
/* The accounting core built on kernel primitives. */
#ifndef PKTSTAT_KERNEL_H
#define PKTSTAT_KERNEL_H

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/processor.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <asm/barrier.h>
#ifdef CONFIG_X86_TSC
#include <asm/msr.h>
#endif

#define PKTSTAT_READ_ONCE(x)		READ_ONCE(x)
#define PKTSTAT_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* Ring slots: the CPU publishes head, the reader hands back tail. */
#define pktstat_load_acquire(p)		smp_load_acquire(p)
/* Pairs with pktstat_load_acquire() on the other side of the ring. */
#define pktstat_store_release(p, v)	smp_store_release(p, v)
/* The seqcount's write side. */
#define pktstat_smp_wmb()		smp_wmb()
/* The seqcount's read side. */
#define pktstat_smp_rmb()		smp_rmb()
#define pktstat_cpu_relax()		cpu_relax()
#define pktstat_div64(a, b)		div64_u64(a, b)
#define pktstat_likely(x)		likely(x)
#define pktstat_unlikely(x)		unlikely(x)
#define PKTSTAT_CACHELINE_ALIGNED	____cacheline_aligned_in_smp
#define PKTSTAT_NOINLINE		noinline

/*
 * The writer's odd seqcount must be visible to every CPU before its clock
 * is read (pktstat_core.h, Exactness). The clock is a counter read, not a
 * memory load, so what orders it depends on the architecture:
 * - x86: the clocksources read the TSC with rdtsc_ordered() (LFENCE;RDTSC or
 *   RDTSCP; kvm-clock and Hyper-V's TSC page too), which the kernel
 *   documents as ordered like a load; HPET and ACPI PM reads are uncached
 *   loads and port I/O. No load passes smp_mb(), a locked add that drains
 *   the store buffer: smp_mb() is enough.
 * - arm64: the counter is a system register (CNTVCT_EL0). DMB orders memory
 *   accesses only, so smp_mb() would let the counter be read before the
 *   store is observable; DSB (mb()) completes the store, and no instruction
 *   after a DSB executes before it completes.
 * - others: mb(), the strongest barrier there is; exactness there assumes
 *   it orders the clocksource's counter read as well (not verified).
 */
#if defined(CONFIG_X86)
/* Orders the odd seqcount before the TSC read, as above. */
#define pktstat_clock_barrier()		smp_mb()
#else
/* Completes the odd seqcount store before the counter read, as above. */
#define pktstat_clock_barrier()		mb()
#endif

/*
 * The reader's clock read must complete before it loads the seqcounts.
 * Once per read, so the strongest: on x86 LFENCE (rmb()) keeps later
 * instructions from starting before RDTSC (Intel SDM: "RDTSC; LFENCE"); on
 * arm64 the timer read is made to behave as a load for later barriers
 * (arch_counter_enforce_ordering()), which DSB (mb()) orders.
 */
#define pktstat_clock_barrier_read()	do { mb(); rmb(); } while (0)

/* CLOCK_MONOTONIC: it never steps, so a window's end in it stays valid. */
static inline u64 pktstat_clock_ns(void)
{
	return ktime_get_ns();
}

/*
 * The clock epoch: the kernel counts every setting of CLOCK_REALTIME
 * (settimeofday and clock_settime, adjtimex ADJ_SETOFFSET as chrony's
 * makestep, a leap second, resume from suspend) and also a change of the
 * TAI offset or of the clocksource, in clock_was_set_seq (6.1 and 6.12
 * alike). ktime_get_snapshot() is the one exported way to read it.
 */
static inline u32 pktstat_clock_seq(void)
{
	struct system_time_snapshot snap;

	ktime_get_snapshot(&snap);
	return snap.clock_was_set_seq;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC and its epoch. The kernel changes the
 * offset and the count in one update of the timekeeper, so an offset read
 * between two equal counts belongs to that count.
 */
static inline u64 pktstat_clock_offset(u32 *epoch)
{
	u32 seq = pktstat_clock_seq();
	u64 offset;

	for (;;) {
		offset = ktime_to_ns(ktime_mono_to_real(0));
		*epoch = pktstat_clock_seq();
		if (*epoch == seq)
			return offset;
		seq = *epoch;
	}
}

/*
 * The counter behind CLOCK_MONOTONIC, for the fast path (pktstat_core.h,
 * Counter), kept by pktstat_counter.c: on x86 the TSC, while the TSC is the
 * timekeeper's clocksource; elsewhere none (the generation stays odd).
 */
struct pktstat_counter_map {
	u32 gen;	/* odd: the counter does not drive the clock */
	u32 mult;	/* the timekeeper's CLOCK_MONOTONIC rate ... */
	u32 shift;	/* ... for that generation, or a newer one */
};

extern struct pktstat_counter_map pktstat_counter_map;

int pktstat_counter_init(void);
void pktstat_counter_exit(void);

static inline u32 pktstat_counter_gen(void)
{
	return READ_ONCE(pktstat_counter_map.gen);
}

/* As the TSC clocksource reads it: ordered like a load (see above). */
static inline u64 pktstat_counter(void)
{
#ifdef CONFIG_X86_TSC
	return rdtsc_ordered();
#else
	return 0;
#endif
}

/* A macro: pktstat_mult_ticks() is in pktstat_core.h, included below. */
#define pktstat_counter_ticks(ns)					\
	pktstat_mult_ticks(ns, READ_ONCE(pktstat_counter_map.mult),	\
			   READ_ONCE(pktstat_counter_map.shift))

#include "pktstat_core.h"

#endif /* PKTSTAT_KERNEL_H */
