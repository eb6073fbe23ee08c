// SPDX-License-Identifier: GPL-2.0
#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "human.h"
#include "render.h"

#define FONT		"DejaVu Sans"
#define TICK_PX		120	/* at least this far apart: room for a label */

static const double palette[][3] = {
	{ 0.122, 0.467, 0.706 }, { 1.000, 0.498, 0.055 },
	{ 0.173, 0.627, 0.173 }, { 0.580, 0.404, 0.741 },
	{ 0.549, 0.337, 0.294 }, { 0.890, 0.467, 0.761 },
	{ 0.737, 0.741, 0.133 }, { 0.090, 0.745, 0.812 },
};
#define NCOLORS (sizeof(palette) / sizeof(palette[0]))
#define BAND_ALPHA	0.35

int render_layout(int width, int height, struct layout *l)
{
	int h;

	if (width < RENDER_MIN_W || height < RENDER_MIN_H ||
	    width > RENDER_MAX_WH || height > RENDER_MAX_WH)
		return -1;
	l->width = width;
	l->height = height;
	l->x0 = 84;
	l->x1 = width - 24;
	/* title, subtitle, legend; a gap; x labels and axis title below */
	h = (height - 74 - 28 - 48) / 2;
	l->top[0] = 74;
	l->bottom[0] = l->top[0] + h;
	l->top[1] = l->bottom[0] + 28;
	l->bottom[1] = l->top[1] + h;
	return 0;
}

double render_y(const struct layout *l, int p, double ymax, double v)
{
	return l->bottom[p] - v / ymax * (l->bottom[p] - l->top[p]);
}

/* 1, 2 or 5 times a power of ten, so that ymax / step <= 5. */
static double nice_step(double ymax)
{
	double p = pow(10, floor(log10(ymax / 5)));

	if (ymax / p <= 5)
		return p;
	if (ymax / (2 * p) <= 5)
		return 2 * p;
	if (ymax / (5 * p) <= 5)
		return 5 * p;
	return 10 * p;
}

static double axis_max(double v, double *step)
{
	if (!(v > 0))
		v = 1;
	*step = nice_step(v);
	return ceil(v / *step - 1e-9) * *step;
}

/* A tick step for a time axis: round values of the clock. */
static uint64_t time_step(double range_ns, int px)
{
	static const uint64_t s = 1000000000ULL;
	static const uint64_t steps[] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500,
		1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
		1000000, 2000000, 5000000, 10000000, 20000000, 50000000,
		100000000, 200000000, 500000000,
		s, 2 * s, 5 * s, 10 * s, 15 * s, 30 * s,
		60 * s, 120 * s, 300 * s, 600 * s, 900 * s, 1800 * s,
		3600 * s, 7200 * s, 3 * 3600 * s, 6 * 3600 * s, 12 * 3600 * s,
		86400 * s, 2 * 86400 * s, 7 * 86400 * s, 14 * 86400 * s,
		28 * 86400 * s, 91 * 86400 * s, 182 * 86400 * s,
		365 * 86400 * s,
	};
	double most = px / TICK_PX > 1 ? px / TICK_PX : 1;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (range_ns / (double)steps[i] <= most)
			return steps[i];
	return steps[i - 1];
}

static void time_label(char *buf, size_t size, uint64_t t, uint64_t step,
		       double range_ns)
{
	time_t sec = (time_t)(t / 1000000000ULL);
	unsigned long ns = (unsigned long)(t % 1000000000ULL);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	if (step >= 86400000000000ULL) {
		strftime(buf, size, "%m-%d", &tm);
	} else if (step >= 60000000000ULL) {
		strftime(buf, size, range_ns > 86400e9 ? "%m-%d %H:%M" :
			 "%H:%M", &tm);
	} else if (step >= 1000000000ULL) {
		strftime(buf, size, "%H:%M:%S", &tm);
	} else if (step >= 1000000) {
		n = strftime(buf, size, "%H:%M:%S", &tm);
		snprintf(buf + n, size - n, ".%03lu", ns / 1000000);
	} else if (step >= 1000) {
		n = strftime(buf, size, "%M:%S", &tm);
		snprintf(buf + n, size - n, ".%06lu", ns / 1000);
	} else {
		n = strftime(buf, size, "%S", &tm);
		snprintf(buf + n, size - n, ".%09lu", ns);
	}
}

/* A duration for the subtitle: 3 significant digits and a unit. */
static void short_dur(char *buf, size_t size, double ns)
{
	if (ns >= 86400e9)
		snprintf(buf, size, "%.3g d", ns / 86400e9);
	else if (ns >= 3600e9)
		snprintf(buf, size, "%.3g h", ns / 3600e9);
	else if (ns >= 60e9)
		snprintf(buf, size, "%.3g min", ns / 60e9);
	else if (ns >= 1e9)
		snprintf(buf, size, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, size, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, size, "%.3g us", ns / 1e3);
	else
		snprintf(buf, size, "%.3g ns", ns);
}

static void text(cairo_t *cr, double x, double y, double size, bool bold,
		 double align, const char *s)
{
	cairo_text_extents_t e;

	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD :
			       CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - align * (e.width + e.x_bearing), y);
	cairo_show_text(cr, s);
}

static void grey(cairo_t *cr, double v)
{
	cairo_set_source_rgb(cr, v, v, v);
}

static void draw_panel(cairo_t *cr, const struct layout *l,
		       const struct render_spec *r, int p)
{
	size_t ncols = (size_t)(l->x1 - l->x0), s, c;
	double ymax = r->ymax[p], range = r->col_ns * (double)ncols, step;
	double top = l->top[p], bot = l->bottom[p], v;
	uint64_t ts, t;
	char buf[64];

	/* y grid and labels */
	axis_max(ymax, &step);
	cairo_set_line_width(cr, 1);
	for (v = 0; v <= ymax * (1 + 1e-9); v += step) {
		double y = floor(render_y(l, p, ymax, v)) + 0.5;

		grey(cr, 0.88);
		cairo_move_to(cr, l->x0, y);
		cairo_line_to(cr, l->x1, y);
		cairo_stroke(cr);
		human_axis(buf, sizeof(buf), v);
		grey(cr, 0.2);
		text(cr, l->x0 - 6, y + 4, 11, false, 1, buf);
	}
	/* x grid, labels under the lower panel */
	ts = time_step(range, l->x1 - l->x0);
	for (t = (r->t0 + ts - 1) / ts * ts; (double)(t - r->t0) < range;
	     t += ts) {
		double x = floor(l->x0 + (double)(t - r->t0) / r->col_ns) + 0.5;

		grey(cr, 0.88);
		cairo_move_to(cr, x, top);
		cairo_line_to(cr, x, bot);
		cairo_stroke(cr);
		if (p == 1) {
			time_label(buf, sizeof(buf), t, ts, range);
			grey(cr, 0.2);
			text(cr, x, bot + 16, 11, false, 0.5, buf);
		}
	}
	/* bands, then lines over them */
	for (s = 0; s < r->nser; s++) {
		const double *rgb = palette[s % NCOLORS];

		cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], BAND_ALPHA);
		for (c = 0; c < ncols; c++) {
			const struct column *k = &r->ser[s].cols[c];
			double hi = p ? k->max_bps : k->max_fps;
			double lo = p ? k->min_bps : k->min_fps;
			double y0 = render_y(l, p, ymax, hi);
			double y1 = render_y(l, p, ymax, lo);

			/* at least a pixel: a band of equal windows is flat */
			if (hi > 0)
				cairo_rectangle(cr, l->x0 + (double)c, y0, 1,
						fmax(y1 - y0, 1));
		}
		cairo_fill(cr);
	}
	cairo_set_line_width(cr, 1.2);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (s = 0; s < r->nser; s++) {
		const double *rgb = palette[s % NCOLORS];

		cairo_set_source_rgb(cr, rgb[0] * 0.8, rgb[1] * 0.8,
				     rgb[2] * 0.8);
		for (c = 0; c < ncols; c++) {
			const struct column *k = &r->ser[s].cols[c];

			v = p ? k->mean_bps : k->mean_fps;
			if (k->flags & BINS_OUTSIDE)
				cairo_new_sub_path(cr);
			else
				cairo_line_to(cr, l->x0 + c + 0.5,
					      render_y(l, p, ymax, v));
		}
		cairo_stroke(cr);
	}
	/* resolution lost: merged windows red, clock steps grey, at the bottom */
	for (s = 0; s < r->nser; s++) {
		for (c = 0; c < ncols; c++) {
			unsigned int f = r->ser[s].cols[c].flags;

			if (!(f & (AROW_MERGED | AROW_STEP)))
				continue;
			if (f & AROW_MERGED)
				cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
			else
				grey(cr, 0.5);
			cairo_rectangle(cr, l->x0 + (double)c, bot - 4, 1, 4);
			cairo_fill(cr);
		}
	}
	grey(cr, 0.3);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, l->x0 - 0.5, top - 0.5, l->x1 - l->x0 + 1,
			bot - top + 1);
	cairo_stroke(cr);
	/* axis title, rotated */
	cairo_save(cr);
	cairo_translate(cr, 18, (top + bot) / 2);
	cairo_rotate(cr, -M_PI / 2);
	grey(cr, 0.1);
	text(cr, 0, 0, 12, true, 0.5, p ? "bit/s" : "packets/s");
	cairo_restore(cr);
}

static void draw_legend(cairo_t *cr, const struct layout *l,
			const struct render_spec *r)
{
	cairo_text_extents_t e;
	unsigned int flags = 0;
	double x = l->x0, y = 60;
	char buf[128], p1[32], p2[32];
	size_t s, c;

	for (s = 0; s < r->nser; s++) {
		const double *rgb = palette[s % NCOLORS];
		const struct render_series *q = &r->ser[s];

		for (c = 0; c < (size_t)(l->x1 - l->x0); c++)
			flags |= q->cols[c].flags;
		cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], BAND_ALPHA);
		cairo_rectangle(cr, x, y - 9, 18, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, rgb[0] * 0.8, rgb[1] * 0.8,
				     rgb[2] * 0.8);
		cairo_set_line_width(cr, 1.2);
		cairo_move_to(cr, x, y - 3.5);
		cairo_line_to(cr, x + 18, y - 3.5);
		cairo_stroke(cr);
		human_period(p1, sizeof(p1), q->period_min);
		human_period(p2, sizeof(p2), q->period_max);
		if (q->period_min == q->period_max)
			snprintf(buf, sizeof(buf), "%s (%s windows)", q->name, p1);
		else
			snprintf(buf, sizeof(buf), "%s (%s to %s windows)",
				 q->name, p1, p2);
		grey(cr, 0.1);
		text(cr, x + 24, y, 11, false, 0, buf);
		cairo_text_extents(cr, buf, &e);
		x += 24 + e.x_advance + 18;
	}
	if (flags & AROW_MERGED) {
		cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
		cairo_rectangle(cr, x, y - 6, 12, 4);
		cairo_fill(cr);
		grey(cr, 0.1);
		text(cr, x + 16, y, 11, false, 0,
		     "queue overflow: only the mean is known");
		cairo_text_extents(cr, "queue overflow: only the mean is known",
				   &e);
		x += 16 + e.x_advance + 18;
	}
	if (flags & AROW_STEP) {
		grey(cr, 0.5);
		cairo_rectangle(cr, x, y - 6, 12, 4);
		cairo_fill(cr);
		grey(cr, 0.1);
		text(cr, x + 16, y, 11, false, 0, "clock step");
	}
}

static void draw(cairo_t *cr, const struct layout *l,
		 const struct render_spec *r)
{
	double range = r->col_ns * (double)(l->x1 - l->x0);
	char title[256], a[64], b[64], col[32], buf[512];
	size_t s, n = 0;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (r->title) {
		snprintf(title, sizeof(title), "%s", r->title);
	} else {
		n = (size_t)snprintf(title, sizeof(title), "xt_pktstat:");
		for (s = 0; s < r->nser && n < sizeof(title); s++)
			n += (size_t)snprintf(title + n, sizeof(title) - n,
					      "%s %s", s ? "," : "",
					      r->ser[s].name);
	}
	grey(cr, 0.05);
	text(cr, l->x0, 22, 15, true, 0, title);
	human_utc(a, sizeof(a), r->t0, range < 60e9 ? 3 : 0);
	human_utc(b, sizeof(b), r->t0 + (uint64_t)range, range < 60e9 ? 3 : 0);
	short_dur(col, sizeof(col), r->col_ns);
	snprintf(buf, sizeof(buf), "%s to %s UTC.  One pixel column = %s: "
		 "line = its mean, band = its slowest to fastest single "
		 "window", a, b, col);
	grey(cr, 0.25);
	text(cr, l->x0, 40, 11, false, 0, buf);
	draw_legend(cr, l, r);
	draw_panel(cr, l, r, 0);
	draw_panel(cr, l, r, 1);
	grey(cr, 0.1);
	snprintf(buf, sizeof(buf), "time (UTC), from %s", a);
	text(cr, (l->x0 + l->x1) / 2.0, l->bottom[1] + 36, 12, true, 0.5, buf);
}

static cairo_status_t write_file(void *closure, const unsigned char *data,
				 unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS :
	       CAIRO_STATUS_WRITE_ERROR;
}

int render(const struct layout *l, struct render_spec *r, char *err,
	   size_t errlen)
{
	char tmp[PATH_MAX];
	cairo_surface_t *sf;
	cairo_status_t st;
	cairo_t *cr;
	size_t ncols = (size_t)(l->x1 - l->x0), s, c;
	double top[2] = { 0, 0 }, step;
	FILE *f;
	int p, e;

	for (s = 0; s < r->nser; s++) {
		for (c = 0; c < ncols; c++) {
			const struct column *k = &r->ser[s].cols[c];

			top[0] = fmax(top[0], fmax(k->max_fps, k->mean_fps));
			top[1] = fmax(top[1], fmax(k->max_bps, k->mean_bps));
		}
	}
	/* Some room above the highest peak, so the frame does not hide it. */
	for (p = 0; p < 2; p++)
		r->ymax[p] = axis_max(top[p] * 1.04, &step);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", r->path, (long)getpid())
	    >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", r->path);
		return -1;
	}
	f = fopen(tmp, "wb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
		return -1;
	}
	if (r->svg)
		sf = cairo_svg_surface_create_for_stream(write_file, f,
							 l->width, l->height);
	else
		sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, l->width,
						l->height);
	cr = cairo_create(sf);
	draw(cr, l, r);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && !r->svg)
		st = cairo_surface_write_to_png_stream(sf, write_file, f);
	cairo_surface_finish(sf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	e = errno;
	if (fclose(f) && st == CAIRO_STATUS_SUCCESS) {
		e = errno;
		st = CAIRO_STATUS_WRITE_ERROR;
	}
	if (st == CAIRO_STATUS_SUCCESS && rename(tmp, r->path)) {
		e = errno;
		st = CAIRO_STATUS_WRITE_ERROR;
	}
	if (st != CAIRO_STATUS_SUCCESS) {
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", r->path,
			 st == CAIRO_STATUS_WRITE_ERROR ? strerror(e) :
			 cairo_status_to_string(st));
		return -1;
	}
	return 0;
}
