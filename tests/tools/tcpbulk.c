// SPDX-License-Identifier: GPL-2.0
/*
 * tcpbulk - one TCP bulk transfer of a known size, for the VM tests.
 *
 *   tcpbulk recv [-6] PORT               listen, then return; serve one transfer
 *   tcpbulk send [-6] -n BYTES ADDR PORT send BYTES, exit 0 once all arrived
 *
 * recv returns as soon as it listens (a child serves the one connection), so
 * a test can start the sender right away, with no sleep and no connect retry.
 * The receiver reads to EOF, answers with the byte count it got (8 bytes,
 * big endian) and closes; the sender exits 0 only if that count is what it
 * sent. So when send returns, the whole exchange is over, FINs included.
 * Static and dependency free so it runs in the busybox initramfs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "parse_num.h"

#define CHUNK		65536
/* The child gives up after this: a failed test must not leave it behind. */
#define RECV_TIMEOUT_S	60

static void usage(void)
{
	fprintf(stderr, "usage: tcpbulk recv [-6] PORT\n"
		"       tcpbulk send [-6] -n BYTES ADDR PORT\n");
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "tcpbulk: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Fill ss with ADDR (or the wildcard when addr is NULL) and PORT. */
static socklen_t make_addr(struct sockaddr_storage *ss, int family,
			   const char *addr, const char *port_s)
{
	unsigned short port = (unsigned short)parse_num(port_s, "port", 65535);
	void *dst;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		dst = &sin->sin_addr;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		dst = &sin6->sin6_addr;
	}
	if (addr && inet_pton(family, addr, dst) != 1) {
		fprintf(stderr, "tcpbulk: bad address '%s'\n", addr);
		exit(2);
	}
	return family == AF_INET ? sizeof(struct sockaddr_in)
				 : sizeof(struct sockaddr_in6);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		buf += n;
		len -= (size_t)n;
	}
}

static int do_recv(int family, const char *port)
{
	static char buf[CHUNK];
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, NULL, port);
	unsigned long long got = 0;
	unsigned char reply[8];
	int lfd, fd, one = 1, i, devnull;
	ssize_t n;
	pid_t pid;

	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR");
	if (bind(lfd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(lfd, 1))
		die("listen");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid)
		return 0;	/* listening: the caller may connect now */

	/* Let the caller's pipes close: nobody waits for this child. */
	devnull = open("/dev/null", O_RDWR);
	if (devnull < 0)
		exit(1);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	close(devnull);
	setsid();
	alarm(RECV_TIMEOUT_S);

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		exit(1);
	close(lfd);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			exit(1);
		got += (unsigned long long)n;
	}
	for (i = 0; i < 8; i++)
		reply[i] = (unsigned char)(got >> (56 - 8 * i));
	write_all(fd, (const char *)reply, sizeof(reply));
	close(fd);
	exit(0);
}

static int do_send(int family, unsigned long long bytes, const char *addr,
		   const char *port)
{
	static char buf[CHUNK];
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, family, addr, port);
	unsigned long long left = bytes, got = 0;
	unsigned char reply[9];
	size_t have = 0;
	int fd, i;
	ssize_t n;

	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	while (left) {
		size_t chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);

		write_all(fd, buf, chunk);
		left -= chunk;
	}
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	/* The count, then EOF: one byte more would be a protocol error. */
	while ((n = read(fd, reply + have, sizeof(reply) - have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		have += (size_t)n;
		if (have == sizeof(reply))
			break;
	}
	if (have != 8) {
		fprintf(stderr, "tcpbulk: receiver answered %zu bytes, not 8\n",
			have);
		return 1;
	}
	for (i = 0; i < 8; i++)
		got = got << 8 | reply[i];
	if (got != bytes) {
		fprintf(stderr, "tcpbulk: receiver got %llu of %llu bytes\n",
			got, bytes);
		return 1;
	}
	if (close(fd))
		die("close");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long bytes = 0;
	int family = AF_INET, have_bytes = 0, opt, recv;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "recv"))
		recv = 1;
	else if (!strcmp(argv[1], "send"))
		recv = 0;
	else
		usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "6n:")) != -1) {
		switch (opt) {
		case '6':
			family = AF_INET6;
			break;
		case 'n':
			bytes = parse_num(optarg, "byte count", 1ULL << 40);
			have_bytes = 1;
			break;
		default:
			usage();
		}
	}
	if (recv) {
		if (have_bytes || argc - optind != 1)
			usage();
		return do_recv(family, argv[optind]);
	}
	if (!have_bytes || argc - optind != 2)
		usage();
	return do_send(family, bytes, argv[optind], argv[optind + 1]);
}
