// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, in the VM: how fast one read() loop drains a backlog of
 * windows from /proc/net/xt_pktstat/NAME/data (the kernel's side of the
 * collector's throughput).
 *
 *   drain DATA_FILE
 *
 * Reads 64 KiB at a time until a read returns nothing. Prints
 * "WINDOWS ELAPSED_S CPU_S READS": lines read, CLOCK_MONOTONIC time of the
 * loop, this process's CPU time in it (the read()s: kernel side), reads.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	uint64_t lines = 0, reads = 0;
	double t0, c0;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: drain DATA_FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	t0 = secs(CLOCK_MONOTONIC);
	c0 = secs(CLOCK_PROCESS_CPUTIME_ID);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		const char *p = buf, *end = buf + n;

		reads++;
		while ((p = memchr(p, '\n', (size_t)(end - p)))) {
			lines++;
			p++;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	printf("%llu %.6f %.6f %llu\n", (unsigned long long)lines,
	       secs(CLOCK_MONOTONIC) - t0, secs(CLOCK_PROCESS_CPUTIME_ID) - c0,
	       (unsigned long long)reads);
	return 0;
}
