// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <time.h>

#include "fmt.h"

const char fmt_digits2[200] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void fmt_date_set(struct fmt_date *d, uint64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (d->valid && d->sec == sec)
		return;
	memset(d, 0, sizeof(*d));
	gmtime_r(&t, &tm);
	d->len = strftime(d->text, sizeof(d->text), "%Y-%m-%dT%H:%M:%S.", &tm);
	d->dlen = (size_t)(fmt_u64(d->digits, sec) - d->digits);
	d->sec = sec;
	d->valid = 1;
}

char *fmt_date(char *p, struct fmt_date *d, uint64_t sec)
{
	fmt_date_set(d, sec);
	memcpy(p, d->text, d->len);
	return p + d->len;
}

void fmt_seconds(char *buf, uint64_t ns)
{
	char dig[FMT_U64_MAX + 1], *e;
	int n, exp, i, k = 0;

	if (ns == 0) {
		snprintf(buf, 32, "0");
		return;
	}
	e = fmt_u64(dig, ns);
	n = (int)(e - dig);
	/* ns = 0.d1d2...dn x 10^(n - 9): scientific exponent n - 10. */
	exp = n - 10;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	/* Go switches to e-notation below 1e-4 (and from 1e21: never here). */
	if (exp < -4) {
		buf[k++] = dig[0];
		if (n > 1) {
			buf[k++] = '.';
			for (i = 1; i < n; i++)
				buf[k++] = dig[i];
		}
		snprintf(buf + k, 32 - (size_t)k, "e-%02d", -exp);
		return;
	}
	if (exp < 0) {
		buf[k++] = '0';
		buf[k++] = '.';
		for (i = -1; i > exp; i--)
			buf[k++] = '0';
		for (i = 0; i < n; i++)
			buf[k++] = dig[i];
	} else {
		for (i = 0; i <= exp; i++)
			buf[k++] = i < n ? dig[i] : '0';
		if (n > exp + 1) {
			buf[k++] = '.';
			for (i = exp + 1; i < n; i++)
				buf[k++] = dig[i];
		}
	}
	buf[k] = '\0';
}
