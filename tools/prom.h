/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus textfile (doc/OUTPUTS.md section 3): PROMDIR/xt_pktstat.prom
 * for node_exporter's textfile collector, written to a temporary file and
 * renamed.
 */
#ifndef PKTSTAT_PROM_H
#define PKTSTAT_PROM_H

#include "collect.h"

#define PROM_FILE	"xt_pktstat.prom"

/* Write the file; resets the instances' peak gauges. Returns 0 or -1. */
int prom_write(struct collector *c);

#endif
