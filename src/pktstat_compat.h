/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel API differences, decided by the compile probes in probes/. */
#ifndef PKTSTAT_COMPAT_H
#define PKTSTAT_COMPAT_H

#include <linux/proc_fs.h>

#include "config.h"

#ifndef HAVE_PDE_DATA
#define pde_data(inode) PDE_DATA(inode)
#endif

#endif /* PKTSTAT_COMPAT_H */
