/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.h: errors as values. A failing function returns a negative errno
 * and fills a struct urun_error; only main() prints it, once. */
#ifndef URUN_UTIL_ERROR_H
#define URUN_UTIL_ERROR_H

#include <stddef.h>

/* Exit codes as podman and docker define them. */
enum {
	EXIT_URUN = 125,     /* urun itself failed */
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

struct urun_error {
	char *msg;   /* "what failed: why", lower case, no trailing period */
	char *hint;  /* what the user can do, or NULL */
	int code;    /* errno-style cause, positive; 0 when none */
	int status;  /* exit status to use; 0 means EXIT_URUN */
	const char *file;
	int line;
};

/* Set err (replacing any previous content); returns -errnum (or -EINVAL
 * when errnum is 0) so callers can `return urun_error_set(...)`. When errnum
 * is non-zero, ": strerror(errnum)" is appended. */
int urun_error_set_at(struct urun_error *err, const char *file, int line, int errnum,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define urun_error_set(err, errnum, ...) urun_error_set_at(err, __FILE__, __LINE__, errnum, __VA_ARGS__)

/* Prefix context: "CONTEXT: previous message". Returns -err->code. */
int urun_error_wrap(struct urun_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Attach (or replace) the hint. */
void urun_error_hint(struct urun_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void urun_error_clear(struct urun_error *err);

/* Print as "urun: MSG" then "hint: HINT" (and file:line when debug) to stderr. */
void urun_error_print(const struct urun_error *err, int debug);

#endif
