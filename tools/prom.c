// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "prom.h"

enum metric_kind { M_FRAMES, M_BYTES, M_OVF, M_STEPS, M_QUEUED, M_PERIOD,
		   M_PEAK_FRAMES, M_PEAK_BYTES, M_COUNT };

static const struct {
	const char *name, *type, *help;
} metrics[M_COUNT] = {
	{ "xt_pktstat_frames_total", "counter",
	  "Frames counted by the instance since it was created." },
	{ "xt_pktstat_bytes_total", "counter",
	  "Bytes counted by the instance since it was created." },
	{ "xt_pktstat_overflows_total", "counter",
	  "Windows that found a per-CPU queue full (merged, not lost)." },
	{ "xt_pktstat_clock_steps_total", "counter",
	  "CLOCK_REALTIME steps the instance saw." },
	{ "xt_pktstat_queued_windows", "gauge",
	  "Closed windows waiting in the kernel." },
	{ "xt_pktstat_period_seconds", "gauge",
	  "The instance's window length." },
	{ "xt_pktstat_peak_window_frames", "gauge",
	  "Most frames in one window since the previous write of this file." },
	{ "xt_pktstat_peak_window_bytes", "gauge",
	  "Most bytes in one window since the previous write of this file." },
};

static int by_name(const void *a, const void *b)
{
	const struct instance *x = *(const struct instance *const *)a;
	const struct instance *y = *(const struct instance *const *)b;

	return strcmp(x->name, y->name);
}

/* The value of metric m for in as text; false if the kernel lacks it. */
static bool value(char *buf, enum metric_kind m, const struct instance *in)
{
	const struct inst_stats *st = &in->st;
	uint64_t v;

	switch (m) {
	case M_FRAMES: v = st->frames; if (!st->has_totals) return false; break;
	case M_BYTES: v = st->bytes; if (!st->has_totals) return false; break;
	case M_OVF: v = st->overflows; if (!st->has_overflows) return false; break;
	case M_STEPS: v = st->clock_steps; if (!st->has_clock_steps) return false; break;
	case M_QUEUED: v = st->queued; break;
	case M_PERIOD: fmt_seconds(buf, st->period_ns); return true;
	case M_PEAK_FRAMES: v = in->peak_frames; break;
	case M_PEAK_BYTES: v = in->peak_bytes; break;
	default: return false;
	}
	*fmt_u64(buf, v) = '\0';
	return true;
}

int prom_write(struct collector *c)
{
	char tmp[PATH_MAX], dst[PATH_MAX], val[32], period[32];
	struct instance **v;
	size_t i, n = 0;
	uint64_t rt = c->round_rt;
	FILE *f;
	int m, fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", c->promdir, PROM_FILE) >=
	    (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", c->promdir, PROM_FILE) >=
	    (int)sizeof(dst))
		return -1;
	v = malloc((c->ninst + 1) * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < c->ninst; i++)
		if (c->inst[i]->st_ok && present(c, c->inst[i]))
			v[n++] = c->inst[i];
	qsort(v, n, sizeof(*v), by_name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	/* node_exporter reads it as another user, whatever our umask. */
	if (fd >= 0)
		fchmod(fd, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	for (m = 0; m < M_COUNT; m++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", metrics[m].name,
			metrics[m].help, metrics[m].name, metrics[m].type);
		for (i = 0; i < n; i++) {
			if (!value(val, (enum metric_kind)m, v[i]))
				continue;
			fmt_seconds(period, v[i]->st.period_ns);
			fprintf(f, "%s{name=\"%s\",period=\"%s\"} %s\n",
				metrics[m].name, v[i]->name, period, val);
		}
	}
	fprintf(f, "# HELP xt_pktstat_collector_last_round_timestamp_seconds "
		"When pktstat-collect last drained the instances.\n"
		"# TYPE xt_pktstat_collector_last_round_timestamp_seconds "
		"gauge\nxt_pktstat_collector_last_round_timestamp_seconds "
		"%" PRIu64 ".%03" PRIu64 "\n", rt / NS, rt % NS / 1000000);
	err = ferror(f) ? EIO : 0;
	if (fclose(f) && !err)
		err = errno;
	if (err || rename(tmp, dst)) {
		err = err ? err : errno;
		unlink(tmp);
		goto fail;
	}
	/* The peaks are "since the previous write". */
	for (i = 0; i < n; i++)
		v[i]->peak_frames = v[i]->peak_bytes = 0;
	free(v);
	return 0;
fail:
	free(v);
	log_throttled(&c->t_prom, err, LOG_WARNING, "%s: %s: metrics not "
		      "updated", dst, strerror(err));
	errno = err;
	return -1;
}
