/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counting rule the README states, as a model to check the core's lines
 * against: a CPU counts in its window until that window's end in
 * CLOCK_MONOTONIC; a packet at or past it opens the window of its
 * CLOCK_REALTIME in the current clock epoch. Lines come in (epoch, window)
 * order, one per window with traffic, with cumulative totals.
 */
#ifndef MODEL_H
#define MODEL_H

#include <inttypes.h>
#include <stdio.h>

#include "fixture.h"

struct model_cpu {
	int open;
	struct pktstat_key key;
	u64 end;			/* CLOCK_MONOTONIC */
};

struct model_pkt {
	struct pktstat_key key;
	u64 len;
};

struct model {
	struct model_pkt *v;
	size_t n, cap;
};

/* The window of a packet at now, given the epoch the CPU found current. */
static inline struct pktstat_key model_window(struct model_cpu *m, u64 period,
					      u64 now, u32 epoch)
{
	u64 off = __atomic_load_n(&test_offsets[epoch % TEST_EPOCHS],
				  __ATOMIC_RELAXED);

	if (!m->open || now >= m->end) {
		m->open = 1;
		m->key.epoch = epoch;
		m->key.win = (now + off) / period;
		m->end = (m->key.win + 1) * period - off;
	}
	return m->key;
}

static inline void model_add(struct model *m, struct pktstat_key key, u64 len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
		if (!m->v)
			abort();
	}
	m->v[m->n].key = key;
	m->v[m->n].len = len;
	m->n++;
}

static int model_cmp(const void *a, const void *b)
{
	const struct model_pkt *x = a, *y = b;

	if (pktstat_key_before(x->key, y->key))
		return -1;
	return pktstat_key_before(y->key, x->key);
}

/*
 * Every line must be the next window with traffic, in key order, with the
 * exact cumulative totals: none missing, none twice. Returns the number of
 * wrong lines (a missing or extra line counts too) and prints the first.
 */
static inline size_t model_check(struct model *m, u64 period,
				 const struct line_buf *lines)
{
	u64 frames = 0, bytes = 0;
	size_t i = 0, k = 0, wrong = 0;

	qsort(m->v, m->n, sizeof(*m->v), model_cmp);
	while (i < m->n) {
		struct pktstat_key key = m->v[i].key;

		for (; i < m->n && !model_cmp(&m->v[i], &(struct model_pkt){ key, 0 }); i++) {
			frames++;
			bytes += m->v[i].len;
		}
		if (k >= lines->n || lines->v[k].end_ns != (key.win + 1) * period ||
		    lines->v[k].frames != frames || lines->v[k].bytes != bytes) {
			if (!wrong++)
				printf("# line %zu: want %" PRIu64 " %" PRIu64 " %" PRIu64
				       " (epoch %u), got %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				       k, (key.win + 1) * period, frames, bytes, key.epoch,
				       k < lines->n ? lines->v[k].end_ns : 0,
				       k < lines->n ? lines->v[k].frames : 0,
				       k < lines->n ? lines->v[k].bytes : 0);
		}
		k++;
	}
	if (lines->n > k) {
		printf("# %zu lines, %zu windows with traffic\n", lines->n, k);
		wrong += lines->n - k;
	}
	return wrong;
}

#endif /* MODEL_H */
