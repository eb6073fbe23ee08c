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
	kfree(inst);
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
	mutex_init(&inst->read_lock);
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

/* Called from checkentry, which may sleep: all under the pernet mutex. */
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
			inst->rules++;
		}
		goto out;
	}

	inst = pktstat_instance_alloc(info);
	if (!inst) {
		inst = ERR_PTR(-ENOMEM);
		goto out;
	}
	ret = pktstat_proc_add(inst, pn->dir, net);
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
	list_del(&inst->list);
	/* Waits for readers inside read(); later reads of open files get EIO. */
	pktstat_proc_remove(inst);
	mutex_unlock(&pn->lock);
	pktstat_instance_free(inst);
}

static int __net_init pktstat_net_init(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);

	mutex_init(&pn->lock);
	INIT_LIST_HEAD(&pn->instances);
	pn->dir = proc_mkdir("xt_pktstat", net->proc_net);
	return pn->dir ? 0 : -ENOMEM;
}

/*
 * The tables of a dying netns may be torn down after us: drop the /proc
 * entries now and let the last destroy free what is left.
 */
static void __net_exit pktstat_net_exit(struct net *net)
{
	struct pktstat_net *pn = pktstat_pernet(net);
	struct xt_pktstat_instance *inst;

	mutex_lock(&pn->lock);
	list_for_each_entry(inst, &pn->instances, list)
		pktstat_proc_remove(inst);
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
	atomic64_set(&pktstat_last_id, ktime_get_real_ns());
	return register_pernet_subsys(&pktstat_net_ops);
}

void pktstat_instance_exit(void)
{
	unregister_pernet_subsys(&pktstat_net_ops);
}
