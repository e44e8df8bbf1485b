/* SPDX-License-Identifier: GPL-2.0-or-later */
/* execdiag.h: why the container's command could not be executed, found out
 * in the child after execve failed: the reason, a hint, podman's status. */
#ifndef URUN_RUN_EXECDIAG_H
#define URUN_RUN_EXECDIAG_H

#include <stdbool.h>
#include <stddef.h>

struct exec_diag {
	int status; /* podman's: 127 not found, 126 not executable, 1 when
		     * execve itself failed on an executable file */
	int err;    /* errno to report */
	char msg[512];
	char hint[256];
};

/* The candidate for cmd in the $PATH entry [dir, dir+len) ("" is "."),
 * written into buf; false when it does not fit. No allocation: the child
 * calls it between clone and exec. */
bool execdiag_candidate(char *buf, size_t size, const char *dir, size_t len, const char *cmd);

/* execve(path) failed with e (0: not known). */
void execdiag_file(const char *path, int e, struct exec_diag *d);
/* execve of cmd failed for every directory of path_env ($PATH) with ENOENT
 * or ENOTDIR: not found, a dangling symlink, or a missing interpreter. */
void execdiag_path(const char *cmd, const char *path_env, struct exec_diag *d);

#endif
