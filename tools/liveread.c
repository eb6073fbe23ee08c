// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include "liveread.h"

/* "S" and 8 numbers, single spaces. Returns 0 or -1. */
static int parse_s_line(const char *s, size_t len, struct live_second *out)
{
	uint64_t v[8];
	size_t pos = 2;
	int i;

	if (len < 2 || s[0] != 'S' || s[1] != ' ')
		return -1;
	for (i = 0; i < 8; i++) {
		const char *sp = memchr(s + pos, ' ', len - pos);
		size_t n = sp ? (size_t)(sp - (s + pos)) : len - pos;

		if (parse_u64(s + pos, n, &v[i]))
			return -1;
		pos += n;
		if (i < 7) {
			if (pos >= len)
				return -1;
			pos++;
		}
	}
	if (pos != len)
		return -1;
	out->end_ns = v[0];
	out->frames = v[1];
	out->bytes = v[2];
	out->peak_frames = v[3];
	out->peak_frames_end_ns = v[4];
	out->peak_bytes = v[5];
	out->peak_bytes_end_ns = v[6];
	out->windows = v[7];
	return 0;
}

int live_parse(const char *buf, size_t len, struct live_file *lv, const char **why)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "version", offsetof(struct live_file, version) },
		{ "instance_id", offsetof(struct live_file, instance_id) },
		{ "period_ns", offsetof(struct live_file, period_ns) },
		{ "samples", offsetof(struct live_file, samples) },
		{ "updated_ns", offsetof(struct live_file, updated_ns) },
		{ "interval_ns", offsetof(struct live_file, interval_ns) },
		{ "last_end_ns", offsetof(struct live_file, last_end_ns) },
		{ "total_frames", offsetof(struct live_file, total_frames) },
		{ "total_bytes", offsetof(struct live_file, total_bytes) },
		{ "overflows", offsetof(struct live_file, overflows) },
		{ "queued", offsetof(struct live_file, queued) },
		{ "clock_steps", offsetof(struct live_file, clock_steps) },
	};
	size_t i, pos = 0, head;
	const char *sec;

	memset(lv, 0, sizeof(*lv));
	/* The keys come before the tables: look for them only there. */
	sec = memmem(buf, len, "\nseconds:", 9);
	head = sec ? (size_t)(sec - buf) + 1 : len;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (kv_get_u64(buf, head, keys[i].key,
			       (uint64_t *)((char *)lv + keys[i].off))) {
			*why = keys[i].key;	/* missing or not a number */
			return -1;
		}
		if (i == 0 && lv->version != LIVE_VERSION) {
			*why = "version (not 1)";
			return -1;
		}
	}
	/* name: not a number */
	while (pos < head) {
		const char *line = buf + pos, *nl = memchr(line, '\n', head - pos);
		size_t llen = nl ? (size_t)(nl - line) : head - pos;

		pos += llen + 1;
		if (llen > 6 && llen <= 6 + NAME_MAX_LEN &&
		    memcmp(line, "name: ", 6) == 0) {
			memcpy(lv->name, line + 6, llen - 6);
			lv->name[llen - 6] = '\0';
			break;
		}
	}
	if (!valid_instance_name(lv->name)) {
		*why = "name";
		return -1;
	}
	if (lv->period_ns == 0) {
		*why = "period_ns (0)";
		return -1;
	}
	for (pos = head; pos < len;) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		struct live_second s;

		pos += llen + 1;
		if (llen < 2 || line[0] != 'S' || line[1] != ' ')
			continue;	/* W lines, counts, unknown lines */
		if (parse_s_line(line, llen, &s)) {
			*why = "an S line";
			return -1;
		}
		if (lv->nsec == LIVE_MAX_SECONDS) {
			memmove(lv->sec, lv->sec + 1,
				(LIVE_MAX_SECONDS - 1) * sizeof(lv->sec[0]));
			lv->nsec--;
		}
		lv->sec[lv->nsec++] = s;
	}
	return 0;
}

const struct live_second *live_second_at(const struct live_file *lv,
					 uint64_t end_ns)
{
	size_t i;

	for (i = lv->nsec; i-- > 0;)
		if (lv->sec[i].end_ns == end_ns)
			return &lv->sec[i];
	return NULL;
}

int live_parse_heartbeat(const char *buf, size_t len, uint64_t *pid,
			 uint64_t *updated_ns, uint64_t *interval_ns)
{
	if (kv_get_u64(buf, len, "pid", pid) ||
	    kv_get_u64(buf, len, "updated_ns", updated_ns))
		return -1;
	if (kv_get_u64(buf, len, "interval_ns", interval_ns))
		*interval_ns = 0;
	return 0;
}

bool live_stale(uint64_t updated_ns, uint64_t interval_ns, uint64_t now_ns)
{
	uint64_t limit = interval_ns > LIVE_STALE_MIN_NS / 2 ? 2 * interval_ns :
			 LIVE_STALE_MIN_NS;

	/* A heartbeat from the future (clock stepped back) is not stale. */
	return now_ns > updated_ns && now_ns - updated_ns > limit;
}
