// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void log_line(int prio, const char *line)
{
	/* Under systemd stderr is a journal stream: prefix the priority. */
	static int journal = -1;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "pktstat-collect: %s\n", line);
}

void log_msg(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(prio, line);
}

void log_throttled(struct throttle *t, int key, int prio, const char *fmt,
		   ...)
{
	struct timespec ts;
	char line[1024];
	size_t n;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (t->next && key == t->key && ts.tv_sec < t->next) {
		t->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strnlen(line, sizeof(line));
	if (t->suppressed && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " (repeated %lu times "
			 "since the last report)", t->suppressed);
	log_line(prio, line);
	t->key = key;
	t->next = ts.tv_sec + THROTTLE_S + (ts.tv_sec == 0);
	t->suppressed = 0;
}
