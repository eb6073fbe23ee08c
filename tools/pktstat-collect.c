// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat-collect: drain /proc/net/xt_pktstat/<name>/data into one CSV file
 * per instance, as a daemon or once (cron, systemd timer).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "log.h"
#include "parse.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define DEF_PROC_ROOT	"/proc/net/xt_pktstat"
#define DEF_OUTDIR	"/var/log/xt-pktstat"
#define DEF_STATEDIR	"/var/lib/xt-pktstat"

enum mode { MODE_NONE, MODE_DAEMON, MODE_ONCE, MODE_CHECK };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktstat-collect --daemon|--once|--check [OPTION]... [NAME]...\n"
"Drain /proc/net/xt_pktstat/NAME/data (every instance if no NAME is given)\n"
"into OUTDIR/NAME.csv, one row per counted window.\n"
"\n"
"  -d, --daemon           drain every interval until SIGTERM (the default\n"
"                         when started by systemd)\n"
"  -1, --once             drain once and exit (cron, systemd timer)\n"
"  -c, --check            print each instance's FIFO deadline (samples x\n"
"                         period) against the interval; exit 1 if one\n"
"                         would overflow. Reads no data.\n"
"  -i, --interval TIME    drain every TIME (250ms, 2s, 1m; default: a\n"
"                         quarter of the shortest deadline, 10ms..10s)\n"
"  -o, --output-dir DIR   CSV files (default " DEF_OUTDIR ")\n"
"  -s, --state-dir DIR    state files and lock (default " DEF_STATEDIR ")\n"
"  -p, --proc-root DIR    instances (default " DEF_PROC_ROOT ")\n"
"  -h, --help             this help\n"
"  -V, --version          print the version\n"
"\n"
"Signals: SIGHUP reopens the CSV files (logrotate), SIGTERM and SIGINT\n"
"drain once more and exit. See pktstat-collect(8).\n");
}

/* Create a missing output or state directory (one level). */
static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0750) == 0 || errno == EEXIST)
		return 0;
	log_msg(LOG_ERR, "%s: mkdir: %s", dir, strerror(errno));
	return -1;
}

/*
 * One collector per state directory: two would each take rows from the
 * kernel and compute deltas from their own, stale, cursors.
 */
static int take_lock(const char *statedir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/pktstat-collect.lock", statedir)
	    >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_msg(LOG_ERR, "%s: open: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		log_msg(LOG_ERR, "%s: %s", path, errno == EWOULDBLOCK ?
			"another pktstat-collect is running" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;		/* held until exit */
}

static int run_daemon(struct collector *c, sigset_t *set)
{
	int sig;

	log_msg(LOG_INFO, "started, version " VERSION);
	for (;;) {
		struct timespec now, end;
		uint64_t iv;

		collector_round(c);
		iv = collector_interval(c);
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += (time_t)(iv / 1000000000ULL);
		end.tv_nsec += (long)(iv % 1000000000ULL);
		if (end.tv_nsec >= 1000000000L) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000L;
		}
		for (;;) {
			struct timespec left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = end.tv_sec - now.tv_sec;
			left.tv_nsec = end.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000L;
			}
			if (left.tv_sec < 0)
				break;
			sig = sigtimedwait(set, NULL, &left);
			if (sig == SIGHUP) {
				collector_reopen(c);
				log_msg(LOG_INFO, "SIGHUP: reopening files");
			} else if (sig == SIGTERM || sig == SIGINT) {
				goto stop;
			} else if (sig < 0 && errno == EAGAIN) {
				break;
			}
		}
	}
stop:
	collector_round(c);
	collector_save_all(c);
	if (collector_pending(c)) {
		log_msg(LOG_ERR, "exiting with %zu rows unwritten: their "
			"counts go into the next row's delta",
			collector_pending(c));
		return 1;
	}
	log_msg(LOG_INFO, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "once", no_argument, NULL, '1' },
		{ "check", no_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "proc-root", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct collector c = {
		.proc_root = DEF_PROC_ROOT,
		.outdir = DEF_OUTDIR,
		.statedir = DEF_STATEDIR,
	};
	enum mode mode = MODE_NONE;
	int opt, i, ret;
	sigset_t set;

	while ((opt = getopt_long(argc, argv, "d1ci:o:s:p:hV", opts,
				  NULL)) != -1) {
		enum mode m = MODE_NONE;

		switch (opt) {
		case 'd': m = MODE_DAEMON; break;
		case '1': m = MODE_ONCE; break;
		case 'c': m = MODE_CHECK; break;
		case 'i':
			if (parse_duration(optarg, &c.interval_ns)) {
				fprintf(stderr, "pktstat-collect: bad interval "
					"'%s' (e.g. 250ms, 2s, 1m; up to 1 day)"
					"\n", optarg);
				return 2;
			}
			break;
		case 'o': c.outdir = optarg; break;
		case 's': c.statedir = optarg; break;
		case 'p': c.proc_root = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pktstat-collect " VERSION "\n"); return 0;
		default: usage(stderr); return 2;
		}
		/* The last mode given wins, as options from the config do. */
		if (m != MODE_NONE)
			mode = m;
	}
	if (mode == MODE_NONE && getenv("INVOCATION_ID"))
		mode = MODE_DAEMON;	/* started by systemd */
	if (mode == MODE_NONE) {
		fprintf(stderr, "pktstat-collect: choose --daemon, --once or "
			"--check (--help for more)\n");
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (!valid_instance_name(argv[i])) {
			fprintf(stderr, "pktstat-collect: '%s' is not an "
				"instance name\n", argv[i]);
			return 2;
		}
	}
	c.names = argv + optind;
	c.nnames = argc - optind;
	/* Writes must never be killed by a reader of a pipe going away. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Signals are taken synchronously, between rounds, so none can cut a
	 * round between a read from the kernel and its write to the CSV.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (collector_init(&c)) {
		log_msg(LOG_ERR, "out of memory");
		return 1;
	}
	if (mode == MODE_CHECK) {
		ret = collector_check(&c) ? 1 : 0;
		collector_free(&c);
		return ret;
	}
	if (ensure_dir(c.outdir) || ensure_dir(c.statedir) ||
	    take_lock(c.statedir) < 0) {
		collector_free(&c);
		return 1;
	}
	if (mode == MODE_ONCE) {
		ret = collector_round(&c) ? 1 : 0;
		collector_save_all(&c);
		if (collector_pending(&c))
			log_msg(LOG_ERR, "%zu rows read but not written: "
				"their counts go into the next row's delta",
				collector_pending(&c));
	} else {
		ret = run_daemon(&c, &set);
	}
	collector_free(&c);
	return ret;
}
