/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat accounting core: per-CPU window counters and the reader's merge.
 *
 * Plain C with no kernel headers, compiled into the module and into the
 * userspace unit tests. The includer provides, before including this file:
 *   u32, u64, bool, NULL;
 *   PKTSTAT_READ_ONCE(x), PKTSTAT_WRITE_ONCE(x, v),
 *   pktstat_load_acquire(p), pktstat_store_release(p, v),
 *   pktstat_smp_wmb(), pktstat_smp_rmb(), pktstat_cpu_relax(),
 *   pktstat_clock_barrier(): earlier stores are visible to every CPU before
 *     the clock is read (see Exactness);
 *   pktstat_clock_barrier_read(): the clock is read before any later load;
 *   pktstat_div64(u64 a, u64 b), PKTSTAT_CACHELINE_ALIGNED, PKTSTAT_NOINLINE,
 *   pktstat_likely(x), pktstat_unlikely(x);
 *   u64 pktstat_clock_ns(void): CLOCK_MONOTONIC in ns, which never steps;
 *   u32 pktstat_clock_seq(void): the clock epoch, the number of times
 *     CLOCK_REALTIME was set (the kernel's clock_was_set_seq);
 *   u64 pktstat_clock_offset(u32 *epoch): CLOCK_REALTIME - CLOCK_MONOTONIC,
 *     and in *epoch the epoch it belongs to (the offset changes only when
 *     the epoch does);
 *   the counter that drives CLOCK_MONOTONIC, if the core may use it (see
 *   Counter): u32 pktstat_counter_gen(void), its generation, odd while the
 *     core must not use it; u64 pktstat_counter(void), read ordered as the
 *     clock is; u64 pktstat_counter_ticks(u64 ns), how many ticks take at
 *     most ns at the rate of the current generation (rounded down).
 *
 * Windows are [k * period, (k + 1) * period) of CLOCK_REALTIME; a line
 * carries the end of its window.
 *
 * Writer (one per CPU, never concurrent with itself): each CPU keeps its own
 * cumulative totals and the window of its last packet. When a packet falls
 * past that window, the CPU queues "my totals at the end of window w" in its
 * own ring. No lock, no atomic, no cache line written by two CPUs per packet.
 *
 * Clock steps (settimeofday, chrony's makestep, a leap second, resume): a
 * CPU times its window in CLOCK_MONOTONIC (win_end), so the per-packet test
 * is one compare that no step can fool. When the window is over, the CPU
 * maps the time to CLOCK_REALTIME with the offset of the current epoch and
 * opens the window there. A window is keyed (epoch, k) and keys order the
 * windows: those opened after a step come after those before it, even when
 * the step went back. So after a step either way, every CPU leaves the
 * window it was in at most one period later, and windows follow the new
 * CLOCK_REALTIME. Until then, a CPU that had that window open keeps counting
 * in it: a packet in the rest of the window after a step counts in the
 * window the clock was in before the step (for a step smaller than a period,
 * the same or a neighbouring window of the new clock). The data file shows
 * the windows in key order: the timestamps go back once at a step back, and
 * a step of less than a period, or an epoch without a step (the kernel also
 * counts a change of the TAI offset or of the clocksource), can give one
 * timestamp twice, once per epoch. Never the same (epoch, k) twice.
 *
 * Reader (serialised by the caller): the global total at the end of window b
 * is the sum over CPUs of each CPU's total as of b, taken from its ring or,
 * for a CPU whose window has closed, from its live counters.
 *
 * Exactness: the writer reads the clock inside its seqcount section, after
 * pktstat_clock_barrier(); the reader reads the epoch, then the clock (now),
 * then pktstat_clock_barrier_read(), then the seqcounts. So a packet the
 * reader does not see read its clock at or after now, and lands either in
 * its CPU's window that is still open at now (the reader closes neither it
 * nor anything after it) or in a window opened in the reader's epoch or a
 * later one, at or after the reader's window (the offset is constant within
 * an epoch). Conditions: the clock reads the same on every CPU at any
 * instant (the clocksource is synchronised: TSC marked stable, the arm64
 * architected timer), and the barriers order the counter read, see
 * pktstat_kernel.h. A packet whose clock still reads earlier lands in the
 * first window not yet delivered: its count is never lost nor repeated.
 *
 * Counter (the fast path): most packets need only "is the live window still
 * open?", not the time. Where CLOCK_MONOTONIC is a linear map of a counter
 * (the TSC), a CPU converts its window's end to a counter value, win_end_cyc,
 * when it reads the clock, and later packets compare one ordered counter read
 * with it; the clock is read again only when the compare fails. The map is
 * mono(c) = base + (c * mult) >> shift for one generation of the kernel's
 * timekeeper: win_end_cyc = c0 + ticks(win_end - now - 1), with c0 read
 * before now, so mono(c) < win_end for every c < win_end_cyc of that
 * generation: the boundary is early, never late. The includer bumps the
 * generation before a new map is visible to any clock read whenever the map
 * changes other than by going on at the same rate (an NTP rate change, a new
 * clocksource, resume), and makes it odd while the counter does not drive
 * the clock. The fast path loads the generation after the barrier, as the
 * clock read was: a reader whose clock read used a newer map sees the CPU's
 * odd seqcount (store-buffer pair with the includer's bump), and one whose
 * read used the same or an older map read it at a counter value at or
 * before the packet's (the older map meets the newer at the change), so
 * the exactness argument above holds with the counter in place of the
 * clock. Conditions: those above, with the counter synchronised across CPUs
 * (it drives the clock, so the clock's condition is the counter's).
 */
#ifndef PKTSTAT_CORE_H
#define PKTSTAT_CORE_H

/* Longest data line: three u64 in decimal, two spaces and a newline. */
#define PKTSTAT_LINE_MAX	64

/* A window: CLOCK_REALTIME / period (win) in one clock epoch (epoch). */
struct pktstat_key {
	u64 win;
	u32 epoch;
};

/* One closed window of one CPU: its totals at the end of that window. */
struct pktstat_rec {
	struct pktstat_key key;
	u64 frames;
	u64 bytes;
};

/*
 * Per-CPU state. The first cache line is written only by its CPU; tail is
 * written only by the reader, on its own cache line, and read by the CPU
 * only when a window closes.
 */
struct pktstat_cpu {
	u32 seq;		/* odd while the CPU updates */
	u32 cyc_gen;		/* counter generation of win_end_cyc */
	u64 win_end_cyc;	/* counter value before the window's end */
	u64 frames;		/* cumulative */
	u64 bytes;		/* cumulative */
	u64 win_end;		/* end of the live window, CLOCK_MONOTONIC ns */
	u64 win;		/* the live window: CLOCK_REALTIME / period ... */
	u32 epoch;		/* ... in this clock epoch */
	u32 head;		/* next ring slot to fill */
	struct pktstat_rec *ring;

	/* Read by the CPU only when a window closes. */
	u32 tail PKTSTAT_CACHELINE_ALIGNED;	/* next ring slot to read */
	u32 size;		/* ring slots: capacity + 1 */
	u64 overflows;		/* windows that found the ring full */
};

/* Reader's view of one CPU: its totals as of the last window delivered. */
struct pktstat_cursor {
	u64 frames;
	u64 bytes;
	u32 tail;
};

/* A consistent copy of a CPU's live state. */
struct pktstat_snap {
	struct pktstat_key key;
	u64 win_end;
	u64 frames;
	u64 bytes;
	u32 head;
};

/* Reader state of one instance, serialised by the caller's lock. */
struct pktstat_reader {
	struct pktstat_key next;	/* first window not delivered yet */
	u64 windows_read;
};

/* Is window a before window b? Epochs compare modulo 2^32, as they wrap. */
static inline bool pktstat_key_before(struct pktstat_key a,
				      struct pktstat_key b)
{
	if (a.epoch != b.epoch)
		return a.epoch - b.epoch >= 0x80000000U;
	return a.win < b.win;
}

/*
 * Ticks of a counter that take at most ns in the kernel's map
 * mono(c) = base + ((c - last) * mult + nsec) >> shift, rounded down:
 * mono(c0 + ticks) <= mono(c0) + ns for every c0. Spans are capped at
 * 2^32 - 1 ns (a shorter boundary is still early) so that ns << shift, for
 * shift <= 31, fits 64 bits; the includer checks shift.
 */
static inline u64 pktstat_mult_ticks(u64 ns, u32 mult, u32 shift)
{
	if (!mult)
		return 0;
	if (ns > 0xffffffffULL)
		ns = 0xffffffffULL;
	return pktstat_div64(ns << shift, mult);
}

static inline u32 pktstat_ring_next(u32 slot, u32 size)
{
	return slot + 1 == size ? 0 : slot + 1;
}

/*
 * Set up one CPU with a ring of capacity + 1 slots (one stays empty).
 * Capacity 0 needs no ring (NULL): every window the CPU closes overflows.
 */
static inline void pktstat_cpu_init(struct pktstat_cpu *c,
				    struct pktstat_rec *ring, u32 capacity)
{
	c->seq = 0;
	c->cyc_gen = 0;
	c->win_end_cyc = 0;
	c->head = 0;
	c->size = capacity + 1;
	c->frames = 0;
	c->bytes = 0;
	c->win_end = 0;
	c->win = 0;
	c->epoch = 0;
	c->overflows = 0;
	c->ring = ring;
	c->tail = 0;
}

/* Set up a reader: nothing delivered, the first window of any is next. */
static inline void pktstat_reader_init(struct pktstat_reader *r, u32 epoch)
{
	r->next.win = 0;
	r->next.epoch = epoch;
	r->windows_read = 0;
}

/*
 * A packet at now (CLOCK_MONOTONIC) is past the CPU's window: queue that
 * window and open the one of now in CLOCK_REALTIME of the current epoch.
 * Once per window, out of line: the per-packet path stays small.
 * The new key is after the old one: a new epoch is a later one, and within
 * an epoch now + offset is at or after the old window's end.
 */
static PKTSTAT_NOINLINE void pktstat_cpu_close_window(struct pktstat_cpu *c,
						      u64 period, u64 now)
{
	u32 epoch = pktstat_clock_seq();
	u64 offset, win;

	/*
	 * The offset changes only with the epoch: look it up once per epoch,
	 * else it is what the live window was opened with.
	 */
	if (c->frames && epoch == c->epoch)
		offset = (c->win + 1) * period - c->win_end;
	else
		offset = pktstat_clock_offset(&epoch);
	win = pktstat_div64(now + offset, period);

	/* frames == 0: this CPU has seen no packet, so there is no window to close. */
	if (c->frames) {
		u32 next = pktstat_ring_next(c->head, c->size);

		if (next != pktstat_load_acquire(&c->tail)) {
			struct pktstat_rec *rec = &c->ring[c->head];

			PKTSTAT_WRITE_ONCE(rec->key.win, c->win);
			PKTSTAT_WRITE_ONCE(rec->key.epoch, c->epoch);
			PKTSTAT_WRITE_ONCE(rec->frames, c->frames);
			PKTSTAT_WRITE_ONCE(rec->bytes, c->bytes);
			pktstat_store_release(&c->head, next);
		} else {
			/* Its packets stay in the totals: the next window gets them. */
			PKTSTAT_WRITE_ONCE(c->overflows, c->overflows + 1);
		}
	}
	PKTSTAT_WRITE_ONCE(c->win, win);
	PKTSTAT_WRITE_ONCE(c->epoch, epoch);
	PKTSTAT_WRITE_ONCE(c->win_end, (win + 1) * period - offset);
}

/*
 * Count frames packets of len bytes in all on this CPU (a GSO skb is several
 * packets). The caller keeps the CPU from re-entering (BH and preemption off).
 */
/* Add a packet's counts and end the update begun at seq. */
static inline void pktstat_cpu_add(struct pktstat_cpu *c, u32 seq, u64 frames,
				   u64 len)
{
	PKTSTAT_WRITE_ONCE(c->frames, c->frames + frames);
	PKTSTAT_WRITE_ONCE(c->bytes, c->bytes + len);
	pktstat_smp_wmb();
	PKTSTAT_WRITE_ONCE(c->seq, seq + 2);
}

/*
 * The counter said the live window may be over, or its generation (even,
 * so the counter is in use) changed: read the clock, close the window if it
 * is over, convert the end of the live window to a counter value of
 * generation gen (see Counter), and count the packet. Out of line and
 * called last: the fast path saves no register.
 */
static PKTSTAT_NOINLINE void pktstat_cpu_count_clock(struct pktstat_cpu *c,
						     u64 period, u32 gen,
						     u32 seq, u64 frames,
						     u64 len)
{
	u64 cyc, now;

	/* The rate and the clock's map are those of gen or newer ones. */
	pktstat_smp_rmb();
	cyc = pktstat_counter();
	now = pktstat_clock_ns();
	if (now >= c->win_end)
		pktstat_cpu_close_window(c, period, now);
	PKTSTAT_WRITE_ONCE(c->cyc_gen, gen);
	PKTSTAT_WRITE_ONCE(c->win_end_cyc,
			   cyc + pktstat_counter_ticks(c->win_end - now - 1));
	pktstat_cpu_add(c, seq, frames, len);
}

/*
 * Count frames packets of len bytes in all on this CPU (a GSO skb is several
 * packets). The caller keeps the CPU from re-entering (BH and preemption off).
 */
static inline void pktstat_cpu_count(struct pktstat_cpu *c, u64 period,
				     u64 frames, u64 len)
{
	u32 seq = c->seq, gen;

	PKTSTAT_WRITE_ONCE(c->seq, seq + 1);
	/* The odd seq must be visible before the clock is read (see top). */
	pktstat_clock_barrier();
	gen = pktstat_counter_gen();
	if (pktstat_likely(gen == c->cyc_gen)) {
		if (pktstat_likely(pktstat_counter() < c->win_end_cyc)) {
			pktstat_cpu_add(c, seq, frames, len);
			return;
		}
	} else if (gen & 1) {
		/* No counter (c->cyc_gen is never odd): the clock, every packet. */
		u64 now = pktstat_clock_ns();

		if (pktstat_unlikely(now >= c->win_end))
			pktstat_cpu_close_window(c, period, now);
		pktstat_cpu_add(c, seq, frames, len);
		return;
	}
	pktstat_cpu_count_clock(c, period, gen, seq, frames, len);
}

static inline void pktstat_cpu_snapshot(const struct pktstat_cpu *c,
					struct pktstat_snap *s)
{
	u32 seq;

	for (;;) {
		seq = PKTSTAT_READ_ONCE(c->seq);
		pktstat_smp_rmb();
		if (!(seq & 1)) {
			s->key.win = PKTSTAT_READ_ONCE(c->win);
			s->key.epoch = PKTSTAT_READ_ONCE(c->epoch);
			s->win_end = PKTSTAT_READ_ONCE(c->win_end);
			s->frames = PKTSTAT_READ_ONCE(c->frames);
			s->bytes = PKTSTAT_READ_ONCE(c->bytes);
			s->head = PKTSTAT_READ_ONCE(c->head);
			pktstat_smp_rmb();
			if (PKTSTAT_READ_ONCE(c->seq) == seq)
				return;
		}
		pktstat_cpu_relax();
	}
}

/* Closed windows queued in one CPU's ring. */
static inline u32 pktstat_cpu_queued(const struct pktstat_cpu *c, u32 tail)
{
	u32 head = PKTSTAT_READ_ONCE(c->head);

	return head >= tail ? head - tail : head + c->size - tail;
}

static inline struct pktstat_key pktstat_rec_key(const struct pktstat_rec *rec)
{
	struct pktstat_key k;

	k.win = PKTSTAT_READ_ONCE(rec->key.win);
	k.epoch = PKTSTAT_READ_ONCE(rec->key.epoch);
	return k;
}

/*
 * The earliest window with undelivered counts on one CPU, never before
 * next (a window is delivered once); false when the CPU has nothing new.
 */
static inline bool pktstat_cpu_next_win(const struct pktstat_cpu *c,
					struct pktstat_cursor *cur,
					const struct pktstat_snap *s,
					struct pktstat_key next,
					struct pktstat_key *win)
{
	struct pktstat_key w;

	/*
	 * A window already delivered from the live counters is queued later
	 * all the same: a record with no new frame holds nothing to deliver.
	 */
	while (cur->tail != s->head &&
	       PKTSTAT_READ_ONCE(c->ring[cur->tail].frames) == cur->frames)
		cur->tail = pktstat_ring_next(cur->tail, c->size);

	if (cur->tail != s->head)
		w = pktstat_rec_key(&c->ring[cur->tail]);
	else if (s->frames != cur->frames)
		w = s->key;
	else
		return false;
	*win = pktstat_key_before(w, next) ? next : w;
	return true;
}

/* Move one CPU's cursor to its totals as of the end of window b. */
static inline void pktstat_cpu_advance(const struct pktstat_cpu *c,
				       struct pktstat_cursor *cur,
				       const struct pktstat_snap *s,
				       struct pktstat_key b)
{
	while (cur->tail != s->head) {
		const struct pktstat_rec *rec = &c->ring[cur->tail];

		if (pktstat_key_before(b, pktstat_rec_key(rec)))
			return;
		cur->frames = PKTSTAT_READ_ONCE(rec->frames);
		cur->bytes = PKTSTAT_READ_ONCE(rec->bytes);
		cur->tail = pktstat_ring_next(cur->tail, c->size);
	}
	if (!pktstat_key_before(b, s->key)) {
		cur->frames = s->frames;
		cur->bytes = s->bytes;
	}
}

/*
 * Take the epoch and the clock, then snapshot every CPU: the windows before
 * the returned limit are closed, and no packet still to come can fall in
 * one of them. A CPU still in a window of an older epoch (a step happened
 * during it) holds the limit at that window until it ends, at most one
 * period after the step.
 */
static inline struct pktstat_key
pktstat_snapshot_all(struct pktstat_cpu *const *cpus, unsigned int ncpus,
		     u64 period, struct pktstat_snap *snaps)
{
	struct pktstat_key limit;
	u64 offset = pktstat_clock_offset(&limit.epoch);
	u64 now = pktstat_clock_ns();
	unsigned int i;

	limit.win = pktstat_div64(now + offset, period);
	pktstat_clock_barrier_read();
	for (i = 0; i < ncpus; i++) {
		struct pktstat_snap *s = &snaps[i];

		pktstat_cpu_snapshot(cpus[i], s);
		if (s->frames && s->win_end > now &&
		    pktstat_key_before(s->key, limit))
			limit = s->key;
	}
	return limit;
}

/*
 * Deliver up to max_lines closed windows, in key order, through emit. Works
 * on the caller's copy of the cursors and reader state (cur, r): nothing is
 * consumed until pktstat_commit(), so a caller that fails to hand the lines
 * on loses nothing. Returns the number of windows emitted.
 */
static inline unsigned int pktstat_collect(struct pktstat_cpu *const *cpus,
					   unsigned int ncpus, u64 period,
					   struct pktstat_cursor *cur,
					   struct pktstat_reader *r,
					   struct pktstat_snap *snaps,
					   unsigned int max_lines,
					   void (*emit)(void *ctx, u64 end_ns,
							u64 frames, u64 bytes),
					   void *ctx)
{
	struct pktstat_key limit = pktstat_snapshot_all(cpus, ncpus, period,
							snaps);
	unsigned int lines = 0;

	while (lines < max_lines) {
		struct pktstat_key b = limit, w;
		u64 frames = 0, bytes = 0;
		unsigned int i;

		for (i = 0; i < ncpus; i++)
			if (pktstat_cpu_next_win(cpus[i], &cur[i], &snaps[i],
						 r->next, &w) &&
			    pktstat_key_before(w, b))
				b = w;
		if (!pktstat_key_before(b, limit)) {
			/* Every window before limit is closed, with traffic or not. */
			if (pktstat_key_before(r->next, limit))
				r->next = limit;
			break;
		}
		for (i = 0; i < ncpus; i++) {
			pktstat_cpu_advance(cpus[i], &cur[i], &snaps[i], b);
			frames += cur[i].frames;
			bytes += cur[i].bytes;
		}
		emit(ctx, (b.win + 1) * period, frames, bytes);
		r->next.win = b.win + 1;
		r->next.epoch = b.epoch;
		r->windows_read++;
		lines++;
	}
	return lines;
}

/* Hand ring slots the reader has consumed back to their CPUs. */
static inline void pktstat_commit(struct pktstat_cpu *const *cpus,
				  unsigned int ncpus,
				  const struct pktstat_cursor *cur)
{
	unsigned int i;

	for (i = 0; i < ncpus; i++)
		pktstat_store_release(&cpus[i]->tail, cur[i].tail);
}

/* Checks on what userspace sent; NULL when valid, else what is wrong. */
static inline const char *pktstat_check_name(const char *name, unsigned int len)
{
	unsigned int i;

	if (!name[0])
		return "name is empty";
	if (name[0] == '.')
		return "name starts with '.'";
	for (i = 0; i < len && name[i]; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.'))
			return "name has a character outside [A-Za-z0-9_.-]";
	}
	if (i == len)
		return "name is not NUL-terminated";
	return NULL;
}

#endif /* PKTSTAT_CORE_H */
