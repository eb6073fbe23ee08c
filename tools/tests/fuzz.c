// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the parsers that read kernel and disk text: a /proc
 * data line, the stats file, a CSV row. Checks round trips, not just crashes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct inst_stats st;
	struct sample a, b;
	struct row r, q;
	char buf[CSV_ROW_BUF];
	int n;

	if (size < 256) {
		/* The fast path agrees with the strict parser. */
		char line[256 + 16];
		const char *next;

		memcpy(line, s, size);
		memset(line + size, 0, 16);
		next = parse_data_next(line, line + size, &a);
		if (next && (parse_data_line(line, (size_t)(next - line) - 1,
					     &b) || memcmp(&a, &b, sizeof(a))))
			abort();
	}
	if (parse_data_line(s, size, &a) == 0) {
		/* Printing what was parsed must parse back to the same. */
		n = snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 " %"
			     PRIu64, a.end_ns, a.frames, a.bytes);
		if (n > 62 || parse_data_line(buf, (size_t)n, &b) ||
		    memcmp(&a, &b, sizeof(a)))
			abort();
	}
	parse_stats(s, size, &st);
	if (csv_parse_row(s, size, &r) == 0) {
		size_t len = csv_format_row(buf, &r, "x", 1);

		if (len >= CSV_ROW_MAX || buf[len - 1] != '\n' ||
		    csv_parse_row(buf, len - 1, &q) || r.end_ns != q.end_ns ||
		    r.id != q.id || r.frames != q.frames || r.bytes != q.bytes ||
		    r.total_frames != q.total_frames ||
		    r.total_bytes != q.total_bytes || r.start_ns != q.start_ns ||
		    r.period_ns != q.period_ns || r.flags != q.flags)
			abort();
	}
	return 0;
}
