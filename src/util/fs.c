/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs.c: bounded whole-file reads (files from users and images must not be
 * able to make urun allocate without limit), atomic replacement of small
 * files, and the checks a private directory in a shared place needs. */
#include "util/fs.h"
#include "util/cleanup.h"

#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
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
	/* Sized by fstat, grown while the file grows (or a procfs file says 0): a 64 MiB
	 * bound costs nothing for a 2 KiB file. */
	size_t cap = ((uint64_t)st.st_size < max ? (size_t)st.st_size : max) + 1, n = 0;
	_cleanup_free_ char *b = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			b = xrealloc(b, cap + 1);
		}
		ssize_t r = read(fd, b + n, cap - n);
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

int fs_read_at_bounded(int dirfd, const char *name, int oflags, size_t max, char **buf, size_t *len,
		       struct urun_error *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | oflags);
	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return urun_error_set(err, errno, "opening `%s`", name);
	return fs_read_fd_bounded(fd, name, max, buf, len, err);
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

const char *fs_distrust(const struct stat *st, struct fs_trust *t)
{
	if (S_ISLNK(st->st_mode))
		return "a symlink";
	if (st->st_uid != t->uid && !(t->root_ok && st->st_uid == 0))
		return "owned by another user";
	bool sticky = t->sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
	if ((st->st_mode & S_IWOTH) && !sticky)
		return "writable by other users";
	if ((st->st_mode & S_IWGRP) && !sticky && !t->upg_known) {
		t->upg = fs_private_group();
		t->upg_known = true;
	}
	if ((st->st_mode & S_IWGRP) && !sticky && st->st_gid != t->upg)
		return "writable by other users";
	return NULL;
}

gid_t fs_private_group(void)
{
	char pbuf[4096], gbuf[16384];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	if (getpwuid_r(geteuid(), &pw, pbuf, sizeof(pbuf), &pwp) != 0 || !pwp ||
	    getgrgid_r(pw.pw_gid, &gr, gbuf, sizeof(gbuf), &grp) != 0 || !grp ||
	    strcmp(gr.gr_name, pw.pw_name) != 0)
		return (gid_t)-1;
	/* Listed members besides the user make it a shared group. (Others whose
	 * primary group it is cannot be seen without enumerating every account;
	 * a group named as its user is private by convention.) */
	for (char **m = gr.gr_mem; m && *m; m++)
		if (strcmp(*m, pw.pw_name) != 0)
			return (gid_t)-1;
	return pw.pw_gid;
}

int fs_open_own_dir(const char *path, const char *what, const char *hint, struct urun_error *err)
{
	struct fs_trust t = {.uid = geteuid()};
	struct stat st;
	const char *why = NULL;
	_cleanup_close_ int fd = -1;
	if (lstat(path, &st) < 0)
		return urun_error_set(err, errno, "opening %s `%s`", what, path);
	/* A symlink of the caller's (~/.local/share/urun -> a larger disk) is
	 * followed; one of another user's would let them choose the store. */
	if (S_ISLNK(st.st_mode) && st.st_uid != t.uid) {
		why = "a symlink of another user";
	} else {
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return urun_error_set(err, errno, "opening %s `%s`", what, path);
		/* Checked on what was opened, so a swap after the check changes nothing. */
		why = fs_distrust(&st, &t);
	}
	if (why) {
		int r =
		    urun_error_set(err, 0, "%s `%s` is %s (owner uid %u, mode %04o)", what, path,
				   why, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		urun_error_hint(err, "%s", hint);
		err->code = EPERM;
		return r;
	}
	return steal_fd(&fd);
}

int fs_open_trusted(const char *path, struct fs_trust *t, char **why)
{
	*why = NULL;
	_cleanup_free_ char *real = realpath(path, NULL);
	if (!real) {
		int e = errno;
		*why = xstrdup(strerror(e));
		return -e;
	}
	const bool sticky_ok = t->sticky_ok;
	size_t len = strlen(real), end = 1; /* real[0, end) names fd */
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*why = xasprintf("`/`: %s", strerror(e));
		return -e;
	}
	for (;;) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			int e = errno;
			*why = xasprintf("`%.*s`: %s", (int)end, real, strerror(e));
			return -e;
		}
		bool last = end >= len;
		t->sticky_ok = sticky_ok && !last;
		const char *bad = fs_distrust(&st, t);
		t->sticky_ok = sticky_ok;
		if (!bad && !S_ISDIR(st.st_mode))
			bad = "not a directory";
		if (bad) {
			*why = xasprintf("`%.*s` is %s (owner uid %u, mode %04o)", (int)end, real,
					 bad, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
		if (last)
			return steal_fd(&fd);
		size_t start = end == 1 ? 1 : end + 1;
		const char *slash = strchr(real + start, '/');
		size_t cend = slash ? (size_t)(slash - real) : len;
		_cleanup_free_ char *name = xstrndup(real + start, cend - start);
		/* O_NOFOLLOW: a component that became a symlink since realpath is refused
		 * above (as "a symlink"), not followed. */
		int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;
			*why = xasprintf("`%.*s`: %s", (int)cend, real, strerror(e));
			return -e;
		}
		close(fd);
		fd = next;
		end = cend;
	}
}
