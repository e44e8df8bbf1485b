/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unpack.c: extract one image layer (tar, plain or gzip or zstd) into an empty directory
 * in one streaming pass, confined to that directory, hashing the tar stream for diff_id. */
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/text.h"
#include "util/syscalls.h"

#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* An image-supplied name in a message: at most this many bytes of it. */
#define NAME_SHOWN_MAX 256

/* Every lookup of a name taken from the layer is resolved as if root_fd were "/": `..`
 * and absolute symlinks stop at the layer root (the tar-slip class, e.g. containerd's
 * CVE-2021-32760), /proc magic links are refused, and no mount point is crossed. */
#define RESOLVE_CONFINED (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

#define WH_PREFIX    ".wh."
#define WH_META	     ".wh..wh."
#define WH_OPAQUE    ".wh..wh..opq"
#define OPAQUE_XATTR "user.overlay.opaque"
#define READ_BLOCK   (128 * 1024)
/* How often the free-space reserve is checked: one fstatvfs per 4 MiB written or
 * 1024 entries (which cost inodes and directory blocks) is lost in the writing. */
#define FREE_CHECK_BYTES   (4u << 20)
#define FREE_CHECK_ENTRIES 1024

/* A directory's final mode and times, applied once the whole layer is written: children
 * change a directory's mtime, and a read-only directory could not receive them. */
struct dir_fixup {
	char *path;
	dev_t dev;
	ino_t ino;
	mode_t mode;
	struct timespec times[2];
	size_t depth;
	size_t seq;
};

struct unpacker {
	int root_fd;
	const struct unpack_opts *o;
	struct unpack_result *res;
	struct urun_error *err;

	/* Input: the (maybe compressed) layer, from an fd or from memory. */
	int in_fd;
	bool from_mem;
	const unsigned char *mem;
	size_t mem_len, mem_off;
	unsigned char *inbuf;
	uint64_t in_bytes;
	int in_errno;

	/* outer decompresses (format "raw"); tar parses what outer produced. */
	struct archive *outer, *tar;
	struct digest sha;
	uint64_t stream_bytes;
	bool outer_eof, outer_failed, limit_hit;

	/* The parent directory of the previous entry: consecutive entries mostly share it. */
	char *cached_dir;
	int cached_fd;

	struct dir_fixup *fixups;
	size_t n_fixups, cap_fixups;

	char *shown; /* the current entry's name, safe to print */
	bool logged_devices;

	uint64_t written, unchecked; /* file data written; of it, since the last free-space check */
};

static void set_code(struct urun_error *err, int code)
{
	if (err)
		err->code = code;
}

static int fs_hint(struct unpacker *u, int r)
{
	if (r == -ENOSPC || r == -EDQUOT)
		urun_error_hint(u->err, "the filesystem holding the image store is full: free some "
					"space there, or move the store to a larger filesystem");
	return r;
}

/* A failed filesystem call on behalf of the current entry, with advice when the disk is full. */
#define fs_error(u, errnum, ...) fs_hint((u), urun_error_set((u)->err, (errnum), __VA_ARGS__))

static int limit_error(struct unpacker *u)
{
	u->limit_hit = true;
	urun_error_set(u->err, 0, "layer is larger than the limit of %" PRIu64 " bytes",
		       u->o->max_bytes);
	urun_error_hint(u->err, "a layer this large may be a decompression bomb; if the image is "
				"genuine, raise the layer size limit");
	set_code(u->err, EFBIG);
	return -EFBIG;
}

/* Why the tar stream stopped: the size limit, the input, the decompressor or the tar
 * parser, in that order, since each failure shows up again in the stages after it. */
static int stream_error(struct unpacker *u)
{
	if (u->limit_hit)
		return limit_error(u);
	if (u->in_errno)
		return urun_error_set(u->err, u->in_errno, "reading the layer");
	if (u->outer_failed) {
		const char *why = archive_error_string(u->outer);
		return urun_error_set(u->err, 0, "decompressing the layer (%s): %s",
				      archive_filter_name(u->outer, 0),
				      why ? why : "unknown error");
	}
	const char *why = archive_error_string(u->tar);
	return urun_error_set(u->err, 0, "reading the layer's tar stream (compression: %s): %s",
			      archive_filter_name(u->outer, 0), why ? why : "unknown error");
}

/* Normalise a name from the layer to a relative path without `.`, `..` or empty
 * components. `..` is applied lexically and may not climb above the root: such names
 * only exist in hostile layers, and the other runtimes refuse them too. `what` prefixes
 * the error ("" for the entry's own name). */
static int clean_path(struct unpacker *u, const char *raw, const char *what, char **out)
{
	size_t len = strlen(raw), n = 0;

	if (len >= PATH_MAX)
		return urun_error_set(u->err, ENAMETOOLONG, "%slayer entry `%s` is too long", what,
				      u->shown);
	_cleanup_free_ char *buf = xmalloc(len + 1);
	for (const char *p = raw; *p;) {
		const char *q = strchrnul(p, '/');
		size_t cl = (size_t)(q - p);

		if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (n == 0)
				return urun_error_set(u->err, 0,
						      "%slayer entry `%s` escapes the layer root",
						      what, u->shown);
			while (n > 0 && buf[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (cl > NAME_MAX) {
			return urun_error_set(u->err, ENAMETOOLONG,
					      "%slayer entry `%s` has a component longer than "
					      "NAME_MAX",
					      what, u->shown);
		} else if (cl > 0 && !(cl == 1 && p[0] == '.')) {
			if (n > 0)
				buf[n++] = '/';
			memcpy(buf + n, p, cl);
			n += cl;
		}
		p = *q ? q + 1 : q;
	}
	buf[n] = '\0';
	*out = steal_ptr(&buf);
	return 0;
}

/* ---- the two-stage stream ---------------------------------------------------------- */

static la_ssize_t input_read(struct archive *a, void *data, const void **buf)
{
	struct unpacker *u = data;

	if (u->from_mem) {
		size_t n = u->mem_len - u->mem_off;
		*buf = u->mem + u->mem_off;
		u->mem_off += n;
		u->in_bytes += n;
		return (la_ssize_t)n;
	}
	for (;;) {
		ssize_t n = read(u->in_fd, u->inbuf, READ_BLOCK);
		if (n >= 0) {
			u->in_bytes += (uint64_t)n;
			*buf = u->inbuf;
			return n;
		}
		if (errno != EINTR) {
			u->in_errno = errno;
			archive_set_error(a, errno, "reading the layer");
			return -1;
		}
	}
}

/* Next block of the uncompressed tar stream. Every byte the decompressor produces passes
 * here exactly once, so the digest covers the stream as the registry defines diff_id,
 * and the size limit counts real output, not what a header claims. */
static la_ssize_t stream_next(struct unpacker *u, const void **buf)
{
	if (u->outer_eof)
		return 0;
	if (u->outer_failed || u->limit_hit)
		return -1;
	for (;;) {
		size_t size = 0;
		la_int64_t off;
		int r = archive_read_data_block(u->outer, buf, &size, &off);

		if (r == ARCHIVE_EOF) {
			u->outer_eof = true;
			return 0;
		}
		if (r < ARCHIVE_WARN) {
			u->outer_failed = true;
			return -1;
		}
		if (size == 0)
			continue;
		digest_update(&u->sha, *buf, size);
		u->stream_bytes += size;
		if (u->o->max_bytes && u->stream_bytes > u->o->max_bytes) {
			u->limit_hit = true;
			return -1;
		}
		return (la_ssize_t)size;
	}
}

static la_ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
	return stream_next(data, buf);
}

/* ---- resolving directories inside the root --------------------------------------- */

/* openat2 returns EAGAIN when a rename raced with a `..` walk; nothing else writes here,
 * so a retry settles it. */
static int openat2_confined(int dirfd, const char *path, int flags, unsigned long long resolve)
{
	for (int i = 0;; i++) {
		int fd = sys_openat2(dirfd, path, flags, 0, resolve);
		if (fd >= 0 || errno != EAGAIN || i == 8)
			return fd;
	}
}

static int resolve_error(struct unpacker *u, int errnum, const char *dir)
{
	_cleanup_free_ char *d = text_shown(dir, NAME_SHOWN_MAX);
	int r = urun_error_set(u->err, errnum, "resolving `%s` for layer entry `%s`", d, u->shown);
	if (errnum == ENOSYS)
		urun_error_hint(u->err, "unpacking needs openat2(2), in Linux 5.6 and later; a "
					"seccomp filter of an outer container may also block it");
	return r;
}

static void cache_forget(struct unpacker *u)
{
	/* The fd stays open: the caller may still be using it for the current entry. */
	free(u->cached_dir);
	u->cached_dir = NULL;
}

/* fchmod() for an O_PATH fd, which fchmod() refuses: the /proc link names exactly the
 * pinned inode, where a name could have been swapped for a symlink meanwhile. */
static int chmod_pinned(int fd, mode_t mode)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, mode);
}

/* Create the missing directories of `dir` one component at a time. Each prefix is
 * resolved inside the root again (it may go through a symlink the layer made), and each
 * new directory is made under an fd that was itself resolved inside the root. */
static int make_parents(struct unpacker *u, const char *dir, int *out)
{
	_cleanup_free_ char *p = xstrdup(dir);
	_cleanup_close_ int cur = -1;
	bool created = false;

	for (char *comp = p;;) {
		char *slash = strchr(comp, '/');
		int at = cur >= 0 ? cur : u->root_fd;
		int fd = -1;

		if (slash)
			*slash = '\0';
		if (!created) {
			fd = openat2_confined(u->root_fd, p, O_PATH | O_DIRECTORY | O_CLOEXEC,
					      RESOLVE_CONFINED);
			if (fd < 0 && errno != ENOENT)
				return resolve_error(u, errno, p);
		}
		if (fd < 0) {
			if (mkdirat(at, comp, 0755) < 0) {
				_cleanup_free_ char *d = text_shown(p, NAME_SHOWN_MAX);
				if (errno == EEXIST)
					return urun_error_set(
					    u->err, ENOTDIR,
					    "parent `%s` of layer entry `%s` is a "
					    "dangling symlink",
					    d, u->shown);
				return fs_error(u, errno, "creating directory `%s`", d);
			}
			created = true;
			fd = openat(at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return resolve_error(u, errno, p);
			/* The umask must not decide modes the layer did not describe. */
			if (chmod_pinned(fd, 0755) < 0) {
				close(fd);
				return fs_error(u, errno, "setting the mode of `%s`", u->shown);
			}
		}
		if (cur >= 0)
			close(cur);
		cur = fd;
		if (!slash)
			break;
		*slash = '/';
		comp = slash + 1;
	}
	*out = steal_fd(&cur);
	return 0;
}

/* An O_PATH fd of the directory `dir` (relative, cleaned), created if missing. The fd is
 * borrowed: it stays valid until the next call. */
static int open_parent(struct unpacker *u, const char *dir, int *out)
{
	int fd;

	if (!*dir) {
		*out = u->root_fd;
		return 0;
	}
	if (u->cached_dir && strcmp(u->cached_dir, dir) == 0) {
		*out = u->cached_fd;
		return 0;
	}
	fd = openat2_confined(u->root_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_CONFINED);
	if (fd < 0 && errno == ENOENT) {
		int r = make_parents(u, dir, &fd);
		if (r < 0)
			return r;
	} else if (fd < 0) {
		return resolve_error(u, errno, dir);
	}
	cache_forget(u);
	if (u->cached_fd >= 0)
		close(u->cached_fd);
	u->cached_fd = fd;
	u->cached_dir = xstrdup(dir);
	*out = fd;
	return 0;
}

/* ---- removal ---------------------------------------------------------------------- */

static int empty_dir(int dfd, struct urun_error *err, bool *removed_any)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return urun_error_set(err, errno, "opening a directory to remove it");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return urun_error_set(err, errno, "opening a directory to remove it");
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de)
			return errno
				   ? urun_error_set(err, errno, "reading a directory to remove it")
				   : 0;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0) {
			*removed_any = true;
			continue;
		}
		int r = unpack_remove_tree(dirfd(d), de->d_name, err);
		if (r < 0)
			return r;
		*removed_any = true;
	}
}

int unpack_remove_tree(int dirfd, const char *name, struct urun_error *err)
{
	struct stat st;

	/* Pin the inode first: everything below acts on this fd, so swapping `name` for a
	 * symlink midway cannot redirect the removal elsewhere. */
	_cleanup_free_ char *shown = text_shown(name, NAME_SHOWN_MAX);
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : urun_error_set(err, errno, "removing `%s`", shown);
	if (fstat(fd, &st) < 0)
		return urun_error_set(err, errno, "removing `%s`", shown);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return urun_error_set(err, errno, "removing `%s`", shown);
		return 0;
	}
	/* Layers may hold directories without owner access (0555, 0): an unprivileged owner
	 * must regain it before emptying them. */
	if ((st.st_mode & S_IRWXU) != S_IRWXU)
		(void)chmod_pinned(fd, (st.st_mode & 07777) | S_IRWXU);
	for (int pass = 0;; pass++) {
		bool removed_any = false;
		int r = empty_dir(fd, err, &removed_any);
		if (r < 0)
			return r;
		if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* Some filesystems skip entries when a directory shrinks under readdir. */
		if (errno != ENOTEMPTY || !removed_any || pass == 8)
			return urun_error_set(err, errno, "removing directory `%s`", shown);
	}
}

/* Something already exists where an entry goes: an earlier entry of the same layer.
 * Directory over directory merges; anything else replaces, a directory with everything
 * in it. Returns 1 when an existing directory is kept, 0 when the name is free. */
static int make_room(struct unpacker *u, int pfd, const char *name, bool merge_dir,
		     bool *was_whiteout)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fs_error(u, errno, "inspecting `%s`", u->shown);
	if (merge_dir && S_ISDIR(st.st_mode))
		return 1;
	if (was_whiteout && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		*was_whiteout = true;
	/* A removal can change what a cached path resolves to (a symlink through it). */
	cache_forget(u);
	if (S_ISDIR(st.st_mode)) {
		int r = unpack_remove_tree(pfd, name, u->err);
		if (r < 0)
			return urun_error_wrap(u->err, "replacing `%s`", u->shown);
	} else if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT) {
		return fs_error(u, errno, "replacing `%s`", u->shown);
	}
	return 0;
}

/* ---- metadata --------------------------------------------------------------------- */

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	long ns = archive_entry_mtime_nsec(e);

	if (!archive_entry_mtime_is_set(e)) {
		ts[1] = (struct timespec){.tv_nsec = UTIME_OMIT};
	} else {
		ts[1].tv_sec = (time_t)archive_entry_mtime(e);
		ts[1].tv_nsec = (ns >= 0 && ns < 1000000000L) ? ns : 0;
	}
	ts[0] = ts[1];
	if (archive_entry_atime_is_set(e)) {
		ns = archive_entry_atime_nsec(e);
		ts[0].tv_sec = (time_t)archive_entry_atime(e);
		ts[0].tv_nsec = (ns >= 0 && ns < 1000000000L) ? ns : 0;
	}
}

/* Give the entry its tar owner. In a user namespace an id outside the mapping fails
 * with EINVAL (podman's "potentially insufficient UIDs"), and without CAP_CHOWN any other
 * id fails with EPERM: the entry then stays with the caller's ids, and is counted. */
static int set_owner(struct unpacker *u, struct archive_entry *e, int fd, const char *name,
		     int flags)
{
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (u->o->squash_owner)
		return 0;
	/* (uid_t)-1 would mean "leave unchanged" to the kernel: not an owner. */
	bool valid = uid >= 0 && uid < UINT32_MAX && gid >= 0 && gid < UINT32_MAX;
	if (valid && fchownat(fd, name, (uid_t)uid, (gid_t)gid, flags) == 0)
		return 0;
	if (valid && errno != EINVAL && errno != EPERM)
		return fs_error(u, errno, "changing the owner of `%s`", u->shown);
	log_debug("layer entry `%s`: owner %lld:%lld cannot be applied, using %u:%u", u->shown,
		  (long long)uid, (long long)gid, (unsigned)u->o->uid, (unsigned)u->o->gid);
	u->res->unmapped_owners++;
	if (fchownat(fd, name, u->o->uid, u->o->gid, flags) < 0)
		return fs_error(u, errno, "changing the owner of `%s`", u->shown);
	return 0;
}

/* Which extended attributes a layer may carry. overlayfs and fuse-overlayfs keep their
 * own state in xattrs (whiteouts, opaque, redirect, metacopy, override_stat): an image
 * that could set those would forge deletions in lower layers or, through override_stat,
 * fake setuid-root files. So only plain user.* attributes pass, and file capabilities,
 * which the kernel turns into namespaced (v3) capabilities inside a user namespace. */
static bool is_xattr_allowed(const char *name)
{
	static const char *const reserved[] = {"user.overlay.", "user.fuseoverlayfs.",
					       "user.containers."};

	if (strcmp(name, "security.capability") == 0)
		return true;
	if (strncmp(name, "user.", 5) != 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (strncmp(name, reserved[i], strlen(reserved[i])) == 0)
			return false;
	return true;
}

/* Call after set_owner: chown() drops security.capability. */
static void set_xattrs(struct unpacker *u, struct archive_entry *e, int fd)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (!name)
			continue;
		_cleanup_free_ char *shown = text_shown(name, NAME_SHOWN_MAX);
		if (!is_xattr_allowed(name)) {
			log_debug("layer entry `%s`: ignoring xattr `%s`", u->shown, shown);
			continue;
		}
		/* Unprivileged callers cannot set file capabilities, and some filesystems
		 * take no user xattrs: neither should fail the layer. */
		if (fsetxattr(fd, name, value, size, 0) < 0)
			log_debug("layer entry `%s`: cannot set xattr `%s`: %s", u->shown, shown,
				  strerror(errno));
	}
}

static int add_fixup(struct unpacker *u, const char *path, int fd, mode_t mode,
		     const struct timespec ts[2])
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fs_error(u, errno, "inspecting `%s`", u->shown);
	if (u->n_fixups == u->cap_fixups) {
		u->cap_fixups = u->cap_fixups ? 2 * u->cap_fixups : 64;
		u->fixups = xrealloc(u->fixups, u->cap_fixups * sizeof(*u->fixups));
	}
	struct dir_fixup *f = &u->fixups[u->n_fixups];
	*f = (struct dir_fixup){.path = xstrdup(path),
				.dev = st.st_dev,
				.ino = st.st_ino,
				.mode = mode,
				.times = {ts[0], ts[1]},
				.seq = u->n_fixups};
	for (const char *p = path; *p; p++)
		f->depth += *p == '/';
	u->n_fixups++;
	return 0;
}

static int cmp_fixup(const void *a, const void *b)
{
	const struct dir_fixup *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? 1 : -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Deepest first, so a parent keeps owner access until its children are done. Each
 * directory is found again by path and checked to be the same inode: one that a later
 * entry replaced is skipped, not confused with whatever sits there now. */
static int apply_dir_fixups(struct unpacker *u)
{
	if (u->n_fixups)
		qsort(u->fixups, u->n_fixups, sizeof(*u->fixups), cmp_fixup);
	for (size_t i = 0; i < u->n_fixups; i++) {
		struct dir_fixup *f = &u->fixups[i];
		struct stat st;
		_cleanup_close_ int fd = openat2_confined(
		    u->root_fd, f->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		    RESOLVE_CONFINED);

		if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
			log_debug("directory `%s` was replaced later in the layer", f->path);
			continue;
		}
		if (fchmod(fd, f->mode) < 0 || futimens(fd, f->times) < 0) {
			_cleanup_free_ char *d = text_shown(f->path, NAME_SHOWN_MAX);
			return fs_error(u, errno, "setting the mode and times of `%s`", d);
		}
	}
	return 0;
}

/* ---- whiteouts -------------------------------------------------------------------- */

/* Mark a directory opaque for overlay. user.* is the namespace kernel overlay reads when
 * mounted with `userxattr`, as a rootless mount must be; fuse-overlayfs reads it too.
 * Where user xattrs are refused, keep the marker file fuse-overlayfs understands. */
static int set_opaque(struct unpacker *u, int dfd)
{
	if (fsetxattr(dfd, OPAQUE_XATTR, "y", 1, 0) == 0)
		return 0;
	if (errno != ENOTSUP && errno != EPERM && errno != EACCES)
		return fs_error(u, errno, "marking `%s` opaque", u->shown);
	log_debug("cannot set %s on `%s` (%s): keeping a %s file", OPAQUE_XATTR, u->shown,
		  strerror(errno), WH_OPAQUE);
	int fd = openat(dfd, WH_OPAQUE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return fs_error(u, errno, "marking `%s` opaque", u->shown);
	if (fd >= 0)
		close(fd);
	u->res->whiteout_files++;
	return 0;
}

static int apply_opaque(struct unpacker *u, const char *dir)
{
	int pfd;
	int r = open_parent(u, dir, &pfd);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fs_error(u, errno, "opening the directory of `%s`", u->shown);
	return set_opaque(u, fd);
}

/* A 0:0 character device is overlay's whiteout; Linux 5.8 lets any user create one
 * (commit a3c751a50fe6). Older kernels and some filesystems refuse: keep `.wh.NAME`, the
 * form fuse-overlayfs also reads. */
static int make_whiteout(struct unpacker *u, int pfd, const char *name)
{
	char wh[NAME_MAX + 1];

	if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) == 0)
		return 0;
	if (errno != EPERM && errno != EOPNOTSUPP)
		return fs_error(u, errno, "creating the whiteout for `%s`", u->shown);
	if ((size_t)snprintf(wh, sizeof(wh), WH_PREFIX "%s", name) >= sizeof(wh))
		return urun_error_set(u->err, ENAMETOOLONG, "creating the whiteout for `%s`",
				      u->shown);
	int fd = openat(pfd, wh, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return fs_error(u, errno, "creating the whiteout for `%s`", u->shown);
	if (fd >= 0)
		close(fd);
	u->res->whiteout_files++;
	return 0;
}

/* `.wh.NAME`. The OCI rule is that a whiteout hides lower layers only: an entry this layer
 * already put at NAME stays. Such a directory must still hide the lower directory it
 * would otherwise merge with, so it becomes opaque. */
static int apply_whiteout(struct unpacker *u, const char *dir, const char *name)
{
	struct stat st;
	int pfd;
	int r = open_parent(u, dir, &pfd);

	if (r < 0)
		return r;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return fs_error(u, errno, "inspecting `%s`", u->shown);
		return make_whiteout(u, pfd, name);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fs_error(u, errno, "opening `%s`", u->shown);
	return set_opaque(u, fd);
}

/* With the `.wh.NAME` fallback, an entry NAME that comes after its whiteout in the same
 * layer must drop the file, or fuse-overlayfs would hide the entry itself. */
static int drop_whiteout_file(struct unpacker *u, int pfd, const char *name, bool *was_whiteout)
{
	char wh[NAME_MAX + 1];

	if (!u->res->whiteout_files ||
	    (size_t)snprintf(wh, sizeof(wh), WH_PREFIX "%s", name) >= sizeof(wh))
		return 0;
	if (unlinkat(pfd, wh, 0) == 0)
		*was_whiteout = true;
	else if (errno != ENOENT && errno != EISDIR)
		return fs_error(u, errno, "replacing the whiteout of `%s`", u->shown);
	return 0;
}

/* ---- the free-space reserve -------------------------------------------------------- */

static void human_bytes(uint64_t b, char *out, size_t len)
{
	if (b >= 1ULL << 30)
		snprintf(out, len, "%.1f GiB", (double)b / (double)(1ULL << 30));
	else
		snprintf(out, len, "%.1f MiB", (double)b / (double)(1ULL << 20));
}

/* A 10 MB layer may inflate to 10 GiB, and the store's filesystem is often one that
 * other users share (/var/tmp, a node's scratch): stop before a layer takes the free
 * space below the reserve rather than when the disk is full for everyone. */
static int check_free_space(struct unpacker *u)
{
	struct statvfs v;
	u->unchecked = 0;
	if (!u->o->min_free_bytes || fstatvfs(u->root_fd, &v) < 0)
		return 0;
	uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
	if (avail >= u->o->min_free_bytes)
		return 0;
	char w[32], a[32], m[32];
	human_bytes(u->written, w, sizeof(w));
	human_bytes(avail, a, sizeof(a));
	human_bytes(u->o->min_free_bytes, m, sizeof(m));
	u->res->reserve_hit = true;
	urun_error_set(
	    u->err, 0,
	    "stopped after %s written: the filesystem has %s free, less than its free-space "
	    "reserve of %s",
	    w, a, m);
	set_code(u->err, ENOSPC);
	return -ENOSPC;
}

/* ---- entries ---------------------------------------------------------------------- */

static int count_bytes(struct unpacker *u, uint64_t n)
{
	u->res->bytes = n > UINT64_MAX - u->res->bytes ? UINT64_MAX : u->res->bytes + n;
	if (u->o->max_bytes && u->res->bytes > u->o->max_bytes)
		return limit_error(u);
	return 0;
}

/* Copy the entry's data. Sparse entries arrive as blocks at offsets; holes stay holes,
 * but count at their apparent size, since copying the layer later may fill them. */
static int write_data(struct unpacker *u, int fd)
{
	uint64_t extent = 0, written_end = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = archive_read_data_block(u->tar, &buf, &size, &off);

		if (r != ARCHIVE_OK && r != ARCHIVE_WARN && r != ARCHIVE_EOF)
			return stream_error(u);
		/* At EOF, off is the file's full size: a sparse file may end in a hole. */
		if (r == ARCHIVE_EOF)
			size = 0;
		if (off < 0 || (uint64_t)off > (uint64_t)INT64_MAX - size)
			return urun_error_set(u->err, 0, "layer entry `%s` has a bad data offset",
					      u->shown);
		uint64_t end = (uint64_t)off + size;
		if (end > extent) {
			int c = count_bytes(u, end - extent);
			if (c < 0)
				return c;
			extent = end;
		}
		if (r == ARCHIVE_EOF)
			break;
		const char *p = buf;
		while (size > 0) {
			ssize_t n = pwrite(fd, p, size, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fs_error(u, errno, "writing `%s`", u->shown);
			p += n;
			size -= (size_t)n;
			off += n;
			u->written += (uint64_t)n;
			u->unchecked += (uint64_t)n;
			int c = u->unchecked >= FREE_CHECK_BYTES ? check_free_space(u) : 0;
			if (c < 0)
				return c;
		}
		if ((uint64_t)off > written_end)
			written_end = (uint64_t)off;
	}
	if (extent > written_end && ftruncate(fd, (off_t)extent) < 0)
		return fs_error(u, errno, "writing `%s`", u->shown);
	return 0;
}

static int extract_file(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	struct timespec ts[2];
	_cleanup_close_ int fd = -1;

	/* O_EXCL|O_NOFOLLOW: never write through something that is already there, least of
	 * all a symlink an earlier entry planted (the classic tar-slip). */
	for (int tries = 0;; tries++) {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries > 0)
			return fs_error(u, errno, "creating `%s`", u->shown);
		int r = make_room(u, pfd, name, false, NULL);
		if (r < 0)
			return r;
	}
	int r = write_data(u, fd);
	if (r >= 0)
		r = set_owner(u, e, fd, "", AT_EMPTY_PATH);
	if (r < 0)
		return r;
	set_xattrs(u, e, fd);
	/* After chown, which clears setuid and setgid. */
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return fs_error(u, errno, "setting the mode of `%s`", u->shown);
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return fs_error(u, errno, "setting the times of `%s`", u->shown);
	return 0;
}

static int extract_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
		       const char *path, bool was_whiteout)
{
	struct timespec ts[2];
	int r;

	for (int tries = 0;; tries++) {
		if (mkdirat(pfd, name, 0700) == 0)
			break;
		if (errno != EEXIST || tries > 0)
			return fs_error(u, errno, "creating directory `%s`", u->shown);
		r = make_room(u, pfd, name, true, &was_whiteout);
		if (r < 0)
			return r;
		if (r == 1)
			break;
	}
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fs_error(u, errno, "opening directory `%s`", u->shown);
	r = set_owner(u, e, fd, "", AT_EMPTY_PATH);
	if (r < 0)
		return r;
	set_xattrs(u, e, fd);
	/* A directory that replaces its own whiteout in the same layer must hide the lower
	 * directory, not merge with it. */
	if (was_whiteout) {
		r = set_opaque(u, fd);
		if (r < 0)
			return r;
	}
	/* Until the layer is complete we must be able to write into and search the
	 * directory; its real mode comes with the fixups. */
	mode_t mode = archive_entry_perm(e) & 07777;
	if (fchmod(fd, mode | S_IRWXU) < 0)
		return fs_error(u, errno, "setting the mode of `%s`", u->shown);
	entry_times(e, ts);
	return add_fixup(u, path, fd, mode, ts);
}

static int extract_symlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	struct timespec ts[2];
	const char *target = archive_entry_symlink(e);

	/* The target is stored verbatim, absolute or not: it is only ever resolved later,
	 * inside the container's root, or here under RESOLVE_IN_ROOT. */
	if (!target || !*target)
		return urun_error_set(u->err, 0, "layer entry `%s` is a symlink without a target",
				      u->shown);
	if (strlen(target) >= PATH_MAX)
		return urun_error_set(u->err, ENAMETOOLONG,
				      "target of layer entry `%s` is too long", u->shown);
	for (int tries = 0;; tries++) {
		if (symlinkat(target, pfd, name) == 0)
			break;
		if (errno != EEXIST || tries > 0)
			return fs_error(u, errno, "creating symlink `%s`", u->shown);
		int r = make_room(u, pfd, name, false, NULL);
		if (r < 0)
			return r;
	}
	int r = set_owner(u, e, pfd, name, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fs_error(u, errno, "setting the times of `%s`", u->shown);
	return 0;
}

/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH in the initial user namespace. The
 * /proc/self/fd form does not, and links the same inode: the one resolved inside the root,
 * never whatever a path string would name by now. */
static int link_fd(int tfd, int pfd, const char *name)
{
	char proc[64];

	if (linkat(tfd, "", pfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM && errno != EINVAL)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
	return linkat(AT_FDCWD, proc, pfd, name, AT_SYMLINK_FOLLOW);
}

static int extract_hardlink(struct unpacker *u, const char *raw_target, int pfd, const char *name)
{
	_cleanup_free_ char *target = NULL;
	struct stat st, cur;
	int r = clean_path(u, raw_target, "hardlink target of ", &target);

	if (r < 0)
		return r;
	if (!*target)
		return urun_error_set(u->err, 0, "layer entry `%s` is a hardlink to the layer root",
				      u->shown);
	/* The target must be an entry of this layer, reached without any symlink: a link to
	 * a host file (`/etc/shadow`, `../../x`) is impossible, as it resolves inside the
	 * root, and linkat() cannot cross filesystems anyway. */
	_cleanup_close_ int tfd =
	    openat2_confined(u->root_fd, target, O_PATH | O_NOFOLLOW | O_CLOEXEC,
			     RESOLVE_CONFINED | RESOLVE_NO_SYMLINKS);
	if (tfd < 0) {
		_cleanup_free_ char *t = text_shown(target, NAME_SHOWN_MAX);
		if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
			return urun_error_set(u->err, errno,
					      "hardlink target `%s` of layer entry `%s` is not a "
					      "file of the layer",
					      t, u->shown);
		return fs_error(u, errno, "resolving hardlink target `%s`", t);
	}
	if (fstat(tfd, &st) < 0)
		return fs_error(u, errno, "inspecting the hardlink target of `%s`", u->shown);
	if (S_ISDIR(st.st_mode))
		return urun_error_set(u->err, 0, "layer entry `%s` is a hardlink to a directory",
				      u->shown);
	for (int tries = 0;; tries++) {
		if (link_fd(tfd, pfd, name) == 0)
			return 0;
		if (errno != EEXIST || tries > 0)
			return fs_error(u, errno, "creating hardlink `%s`", u->shown);
		/* Linking a name to itself, as some tars do, is already done. */
		if (fstatat(pfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == st.st_dev &&
		    cur.st_ino == st.st_ino)
			return 0;
		r = make_room(u, pfd, name, false, NULL);
		if (r < 0)
			return r;
	}
}

static int extract_fifo(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	struct timespec ts[2];

	for (int tries = 0;; tries++) {
		if (mkfifoat(pfd, name, 0600) == 0)
			break;
		if (errno != EEXIST || tries > 0)
			return fs_error(u, errno, "creating fifo `%s`", u->shown);
		int r = make_room(u, pfd, name, false, NULL);
		if (r < 0)
			return r;
	}
	int r = set_owner(u, e, pfd, name, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return r;
	/* Opening a fifo for I/O would block: pin it with O_PATH and check it is still ours. */
	_cleanup_close_ int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fs_error(u, errno, "opening fifo `%s`", u->shown);
	if (!S_ISFIFO(st.st_mode))
		return urun_error_set(u->err, EAGAIN, "fifo `%s` was replaced while unpacking",
				      u->shown);
	if (chmod_pinned(fd, archive_entry_perm(e) & 07777) < 0)
		return fs_error(u, errno, "setting the mode of `%s`", u->shown);
	entry_times(e, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fs_error(u, errno, "setting the times of `%s`", u->shown);
	return 0;
}

/* Device nodes are never created. In a user namespace mknod() is refused anyway, and run
 * as real root we would leave device nodes, owned as the image says, in a store the
 * user can read from the host. A 0:0 character device is the one exception: it is
 * overlay's whiteout, the same thing `.wh.NAME` produces. */
static int extract_device(struct unpacker *u, struct archive_entry *e, int pfd, const char *name)
{
	if (archive_entry_filetype(e) == AE_IFCHR && archive_entry_rdev(e) == makedev(0, 0)) {
		int r = make_room(u, pfd, name, false, NULL);
		return r < 0 ? r : make_whiteout(u, pfd, name);
	}
	u->res->skipped_devices++;
	if (!u->logged_devices) {
		log_debug("skipping special file `%s` (and any other in this layer): device nodes "
			  "are not created",
			  u->shown);
		u->logged_devices = true;
	}
	return 0;
}

static int extract_entry(struct unpacker *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	_cleanup_free_ char *path = NULL, *dir = NULL;
	int pfd, r;

	if (!raw)
		return urun_error_set(u->err, 0, "layer entry %" PRIu64 " has no name",
				      u->res->entries);
	free(u->shown);
	u->shown = text_shown(raw, NAME_SHOWN_MAX);
	r = clean_path(u, raw, "", &path);
	if (r < 0)
		return r;

	const char *hardlink = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);
	if (!*path) {
		/* "./": the store owns the layer root's mode and owner, not the image. */
		if (!hardlink && type == AE_IFDIR)
			return 0;
		return urun_error_set(u->err, 0, "layer entry `%s` would replace the layer root",
				      u->shown);
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");

	/* Names starting with .wh. are reserved to whiteouts and cannot be represented in a
	 * layer (OCI image-spec, layer.md): a directory with such a name is malformed. */
	for (const char *c = dir; *c; c = strchrnul(c, '/'), c += *c == '/')
		if (strncmp(c, WH_PREFIX, strlen(WH_PREFIX)) == 0)
			return urun_error_set(u->err, 0,
					      "layer entry `%s` has a whiteout as a directory name",
					      u->shown);
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0) {
		const char *victim = base + strlen(WH_PREFIX);

		if (strcmp(base, WH_OPAQUE) == 0)
			return apply_opaque(u, dir);
		if (strncmp(base, WH_META, strlen(WH_META)) == 0) {
			log_debug("ignoring aufs metadata `%s`", u->shown);
			return 0;
		}
		if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
			return urun_error_set(u->err, 0, "layer entry `%s` is not a valid whiteout",
					      u->shown);
		return apply_whiteout(u, dir, victim);
	}

	bool replaced_whiteout = false;
	r = open_parent(u, dir, &pfd);
	if (r >= 0)
		r = drop_whiteout_file(u, pfd, base, &replaced_whiteout);
	if (r < 0)
		return r;
	if (hardlink)
		return extract_hardlink(u, hardlink, pfd, base);
	switch (type) {
	case AE_IFREG:
		return extract_file(u, e, pfd, base);
	case AE_IFDIR:
		return extract_dir(u, e, pfd, base, path, replaced_whiteout);
	case AE_IFLNK:
		return extract_symlink(u, e, pfd, base);
	case AE_IFIFO:
		return extract_fifo(u, e, pfd, base);
	default:
		return extract_device(u, e, pfd, base);
	}
}

/* ---- driver ----------------------------------------------------------------------- */

static int open_stream(struct unpacker *u)
{
	struct archive_entry *e;

	/* Compression is recognised by its magic bytes; the media type is not trusted. Only
	 * gzip and zstd, built in: archive_read_support_filter_all() would also run external
	 * programs (lrzip, grzip, lzop...) on input that merely starts with their magic. */
	u->outer = archive_read_new();
	if (!u->outer)
		abort();
	if (archive_read_support_filter_gzip(u->outer) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(u->outer) != ARCHIVE_OK)
		return urun_error_set(u->err, ENOTSUP,
				      "libarchive lacks built-in gzip or zstd support");
	archive_read_support_format_raw(u->outer);
	if (archive_read_open(u->outer, u, NULL, input_read, NULL) != ARCHIVE_OK) {
		if (u->in_errno)
			return urun_error_set(u->err, u->in_errno, "reading the layer");
		if (u->in_bytes == 0)
			return 1; /* an empty blob: an empty layer, as Go's archive/tar has it */
		const char *why = archive_error_string(u->outer);
		return urun_error_set(u->err, 0, "reading the layer: %s",
				      why ? why : "unknown error");
	}
	if (archive_read_next_header(u->outer, &e) != ARCHIVE_OK) {
		u->outer_failed = true;
		return stream_error(u);
	}
	/* diff_id is defined over the stream decompressed once; gzip inside gzip is not a
	 * layer (containerd refuses it too). Filter 0 is the outermost, the last is "none". */
	if (archive_filter_count(u->outer) > 2)
		return urun_error_set(u->err, 0, "layer is compressed twice (%s inside %s)",
				      archive_filter_name(u->outer, 1),
				      archive_filter_name(u->outer, 0));

	u->tar = archive_read_new();
	if (!u->tar)
		abort();
	archive_read_support_format_tar(u->tar); /* ustar, pax and GNU */
	if (archive_read_open(u->tar, u, NULL, tar_read, NULL) != ARCHIVE_OK)
		return stream_error(u);
	return 0;
}

static int run(struct unpacker *u)
{
	struct archive_entry *e;
	struct stat st;
	const void *buf;
	la_ssize_t n;

	if (fstat(u->root_fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return urun_error_set(u->err, ENOTDIR, "the layer destination is not a directory");
	int r = check_free_space(u);
	if (r < 0)
		return r;
	r = open_stream(u);
	if (r != 0)
		return r < 0 ? r : 0;
	for (;;) {
		r = archive_read_next_header(u->tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		/* ARCHIVE_RETRY means a damaged header that a lenient reader would skip. */
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return stream_error(u);
		/* ARCHIVE_WARN: typically a UTF-8 name that does not fit the locale; the
		 * bytes are kept as they are, which is what we want. */
		u->res->entries++;
		if (u->o->max_entries && u->res->entries > u->o->max_entries) {
			urun_error_set(u->err, 0,
				       "layer has more than %" PRIu64 " entries, the limit",
				       u->o->max_entries);
			set_code(u->err, EFBIG);
			return -EFBIG;
		}
		r = extract_entry(u, e);
		if (r < 0)
			return r;
		if (u->res->entries % FREE_CHECK_ENTRIES == 0 && (r = check_free_space(u)) < 0)
			return r;
	}
	/* The tar ends at its zero blocks, but the digest covers the whole stream: padding and
	 * any trailing bytes are part of what diff_id names. */
	while ((n = stream_next(u, &buf)) > 0)
		;
	if (n < 0)
		return stream_error(u);
	return apply_dir_fixups(u);
}


static int unpack(struct unpacker *u, const struct unpack_opts *o, struct unpack_result *res)
{
	static const struct unpack_opts defaults;
	struct unpack_result scratch;

	u->o = o ? o : &defaults;
	u->res = res ? res : &scratch;
	memset(u->res, 0, sizeof(*u->res));
	u->cached_fd = -1;
	digest_init(&u->sha);

	/* libarchive converts pax names (UTF-8) to the locale's charset: under a Latin-1
	 * locale "café" would land as different bytes. In C.UTF-8 (or C) they pass as is. */
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!loc)
		loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
	locale_t old = loc ? uselocale(loc) : (locale_t)0;

	int r = run(u);
	if (r >= 0)
		digest_final(&u->sha, u->res->diff_id);

	if (u->tar)
		archive_read_free(u->tar);
	if (u->outer)
		archive_read_free(u->outer);
	if (loc) {
		uselocale(old);
		freelocale(loc);
	}
	cache_forget(u);
	if (u->cached_fd >= 0)
		close(u->cached_fd);
	for (size_t i = 0; i < u->n_fixups; i++)
		free(u->fixups[i].path);
	free(u->fixups);
	free(u->shown);
	return r < 0 ? r : 0;
}

int unpack_layer_fd(int in_fd, int root_fd, const struct unpack_opts *o, struct unpack_result *res,
		    struct urun_error *err)
{
	_cleanup_free_ unsigned char *buf = xmalloc(READ_BLOCK);
	struct unpacker u = {.root_fd = root_fd, .err = err, .in_fd = in_fd, .inbuf = buf};

	return unpack(&u, o, res);
}

int unpack_layer_mem(const void *buf, size_t len, int root_fd, const struct unpack_opts *o,
		     struct unpack_result *res, struct urun_error *err)
{
	struct unpacker u = {.root_fd = root_fd,
			     .err = err,
			     .from_mem = true,
			     .mem = buf,
			     .mem_len = len,
			     .in_fd = -1};

	return unpack(&u, o, res);
}
