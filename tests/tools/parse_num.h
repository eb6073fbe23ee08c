/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line numbers for the VM test helpers: decimal, 0..max, or exit 2.
 * The includer defines _GNU_SOURCE (program_invocation_short_name).
 */
#ifndef PKTSTAT_TOOLS_PARSE_NUM_H
#define PKTSTAT_TOOLS_PARSE_NUM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long parse_num(const char *s, const char *what,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (0..%llu)\n",
			program_invocation_short_name, what, s, max);
		exit(2);
	}
	return v;
}

#endif
