/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfs.c: the vfs driver's copy step: the layers of an image copied bottom-up into one plain
 * directory tree, with overlay whiteouts and opaque directories applied on the way. */
#include "rootfs/vfs.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/text.h"
#include "util/syscalls.h"

#include <linux/fs.h>
#include <linux/limits.h>
#include <search.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define OVERLAY_XATTRS "user.overlay."
#define OPAQUE_XATTR   "user.overlay.opaque"
#define WH_PREFIX      ".wh."
#define WH_META	       ".wh..wh."
#define WH_OPAQUE      ".wh..wh..opq"
#define MAX_DEPTH      4096
/* Room for the kernel's largest xattr name list plus its largest value, or a data block. */
#define BUF_SIZE (XATTR_LIST_MAX + XATTR_SIZE_MAX)

/* Where this layer's first copy of a multiply-linked file went. */
struct hardlink {
	dev_t dev, to_dev;
	ino_t ino, to_ino;
	char *path; /* relative to the destination root */
};

struct copier {
	int root;     /* the destination root */
	size_t layer; /* counted from the bottom, from 1, for messages */
	struct urun_error *err;
	char *path; /* the current entry, relative to root */
	size_t len, cap;
	void *links; /* tsearch tree of struct hardlink, by source inode; this layer only */
	char *buf;   /* BUF_SIZE bytes */
};

/* A copy of a name from the image that is safe to print: a hostile layer must not reach the
 * user's terminal with escape sequences through an error message. */
static char *show_path(const char *s)
{
	return text_shown(s && *s ? s : "/", PATH_MAX);
}

static int fail(struct copier *c, int errnum)
{
	_cleanup_free_ char *p = show_path(c->path);
	int r = urun_error_set(c->err, errnum, "copying `%s` of layer %zu", p, c->layer);
	if (errnum == ENOSPC || errnum == EDQUOT)
		urun_error_hint(c->err, "the filesystem holding the container's root filesystem is "
					"full: free some space there, or use the overlay driver");
	return r;
}

static void note(struct copier *c, const char *what)
{
	_cleanup_free_ char *p = show_path(c->path);
	log_debug("`%s` of layer %zu: %s", p, c->layer, what);
}

static size_t path_push(struct copier *c, const char *name)
{
	size_t old = c->len, n = strlen(name);

	if (c->len + n + 2 > c->cap) {
		c->cap = 2 * (c->len + n + 2);
		c->path = xrealloc(c->path, c->cap);
	}
	if (c->len)
		c->path[c->len++] = '/';
	memcpy(c->path + c->len, name, n + 1);
	c->len += n;
	return old;
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* Remove whatever the destination has at name, a directory with everything in it. It never
 * follows a symlink, so a lower layer's link to / cannot aim the removal outside. */
static int remove_entry(struct copier *c, int ddir, const char *name)
{
	if (unpack_remove_tree(ddir, name, c->err) == 0)
		return 0;
	_cleanup_free_ char *p = show_path(c->path);
	return urun_error_wrap(c->err, "copying `%s` of layer %zu", p, c->layer);
}

/* Every xattr but overlay's own: those were this layer's bookkeeping (opaque, redirect),
 * and under a later overlay mount of the copy they would say something false. A merged
 * directory shows the upper layer's attributes only, so the lower one's go first. */
static int copy_xattrs(struct copier *c, int src, int dst, bool merged)
{
	char *names = c->buf, *val = c->buf + XATTR_LIST_MAX;
	ssize_t n = merged ? flistxattr(dst, names, XATTR_LIST_MAX) : 0;

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		if (strncmp(names + i, "user.", 5) == 0)
			(void)fremovexattr(dst, names + i);
	n = flistxattr(src, names, XATTR_LIST_MAX);
	if (n < 0)
		return errno == ENOTSUP ? 0 : fail(c, errno);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		if (strncmp(names + i, OVERLAY_XATTRS, strlen(OVERLAY_XATTRS)) == 0)
			continue;
		ssize_t vn = fgetxattr(src, names + i, val, XATTR_SIZE_MAX);
		if (vn < 0 && errno == ENODATA)
			continue;
		if (vn < 0)
			return fail(c, errno);
		if (fsetxattr(dst, names + i, val, (size_t)vn, 0) == 0)
			continue;
		/* An unprivileged caller cannot set file capabilities, and some filesystems
		 * take no user xattrs: neither should fail the copy. */
		if (errno != ENOTSUP && errno != EPERM && errno != EACCES)
			return fail(c, errno);
		note(c, "an xattr cannot be kept here");
	}
	return 0;
}

/* src's owner, xattrs, mode and times: through the fd dst for files and directories (user.*
 * xattrs exist on nothing else), else by name under ddir without following it; glibc does
 * fchmodat's AT_SYMLINK_NOFOLLOW on an O_PATH fd. chown() drops setuid/setgid and
 * security.capability, so both come after it; times last, as new entries change them. */
static int set_meta(struct copier *c, int src, int dst, int ddir, const char *name,
		    const struct stat *st, bool merged)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	mode_t mode = st->st_mode & 07777;
	int r = dst >= 0 ? fchown(dst, st->st_uid, st->st_gid)
			 : fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);

	/* The layers were unpacked in a user namespace like this one, so their owners are
	 * mapped here; one that is not (the mapping changed) stays the caller's, as in unpack. */
	if (r < 0 && errno != EINVAL && errno != EPERM)
		return fail(c, errno);
	if (r < 0)
		note(c, "owner not mapped here, left to the caller");
	if (dst >= 0 && (r = copy_xattrs(c, src, dst, merged)) < 0)
		return r;
	if (dst >= 0 && (fchmod(dst, mode) < 0 || futimens(dst, ts) < 0))
		return fail(c, errno);
	if (dst < 0 && !S_ISLNK(st->st_mode) && fchmodat(ddir, name, mode, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, errno);
	if (dst < 0 && utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, errno);
	return 0;
}

static int copy_data(struct copier *c, int in, int out)
{
	/* A reflink shares the blocks (btrfs, xfs): instant, and no space used. */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	/* With NULL offsets copy_file_range moves both file offsets, so when it gives up
	 * midway (another filesystem, EXDEV before 5.19), read/write carries on from there. */
	ssize_t n;
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0 ||
	       (n < 0 && errno == EINTR))
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
		return fail(c, errno);
	for (;;) {
		ssize_t w;
		n = read(in, c->buf, BUF_SIZE);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return fail(c, errno);
		for (ssize_t off = 0; off < n; off += w) {
			w = write(out, c->buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				return fail(c, errno);
			w = w < 0 ? 0 : w;
		}
	}
}

static int cmp_link(const void *a, const void *b)
{
	const struct hardlink *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void free_link(void *p)
{
	struct hardlink *l = p;

	free(l->path);
	free(l);
}

static void remember_link(struct copier *c, int out, const struct stat *st)
{
	struct hardlink *l = xzalloc(sizeof(*l));
	struct stat to;

	l->dev = st->st_dev, l->ino = st->st_ino, l->path = xstrdup(c->path);
	if (fstat(out, &to) == 0) /* else never matched: the file is copied each time */
		l->to_dev = to.st_dev, l->to_ino = to.st_ino;
	struct hardlink **slot = tsearch(l, &c->links, cmp_link);
	if (!slot)
		abort(); /* out of memory, as xmalloc would */
	if (*slot != l)
		free_link(l);
}

/* 1 when name became a hard link to this layer's earlier copy of the inode, 0 when it must
 * be copied. A path, not an open fd, keeps that copy: thousands of links cost no fds. No
 * symlink is followed to it and its inode is checked: a path gone stale means a copy. */
static int link_earlier(struct copier *c, int ddir, const char *name, const struct stat *st)
{
	struct hardlink key = {.dev = st->st_dev, .ino = st->st_ino};
	struct hardlink **found = tfind(&key, &c->links, cmp_link);
	_cleanup_close_ int pfd = -1;
	struct stat cur;

	if (!found)
		return 0;
	const char *path = (*found)->path, *slash = strrchr(path, '/');
	if (slash) {
		_cleanup_free_ char *dir = xstrndup(path, (size_t)(slash - path));
		pfd = sys_openat2(c->root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	}
	int at = slash ? pfd : c->root;
	const char *base = slash ? slash + 1 : path;
	if (at < 0 || fstatat(at, base, &cur, AT_SYMLINK_NOFOLLOW) < 0 ||
	    cur.st_dev != (*found)->to_dev || cur.st_ino != (*found)->to_ino) {
		note(c, "earlier hard link not found, copying");
		return 0;
	}
	if (linkat(at, base, ddir, name, 0) == 0)
		return 1;
	/* The destination filesystem's limit on links: a copy still shows the same data. */
	return errno == EMLINK ? 0 : fail(c, errno);
}

static int copy_file(struct copier *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	int r = st->st_nlink > 1 ? link_earlier(c, ddir, name, st) : 0;
	if (r != 0)
		return r < 0 ? r : 0;
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (in < 0)
		return fail(c, errno);
	_cleanup_close_ int out =
	    openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return fail(c, errno);
	r = copy_data(c, in, out);
	if (r >= 0)
		r = set_meta(c, in, out, ddir, name, st, false);
	if (r >= 0 && st->st_nlink > 1)
		remember_link(c, out, st);
	return r;
}

static int copy_symlink(struct copier *c, int sdir, int ddir, const char *name,
			const struct stat *st)
{
	ssize_t n = readlinkat(sdir, name, c->buf, PATH_MAX);

	if (n < 0 || n >= PATH_MAX)
		return fail(c, n < 0 ? errno : ENAMETOOLONG);
	c->buf[n] = '\0';
	if (symlinkat(c->buf, ddir, name) < 0)
		return fail(c, errno);
	return set_meta(c, -1, -1, ddir, name, st, false);
}

static int copy_node(struct copier *c, int ddir, const char *name, const struct stat *st)
{
	/* Unpack only keeps devices it could make, so EPERM means a less privileged namespace
	 * than the unpacking one: the device is left out, as unpack would have done. */
	if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		if (errno != EPERM || S_ISFIFO(st->st_mode))
			return fail(c, errno);
		note(c, "cannot create the device, skipped");
		return 0;
	}
	return set_meta(c, -1, -1, ddir, name, st, false);
}

static bool is_opaque(int src)
{
	char v[2];
	struct stat st;

	if (fgetxattr(src, OPAQUE_XATTR, v, sizeof(v)) == 1 && v[0] == 'y')
		return true;
	/* Where the store's filesystem refused user xattrs, unpack left the marker file
	 * fuse-overlayfs reads instead. */
	return fstatat(src, WH_OPAQUE, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* For the root only, which cannot be removed and made again like an opaque subdirectory.
 * Read until a pass finds nothing: some filesystems skip entries of a shrinking directory. */
static int empty_dir(struct copier *c, int dst)
{
	_cleanup_close_ int fd = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d)
		return fail(c, errno);
	fd = -1; /* d owns it now */
	for (bool again = true; again; rewinddir(d)) {
		again = false;
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (is_dot(de->d_name))
				continue;
			int r = remove_entry(c, dirfd(d), de->d_name);
			if (r < 0)
				return r;
			again = true;
		}
		if (errno)
			return fail(c, errno);
	}
	return 0;
}

static int copy_entry(struct copier *c, int sdir, int ddir, const char *name, size_t depth);

/* Copy the contents of the layer directory src (taken over) into dst, then give dst the
 * attributes of src (st; NULL for the root, whose owner and mode are the store's, not the
 * image's: unpack ignores the image's `./`). */
static int copy_dir(struct copier *c, int src, int dst, const struct stat *st, bool merged,
		    size_t depth)
{
	_cleanup_closedir_ DIR *d = fdopendir(src);
	struct dirent *de;
	struct stat cur;

	if (!d) {
		close(src);
		return fail(c, errno);
	}
	/* A lower layer's directory may be read-only (0555) and still receive entries; its
	 * final mode comes from st below. */
	if (st && (fstat(dst, &cur) < 0 || ((cur.st_mode & S_IRWXU) != S_IRWXU &&
					    fchmod(dst, (cur.st_mode & 07777) | S_IRWXU) < 0)))
		return fail(c, errno);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (is_dot(de->d_name))
			continue;
		size_t mark = path_push(c, de->d_name);
		int r = copy_entry(c, dirfd(d), dst, de->d_name, depth);
		c->path[c->len = mark] = '\0';
		if (r < 0)
			return r;
	}
	if (errno)
		return fail(c, errno);
	return st ? set_meta(c, dirfd(d), dst, -1, NULL, st, merged) : 0;
}

static int copy_subdir(struct copier *c, int sdir, int ddir, const char *name,
		       const struct stat *st, size_t depth)
{
	struct stat cur;
	bool merged = false;
	int r = 0;

	if (depth >= MAX_DEPTH) {
		_cleanup_free_ char *p = show_path(c->path);
		return urun_error_set(c->err, 0,
				      "copying `%s` of layer %zu: more than %d nested "
				      "directories",
				      p, c->layer, MAX_DEPTH);
	}
	_cleanup_close_ int src =
	    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return fail(c, errno);
	/* Only a directory over a directory merges. Anything else there goes, and so does a
	 * directory this one is opaque to: removing it drops the lower contents and
	 * attributes at once. A symlink goes too, never followed: a lower layer's link to
	 * /etc must not let this layer's files land in the host's /etc. */
	if (fstatat(ddir, name, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
		merged = S_ISDIR(cur.st_mode) && !is_opaque(src);
		r = merged ? 0 : remove_entry(c, ddir, name);
	} else if (errno != ENOENT) {
		r = fail(c, errno);
	}
	if (r < 0)
		return r;
	if (!merged && mkdirat(ddir, name, 0700) < 0)
		return fail(c, errno);
	_cleanup_close_ int dst =
	    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return fail(c, errno);
	return copy_dir(c, steal_fd(&src), dst, st, merged, depth + 1);
}

static int copy_entry(struct copier *c, int sdir, int ddir, const char *name, size_t depth)
{
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(c, errno);
	/* `.wh.` names exist in the store only as unpack's fallback markers (the image's own
	 * become whiteouts), where the filesystem refused a 0:0 device. */
	if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0) {
		const char *victim = name + strlen(WH_PREFIX);
		if (strncmp(name, WH_META, strlen(WH_META)) == 0 || !*victim || is_dot(victim))
			return 0;
		return remove_entry(c, ddir, victim);
	}
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return remove_entry(c, ddir, name);
	if (S_ISDIR(st.st_mode))
		return copy_subdir(c, sdir, ddir, name, &st, depth);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a socket means nothing without its server; unpack skips them */
	/* A non-directory hides whatever the lower layers have here, directories whole. */
	int r = remove_entry(c, ddir, name);
	if (r < 0)
		return r;
	if (S_ISREG(st.st_mode))
		return copy_file(c, sdir, ddir, name, &st);
	if (S_ISLNK(st.st_mode))
		return copy_symlink(c, sdir, ddir, name, &st);
	return copy_node(c, ddir, name, &st);
}

static int copy_layer(struct copier *c, const char *layer)
{
	/* The layer's own path is the store's, not the image's: it may be followed. */
	_cleanup_close_ int src = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return urun_error_set(c->err, errno, "opening layer %zu at `%s`", c->layer, layer);
	_cleanup_close_ int dst = openat(c->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return urun_error_set(c->err, errno, "opening the destination directory");
	int r = is_opaque(src) ? empty_dir(c, dst) : 0;
	if (r < 0)
		return r;
	return copy_dir(c, steal_fd(&src), dst, NULL, false, 0);
}

int vfs_copy_layers(int destfd, char *const *layers, struct urun_error *err)
{
	struct copier c = {.root = destfd, .err = err, .buf = xmalloc(BUF_SIZE)};
	int r = 0;

	for (size_t i = 0; layers[i] && r >= 0; i++) {
		c.layer = i + 1;
		r = copy_layer(&c, layers[i]);
		/* Hard links join names of one layer: another layer's inodes are others. */
		tdestroy(c.links, free_link);
		c.links = NULL;
	}
	free(c.path);
	free(c.buf);
	return r;
}
