/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cleanup.c: allocators that abort on OOM; a container launcher cannot do
 * anything useful after malloc fails, and checking every call hides logic. */
#include "util/cleanup.h"

#include <stdarg.h>
#include <sys/syscall.h>

static void oom(void)
{
	static const char msg[] = "urun: out of memory\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xzalloc(size_t n)
{
	return xcalloc(1, n ? n : 1);
}

void *xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;

	va_start(ap, fmt);
	int r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

void strv_push(char ***v, char *s)
{
	size_t n = strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void close_all_except(const int *keep, size_t n)
{
	/* Close each gap below the next kept fd, walking up from 3. No copy of
	 * keep (a fixed-size copy once dropped every fd past the 16th: a
	 * detached monitor lost the layer locks of a many-layer image) and no
	 * allocation (this runs between fork and exec); O(n^2) in the few
	 * dozen fds kept. */
	unsigned first = 3;
	for (;;) {
		unsigned next = ~0U;
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= first && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next == ~0U)
			break;
		if (next > first)
			syscall(SYS_close_range, first, next - 1, 0);
		first = next + 1;
	}
	syscall(SYS_close_range, first, ~0U, 0);
}
