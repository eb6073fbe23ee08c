/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xt_pktstat: count frames and bytes per fixed time window.
 *
 * The one structure shared by the kernel match and the xtables extension.
 */
#ifndef _UAPI_XT_PKTSTAT_H
#define _UAPI_XT_PKTSTAT_H

#include <linux/types.h>

/* Instance name, NUL included: /proc/net/xt_pktstat/<name>/ */
#define XT_PKTSTAT_NAME_LEN		32

/* Window length limits, in nanoseconds: 1 us to 1 hour. */
#define XT_PKTSTAT_PERIOD_MIN_NS	1000ULL
#define XT_PKTSTAT_PERIOD_MAX_NS	3600000000000ULL

/* Closed windows each CPU can queue: 2 to 65536 (32 bytes each). */
#define XT_PKTSTAT_SAMPLES_MIN		2U
#define XT_PKTSTAT_SAMPLES_MAX		65536U

struct xt_pktstat_instance;

struct xt_pktstat_info {
	__aligned_u64 period_ns;		/* window length */
	__u32 samples;				/* FIFO capacity per CPU */
	__u32 flags;				/* reserved, must be 0 */
	char name[XT_PKTSTAT_NAME_LEN];		/* [A-Za-z0-9_.-], no leading '.' */

	/* Kernel private: never copied to userspace (.usersize) */
	struct xt_pktstat_instance *inst __attribute__((aligned(8)));
};

#endif /* _UAPI_XT_PKTSTAT_H */
