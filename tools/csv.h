/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CSV files (format 2, doc/OUTPUTS.md): one per instance, a header line,
 * then one row per window. Rows are appended whole (one write(2) of whole
 * lines, O_APPEND), so a kill -9 never leaves half a row; a short write
 * (disk full) is cut back to the last whole row.
 */
#ifndef PKTSTAT_CSV_H
#define PKTSTAT_CSV_H

#include <stddef.h>
#include <sys/types.h>

#include "delta.h"

#define CSV_HEADER "time_utc,end_ns,instance,instance_id,frames,bytes," \
		   "total_frames,total_bytes,start_ns,period_ns,flags\n"
/* Format 1, before start_ns, period_ns and flags. */
#define CSV_HEADER_V1 "time_utc,end_ns,instance,instance_id,frames,bytes," \
		      "total_frames,total_bytes\n"

/* Longest row: 30 + 8 * 20 + 31 + 17 + 10 commas + '\n' = 249. */
#define CSV_ROW_MAX 256
/* What csv_format_row() may write to, past the row's end too. */
#define CSV_ROW_BUF (CSV_ROW_MAX + 64)

/*
 * Format one row with its '\n' into buf (CSV_ROW_BUF bytes: bytes after the
 * row may be overwritten). Returns the row's length.
 */
size_t csv_format_row(char *buf, const struct row *r, const char *name,
		      size_t name_len);

/*
 * Parse a row (without '\n') of format 2, or of format 1 (then start_ns,
 * period_ns and flags are 0). The instance name is not checked: each file
 * holds one instance. Returns 0 or -1 (also for the header).
 */
int csv_parse_row(const char *s, size_t len, struct row *r);

/*
 * Last whole row of the file at path, ignoring a torn tail.
 * Returns 1 if found, 0 if none (no file, header only), -1 on error.
 */
int csv_last_row(const char *path, struct row *r);

/* csv_open() found a header of another format (1) at the top of the file. */
#define CSV_FOREIGN (-2)

/*
 * Open path for appending (creating it 0640 unless create is false), cut a
 * torn tail and write the header if the file is empty. Returns the fd, -1
 * with errno set (nothing logged: the caller knows the context), or
 * CSV_FOREIGN if the file starts with another header (nothing written).
 */
int csv_open(const char *path, bool create);

/*
 * Append len bytes of whole lines with one write(2). On a short write the
 * torn part is cut and *whole says how many bytes of whole lines stayed.
 * Returns 0 or -1 with errno set.
 */
int csv_append(int fd, const char *buf, size_t len, size_t *whole);

#endif
