// SPDX-License-Identifier: GPL-2.0
/*
 * Delta logic. The kernel reports cumulative totals, so a row lost anywhere
 * (a full queue, a crash between read and write) only merges into the next
 * row's delta: counts are never lost as long as the cursor is the last row
 * that was really written.
 */
#include "delta.h"

enum delta_kind delta_apply(struct cursor *c, const struct series_ctx *ctx,
			    const struct sample *s, struct row *out)
{
	uint64_t p = ctx->period_ns < s->end_ns ? ctx->period_ns : s->end_ns;
	enum delta_kind kind;

	out->flags = 0;
	if (c->valid && c->id == ctx->id) {
		if (s->frames <= c->frames || s->bytes < c->bytes)
			return DELTA_STALE;
		out->frames = s->frames - c->frames;
		out->bytes = s->bytes - c->bytes;
		out->flags = ctx->next_flags;
		if (s->end_ns > c->end_ns) {
			out->start_ns = c->end_ns;
		} else {
			out->flags |= ROW_STEP;
			out->start_ns = s->end_ns - p;
		}
		kind = DELTA_NEXT;
	} else {
		/* A new instance (or first sight): it counted from zero. */
		out->frames = s->frames;
		out->bytes = s->bytes;
		out->flags = ROW_FIRST | ctx->first_flags;
		out->start_ns = ctx->created_ns && ctx->created_ns <= s->end_ns ?
				ctx->created_ns : s->end_ns - p;
		kind = DELTA_NEW_SERIES;
	}
	out->end_ns = s->end_ns;
	out->id = ctx->id;
	out->total_frames = s->frames;
	out->total_bytes = s->bytes;
	out->period_ns = ctx->period_ns;
	cursor_from_row(c, out);
	return kind;
}

void cursor_from_row(struct cursor *c, const struct row *r)
{
	c->valid = true;
	c->id = r->id;
	c->end_ns = r->end_ns;
	c->frames = r->total_frames;
	c->bytes = r->total_bytes;
}
