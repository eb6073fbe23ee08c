// SPDX-License-Identifier: GPL-2.0
/*
 * Threads stand in for CPUs: writers count packets against a shared clock
 * while a reader drains concurrently. Every line must hold exactly the
 * packets whose clock reading fell in windows up to it: no grace period,
 * no packet in a window already read. Built twice: ASan/UBSan and TSan.
 */
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include "tap.h"
#include "fixture.h"

enum { NWRITERS = 3, NPKT = 200000, PERIOD = 1000, STEP = 3 };

u64 test_clock, test_clock_step = STEP;
__thread u64 test_last_now;

static struct fixture fix;
static u64 nwin;
static u64 *tally_frames[NWRITERS], *tally_bytes[NWRITERS];
static int writers_done;

static void *writer(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	u64 i;

	for (i = 0; i < NPKT; i++) {
		u64 len = 60 + (i * 7 + id) % 1440;

		pktstat_cpu_count(&fix.cpu[id], PERIOD, 1, len);
		if (test_last_now / PERIOD >= nwin)
			abort();	/* the tally below is sized too small */
		/* This thread's clock only grows: no clamping, w is exact. */
		tally_frames[id][test_last_now / PERIOD]++;
		tally_bytes[id][test_last_now / PERIOD] += len;
		/* Let the reader in often: the point is to interleave. */
		if (i % 256 == 0)
			sched_yield();
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct line_buf *out = arg;
	unsigned int n = 0;

	const struct timespec pause = { .tv_nsec = 20000 };

	/* Each read takes the clock too: pause so time is mostly packets. */
	while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE)) {
		fixture_read(&fix, out, 1 + n++ % 17, 1);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t w[NWRITERS], r;
	struct line_buf out = { 0 };
	u64 frames = 0, bytes = 0, win, wrong = 0, windows = 0;
	size_t k = 0;
	unsigned int i;

	/* Clock reads: every packet, plus the reader's; bound them generously. */
	nwin = 1 << 16;
	fixture_init(&fix, NWRITERS, PERIOD, 1 << 16);
	test_clock = 1000 * PERIOD;
	for (i = 0; i < NWRITERS; i++) {
		tally_frames[i] = xcalloc(nwin, sizeof(u64));
		tally_bytes[i] = xcalloc(nwin, sizeof(u64));
	}
	pthread_create(&r, NULL, reader, &out);
	for (i = 0; i < NWRITERS; i++)
		pthread_create(&w[i], NULL, writer, (void *)(uintptr_t)i);
	for (i = 0; i < NWRITERS; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(r, NULL);
	ok(out.n > 0, "the reader drained %zu windows while writers ran", out.n);

	__atomic_fetch_add(&test_clock, 2 * PERIOD, __ATOMIC_SEQ_CST);
	fixture_read(&fix, &out, ~0U, 1);

	/* Capacity is ample here: every window with a packet has its line. */
	for (win = 0; win < nwin; win++) {
		u64 here = 0;

		for (i = 0; i < NWRITERS; i++) {
			here += tally_frames[i][win];
			frames += tally_frames[i][win];
			bytes += tally_bytes[i][win];
		}
		if (!here)
			continue;
		windows++;
		if (k >= out.n || out.v[k].end_ns != (win + 1) * PERIOD ||
		    out.v[k].frames != frames || out.v[k].bytes != bytes)
			wrong++;
		k++;
	}
	ok(windows == out.n, "one line per window with traffic (%" PRIu64
	   " windows, %zu lines)", windows, out.n);
	ok(wrong == 0, "every window holds exactly its packets (%" PRIu64
	   " of %" PRIu64 " wrong)", wrong, windows);
	ok(out.n && out.v[out.n - 1].frames == (u64)NWRITERS * NPKT &&
	   out.v[out.n - 1].bytes == bytes,
	   "the last line holds all %d packets", NWRITERS * NPKT);
	for (k = 1; k < out.n; k++)
		if (out.v[k].end_ns <= out.v[k - 1].end_ns)
			break;
	ok(k >= out.n, "windows strictly increase");
	for (i = 0; i < NWRITERS; i++) {
		free(tally_frames[i]);
		free(tally_bytes[i]);
	}
	free(out.v);
	fixture_free(&fix);
	return tap_done();
}
