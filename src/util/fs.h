/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs.h: small file helpers shared by the modules. */
#ifndef URUN_UTIL_FS_H
#define URUN_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole regular file from fd into a NUL-terminated buffer, refusing
 * one larger than max (EFBIG) before and while reading; path names it in
 * errors. */
int fs_read_fd_bounded(int fd, const char *path, size_t max, char **buf, size_t *len, struct urun_error *err);

/* The same for dirfd/name (AT_FDCWD and a path), opened with O_RDONLY | O_CLOEXEC |
 * O_NOCTTY and oflags (O_NOFOLLOW where a symlink must not be followed). */
int fs_read_at_bounded(int dirfd, const char *name, int oflags, size_t max, char **buf, size_t *len,
		       struct urun_error *err);

/* Replace dirfd/name with buf in one step: a temp file beside it (named
 * for this process), fsync'ed, then renamed over; 0 or -errno. */
int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode);

/* A directory of ours that nobody else can write and that was not reached
 * through a symlink (in /tmp or /var/tmp someone else may have made the
 * name first); mode 0700 is restored when it was looser. `what` starts the
 * error ("the runtime dir"), `hint` is what the user can do. */
int fs_check_private_dir(const char *path, const char *what, const char *hint, struct urun_error *err);

/* Whom a directory on a path urun relies on may belong to and be writable by:
 * anything another user can change there could change what urun runs. */
struct fs_trust {
	uid_t uid;	/* the caller */
	bool root_ok;	/* root may own it too (an administrator's store) */
	bool sticky_ok; /* writable by others is fine when sticky (/tmp on the way): nobody
			 * else can rename or remove what the caller or root put there */
	/* The caller's user private group (named as the user, no other member, as
	 * with a umask of 002 on Fedora and Debian): writable by that group is
	 * writable by the caller alone. Looked up (NSS can be slow) only when a
	 * group-writable entry is met; tests set upg_known. */
	gid_t upg;
	bool upg_known;
};

/* Why an entry with this stat (from lstat or fstat) cannot be trusted under t:
 * "a symlink", "owned by another user", "writable by other users"; NULL when
 * it can. Takes a stat, not a path, so the unit tests can give it any owner. */
const char *fs_distrust(const struct stat *st, struct fs_trust *t);

/* The caller's user private group, or (gid_t)-1. */
gid_t fs_private_group(void);

/* Open (O_PATH) the directory `path` that must be the caller's own: a symlink
 * is followed only when the caller owns it, and the directory must be owned by
 * the caller and writable by nobody else (another user could swap what is in
 * it: in /var/tmp someone may have made the name first). The error names
 * `what` and path, the owner and mode found, and carries `hint`. Returns the
 * fd or a negative errno. */
int fs_open_own_dir(const char *path, const char *what, const char *hint, struct urun_error *err);

/* Check `path` and every directory above it under t (sticky_ok applies to the
 * directories above only), walking down from / by file descriptor, so what is
 * checked is what is opened. Symlinks are resolved first (realpath): the
 * resolved path is what must be trusted. Returns an O_PATH fd of path, or a
 * negative errno with *why set to a sentence naming the entry at fault
 * (freed by the caller). */
int fs_open_trusted(const char *path, struct fs_trust *t, char **why);

#endif
