/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr, which systemd sends to the journal. */
#ifndef PKTSTAT_LOG_H
#define PKTSTAT_LOG_H

#include <time.h>

/* syslog priorities, used as journal "<N>" prefixes */
#define LOG_ERR		3
#define LOG_WARNING	4
#define LOG_NOTICE	5
#define LOG_INFO	6

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A message that can repeat (every round, every instance): logged the first
 * time, again when its key (an errno, say) changes, else at most once every
 * THROTTLE_S seconds with the number of repeats left out meanwhile.
 */
#define THROTTLE_S	600

struct throttle {
	time_t next;		/* CLOCK_MONOTONIC s: may log again */
	int key;
	unsigned long suppressed;
};

void log_throttled(struct throttle *t, int key, int prio, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

#endif
