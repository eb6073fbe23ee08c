// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's baseline, never shipped: xt_pktstat counting as the 2011
 * module did, with one lock and one set of counters per instance shared by
 * every CPU (CPU 0's counters here). The match is src/pktstat_match.c, with
 * its count call pointed here.
 */
/* As pktstat_match.c defines it, before any header uses it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/hash.h>
#include <linux/spinlock.h>

#include "pktstat_instance.h"

/*
 * The instance has no lock of its own to spare: one lock per bucket of
 * instance addresses, each on its own cache line. Bench rules use 100
 * instances: a few share a lock, as they would share nothing in 2011.
 */
#define SPIN_BITS	10

static struct {
	spinlock_t lock;
} ____cacheline_aligned_in_smp spin_locks[1 << SPIN_BITS] = {
	[0 ... (1 << SPIN_BITS) - 1] = { __SPIN_LOCK_UNLOCKED(spin_locks.lock) }
};

static void pktstat_spin_count(struct xt_pktstat_instance *inst,
			       unsigned int frames, u64 len)
{
	spinlock_t *lock = &spin_locks[hash_ptr(inst, SPIN_BITS)].lock;

	spin_lock_bh(lock);
	pktstat_cpu_count(per_cpu_ptr(inst->pcpu, 0), inst->period, frames,
			  len);
	spin_unlock_bh(lock);
}

#define pktstat_instance_count pktstat_spin_count
#include "pktstat_match.c"
