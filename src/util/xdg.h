/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xdg.h: per-user directories (XDG base directories) and creating them. */
#ifndef URUN_UTIL_XDG_H
#define URUN_UTIL_XDG_H

#include <sys/types.h>

/* "$ENV/SUB" when ENV holds an absolute path, else "$HOME/HOME_REL/SUB";
 * NULL when neither is usable. */
char *xdg_path(const char *env, const char *home_rel, const char *sub);

/* mkdir -p with mode for every created component; 0 or -errno. */
int xdg_mkdir_p(const char *path, mode_t mode);

#endif
