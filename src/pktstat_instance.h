/* SPDX-License-Identifier: GPL-2.0 */
/* Named, refcounted pktstat instances, one list per network namespace. */
#ifndef PKTSTAT_INSTANCE_H
#define PKTSTAT_INSTANCE_H

#include <linux/atomic.h>
#include <linux/bottom_half.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter/xt_pktstat.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "pktstat_kernel.h"

struct pktstat_net {
	struct mutex lock;		/* all below, each instance's rules, dir, tearing */
	struct list_head instances;	/* with those being torn down */
	unsigned int ninstances;	/* on the list */
	atomic_long_t memory;		/* bytes its instances hold */
	struct proc_dir_entry *dir;	/* /proc/net/xt_pktstat, NULL on exit */
	bool exiting;			/* the netns is going: pktstat_net_exit() frees */
	struct net *net;		/* whose this is: owns the /proc entries */
};

struct xt_pktstat_instance {
	struct list_head list;
	struct pktstat_net *pn;
	unsigned int rules;		/* rules using it, under pn->lock */
	bool tearing;			/* teardown queued or running, under pn->lock */
	struct work_struct teardown;	/* removes /proc entries and frees, off the rule's path */
	u64 id;
	char name[XT_PKTSTAT_NAME_LEN];
	u64 period;
	u32 samples;

	struct pktstat_cpu __percpu *pcpu;
	unsigned int ncpus;		/* possible CPUs */
	struct pktstat_cpu **cpus;	/* per_cpu_ptr of each, for the reader */

	u32 epoch0;			/* clock epoch at creation */
	u64 created_ns;			/* CLOCK_REALTIME at creation */

	/*
	 * Rings only for CPUs that have been online (see pktstat_cpu_up());
	 * written under the CPU hotplug lock, read by stats.
	 */
	struct hlist_node cpuhp;	/* on the hotplug state's list */
	bool cpuhp_added;
	bool counted;			/* memory is in pn->memory */
	unsigned int ring_cpus;		/* CPUs with a ring */
	unsigned long memory;		/* bytes held, allocator rounding included */
	struct mem_cgroup *memcg;	/* pays for every ring, also later ones */

	/*
	 * read_lock: one data reader at a time, held across its copy to
	 * userspace (scratch, snaps). state_lock: the committed position
	 * (reader, cursors), changed under both; stats takes only state_lock,
	 * so a reader stuck in a page fault never blocks it.
	 */
	struct mutex read_lock;		/* one data reader at a time */
	struct mutex state_lock;	/* the committed position */
	struct pktstat_reader reader;
	struct pktstat_cursor *cursors;	/* committed reader position */
	struct pktstat_cursor *scratch;	/* a read in progress */
	struct pktstat_snap *snaps;

	struct proc_dir_entry *dir;	/* NULL while none (under pn->lock) */
};

struct pktstat_net *pktstat_pernet(struct net *net);
struct xt_pktstat_instance *pktstat_instance_get(struct net *net,
						 const struct xt_pktstat_info *info);
void pktstat_instance_put(struct net *net, struct xt_pktstat_instance *inst);

int pktstat_instance_init(void);
void pktstat_instance_exit(void);

/* Count packets on this CPU; safe from any context the hooks run in. */
static inline void pktstat_instance_count(struct xt_pktstat_instance *inst,
					  unsigned int frames, u64 len)
{
	/*
	 * A softirq on this CPU must not nest inside the update. iptables and
	 * the receive path already run with BH off; only nft hooks called from
	 * process context (OUTPUT) pay for turning it off here.
	 */
	bool bh_on = !softirq_count();

	if (bh_on)
		local_bh_disable();
	/* On PREEMPT_RT BH-off is preemptible: a reader must not spin on us. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_disable();
	pktstat_cpu_count(this_cpu_ptr(inst->pcpu), inst->period, frames, len);
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_enable();
	if (bh_on)
		local_bh_enable();
}

#endif /* PKTSTAT_INSTANCE_H */
