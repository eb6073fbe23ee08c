// SPDX-License-Identifier: GPL-2.0
/* Exact window contents from the accounting core, one thread, a set clock. */
#include <inttypes.h>

#include "tap.h"
#include "fixture.h"

CORE_USER_CLOCK;

static int line_is(const struct line_buf *b, size_t i, u64 end, u64 frames,
		   u64 bytes)
{
	if (i >= b->n) {
		printf("# line %zu missing (have %zu)\n", i, b->n);
		return 0;
	}
	if (b->v[i].end_ns == end && b->v[i].frames == frames &&
	    b->v[i].bytes == bytes)
		return 1;
	printf("# line %zu: got %" PRIu64 " %" PRIu64 " %" PRIu64
	       ", want %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", i,
	       b->v[i].end_ns, b->v[i].frames, b->v[i].bytes, end, frames,
	       bytes);
	return 0;
}

static void test_boundaries(void)
{
	struct fixture f;
	struct line_buf b = { 0 };

	fixture_init(&f, 1, 1000, 16);
	packet_at(&f, 0, 1000, 10);	/* first ns of window 1 */
	packet_at(&f, 0, 1999, 20);	/* last ns of window 1 */
	packet_at(&f, 0, 2000, 40);	/* first ns of window 2 */
	ok(read_at(&f, 1999, &b) == 0, "window 1 is not readable before it ends");
	ok(read_at(&f, 2000, &b) == 1 && line_is(&b, 0, 2000, 2, 30),
	   "window 1 is readable at its end, timestamp = end, two packets");
	ok(read_at(&f, 2999, &b) == 0, "window 2 still open at 2999");
	ok(read_at(&f, 3000, &b) == 1 && line_is(&b, 1, 3000, 3, 70),
	   "window 2 closes without later traffic, cumulative totals");
	ok(read_at(&f, 1000000, &b) == 0, "each window is delivered once");
	fixture_free(&f);
	free(b.v);
}

static void test_alignment(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 period = 250000, t = 1764259200123456789ULL;

	fixture_init(&f, 1, period, 16);
	packet_at(&f, 0, t, 100);
	read_at(&f, t + period, &b);
	ok(b.n == 1 && b.v[0].end_ns % period == 0 &&
	   b.v[0].end_ns > t && b.v[0].end_ns - period <= t,
	   "window end is the next multiple of the period since the epoch");
	fixture_free(&f);
	free(b.v);
}

static void test_idle_gap(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 gap = 1000000000000ULL;	/* 10^12 periods of 1 us */

	fixture_init(&f, 1, 1000, 4);
	packet_at(&f, 0, 5500, 1);
	packet_at(&f, 0, 5500 + gap * 1000, 2);
	read_at(&f, 7000 + gap * 1000, &b);
	ok(b.n == 2 && line_is(&b, 0, 6000, 1, 1) &&
	   line_is(&b, 1, 6000 + gap * 1000, 2, 3),
	   "a burst after 10^12 idle periods lands in its own window, O(1)");
	ok(f.cpu[0].overflows == 0, "an idle gap is not an overflow");
	fixture_free(&f);
	free(b.v);
}

/* A packet stamped before the last delivered window (a CPU whose clock lags
 * the reader's: clocks not synchronised across CPUs) moves forward; windows
 * never repeat.
 */
static void test_late_packet(void)
{
	struct fixture f;
	struct line_buf b = { 0 };

	fixture_init(&f, 2, 1000, 16);
	packet_at(&f, 0, 1500, 1);
	packet_at(&f, 0, 2500, 1);
	read_at(&f, 20000, &b);
	ok(b.n == 2 && line_is(&b, 1, 3000, 2, 2), "two windows read");
	packet_at(&f, 1, 1700, 10);	/* CPU 1's clock says window 1 */
	ok(read_at(&f, 20999, &b) == 0,
	   "a late packet does not reopen a window already read as closed");
	ok(read_at(&f, 21000, &b) == 1 && line_is(&b, 2, 21000, 3, 12),
	   "it lands in the first window open at the last read");
	ok(read_at(&f, 25000, &b) == 0, "and is delivered once");
	packet_at(&f, 0, 25500, 100);
	read_at(&f, 30000, &b);
	ok(b.n == 4 && line_is(&b, 3, 26000, 4, 112),
	   "the ring's copy of a window read live is not repeated");
	fixture_free(&f);
	free(b.v);
}

static void test_live_then_record(void)
{
	struct fixture f;
	struct line_buf b = { 0 };

	fixture_init(&f, 1, 1000, 16);
	packet_at(&f, 0, 1500, 5);
	read_at(&f, 2500, &b);		/* window 1 read from live counters */
	packet_at(&f, 0, 2600, 7);	/* now the CPU queues window 1 too */
	read_at(&f, 3000, &b);
	ok(b.n == 2 && line_is(&b, 0, 2000, 1, 5) && line_is(&b, 1, 3000, 2, 12),
	   "a window read live is not delivered again when its CPU queues it");
	fixture_free(&f);
	free(b.v);
}

static void test_u64_totals(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 i, n = 70000;

	fixture_init(&f, 1, 1000000, 16);
	for (i = 0; i < n; i++)
		packet_at(&f, 0, 5000000 + i, 65535);
	read_at(&f, 6000000, &b);
	ok(b.n == 1 && b.v[0].bytes == n * 65535 && b.v[0].bytes > UINT32_MAX,
	   "byte totals go past 2^32 exactly (%" PRIu64 ")",
	   b.n ? b.v[0].bytes : 0);
	fixture_free(&f);
	free(b.v);
}

static void test_overflow(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 w;

	fixture_init(&f, 1, 1000, 4);
	for (w = 1; w <= 20; w++)
		packet_at(&f, 0, w * 1000 + 1, 100);
	read_at(&f, 21000, &b);
	ok(b.n == 5, "capacity 4: four queued windows plus the live one (%zu)",
	   b.n);
	ok(line_is(&b, 0, 2000, 1, 100) && line_is(&b, 3, 5000, 4, 400),
	   "the oldest windows are kept exactly");
	ok(line_is(&b, 4, 21000, 20, 2000),
	   "the last line holds every count: resolution lost, counts not");
	ok(f.cpu[0].overflows == 15, "15 windows overflowed (%" PRIu64 ")",
	   f.cpu[0].overflows);
	packet_at(&f, 0, 21500, 1);
	packet_at(&f, 0, 22500, 1);
	read_at(&f, 23000, &b);
	ok(b.n == 7 && line_is(&b, 6, 23000, 22, 2002),
	   "after a drain the ring queues again");
	fixture_free(&f);
	free(b.v);
}

/*
 * The module's CPUs without a ring yet (never online, or no memory when they
 * came up): capacity 0 and no ring at all. Every window merges, counts stay
 * exact, the ring is never touched; one given later (head == tail == 0, as
 * pktstat_cpu_up() does) queues from then on. GSO packets count many frames.
 */
static void test_no_ring(void)
{
	struct fixture f;
	struct line_buf b = { 0 };
	u64 w;

	fixture_init(&f, 2, 1000, 4);
	free(f.cpu[1].ring);
	pktstat_cpu_init(&f.cpu[1], NULL, 0);
	for (w = 1; w <= 10; w++) {
		packet_at(&f, 0, w * 1000 + 1, 100);
		test_clock = w * 1000 + 2;
		pktstat_cpu_count(&f.cpu[1], f.period, 3, 300);
	}
	read_at(&f, 11000, &b);
	ok(b.n == 5 && line_is(&b, 4, 11000, 40, 4000),
	   "without a ring: totals exact (%zu lines)", b.n);
	ok(f.cpu[1].overflows == 9,
	   "each window the ringless CPU closed overflowed (%" PRIu64 ")",
	   f.cpu[1].overflows);
	f.cpu[1].ring = xcalloc(5, sizeof(struct pktstat_rec));
	f.cpu[1].size = 5;
	for (w = 12; w <= 14; w++) {
		test_clock = w * 1000 + 2;
		pktstat_cpu_count(&f.cpu[1], f.period, 3, 300);
	}
	read_at(&f, 15000, &b);
	ok(b.n == 8 && line_is(&b, 5, 13000, 43, 4300) &&
	   line_is(&b, 7, 15000, 49, 4900),
	   "with a ring given later, windows queue one by one");
	fixture_free(&f);
	free(b.v);
}

static void test_merge(void)
{
	struct fixture f;
	struct line_buf b = { 0 };

	fixture_init(&f, 3, 1000, 16);
	packet_at(&f, 0, 1100, 1);
	packet_at(&f, 1, 2100, 10);
	packet_at(&f, 0, 3100, 100);
	packet_at(&f, 1, 3200, 1000);
	packet_at(&f, 2, 9100, 5);	/* a CPU busy only in an open window */
	read_at(&f, 9500, &b);
	ok(b.n == 3 && line_is(&b, 0, 2000, 1, 1) &&
	   line_is(&b, 1, 3000, 2, 11) && line_is(&b, 2, 4000, 4, 1111),
	   "windows of three CPUs merge into cumulative sums");
	read_at(&f, 10000, &b);
	ok(b.n == 4 && line_is(&b, 3, 10000, 5, 1116),
	   "a CPU's window closes by time alone");
	fixture_free(&f);
	free(b.v);
}

static void test_partial_and_uncommitted(void)
{
	struct fixture f;
	struct line_buf all = { 0 }, part = { 0 }, dropped = { 0 };
	size_t i;
	u64 w;

	fixture_init(&f, 2, 1000, 64);
	for (w = 1; w <= 30; w++)
		packet_at(&f, w % 2, w * 1000 + w, w);
	test_clock = 40000;
	ok(fixture_read(&f, &dropped, 7, 0) == 7,
	   "an uncommitted read sees 7 windows");
	while (fixture_read(&f, &part, 1, 1) == 1)
		;
	ok(part.n == 30, "one line per read gives all 30 windows (%zu)",
	   part.n);
	for (i = 0; i < 7; i++)
		if (memcmp(&dropped.v[i], &part.v[i], sizeof(struct line)))
			break;
	ok(i == 7, "a read that was not committed loses nothing");

	fixture_free(&f);
	fixture_init(&f, 2, 1000, 64);
	for (w = 1; w <= 30; w++)
		packet_at(&f, w % 2, w * 1000 + w, w);
	read_at(&f, 40000, &all);
	ok(all.n == part.n && !memcmp(all.v, part.v, all.n * sizeof(*all.v)),
	   "small reads and one large read give the same lines");
	fixture_free(&f);
	free(all.v);
	free(part.v);
	free(dropped.v);
}

/*
 * A random model check: packets on random CPUs at increasing times, reads at
 * random times with random sizes. Every line must equal the exact cumulative
 * count of all packets in windows up to it, and every window with a packet
 * must appear exactly once.
 */
static void test_random_model(void)
{
	enum { NCPU = 4, NPKT = 200000, PERIOD = 1000 };
	struct fixture f;
	struct line_buf b = { 0 };
	u64 *win_frames = xcalloc(NPKT + 10, sizeof(u64));
	u64 *win_bytes = xcalloc(NPKT + 10, sizeof(u64));
	u64 t = 0, i, frames = 0, bytes = 0, windows = 0, wrong = 0, w;
	size_t k = 0;

	srand(42);
	fixture_init(&f, NCPU, PERIOD, 1 << 16);
	for (i = 0; i < NPKT; i++) {
		u64 len = 60 + rand() % 1440;

		t += rand() % 3 ? rand() % 50 : rand() % 3000;
		packet_at(&f, rand() % NCPU, t, len);
		win_frames[t / PERIOD]++;
		win_bytes[t / PERIOD] += len;
		if (rand() % 500 == 0) {
			test_clock = t + rand() % 2000;
			fixture_read(&f, &b, 1 + rand() % 40, 1);
		}
	}
	read_at(&f, t + 2 * PERIOD, &b);
	for (w = 0; w <= t / PERIOD; w++) {
		if (!win_frames[w])
			continue;
		frames += win_frames[w];
		bytes += win_bytes[w];
		windows++;
		if (k >= b.n || b.v[k].end_ns != (w + 1) * PERIOD ||
		    b.v[k].frames != frames || b.v[k].bytes != bytes)
			wrong++;
		k++;
	}
	ok(b.n == windows && wrong == 0,
	   "random model: %" PRIu64 " windows, %zu lines, %" PRIu64 " wrong",
	   windows, b.n, wrong);
	fixture_free(&f);
	free(b.v);
	free(win_frames);
	free(win_bytes);
}

static void test_names(void)
{
	char n32[32];

	memset(n32, 'a', sizeof(n32));
	ok(!pktstat_check_name("web-1_a.b", 32), "a valid name passes");
	ok(pktstat_check_name("", 32) != NULL, "empty name is refused");
	ok(pktstat_check_name(".x", 32) != NULL, "leading '.' is refused");
	ok(pktstat_check_name("a/b", 32) != NULL, "'/' is refused");
	ok(pktstat_check_name("a b", 32) != NULL, "space is refused");
	ok(pktstat_check_name(n32, 32) != NULL, "no NUL in 32 bytes is refused");
}

/* The fast path touches one cache line; the reader's tail has its own. */
static void test_layout(void)
{
	ok(sizeof(struct pktstat_cpu) == 128 &&
	   offsetof(struct pktstat_cpu, tail) == 64,
	   "per-CPU state: one cache line for the CPU, one for the reader (%zu bytes)",
	   sizeof(struct pktstat_cpu));
	ok(sizeof(struct pktstat_rec) == 32, "a ring slot is 32 bytes");
}

int main(void)
{
	test_layout();
	test_boundaries();
	test_alignment();
	test_idle_gap();
	test_late_packet();
	test_live_then_record();
	test_u64_totals();
	test_overflow();
	test_no_ring();
	test_merge();
	test_partial_and_uncommitted();
	test_random_model();
	test_names();
	return tap_done();
}
