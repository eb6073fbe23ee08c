// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat-collect: drain /proc/net/xt_pktstat/<name>/data into one CSV file
 * per instance, with a live view and Prometheus metrics beside it, as a
 * daemon or once (cron, systemd timer).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "live.h"
#include "log.h"
#include "parse.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define DEF_PROC_ROOT	"/proc/net/xt_pktstat"
#define DEF_OUTDIR	"/var/log/xt-pktstat"
#define DEF_STATEDIR	"/var/lib/xt-pktstat"
#define DEF_RUNDIR	"/run/xt-pktstat"
#define DEF_CONFIGS	"/etc/default/pktstat-collect:/etc/sysconfig/pktstat-collect"

/* Exit status, pktstat-collect(8) EXIT STATUS. */
enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NONE, EXIT_REFUSED };

enum mode { MODE_NONE, MODE_DAEMON, MODE_ONCE, MODE_CHECK };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktstat-collect --daemon|--once|--check [OPTION]... [NAME]...\n"
"Drain /proc/net/xt_pktstat/NAME/data (every instance if no NAME is given)\n"
"into OUTDIR/NAME.csv, one row per window with traffic, and keep a live\n"
"view and (optionally) Prometheus metrics of it.\n"
"\n"
"  -d, --daemon           drain every interval until SIGTERM (the default\n"
"                         when started by systemd)\n"
"  -1, --once             drain once and exit (cron, systemd timer)\n"
"  -c, --check            print each instance's queue deadline (samples x\n"
"                         period) against the interval; exit 1 if one\n"
"                         would overflow, 3 if there is no instance.\n"
"                         Reads no data.\n"
"  -i, --interval TIME    drain every TIME (250ms, 2s, 1m; default: a\n"
"                         quarter of the shortest deadline, 10ms..10s, at\n"
"                         most 1s with the live view)\n"
"  -o, --output-dir DIR   CSV files (default " DEF_OUTDIR ")\n"
"  -s, --state-dir DIR    state files and lock (default " DEF_STATEDIR ")\n"
"  -r, --run-dir DIR      live view (default " DEF_RUNDIR "; '' = off)\n"
"      --prometheus-dir DIR       write DIR/xt_pktstat.prom (default off)\n"
"      --prometheus-interval TIME every TIME (default 15s)\n"
"  -p, --proc-root DIR    instances (default " DEF_PROC_ROOT ")\n"
"  -h, --help             this help\n"
"  -V, --version          print the version\n"
"\n"
"Signals: SIGHUP syncs and reopens the CSV files (logrotate), SIGTERM and\n"
"SIGINT drain once more and exit. See pktstat-collect(8).\n");
}

static int parse_time_opt(const char *opt, const char *arg, uint64_t *ns)
{
	bool bare = false;

	if (parse_duration(arg, ns, &bare)) {
		fprintf(stderr, "pktstat-collect: bad %s '%s' (e.g. 250ms, 2s, "
			"1m; up to 1 day)\n", opt, arg);
		return -1;
	}
	if (bare)
		log_msg(LOG_WARNING, "%s %s: a number without a unit is read "
			"as seconds (%ss); write %ss or %sms (iptables' --period "
			"reads a bare number as milliseconds)", opt, arg, arg,
			arg, arg);
	return 0;
}

/* Create a missing directory (one level). */
static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0750) == 0 || errno == EEXIST)
		return 0;
	log_msg(LOG_ERR, "%s: mkdir: %s", dir, strerror(errno));
	return -1;
}

/*
 * Files this process makes belong to its user: if the directories belong to
 * another (root running what the service runs as pktstat), that user could
 * no longer write them. Refuse, naming the way that works.
 */
static int check_owner(const char *const *dirs, int n)
{
	uid_t me = geteuid();
	struct stat sb;
	int i;

	for (i = 0; i < n; i++) {
		const struct passwd *pw;
		char who[64];

		if (!dirs[i] || !*dirs[i] || stat(dirs[i], &sb) ||
		    sb.st_uid == me)
			continue;
		pw = getpwuid(sb.st_uid);
		if (pw)
			snprintf(who, sizeof(who), "%s", pw->pw_name);
		else
			snprintf(who, sizeof(who), "%u", (unsigned int)sb.st_uid);
		log_msg(LOG_ERR, "%s belongs to %s, not to this user (uid %u): "
			"files made now would stay unwritable for %s. Run the "
			"collector as %s: systemctl start pktstat-collect-once, "
			"or runuser -u %s -- pktstat-collect --once", dirs[i],
			who, (unsigned int)me, who, who, who);
		return -1;
	}
	return 0;
}

/*
 * One collector per state directory: two would each take rows from the
 * kernel and compute deltas from their own, stale, cursors. The lock is on
 * the directory itself, which works whoever owns the files in it.
 */
static int take_lock(const char *statedir)
{
	int fd = open(statedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_msg(LOG_ERR, "%s: open: %s", statedir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		log_msg(LOG_ERR, "%s: %s", statedir, errno == EWOULDBLOCK ?
			"another pktstat-collect is running" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;		/* held until exit */
}

/*
 * The interval a --check should assume when none is given: the one the
 * units pass from the default file (PKTSTAT_COLLECT_OPTS="--interval X").
 */
static uint64_t config_interval(char *src, size_t size)
{
	const char *list = getenv("PKTSTAT_COLLECT_CONFIG");
	char files[PATH_MAX * 2], *save = NULL, *f;

	snprintf(files, sizeof(files), "%s", list ? list : DEF_CONFIGS);
	for (f = strtok_r(files, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		char line[4096], *p, *tok, *s2 = NULL;
		uint64_t ns = 0;
		bool next = false;
		FILE *fp = fopen(f, "r");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			p = line + strspn(line, " \t");
			if (strncmp(p, "PKTSTAT_COLLECT_OPTS=", 21))
				continue;
			p += 21;
			for (tok = strtok_r(p, " \t\n\"'", &s2); tok;
			     tok = strtok_r(NULL, " \t\n\"'", &s2)) {
				const char *v = NULL;

				if (next)
					v = tok;
				else if (!strncmp(tok, "--interval=", 11))
					v = tok + 11;
				else if (!strncmp(tok, "-i", 2) && tok[2])
					v = tok + 2;
				next = !strcmp(tok, "--interval") ||
				       !strcmp(tok, "-i");
				if (v)
					parse_duration(v, &ns, NULL);
			}
		}
		fclose(fp);
		if (ns) {
			snprintf(src, size, "%s", f);
			return ns;
		}
	}
	return 0;
}

static int run_check(struct collector *c, bool given)
{
	char src[PATH_MAX] = "--interval";
	uint64_t iv = c->interval_ns;
	int n, i, bad = 0, missing = 0;
	size_t k;

	n = collector_list_stats(c);
	if (n < 0) {
		printf("%s: cannot list the instances (see above)\n",
		       c->proc_root);
		return EXIT_FAIL;
	}
	if (!given) {
		iv = heartbeat_interval(c->rundir);
		if (iv)
			snprintf(src, sizeof(src), "the running collector");
		else
			iv = config_interval(src, sizeof(src));
		c->interval_ns = iv;
		if (!iv)
			snprintf(src, sizeof(src), "auto");
	}
	iv = collector_interval(c);
	if (n == 0 && c->nnames == 0) {
		printf("no instance under %s%s\n", c->proc_root,
		       c->proc_missing ? " (xt_pktstat not loaded, or no "
		       "rule yet)" : "");
		return EXIT_NONE;
	}
	printf("%-16s %10s %8s %10s %10s %8s %10s  %s\n", "instance",
	       "period", "samples", "deadline", "interval", "queued",
	       "overflows", "status");
	for (k = 0; k < c->ninst; k++) {
		struct instance *in = c->inst[k];
		char p[32], d[32], ivs[32];
		const char *status;
		uint64_t dl;

		if (!present(c, in))
			continue;
		if (!in->st_ok) {
			printf("%-16s  no usable stats file (see above)\n",
			       in->name);
			bad++;
			continue;
		}
		dl = instance_deadline(in);
		if (iv >= dl) {
			status = "OVERFLOW: interval not shorter than the deadline";
			bad++;
		} else if (iv > dl / 2) {
			status = "tight: interval over half the deadline";
		} else {
			status = "ok";
		}
		fmt_duration(p, sizeof(p), in->st.period_ns);
		fmt_duration(d, sizeof(d), dl);
		fmt_duration(ivs, sizeof(ivs), iv);
		printf("%-16s %10s %8" PRIu64 " %10s %10s %8" PRIu64 " %10"
		       PRIu64 "  %s\n", in->name, p, in->st.samples, d, ivs,
		       in->st.queued, in->st.overflows, status);
	}
	for (i = 0; i < c->nnames; i++) {
		struct instance *in = NULL;

		for (k = 0; k < c->ninst && !in; k++)
			if (!strcmp(c->inst[k]->name, c->names[i]) &&
			    present(c, c->inst[k]))
				in = c->inst[k];
		if (!in) {
			printf("%-16s  no such instance under %s\n",
			       c->names[i], c->proc_root);
			missing++;
		}
	}
	printf("interval from %s\n", src);
	if (bad)
		return EXIT_FAIL;
	return missing ? EXIT_NONE : EXIT_OK;
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
		end.tv_sec += (time_t)(iv / NS);
		end.tv_nsec += (long)(iv % NS);
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
				log_msg(LOG_INFO, "SIGHUP: files synced, "
					"reopened at the next write");
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
	collector_stop_views(c);
	if (collector_pending(c)) {
		log_msg(LOG_ERR, "exiting with %zu rows unwritten: their "
			"counts go into the next row's delta",
			collector_pending(c));
		return EXIT_FAIL;
	}
	log_msg(LOG_INFO, "stopped");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	enum { OPT_PROM_DIR = 256, OPT_PROM_IV };
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "once", no_argument, NULL, '1' },
		{ "check", no_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "prometheus-dir", required_argument, NULL, OPT_PROM_DIR },
		{ "prometheus-interval", required_argument, NULL, OPT_PROM_IV },
		{ "proc-root", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct collector c = {
		.proc_root = DEF_PROC_ROOT,
		.outdir = DEF_OUTDIR,
		.statedir = DEF_STATEDIR,
		.rundir = DEF_RUNDIR,
	};
	enum mode mode = MODE_NONE;
	bool given = false, run_given = false;
	int opt, i, ret;
	sigset_t set;

	while ((opt = getopt_long(argc, argv, "d1ci:o:s:r:p:hV", opts,
				  NULL)) != -1) {
		enum mode m = MODE_NONE;

		switch (opt) {
		case 'd': m = MODE_DAEMON; break;
		case '1': m = MODE_ONCE; break;
		case 'c': m = MODE_CHECK; break;
		case 'i':
			if (parse_time_opt("--interval", optarg, &c.interval_ns))
				return EXIT_USAGE;
			given = true;
			break;
		case OPT_PROM_IV:
			if (parse_time_opt("--prometheus-interval", optarg,
					   &c.prom_interval_ns))
				return EXIT_USAGE;
			break;
		case 'o': c.outdir = optarg; break;
		case 's': c.statedir = optarg; break;
		case 'r': c.rundir = optarg; run_given = true; break;
		case OPT_PROM_DIR: c.promdir = *optarg ? optarg : NULL; break;
		case 'p': c.proc_root = optarg; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("pktstat-collect " VERSION "\n"); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
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
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (!valid_instance_name(argv[i])) {
			fprintf(stderr, "pktstat-collect: '%s' is not an "
				"instance name\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	c.names = argv + optind;
	c.nnames = argc - optind;
	c.once = mode != MODE_DAEMON;
	c.check = mode == MODE_CHECK;
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
	if (mode == MODE_CHECK) {
		if (collector_init(&c)) {
			log_msg(LOG_ERR, "out of memory");
			return EXIT_FAIL;
		}
		ret = run_check(&c, given);
		collector_free(&c);
		return ret;
	}
	{
		const char *dirs[] = { c.outdir, c.statedir, c.rundir };

		if (check_owner(dirs, 3))
			return EXIT_REFUSED;
	}
	if (ensure_dir(c.outdir) || ensure_dir(c.statedir))
		return EXIT_FAIL;
	if (take_lock(c.statedir) < 0)
		return EXIT_REFUSED;
	if (c.rundir && *c.rundir && mkdir(c.rundir, 0750) &&
	    errno != EEXIST) {
		/*
		 * The default is made by the units (RuntimeDirectory); from
		 * cron, without systemd, no live view, and no mail about it.
		 */
		if (run_given || mode == MODE_DAEMON)
			log_msg(run_given ? LOG_WARNING : LOG_INFO, "%s: %s: no "
				"live view (--run-dir '' turns it off quietly)",
				c.rundir, strerror(errno));
		c.rundir = NULL;
	}
	if (collector_init(&c)) {
		log_msg(LOG_ERR, "out of memory");
		return EXIT_FAIL;
	}
	if (mode == MODE_ONCE) {
		ret = collector_round(&c) ? EXIT_FAIL : EXIT_OK;
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
