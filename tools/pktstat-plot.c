// SPDX-License-Identifier: GPL-2.0
/*
 * pktstat-plot: pictures of packets/s and bit/s over time from the CSV
 * archive of pktstat-collect, in one pass over the rows, with memory that
 * does not depend on how many there are.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "archive.h"
#include "bins.h"
#include "human.h"
#include "render.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define DEF_DIR		"/var/log/xt-pktstat"
#define MAX_SERIES	8
#define MAX_FILES	100000

struct series {
	char name[NAME_MAX_LEN + 1];
	int idx;			/* in struct bins */
	uint64_t rows, period_min, period_max;
};

struct opts {
	const char *out;
	const char *title;
	char **names;
	int nnames;
	uint64_t from, to, period_ns;
	int width, height;
	bool skip_bad, verbose;
};

static struct series ser[MAX_SERIES];
static size_t nser;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktstat-plot -o FILE.png|FILE.svg [OPTION]... [FILE|DIR]...\n"
"Draw packets/s and bit/s over time from pktstat-collect's CSV files\n"
"(NAME.csv and its rotations NAME.csv.1, NAME.csv.2.gz, NAME.csv-DATE.gz;\n"
"default: every one in " DEF_DIR "). Each pixel column shows\n"
"the mean rate over its time and the band from its slowest to its fastest\n"
"single window, so bursts shorter than a pixel stay visible.\n"
"\n"
"  -o, --output FILE    the picture, PNG or SVG by its extension\n"
"  -n, --name NAME      draw this instance (repeat; default: all, up to %d)\n"
"  -f, --from TIME      start: 2026-12-02T10:00:00Z (UTC, seconds and a\n"
"                       fraction optional), epoch ns, or -10m, -2h, -7d\n"
"                       before now (default: the first row)\n"
"  -t, --to TIME        end, excluded (default: the last row)\n"
"  -s, --size WxH       picture size in pixels (default 1200x700)\n"
"      --period TIME    window length for files without a period_ns\n"
"                       column (format 1), e.g. 1ms\n"
"      --title TEXT     title (default: the instance names)\n"
"      --skip-bad       skip rows that do not parse instead of failing\n"
"  -v, --verbose        print counts and the layout on stderr\n"
"  -h, --help           this help\n"
"  -V, --version        print the version\n"
"\n"
"Exit status: 0 drawn, 1 bad input, nothing in the range or output error,\n"
"2 usage. See pktstat-plot(1).\n", MAX_SERIES);
}

static void die(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static void die(int rc, const char *fmt, ...)
{
	va_list ap;

	fputs("pktstat-plot: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(rc);
}

static bool wanted(const struct opts *o, const char *name)
{
	int i;

	if (!o->nnames)
		return true;
	for (i = 0; i < o->nnames; i++)
		if (strcmp(o->names[i], name) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same file named twice (a directory and a file in it) counts once. */
static bool seen_before(const char *path)
{
	static struct { dev_t dev; ino_t ino; } *ids;
	static size_t n;
	struct stat sb;
	size_t i;

	if (stat(path, &sb))
		die(1, "%s: %s", path, strerror(errno));
	for (i = 0; i < n; i++)
		if (ids[i].dev == sb.st_dev && ids[i].ino == sb.st_ino)
			return true;
	ids = realloc(ids, (n + 1) * sizeof(*ids));
	if (!ids)
		die(1, "out of memory");
	ids[n].dev = sb.st_dev;
	ids[n++].ino = sb.st_ino;
	return false;
}

static void add_file(char ***files, size_t *n, const char *path)
{
	char **f;

	if (seen_before(path))
		return;
	if (*n >= MAX_FILES)
		die(1, "more than %d files", MAX_FILES);
	f = realloc(*files, (*n + 1) * sizeof(*f));
	if (!f || !(f[*n] = strdup(path)))
		die(1, "out of memory");
	*files = f;
	(*n)++;
}

/* The archive files in dir (of the wanted instances), sorted. */
static void add_dir(char ***files, size_t *n, const char *dir,
		    const struct opts *o)
{
	char path[PATH_MAX], name[NAME_MAX_LEN + 1];
	size_t before = *n, found = 0;
	struct dirent *de;
	bool format1;
	DIR *d = opendir(dir);

	if (!d)
		die(1, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!archive_file_matches(de->d_name, NULL, name, &format1) ||
		    !wanted(o, name))
			continue;
		if (format1 && !o->period_ns) {
			fprintf(stderr, "pktstat-plot: %s/%s left out: format 1 "
				"rows, give --period to draw them\n", dir,
				de->d_name);
			continue;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			die(1, "%s/%s: path too long", dir, de->d_name);
		add_file(files, n, path);
		found++;
	}
	closedir(d);
	if (!found)
		die(1, "%s: no CSV files%s%s (NAME.csv, NAME.csv.1, "
		    "NAME.csv.2.gz, NAME.csv-DATE)", dir,
		    o->nnames ? " of " : "", o->nnames ? o->names[0] : "");
	qsort(*files + before, *n - before, sizeof(**files), cmp_str);
}

static struct series *series_of(struct bins *b, const struct opts *o,
				const char *name)
{
	size_t i;
	int k;

	for (i = 0; i < nser; i++)
		if (strcmp(ser[i].name, name) == 0)
			return &ser[i];
	if (!wanted(o, name))
		return NULL;
	if (nser == MAX_SERIES)
		die(1, "more than %d instances in the files: choose with "
		    "--name", MAX_SERIES);
	k = bins_add_series(b);
	if (k < 0)
		die(1, "out of memory");
	memset(&ser[nser], 0, sizeof(ser[nser]));
	snprintf(ser[nser].name, sizeof(ser[nser].name), "%s", name);
	ser[nser].idx = k;
	return &ser[nser++];
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "period", required_argument, NULL, 'P' },
		{ "title", required_argument, NULL, 'T' },
		{ "skip-bad", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t now = now_ns();
	bool bare;
	char c;
	int opt;

	o->width = 1200;
	o->height = 700;
	o->to = UINT64_MAX;
	o->names = calloc((size_t)argc, sizeof(*o->names));
	if (!o->names)
		die(1, "out of memory");
	while ((opt = getopt_long(argc, argv, "o:n:f:t:s:vhV", lo, NULL)) != -1) {
		switch (opt) {
		case 'o': o->out = optarg; break;
		case 'n':
			if (!valid_instance_name(optarg))
				die(2, "'%s' is not an instance name", optarg);
			o->names[o->nnames++] = optarg;
			break;
		case 'f':
		case 't':
			if (parse_time(optarg, now, opt == 'f' ? &o->from : &o->to))
				die(2, "bad time '%s' (2026-12-02T10:00:00Z, "
				    "epoch ns, or -10m before now)", optarg);
			break;
		case 's':
			if (sscanf(optarg, "%dx%d%c", &o->width, &o->height,
				   &c) != 2 ||
			    o->width < RENDER_MIN_W || o->height < RENDER_MIN_H ||
			    o->width > RENDER_MAX_WH || o->height > RENDER_MAX_WH)
				die(2, "bad size '%s' (WxH, %dx%d to %dx%d)",
				    optarg, RENDER_MIN_W, RENDER_MIN_H,
				    RENDER_MAX_WH, RENDER_MAX_WH);
			break;
		case 'P':
			/* iptables reads a bare number as ms, we as s: neither */
			if (parse_duration(optarg, &o->period_ns, &bare) || bare)
				die(2, "bad period '%s' (with a unit: 250us, "
				    "1ms)", optarg);
			break;
		case 'T': o->title = optarg; break;
		case 'B': o->skip_bad = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("pktstat-plot " VERSION "\n"); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->nnames > MAX_SERIES)
		die(2, "at most %d --name", MAX_SERIES);
	if (!o->out)
		die(2, "no output: -o FILE.png or -o FILE.svg (--help for more)");
	if (o->to <= o->from)
		die(2, "--to must be after --from");
}

static bool is_svg(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0)
		return true;
	if (n > 4 && strcasecmp(path + n - 4, ".png") == 0)
		return false;
	die(2, "%s: the output must end in .png or .svg", path);
}

/* One file, every row. Returns the rows read. */
static uint64_t read_file(struct bins *b, const struct opts *o,
			  const char *path, uint64_t *bad)
{
	char err[512];
	struct archive a;
	struct arow r = { .name = "" };
	uint64_t rows = 0;
	int rc;

	if (archive_open(&a, path, o->period_ns, err, sizeof(err)))
		die(1, "%s", err);
	while ((rc = archive_next(&a, &r, err, sizeof(err))) != 0) {
		struct series *s;

		if (rc == -1 || (rc == -2 && !o->skip_bad))
			die(1, "%s", err);
		if (rc == -2) {
			if ((*bad)++ < 3)
				fprintf(stderr, "pktstat-plot: skipped %s\n", err);
			continue;
		}
		rows++;
		s = series_of(b, o, r.name);
		if (!s)
			continue;
		if (!bins_add(b, (size_t)s->idx, &r))
			continue;
		if (!s->rows || r.period_ns < s->period_min)
			s->period_min = r.period_ns;
		if (r.period_ns > s->period_max)
			s->period_max = r.period_ns;
		s->rows++;
	}
	if (a.partial_tail && o->verbose)
		fprintf(stderr, "pktstat-plot: %s: last line incomplete "
			"(being written?), ignored\n", path);
	archive_close(&a);
	return rows;
}

static void report(const struct opts *o, const struct bins *b,
		   const struct layout *l, const struct render_spec *rs,
		   const struct column *cols, size_t nfiles, uint64_t rows,
		   uint64_t bad)
{
	size_t ncols = (size_t)(l->x1 - l->x0), s, c;

	if (!o->verbose)
		return;
	fprintf(stderr, "pktstat-plot: read: %zu files, %" PRIu64 " rows, %"
		PRIu64 " bad rows skipped, %" PRIu64 " outside the range\n",
		nfiles, rows, bad, b->clipped);
	fprintf(stderr, "pktstat-plot: range: %" PRIu64 " %" PRIu64 " ns, "
		"column: %.3f ns\n", rs->t0,
		rs->t0 + (uint64_t)llround(rs->col_ns * (double)ncols),
		rs->col_ns);
	fprintf(stderr, "pktstat-plot: area: %d %d %d %d %d %d\n", l->x0,
		l->x1, l->top[0], l->bottom[0], l->top[1], l->bottom[1]);
	fprintf(stderr, "pktstat-plot: ymax: %.17g %.17g\n", rs->ymax[0],
		rs->ymax[1]);
	for (s = 0; s < nser; s++) {
		const struct column *k = cols + s * ncols;
		double f = 0, by = 0, pf = 0, pb = 0;
		size_t cf = 0, cb = 0;

		for (c = 0; c < ncols; c++) {
			f += k[c].frames;
			by += k[c].bytes;
			if (k[c].max_fps > pf) {
				pf = k[c].max_fps;
				cf = c;
			}
			if (k[c].max_bps > pb) {
				pb = k[c].max_bps;
				cb = c;
			}
		}
		fprintf(stderr, "pktstat-plot: series %s: rows %" PRIu64
			", frames %.0f, bytes %.0f, peak %.17g packets/s at "
			"column %zu, %.17g bit/s at column %zu\n", ser[s].name,
			ser[s].rows, f, by, pf, cf, pb, cb);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .out = NULL };
	struct render_series rser[MAX_SERIES];
	struct render_spec rs = { .title = NULL };
	struct column *cols;
	struct layout l;
	struct bins b;
	char **files = NULL, err[512], t1[64], t2[64];
	size_t nfiles = 0, i, ncols;
	uint64_t rows = 0, bad = 0;
	struct stat sb;
	int k;

	parse_args(argc, argv, &o);
	rs.svg = is_svg(o.out);
	if (render_layout(o.width, o.height, &l))
		die(2, "bad size");
	ncols = (size_t)(l.x1 - l.x0);
	for (k = optind; k < argc; k++) {
		if (stat(argv[k], &sb))
			die(1, "%s: %s", argv[k], strerror(errno));
		if (S_ISDIR(sb.st_mode))
			add_dir(&files, &nfiles, argv[k], &o);
		else
			add_file(&files, &nfiles, argv[k]);
	}
	if (optind == argc)
		add_dir(&files, &nfiles, DEF_DIR, &o);
	if (bins_init(&b, ncols, o.from, o.to))
		die(1, "out of memory");
	/* Named instances keep the order (and colours) they were given in. */
	for (k = 0; k < o.nnames; k++)
		series_of(&b, &o, o.names[k]);
	for (i = 0; i < nfiles; i++)
		rows += read_file(&b, &o, files[i], &bad);
	if (bad)
		fprintf(stderr, "pktstat-plot: %" PRIu64 " bad rows skipped\n",
			bad);
	cols = calloc(nser * ncols + 1, sizeof(*cols));
	if (!cols)
		die(1, "out of memory");
	if (bins_columns(&b, ncols, cols, &rs.t0, &rs.col_ns)) {
		strcpy(t1, "the start");
		strcpy(t2, "the end");
		if (o.from)
			human_utc(t1, sizeof(t1), o.from, 3);
		if (o.to != UINT64_MAX)
			human_utc(t2, sizeof(t2), o.to, 3);
		die(1, "no rows%s%s%s between %s and %s (UTC) in %zu files, %"
		    PRIu64 " rows read", o.nnames ? " of " : "",
		    o.nnames ? o.names[0] : "", o.nnames > 1 ? ", ..." : "",
		    t1, t2, nfiles, rows);
	}
	for (i = 0; i < nser; i++) {
		rser[i].name = ser[i].name;
		rser[i].period_min = ser[i].period_min;
		rser[i].period_max = ser[i].period_max;
		rser[i].cols = cols + (size_t)ser[i].idx * ncols;
		if (!ser[i].rows)
			fprintf(stderr, "pktstat-plot: %s: no rows in the "
				"range\n", ser[i].name);
	}
	rs.path = o.out;
	rs.title = o.title;
	rs.nser = nser;
	rs.ser = rser;
	if (render(&l, &rs, err, sizeof(err)))
		die(1, "%s", err);
	report(&o, &b, &l, &rs, cols, nfiles, rows, bad);
	bins_free(&b);
	free(cols);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(o.names);
	return 0;
}
