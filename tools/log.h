/* SPDX-License-Identifier: GPL-2.0 */
/* Logging to stderr, which systemd sends to the journal. */
#ifndef PKTSTAT_LOG_H
#define PKTSTAT_LOG_H

/* syslog priorities, used as journal "<N>" prefixes */
#define LOG_ERR		3
#define LOG_WARNING	4
#define LOG_INFO	6

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
