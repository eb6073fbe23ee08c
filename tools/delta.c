// SPDX-License-Identifier: GPL-2.0
/*
 * Delta logic. The kernel reports cumulative totals, so a row lost anywhere
 * (a full FIFO, a crash between read and write) only merges into the next
 * row's delta: counts are never lost as long as the cursor is the last row
 * that was really written.
 */
#include "delta.h"

enum delta_kind delta_apply(struct cursor *c, uint64_t id,
			    const struct sample *s, struct row *out)
{
	bool same_id = id == 0 || c->id == 0 || id == c->id;
	enum delta_kind kind;

	/* Windows of one instance never go back: an older end is a replay. */
	if (c->valid && same_id && s->end_ns <= c->end_ns)
		return DELTA_STALE;
	if (c->valid && same_id && s->frames >= c->frames &&
	    s->bytes >= c->bytes) {
		out->frames = s->frames - c->frames;
		out->bytes = s->bytes - c->bytes;
		kind = DELTA_NEXT;
	} else {
		/* New instance (or first sight): it counted from zero. */
		out->frames = s->frames;
		out->bytes = s->bytes;
		kind = DELTA_NEW_SERIES;
	}
	out->end_ns = s->end_ns;
	out->id = id ? id : c->id;
	out->total_frames = s->frames;
	out->total_bytes = s->bytes;
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
