/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an instance's rows go: OUTDIR/NAME.csv, the state file that covers
 * every row which left that path (rotation, deletion), and the hidden second
 * name OUTDIR/.NAME.csv.cur of the file being written, so that recovery
 * after a crash never depends on what logrotate named the old file.
 */
#ifndef PKTSTAT_OUTPUT_H
#define PKTSTAT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "collect.h"

/* How long a vanished CSV path may stay missing before a new file is made. */
#define MISSING_WAIT_NS	1000000000ULL

/* Recovery candidates: the state file, .NAME.csv.cur's and NAME.csv's last rows. */
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
 * The instance is gone: close and save as above, then drop the hidden name,
 * which the saved state makes useless. Returns 0, or -1 if the state could
 * not be saved (try again later).
 */
int output_gone(struct collector *c, struct instance *in);

/* windows_read the state may record (0: unknown or rows not written). */
uint64_t output_wr_now(const struct instance *in);

#endif
