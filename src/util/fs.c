/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs.c: bounded whole-file reads (files from users and images must not be
 * able to make urun allocate without limit), atomic replacement of small
 * files, and the checks a private directory in a shared place needs. */
#include "util/fs.h"
#include "util/cleanup.h"

#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>

int fs_read_fd_bounded(int fd, const char *path, size_t max, char **buf, size_t *len,
		       struct urun_error *err)
{
	struct stat st;
	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return urun_error_set(err, errno, "reading `%s`", path);
	if (!S_ISREG(st.st_mode))
		return urun_error_set(err, 0, "`%s` is not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return urun_error_set(err, EFBIG, "reading `%s`", path);
	_cleanup_free_ char *b = xmalloc(max + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, b + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return urun_error_set(err, errno, "reading `%s`", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return urun_error_set(err, EFBIG, "reading `%s`", path);
	}
	b[n] = '\0';
	*buf = steal_ptr(&b);
	*len = n;
	return 0;
}

int fs_write_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode)
{
	char tmp[300];
	snprintf(tmp, sizeof(tmp), ".%s.tmp%d", name, (int)getpid());
	_cleanup_close_ int fd =
	    openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	const char *p = buf;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			int e = errno;
			unlinkat(dirfd, tmp, 0);
			return -e;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return -e;
	}
	return 0;
}

int fs_check_private_dir(const char *path, const char *what, const char *hint,
			 struct urun_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return urun_error_set(err, errno, "%s `%s`", what, path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		int r = urun_error_set(err, 0, "%s `%s` is %s", what, path,
				       S_ISLNK(st.st_mode)    ? "a symlink"
				       : !S_ISDIR(st.st_mode) ? "not a directory"
							      : "owned by another user");
		urun_error_hint(err, "%s", hint);
		return r;
	}
	if ((st.st_mode & 077) && chmod(path, 0700) < 0)
		return urun_error_set(err, errno, "making %s `%s` private", what, path);
	return 0;
}
