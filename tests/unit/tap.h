/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h: a header-only TAP producer for urun's C unit tests, read by
 * automake's tap-driver.sh. */
#ifndef URUN_TESTS_TAP_H
#define URUN_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void plan(int n)
{
	printf("1..%d\n", n);
}

static inline __attribute__((format(printf, 2, 0))) int tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline __attribute__((format(printf, 2, 3))) int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

static inline int is_int(long long got, long long want, const char *name)
{
	int r = ok(got == want, "%s", name);
	if (!r)
		printf("# got %lld, want %lld\n", got, want);
	return r;
}

static inline int is_str(const char *got, const char *want, const char *name)
{
	int same = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	int r = ok(same, "%s", name);
	if (!r)
		printf("# got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return r;
}

static inline void skip(const char *reason)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, reason);
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
