/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drawing the plot with cairo (PNG or SVG): two panels, packets/s above
 * bit/s, one pixel column per struct column: the band from the slowest to
 * the fastest single window and the line of the column's mean.
 */
#ifndef PKTSTAT_RENDER_H
#define PKTSTAT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bins.h"

#define RENDER_MIN_W	320
#define RENDER_MIN_H	240
#define RENDER_MAX_WH	16384

/* Where things go. Panel 0: packets/s, panel 1: bit/s. */
struct layout {
	int width, height;
	int x0, x1;		/* plot area columns [x0, x1) */
	int top[2], bottom[2];	/* y of the panel's top; of the value 0 */
};

struct render_series {
	const char *name;
	uint64_t period_min, period_max;
	const struct column *cols;	/* x1 - x0 of them */
};

struct render_spec {
	const char *path;
	bool svg;
	const char *title;		/* NULL: the instance names */
	uint64_t t0;			/* start of column 0, ns */
	double col_ns;			/* width of a column */
	size_t nser;
	const struct render_series *ser;
	double ymax[2];			/* set by render(): top of each axis */
};

/* Returns 0, or -1 if the size is out of bounds. */
int render_layout(int width, int height, struct layout *l);

/* The y of value v on panel p with axis top ymax. */
double render_y(const struct layout *l, int p, double ymax, double v);

/*
 * Draw into r->path (a temporary file renamed into place). Returns 0 or -1
 * with a message naming the file in err.
 */
int render(const struct layout *l, struct render_spec *r, char *err,
	   size_t errlen);

#endif
