// SPDX-License-Identifier: GPL-2.0
/*
 * uffdread FILE: one read() of FILE into a buffer whose page is registered
 * with userfaultfd, so the kernel's copy to it blocks until we let it go.
 *
 * Prints "blocked" once the read waits on the page fault, then waits for a
 * line (or EOF) on stdin, resolves the fault and prints what the read
 * returned: the bytes, or "error: <errno name>". Exit 0 when the read
 * returned data or 0 bytes, 1 when it failed, 2 on a setup error, 3 when
 * the read returned without touching the page (nothing to copy).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int data_fd;
static char *buf;
static size_t len;
static ssize_t got;
static int read_errno, read_done;

static void *do_read(void *arg)
{
	(void)arg;
	got = read(data_fd, buf, len);
	read_errno = errno;
	__atomic_store_n(&read_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int die(const char *what)
{
	fprintf(stderr, "uffdread: %s: %s\n", what, strerror(errno));
	return 2;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zero;
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t reader;
	long page = sysconf(_SC_PAGESIZE);
	char line[16];
	int uffd;

	if (argc != 2) {
		fprintf(stderr, "usage: uffdread FILE\n");
		return 2;
	}
	len = (size_t)page;
	data_fd = open(argv[1], O_RDONLY);
	if (data_fd < 0)
		return die(argv[1]);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return die("mmap");
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		return die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		return die("UFFDIO_API");
	reg.range.start = (unsigned long)buf;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return die("UFFDIO_REGISTER");

	if (pthread_create(&reader, NULL, do_read, NULL))
		return die("pthread_create");
	/* The fault: the kernel is copying the lines to buf, and waits. */
	pfd.fd = uffd;
	pfd.events = POLLIN;
	for (;;) {
		int n = poll(&pfd, 1, 100);

		if (n < 0)
			return die("poll");
		if (n)
			break;
		if (__atomic_load_n(&read_done, __ATOMIC_ACQUIRE)) {
			printf("no fault: read returned %zd\n", got);
			return 3;
		}
	}
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return die("read uffd");
	printf("blocked\n");
	fflush(stdout);

	if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
		return die("stdin");
	zero.range.start = (unsigned long)buf;
	zero.range.len = len;
	zero.mode = 0;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero))
		return die("UFFDIO_ZEROPAGE");
	pthread_join(reader, NULL);
	if (got < 0) {
		printf("error: %s\n", strerrorname_np(read_errno));
		return 1;
	}
	fwrite(buf, 1, (size_t)got, stdout);
	return 0;
}
