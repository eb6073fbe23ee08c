// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "live.h"

struct live_sec {
	uint64_t end;		/* whole second of window ends: ceil(end_ns) */
	uint64_t frames;
	uint64_t bytes;
	uint64_t peak_frames;
	uint64_t peak_frames_end;
	uint64_t peak_bytes;
	uint64_t peak_bytes_end;
	uint64_t windows;
};

struct live {
	uint64_t id;
	struct live_sec sec[LIVE_SECONDS];	/* ring, oldest at shead */
	unsigned int shead;
	unsigned int nsec;
	uint64_t (*w)[3];			/* ring of end, frames, bytes */
	unsigned int wcap;
	unsigned int whead;
	unsigned int nw;
	uint64_t last_end_ns;
	uint64_t total_frames;
	uint64_t total_bytes;
};

bool row_is_window(const struct row *r)
{
	if (r->flags & ROW_MERGED)
		return false;
	return !(r->flags & ROW_FIRST) || r->end_ns - r->start_ns <= r->period_ns;
}

static struct live_sec *sec_at(struct live *l, unsigned int i)
{
	return &l->sec[(l->shead + i) % LIVE_SECONDS];
}

static void sec_account(struct live_sec *s, const struct row *r)
{
	s->frames += r->frames;
	s->bytes += r->bytes;
	s->windows++;
	if (!row_is_window(r))
		return;
	if (r->frames > s->peak_frames) {
		s->peak_frames = r->frames;
		s->peak_frames_end = r->end_ns;
	}
	if (r->bytes > s->peak_bytes) {
		s->peak_bytes = r->bytes;
		s->peak_bytes_end = r->end_ns;
	}
}

static void add_sec(struct live *l, const struct row *r)
{
	struct live_sec *s = l->nsec ? sec_at(l, l->nsec - 1) : NULL;
	uint64_t end;

	/* Most rows fall in the newest second: no division then. */
	if (s && r->end_ns <= s->end && r->end_ns > s->end - NS) {
		sec_account(s, r);
		return;
	}
	end = r->end_ns / NS * NS;
	if (end != r->end_ns)
		end += NS;
	if (s && end < s->end)
		l->nsec = 0;	/* the clock stepped back: start again */
	if (l->nsec == LIVE_SECONDS) {
		l->shead = (l->shead + 1) % LIVE_SECONDS;
		l->nsec--;
	}
	s = sec_at(l, l->nsec++);
	memset(s, 0, sizeof(*s));
	s->end = end;
	sec_account(s, r);
}

static void add_w(struct live *l, const struct row *r)
{
	uint64_t *e;

	if (l->nw == l->wcap && l->wcap < LIVE_ROWS) {
		unsigned int cap = l->wcap ? l->wcap * 4 : 16, i;
		uint64_t (*w)[3];

		if (cap > LIVE_ROWS)
			cap = LIVE_ROWS;
		w = malloc(cap * sizeof(*w));
		if (w) {
			for (i = 0; i < l->nw; i++)
				memcpy(w[i], l->w[(l->whead + i) % l->wcap],
				       sizeof(*w));
			free(l->w);
			l->w = w;
			l->wcap = cap;
			l->whead = 0;
		}
	}
	if (!l->wcap)
		return;
	if (l->nw == l->wcap) {
		l->whead = (l->whead + 1) % l->wcap;
		l->nw--;
	}
	e = l->w[(l->whead + l->nw++) % l->wcap];
	e[0] = r->end_ns;
	e[1] = r->frames;
	e[2] = r->bytes;
}

void live_add(struct instance *in, const struct row *r)
{
	struct live *l = in->live;

	if (row_is_window(r)) {
		if (r->frames > in->peak_frames)
			in->peak_frames = r->frames;
		if (r->bytes > in->peak_bytes)
			in->peak_bytes = r->bytes;
	}
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return;	/* the view shows no rows; the CSV has them */
		in->live = l;
	}
	if (l->id != r->id) {
		/* Another instance under this name: a fresh view. */
		l->id = r->id;
		l->nsec = l->nw = 0;
	}
	add_sec(l, r);
	add_w(l, r);
	l->last_end_ns = r->end_ns;
	l->total_frames = r->total_frames;
	l->total_bytes = r->total_bytes;
}

/* "key: value\n" */
static char *kv(char *p, const char *key, uint64_t v)
{
	size_t n = strlen(key);

	memcpy(p, key, n);
	p += n;
	*p++ = ':';
	*p++ = ' ';
	p = fmt_u64(p, v);
	*p++ = '\n';
	return p;
}

static char *sp_u64(char *p, uint64_t v)
{
	*p++ = ' ';
	return fmt_u64(p, v);
}

/* Write buf to dir/name through dir/.name.tmp and rename. */
static int replace_file(const char *dir, const char *name, const char *buf,
			size_t len)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	ssize_t n;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >=
	    (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= (int)sizeof(dst)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	err = n < 0 ? errno : ENOSPC;
	if (close(fd) == 0 && n == (ssize_t)len && rename(tmp, dst) == 0)
		return 0;
	if (n == (ssize_t)len)
		err = errno;
	unlink(tmp);
	errno = err;
	return -1;
}

static void live_sig(const struct collector *c, const struct instance *in,
		     uint64_t *sig)
{
	const struct live *l = in->live;

	sig[0] = in->st.id;
	sig[1] = in->st.period_ns;
	sig[2] = in->st.samples;
	sig[3] = view_interval(c);
	sig[4] = in->st.overflows;
	sig[5] = in->st.queued;
	sig[6] = in->st.clock_steps;
	sig[7] = l ? l->nsec : 0;
}

bool live_due(struct collector *c, struct instance *in, bool rows)
{
	struct live *l = in->live;
	uint64_t now = c->round_rt, sig[8];

	/* Seconds older than a minute go. */
	while (l && l->nsec && sec_at(l, 0)->end + LIVE_SECONDS * NS <= now) {
		l->shead = (l->shead + 1) % LIVE_SECONDS;
		l->nsec--;
	}
	if (rows || !in->live_file)
		return true;
	live_sig(c, in, sig);
	return memcmp(sig, in->live_sig, sizeof(sig)) != 0;
}

int live_write(struct collector *c, struct instance *in)
{
	struct live *l = in->live;
	const struct inst_stats *st = &in->st;
	uint64_t now = real_ns(), iv = view_interval(c);
	char name[NAME_MAX_LEN + 8], *p = c->wbuf;
	unsigned int i;

	if (l && l->id != st->id)
		l = NULL;
	p = kv(p, "version", 1);
	memcpy(p, "name: ", 6);
	memcpy(p + 6, in->name, in->name_len);
	p += 6 + in->name_len;
	*p++ = '\n';
	p = kv(p, "instance_id", st->id);
	p = kv(p, "period_ns", st->period_ns);
	p = kv(p, "samples", st->samples);
	p = kv(p, "updated_ns", now);
	p = kv(p, "interval_ns", iv);
	p = kv(p, "last_end_ns", l ? l->last_end_ns : 0);
	p = kv(p, "total_frames", l ? l->total_frames : 0);
	p = kv(p, "total_bytes", l ? l->total_bytes : 0);
	p = kv(p, "overflows", st->overflows);
	p = kv(p, "queued", st->queued);
	p = kv(p, "clock_steps", st->clock_steps);
	p = kv(p, "seconds", l ? l->nsec : 0);
	for (i = 0; l && i < l->nsec; i++) {
		const struct live_sec *s = sec_at(l, i);

		*p++ = 'S';
		p = sp_u64(p, s->end);
		p = sp_u64(p, s->frames);
		p = sp_u64(p, s->bytes);
		p = sp_u64(p, s->peak_frames);
		p = sp_u64(p, s->peak_frames_end);
		p = sp_u64(p, s->peak_bytes);
		p = sp_u64(p, s->peak_bytes_end);
		p = sp_u64(p, s->windows);
		*p++ = '\n';
	}
	p = kv(p, "windows", l ? l->nw : 0);
	for (i = 0; l && i < l->nw; i++) {
		const uint64_t *e = l->w[(l->whead + i) % l->wcap];

		*p++ = 'W';
		p = sp_u64(p, e[0]);
		p = sp_u64(p, e[1]);
		p = sp_u64(p, e[2]);
		*p++ = '\n';
	}
	snprintf(name, sizeof(name), "%s.live", in->name);
	if (replace_file(c->rundir, name, c->wbuf, (size_t)(p - c->wbuf))) {
		log_throttled(&c->t_run, errno, LOG_WARNING, "%s/%s: %s: the "
			      "live view is not updated (the CSV is)",
			      c->rundir, name, strerror(errno));
		return -1;
	}
	in->live_file = true;
	live_sig(c, in, in->live_sig);
	return 0;
}

void live_free(struct instance *in)
{
	if (in->live) {
		free(in->live->w);
		free(in->live);
		in->live = NULL;
	}
}

void live_remove(struct collector *c, struct instance *in)
{
	char path[PATH_MAX];

	live_free(in);
	if (in->live_file && snprintf(path, sizeof(path), "%s/%s.live",
				      c->rundir, in->name) < (int)sizeof(path))
		unlink(path);
	in->live_file = false;
}

void heartbeat_write(struct collector *c, uint64_t interval_ns)
{
	char buf[128], *p = buf;

	p = kv(p, "pid", (uint64_t)getpid());
	p = kv(p, "updated_ns", real_ns());
	p = kv(p, "interval_ns", interval_ns);
	memcpy(p, c->once ? "mode: once\n" : "mode: daemon\n",
	       c->once ? 11 : 13);
	p += c->once ? 11 : 13;
	if (replace_file(c->rundir, "collector", buf, (size_t)(p - buf)))
		log_throttled(&c->t_run, errno, LOG_WARNING, "%s/collector: "
			      "%s: the live view looks stale to its readers",
			      c->rundir, strerror(errno));
}

void heartbeat_remove(struct collector *c)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/collector", c->rundir) <
	    (int)sizeof(path))
		unlink(path);
}

uint64_t heartbeat_interval(const char *rundir)
{
	char path[PATH_MAX], buf[256];
	uint64_t iv, at, age, now = real_ns();
	ssize_t n;
	int fd;

	if (!rundir || !*rundir ||
	    snprintf(path, sizeof(path), "%s/collector", rundir) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || kv_get_u64(buf, (size_t)n, "interval_ns", &iv) ||
	    kv_get_u64(buf, (size_t)n, "updated_ns", &at))
		return 0;
	age = now > at ? now - at : 0;
	if (age > 2 * iv && age > 3 * NS)
		return 0;
	return iv;
}
