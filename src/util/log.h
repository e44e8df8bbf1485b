/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h: warnings and debug traces on stderr, each printed once, when it happens (nothing is
 * kept to re-print after a container's output). */
#ifndef URUN_UTIL_LOG_H
#define URUN_UTIL_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error|warn|info|debug"; -1 when unknown. */
int log_parse_level(const char *s);

void log_msg(enum log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_warn(...) log_msg(LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

/* Print a warning only once per process for the same key. */
#define log_warn_once(...)                                                                         \
	do {                                                                                       \
		static int warned_;                                                                \
		if (!warned_) {                                                                    \
			warned_ = 1;                                                               \
			log_warn(__VA_ARGS__);                                                     \
		}                                                                                  \
	} while (0)

#endif
