/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat accounting core: per-CPU window counters and the reader's merge.
 *
 * Plain C with no kernel headers, compiled into the module and into the
 * userspace unit tests. The includer provides, before including this file:
 *   u32, u64, bool;
 *   PKTSTAT_READ_ONCE(x), PKTSTAT_WRITE_ONCE(x, v),
 *   pktstat_load_acquire(p), pktstat_store_release(p, v),
 *   pktstat_smp_mb(), pktstat_smp_wmb(), pktstat_smp_rmb(), pktstat_cpu_relax(),
 *   pktstat_div64(u64 a, u64 b), PKTSTAT_CACHELINE_ALIGNED,
 *   pktstat_likely(x), pktstat_unlikely(x),
 *   NULL, u64 pktstat_clock_ns(void): CLOCK_REALTIME in nanoseconds.
 *
 * Writer (one per CPU, never concurrent with itself): each CPU keeps its own
 * cumulative totals and the window of its last packet. When a packet falls in
 * a later window, the CPU queues "my totals at the end of window w" in its own
 * ring. No lock, no atomic, no cache line written by two CPUs per packet.
 *
 * Reader (serialised by the caller): the global total at the end of window b
 * is the sum over CPUs of each CPU's total as of b, taken from its ring or,
 * for a CPU whose last window has closed, from its live counters.
 *
 * Exactness: the writer reads the clock inside its seqcount section, after a
 * full barrier; the reader reads the clock, then a full barrier, then the
 * seqcounts. So a packet the reader does not see has a timestamp at or after
 * the reader's clock and cannot fall in a window the reader calls closed.
 */
#ifndef PKTSTAT_CORE_H
#define PKTSTAT_CORE_H

/* Longest data line: three u64 in decimal, two spaces and a newline. */
#define PKTSTAT_LINE_MAX	64

/* One closed window of one CPU: its totals at the end of window win. */
struct pktstat_rec {
	u64 win;
	u64 frames;
	u64 bytes;
};

/*
 * Per-CPU state. The first part is written only by its CPU; tail is written
 * only by the reader, on its own cache line, and read by the CPU only when a
 * window closes.
 */
struct pktstat_cpu {
	u32 seq;		/* odd while the CPU updates */
	u32 head;		/* next ring slot to fill */
	u32 size;		/* ring slots: capacity + 1 */
	u64 frames;		/* cumulative */
	u64 bytes;		/* cumulative */
	u64 win;		/* window of the last packet */
	u64 win_end;		/* end of that window, ns: the next boundary */
	u64 overflows;		/* windows that found the ring full */
	struct pktstat_rec *ring;

	u32 tail PKTSTAT_CACHELINE_ALIGNED;	/* next ring slot to read */
};

/* Reader's view of one CPU: its totals as of the last window delivered. */
struct pktstat_cursor {
	u64 frames;
	u64 bytes;
	u32 tail;
};

/* A consistent copy of a CPU's live state. */
struct pktstat_snap {
	u64 win;
	u64 frames;
	u64 bytes;
	u32 head;
};

/* Reader state of one instance, serialised by the caller's lock. */
struct pktstat_reader {
	u64 next_win;		/* first window not delivered yet */
	u64 windows_read;
};

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
	c->head = 0;
	c->size = capacity + 1;
	c->frames = 0;
	c->bytes = 0;
	c->win = 0;
	c->win_end = 0;
	c->overflows = 0;
	c->ring = ring;
	c->tail = 0;
}

/* A packet at now is past the CPU's window: queue that window, move on. */
static inline void pktstat_cpu_close_window(struct pktstat_cpu *c, u64 period,
					    u64 now)
{
	u64 win = pktstat_div64(now, period);

	/* frames == 0: this CPU has seen no packet, so there is no window to close. */
	if (c->frames) {
		u32 next = pktstat_ring_next(c->head, c->size);

		if (next != pktstat_load_acquire(&c->tail)) {
			struct pktstat_rec *rec = &c->ring[c->head];

			PKTSTAT_WRITE_ONCE(rec->win, c->win);
			PKTSTAT_WRITE_ONCE(rec->frames, c->frames);
			PKTSTAT_WRITE_ONCE(rec->bytes, c->bytes);
			pktstat_store_release(&c->head, next);
		} else {
			/* Its packets stay in the totals: the next window gets them. */
			PKTSTAT_WRITE_ONCE(c->overflows, c->overflows + 1);
		}
	}
	PKTSTAT_WRITE_ONCE(c->win, win);
	PKTSTAT_WRITE_ONCE(c->win_end, (win + 1) * period);
}

/*
 * Count frames packets of len bytes in all on this CPU (a GSO skb is several
 * packets). The caller keeps the CPU from re-entering (BH and preemption off).
 * A clock that steps back keeps the packet in the current window: windows
 * never go back.
 */
static inline void pktstat_cpu_count(struct pktstat_cpu *c, u64 period,
				     u64 frames, u64 len)
{
	u32 seq = c->seq;
	u64 now;

	PKTSTAT_WRITE_ONCE(c->seq, seq + 1);
	/* The odd seq must be visible before the clock is read (see top). */
	pktstat_smp_mb();
	now = pktstat_clock_ns();
	if (pktstat_unlikely(now >= c->win_end))
		pktstat_cpu_close_window(c, period, now);
	PKTSTAT_WRITE_ONCE(c->frames, c->frames + frames);
	PKTSTAT_WRITE_ONCE(c->bytes, c->bytes + len);
	pktstat_smp_wmb();
	PKTSTAT_WRITE_ONCE(c->seq, seq + 2);
}

static inline void pktstat_cpu_snapshot(const struct pktstat_cpu *c,
					struct pktstat_snap *s)
{
	u32 seq;

	for (;;) {
		seq = PKTSTAT_READ_ONCE(c->seq);
		pktstat_smp_rmb();
		if (!(seq & 1)) {
			s->win = PKTSTAT_READ_ONCE(c->win);
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

/*
 * The earliest window with undelivered counts on one CPU, never before
 * next_win (windows do not go back); false when the CPU has nothing new.
 */
static inline bool pktstat_cpu_next_win(const struct pktstat_cpu *c,
					struct pktstat_cursor *cur,
					const struct pktstat_snap *s,
					u64 next_win, u64 *win)
{
	u64 w;

	/*
	 * A window already delivered from the live counters is queued later
	 * all the same: a record with no new frame holds nothing to deliver.
	 */
	while (cur->tail != s->head &&
	       PKTSTAT_READ_ONCE(c->ring[cur->tail].frames) == cur->frames)
		cur->tail = pktstat_ring_next(cur->tail, c->size);

	if (cur->tail != s->head)
		w = PKTSTAT_READ_ONCE(c->ring[cur->tail].win);
	else if (s->frames != cur->frames)
		w = s->win;
	else
		return false;
	*win = w > next_win ? w : next_win;
	return true;
}

/* Move one CPU's cursor to its totals as of the end of window b. */
static inline void pktstat_cpu_advance(const struct pktstat_cpu *c,
				       struct pktstat_cursor *cur,
				       const struct pktstat_snap *s, u64 b)
{
	while (cur->tail != s->head) {
		const struct pktstat_rec *rec = &c->ring[cur->tail];

		if (PKTSTAT_READ_ONCE(rec->win) > b)
			return;
		cur->frames = PKTSTAT_READ_ONCE(rec->frames);
		cur->bytes = PKTSTAT_READ_ONCE(rec->bytes);
		cur->tail = pktstat_ring_next(cur->tail, c->size);
	}
	if (s->win <= b) {
		cur->frames = s->frames;
		cur->bytes = s->bytes;
	}
}

/*
 * Take the clock, then snapshot every CPU: the windows before the returned
 * limit are closed, and no packet still to come can fall in one of them.
 */
static inline u64 pktstat_snapshot_all(struct pktstat_cpu *const *cpus,
				       unsigned int ncpus, u64 period,
				       struct pktstat_snap *snaps)
{
	u64 limit = pktstat_div64(pktstat_clock_ns(), period);
	unsigned int i;

	pktstat_smp_mb();
	for (i = 0; i < ncpus; i++)
		pktstat_cpu_snapshot(cpus[i], &snaps[i]);
	return limit;
}

/*
 * Deliver up to max_lines closed windows, oldest first, through emit. Works on
 * the caller's copy of the cursors and reader state (cur, r): nothing is
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
	u64 limit = pktstat_snapshot_all(cpus, ncpus, period, snaps);
	unsigned int lines = 0;

	while (lines < max_lines) {
		u64 b = ~0ULL, w, frames = 0, bytes = 0;
		unsigned int i;

		for (i = 0; i < ncpus; i++)
			if (pktstat_cpu_next_win(cpus[i], &cur[i], &snaps[i],
						 r->next_win, &w) && w < b)
				b = w;
		if (b >= limit) {
			/* Every window before limit is closed, with traffic or not. */
			if (r->next_win < limit)
				r->next_win = limit;
			break;
		}
		for (i = 0; i < ncpus; i++) {
			pktstat_cpu_advance(cpus[i], &cur[i], &snaps[i], b);
			frames += cur[i].frames;
			bytes += cur[i].bytes;
		}
		emit(ctx, (b + 1) * period, frames, bytes);
		r->next_win = b + 1;
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
