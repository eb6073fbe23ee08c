// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: an always-true match that counts frames and bytes per fixed
 * time window and hands closed windows out through /proc/net/xt_pktstat/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "pktstat_instance.h"

static bool pktstat_mt(const struct sk_buff *skb, struct xt_action_param *par)
{
	const struct xt_pktstat_info *info = par->matchinfo;

	pktstat_instance_count(info->inst, skb->len);
	return true;
}

/* Trust nothing userspace sent: every field is checked here. */
static int pktstat_check_info(const struct xt_pktstat_info *info)
{
	const char *why;

	if (info->period_ns < XT_PKTSTAT_PERIOD_MIN_NS ||
	    info->period_ns > XT_PKTSTAT_PERIOD_MAX_NS) {
		pr_info_ratelimited("period %llu ns out of range: allowed %llu to %llu ns\n",
				    info->period_ns, XT_PKTSTAT_PERIOD_MIN_NS,
				    XT_PKTSTAT_PERIOD_MAX_NS);
		return -EINVAL;
	}
	if (info->samples < XT_PKTSTAT_SAMPLES_MIN ||
	    info->samples > XT_PKTSTAT_SAMPLES_MAX) {
		pr_info_ratelimited("samples %u out of range: allowed %u to %u\n",
				    info->samples, XT_PKTSTAT_SAMPLES_MIN,
				    XT_PKTSTAT_SAMPLES_MAX);
		return -EINVAL;
	}
	if (info->flags) {
		pr_info_ratelimited("flags 0x%x unknown: must be 0\n",
				    info->flags);
		return -EINVAL;
	}
	why = pktstat_check_name(info->name, sizeof(info->name));
	if (why) {
		pr_info_ratelimited("%s: \"%*pE\" (allowed: 1 to %u of [A-Za-z0-9_.-], not starting with '.')\n",
				    why,
				    (int)strnlen(info->name, sizeof(info->name)),
				    info->name, XT_PKTSTAT_NAME_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

static int pktstat_mt_check(const struct xt_mtchk_param *par)
{
	struct xt_pktstat_info *info = par->matchinfo;
	struct xt_pktstat_instance *inst;
	int ret;

	ret = pktstat_check_info(info);
	if (ret)
		return ret;
	inst = pktstat_instance_get(par->net, info);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	info->inst = inst;
	return 0;
}

static void pktstat_mt_destroy(const struct xt_mtdtor_param *par)
{
	struct xt_pktstat_info *info = par->matchinfo;

	pktstat_instance_put(par->net, info->inst);
}

static struct xt_match pktstat_mt_reg __read_mostly = {
	.name		= "pktstat",
	.revision	= 0,
	.family		= NFPROTO_UNSPEC,
	.match		= pktstat_mt,
	.checkentry	= pktstat_mt_check,
	.destroy	= pktstat_mt_destroy,
	.matchsize	= sizeof(struct xt_pktstat_info),
	.usersize	= offsetof(struct xt_pktstat_info, inst),
	.me		= THIS_MODULE,
};

static int __init pktstat_mt_init(void)
{
	int ret;

	ret = pktstat_instance_init();
	if (ret)
		return ret;
	ret = xt_register_match(&pktstat_mt_reg);
	if (ret)
		pktstat_instance_exit();
	return ret;
}

static void __exit pktstat_mt_exit(void)
{
	xt_unregister_match(&pktstat_mt_reg);
	pktstat_instance_exit();
}

module_init(pktstat_mt_init);
module_exit(pktstat_mt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xtables: frames and bytes per fixed time window");
MODULE_ALIAS("ipt_pktstat");
MODULE_ALIAS("ip6t_pktstat");
#ifdef PKTSTAT_VERSION
MODULE_VERSION(PKTSTAT_VERSION);
#endif
