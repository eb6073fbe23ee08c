// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat-top: a live terminal view of every xt_pktstat instance, from the
 * collector's live view, or from the /proc stats totals when no collector
 * runs. It never reads a data file: that would steal the collector's rows.
 */
#include <curses.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "top.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define DEF_RUNDIR	"/run/xt-pktstat"
#define DEF_PROC_ROOT	"/proc/net/xt_pktstat"
#define LINE_MAX_LEN	512

static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktstat-top [OPTION]...\n"
"Live view of every xt_pktstat instance: packets/s and bit/s over the last\n"
"second, its peak window and that window's rate, overflows, queued windows.\n"
"Reads pktstat-collect's live view; with no collector running, the /proc\n"
"stats totals (never the data files, which reading drains).\n"
"\n"
"  -d, --delay TIME     refresh every TIME (default 1s; 100ms to 10s)\n"
"  -r, --run-dir DIR    the collector's live view (default " DEF_RUNDIR ")\n"
"  -p, --proc-root DIR  the instances (default " DEF_PROC_ROOT ")\n"
"  -s, --sort KEY       n name, p packets/s (default), b bit/s, k peak,\n"
"                       o overflows, w queued windows, f frames\n"
"  -b, --batch          print the table as text instead of a screen\n"
"  -n, --iterations N   with --batch: N tables, one per refresh (default 1)\n"
"  -h, --help           this help\n"
"  -V, --version        print the version\n"
"\n"
"Keys: q quit; n p b k o w f sort by that column; < > sort by the column\n"
"left or right; r reverse the order. See pktstat-top(1).\n");
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void refresh_now(struct top *t)
{
	top_refresh(t, clock_ns(CLOCK_REALTIME), clock_ns(CLOCK_MONOTONIC));
}

/* A sort key letter or '<' '>' 'r'. Returns true if the order changed. */
static bool sort_key(struct top *t, int ch)
{
	int c;

	if (ch == 'r') {
		t->reverse = !t->reverse;
		return true;
	}
	if (ch == '<' || ch == '>' || ch == KEY_LEFT || ch == KEY_RIGHT) {
		int d = ch == '<' || ch == KEY_LEFT ? TC_N - 1 : 1;

		t->sort = (enum top_col)((t->sort + d) % TC_N);
		return true;
	}
	for (c = 0; c < TC_N; c++) {
		if (ch && top_col_key((enum top_col)c) == ch) {
			t->sort = (enum top_col)c;
			return true;
		}
	}
	return false;
}

static void draw(const struct top *t)
{
	char buf[LINE_MAX_LEN];
	size_t i, n = top_lines(t);
	int start, width;

	erase();
	for (i = 0; i < n && (int)i < LINES; i++) {
		top_line(t, i, buf, sizeof(buf));
		if (i == 1 && !t->live)
			attron(A_BOLD);
		if (i == 2)
			attron(A_REVERSE);
		mvaddnstr((int)i, 0, buf, COLS);
		if (i == 2) {
			/* the header across the screen, the sort column bold */
			if ((int)strlen(buf) < COLS)
				mvhline(2, (int)strlen(buf), ' ',
					COLS - (int)strlen(buf));
			top_col_span(t, t->sort, &start, &width);
			if (start < COLS)
				mvchgat(2, start, width, A_REVERSE | A_BOLD |
					A_UNDERLINE, 0, NULL);
		}
		attrset(A_NORMAL);
	}
	refresh();
}

static int run_screen(struct top *t, uint64_t delay_ns)
{
	if (!initscr())
		return 1;
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	while (!stop) {
		uint64_t next = clock_ns(CLOCK_MONOTONIC) + delay_ns, now;

		refresh_now(t);
		draw(t);
		while (!stop && (now = clock_ns(CLOCK_MONOTONIC)) < next) {
			int ch;

			timeout((int)((next - now) / 1000000) + 1);
			ch = getch();
			if (ch == 'q' || ch == 'Q') {
				stop = 1;
			} else if (ch == KEY_RESIZE) {
				draw(t);
			} else if (ch != ERR && sort_key(t, ch)) {
				top_sort(t);
				draw(t);
			}
		}
	}
	endwin();
	return 0;
}

static int run_batch(struct top *t, uint64_t delay_ns, unsigned long n)
{
	char buf[LINE_MAX_LEN];
	unsigned long k;
	size_t i;

	for (k = 0; k < n && !stop; k++) {
		if (k) {
			struct timespec ts = {
				.tv_sec = (time_t)(delay_ns / 1000000000ULL),
				.tv_nsec = (long)(delay_ns % 1000000000ULL),
			};

			nanosleep(&ts, NULL);
			putchar('\n');
		}
		refresh_now(t);
		for (i = 0; i < top_lines(t); i++) {
			top_line(t, i, buf, sizeof(buf));
			puts(buf);
		}
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "proc-root", required_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, 's' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = DEF_RUNDIR, *proc_root = DEF_PROC_ROOT;
	uint64_t delay = 1000000000ULL, iters = 1;
	struct sigaction sa;
	bool batch = false;
	struct top t;
	int opt, ret, sort = 'p';

	while ((opt = getopt_long(argc, argv, "d:r:p:s:bn:hV", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_duration(optarg, &delay, NULL) ||
			    delay < 100000000ULL || delay > 10000000000ULL) {
				fprintf(stderr, "pktstat-top: bad delay '%s' "
					"(100ms to 10s)\n", optarg);
				return 2;
			}
			break;
		case 'r': rundir = optarg; break;
		case 'p': proc_root = optarg; break;
		case 's':
			sort = optarg[0];
			if (strlen(optarg) != 1 || !strchr("npbkowf", sort)) {
				fprintf(stderr, "pktstat-top: bad sort key '%s' "
					"(one of n p b k o w f)\n", optarg);
				return 2;
			}
			break;
		case 'b': batch = true; break;
		case 'n':
			if (parse_u64(optarg, strlen(optarg), &iters) ||
			    iters == 0 || iters > 1000000) {
				fprintf(stderr, "pktstat-top: bad iterations "
					"'%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pktstat-top " VERSION "\n"); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pktstat-top: unexpected '%s' (--help)\n",
			argv[optind]);
		return 2;
	}
	top_init(&t, rundir, proc_root);
	sort_key(&t, sort);
	/* No SA_RESTART: a signal ends getch() and nanosleep() at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = batch ? run_batch(&t, delay, (unsigned long)iters) :
	      run_screen(&t, delay);
	top_free(&t);
	return ret;
}
