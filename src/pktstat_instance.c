// SPDX-License-Identifier: GPL-2.0
/* Named, refcounted pktstat instances, one list per network namespace. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "pktstat_instance.h"
#include "pktstat_proc.h"

static unsigned int pktstat_net_id __read_mostly;

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

static void pktstat_instance_free(struct xt_pktstat_instance *inst)
{
	int cpu;

	if (inst->pcpu) {
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(inst->pcpu, cpu)->ring);
		free_percpu(inst->pcpu);
	}
	kvfree(inst->cpus);
	kvfree(inst->cursors);
	kvfree(inst->scratch);
	kvfree(inst->snaps);
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
			if (!inst->dir && pktstat_proc_add(inst, pn->dir))
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
		mutex_unlock(&pn->lock);
		pktstat_instance_free(inst);
		return;
	}
	inst->tearing = false;
	mutex_unlock(&pn->lock);
}

/* Everything is charged to the caller's memory cgroup: a container's
 * CAP_NET_ADMIN can only spend its own memory.
 */
static struct xt_pktstat_instance *
pktstat_instance_alloc(const struct xt_pktstat_info *info)
{
	unsigned int n = num_possible_cpus(), i = 0;
	struct xt_pktstat_instance *inst;
	int cpu;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return NULL;
	INIT_WORK(&inst->teardown, pktstat_teardown);
	mutex_init(&inst->read_lock);
	mutex_init(&inst->state_lock);
	strscpy(inst->name, info->name, sizeof(inst->name));
	inst->period = info->period_ns;
	inst->samples = info->samples;
	inst->ncpus = n;
	inst->cpus = kvcalloc(n, sizeof(*inst->cpus), GFP_KERNEL_ACCOUNT);
	inst->cursors = kvcalloc(n, sizeof(*inst->cursors), GFP_KERNEL_ACCOUNT);
	inst->scratch = kvcalloc(n, sizeof(*inst->scratch), GFP_KERNEL_ACCOUNT);
	inst->snaps = kvcalloc(n, sizeof(*inst->snaps), GFP_KERNEL_ACCOUNT);
	inst->pcpu = alloc_percpu_gfp(struct pktstat_cpu, GFP_KERNEL_ACCOUNT);
	if (!inst->cpus || !inst->cursors || !inst->scratch || !inst->snaps ||
	    !inst->pcpu)
		goto fail;

	for_each_possible_cpu(cpu) {
		struct pktstat_cpu *c = per_cpu_ptr(inst->pcpu, cpu);
		struct pktstat_rec *ring;

		ring = kvmalloc_node(array_size(info->samples + 1, sizeof(*ring)),
				     GFP_KERNEL_ACCOUNT, cpu_to_node(cpu));
		if (!ring)
			goto fail;
		pktstat_cpu_init(c, ring, info->samples);
		inst->cpus[i++] = c;
	}
	inst->id = atomic64_inc_return(&pktstat_last_id);
	inst->created_ns = pktstat_clock_offset(&inst->epoch0) +
			   pktstat_clock_ns();
	pktstat_reader_init(&inst->reader, inst->epoch0);
	return inst;

fail:
	pktstat_instance_free(inst);
	return NULL;
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

	inst = pktstat_instance_alloc(info);
	if (!inst) {
		inst = ERR_PTR(-ENOMEM);
		goto out;
	}
	ret = pktstat_proc_add(inst, pn->dir);
	if (ret) {
		pktstat_instance_free(inst);
		inst = ERR_PTR(ret);
		goto out;
	}
	inst->pn = pn;
	inst->rules = 1;
	list_add_tail(&inst->list, &pn->instances);
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
	ret = register_pernet_subsys(&pktstat_net_ops);
	if (ret)
		destroy_workqueue(pktstat_wq);
	return ret;
}

/* Every netns exits first, which runs or flushes every teardown. */
void pktstat_instance_exit(void)
{
	unregister_pernet_subsys(&pktstat_net_ops);
	destroy_workqueue(pktstat_wq);
}
