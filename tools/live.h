/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live view (doc/OUTPUTS.md section 2): per instance, the recent rows and
 * per-second sums, in RUNDIR/NAME.live, rewritten atomically; and the
 * collector's heartbeat, RUNDIR/collector.
 */
#ifndef PKTSTAT_LIVE_H
#define PKTSTAT_LIVE_H

#include "collect.h"

#define LIVE_SECONDS	60	/* S lines: the last 60 s */
#define LIVE_ROWS	1000	/* W lines: the newest 1000 rows */
#define LIVE_EVERY_NS	1000000000ULL	/* check an idle instance's view */

/*
 * A row can be a peak (live view and metrics) only if its counts are known
 * to lie in its last window: not merged, and not a first row that spans
 * more than one window.
 */
bool row_is_window(const struct row *r);

/* Account a row just made (memory grows to a bound: about 28 KiB). */
void live_add(struct instance *in, const struct row *r);

/*
 * Whether RUNDIR/NAME.live must be written: rows were read, or anything it
 * shows changed (stats, the interval, an S line aged out). An idle
 * instance's file stays as it is.
 */
bool live_due(struct collector *c, struct instance *in, bool rows);

/* Write RUNDIR/NAME.live. Returns 0 or -1 (logged, throttled). */
int live_write(struct collector *c, struct instance *in);

/* Forget the view (memory only). */
void live_free(struct instance *in);

/* Remove RUNDIR/NAME.live and forget the view. */
void live_remove(struct collector *c, struct instance *in);

/* RUNDIR/collector: pid, updated_ns, interval_ns. */
void heartbeat_write(struct collector *c, uint64_t interval_ns);
void heartbeat_remove(struct collector *c);

/*
 * interval_ns of a running collector's heartbeat at RUNDIR/collector if it
 * is fresh (written in the last max(2 x interval, 3 s)), else 0.
 */
uint64_t heartbeat_interval(const char *rundir);

#endif
