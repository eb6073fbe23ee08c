// SPDX-License-Identifier: GPL-2.0
/* Named, refcounted pktstat instances, one list per network namespace. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "pktstat_instance.h"
#include "pktstat_proc.h"

/*
 * Admin bounds per network namespace, as xt_recent bounds its lists: anyone
 * can reach checkentry through a user namespace. Checked when a rule adds an
 * instance; writable at run time.
 */
static unsigned int pktstat_max_instances __read_mostly = 256;
module_param_named(max_instances, pktstat_max_instances, uint, 0644);
MODULE_PARM_DESC(max_instances, "instances per network namespace (default 256)");
static unsigned int pktstat_max_memory_mb __read_mostly = 256;
module_param_named(max_memory_mb, pktstat_max_memory_mb, uint, 0644);
MODULE_PARM_DESC(max_memory_mb, "MiB the instances of one network namespace may hold (default 256)");

/*
 * Everything is charged to the memory cgroup of whoever adds the rule (so a
 * container's CAP_NET_ADMIN can only spend its own memory), and fails rather
 * than OOM-kill in that cgroup or dump a stack: the rule gets -ENOMEM.
 */
#define PKTSTAT_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static unsigned int pktstat_net_id __read_mostly;
static int pktstat_cpuhp_state __read_mostly;

/* Teardowns: one may wait long for a reader stuck in read(). */
static struct workqueue_struct *pktstat_wq;

/*
 * A recreated instance gets a new id, even across module reloads: ids start
 * from the load time in ns, so a collector never continues an old series.
 */
static atomic64_t pktstat_last_id = ATOMIC64_INIT(0);

struct pktstat_net *pktstat_pernet(struct net *net)
{
	return net_generic(net, pktstat_net_id);
}

/* What a kvmalloc() of size bytes at p holds: slab or page rounding. */
static size_t pktstat_kv_size(const void *p, size_t size)
{
	return is_vmalloc_addr(p) ? PAGE_ALIGN(size) : kmalloc_size_roundup(size);
}

static size_t pktstat_ring_bytes(const struct xt_pktstat_instance *inst)
{
	return array_size(inst->samples + 1, sizeof(struct pktstat_rec));
}

/* Under the CPU hotplug lock once counted: pn->memory follows. */
static void pktstat_account(struct xt_pktstat_instance *inst, size_t bytes)
{
	WRITE_ONCE(inst->memory, inst->memory + bytes);
	if (inst->counted)
		atomic_long_add(bytes, &inst->pn->memory);
}

static void pktstat_instance_free(struct xt_pktstat_instance *inst)
{
	int cpu;

	/* After this no hotplug callback runs for us. */
	if (inst->cpuhp_added)
		cpuhp_state_remove_instance_nocalls(pktstat_cpuhp_state,
						    &inst->cpuhp);
	if (inst->counted)
		atomic_long_sub(inst->memory, &inst->pn->memory);
	if (inst->pcpu) {
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(inst->pcpu, cpu)->ring);
		free_percpu(inst->pcpu);
	}
	kvfree(inst->cpus);
	kvfree(inst->cursors);
	kvfree(inst->scratch);
	kvfree(inst->snaps);
	mem_cgroup_put(inst->memcg);
	mutex_destroy(&inst->read_lock);
	mutex_destroy(&inst->state_lock);
	kfree(inst);
}

/*
 * Removing /proc entries waits for every reader inside read(), and a read
 * may wait on a page fault for as long as userspace likes (userfaultfd,
 * FUSE). So the last rule's destroy only queues this; it removes the
 * entries without pn->lock held, then frees the instance, or gives it its
 * entries back if a rule took it again meanwhile. A wait longer than
 * hung_task_timeout_secs makes the kernel report this worker as hung.
 */
static void pktstat_teardown(struct work_struct *work)
{
	struct xt_pktstat_instance *inst =
		container_of(work, struct xt_pktstat_instance, teardown);
	struct pktstat_net *pn = inst->pn;
	struct proc_dir_entry *dir;

	mutex_lock(&pn->lock);
	while (!pn->exiting) {
		if (inst->rules) {
			if (!inst->dir && pktstat_proc_add(inst, pn->dir, pn->net))
				pr_warn_ratelimited("instance %s: no memory to create its /proc entries again; they return when its rules are added anew\n",
						    inst->name);
			break;
		}
		if (inst->dir) {
			dir = inst->dir;
			inst->dir = NULL;
			mutex_unlock(&pn->lock);
			/* The name is free at once; this waits for readers. */
			proc_remove(dir);
			mutex_lock(&pn->lock);
			continue;
		}
		list_del(&inst->list);
		pn->ninstances--;
		mutex_unlock(&pn->lock);
		pktstat_instance_free(inst);
		return;
	}
	inst->tearing = false;
	mutex_unlock(&pn->lock);
}

/*
 * Everything but the rings. A CPU starts without a ring (capacity 0: each
 * window it closes merges into the next, counts stay in its totals) until
 * pktstat_cpu_up() gives it one.
 */
static struct xt_pktstat_instance *
pktstat_instance_alloc(const struct xt_pktstat_info *info)
{
	unsigned int n = num_possible_cpus(), i = 0;
	struct xt_pktstat_instance *inst;
	int cpu;

	inst = kzalloc(sizeof(*inst), PKTSTAT_GFP);
	if (!inst)
		return NULL;
	INIT_WORK(&inst->teardown, pktstat_teardown);
	mutex_init(&inst->read_lock);
	mutex_init(&inst->state_lock);
	strscpy(inst->name, info->name, sizeof(inst->name));
	inst->period = info->period_ns;
	inst->samples = info->samples;
	inst->ncpus = n;
	inst->memcg = get_mem_cgroup_from_mm(current->mm);
	inst->cpus = kvcalloc(n, sizeof(*inst->cpus), PKTSTAT_GFP);
	inst->cursors = kvcalloc(n, sizeof(*inst->cursors), PKTSTAT_GFP);
	inst->scratch = kvcalloc(n, sizeof(*inst->scratch), PKTSTAT_GFP);
	inst->snaps = kvcalloc(n, sizeof(*inst->snaps), PKTSTAT_GFP);
	inst->pcpu = alloc_percpu_gfp(struct pktstat_cpu, PKTSTAT_GFP);
	if (!inst->cpus || !inst->cursors || !inst->scratch || !inst->snaps ||
	    !inst->pcpu) {
		pktstat_instance_free(inst);
		return NULL;
	}
	inst->memory = kmalloc_size_roundup(sizeof(*inst)) +
		pktstat_kv_size(inst->cpus, n * sizeof(*inst->cpus)) +
		pktstat_kv_size(inst->cursors, n * sizeof(*inst->cursors)) +
		pktstat_kv_size(inst->scratch, n * sizeof(*inst->scratch)) +
		pktstat_kv_size(inst->snaps, n * sizeof(*inst->snaps)) +
		n * sizeof(struct pktstat_cpu);

	for_each_possible_cpu(cpu) {
		struct pktstat_cpu *c = per_cpu_ptr(inst->pcpu, cpu);

		pktstat_cpu_init(c, NULL, 0);
		inst->cpus[i++] = c;
	}
	inst->id = atomic64_inc_return(&pktstat_last_id);
	inst->created_ns = pktstat_clock_offset(&inst->epoch0) +
			   pktstat_clock_ns();
	pktstat_reader_init(&inst->reader, inst->epoch0);
	return inst;
}

/*
 * CPU hotplug (CPUHP_BP_PREPARE_DYN): cpu is about to come online and runs
 * nothing yet. Give it a ring unless it kept one from an earlier time online:
 * rings stay until the instance goes, so an offline CPU's queued windows and
 * totals stay readable and no ring vanishes under a reader or a writer. If
 * the memory is not there the CPU still comes up, without a ring: its windows
 * merge (overflows), its counts stay exact. pktstat_rings_add() turns that
 * into -ENOMEM while the rule is being added.
 */
static int pktstat_cpu_up(unsigned int cpu, struct hlist_node *node)
{
	struct xt_pktstat_instance *inst =
		hlist_entry(node, struct xt_pktstat_instance, cpuhp);
	struct pktstat_cpu *c = per_cpu_ptr(inst->pcpu, cpu);
	size_t size = pktstat_ring_bytes(inst);
	struct pktstat_rec *ring;
	struct mem_cgroup *old;

	if (c->ring)
		return 0;
	/* Charged to the rule's owner, not to whoever brings the CPU up. */
	old = set_active_memcg(inst->memcg);
	ring = kvmalloc_node(size, PKTSTAT_GFP, cpu_to_node(cpu));
	set_active_memcg(old);
	if (!ring) {
		if (inst->counted)
			pr_warn_ratelimited("instance %s: no memory for a queue of %zu bytes for CPU %u: its windows merge until it comes up again with memory (counts stay exact)\n",
					    inst->name, size, cpu);
		return 0;
	}
	/*
	 * A CPU without a ring never queued (head == tail == 0), and a reader
	 * looks at ring or size only once head has moved, which the CPU does
	 * after this, with a release.
	 */
	WRITE_ONCE(c->size, inst->samples + 1);
	WRITE_ONCE(c->ring, ring);
	WRITE_ONCE(inst->ring_cpus, inst->ring_cpus + 1);
	pktstat_account(inst, pktstat_kv_size(ring, size));
	return 0;
}

/* Rings for the CPUs online now, and for those that come up later. */
static int pktstat_rings_add(struct xt_pktstat_instance *inst)
{
	int cpu, ret;

	ret = cpuhp_state_add_instance(pktstat_cpuhp_state, &inst->cpuhp);
	if (ret)
		return ret;
	inst->cpuhp_added = true;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (!per_cpu_ptr(inst->pcpu, cpu)->ring)
			ret = -ENOMEM;
	cpus_read_unlock();
	return ret;
}

/* The admin bounds; inst holds all but its rings so far. */
static int pktstat_check_memory(struct pktstat_net *pn,
				const struct xt_pktstat_instance *inst)
{
	unsigned int max_mb = READ_ONCE(pktstat_max_memory_mb);
	u64 held = atomic_long_read(&pn->memory);
	/* A ring is rounded up at most to kmalloc's power of two. */
	u64 need = inst->memory + (u64)num_online_cpus() *
		kmalloc_size_roundup(pktstat_ring_bytes(inst));

	if (held + need <= (u64)max_mb << 20)
		return 0;
	pr_info_ratelimited("instance %s refused: it needs %llu KiB, this network namespace holds %llu KiB, max_memory_mb=%u (raise it in /sys/module/xt_pktstat/parameters/max_memory_mb)\n",
			    inst->name, need >> 10, held >> 10, max_mb);
	return -ENOMEM;
}

static struct xt_pktstat_instance *pktstat_find(struct pktstat_net *pn,
						const char *name)
{
	struct xt_pktstat_instance *inst;

	list_for_each_entry(inst, &pn->instances, list)
		if (!strcmp(inst->name, name))
			return inst;
	return NULL;
}

/*
 * Called from checkentry, which may sleep: all under the pernet mutex. An
 * instance whose last rule is gone stays listed until its teardown has
 * removed its /proc entries: a rule naming it meanwhile takes it back, with
 * its counters, and never registers the name a second time.
 */
struct xt_pktstat_instance *pktstat_instance_get(struct net *net,
						 const struct xt_pktstat_info *info)
{
	struct pktstat_net *pn = pktstat_pernet(net);
	struct xt_pktstat_instance *inst;
	int ret;

	mutex_lock(&pn->lock);
	inst = pktstat_find(pn, info->name);
	if (inst) {
		if (inst->period != info->period_ns ||
		    inst->samples != info->samples) {
			pr_info_ratelimited("instance %s exists with period %llu ns and %u samples; a rule cannot use it with period %llu ns and %u samples\n",
					    inst->name, inst->period,
					    inst->samples, info->period_ns,
					    info->samples);
			inst = ERR_PTR(-EINVAL);
		} else {
			/* A teardown under way puts the /proc entries back. */
			inst->rules++;
		}
		goto out;
	}

	if (pn->ninstances >= READ_ONCE(pktstat_max_instances)) {
		pr_info_ratelimited("instance %s refused: this network namespace has %u instances, max_instances=%u (raise it in /sys/module/xt_pktstat/parameters/max_instances)\n",
				    info->name, pn->ninstances,
				    READ_ONCE(pktstat_max_instances));
		inst = ERR_PTR(-E2BIG);
		goto out;
	}
	inst = pktstat_instance_alloc(info);
	if (!inst) {
		inst = ERR_PTR(-ENOMEM);
		goto out;
	}
	inst->pn = pn;
	ret = pktstat_check_memory(pn, inst);
	if (!ret)
		ret = pktstat_rings_add(inst);
	if (!ret)
		ret = pktstat_proc_add(inst, pn->dir, net);
	if (ret) {
		pktstat_instance_free(inst);
		inst = ERR_PTR(ret);
		goto out;
	}
	inst->rules = 1;
	list_add_tail(&inst->list, &pn->instances);
	pn->ninstances++;
	/* From here a CPU brought up adds its ring to pn->memory too. */
	cpus_read_lock();
	inst->counted = true;
	atomic_long_add(inst->memory, &pn->memory);
	cpus_read_unlock();
out:
	mutex_unlock(&pn->lock);
	return inst;
}

/* The tables call destroy only once no CPU can still be in the rule. */
void pktstat_instance_put(struct net *net, struct xt_pktstat_instance *inst)
{
	struct pktstat_net *pn = inst->pn;

	mutex_lock(&pn->lock);
	if (--inst->rules) {
		mutex_unlock(&pn->lock);
		return;
	}
	if (!pn->exiting) {
		if (!inst->tearing) {
			inst->tearing = true;
			queue_work(pktstat_wq, &inst->teardown);
		}
	} else if (!pn->dir) {
		/* pktstat_net_exit() is done: no /proc entry is left. */
		list_del(&inst->list);
		pn->ninstances--;
		mutex_unlock(&pn->lock);
		pktstat_instance_free(inst);
		return;
	}
	/* Else pktstat_net_exit() frees it. */
	mutex_unlock(&pn->lock);
}

static int __net_init pktstat_net_init(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);

	mutex_init(&pn->lock);
	INIT_LIST_HEAD(&pn->instances);
	pn->net = net;
	pn->exiting = false;
	pn->dir = proc_mkdir("xt_pktstat", net->proc_net);
	return pn->dir ? 0 : -ENOMEM;
}

/*
 * The tables of a dying netns may be torn down after us: drop the /proc
 * entries now, free the instances without rules, and let the last destroy
 * free the others. Like the removal of /proc/net itself, this waits for a
 * reader stuck in read().
 */
static void __net_exit pktstat_net_exit(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);
	struct xt_pktstat_instance *inst, *tmp;

	mutex_lock(&pn->lock);
	pn->exiting = true;
	mutex_unlock(&pn->lock);
	/* Teardowns change nothing once exiting is set: the list stays. */
	list_for_each_entry(inst, &pn->instances, list)
		flush_work(&inst->teardown);

	mutex_lock(&pn->lock);
	list_for_each_entry_safe(inst, tmp, &pn->instances, list) {
		proc_remove(inst->dir);
		inst->dir = NULL;
		if (!inst->rules) {
			list_del(&inst->list);
			pn->ninstances--;
			pktstat_instance_free(inst);
		}
	}
	proc_remove(pn->dir);
	pn->dir = NULL;
	mutex_unlock(&pn->lock);
}

static struct pernet_operations pktstat_net_ops = {
	.init	= pktstat_net_init,
	.exit	= pktstat_net_exit,
	.id	= &pktstat_net_id,
	.size	= sizeof(struct pktstat_net),
};

int pktstat_instance_init(void)
{
	int ret;

	atomic64_set(&pktstat_last_id, ktime_get_real_ns());
	pktstat_wq = alloc_workqueue("xt_pktstat", 0, 0);
	if (!pktstat_wq)
		return -ENOMEM;
	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN,
				      "net/xt_pktstat:prepare",
				      pktstat_cpu_up, NULL);
	if (ret < 0)
		goto err_wq;
	pktstat_cpuhp_state = ret;
	ret = register_pernet_subsys(&pktstat_net_ops);
	if (!ret)
		return 0;
	cpuhp_remove_multi_state(pktstat_cpuhp_state);
err_wq:
	destroy_workqueue(pktstat_wq);
	return ret;
}

/* Every netns exits first, which runs or flushes every teardown. */
void pktstat_instance_exit(void)
{
	unregister_pernet_subsys(&pktstat_net_ops);
	cpuhp_remove_multi_state(pktstat_cpuhp_state);
	destroy_workqueue(pktstat_wq);
}
