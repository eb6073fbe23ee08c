// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, in the VM: how long after a window ends a reader polling
 * /proc/net/xt_pktstat/NAME/data sees it.
 *
 *   latency DATA_FILE SECONDS
 *
 * Polls the file for SECONDS; for each line, latency = CLOCK_REALTIME at
 * the read - the window's end timestamp. Prints
 * "WINDOWS MEDIAN_US P99_US MAX_US READS MEDIAN_READ_US" (reads that
 * returned at least one window, and how long such a read() took).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (1 << 20)

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static uint64_t lat[MAX_SAMPLES], rd[MAX_SAMPLES];
	static char buf[65536];
	size_t n = 0, nr = 0;
	uint64_t stop;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: latency DATA_FILE SECONDS\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	/*
	 * Catch up first: the backlog queued before we started is not
	 * latency. Caught up = a read returned at most two windows.
	 */
	stop = now_ns(CLOCK_MONOTONIC) + 1000000000u;
	while (now_ns(CLOCK_MONOTONIC) < stop) {
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		size_t lines = 0;
		ssize_t i;

		for (i = 0; i < len; i++)
			lines += buf[i] == '\n';
		if (len >= 0 && lines <= 2)
			break;
	}
	stop = now_ns(CLOCK_MONOTONIC) + strtoull(argv[2], NULL, 10) * 1000000000u;
	while (now_ns(CLOCK_MONOTONIC) < stop) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		uint64_t at = now_ns(CLOCK_REALTIME);
		char *p, *nl;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		buf[len] = '\0';
		if (len > 0 && nr < MAX_SAMPLES)
			rd[nr++] = now_ns(CLOCK_MONOTONIC) - t0;
		for (p = buf; (nl = strchr(p, '\n')); p = nl + 1) {
			uint64_t end = strtoull(p, NULL, 10);

			if (n < MAX_SAMPLES)
				lat[n++] = at > end ? at - end : 0;
		}
	}
	if (!n || !nr) {
		printf("0 0 0 0 0 0\n");
		return 1;
	}
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	qsort(rd, nr, sizeof(rd[0]), cmp_u64);
	printf("%zu %.1f %.1f %.1f %zu %.1f\n", n, lat[n / 2] / 1e3,
	       lat[n * 99 / 100] / 1e3, lat[n - 1] / 1e3, nr, rd[nr / 2] / 1e3);
	return 0;
}
