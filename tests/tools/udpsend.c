// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend - send exactly COUNT UDP datagrams of PAYLOAD bytes, for the VM tests.
 *
 *   udpsend -c COUNT -s PAYLOAD_BYTES [-i INTERVAL_US] [-C CPU] [-S]
 *           [-P CYCLE_US,AT_US] [-6] ADDR PORT
 *
 * Exits 0 only if every datagram was sent whole. -S: SIGTERM stops it after
 * the datagram in flight, and it prints how many it sent ("sent N"), so a
 * test can send until a condition holds and still know the exact count. Static and dependency free so
 * it runs in the busybox initramfs. -i paces sends on absolute deadlines
 * (CLOCK_MONOTONIC), so scheduling jitter does not accumulate into the rate.
 * -C pins the sender to one CPU, so tests can drive a chosen CPU's counters.
 * -P waits, after start-up, until CLOCK_REALTIME modulo CYCLE_US is AT_US,
 * and prints "start US" and "end US" (CLOCK_REALTIME in microseconds just
 * before the first datagram and just after the last): a test can place a
 * burst in a time window with no exec latency in between.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse_num.h"

#define MAX_PAYLOAD 65507

static void usage(void)
{
	fprintf(stderr,
		"usage: udpsend -c COUNT -s PAYLOAD_BYTES [-i INTERVAL_US] [-C CPU] [-S] [-P CYCLE_US,AT_US] [-6] ADDR PORT\n");
	exit(2);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void add_ns(struct timespec *t, unsigned long long ns)
{
	ns += (unsigned long long)t->tv_nsec;
	t->tv_sec += (time_t)(ns / 1000000000ULL);
	t->tv_nsec = (long)(ns % 1000000000ULL);
}

static unsigned long long realtime_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (unsigned long long)t.tv_sec * 1000000ULL +
	       (unsigned long long)t.tv_nsec / 1000ULL;
}

/* Sleep until CLOCK_REALTIME modulo cycle_us is at_us (the next time). */
static int wait_phase(unsigned long long cycle_us, unsigned long long at_us)
{
	unsigned long long now = realtime_us();
	unsigned long long wake = now - now % cycle_us + at_us;
	struct timespec t;
	int rc;

	if (wake <= now)
		wake += cycle_us;
	t.tv_sec = (time_t)(wake / 1000000ULL);
	t.tv_nsec = (long)(wake % 1000000ULL * 1000ULL);
	do {
		rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
	} while (rc == EINTR);
	if (rc)
		fprintf(stderr, "udpsend: clock_nanosleep: %s\n", strerror(rc));
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long long cycle_us = 0, at_us = 0;
	char *comma;
	unsigned long long count = 0, size = 0, interval_us = 0, i;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int family = AF_INET, have_count = 0, have_size = 0, cpu = -1, report = 0;
	int opt, fd, port;
	struct timespec next;
	char *buf;

	while ((opt = getopt(argc, argv, "c:s:i:C:SP:6")) != -1) {
		switch (opt) {
		case 'c':
			count = parse_num(optarg, "count", ULLONG_MAX);
			have_count = 1;
			break;
		case 's':
			size = parse_num(optarg, "payload size", MAX_PAYLOAD);
			have_size = 1;
			break;
		case 'i':
			interval_us = parse_num(optarg, "interval", 3600000000ULL);
			break;
		case 'C':
			cpu = (int)parse_num(optarg, "cpu", CPU_SETSIZE - 1);
			break;
		case 'S':
			report = 1;
			break;
		case 'P':
			comma = strchr(optarg, ',');
			if (!comma)
				usage();
			*comma = '\0';
			cycle_us = parse_num(optarg, "cycle", 3600000000ULL);
			at_us = parse_num(comma + 1, "phase", 3600000000ULL);
			if (!cycle_us || at_us >= cycle_us) {
				fprintf(stderr, "udpsend: phase %llu us must be below the cycle (%llu us)\n",
					at_us, cycle_us);
				return 2;
			}
			break;
		case '6':
			family = AF_INET6;
			break;
		default:
			usage();
		}
	}
	if (!have_count || !have_size || argc - optind != 2)
		usage();
	port = (int)parse_num(argv[optind + 1], "port", 65535);

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, argv[optind], &sin->sin_addr) != 1) {
			fprintf(stderr, "udpsend: bad IPv4 address '%s'\n", argv[optind]);
			return 2;
		}
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, argv[optind], &sin6->sin6_addr) != 1) {
			fprintf(stderr, "udpsend: bad IPv6 address '%s'\n", argv[optind]);
			return 2;
		}
		sslen = sizeof(*sin6);
	}

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "udpsend: sched_setaffinity(cpu %d): %s\n",
				cpu, strerror(errno));
			return 1;
		}
	}

	buf = calloc(1, size ? size : 1);
	if (!buf) {
		perror("udpsend: calloc");
		return 1;
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	/*
	 * Unconnected sendto(): the receiver usually has no listener, and on a
	 * connected socket its ICMP port unreachable would fail the next send.
	 */

	if (report) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
	}
	if (cycle_us) {
		if (wait_phase(cycle_us, at_us))
			return 1;
		printf("start %llu\n", realtime_us());
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < count && !stop; i++) {
		ssize_t n;

		if (interval_us && i) {
			int rc;

			add_ns(&next, interval_us * 1000ULL);
			do {
				rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						     &next, NULL);
			} while (rc == EINTR && !stop);
			if (stop)
				break;
			if (rc) {
				fprintf(stderr, "udpsend: clock_nanosleep: %s\n",
					strerror(rc));
				return 1;
			}
		}
		/* Mark the datagram so a capture can tell them apart. */
		if (size >= sizeof(i))
			memcpy(buf, &i, sizeof(i));
		do {
			n = sendto(fd, buf, size, 0,
				   (struct sockaddr *)&ss, sslen);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			fprintf(stderr, "udpsend: send %llu of %llu: %s\n",
				i + 1, count, strerror(errno));
			return 1;
		}
		if ((unsigned long long)n != size) {
			fprintf(stderr, "udpsend: short send %llu: %zd of %llu bytes\n",
				i + 1, n, size);
			return 1;
		}
	}
	if (close(fd)) {
		perror("udpsend: close");
		return 1;
	}
	free(buf);
	if (cycle_us)
		printf("end %llu\n", realtime_us());
	if (report)
		printf("sent %llu\n", i);
	return 0;
}
