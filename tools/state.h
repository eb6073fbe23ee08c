/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-instance state file: the cursor of the last row written to the CSV
 * and the kernel counters seen with it. It covers every row that left the
 * current CSV file (rotation, deletion): it is saved before the collector
 * writes to a new file, and the CSV's own last row is the truth otherwise.
 */
#ifndef PKTSTAT_STATE_H
#define PKTSTAT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "delta.h"

struct state {
	struct cursor cur;
	uint64_t overflows;	/* the kernel's counters for cur.id */
	uint64_t clock_steps;
	/*
	 * The kernel's windows_read when the last row read had been written
	 * (nothing read and not written): a later collector that finds the
	 * same value knows no window was taken between. 0 = unknown.
	 */
	uint64_t windows_read;
};

/* Returns 1 if loaded, 0 if there is none, -1 if unreadable or invalid. */
int state_load(const char *path, struct state *st);

/* Atomic: temp file, fsync, rename. Returns 0 or -1 with errno set. */
int state_save(const char *path, const struct state *st);

#endif
