/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.c: the error object every fallible function fills, and the single
 * place that prints it. */
#include "util/error.h"
#include "util/cleanup.h"

#include <stdarg.h>

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	char *p = NULL;
	if (vasprintf(&p, fmt, ap) < 0)
		abort();
	return p;
}

int urun_error_set_at(struct urun_error *err, const char *file, int line, int errnum,
		      const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (!err)
		return errnum ? -errnum : -EINVAL;
	urun_error_clear(err);
	va_start(ap, fmt);
	_cleanup_free_ char *what = vformat(fmt, ap);
	va_end(ap);
	if (errnum)
		err->msg = xasprintf("%s: %s", what, strerror(errnum));
	else
		err->msg = steal_ptr(&what);
	err->code = errnum ? errnum : EINVAL;
	err->file = file;
	err->line = line;
	return -err->code;
}

int urun_error_wrap(struct urun_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	_cleanup_free_ char *ctx = vformat(fmt, ap);
	va_end(ap);
	char *m = xasprintf("%s: %s", ctx, err->msg ? err->msg : "failed");
	free(err->msg);
	err->msg = m;
	if (!err->code)
		err->code = EINVAL;
	return -err->code;
}

void urun_error_hint(struct urun_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	char *h = vformat(fmt, ap);
	va_end(ap);
	free(err->hint);
	err->hint = h;
}

void urun_error_clear(struct urun_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->hint);
	memset(err, 0, sizeof(*err));
}

void urun_error_print(const struct urun_error *err, int debug)
{
	fprintf(stderr, "urun: %s", err->msg ? err->msg : "unknown error");
	if (debug && err->file)
		fprintf(stderr, " (%s:%d)", err->file, err->line);
	fputc('\n', stderr);
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
}
