/* SPDX-License-Identifier: GPL-2.0 */
/* An instance of the core for tests: N CPUs, their rings, a reader. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_user.h"

struct line {
	u64 end_ns, frames, bytes;
};

struct fixture {
	unsigned int ncpus;
	u64 period;
	struct pktstat_cpu *cpu;	/* ncpus of them */
	struct pktstat_cpu **cpus;
	struct pktstat_cursor *cursors, *scratch;
	struct pktstat_snap *snaps;
	struct pktstat_reader reader;
	u32 epoch0;			/* clock epoch at creation */
};

struct line_buf {
	struct line *v;
	size_t n, cap;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

static void fixture_init(struct fixture *f, unsigned int ncpus, u64 period,
			 u32 capacity)
{
	unsigned int i;

	f->ncpus = ncpus;
	f->period = period;
	f->cpu = aligned_alloc(64, ncpus * sizeof(*f->cpu));
	if (!f->cpu)
		abort();
	f->cpus = xcalloc(ncpus, sizeof(*f->cpus));
	f->cursors = xcalloc(ncpus, sizeof(*f->cursors));
	f->scratch = xcalloc(ncpus, sizeof(*f->scratch));
	f->snaps = xcalloc(ncpus, sizeof(*f->snaps));
	for (i = 0; i < ncpus; i++) {
		pktstat_cpu_init(&f->cpu[i],
				 xcalloc(capacity + 1, sizeof(struct pktstat_rec)),
				 capacity);
		f->cpus[i] = &f->cpu[i];
	}
	f->epoch0 = pktstat_clock_seq();
	pktstat_reader_init(&f->reader, f->epoch0);
}

/* The stats file's clock_steps: epochs since the instance was created. */
static inline u32 fixture_clock_steps(const struct fixture *f)
{
	return pktstat_clock_seq() - f->epoch0;
}

static void fixture_free(struct fixture *f)
{
	unsigned int i;

	for (i = 0; i < f->ncpus; i++)
		free(f->cpu[i].ring);
	free(f->cpu);
	free(f->cpus);
	free(f->cursors);
	free(f->scratch);
	free(f->snaps);
}

static void line_push(void *ctx, u64 end_ns, u64 frames, u64 bytes)
{
	struct line_buf *b = ctx;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		if (!b->v)
			abort();
	}
	b->v[b->n].end_ns = end_ns;
	b->v[b->n].frames = frames;
	b->v[b->n].bytes = bytes;
	b->n++;
}

/* One read as the kernel does it; commit = 0 drops what it collected. */
static unsigned int fixture_read(struct fixture *f, struct line_buf *out,
				 unsigned int max_lines, int commit)
{
	struct pktstat_reader r = f->reader;
	unsigned int n;

	memcpy(f->scratch, f->cursors, f->ncpus * sizeof(*f->scratch));
	n = pktstat_collect(f->cpus, f->ncpus, f->period, f->scratch, &r,
			    f->snaps, max_lines, line_push, out);
	if (commit) {
		memcpy(f->cursors, f->scratch, f->ncpus * sizeof(*f->cursors));
		f->reader = r;
		pktstat_commit(f->cpus, f->ncpus, f->cursors);
	}
	return n;
}

/* Single-threaded tests: a packet on cpu at CLOCK_MONOTONIC t. */
static inline void packet_at(struct fixture *f, unsigned int cpu, u64 t,
			     u64 len)
{
	test_clock = t;
	pktstat_cpu_count(&f->cpu[cpu], f->period, 1, len);
}

/* Single-threaded tests: a whole read, committed, at CLOCK_MONOTONIC t. */
static inline unsigned int read_at(struct fixture *f, u64 t,
				   struct line_buf *out)
{
	test_clock = t;
	return fixture_read(f, out, ~0U, 1);
}

/* 1 if lines from..from+n of b are want (end, frames, bytes), else says which. */
static inline int lines_are(const struct line_buf *b, size_t from, size_t n,
		     const u64 (*want)[3])
{
	size_t i;

	if (b->n != from + n) {
		printf("# %zu lines, want %zu\n", b->n, from + n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct line *l = &b->v[from + i];

		if (l->end_ns != want[i][0] || l->frames != want[i][1] ||
		    l->bytes != want[i][2]) {
			printf("# line %zu: got %" PRIu64 " %" PRIu64 " %" PRIu64
			       ", want %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			       from + i, l->end_ns, l->frames, l->bytes,
			       want[i][0], want[i][1], want[i][2]);
			return 0;
		}
	}
	return 1;
}

#endif /* FIXTURE_H */
