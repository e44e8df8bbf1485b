/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xdg.c: where per-user files go, following the XDG base directories. */
#include "util/xdg.h"
#include "util/cleanup.h"

#include <sys/stat.h>

char *xdg_path(const char *env, const char *home_rel, const char *sub)
{
	const char *e = getenv(env);
	const char *home = getenv("HOME");
	if (e && *e == '/')
		return xasprintf("%s/%s", e, sub);
	if (home && *home == '/')
		return xasprintf("%s/%s/%s", home, home_rel, sub);
	return NULL;
}

int xdg_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = xstrdup(path);
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	return mkdir(p, mode) < 0 && errno != EEXIST ? -errno : 0;
}
