// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, native part: what one packet costs on this machine's own CPUs,
 * in userspace, no VM (bench/native/run.sh). The accounting core is the one
 * the module builds (src/pktstat_core.h, through the unit tests' fixture)
 * with x86 kernel primitives where they differ from the tests' ones:
 *   pktstat_clock_barrier(): smp_mb() as x86 Linux builds it (a locked add
 *     on the stack), not the tests' MFENCE;
 *   pktstat_clock_ns(): CLOCK_MONOTONIC through the vDSO, the userspace twin
 *     of ktime_get_ns() (both read the TSC with rdtsc_ordered() here);
 *   the counter (pktstat_core.h, Counter): lfence;rdtsc as rdtsc_ordered(),
 *     ticks from the TSC rate calibrated against CLOCK_MONOTONIC, 0.1 %
 *     early (userspace cannot see the timekeeper's mult and shift); in use
 *     for the cases "core" and "rules10_each", not for their "_clock" twins,
 *     which time the path every packet took before it (a clock read per
 *     packet) with the same code;
 *   READ_ONCE/WRITE_ONCE (relaxed atomics) and smp_wmb() (a compiler
 *     barrier) compile to what the kernel's do on x86.
 * The clock never steps during a run (the epoch stays 0).
 *
 *   native_bench [-n OPS] [-r REPS] [-t "1 2 ..."] [-c CASE]
 *
 * For each thread count, each case runs REPS times: the threads, pinned one
 * per CPU, start together and each does OPS operations; a run's figure is
 * the slowest thread's ns / OPS. Prints "case,threads,median_ns,min_ns,
 * max_ns,what" per case and thread count (CSV on stdout, no comma in
 * what), then checks that every counter holds exactly the operations done
 * (the pktstat ones through the reader, every window closed): exit 1 if not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CORE_USER_OWN_CLOCK
#define CORE_USER_OWN_COUNTER
/* x86 smp_mb(): a locked no-op add, which drains the store buffer. */
#define pktstat_clock_barrier() \
	__asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
static inline uint64_t pktstat_clock_ns(void);
static inline uint32_t pktstat_counter_gen(void);
static inline uint64_t pktstat_counter(void);
static inline uint64_t pktstat_counter_ticks(uint64_t ns);

#include "../../tests/unit/fixture.h"
#include "shared_clock.h"

CORE_USER_CLOCK;

#define MAX_THREADS	64
#define NRULES		10
#define PERIOD		100000000ULL	/* 100 ms windows, as the VM bench rules */
#define LEN		60		/* bytes per packet */
#define RING		4096		/* closed windows a CPU may queue */

static inline u64 clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static inline uint64_t pktstat_clock_ns(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

static inline u64 rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* TSC ticks per ns in 32.32 fixed point, calibrated once. */
static u64 tsc_per_ns_q32;

/* The kernel's rdtsc_ordered() on CPUs with LFENCE_RDTSC. */
static inline u64 rdtsc_lfence(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (u64)hi << 32 | lo;
}

/* The kernel's rdtsc_ordered() on CPUs with RDTSCP. */
static inline u64 rdtscp(void)
{
	unsigned int lo, hi, aux;

	__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux) :: "memory");
	return (u64)hi << 32 | lo;
}

/* What every CPU shares: nfacct's two counters, the 2011 module's lock. */
static struct {
	u64 pkts, bytes;		/* nfacct-like */
} shared_acct PKTSTAT_CACHELINE_ALIGNED;
static struct {
	int lock;
	u64 frames, bytes;
} shared_spin PKTSTAT_CACHELINE_ALIGNED;

/* The counter's generation, as the module's: 2 in use, 1 not (per case). */
static u32 counter_gen PKTSTAT_CACHELINE_ALIGNED = 2;

static inline u32 pktstat_counter_gen(void)
{
	return PKTSTAT_READ_ONCE(counter_gen);
}

static inline u64 pktstat_counter(void)
{
	return rdtsc_lfence();
}

/* Calibrated, then 0.1 % early for the rate's error (NTP slews 500 ppm). */
static inline u64 pktstat_counter_ticks(u64 ns)
{
	u64 t = (u64)(((unsigned __int128)ns * tsc_per_ns_q32) >> 32);

	return t - t / 1024;
}
/* Item 2, second model: readers make it odd while they read (shared_clock.h). */
static u32 read_gen PKTSTAT_CACHELINE_ALIGNED;

/* One CPU's own state; no two threads share a cache line. */
struct ctx {
	u64 frames, bytes, last;	/* the bare per-CPU counter */
	u32 rules_seq;			/* item 2: one sequence for all rules */
	struct pktstat_cpu *core, *core_clock;
	struct pktstat_cpu *each[NRULES], *each_clock[NRULES];
	struct pktstat_cpu *one[NRULES], *gen[NRULES];
	struct shared_clock sc;		/* item 2 gen model */
	unsigned int cpu;
	unsigned long ops;
	u64 ns;
} PKTSTAT_CACHELINE_ALIGNED;

static inline void bare_add(struct ctx *x)
{
	PKTSTAT_WRITE_ONCE(x->frames, x->frames + 1);
	PKTSTAT_WRITE_ONCE(x->bytes, x->bytes + LEN);
}

/* Item 2 modelled: one barrier and one clock read serve every rule. */
static inline void rules_shared(struct ctx *x)
{
	u32 seq = x->rules_seq;
	u64 now;
	int r;

	PKTSTAT_WRITE_ONCE(x->rules_seq, seq + 1);
	pktstat_clock_barrier();
	now = pktstat_clock_ns();
	for (r = 0; r < NRULES; r++)
		shared_clock_add(x->one[r], PERIOD, now, LEN);
	pktstat_smp_wmb();
	PKTSTAT_WRITE_ONCE(x->rules_seq, seq + 2);
}

/* Item 2, second model (shared_clock.h): one clock read while no reader starts. */
static inline void rules_gen(struct ctx *x)
{
	int r;

	for (r = 0; r < NRULES; r++)
		shared_clock_count(&x->sc, &read_gen, x->gen[r], PERIOD, LEN, !r);
}

static inline void spin_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

/* One loop per case, the operation inlined into it. */
#define CASE(fn, op)							\
	static __attribute__((noinline)) void fn(struct ctx *x)	\
	{								\
		unsigned long i;					\
									\
		for (i = 0; i < x->ops; i++) {				\
			op;						\
		}							\
	}

CASE(run_bare, bare_add(x))
CASE(run_real, bare_add(x); x->last = clock_of(CLOCK_REALTIME))
CASE(run_mono, bare_add(x); x->last = clock_of(CLOCK_MONOTONIC))
CASE(run_mb_mono, pktstat_clock_barrier(); x->last = clock_of(CLOCK_MONOTONIC);
     bare_add(x))
CASE(run_mb_tsc, pktstat_clock_barrier(); x->last = rdtsc_lfence(); bare_add(x))
CASE(run_core, pktstat_cpu_count(x->core, PERIOD, 1, LEN))
CASE(run_core_clock, pktstat_cpu_count(x->core_clock, PERIOD, 1, LEN))
CASE(run_nfacct, __atomic_fetch_add(&shared_acct.pkts, 1, __ATOMIC_RELAXED);
     __atomic_fetch_add(&shared_acct.bytes, LEN, __ATOMIC_RELAXED))
CASE(run_spin, spin_lock(&shared_spin.lock);
     PKTSTAT_WRITE_ONCE(shared_spin.frames, shared_spin.frames + 1);
     PKTSTAT_WRITE_ONCE(shared_spin.bytes, shared_spin.bytes + LEN);
     __atomic_store_n(&shared_spin.lock, 0, __ATOMIC_RELEASE))
CASE(run_mb, pktstat_clock_barrier())
CASE(run_ts_real, x->last += clock_of(CLOCK_REALTIME))
CASE(run_ts_mono, x->last += clock_of(CLOCK_MONOTONIC))
CASE(run_ts_rdtsc, x->last += rdtsc())
CASE(run_ts_lfence, x->last += rdtsc_lfence())
CASE(run_ts_rdtscp, x->last += rdtscp())
CASE(run_rules_each, for (int r = 0; r < NRULES; r++)
	     pktstat_cpu_count(x->each[r], PERIOD, 1, LEN))
CASE(run_rules_each_clock, for (int r = 0; r < NRULES; r++)
	     pktstat_cpu_count(x->each_clock[r], PERIOD, 1, LEN))
CASE(run_rules_shared, rules_shared(x))
CASE(run_rules_gen, rules_gen(x))

/* Which counter a case adds to, for the final check. */
enum counted { NONE, BARE, CORE, CORE_CLOCK, ACCT, SPIN, EACH, EACH_CLOCK,
	       ONE, GEN, NCOUNTED };

static const struct bench_case {
	const char *name;
	void (*fn)(struct ctx *x);
	enum counted counts;
	const char *what;
} cases[] = {
	{ "bare_add", run_bare, BARE, "bare per-CPU add (frames and bytes)" },
	{ "add_real", run_real, BARE, "per-CPU add + clock_gettime(REALTIME)" },
	{ "add_mono", run_mono, BARE, "per-CPU add + clock_gettime(MONOTONIC)" },
	{ "add_mb_mono", run_mb_mono, BARE, "per-CPU add + smp_mb + clock_gettime(MONOTONIC)" },
	{ "add_mb_lfence_rdtsc", run_mb_tsc, BARE, "per-CPU add + smp_mb + lfence;rdtsc" },
	{ "core", run_core, CORE, "pktstat core (pktstat_cpu_count) in 100 ms windows, counter in use" },
	{ "core_clock", run_core_clock, CORE_CLOCK, "the same core with no counter: a clock read per packet (the path before)" },
	{ "nfacct", run_nfacct, ACCT, "nfacct-like: 2 shared atomic adds" },
	{ "spinlock", run_spin, SPIN, "2011-style: shared spinlock + 2 adds" },
	{ "smp_mb", run_mb, NONE, "smp_mb (lock add) alone" },
	{ "ts_realtime", run_ts_real, NONE, "clock_gettime(REALTIME) alone (vDSO)" },
	{ "ts_monotonic", run_ts_mono, NONE, "clock_gettime(MONOTONIC) alone (vDSO)" },
	{ "ts_rdtsc", run_ts_rdtsc, NONE, "rdtsc alone" },
	{ "ts_lfence_rdtsc", run_ts_lfence, NONE, "lfence;rdtsc alone" },
	{ "ts_rdtscp", run_ts_rdtscp, NONE, "rdtscp alone" },
	{ "rules10_each", run_rules_each, EACH, "10 rules: each its own barrier + counter compare (the module)" },
	{ "rules10_each_clock", run_rules_each_clock, EACH_CLOCK, "10 rules: each its own barrier + clock read (before)" },
	{ "rules10_shared", run_rules_shared, ONE, "10 rules: one barrier + clock read for all (item 2 model)" },
	{ "rules10_gen", run_rules_gen, GEN, "10 rules: each its own barrier; one clock read while no reader starts (item 2 model)" },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static struct ctx ctxs[MAX_THREADS];
static const struct bench_case *cur_case;
static unsigned int nthreads, ready, go;

static void *thread_main(void *arg)
{
	struct ctx *x = arg;
	u64 t0;

	__atomic_add_fetch(&ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	t0 = clock_of(CLOCK_MONOTONIC);
	cur_case->fn(x);
	x->ns = clock_of(CLOCK_MONOTONIC) - t0;
	return NULL;
}

/* One run of a case on nthreads pinned threads: the slowest's ns per op. */
static double run_once(const struct bench_case *bc, unsigned long ops)
{
	pthread_t tids[MAX_THREADS];
	unsigned int i;
	u64 worst = 0;

	cur_case = bc;
	/* The "_clock" cases: the counter not in use, as the module on no TSC. */
	counter_gen = bc->counts == CORE_CLOCK || bc->counts == EACH_CLOCK ? 1 : 2;
	ready = 0;
	go = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_attr_t attr;
		cpu_set_t set;

		ctxs[i].ops = ops;
		CPU_ZERO(&set);
		CPU_SET(ctxs[i].cpu, &set);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		errno = pthread_create(&tids[i], &attr, thread_main, &ctxs[i]);
		pthread_attr_destroy(&attr);
		if (errno) {
			perror("native_bench: pthread_create");
			exit(2);
		}
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) != nthreads)
		sched_yield();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], NULL);
		if (ctxs[i].ns > worst)
			worst = ctxs[i].ns;
	}
	return (double)worst / (double)ops;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* TSC ticks per ns over 50 ms of CLOCK_MONOTONIC. */
static void calibrate_tsc(void)
{
	u64 t0 = clock_of(CLOCK_MONOTONIC), c0 = rdtsc_lfence(), t1, c1;
	struct timespec d = { 0, 50000000 };

	nanosleep(&d, NULL);
	t1 = clock_of(CLOCK_MONOTONIC);
	c1 = rdtsc_lfence();
	tsc_per_ns_q32 = (u64)(((unsigned __int128)(c1 - c0) << 32) / (t1 - t0));
}

/* The cumulative frames of a fixture's last closed window, all windows closed. */
static u64 delivered(struct fixture *f)
{
	struct line_buf lines = { 0 };
	u64 frames = 0;

	if (fixture_read(f, &lines, ~0U, 1))
		frames = lines.v[lines.n - 1].frames;
	free(lines.v);
	return frames;
}

static int check(const char *what, u64 got, u64 want)
{
	if (got == want)
		return 0;
	fprintf(stderr, "native_bench: %s counted %llu, want %llu\n", what,
		(unsigned long long)got, (unsigned long long)want);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long ops = 5000000, reps = 7;
	const char *tlist = NULL, *only = NULL;
	u64 done[NCOUNTED] = { 0 }, sum;
	struct fixture core, core_clock, each[NRULES], each_clock[NRULES];
	struct fixture one[NRULES], gen[NRULES];
	unsigned int ncpu = 0;
	cpu_set_t allowed;
	unsigned int i, r, k;
	struct timespec d = { 0, 2 * PERIOD };
	char *tl, *save = NULL, *tok;
	int opt, bad = 0;

	while ((opt = getopt(argc, argv, "n:r:t:c:")) != -1) {
		switch (opt) {
		case 'n': ops = strtoul(optarg, NULL, 10); break;
		case 'r': reps = strtoul(optarg, NULL, 10); break;
		case 't': tlist = optarg; break;
		case 'c': only = optarg; break;
		default:
			fprintf(stderr, "usage: native_bench [-n OPS] [-r REPS] [-t THREADS] [-c CASE]\n");
			return 2;
		}
	}
	/* One thread per CPU this process may run on, in CPU order. */
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 2;
	for (i = 0; i < CPU_SETSIZE && ncpu < MAX_THREADS; i++)
		if (CPU_ISSET(i, &allowed))
			ctxs[ncpu++].cpu = i;
	if (!ops || !reps || reps > 99 || ncpu < 1) {
		fprintf(stderr, "native_bench: OPS >= 1, 1 <= REPS <= 99, 1..%d CPUs\n",
			MAX_THREADS);
		return 2;
	}
	/* The epoch's offset: windows fall on CLOCK_REALTIME boundaries. */
	test_clock_start(0, clock_of(CLOCK_REALTIME) - clock_of(CLOCK_MONOTONIC));
	calibrate_tsc();
	fixture_init(&core, ncpu, PERIOD, RING);
	fixture_init(&core_clock, ncpu, PERIOD, RING);
	for (r = 0; r < NRULES; r++) {
		fixture_init(&each[r], ncpu, PERIOD, RING);
		fixture_init(&each_clock[r], ncpu, PERIOD, RING);
		fixture_init(&one[r], ncpu, PERIOD, RING);
		fixture_init(&gen[r], ncpu, PERIOD, RING);
	}
	for (i = 0; i < ncpu; i++) {
		ctxs[i].core = &core.cpu[i];
		ctxs[i].core_clock = &core_clock.cpu[i];
		for (r = 0; r < NRULES; r++) {
			ctxs[i].each[r] = &each[r].cpu[i];
			ctxs[i].each_clock[r] = &each_clock[r].cpu[i];
			ctxs[i].one[r] = &one[r].cpu[i];
			ctxs[i].gen[r] = &gen[r].cpu[i];
		}
	}

	/* Default thread counts: 1, 2 and all CPUs, as many as there are. */
	if (!tlist)
		tlist = ncpu >= 3 ? "1 2 all" : ncpu == 2 ? "1 2" : "1";
	printf("case,threads,median_ns,min_ns,max_ns,what\n");
	tl = strdup(tlist);
	for (tok = strtok_r(tl, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		nthreads = strcmp(tok, "all") ? (unsigned int)atoi(tok) : ncpu;
		if (nthreads < 1 || nthreads > ncpu) {
			fprintf(stderr, "native_bench: %s threads: 1..%u\n", tok, ncpu);
			return 2;
		}
		for (k = 0; k < NCASES; k++) {
			double v[99];

			if (only && strcmp(only, cases[k].name))
				continue;
			for (r = 0; r < reps; r++)
				v[r] = run_once(&cases[k], ops);
			qsort(v, reps, sizeof(v[0]), cmp_double);
			printf("%s,%u,%.2f,%.2f,%.2f,%s\n", cases[k].name, nthreads,
			       v[reps / 2], v[0], v[reps - 1], cases[k].what);
			fflush(stdout);
			done[cases[k].counts] += (u64)nthreads * ops * reps;
		}
	}
	free(tl);

	/* Every counter holds exactly what was done; windows closed first. */
	nanosleep(&d, NULL);
	for (sum = 0, i = 0; i < ncpu; i++)
		sum += ctxs[i].frames;
	bad |= check("bare per-CPU", sum, done[BARE]);
	bad |= check("core", delivered(&core), done[CORE]);
	bad |= check("core_clock", delivered(&core_clock), done[CORE_CLOCK]);
	bad |= check("nfacct", shared_acct.pkts, done[ACCT]);
	bad |= check("nfacct bytes", shared_acct.bytes, done[ACCT] * LEN);
	bad |= check("spinlock", shared_spin.frames, done[SPIN]);
	for (r = 0; r < NRULES; r++) {
		bad |= check("rules10_each", delivered(&each[r]), done[EACH]);
		bad |= check("rules10_each_clock", delivered(&each_clock[r]),
			     done[EACH_CLOCK]);
		bad |= check("rules10_shared", delivered(&one[r]), done[ONE]);
		bad |= check("rules10_gen", delivered(&gen[r]), done[GEN]);
	}
	fixture_free(&core);
	fixture_free(&core_clock);
	for (r = 0; r < NRULES; r++) {
		fixture_free(&each[r]);
		fixture_free(&each_clock[r]);
		fixture_free(&one[r]);
		fixture_free(&gen[r]);
	}
	fprintf(stderr, "native_bench: counts %s, tsc %.4f ticks/ns\n",
		bad ? "WRONG" : "exact", (double)tsc_per_ns_q32 / 4294967296.0);
	return bad;
}
