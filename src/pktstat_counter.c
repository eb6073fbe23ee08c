// SPDX-License-Identifier: GPL-2.0
/*
 * The counter behind CLOCK_MONOTONIC, for the fast path (pktstat_core.h,
 * Counter): the TSC, while it is the timekeeper's clocksource.
 *
 * The timekeeper calls its pvclock notifiers on every update (each tick, a
 * clock set, a clocksource change, resume), under its lock and inside its
 * write section: before the update is visible to any clock read. The
 * generation changes here whenever CLOCK_MONOTONIC stops being the same
 * linear map of the TSC: a new rate (NTP), a new clocksource, or any update
 * the timekeeper flags as a set (resume restarts the map). Ticks at the same
 * rate keep the map: the timekeeper accumulates whole intervals exactly.
 * The generation is odd while the clocksource is not the TSC: the kernel
 * then no longer trusts it (unstable, not synchronised) or does not use it,
 * and neither do we; also while the parameter counter is 0 (an admin's
 * choice, applied at the timekeeper's next update, within a tick).
 */
#include <linux/clocksource.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/pvclock_gtod.h>
#include <linux/string.h>
#include <linux/timekeeper_internal.h>

#include "pktstat_kernel.h"

struct pktstat_counter_map pktstat_counter_map __read_mostly = { .gen = 1 };

#ifdef CONFIG_X86_TSC
static bool pktstat_counter_allowed = true;
module_param_named(counter, pktstat_counter_allowed, bool, 0644);
MODULE_PARM_DESC(counter,
		 "compare the TSC with window ends while it is the clocksource (default 1); 0: read the clock for every packet");

/* What the current generation was made of, under the timekeeper's lock. */
static struct clocksource *pktstat_counter_clock;
static bool pktstat_counter_was_allowed;

static int pktstat_counter_notify(struct notifier_block *nb,
				  unsigned long was_set, void *priv)
{
	const struct tk_read_base *tkr = &((struct timekeeper *)priv)->tkr_mono;
	struct pktstat_counter_map *m = &pktstat_counter_map;
	bool allowed = READ_ONCE(pktstat_counter_allowed), tsc;

	if (!was_set && tkr->clock == pktstat_counter_clock &&
	    tkr->mult == m->mult && tkr->shift == m->shift &&
	    allowed == pktstat_counter_was_allowed)
		return NOTIFY_DONE;
	/* A shift over 31 would overflow pktstat_mult_ticks(). */
	tsc = allowed && !strcmp(tkr->clock->name, "tsc") && tkr->shift <= 31;
	pktstat_counter_clock = tkr->clock;
	pktstat_counter_was_allowed = allowed;
	WRITE_ONCE(m->mult, tkr->mult);
	WRITE_ONCE(m->shift, tkr->shift);
	/* The rate before the generation (pktstat_cpu_read_clock()'s rmb). */
	smp_wmb();
	WRITE_ONCE(m->gen, (m->gen & ~1U) + (tsc ? 2 : 3));
	return NOTIFY_DONE;
}

static struct notifier_block pktstat_counter_nb = {
	.notifier_call = pktstat_counter_notify,
};

/* Registering calls the notifier at once, as a set: the first generation. */
int pktstat_counter_init(void)
{
	return pvclock_gtod_register_notifier(&pktstat_counter_nb);
}

void pktstat_counter_exit(void)
{
	pvclock_gtod_unregister_notifier(&pktstat_counter_nb);
}
#else
int pktstat_counter_init(void)
{
	return 0;
}

void pktstat_counter_exit(void)
{
}
#endif
