/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-instance state file: the cursor of the last row written to the CSV and
 * the last overflow count seen. Only an optimisation over reading the CSV
 * back (which stays the truth), but it survives logrotate.
 */
#ifndef PKTSTAT_STATE_H
#define PKTSTAT_STATE_H

#include <stdint.h>

#include "delta.h"

struct state {
	struct cursor cur;
	uint64_t overflows;
	/*
	 * The instance's directory vanished: whatever comes back under the
	 * same name is a new instance, even if its id looks the same (ids
	 * restart when the module is reloaded).
	 */
	bool ended;
};

/* Returns 1 if loaded, 0 if there is none, -1 if unreadable or invalid. */
int state_load(const char *path, struct state *st);

/* Atomic: temp file, fsync, rename. Returns 0 or -1 with errno set. */
int state_save(const char *path, const struct state *st);

#endif
