/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/net/xt_pktstat/<name>/{data,stats} */
#ifndef PKTSTAT_PROC_H
#define PKTSTAT_PROC_H

#include "pktstat_instance.h"

int pktstat_proc_add(struct xt_pktstat_instance *inst,
		     struct proc_dir_entry *parent, const struct net *net);

#endif /* PKTSTAT_PROC_H */
