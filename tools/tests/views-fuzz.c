// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what the views read from disk: a CSV header and row
 * of the archive, a live-view file, a heartbeat, a time given by a person.
 * Checks invariants, not just crashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "human.h"
#include "liveread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct live_file lv;
	const char *s = (const char *)data, *why = NULL;
	struct arow r = { .name = "" };
	char str[128];
	int col[AC_N], ncols, k;
	uint64_t a, b;

	/* The input as a header, and as a row of format 2. */
	ncols = archive_parse_header(s, size, col);
	if (ncols >= 0)
		for (k = 0; k < AC_N; k++)
			if (col[k] >= ncols)
				abort();
	ncols = archive_parse_header("time_utc,end_ns,instance,instance_id,"
				     "frames,bytes,total_frames,total_bytes,"
				     "start_ns,period_ns,flags", 91, col);
	if (archive_parse_row(s, size, col, ncols, 0, &r, &why) == 0) {
		if (!valid_instance_name(r.name) || r.period_ns == 0 ||
		    r.period_ns > r.end_ns || r.start_ns >= r.end_ns)
			abort();
	} else if (!why) {
		abort();
	}
	why = NULL;
	if (live_parse(s, size, &lv, &why) == 0) {
		if (lv.version != LIVE_VERSION || lv.period_ns == 0 ||
		    lv.nsec > LIVE_MAX_SECONDS || !valid_instance_name(lv.name))
			abort();
	} else if (!why) {
		abort();
	}
	live_parse_heartbeat(s, size, &a, &b, &a);
	if (size < sizeof(str)) {
		memcpy(str, s, size);
		str[size] = '\0';
		parse_time(str, 1800000000000000000ULL, &a);
	}
	return 0;
}
