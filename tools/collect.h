/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector: lists the instances under the proc root, drains each data
 * file into its CSV (output.c), keeps its live view (live.c) and the
 * Prometheus textfile (prom.c), one round at a time.
 */
#ifndef PKTSTAT_COLLECT_H
#define PKTSTAT_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "delta.h"
#include "log.h"
#include "parse.h"
#include "state.h"

/*
 * Bytes read from a data file at once (the kernel hands out at most 64 KiB
 * per read). Rows read are written before the next read, so this also bounds
 * what is held in memory per instance while the disk fails.
 */
#define READ_BUF	(64 * 1024)
#define DATA_LINE_MAX	62	/* three u64 and two spaces */
/* The CSV write buffer. */
#define WBUF		(256 * 1024)
/* Lines from one buffer plus a carried partial line: 6 bytes per line min. */
#define PEND_MAX	((READ_BUF + DATA_LINE_MAX) / 6 + 2)

/* Auto interval: a quarter of the shortest drain deadline, within these. */
#define AUTO_MIN_NS	10000000ULL		/* 10 ms */
#define AUTO_MAX_NS	10000000000ULL		/* 10 s */
/* With the live view on, every instance is read at least this often. */
#define LIVE_MAX_NS	1000000000ULL

#define NS	((uint64_t)1000000000)

/*
 * A kernel counter (overflows, clock_steps, windows others read) turned into
 * row flags. An event the counter counts shows up in the first data read
 * after it; the value known before the previous read was read before that
 * event, so a counter above it flags every row of this read. It can flag a
 * row too many, never one too few.
 */
struct ctr {
	uint64_t known;		/* latest value read */
	uint64_t mark;		/* known when the current read began */
	uint64_t prev_mark;	/* known when the previous read began */
};

struct live;

struct instance {
	char name[NAME_MAX_LEN + 1];
	size_t name_len;
	struct instance *hnext;		/* hash chain */
	unsigned long listed;		/* generation of the listing that saw it */

	/* The kernel side: the data file and the stats of its instance. */
	int dfd;			/* -1 when closed */
	dev_t ddev;
	ino_t dino;
	char carry[DATA_LINE_MAX + 1];	/* a plain file may split a line */
	size_t ncarry;
	struct inst_stats st;		/* of the instance dfd reads */
	bool st_ok;
	uint64_t st_at;			/* CLOCK_MONOTONIC of the stats read */
	uint64_t lines_since_open;	/* lines read through dfd */
	uint64_t wr_open;		/* windows_read when dfd was opened */
	struct ctr ovf, steps, others;
	uint64_t ctr_id;		/* the id the counters belong to */
	/*
	 * windows_read to expect at the next open if no one else read the
	 * data file meanwhile (0: unknown), and whether the cursor is known to
	 * be the last row read (clean stop, or this process closed dfd).
	 */
	uint64_t wr_expect;
	bool clean_resume;
	bool suspect;			/* windows may be missing before the next row */

	/* The series. */
	bool chosen;			/* cursor chosen at the first open */
	struct cursor cand[4];		/* recovery candidates until then */
	int ncand;
	struct state saved;		/* the state file as loaded */
	bool has_saved;
	struct cursor cur;		/* after the last row made (pending too) */
	struct cursor done;		/* after the last row written */

	/* The CSV (output.c). */
	int cfd;			/* -1 when closed */
	dev_t cdev;
	ino_t cino;
	int lfd;			/* STATEDIR/NAME.last, with cfd */
	uint64_t missing_since;		/* the CSV path vanished (mono ns) */
	uint64_t last_write;		/* mono ns */
	struct row *pend;		/* made, not yet written, in order */
	size_t npend;
	bool state_dirty;
	uint64_t saved_at;		/* mono ns */
	int err;			/* errno of the last output failure */

	/* Views. */
	struct live *live;
	uint64_t live_at;		/* mono ns of the last live view write */
	bool live_file;			/* RUNDIR/NAME.live exists */
	uint64_t live_sig[8];		/* what it shows, but rows and time */
	uint64_t peak_frames;		/* since the last metrics write */
	uint64_t peak_bytes;

	uint64_t warned_id;		/* deadline warning given for this id */
	struct throttle t_err, t_ovf, t_bad, t_stale;
};

struct collector {
	const char *proc_root;
	const char *outdir;
	const char *statedir;
	const char *rundir;		/* live view; NULL or "" = off */
	const char *promdir;		/* metrics textfile; NULL = off */
	uint64_t prom_interval_ns;
	char **names;			/* only these instances, if nnames > 0 */
	int nnames;
	uint64_t interval_ns;		/* 0 = auto */
	uint64_t recheck_ns;		/* stats and identity of a held dfd */
	bool once;			/* one round: no deadline warnings */
	bool check;			/* --check: stats only, no files */
	/* Tests: runs between the data file's open and the stats read. */
	void (*test_hook)(struct collector *c, struct instance *in);

	struct instance **inst;
	size_t ninst;
	size_t cap;
	struct instance **hash;
	size_t nhash;			/* power of two */
	unsigned long attempt;		/* listings tried */
	unsigned long gen;		/* the last listing that succeeded */
	bool proc_missing;		/* the proc root is absent (no module) */
	int fd_budget;			/* fds instances may hold */
	int nheld;
	char *rbuf;			/* READ_BUF, a partial line, slack */
	char *wbuf;
	struct sample *samples;		/* PEND_MAX */
	struct row *rows;		/* PEND_MAX */
	uint64_t now;			/* CLOCK_MONOTONIC at the round's start */
	uint64_t round_rt;		/* CLOCK_REALTIME at the last round */
	uint64_t prom_at;		/* mono ns of the last metrics write */
	struct throttle t_list, t_stats, t_data, t_run, t_prom, t_fd;
};

int collector_init(struct collector *c);
void collector_free(struct collector *c);

/*
 * One round: list, then for each instance write what is pending, read what
 * the kernel has, write it, save the state, refresh its live view; then the
 * heartbeat and, when due, the metrics. Returns the number of instances left
 * with an error (rows still pending or not drained).
 */
int collector_round(struct collector *c);

/* At exit: sync and save every state file that is behind. */
void collector_save_all(struct collector *c);

/* SIGHUP: sync, save and close every CSV file; reopened at the next write. */
void collector_reopen(struct collector *c);

/* At a clean stop of the daemon: remove the live view and heartbeat files. */
void collector_stop_views(struct collector *c);

/* Rows made and not yet written, all instances. */
size_t collector_pending(const struct collector *c);

/* Interval to use: the configured one, or from the deadlines. */
uint64_t collector_interval(const struct collector *c);

/* Listed by the last listing that succeeded (or found by a later one). */
bool present(const struct collector *c, const struct instance *in);

/*
 * The interval the heartbeat and live views state: the daemon's; for --once
 * (a timer, cron) --interval if given, else the shipped timer's minute.
 */
#define ONCE_INTERVAL_NS	(60 * NS)
uint64_t view_interval(const struct collector *c);

/* samples x period of an instance, 0 if unknown. */
uint64_t instance_deadline(const struct instance *in);

/* "250ms", "1.02s": for messages. */
void fmt_duration(char *buf, size_t size, uint64_t ns);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in ns. */
uint64_t mono_ns(void);
uint64_t real_ns(void);

/* dir/name+suffix into buf (PATH_MAX). Returns 0, or -1 (logged) if too long. */
int mkpath(char *buf, const char *dir, const char *name, const char *suffix);

/*
 * Listing for --check: which instances exist and their stats, reading no
 * data. Returns the number of instances found, -1 if the listing failed.
 */
int collector_list_stats(struct collector *c);

#endif
