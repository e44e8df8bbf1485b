/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs.h: small file helpers shared by the modules. */
#ifndef URUN_UTIL_FS_H
#define URUN_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole regular file from fd into a NUL-terminated buffer, refusing
 * one larger than max (EFBIG) before and while reading; path names it in
 * errors. */
int fs_read_fd_bounded(int fd, const char *path, size_t max, char **buf, size_t *len, struct urun_error *err);

/* Replace dirfd/name with buf in one step: a temp file beside it (named
 * for this process), fsync'ed, then renamed over; 0 or -errno. */
int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode);

/* A directory of ours that nobody else can write and that was not reached
 * through a symlink (in /tmp or /var/tmp someone else may have made the
 * name first); mode 0700 is restored when it was looser. `what` starts the
 * error ("the runtime dir"), `hint` is what the user can do. */
int fs_check_private_dir(const char *path, const char *what, const char *hint, struct urun_error *err);

#endif
