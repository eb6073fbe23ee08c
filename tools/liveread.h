/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readers of the collector's live view (doc/OUTPUTS.md section 2): the
 * RUNDIR/NAME.live files and the RUNDIR/collector heartbeat. Pure functions
 * on buffers, so the unit tests and the fuzzer reach them.
 */
#ifndef PKTSTAT_LIVEREAD_H
#define PKTSTAT_LIVEREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

#define LIVE_VERSION	1
/* Stale when the heartbeat is older than max(2 x interval, this). */
#define LIVE_STALE_MIN_NS 3000000000ULL

/* An S line: one second of window ends, (end_ns - 1 s, end_ns]. */
struct live_second {
	uint64_t end_ns;
	uint64_t frames, bytes;
	uint64_t peak_frames, peak_frames_end_ns;
	uint64_t peak_bytes, peak_bytes_end_ns;
	uint64_t windows;
};

#define LIVE_MAX_SECONDS 64	/* S lines kept: the newest (60 written) */

struct live_file {
	uint64_t version;
	char name[NAME_MAX_LEN + 1];
	uint64_t instance_id, period_ns, samples;
	uint64_t updated_ns, interval_ns, last_end_ns;
	uint64_t total_frames, total_bytes;
	uint64_t overflows, queued, clock_steps;
	struct live_second sec[LIVE_MAX_SECONDS];	/* oldest first */
	size_t nsec;
};

/*
 * Parse a live file. Returns 0, or -1 with the reason in *why (a missing
 * or bad key, another version, a bad S line).
 */
int live_parse(const char *buf, size_t len, struct live_file *lv, const char **why);

/* The S line of the second ending at end_ns, or NULL (no traffic). */
const struct live_second *live_second_at(const struct live_file *lv,
					 uint64_t end_ns);

/*
 * The heartbeat: pid and updated_ns, and interval_ns if the collector says
 * (0 if not). Returns 0 or -1.
 */
int live_parse_heartbeat(const char *buf, size_t len, uint64_t *pid,
			 uint64_t *updated_ns, uint64_t *interval_ns);

/* Is a heartbeat written at updated_ns stale at now_ns? */
bool live_stale(uint64_t updated_ns, uint64_t interval_ns, uint64_t now_ns);

#endif
