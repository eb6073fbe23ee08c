/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the collector's CSV archive (doc/OUTPUTS.md, format 2; format 1
 * with a given period): plain or gzip files, one row at a time, columns
 * found by the header's names. Streams: memory does not grow with the file.
 */
#ifndef PKTSTAT_ARCHIVE_H
#define PKTSTAT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* Row flags (the CSV's flags column). */
#define AROW_FIRST	1u
#define AROW_STEP	2u
#define AROW_MERGED	4u

/* Longest line accepted; rows of format 2 are under 320 bytes. */
#define ARCHIVE_LINE_MAX 1024

struct arow {
	uint64_t end_ns;
	uint64_t start_ns;	/* start of the span the counts belong to */
	uint64_t period_ns;
	uint64_t frames;
	uint64_t bytes;
	unsigned int flags;
	char name[NAME_MAX_LEN + 1];
};

/* Column positions from the header; -1 when absent. */
enum acol {
	AC_END, AC_INSTANCE, AC_FRAMES, AC_BYTES, AC_START, AC_PERIOD,
	AC_FLAGS, AC_N
};

struct archive {
	const char *path;
	void *gz;			/* gzFile: reads plain files as they are */
	char *buf;
	size_t len, pos;		/* bytes in buf, start of the next line */
	bool eof;
	unsigned long line;		/* number of the last line returned */
	int col[AC_N];
	int ncols;			/* fields per row, from the header */
	uint64_t period_ns;		/* for files without period_ns; 0: none */
	bool partial_tail;		/* the last line had no '\n': ignored */
};

/*
 * Open path (gzip or plain). period_ns is used for rows of files without a
 * period_ns column (format 1); 0 makes such files an error. Returns 0, or
 * -1 with a message naming the file in err.
 */
int archive_open(struct archive *a, const char *path, uint64_t period_ns,
		 char *err, size_t errlen);

/*
 * The next data row. Returns 1 with *r filled, 0 at the end of the file,
 * -2 for a row that does not parse (the next call goes on after it), -1
 * for an error that ends the file (no header, a line too long, a read or
 * gzip error); with "path:line: reason" in err for both.
 */
int archive_next(struct archive *a, struct arow *r, char *err, size_t errlen);

void archive_close(struct archive *a);

/*
 * One data line (without '\n') against the column map of a header.
 * Exposed for the unit tests and the fuzzer. r->name must hold a valid
 * name or "" (it is the previous row's: a name seen is not checked
 * again). Returns 0 or -1 with a reason in *why.
 */
int archive_parse_row(const char *s, size_t len, const int col[AC_N],
		      int ncols, uint64_t period_ns, struct arow *r,
		      const char **why);

/*
 * Map a header line's columns. Returns the number of fields, or -1 when
 * the line is not a header of ours (no end_ns, instance, frames or bytes).
 */
int archive_parse_header(const char *s, size_t len, int col[AC_N]);

/*
 * Does a file name belong to the archive of an instance: NAME.csv,
 * NAME.csv.N, NAME.csv-DATE (logrotate dateext), each optionally .gz, or
 * NAME.csv.format1[.N] (format 1 rows the collector moved aside: *format1
 * says so)? With name NULL any valid instance name matches; the name found
 * is copied to found (NAME_MAX_LEN + 1 bytes) if not NULL.
 */
bool archive_file_matches(const char *file, const char *name, char *found,
			  bool *format1);

#endif
