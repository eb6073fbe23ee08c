// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of libxt_pktstat.so's glue: libxtables loads the extension
 * from XTABLES_LIBDIR, options go through the same x6 calls iptables
 * makes, and print/save output is compared.  No kernel needed, so this
 * covers what the VM's .t run covers for print/save before a VM exists.
 * Prints TAP.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xtables.h>
#include <linux/netfilter/xt_pktstat.h>

static unsigned int tests, failures;
static jmp_buf on_error;
static char errmsg[512];

static void __attribute__((noreturn, format(printf, 2, 3)))
catch_error(enum xtables_exittype status, const char *fmt, ...)
{
	va_list ap;

	(void)status;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	longjmp(on_error, 1);
}

/* No kernel here: claim every revision is supported. */
static int any_revision(const char *name, uint8_t rev, int opt)
{
	(void)name;
	(void)rev;
	(void)opt;
	return 1;
}

static struct xtables_globals globals = {
	.program_name = "test_ext",
	.program_version = "0",
	.exit_err = catch_error,
	.compat_rev = any_revision,
};

static struct xtables_match *pktstat;

static void ok(int cond, const char *desc, const char *got)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %u - %s\n", cond ? "" : "not ", tests, desc);
	if (!cond)
		printf("# got: %s\n", got);
}

/* Run print or save into a string. */
static void capture(int save, char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	if (f == NULL || saved < 0)
		abort();
	fflush(stdout);
	dup2(fileno(f), STDOUT_FILENO);
	if (save)
		pktstat->save(NULL, pktstat->m);
	else
		pktstat->print(NULL, pktstat->m, 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

#define MAXARGS 16

/*
 * Split like a shell for plain words and "double quotes" (enough for the
 * .t file).  Returns the word count, -1 if too many.  Words point into
 * @buf, which is overwritten.
 */
static int split(char *buf, char *argv[MAXARGS])
{
	char *r = buf, *w = buf;
	int argc = 0;

	for (;;) {
		while (*r == ' ')
			r++;
		if (*r == '\0')
			return argc;
		if (argc == MAXARGS)
			return -1;
		argv[argc++] = w;
		while (*r != '\0' && *r != ' ') {
			if (*r == '"') {
				for (r++; *r != '\0' && *r != '"'; r++)
					*w++ = *r;
				if (*r == '"')
					r++;
			} else {
				*w++ = *r++;
			}
		}
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
}

/*
 * Parse "--opt value ..." ("!" before an option inverts it) through the
 * calls iptables makes.  Returns 0, or -1 with errmsg set.
 */
static int parse(const char *args)
{
	size_t sz = XT_ALIGN(sizeof(struct xt_entry_match)) + pktstat->size;
	char *copy = strdup(args), *argv[MAXARGS];
	volatile bool invert = false;	/* set after setjmp() */
	int argc, i;

	free(pktstat->m);
	pktstat->m = calloc(1, sz);
	if (copy == NULL || pktstat->m == NULL)
		abort();
	pktstat->m->u.match_size = sz;
	strcpy(pktstat->m->u.user.name, pktstat->name);
	pktstat->mflags = 0;
	pktstat->init(pktstat->m);
	errmsg[0] = '\0';
	argc = split(copy, argv);
	if (setjmp(on_error)) {
		free(copy);
		return -1;
	}
	for (i = 0; i < argc; i++) {
		const struct xt_option_entry *e;

		if (strcmp(argv[i], "!") == 0) {
			invert = true;
			continue;
		}
		for (e = pktstat->x6_options; e->name != NULL; e++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, e->name) == 0)
				break;
		if (e->name == NULL) {
			snprintf(errmsg, sizeof(errmsg), "unknown option %s",
				 argv[i]);
			free(copy);
			return -1;
		}
		optarg = i + 1 < argc ? argv[++i] : NULL;
		if (optarg == NULL) {
			/* getopt's job in iptables */
			snprintf(errmsg, sizeof(errmsg), "option \"%s\" "
				 "requires an argument", argv[i]);
			free(copy);
			return -1;
		}
		xtables_option_mpcall(e->id + pktstat->option_offset, NULL,
				      invert, pktstat, NULL);
		invert = false;
	}
	xtables_option_mfcall(pktstat);
	free(copy);
	return 0;
}

static void save_is(const char *args, const char *want_save,
		    const char *want_print)
{
	char got[256], desc[512];

	snprintf(desc, sizeof(desc), "save of \"%s\"", args);
	if (parse(args) != 0) {
		ok(0, desc, errmsg);
		return;
	}
	capture(1, got, sizeof(got));
	ok(strcmp(got, want_save) == 0, desc, got);
	if (want_print != NULL) {
		snprintf(desc, sizeof(desc), "print of \"%s\"", args);
		capture(0, got, sizeof(got));
		ok(strcmp(got, want_print) == 0, desc, got);
	}
}

/* save output parses back to the same bytes (what -D compares). */
static void reparse_is_same(const char *args)
{
	char got[256], desc[512];
	unsigned char *first;
	size_t n = pktstat->userspacesize;

	snprintf(desc, sizeof(desc), "save of \"%s\" parses back equal", args);
	if (parse(args) != 0) {
		ok(0, desc, errmsg);
		return;
	}
	first = malloc(n);
	if (first == NULL)
		abort();
	memcpy(first, pktstat->m->data, n);
	capture(1, got, sizeof(got));
	if (parse(got) != 0)
		ok(0, desc, errmsg);
	else
		ok(memcmp(first, pktstat->m->data, n) == 0, desc, got);
	free(first);
}

static void error_is(const char *args, const char *want)
{
	char desc[512];
	int ret = parse(args);

	snprintf(desc, sizeof(desc), "\"%s\" refused: %s", args, want);
	ok(ret == -1 && strstr(errmsg, want) != NULL, desc,
	   ret ? errmsg : "accepted");
}

/*
 * Check libxt_pktstat.t's lines that hold only "-m pktstat" options, so its
 * expectations are proven on the host too.  The VM runs every line.
 */
static void t_file(const char *path)
{
	char line[1024], desc[1100], got[256], full[300];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		ok(0, path, "cannot open");
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *rule = line, *expected, *result, *opts, *p;
		int ret;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#' || line[0] == ':')
			continue;
		result = strrchr(line, ';');
		if (result == NULL || result == line)
			continue;
		*result++ = '\0';
		expected = strrchr(line, ';');
		if (expected == NULL)
			continue;
		*expected++ = '\0';
		if (strcmp(expected, "=") == 0)
			expected = rule;
		if (strncmp(rule, "-m pktstat", 10) != 0 ||
		    strstr(rule + 10, "-m ") != NULL)
			continue;	/* other matches: VM only */
		opts = rule + 10;
		snprintf(desc, sizeof(desc), ".t: %s (%s)", rule, result);
		ret = parse(opts);
		if (strcmp(result, "FAIL") == 0) {
			ok(ret == -1, desc, "accepted");
			continue;
		}
		if (ret != 0) {
			ok(0, desc, errmsg);
			continue;
		}
		capture(1, got, sizeof(got));
		/* Auto names grow in this process; the VM starts each at 0. */
		p = strstr(got, " --name ");
		if (strstr(opts, "--name") == NULL && p != NULL)
			strcpy(p, " --name 0");
		snprintf(full, sizeof(full), "-m pktstat%s", got);
		ok(strcmp(full, expected) == 0, desc, full);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	xtables_init_all(&globals, NFPROTO_IPV4);
	pktstat = xtables_find_match("pktstat", XTF_TRY_LOAD, NULL);
	if (pktstat == NULL) {
		printf("Bail out! libxt_pktstat.so not found in "
		       "XTABLES_LIBDIR=%s\n", getenv("XTABLES_LIBDIR"));
		return 1;
	}
	ok(pktstat->family == NFPROTO_UNSPEC && pktstat->revision == 0 &&
	   pktstat->size == XT_ALIGN(sizeof(struct xt_pktstat_info)) &&
	   pktstat->userspacesize ==
		offsetof(struct xt_pktstat_info, inst) &&
	   pktstat->xlate == NULL, "registration", "");

	/* Automatic names 0, 1, ... in one process (no /proc here). */
	save_is("--period 100 --samples 20",
		" --period 100ms --samples 20 --name 0",
		" pktstat period 100ms samples 20 name 0");
	save_is("", " --period 100ms --samples 1024 --name 1", NULL);
	save_is("--name 2", " --period 100ms --samples 1024 --name 2", NULL);
	save_is("--period 1s", " --period 1s --samples 1024 --name 3", NULL);
	save_is("--name web --samples 4096 --period 250us",
		" --period 250us --samples 4096 --name web",
		" pktstat period 250us samples 4096 name web");
	save_is("--period 1.5ms --name a", " --period 1500us --samples 1024 "
		"--name a", NULL);
	save_is("--period 3600000ms --samples 65536 --name max",
		" --period 3600s --samples 65536 --name max", NULL);
	save_is("--period 1001ns --samples 2 --name min",
		" --period 1001ns --samples 2 --name min", NULL);
	reparse_is_same("--period 1.5ms --samples 7 --name x");
	reparse_is_same("--period 100 --name nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");

	error_is("--period 0ns", "pktstat: --period \"0ns\" out of range: "
		 "allowed 1us to 3600s");
	error_is("--period 99999999999999999999s", "out of range");
	error_is("--period \"\"", "is empty");
	error_is("--samples 65537", "--samples \"65537\" out of range: "
		 "allowed 2 to 65536");
	error_is("--name a/b", "invalid character '/'");
	error_is("! --name x", "cannot be inverted");
	error_is("! --period 1ms", "cannot be inverted");
	error_is("--samples 4 --samples 5", "only be used once");

	if (argc > 1)
		t_file(argv[1]);

	printf("1..%u\n", tests);
	return failures ? 1 : 0;
}
