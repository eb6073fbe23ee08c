/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-instance state: the cursor of the last row written to the CSV and the
 * kernel counters seen with it, in two files of one format:
 *
 *  STATEDIR/NAME.state  saved atomically and synced (temp file, fsync,
 *                       rename) now and then and at exit;
 *  STATEDIR/NAME.last   a fixed-size record rewritten in place after every
 *                       write to the CSV, never synced: a process crash
 *                       (kill -9, OOM) keeps it in the page cache, and what
 *                       loses the page cache (a power cut, a panic) reboots,
 *                       which gives every instance a new id anyway.
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
	/* NAME.last: the CSV file written, to find it if it was renamed. */
	uint64_t csv_dev;
	uint64_t csv_ino;
};

/* Size of a NAME.last record. */
#define STATE_RECORD 384

/* Returns 1 if loaded, 0 if there is none, -1 if unreadable or invalid. */
int state_load(const char *path, struct state *st);

/* Atomic: temp file, fsync, rename. Returns 0 or -1 with errno set. */
int state_save(const char *path, const struct state *st);

/* A NAME.last record (STATE_RECORD bytes, padded) into buf. */
void state_record(char *buf, const struct state *st);

#endif
