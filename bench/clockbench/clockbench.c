// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the cost of each clock a per-packet path could read, measured
 * in the VM at load time (pr_info lines "clockbench: NAME PS_PER_CALL").
 * The module does nothing once loaded; bench/guest.sh removes it at once.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>

static unsigned int loops = 100000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "calls timed per clock");

static DEFINE_PER_CPU(u64, clockbench_counter);

static noinline u64 cb_empty(void)
{
	return 0;
}

static noinline u64 cb_real(void)
{
	return ktime_get_real_ns();
}

static noinline u64 cb_real_fast(void)
{
	return ktime_get_real_fast_ns();
}

static noinline u64 cb_mono(void)
{
	return ktime_get_ns();
}

static noinline u64 cb_mono_fast(void)
{
	return ktime_get_mono_fast_ns();
}

static noinline u64 cb_local_clock(void)
{
	return local_clock();
}

static noinline u64 cb_cycles(void)
{
	return get_cycles();
}

static noinline u64 cb_percpu_inc(void)
{
	this_cpu_inc(clockbench_counter);
	return 0;
}

/* What pktstat's fast path adds to a bare counter: the clock and barriers. */
static noinline u64 cb_percpu_inc_real_mb(void)
{
	u64 now;

	/* As in pktstat_cpu_count(): the odd seqcount before the clock read. */
	smp_mb();
	now = ktime_get_real_ns();
	this_cpu_inc(clockbench_counter);
	return now;
}

struct clockbench_case {
	const char *name;
	u64 (*fn)(void);
};

static const struct clockbench_case clockbench_cases[] = {
	{ "empty_call", cb_empty },
	{ "ktime_get_real_ns", cb_real },
	{ "ktime_get_real_fast_ns", cb_real_fast },
	{ "ktime_get_ns", cb_mono },
	{ "ktime_get_mono_fast_ns", cb_mono_fast },
	{ "local_clock", cb_local_clock },
	{ "get_cycles", cb_cycles },
	{ "percpu_inc", cb_percpu_inc },
	{ "smp_mb+real_ns+percpu_inc", cb_percpu_inc_real_mb },
};

static int __init clockbench_init(void)
{
	unsigned int i, n;
	u64 t0, t1, sink = 0;

	if (!loops)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(clockbench_cases); i++) {
		const struct clockbench_case *c = &clockbench_cases[i];

		preempt_disable();
		t0 = ktime_get_mono_fast_ns();
		for (n = 0; n < loops; n++)
			sink += c->fn();
		t1 = ktime_get_mono_fast_ns();
		preempt_enable();
		pr_info("clockbench: %s %llu\n", c->name,
			div_u64((t1 - t0) * 1000, loops));
		cond_resched();
	}
	pr_info("clockbench: done %llu\n", sink & 1);
	return 0;
}

static void __exit clockbench_exit(void)
{
}

module_init(clockbench_init);
module_exit(clockbench_exit);
MODULE_DESCRIPTION("xt_pktstat benchmark: cost of kernel clock reads");
MODULE_LICENSE("GPL");
