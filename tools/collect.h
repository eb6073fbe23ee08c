/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector: finds the instances under the proc root, drains each data
 * file into its CSV and keeps its state file, one round at a time.
 */
#ifndef PKTSTAT_COLLECT_H
#define PKTSTAT_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "delta.h"
#include "parse.h"

/*
 * Bytes read from a data file at once. Rows read are written before the
 * next read, so this also bounds what is held in memory per instance while
 * the disk fails (at most this many bytes of lines, 6 bytes at least each).
 */
#define READ_BUF	(64 * 1024)
#define DATA_LINE_MAX	62	/* three u64 and two spaces */
/* Rows from one buffer plus a carried partial line: 6 bytes per line min. */
#define PEND_MAX	((READ_BUF + 2 * DATA_LINE_MAX) / 6 + 2)

/* Auto interval: a quarter of the shortest drain deadline, within these. */
#define AUTO_MIN_NS	10000000ULL		/* 10 ms */
#define AUTO_MAX_NS	10000000000ULL		/* 10 s */

struct instance {
	char name[NAME_MAX_LEN + 1];
	struct inst_stats stats;	/* from the last round it was seen */
	bool present;			/* seen in the last scan */
	bool stats_ok;
	struct cursor cur;		/* after the last row read (pending too) */
	struct cursor done;		/* after the last row written */
	uint64_t overflows;		/* last reported kernel overflow count */
	bool state_dirty;
	struct row *pend;		/* read, not yet written, in order */
	size_t npend;
	int fd;				/* CSV, -1 when closed */
	dev_t dev;
	ino_t ino;
	int err;			/* errno of the last failure, 0 if none */
	time_t err_logged;
	bool warned_deadline;
	uint64_t ovf_id;		/* instance id overflows belongs to */
	uint64_t saved_at;		/* last state save, CLOCK_MONOTONIC ns */
};

struct collector {
	const char *proc_root;
	const char *outdir;
	const char *statedir;
	char **names;			/* only these instances, if nnames > 0 */
	int nnames;
	uint64_t interval_ns;		/* 0 = auto */
	/*
	 * CLOCK_REALTIME of this boot: a series whose last row ended before
	 * it belongs to an instance of an earlier boot. 0 disables the test.
	 */
	uint64_t boot_ns;
	struct instance **inst;
	size_t ninst;
	char *rbuf;			/* READ_BUF + one partial line */
	char *wbuf;
};

int collector_init(struct collector *c);
void collector_free(struct collector *c);

/*
 * One round: rescan, then for each instance write what is pending, read
 * what the kernel has, write it, save the state. Returns the number of
 * instances left with an error (rows still pending or not drained).
 */
int collector_round(struct collector *c);

/* At exit: save every state file that is behind. */
void collector_save_all(struct collector *c);

/* SIGHUP: close every CSV file; they are reopened at the next write. */
void collector_reopen(struct collector *c);

/* Rows read and not yet written, all instances. */
size_t collector_pending(const struct collector *c);

/* Interval to use: the configured one, or from the deadlines. */
uint64_t collector_interval(const struct collector *c);

/*
 * --check: print each instance's deadline (samples x period) against the
 * interval, reading no data. Returns the number that would overflow.
 */
int collector_check(struct collector *c);

#endif
