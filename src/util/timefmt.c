/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timefmt.c: RFC 3339 by hand (strptime has no fractions and reads zones
 * through the locale; timegm would need the process's TZ), civil dates by
 * Howard Hinnant's day arithmetic, and go-units' duration wording. */
#include "util/timefmt.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at *p, advancing it; -1 when one is not a digit. */
static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

int timefmt_parse_rfc3339(const char *s, struct timefmt_time *t)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int y = digits(&p, 4), mo, d, h, mi, sec, nsec = 0, off = 0;
	if (y < 0 || !expect(&p, '-') || (mo = digits(&p, 2)) < 1 || mo > 12 || !expect(&p, '-') ||
	    (d = digits(&p, 2)) < 1 || (unsigned)d > mdays[mo - 1] || !expect(&p, 'T') ||
	    (h = digits(&p, 2)) < 0 || h > 23 || !expect(&p, ':') || (mi = digits(&p, 2)) < 0 ||
	    mi > 59 || !expect(&p, ':') || (sec = digits(&p, 2)) < 0 || sec > 59)
		return -EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -EINVAL;
	if (expect(&p, '.')) {
		/* Go reads any number of digits and keeps nanoseconds. */
		int n = 0;
		for (; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 9)
				nsec = nsec * 10 + (*p - '0');
		if (n == 0)
			return -EINVAL;
		for (; n < 9; n++)
			nsec *= 10;
	}
	if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if ((oh = digits(&p, 2)) < 0 || oh > 23 || !expect(&p, ':') ||
		    (om = digits(&p, 2)) < 0 || om > 59)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else if (!expect(&p, 'Z')) {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	t->sec =
	    days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
	t->nsec = nsec;
	t->offset = off;
	return 0;
}

void timefmt_rfc3339(const struct timefmt_time *t, char *out, size_t len)
{
	int64_t local = t->sec + t->offset, days = local / 86400, rem = local % 86400, y;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	char frac[12] = "", zone[8] = "Z";
	if (t->nsec > 0) {
		snprintf(frac, sizeof(frac), ".%09d", (int)t->nsec);
		for (size_t i = 9; frac[i] == '0'; i--)
			frac[i] = '\0';
	}
	if (t->offset) {
		int a = t->offset < 0 ? -t->offset : t->offset;
		snprintf(zone, sizeof(zone), "%c%02d:%02d", t->offset < 0 ? '-' : '+',
			 a / 3600 % 100, a / 60 % 60);
	}
	snprintf(out, len, "%04lld-%02u-%02uT%02d:%02d:%02d%s%s", (long long)y, m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), frac, zone);
}

void timefmt_human_since(const struct timefmt_time *t, const struct timefmt_time *now, char *out,
			 size_t len)
{
	/* go-units truncates seconds and minutes, rounds hours, and counts
	 * years from the truncated hours. */
	int64_t s = now->sec - t->sec, ns = (int64_t)now->nsec - t->nsec;
	if (ns < 0) {
		ns += 1000000000;
		s--;
	}
	/* Go's time.Sub saturates at a Duration's range, about 292 years. */
	if (s > INT64_MAX / 1000000000) {
		s = INT64_MAX / 1000000000;
		ns = INT64_MAX % 1000000000;
	}
	int64_t minutes = s / 60, hours_trunc = s / 3600,
		hours = (int64_t)((double)s / 3600.0 + (double)ns / 3.6e12 + 0.5);
	if (s < 1)
		snprintf(out, len, "Less than a second");
	else if (s == 1)
		snprintf(out, len, "1 second");
	else if (s < 60)
		snprintf(out, len, "%lld seconds", (long long)s);
	else if (minutes == 1)
		snprintf(out, len, "About a minute");
	else if (minutes < 60)
		snprintf(out, len, "%lld minutes", (long long)minutes);
	else if (hours == 1)
		snprintf(out, len, "About an hour");
	else if (hours < 48)
		snprintf(out, len, "%lld hours", (long long)hours);
	else if (hours < 24 * 7 * 2)
		snprintf(out, len, "%lld days", (long long)(hours / 24));
	else if (hours < 24 * 30 * 2)
		snprintf(out, len, "%lld weeks", (long long)(hours / 24 / 7));
	else if (hours < 24 * 365 * 2)
		snprintf(out, len, "%lld months", (long long)(hours / 24 / 30));
	else
		snprintf(out, len, "%lld years", (long long)(hours_trunc / 24 / 365));
}
