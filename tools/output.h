/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an instance's rows go: OUTDIR/NAME.csv, and the state files
 * (state.h) that say which was the last, so that recovery after a crash
 * never depends on what logrotate named the old file.
 */
#ifndef PKTSTAT_OUTPUT_H
#define PKTSTAT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "collect.h"

/* How long a vanished CSV path may stay missing before a new file is made. */
#define MISSING_WAIT_NS	1000000000ULL

/*
 * Recovery candidates: NAME.state, NAME.last, NAME.csv's last row and, if
 * NAME.last names another file, that file's last row when it is found in
 * OUTDIR or a directory below it (a rotation the collector did not see).
 */
void output_load(struct collector *c, struct instance *in);

/*
 * Append rows (in order). Rows that could not be written are kept pending
 * (in->pend) and nothing more should be read. Returns 0 or -1.
 */
int output_write(struct collector *c, struct instance *in,
		 const struct row *rows, size_t n);

/* Write the pending rows. Returns 0 or -1 with rows still pending. */
int output_flush(struct collector *c, struct instance *in);

/*
 * Save the state if it is behind the CSV: at most every second unless
 * forced. Syncs the CSV first: the state never claims rows the disk may lose.
 */
void output_save(struct collector *c, struct instance *in, bool force);

/* Sync, save and close the CSV (idle, fd budget, SIGHUP). */
void output_close(struct collector *c, struct instance *in);

/*
 * The instance is gone: close and save as above. Returns 0, or -1 if the
 * state could not be saved (try again later).
 */
int output_gone(struct collector *c, struct instance *in);

/* Close the files without a word (freeing the instance). */
void output_drop(struct collector *c, struct instance *in);

/* windows_read the state may record (0: unknown or rows not written). */
uint64_t output_wr_now(const struct instance *in);

#endif
