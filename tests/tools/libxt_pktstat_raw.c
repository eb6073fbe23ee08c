// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only stand-in for libxt_pktstat.so that sends the kernel whatever
 * it is told, unchecked, so the VM suites can prove the module's own
 * checkentry refuses bad input from an old or hostile userspace:
 *   --period-ns N    any u64        --samples N    any u32
 *   --flags N        any u32        --name-raw S   up to 32 bytes, copied
 *                                   as is: 32 characters leave no NUL
 * Never installed; the VM puts it in its own XTABLES_LIBDIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xtables.h>
#include <linux/netfilter/xt_pktstat.h>

enum { O_PERIOD, O_SAMPLES, O_FLAGS, O_NAME };

static const struct xt_option_entry raw_opts[] = {
	{ .name = "period-ns", .id = O_PERIOD, .type = XTTYPE_STRING },
	{ .name = "samples", .id = O_SAMPLES, .type = XTTYPE_STRING },
	{ .name = "flags", .id = O_FLAGS, .type = XTTYPE_STRING },
	{ .name = "name-raw", .id = O_NAME, .type = XTTYPE_STRING },
	XTOPT_TABLEEND,
};

static void raw_help(void)
{
	printf("pktstat (raw, tests only): --period-ns N --samples N --flags N --name-raw S\n");
}

/* Valid defaults, so each test breaks exactly one field. */
static void raw_init(struct xt_entry_match *m)
{
	struct xt_pktstat_info *info = (void *)m->data;

	info->period_ns = 1000000;
	info->samples = 16;
	strcpy(info->name, "raw");
}

static void raw_parse(struct xt_option_call *cb)
{
	struct xt_pktstat_info *info = cb->data;
	size_t len;

	xtables_option_parse(cb);
	switch (cb->entry->id) {
	case O_PERIOD:
		info->period_ns = strtoull(cb->arg, NULL, 0);
		break;
	case O_SAMPLES:
		info->samples = (uint32_t)strtoul(cb->arg, NULL, 0);
		break;
	case O_FLAGS:
		info->flags = (uint32_t)strtoul(cb->arg, NULL, 0);
		break;
	case O_NAME:
		len = strlen(cb->arg);
		memset(info->name, 0, sizeof(info->name));
		memcpy(info->name, cb->arg,
		       len < sizeof(info->name) ? len : sizeof(info->name));
		break;
	}
}

static struct xtables_match raw_match = {
	.family		= NFPROTO_UNSPEC,
	.name		= "pktstat",
	.revision	= 0,
	.version	= XTABLES_VERSION,
	.size		= XT_ALIGN(sizeof(struct xt_pktstat_info)),
	.userspacesize	= offsetof(struct xt_pktstat_info, inst),
	.help		= raw_help,
	.init		= raw_init,
	.x6_parse	= raw_parse,
	.x6_options	= raw_opts,
};

static void __attribute__((constructor)) raw_ldr(void)
{
	xtables_register_match(&raw_match);
}
