// SPDX-License-Identifier: GPL-2.0
/*
 * Read a PNG with cairo and say what a person would see, for the plot
 * tests:
 *   pngprobe size FILE                 "W H"
 *   pngprobe tops FILE X0 X1 Y0 Y1     per column x in [X0, X1): "x y" of
 *                                      the topmost coloured (not grey)
 *                                      pixel with Y0 <= y < Y1, or "x -"
 *   pngprobe pixel FILE X Y            "R G B" of that pixel
 */
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grey (text, grid, axes, white) has equal channels; data is coloured. */
static int coloured(uint32_t px)
{
	int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);

	return hi - lo > 40;
}

int main(int argc, char **argv)
{
	cairo_surface_t *s;
	unsigned char *data;
	int w, h, stride, x, y, x0, x1, y0, y1;

	if (argc < 3) {
		fprintf(stderr, "usage: pngprobe size|tops|pixel FILE ...\n");
		return 2;
	}
	s = cairo_image_surface_create_from_png(argv[2]);
	if (cairo_surface_status(s)) {
		fprintf(stderr, "pngprobe: %s: %s\n", argv[2],
			cairo_status_to_string(cairo_surface_status(s)));
		return 1;
	}
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	if (strcmp(argv[1], "size") == 0) {
		printf("%d %d\n", w, h);
		return 0;
	}
	data = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	if (strcmp(argv[1], "pixel") == 0 && argc == 5) {
		uint32_t px;

		x = atoi(argv[3]);
		y = atoi(argv[4]);
		if (x < 0 || x >= w || y < 0 || y >= h)
			return 2;
		px = *(uint32_t *)(data + y * stride + x * 4);
		printf("%u %u %u\n", (px >> 16) & 0xff, (px >> 8) & 0xff,
		       px & 0xff);
		return 0;
	}
	if (strcmp(argv[1], "tops") != 0 || argc != 7)
		return 2;
	x0 = atoi(argv[3]);
	x1 = atoi(argv[4]);
	y0 = atoi(argv[5]);
	y1 = atoi(argv[6]);
	if (x0 < 0 || x1 > w || y0 < 0 || y1 > h)
		return 2;
	for (x = x0; x < x1; x++) {
		for (y = y0; y < y1; y++)
			if (coloured(*(uint32_t *)(data + y * stride + x * 4)))
				break;
		if (y < y1)
			printf("%d %d\n", x, y);
		else
			printf("%d -\n", x);
	}
	cairo_surface_destroy(s);
	return 0;
}
