/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c: level-filtered messages to stderr, with a monotonic timestamp at
 * debug level so start-up steps can be timed from the log alone. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static enum log_level current = LOG_WARN;

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

int log_parse_level(const char *s)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_WARN;
	return -1;
}

void log_msg(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (level > current)
		return;
	if (current >= LOG_DEBUG) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "[%ld.%06ld %s:%d] ", (long)ts.tv_sec, ts.tv_nsec / 1000, file, line);
	}
	fputs(level == LOG_WARN ? "urun: warning: " : "urun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
