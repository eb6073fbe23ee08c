/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xt_pktstat option helpers shared by libxt_pktstat.so and its unit test.
 *
 * Nothing here depends on libxtables, so test_parse.c can link it alone.
 * Every parser fills @err with the user-facing message (naming the value and
 * the allowed range) and returns -1; callers only pass it on.
 */
#ifndef PKTSTAT_OPTS_H
#define PKTSTAT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netfilter/xt_pktstat.h>

/* Defaults when an option is not given; listed in --help. */
#define PKTSTAT_DEFAULT_PERIOD_NS	100000000ULL	/* 100ms */
#define PKTSTAT_DEFAULT_SAMPLES		1024U

/* Enough for "18446744073709551615ns" and the NUL. */
#define PKTSTAT_PERIOD_STRLEN		24
#define PKTSTAT_ERRLEN			256

int pktstat_parse_period(const char *s, uint64_t *ns, char *err, size_t errlen);
int pktstat_parse_samples(const char *s, uint32_t *n, char *err, size_t errlen);
int pktstat_check_name(const char *s, char *err, size_t errlen);

/* Canonical text: largest of s/ms/us/ns dividing @ns exactly. */
void pktstat_format_period(uint64_t ns, char buf[PKTSTAT_PERIOD_STRLEN]);

/*
 * Automatic instance names.  pktstat_note_name() remembers names given to
 * earlier rules of this process; pktstat_pick_name() writes the lowest
 * decimal number neither remembered nor reported taken by @taken (which
 * looks at /proc in the extension, a fake in the test), and remembers it.
 */
typedef bool (*pktstat_taken_fn)(const char *name, void *arg);
void pktstat_note_name(const char *name);
int pktstat_pick_name(pktstat_taken_fn taken, void *arg,
		      char name[XT_PKTSTAT_NAME_LEN], char *err, size_t errlen);
void pktstat_forget_names(void);	/* for the unit test */

#endif /* PKTSTAT_OPTS_H */
