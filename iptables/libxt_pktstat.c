// SPDX-License-Identifier: GPL-2.0
/*
 * libxt_pktstat: xtables extension for the "pktstat" match, which counts
 * frames and bytes per fixed time window (see doc/DEVELOPING.md).
 *
 * iptables and ip6tables, legacy and nft (through nft_compat: there is no
 * native nft expression, so no .xlate).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <xtables.h>
#include <linux/netfilter/xt_pktstat.h>
#include "pktstat_opts.h"

#define PROC_DIR "/proc/net/xt_pktstat/"

enum {
	O_PERIOD = 0,
	O_SAMPLES,
	O_NAME,
};

/*
 * Plain strings: libxtables only enforces "at most once" for us; the
 * values are parsed here so every error names the value and the range.
 */
static const struct xt_option_entry pktstat_opts[] = {
	{ .name = "period",  .id = O_PERIOD,  .type = XTTYPE_STRING },
	{ .name = "samples", .id = O_SAMPLES, .type = XTTYPE_STRING },
	{ .name = "name",    .id = O_NAME,    .type = XTTYPE_STRING },
	XTOPT_TABLEEND,
};

static void pktstat_help(void)
{
	char dp[PKTSTAT_PERIOD_STRLEN], lo[PKTSTAT_PERIOD_STRLEN];
	char hi[PKTSTAT_PERIOD_STRLEN];

	pktstat_format_period(PKTSTAT_DEFAULT_PERIOD_NS, dp);
	pktstat_format_period(XT_PKTSTAT_PERIOD_MIN_NS, lo);
	pktstat_format_period(XT_PKTSTAT_PERIOD_MAX_NS, hi);
	printf(
"pktstat match options (always matches; counts frames and bytes per window):\n"
"  --period TIME    window length, %s to %s (default %s);\n"
"                   units ns, us, ms, s; a bare number means ms\n"
"                   (--period 100 = 100ms); \"1.5ms\" is accepted\n"
"                   when it is a whole number of ns\n"
"  --samples N      closed windows queued per CPU, %u to %u (default %u)\n"
"  --name NAME      instance: /proc/net/xt_pktstat/NAME/{data,stats};\n"
"                   1 to %u characters of A-Z a-z 0-9 _ . -, not\n"
"                   starting with '.' (default: lowest free number,\n"
"                   0, 1, ...). Rules with the same name share counts.\n"
"  '!' is not supported by any option; each may be given once.\n",
	       lo, hi, dp,
	       XT_PKTSTAT_SAMPLES_MIN, XT_PKTSTAT_SAMPLES_MAX,
	       PKTSTAT_DEFAULT_SAMPLES, (unsigned int)XT_PKTSTAT_NAME_LEN - 1);
}

static void pktstat_init(struct xt_entry_match *m)
{
	struct xt_pktstat_info *info = (void *)m->data;

	info->period_ns = PKTSTAT_DEFAULT_PERIOD_NS;
	info->samples = PKTSTAT_DEFAULT_SAMPLES;
}

static void pktstat_parse(struct xt_option_call *cb)
{
	struct xt_pktstat_info *info = cb->data;
	char err[PKTSTAT_ERRLEN];
	/*
	 * Set only on success, and only read then; gcc 12 with LTO cannot
	 * see that through pktstat_parse_period() (-Wmaybe-uninitialized).
	 */
	uint64_t period = 0;
	int ret = 0;

	/* Say why, rather than libxtables' generic "cannot be inverted". */
	if (cb->invert)
		xtables_error(PARAMETER_PROBLEM,
			      "pktstat: \"! --%s\": pktstat always matches "
			      "and cannot be inverted", cb->entry->name);
	xtables_option_parse(cb);

	switch (cb->entry->id) {
	case O_PERIOD:
		/* Via a local: __aligned_u64 is not uint64_t everywhere. */
		ret = pktstat_parse_period(cb->arg, &period, err, sizeof(err));
		if (ret == 0)
			info->period_ns = period;
		break;
	case O_SAMPLES:
		ret = pktstat_parse_samples(cb->arg, &info->samples,
					    err, sizeof(err));
		break;
	case O_NAME:
		ret = pktstat_check_name(cb->arg, err, sizeof(err));
		if (ret == 0) {
			memset(info->name, 0, sizeof(info->name));
			memcpy(info->name, cb->arg, strlen(cb->arg));
			/* Keep later unnamed rules off an explicit "3". */
			pktstat_note_name(info->name);
		}
		break;
	}
	if (ret != 0)
		xtables_error(PARAMETER_PROBLEM, "%s", err);
}

static bool proc_taken(const char *name, void *arg)
{
	char path[sizeof(PROC_DIR) + XT_PKTSTAT_NAME_LEN];
	struct stat st;

	(void)arg;
	snprintf(path, sizeof(path), PROC_DIR "%s", name);
	if (stat(path, &st) == 0)
		return true;
	/* No module loaded yet, or no such instance: free. */
	return errno != ENOENT && errno != ENOTDIR;
}

static void pktstat_check(struct xt_fcheck_call *cb)
{
	struct xt_pktstat_info *info = cb->data;
	char err[PKTSTAT_ERRLEN];

	/* The kernel refuses an empty name: always send one. */
	if (cb->xflags & (1U << O_NAME))
		return;
	if (pktstat_pick_name(proc_taken, NULL, info->name,
			      err, sizeof(err)) != 0)
		xtables_error(PARAMETER_PROBLEM, "%s", err);
}

/* Bounded: data read back from the kernel is trusted only so far. */
static void pktstat_show(const struct xt_pktstat_info *info, const char *pfx)
{
	char period[PKTSTAT_PERIOD_STRLEN];

	pktstat_format_period(info->period_ns, period);
	printf(" %speriod %s %ssamples %u %sname %.*s", pfx, period,
	       pfx, info->samples, pfx,
	       (int)strnlen(info->name, sizeof(info->name)), info->name);
}

static void pktstat_print(const void *ip, const struct xt_entry_match *match,
			  int numeric)
{
	(void)ip;
	(void)numeric;
	printf(" pktstat");
	pktstat_show((const void *)match->data, "");
}

static void pktstat_save(const void *ip, const struct xt_entry_match *match)
{
	(void)ip;
	pktstat_show((const void *)match->data, "--");
}

static struct xtables_match pktstat_match = {
	.family		= NFPROTO_UNSPEC,
	.name		= "pktstat",
	.revision	= 0,
	.version	= XTABLES_VERSION,
	.size		= XT_ALIGN(sizeof(struct xt_pktstat_info)),
	/* The kernel-private instance pointer is not compared or saved. */
	.userspacesize	= offsetof(struct xt_pktstat_info, inst),
	.help		= pktstat_help,
	.init		= pktstat_init,
	.print		= pktstat_print,
	.save		= pktstat_save,
	.x6_parse	= pktstat_parse,
	.x6_fcheck	= pktstat_check,
	.x6_options	= pktstat_opts,
};

/*
 * libxtables dlopen()s libxt_pktstat.so and expects it to register itself;
 * iptables' in-tree build names this _init via -D_INIT, which would clash
 * with the C runtime's _init out of tree, so use a constructor.
 */
static void __attribute__((constructor)) pktstat_ldr(void)
{
	xtables_register_match(&pktstat_match);
}
