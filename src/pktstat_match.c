// SPDX-License-Identifier: GPL-2.0
/*
 * xt_pktstat: an always-true match that counts frames and bytes per fixed
 * time window and hands closed windows out through /proc/net/xt_pktstat/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/ipv6.h>
#include <linux/math.h>
#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ipv6.h>

#include "pktstat_instance.h"

/*
 * The headers each segment of a GSO skb repeats, from the network header
 * (skb->data at every netfilter hook) through the transport header, inner
 * ones for a tunnel; 0 if unknown. As qdisc_pkt_len_init() computes them,
 * except that the offset is the network layer's, not the link layer's, that
 * IPv6 extension headers are walked (on receive the transport header points
 * right after the fixed IPv6 header until the stack parses them), and that
 * tunnels count up to the inner transport header (as newer kernels' qdisc
 * accounting does; 6.1 and 6.12 stop at the outer one). GSO types other than
 * TCP and UDP (SCTP, ESP) count only the headers before their transport
 * header, as qdisc accounting does.
 */
static unsigned int pktstat_gso_hdr_len(const struct sk_buff *skb, u8 family)
{
	unsigned int gso_type = skb_shinfo(skb)->gso_type;
	int off;

	if (skb->encapsulation) {
		off = skb_inner_transport_offset(skb);
	} else if (family == NFPROTO_IPV6) {
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;

		off = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
				       sizeof(struct ipv6hdr), &nexthdr,
				       &frag_off);
	} else if (skb_transport_header_was_set(skb)) {
		off = skb_transport_offset(skb);
	} else {
		return 0;
	}
	if (off <= 0)
		return 0;

	if (likely(gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6))) {
		const struct tcphdr *th;
		struct tcphdr _th;

		th = skb_header_pointer(skb, off, sizeof(_th), &_th);
		if (likely(th))
			off += __tcp_hdrlen(th);
	} else if (gso_type & SKB_GSO_UDP_L4) {
		off += sizeof(struct udphdr);
	}
	return off;
}

/*
 * A GSO skb (GRO on receive, TSO/GSO on output) is gso_segs packets on the
 * wire, each with its own copy of the headers: count them as the kernel's
 * qdisc accounting does. Returns the frames, adds the repeated headers to
 * *bytes.
 */
static unsigned int pktstat_gso_frames(const struct sk_buff *skb, u8 family,
				       u64 *bytes)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int hdr_len = pktstat_gso_hdr_len(skb, family);
	unsigned int segs = shinfo->gso_segs;

	/* Untrusted sources (virtio, tap, packet sockets) leave it to us. */
	if (unlikely(!segs || (shinfo->gso_type & SKB_GSO_DODGY))) {
		/* A GSO skb with no payload is malformed: one frame. */
		if (skb->len <= hdr_len)
			return 1;
		segs = DIV_ROUND_UP(skb->len - hdr_len, shinfo->gso_size);
	}
	*bytes += (u64)(segs - 1) * hdr_len;
	return segs;
}

/*
 * Out of line: inlined into pktstat_mt(), its header buffer and the address
 * of bytes made every packet pay for saved registers and a stack canary.
 */
static noinline void pktstat_count_gso(struct xt_pktstat_instance *inst,
				       const struct sk_buff *skb, u8 family)
{
	u64 bytes = skb->len;
	unsigned int frames = pktstat_gso_frames(skb, family, &bytes);

	pktstat_instance_count(inst, frames, bytes);
}

static bool pktstat_mt(const struct sk_buff *skb, struct xt_action_param *par)
{
	const struct xt_pktstat_info *info = par->matchinfo;

	if (unlikely(skb_is_gso(skb)))
		pktstat_count_gso(info->inst, skb, xt_family(par));
	else
		pktstat_instance_count(info->inst, 1, skb->len);
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

	ret = pktstat_counter_init();
	if (ret)
		return ret;
	ret = pktstat_instance_init();
	if (ret)
		goto err_counter;
	ret = xt_register_match(&pktstat_mt_reg);
	if (!ret)
		return 0;
	pktstat_instance_exit();
err_counter:
	pktstat_counter_exit();
	return ret;
}

static void __exit pktstat_mt_exit(void)
{
	xt_unregister_match(&pktstat_mt_reg);
	pktstat_instance_exit();
	pktstat_counter_exit();
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
