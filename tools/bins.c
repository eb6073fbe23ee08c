// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "bins.h"

/* Beyond this the range stops growing: rows further out are clipped. */
#define SPAN_MAX	(1ULL << 62)

int bins_init(struct bins *b, size_t ncols, uint64_t lo, uint64_t hi)
{
	memset(b, 0, sizeof(*b));
	b->lo = lo;
	b->hi = hi;
	b->fixed = lo > 0 && hi < UINT64_MAX;
	b->n = b->fixed ? ncols : ncols * BINS_PER_COLUMN;
	if (b->fixed) {
		b->o = lo;
		b->span = hi - lo;
		b->started = true;
	}
	return ncols == 0 || (b->fixed && hi <= lo) ? -1 : 0;
}

void bins_free(struct bins *b)
{
	size_t s;

	for (s = 0; s < b->nser; s++)
		free(b->c[s]);
	free(b->c);
	b->c = NULL;
	b->nser = 0;
}

int bins_add_series(struct bins *b)
{
	struct cell **c = realloc(b->c, (b->nser + 1) * sizeof(*c));

	if (!c)
		return -1;
	b->c = c;
	c[b->nser] = calloc(b->n, sizeof(**c));
	if (!c[b->nser])
		return -1;
	return (int)b->nser++;
}

/* Start of cell i (i may be n: the end). */
static uint64_t cb(const struct bins *b, size_t i)
{
	if (!b->fixed)		/* span = n * w: no 128-bit division */
		return b->o + i * (b->span / b->n);
	return b->o + (uint64_t)((unsigned __int128)i * b->span / b->n);
}

/* The cell holding t, o <= t < o + span. */
static size_t cell_of(const struct bins *b, uint64_t t)
{
	size_t i;

	if (!b->fixed)
		return (size_t)((t - b->o) / (b->span / b->n));
	i = (size_t)((unsigned __int128)(t - b->o) * b->n / b->span);

	while (i + 1 < b->n && cb(b, i + 1) <= t)
		i++;
	while (i > 0 && cb(b, i) > t)
		i--;
	return i;
}

static void merge(struct cell *d, const struct cell *s)
{
	if (s->has_win) {
		if (!d->has_win || s->min_fps < d->min_fps)
			d->min_fps = s->min_fps;
		if (!d->has_win || s->min_bps < d->min_bps)
			d->min_bps = s->min_bps;
		if (s->max_fps > d->max_fps)
			d->max_fps = s->max_fps;
		if (s->max_bps > d->max_bps)
			d->max_bps = s->max_bps;
		d->has_win = true;
	}
	d->frames += s->frames;
	d->bytes += s->bytes;
	d->covered_ns += s->covered_ns;
	d->flags |= s->flags;
}

/* Double the span; the old cells become the left (or right) half. */
static void grow(struct bins *b, bool left)
{
	size_t h = b->n / 2, s, i;

	for (s = 0; s < b->nser; s++) {
		struct cell *c = b->c[s];

		if (left) {
			for (i = h; i-- > 0;) {
				struct cell m = c[2 * i];

				merge(&m, &c[2 * i + 1]);
				c[h + i] = m;
			}
			memset(c, 0, h * sizeof(*c));
		} else {
			for (i = 0; i < h; i++) {
				struct cell m = c[2 * i];

				merge(&m, &c[2 * i + 1]);
				c[i] = m;
			}
			memset(c + h, 0, h * sizeof(*c));
		}
	}
	if (left)
		b->o -= b->span;
	b->span *= 2;
}

/* Make [s, e) fit if the range may grow; false if it cannot. */
static bool fit(struct bins *b, uint64_t s, uint64_t e)
{
	if (!b->started) {
		b->o = b->lo > 0 ? b->lo : s;
		b->span = b->n;		/* 1 ns per cell */
		b->started = true;
	}
	while (s < b->o || e - b->o > b->span) {
		if (b->fixed || b->span >= SPAN_MAX)
			return false;
		if (s < b->o) {
			if (b->o < b->span)
				return false;	/* before 1970 + span */
			grow(b, true);
		} else {
			grow(b, false);
		}
	}
	return true;
}

bool bins_add(struct bins *b, size_t ser, const struct arow *r)
{
	/*
	 * doc/OUTPUTS.md: a row's counts lie in its last window unless it is
	 * merged (anywhere in its span: spread over it) or a step (span not
	 * known: its last window, but no rate). A first row is a window like
	 * any other: windows another reader took would have made it merged.
	 */
	bool spread = (r->flags & (AROW_MERGED | AROW_STEP)) == AROW_MERGED;
	bool known = !(r->flags & (AROW_MERGED | AROW_STEP));
	uint64_t s0, e0, s, e;
	double fps = 0, bps = 0, len;
	struct cell *c = b->c[ser];
	size_t i, last;

	e0 = r->end_ns;
	s0 = spread ? r->start_ns : r->end_ns - r->period_ns;
	s = s0 < b->lo ? b->lo : s0;
	e = e0 > b->hi ? b->hi : e0;
	if (s >= e || !fit(b, s, e)) {
		b->clipped++;
		return false;
	}
	len = (double)(e0 - s0);
	if (known) {
		fps = (double)r->frames * 1e9 / (double)r->period_ns;
		bps = (double)r->bytes * 8e9 / (double)r->period_ns;
	}
	last = cell_of(b, e - 1);
	for (i = cell_of(b, s); i <= last; i++) {
		uint64_t cs = cb(b, i), ce = cb(b, i + 1);
		uint64_t ov = (e < ce ? e : ce) - (s > cs ? s : cs);
		struct cell *x = &c[i];

		x->frames += (double)r->frames * (double)ov / len;
		x->bytes += (double)r->bytes * (double)ov / len;
		x->flags |= BINS_TOUCHED | (r->flags & (AROW_MERGED | AROW_STEP));
		if (!known)
			continue;
		if (!x->has_win || fps < x->min_fps)
			x->min_fps = fps;
		if (!x->has_win || bps < x->min_bps)
			x->min_bps = bps;
		if (fps > x->max_fps)
			x->max_fps = fps;
		if (bps > x->max_bps)
			x->max_bps = bps;
		x->covered_ns += ov;
		x->has_win = true;
	}
	return true;
}

int bins_columns(const struct bins *b, size_t ncols, struct column *out,
		 uint64_t *t0, double *col_ns)
{
	size_t a = b->n, z = 0, k, s, col, i;

	for (s = 0; s < b->nser; s++)
		for (i = 0; i < b->n; i++)
			if (b->c[s][i].flags & BINS_TOUCHED) {
				if (i < a)
					a = i;
				if (i > z)
					z = i;
			}
	if (a > z)
		return -1;
	if (b->fixed) {
		a = 0;
		k = 1;
	} else {
		if (b->lo > 0)
			a = 0;		/* the plot starts where asked */
		k = (z - a + ncols) / ncols;
	}
	*t0 = cb(b, a);
	*col_ns = b->fixed ? (double)b->span / (double)ncols :
		  (double)(cb(b, a + k) - cb(b, a));
	for (s = 0; s < b->nser; s++) {
		size_t sa = b->n, sz = 0;

		for (i = 0; i < b->n; i++)
			if (b->c[s][i].flags & BINS_TOUCHED) {
				sa = i < sa ? i : sa;
				sz = i;
			}
		for (col = 0; col < ncols; col++) {
			struct column *o = &out[s * ncols + col];
			struct cell m = { .frames = 0 };
			size_t first = a + col * k;
			double dur;

			memset(o, 0, sizeof(*o));
			if (first + k <= sa || first > sz) {
				o->flags = BINS_OUTSIDE;
				continue;
			}
			/* Past the last cell: time with no row, still counted. */
			for (i = first; i < first + k && i < b->n; i++)
				merge(&m, &b->c[s][i]);
			dur = (double)(cb(b, first + k) - cb(b, first));
			if (dur <= 0)
				continue;
			o->frames = m.frames;
			o->bytes = m.bytes;
			o->mean_fps = m.frames * 1e9 / dur;
			o->mean_bps = m.bytes * 8e9 / dur;
			o->max_fps = m.max_fps;
			o->max_bps = m.max_bps;
			if (m.has_win && (double)m.covered_ns >= dur) {
				o->min_fps = m.min_fps;
				o->min_bps = m.min_bps;
			}
			o->flags = m.flags;
		}
	}
	return 0;
}
