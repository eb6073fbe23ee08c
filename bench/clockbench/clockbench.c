// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the cost of each clock a per-packet path could read, measured
 * in the VM at load time (pr_info lines "clockbench: NAME PS_PER_CALL").
 * The module does nothing once loaded; bench/guest.sh removes it at once.
 */
#include <linux/atomic.h>
#include <linux/bottom_half.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>

/* The module's accounting core, exactly as xt_pktstat builds it. */
#include "pktstat_kernel.h"
/* And its counter (the TSC fast path), with its timekeeper notifier. */
#include "pktstat_counter.c"

static unsigned int loops = 100000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "calls timed per clock");

static DEFINE_PER_CPU(u64, clockbench_counter);
static DEFINE_PER_CPU(struct pktstat_cpu, clockbench_core);
static struct pktstat_rec clockbench_ring[NR_CPUS > 64 ? 64 : NR_CPUS][3];
static atomic64_t clockbench_pkts, clockbench_bytes;

/* Batches per clock; the fastest counts. */
#define CLOCKBENCH_REPS		10

/* A window of 100 ms: the bench rules' period, no window crossed. */
#define CLOCKBENCH_PERIOD	100000000ULL

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
static noinline u64 cb_percpu_inc_clock(void)
{
	u64 now;

	/* As in pktstat_cpu_count(): the odd seqcount before the clock read. */
	pktstat_clock_barrier();
	now = pktstat_clock_ns();
	this_cpu_inc(clockbench_counter);
	return now;
}

static noinline u64 cb_bh_off_on(void)
{
	local_bh_disable();
	local_bh_enable();
	return 0;
}

static noinline u64 cb_smp_mb(void)
{
	/* Alone, to see its cost: what pktstat_cpu_count() orders with it. */
	smp_mb();
	return 0;
}

/* pktstat's whole per-packet path, as pktstat_instance_count() runs it. */
static noinline u64 cb_pktstat_count(void)
{
	local_bh_disable();
	pktstat_cpu_count(this_cpu_ptr(&clockbench_core), CLOCKBENCH_PERIOD, 1, 60);
	local_bh_enable();
	return 0;
}

/* The same core without the BH toggle (a caller already in BH context). */
static noinline u64 cb_pktstat_core(void)
{
	pktstat_cpu_count(this_cpu_ptr(&clockbench_core), CLOCKBENCH_PERIOD, 1, 60);
	return 0;
}

/* The core as it runs with no counter (another clocksource): see init. */
static noinline u64 cb_pktstat_core_clock(void)
{
	pktstat_cpu_count(this_cpu_ptr(&clockbench_core), CLOCKBENCH_PERIOD, 1, 60);
	return 0;
}

/* What xt_nfacct does per packet: two atomic adds on a shared object. */
static noinline u64 cb_nfacct_like(void)
{
	atomic64_inc(&clockbench_pkts);
	atomic64_add(60, &clockbench_bytes);
	return 0;
}

struct clockbench_case {
	const char *name;
	u64 (*fn)(void);
	bool irqs_off_ok;	/* may also run on every CPU at once, in IPI context */
	bool no_counter;	/* run with the counter's generation odd */
};

static const struct clockbench_case clockbench_cases[] = {
	{ "empty_call", cb_empty, true },
	{ "ktime_get_real_ns", cb_real, true },
	{ "ktime_get_real_fast_ns", cb_real_fast, true },
	{ "ktime_get_ns", cb_mono, true },
	{ "ktime_get_mono_fast_ns", cb_mono_fast, true },
	{ "local_clock", cb_local_clock, true },
	{ "get_cycles", cb_cycles, true },
	{ "percpu_inc", cb_percpu_inc, true },
	{ "clock_barrier+mono_ns+percpu_inc", cb_percpu_inc_clock, true },
	{ "local_bh_disable+enable", cb_bh_off_on, false },
	{ "smp_mb", cb_smp_mb, true },
	{ "pktstat_count(bh+core)", cb_pktstat_count, false },
	{ "pktstat_core", cb_pktstat_core, true },
	{ "pktstat_core_no_counter", cb_pktstat_core_clock, true, true },
	{ "nfacct_like_2_atomic64", cb_nfacct_like, true },
};

/* One batch on this CPU: ns for loops / CLOCKBENCH_REPS calls. */
static u64 clockbench_batch(const struct clockbench_case *c, u64 *sink)
{
	unsigned int n;
	u64 t0, t1;

	t0 = ktime_get_mono_fast_ns();
	for (n = 0; n < loops / CLOCKBENCH_REPS; n++)
		*sink += c->fn();
	t1 = ktime_get_mono_fast_ns();
	return t1 - t0;
}

struct clockbench_all {
	const struct clockbench_case *c;
	u64 ns[64];		/* per CPU, the first 64 */
	u64 sink[64];
};

static void clockbench_on_cpu(void *arg)
{
	struct clockbench_all *a = arg;
	unsigned int cpu = smp_processor_id() % 64;

	a->ns[cpu] = clockbench_batch(a->c, &a->sink[cpu]);
}

static struct clockbench_all clockbench_all_state;

static int __init clockbench_init(void)
{
	struct clockbench_all *a = &clockbench_all_state;
	unsigned int i, rep, cpu, ncpu = min(num_online_cpus(), 64U);
	u64 sink = 0;

	if (loops < CLOCKBENCH_REPS)
		return -EINVAL;
	if (pktstat_counter_init())
		return -EINVAL;
	pr_info("clockbench: counter %s\n",
		pktstat_counter_gen() & 1 ? "none" : "tsc");
	for_each_possible_cpu(i)
		pktstat_cpu_init(per_cpu_ptr(&clockbench_core, i),
				 clockbench_ring[i % ARRAY_SIZE(clockbench_ring)], 2);
	for (i = 0; i < ARRAY_SIZE(clockbench_cases); i++) {
		const struct clockbench_case *c = &clockbench_cases[i];
		u64 solo = U64_MAX, all = U64_MAX, sum;

		/* No notifier while it runs, so nothing makes it even again. */
		if (c->no_counter) {
			pktstat_counter_exit();
			WRITE_ONCE(pktstat_counter_map.gen,
				   pktstat_counter_map.gen | 1);
		}

		/*
		 * The guest's clock runs while the host deschedules its vCPU:
		 * the fastest of several batches is the one least disturbed.
		 * "all": every online CPU runs a batch at the same time (IPI
		 * context), to show what contends between CPUs.
		 */
		for (rep = 0; rep < CLOCKBENCH_REPS; rep++) {
			preempt_disable();
			solo = min(solo, clockbench_batch(c, &sink));
			preempt_enable();
			if (c->irqs_off_ok) {
				a->c = c;
				on_each_cpu(clockbench_on_cpu, a, 1);
				sum = 0;
				for (cpu = 0; cpu < ncpu; cpu++)
					sum += a->ns[cpu];
				all = min(all, div_u64(sum, ncpu));
			}
			cond_resched();
		}
		if (c->no_counter && pktstat_counter_init())
			return -EINVAL;
		pr_info("clockbench: %s %llu %lld\n", c->name,
			div_u64(solo * 1000, loops / CLOCKBENCH_REPS),
			c->irqs_off_ok ?
			(s64)div_u64(all * 1000, loops / CLOCKBENCH_REPS) : -1LL);
	}
	pr_info("clockbench: done %llu %u\n", (sink + a->sink[0]) & 1, ncpu);
	return 0;
}

static void __exit clockbench_exit(void)
{
	pktstat_counter_exit();
}

module_init(clockbench_init);
module_exit(clockbench_exit);
MODULE_DESCRIPTION("xt_pktstat benchmark: cost of kernel clock reads");
MODULE_LICENSE("GPL");
