/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Issue 13 item 2, a model in userspace only (the module does not do this):
 * one clock read serves every pktstat rule a packet meets on one CPU.
 *
 * Each rule keeps what pktstat_cpu_count() does today (its own seqcount,
 * the odd store, pktstat_clock_barrier()) and replaces only the clock read:
 * after the barrier it loads read_gen, a module-wide count that every
 * reader makes odd before it reads the clock and even again after its
 * snapshot. A rule reuses the time its packet's first rule read when it
 * sees the same even read_gen as that read; else it reads the clock.
 *
 * Why that keeps the exactness argument of pktstat_core.h: the reader
 * (store read_gen odd; full barrier; clock; barrier; seqcounts) and the
 * rule (store seq odd; full barrier; load read_gen) form a store-buffer
 * pair, so either the rule sees the odd or newer read_gen and reads the
 * clock itself, as today, or the reader sees the rule's odd seqcount and
 * waits for its count. A reader that ended before the first rule's
 * read_gen load read its clock before that rule's clock read. Conditions:
 * those of pktstat_core.h, plus "first" must be exact: a rule must know
 * the packet's first rule on this CPU (a per-packet identity no later
 * packet shares; the skb address alone is reused), else a later packet
 * reuses an older time (bench/native/test_shared_clock.c shows both).
 *
 * The includer provides the core (pktstat_core.h) and its primitives.
 */
#ifndef SHARED_CLOCK_H
#define SHARED_CLOCK_H

/* Per-CPU: the clock read of the packet being matched. */
struct shared_clock {
	u64 now;
	u32 gen;
};

/* Reader side, around pktstat_collect(): odd while it reads. */
static inline void shared_clock_read_begin(u32 *read_gen)
{
	PKTSTAT_WRITE_ONCE(*read_gen, *read_gen + 1);
	pktstat_clock_barrier();
}

static inline void shared_clock_read_end(u32 *read_gen)
{
	pktstat_smp_wmb();
	PKTSTAT_WRITE_ONCE(*read_gen, *read_gen + 1);
}

/*
 * pktstat_cpu_count() after its clock read: the models share it (the core
 * has no such split; adopting a model in src/ would add one).
 */
static inline void shared_clock_add(struct pktstat_cpu *c, u64 period,
				    u64 now, u64 len)
{
	if (pktstat_unlikely(now >= c->win_end))
		pktstat_cpu_close_window(c, period, now);
	PKTSTAT_WRITE_ONCE(c->frames, c->frames + 1);
	PKTSTAT_WRITE_ONCE(c->bytes, c->bytes + len);
}

/* One rule counts one packet; first: the packet's first rule on this CPU. */
static inline void shared_clock_count(struct shared_clock *sc,
				      const u32 *read_gen,
				      struct pktstat_cpu *c, u64 period,
				      u64 len, bool first)
{
	u32 seq = c->seq, g;
	u64 now;

	PKTSTAT_WRITE_ONCE(c->seq, seq + 1);
	pktstat_clock_barrier();
	g = PKTSTAT_READ_ONCE(*read_gen);
	if (!first && sc->gen == g && !(g & 1)) {
		now = sc->now;
	} else {
		now = pktstat_clock_ns();
		sc->now = now;
		sc->gen = g;
	}
	shared_clock_add(c, period, now, len);
	pktstat_smp_wmb();
	PKTSTAT_WRITE_ONCE(c->seq, seq + 2);
}

#endif /* SHARED_CLOCK_H */
