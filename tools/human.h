/* SPDX-License-Identifier: GPL-2.0 */
/* Text forms of rates, periods and UTC times, shared by top and plot. */
#ifndef PKTSTAT_HUMAN_H
#define PKTSTAT_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * A rate or count for a narrow column: below 10000 the integer (rounded),
 * else 4 significant digits with k, M, G, T, P (powers of 1000): 1235,
 * 3.887M, 12.35G.
 */
void human_si(char *buf, size_t size, double v);

/* An axis label: the shortest %g form with k, M, G...: 0, 500, 1.5k, 20M. */
void human_axis(char *buf, size_t size, double v);

/* A period, exactly, in the largest unit that divides it: 250us, 1ms, 2s. */
void human_period(char *buf, size_t size, uint64_t ns);

/*
 * CLOCK_REALTIME ns as UTC "2026-12-02 10:00:00" followed by frac digits
 * of the second (0..9): frac 3 gives "...10:00:00.250".
 */
void human_utc(char *buf, size_t size, uint64_t ns, int frac);

/*
 * A time given by a person: ISO 8601 UTC ("2026-12-02T10:00:00Z", 'T' or
 * ' ', seconds and a fraction optional, 'Z' optional), epoch nanoseconds
 * (digits only, as end_ns in the CSV), or "-DURATION" before now_ns
 * (-90s, -10m, -2h, -7d). Returns 0 or -1.
 */
int parse_time(const char *s, uint64_t now_ns, uint64_t *ns);

#endif
