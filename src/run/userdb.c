/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userdb.c: the container's /etc/passwd and /etc/group, read by the child
 * inside the container's root. The image (or, for exec, the running
 * container) owns these files, so they are hostile input: a FIFO would
 * block the joining process for as long as the container likes (the
 * window of the CVE-2016-9962 class), a symlink could point at a magic
 * link to a file urun holds, a huge file would stall the start. */
#include "run/userdb.h"
#include "util/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int userdb_open(struct userdb *db, const char *path)
{
	struct stat st;
	db->fd = -1;
	db->total = db->len = db->off = 0;
	/* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a
	 * writer; O_NOFOLLOW and RESOLVE_*: neither the file nor any
	 * directory on the way leaves the root or goes through /proc magic. */
	int fd =
	    sys_openat2(AT_FDCWD, path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
			0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return -errno;
	int e = fstat(fd, &st) < 0			 ? errno
		: !S_ISREG(st.st_mode)			 ? EINVAL
		: (uint64_t)st.st_size > USERDB_MAX_SIZE ? EFBIG
							 : 0;
	if (e) {
		close(fd);
		return -e;
	}
	db->fd = fd;
	return 0;
}

/* Move the unread part to the front and read more after it; false at the
 * end of the file, on an error, or at USERDB_MAX_SIZE. */
static bool refill(struct userdb *db)
{
	memmove(db->buf, db->buf + db->off, db->len - db->off);
	db->len -= db->off;
	db->off = 0;
	if (db->total >= USERDB_MAX_SIZE)
		return false;
	ssize_t k;
	do
		k = read(db->fd, db->buf + db->len, sizeof(db->buf) - 1 - db->len);
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return false;
	if (db->total + (uint64_t)k > USERDB_MAX_SIZE)
		k = (ssize_t)(USERDB_MAX_SIZE - db->total);
	db->total += (uint64_t)k;
	db->len += (size_t)k;
	return true;
}

/* The next line, NUL-terminated, or NULL at the end. */
static char *next_line(struct userdb *db)
{
	bool skipping = false;
	for (;;) {
		char *start = db->buf + db->off;
		char *nl = memchr(start, '\n', db->len - db->off);
		if (nl) {
			*nl = '\0';
			db->off = (size_t)(nl - db->buf) + 1;
			if (!skipping)
				return start;
			skipping = false;
			continue;
		}
		if (db->len - db->off == sizeof(db->buf) - 1) {
			/* A line longer than the buffer: dropped up to its end. */
			db->off = db->len;
			skipping = true;
		}
		if (refill(db))
			continue;
		if (db->off == db->len || skipping)
			return NULL;
		/* The last line, without a newline (refill moved it to the front). */
		db->buf[db->len] = '\0';
		db->off = db->len;
		return db->buf;
	}
}

int userdb_next(struct userdb *db, char **fields, int n)
{
	if (db->fd < 0)
		return 0;
	char *line;
	while ((line = next_line(db))) {
		int k = 0;
		fields[k++] = line;
		for (char *c = line; *c && k < n; c++)
			if (*c == ':') {
				*c = '\0';
				fields[k++] = c + 1;
			}
		if (k == n)
			return k;
		/* Malformed (too few fields): skipped, as fgetpwent does. */
	}
	return 0;
}

void userdb_close(struct userdb *db)
{
	if (db->fd >= 0)
		close(db->fd);
	db->fd = -1;
}

const char *userdb_strerror(int r)
{
	switch (-r) {
	case ENOENT:
		return "does not exist";
	case ELOOP:
		return "is a symbolic link (not followed)";
	case EINVAL:
		return "is not a regular file";
	case EFBIG:
		return "is larger than 16 MiB";
	default:
		return strerror(-r);
	}
}
