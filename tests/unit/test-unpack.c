/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-unpack.c: layer extraction. Layers are built here with libarchive (pax, plain, gzip
 * and zstd), unpacked into a fresh directory, and the result checked exactly; hostile
 * layers must fail cleanly or stay inside the root, and nothing may appear beside it. */
#include "image/unpack.h"
#include "util/cleanup.h"
#include "tap.h"
#include "testns.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

enum { F_NONE, F_GZIP, F_ZSTD };

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static la_ssize_t buf_write(struct archive *a, void *data, const void *p, size_t n)
{
	buf_add(data, p, n);
	return (la_ssize_t)n;
}

/* One tar entry; unset fields get sensible defaults (owner: the caller). */
struct ent {
	const char *name;
	mode_t type; /* AE_IFREG when 0 */
	mode_t perm; /* 0644 / 0755 when 0; PERM0 for 0 */
	const char *data;
	uint64_t zeros; /* that many zero bytes of data instead */
	const char *symlink;
	const char *hardlink;
	bool owned; /* uid and gid given; else the caller's */
	long long uid, gid;
	time_t mtime; /* 1600000000 when 0 */
	dev_t rdev;
	const char *xattr, *xattr_value;
};

#define PERM0	    010000
#define E(...)	    ((struct ent){__VA_ARGS__})
#define OWNER(u, g) .owned = true, .uid = (u), .gid = (g)

static struct archive *writer(struct buf *out, int filter, int raw)
{
	struct archive *a = archive_write_new();
	if (raw)
		archive_write_set_format_raw(a);
	else
		archive_write_set_format_pax(a);
	if (filter == F_GZIP)
		archive_write_add_filter_gzip(a);
	else if (filter == F_ZSTD)
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_per_block(a, 0);
	if (archive_write_open(a, out, NULL, buf_write, NULL) != ARCHIVE_OK)
		abort();
	return a;
}

static void write_entry(struct archive *a, const struct ent *x)
{
	static char zeros[1 << 20];
	struct archive_entry *e = archive_entry_new();
	mode_t type = x->type ? x->type : AE_IFREG;
	uint64_t size = x->data ? strlen(x->data) : x->zeros;

	archive_entry_set_pathname(e, x->name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, x->perm ? x->perm & 07777 : (type == AE_IFDIR ? 0755 : 0644));
	archive_entry_set_uid(e, x->owned ? x->uid : getuid());
	archive_entry_set_gid(e, x->owned ? x->gid : getgid());
	archive_entry_set_mtime(e, x->mtime ? x->mtime : 1600000000, 0);
	if (type == AE_IFREG && !x->hardlink)
		archive_entry_set_size(e, (la_int64_t)size);
	if (x->symlink)
		archive_entry_set_symlink(e, x->symlink);
	if (x->hardlink)
		archive_entry_set_hardlink(e, x->hardlink);
	if (x->rdev)
		archive_entry_set_rdev(e, x->rdev);
	if (x->xattr)
		archive_entry_xattr_add_entry(e, x->xattr, x->xattr_value, strlen(x->xattr_value));
	if (archive_write_header(a, e) < ARCHIVE_WARN) {
		fprintf(stderr, "write_header %s: %s\n", x->name, archive_error_string(a));
		abort();
	}
	if (x->data)
		archive_write_data(a, x->data, size);
	for (uint64_t left = x->zeros; left;) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
		archive_write_data(a, zeros, n);
		left -= n;
	}
	archive_entry_free(e);
}

static struct buf make_tar(int filter, const struct ent *ents, size_t n)
{
	struct buf out = {0};
	struct archive *a = writer(&out, filter, 0);
	for (size_t i = 0; i < n; i++)
		write_entry(a, &ents[i]);
	archive_write_close(a);
	archive_write_free(a);
	return out;
}
#define TAR(filter, ...)                                                                           \
	make_tar(filter, (struct ent[]){__VA_ARGS__},                                              \
		 sizeof((struct ent[]){__VA_ARGS__}) / sizeof(struct ent))

/* Compress arbitrary bytes (format "raw"). */
static struct buf compress(const void *p, size_t len, int filter)
{
	struct buf out = {0};
	struct archive *a = writer(&out, filter, 1);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_write_header(a, e);
	archive_write_data(a, p, len);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return out;
}

static void sha256_hex(const void *p, size_t n, char out[72])
{
	unsigned char md[32];
	unsigned len = 0;
	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	strcpy(out, "sha256:");
	for (unsigned i = 0; i < len; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

/* A workspace: <tmp>/test-unpack-XXXXXX/{root,...}; the layer goes to root. */
struct ws {
	char parent[PATH_MAX];
	char root[PATH_MAX + 8];
	int rfd;
	struct unpack_result res;
	struct urun_error err;
};

static void ws_new(struct ws *w)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	memset(w, 0, sizeof(*w));
	snprintf(w->parent, sizeof(w->parent), "%s/test-unpack-XXXXXX", tmp);
	if (!mkdtemp(w->parent))
		abort();
	snprintf(w->root, sizeof(w->root), "%s/root", w->parent);
	if (mkdir(w->root, 0755) < 0)
		abort();
	w->rfd = open(w->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void ws_free(struct ws *w)
{
	char *slash = strrchr(w->parent, '/');
	*slash = '\0';
	int dfd = open(w->parent[0] ? w->parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct urun_error err = {0};
	if (unpack_remove_tree(dfd, slash + 1, &err) < 0)
		printf("# cleanup: %s\n", err.msg);
	urun_error_clear(&err);
	urun_error_clear(&w->err);
	close(dfd);
	close(w->rfd);
}

static struct unpack_opts opts_default(void)
{
	return (struct unpack_opts){.uid = getuid(), .gid = getgid()};
}

static int run(struct ws *w, struct buf b, const struct unpack_opts *o)
{
	struct unpack_opts d = opts_default();
	int r = unpack_layer_mem(b.p, b.len, w->rfd, o ? o : &d, &w->res, &w->err);
	if (r < 0)
		printf("# unpack: %s\n", w->err.msg);
	free(b.p);
	return r;
}

static char *path_in(struct ws *w, const char *rel)
{
	static char p[2][PATH_MAX + 64];
	static int i;
	i ^= 1;
	snprintf(p[i], sizeof(p[i]), "%s/%s", w->root, rel);
	return p[i];
}

static int lstat_in(struct ws *w, const char *rel, struct stat *st)
{
	return lstat(path_in(w, rel), st);
}

static int exists_in(struct ws *w, const char *rel)
{
	struct stat st;
	return lstat_in(w, rel, &st) == 0;
}

static char *read_in(struct ws *w, const char *rel)
{
	static char b[256];
	int fd = open(path_in(w, rel), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	b[n < 0 ? 0 : n] = '\0';
	return b;
}

/* Nothing but `root` and the names in `allowed` beside the layer root. */
static int only_root(struct ws *w, const char *allowed)
{
	DIR *d = opendir(w->parent);
	struct dirent *de;
	int clean = 1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "root") || (allowed && !strcmp(de->d_name, allowed)))
			continue;
		printf("# stray entry beside the root: %s\n", de->d_name);
		clean = 0;
	}
	closedir(d);
	return clean;
}

/* Does any file under dir have this inode? */
static int tree_has_inode(int dfd, dev_t dev, ino_t ino)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int found = 0;
	while (!found && (de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_dev == dev && st.st_ino == ino)
			found = 1;
		else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW);
			found = tree_has_inode(sub, dev, ino);
			close(sub);
		}
	}
	closedir(d);
	return found;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int has_user_xattrs;

static void probe_xattrs(void)
{
	struct ws w;
	ws_new(&w);
	has_user_xattrs = setxattr(w.root, "user.probe", "1", 1, 0) == 0;
	ws_free(&w);
}

static int xattr_is(struct ws *w, const char *rel, const char *name, const char *want)
{
	char v[64];
	ssize_t n = lgetxattr(path_in(w, rel), name, v, sizeof(v) - 1);
	if (!want)
		return n < 0;
	if (n < 0)
		return 0;
	v[n] = '\0';
	return strcmp(v, want) == 0;
}

static int is_whiteout(struct ws *w, const char *rel)
{
	struct stat st;
	return lstat_in(w, rel, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_basic(void)
{
	struct ws w;
	struct stat st, st2;

	ws_new(&w);
	int r =
	    run(&w,
		TAR(F_NONE, E(.name = "etc", .type = AE_IFDIR, .perm = 0750, .mtime = 1500000000),
		    E(.name = "etc/hostname", .data = "box\n", .perm = 0640, .mtime = 1234567890),
		    E(.name = "./bin/tool", .data = "#!/bin/sh\n", .perm = 04755),
		    E(.name = "bin/sg", .data = "x", .perm = 02755),
		    E(.name = "tmp", .type = AE_IFDIR, .perm = 01777),
		    E(.name = "rel", .type = AE_IFLNK, .symlink = "etc/hostname"),
		    E(.name = "abs", .type = AE_IFLNK, .symlink = "/etc/hostname"),
		    E(.name = "dangling", .type = AE_IFLNK, .symlink = "../../../nowhere"),
		    E(.name = "etc/hard", .hardlink = "etc/hostname"),
		    E(.name = "fifo", .type = AE_IFIFO, .perm = 0620),
		    E(.name = "empty", .data = ""), E(.name = "caf\xc3\xa9", .data = "utf8")),
		NULL);
	is_int(r, 0, "basic layer unpacks");
	is_str(read_in(&w, "etc/hostname"), "box\n", "file content");
	lstat_in(&w, "etc/hostname", &st);
	is_int(st.st_mode & 07777, 0640, "file mode");
	is_int(st.st_mtime, 1234567890, "file mtime");
	lstat_in(&w, "etc", &st);
	ok(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750, "directory with its mode");
	is_int(st.st_mtime, 1500000000, "directory mtime survives its children");
	lstat_in(&w, "bin", &st);
	ok(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "implicit parent is 0755");
	lstat_in(&w, "bin/tool", &st);
	is_int(st.st_mode & 07777, 04755, "setuid bit kept");
	lstat_in(&w, "bin/sg", &st);
	is_int(st.st_mode & 07777, 02755, "setgid bit kept");
	lstat_in(&w, "tmp", &st);
	is_int(st.st_mode & 07777, 01777, "sticky directory");
	char t[64] = "";
	ssize_t n = readlink(path_in(&w, "rel"), t, sizeof(t) - 1);
	t[n < 0 ? 0 : n] = '\0';
	is_str(t, "etc/hostname", "relative symlink target verbatim");
	n = readlink(path_in(&w, "abs"), t, sizeof(t) - 1);
	t[n < 0 ? 0 : n] = '\0';
	is_str(t, "/etc/hostname", "absolute symlink target verbatim");
	lstat_in(&w, "abs", &st);
	is_int(st.st_mtime, 1600000000, "symlink mtime");
	ok(exists_in(&w, "dangling"), "dangling symlink kept");
	lstat_in(&w, "etc/hostname", &st);
	lstat_in(&w, "etc/hard", &st2);
	ok(st.st_ino == st2.st_ino && st.st_nlink == 2, "hardlink is the same inode");
	lstat_in(&w, "fifo", &st);
	ok(S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0620, "fifo created with its mode");
	lstat_in(&w, "empty", &st);
	ok(S_ISREG(st.st_mode) && st.st_size == 0, "empty file");
	is_str(read_in(&w, "caf\xc3\xa9"), "utf8", "UTF-8 name kept byte for byte");
	is_int((long long)w.res.entries, 12, "entries counted");
	is_int((long long)w.res.bytes, 4 + 10 + 1 + 4, "bytes counted");
	ok(strncmp(w.res.diff_id, "sha256:", 7) == 0 && strlen(w.res.diff_id) == 71, "diff_id set");
	ok(only_root(&w, NULL), "nothing beside the root");
	ws_free(&w);
}

static struct buf sample(int filter)
{
	return TAR(filter, E(.name = "a", .type = AE_IFDIR), E(.name = "a/b", .data = "hello"),
		   E(.name = "a/big", .zeros = 300000),
		   E(.name = "l", .type = AE_IFLNK, .symlink = "a/b"));
}

static void test_compression(void)
{
	static const char *names[] = {"plain", "gzip", "zstd"};
	char want[72], ids[3][72];
	struct buf plain = sample(F_NONE);

	sha256_hex(plain.p, plain.len, want);
	free(plain.p);
	for (int f = F_NONE; f <= F_ZSTD; f++) {
		struct ws w;
		ws_new(&w);
		struct buf b = sample(f);
		ok(f == F_NONE || b.p[0] == (f == F_GZIP ? 0x1f : 0x28), "%s layer built",
		   names[f]);
		is_int(run(&w, b, NULL), 0, names[f]);
		is_str(read_in(&w, "a/b"), "hello", "content");
		strcpy(ids[f], w.res.diff_id);
		is_str(w.res.diff_id, want, "diff_id is the sha256 of the plain tar");
		ws_free(&w);
	}
	ok(!strcmp(ids[0], ids[1]) && !strcmp(ids[1], ids[2]), "same diff_id for all three");

	/* Through a file descriptor, as the store uses it. */
	struct ws w;
	ws_new(&w);
	struct buf b = sample(F_GZIP);
	char f[PATH_MAX + 16];
	snprintf(f, sizeof(f), "%s/layer.tgz", w.parent);
	int fd = open(f, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok(write(fd, b.p, b.len) == (ssize_t)b.len, "layer written to a file");
	lseek(fd, 0, SEEK_SET);
	struct unpack_opts o = opts_default();
	is_int(unpack_layer_fd(fd, w.rfd, &o, &w.res, &w.err), 0, "unpack_layer_fd");
	is_str(w.res.diff_id, want, "same diff_id through an fd");
	close(fd);
	free(b.p);
	ws_free(&w);

	/* gzip's empty-layer blob and a zero-length blob are both empty layers. */
	ws_new(&w);
	char zero[1024] = {0};
	is_int(run(&w, compress(zero, sizeof(zero), F_GZIP), NULL), 0, "gzip of 1024 zeros");
	is_str(w.res.diff_id,
	       "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
	       "the well-known empty layer diff_id");
	ws_free(&w);
	ws_new(&w);
	is_int(unpack_layer_mem("", 0, w.rfd, &o, &w.res, &w.err), 0, "zero-length blob");
	is_str(w.res.diff_id,
	       "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "its diff_id is sha256 of nothing");
	ws_free(&w);

	/* Trailing bytes after the end-of-archive blocks are part of the digest. */
	ws_new(&w);
	b = sample(F_NONE);
	buf_add(&b, zero, sizeof(zero));
	buf_add(&b, "trailer", 7);
	sha256_hex(b.p, b.len, want);
	is_int(run(&w, b, NULL), 0, "tar with trailing data");
	is_str(w.res.diff_id, want, "diff_id covers the trailing data");
	ws_free(&w);
}

static void test_whiteouts(void)
{
	struct ws w;

	ws_new(&w);
	int r = run(&w,
		    TAR(F_GZIP, E(.name = "etc", .type = AE_IFDIR), E(.name = "etc/.wh.passwd"),
			E(.name = "opq", .type = AE_IFDIR), E(.name = "opq/before", .data = "1"),
			E(.name = "opq/.wh..wh..opq"), E(.name = "opq/after", .data = "2"),
			E(.name = "new/deep/.wh..wh..opq"), E(.name = ".wh.top"),
			E(.name = "keep", .data = "k"), E(.name = ".wh.keep"),
			E(.name = "kd", .type = AE_IFDIR), E(.name = "kd/x", .data = "x"),
			E(.name = ".wh.kd"), E(.name = ".wh.later"),
			E(.name = "later", .type = AE_IFDIR), E(.name = ".wh.file2"),
			E(.name = "file2", .data = "f"), E(.name = ".wh..wh.plnk"),
			E(.name = "chr00", .type = AE_IFCHR, .rdev = makedev(0, 0))),
		    NULL);
	is_int(r, 0, "layer with whiteouts unpacks");
	ok(is_whiteout(&w, "etc/passwd"), ".wh.passwd becomes a 0:0 char device `passwd`");
	ok(!exists_in(&w, "etc/.wh.passwd"), "no .wh. file kept");
	ok(is_whiteout(&w, "top"), "top-level whiteout");
	is_int((long long)w.res.whiteout_files, 0, "no fallback whiteout files");
	if (has_user_xattrs) {
		ok(xattr_is(&w, "opq", "user.overlay.opaque", "y"), "opaque dir has the xattr");
		ok(xattr_is(&w, "new/deep", "user.overlay.opaque", "y"),
		   "opaque marker creates its directory");
		ok(xattr_is(&w, "kd", "user.overlay.opaque", "y"),
		   "whiteout of a dir of the same layer makes it opaque");
		ok(xattr_is(&w, "later", "user.overlay.opaque", "y"),
		   "dir replacing its own whiteout is opaque");
		ok(!xattr_is(&w, "etc", "user.overlay.opaque", "y"), "other dirs are not opaque");
	} else {
		for (int i = 0; i < 5; i++)
			skip("no user xattrs on this filesystem");
	}
	ok(!exists_in(&w, "opq/.wh..wh..opq"), "no opaque marker file");
	ok(exists_in(&w, "opq/before") && exists_in(&w, "opq/after"),
	   "opaque marker keeps entries of the same layer");
	is_str(read_in(&w, "keep"), "k", "whiteout does not hide a file of the same layer");
	ok(exists_in(&w, "kd/x"), "nor the content of a dir of the same layer");
	is_str(read_in(&w, "file2"), "f", "file replaces its own earlier whiteout");
	ok(!exists_in(&w, ".wh..wh.plnk") && !exists_in(&w, "..wh.plnk"), "aufs metadata ignored");
	ok(is_whiteout(&w, "chr00"), "a 0:0 device entry is a whiteout too");
	ws_free(&w);
}

/* Each hostile layer must fail with the given message fragment, or succeed when NULL. */
static void hostile(const char *what, struct buf b, const char *want_err)
{
	struct ws w;
	ws_new(&w);
	int r = run(&w, b, NULL);
	if (want_err)
		ok(r < 0 && w.err.msg && strstr(w.err.msg, want_err), "%s: refused", what);
	else
		is_int(r, 0, what);
	ok(only_root(&w, NULL), "%s: nothing outside the root", what);
	ws_free(&w);
}

static void test_escapes(void)
{
	struct ws w;
	struct stat pw, st;

	hostile("../escape", TAR(F_NONE, E(.name = "../escape", .data = "x")),
		"escapes the layer root");
	hostile("a/../../escape", TAR(F_NONE, E(.name = "a/../../escape", .data = "x")),
		"escapes the layer root");
	hostile("hardlink to ../outside",
		TAR(F_NONE, E(.name = "h", .hardlink = "../outside-file")),
		"escapes the layer root");
	hostile("bare .wh.", TAR(F_NONE, E(.name = "d/.wh.")), "not a valid whiteout");
	hostile(".wh..", TAR(F_NONE, E(.name = ".wh..")), "not a valid whiteout");
	hostile(".wh...", TAR(F_NONE, E(.name = ".wh...")), "not a valid whiteout");
	hostile(".wh.../x", TAR(F_NONE, E(.name = ".wh.../x")), "whiteout as a directory name");
	hostile(".wh.foo/../..", TAR(F_NONE, E(.name = ".wh.foo/../..")), "escapes the layer root");
	hostile("hardlink to a directory",
		TAR(F_NONE, E(.name = "d", .type = AE_IFDIR), E(.name = "h", .hardlink = "d")),
		"hardlink to a directory");
	hostile("entry replacing the root",
		TAR(F_NONE, E(.name = ".", .type = AE_IFLNK, .symlink = "/etc")),
		"replace the layer root");
	hostile("damaged header", TAR(F_NONE, E(.name = "./", .data = "x")), "tar stream");
	hostile("write through a dangling symlink",
		TAR(F_NONE, E(.name = "par", .type = AE_IFLNK, .symlink = "../outside"),
		    E(.name = "par/y", .data = "y")),
		"dangling symlink");
	hostile("symlink without target",
		TAR(F_NONE, E(.name = "s", .type = AE_IFLNK, .symlink = "")), "without a target");

	/* Absolute names stay inside. */
	ws_new(&w);
	is_int(run(&w, TAR(F_NONE, E(.name = "/abs/path", .data = "in")), NULL), 0, "/abs/path");
	is_str(read_in(&w, "abs/path"), "in", "/abs/path lands at root/abs/path");
	ok(only_root(&w, NULL), "nothing beside the root");
	ws_free(&w);

	/* Write through a symlink planted earlier: resolved inside the root. */
	ok(access("/etc/pwned", F_OK) < 0, "no /etc/pwned before");
	ws_new(&w);
	is_int(run(&w,
		   TAR(F_NONE, E(.name = "link", .type = AE_IFLNK, .symlink = "/"),
		       E(.name = "link/etc/pwned", .data = "p"),
		       E(.name = "up", .type = AE_IFLNK, .symlink = "../../.."),
		       E(.name = "up/x", .data = "x"),
		       E(.name = "par", .type = AE_IFLNK, .symlink = "../outside"),
		       E(.name = "outside", .type = AE_IFDIR), E(.name = "par/y", .data = "y")),
		   NULL),
	       0, "symlink-then-write layer unpacks");
	is_str(read_in(&w, "etc/pwned"), "p", "link -> / then link/etc/pwned stays in the root");
	ok(access("/etc/pwned", F_OK) < 0, "no /etc/pwned on the host");
	is_str(read_in(&w, "x"), "x", "link -> ../../.. then up/x stays in the root");
	is_str(read_in(&w, "outside/y"), "y", "link -> ../outside lands at root/outside");
	ok(only_root(&w, NULL), "nothing beside the root");
	ws_free(&w);

	/* A regular file over a symlink replaces the link, never writes through it. */
	ws_new(&w);
	char outside[PATH_MAX + 16];
	snprintf(outside, sizeof(outside), "%s/outside-file", w.parent);
	int fd = open(outside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ok(write(fd, "orig", 4) == 4, "outside file made");
	close(fd);
	is_int(run(&w,
		   TAR(F_NONE, E(.name = "link", .type = AE_IFLNK, .symlink = "../outside-file"),
		       E(.name = "link", .data = "new")),
		   NULL),
	       0, "file over symlink");
	lstat_in(&w, "link", &st);
	ok(S_ISREG(st.st_mode), "the symlink was replaced by the file");
	fd = open(outside, O_RDONLY | O_CLOEXEC);
	char b[8] = "";
	ok(read(fd, b, sizeof(b)) == 4 && !memcmp(b, "orig", 4), "outside file untouched");
	close(fd);
	ok(only_root(&w, "outside-file"), "nothing else beside the root");
	ws_free(&w);

	/* Hardlinks to host files: refused, and no link to the real file anywhere. */
	if (stat("/etc/passwd", &pw) < 0)
		abort();
	const char *targets[] = {"/etc/passwd", "../../../../../../etc/passwd", "lnk/passwd"};
	for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
		ws_new(&w);
		int r = run(&w,
			    TAR(F_NONE, E(.name = "lnk", .type = AE_IFLNK, .symlink = "/etc"),
				E(.name = "h", .hardlink = targets[i])),
			    NULL);
		ok(r < 0, "hardlink to `%s` refused", targets[i]);
		int rootd = open(w.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ok(!tree_has_inode(rootd, pw.st_dev, pw.st_ino), "no link to the real /etc/passwd");
		close(rootd);
		ok(only_root(&w, NULL), "nothing beside the root");
		ws_free(&w);
	}
	stat("/etc/passwd", &st);
	is_int((long long)st.st_nlink, (long long)pw.st_nlink, "/etc/passwd link count unchanged");

	/* The same with a file planted beside the root: refused, not linked. */
	ws_new(&w);
	snprintf(outside, sizeof(outside), "%s/outside-file", w.parent);
	fd = open(outside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	close(fd);
	ok(run(&w,
	       TAR(F_NONE, E(.name = "up", .type = AE_IFLNK, .symlink = ".."),
		   E(.name = "h", .hardlink = "up/outside-file")),
	       NULL) < 0,
	   "hardlink through a symlink to ../outside-file refused");
	stat(outside, &st);
	is_int((long long)st.st_nlink, 1, "outside file has one link");
	ok(only_root(&w, "outside-file"), "nothing else beside the root");
	ws_free(&w);
}

static void test_special(void)
{
	struct ws w;
	struct stat st;

	ws_new(&w);
	is_int(run(&w,
		   TAR(F_NONE, E(.name = "dev/null", .type = AE_IFCHR, .rdev = makedev(1, 3)),
		       E(.name = "dev/sda", .type = AE_IFBLK, .rdev = makedev(8, 0)),
		       E(.name = "dev/ok", .data = "ok")),
		   NULL),
	       0, "layer with devices unpacks");
	ok(!exists_in(&w, "dev/null") && !exists_in(&w, "dev/sda"), "devices not created");
	is_int((long long)w.res.skipped_devices, 2, "devices counted");
	ok(exists_in(&w, "dev/ok"), "the rest is there");
	ws_free(&w);

	/* xattrs: user.* set; overlay's and fuse-overlayfs' own never taken from an image. */
	ws_new(&w);
	is_int(
	    run(&w,
		TAR(F_NONE, E(.name = "f", .data = "x", .xattr = "user.test", .xattr_value = "hi"),
		    E(.name = "d", .type = AE_IFDIR, .xattr = "trusted.overlay.opaque",
		      .xattr_value = "y"),
		    E(.name = "e", .type = AE_IFDIR, .xattr = "user.overlay.opaque",
		      .xattr_value = "y"),
		    E(.name = "g", .data = "x", .xattr = "user.overlay.redirect",
		      .xattr_value = "/etc"),
		    E(.name = "o", .data = "x", .xattr = "user.fuseoverlayfs.override_stat",
		      .xattr_value = "0:0:04755")),
		NULL),
	    0, "layer with xattrs unpacks");
	if (has_user_xattrs)
		ok(xattr_is(&w, "f", "user.test", "hi"), "user.test set");
	else
		skip("no user xattrs on this filesystem");
	ok(xattr_is(&w, "d", "trusted.overlay.opaque", NULL), "trusted.overlay.opaque not set");
	ok(xattr_is(&w, "e", "user.overlay.opaque", NULL), "user.overlay.opaque not forged");
	ok(xattr_is(&w, "g", "user.overlay.redirect", NULL), "user.overlay.redirect not set");
	ok(xattr_is(&w, "o", "user.fuseoverlayfs.override_stat", NULL),
	   "user.fuseoverlayfs.override_stat not set");
	ws_free(&w);

	/* Replacement inside one layer. */
	ws_new(&w);
	is_int(
	    run(&w,
		TAR(F_NONE, E(.name = "x", .type = AE_IFDIR), E(.name = "x/sub", .type = AE_IFDIR),
		    E(.name = "x/sub/f", .data = "1"), E(.name = "x", .data = "file now"),
		    E(.name = "y", .data = "file"), E(.name = "y", .type = AE_IFDIR, .perm = 0711),
		    E(.name = "y/in", .data = "in"), E(.name = "m", .type = AE_IFDIR),
		    E(.name = "m/a", .data = "a"), E(.name = "m", .type = AE_IFDIR, .perm = 0700),
		    E(.name = "ro", .type = AE_IFDIR, .perm = 0555), E(.name = "ro/f", .data = "r"),
		    E(.name = "none", .type = AE_IFDIR, .perm = PERM0),
		    E(.name = "none/sub", .type = AE_IFDIR, .perm = PERM0),
		    E(.name = "none/sub/f", .data = "n"), E(.name = "same", .data = "s"),
		    E(.name = "same", .hardlink = "same")),
		NULL),
	    0, "layer with replacements unpacks");
	lstat_in(&w, "x", &st);
	is_str(S_ISREG(st.st_mode) ? read_in(&w, "x") : "dir", "file now", "file over dir");
	lstat_in(&w, "y", &st);
	ok(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0711, "dir over file");
	is_str(read_in(&w, "y/in"), "in", "and its content");
	lstat_in(&w, "m", &st);
	ok(exists_in(&w, "m/a") && (st.st_mode & 07777) == 0700,
	   "dir over dir merges, mode updated");
	lstat_in(&w, "ro", &st);
	ok(exists_in(&w, "ro/f") && (st.st_mode & 07777) == 0555, "read-only dir filled");
	lstat_in(&w, "none", &st);
	is_int(st.st_mode & 07777, 0, "mode 0 dir applied at the end");
	is_str(read_in(&w, "same"), "s", "hardlink to itself is harmless");
	ws_free(&w); /* also proves unpack_remove_tree copes with 0555 and 0 dirs */

	/* Limits and long names. */
	char longname[PATH_MAX + 100];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 100; i < sizeof(longname) - 1; i += 101)
		longname[i] = '/';
	hostile("name longer than PATH_MAX", TAR(F_NONE, E(.name = longname, .data = "x")),
		"too long");
	char comp[300];
	memset(comp, 'c', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	hostile("component longer than NAME_MAX", TAR(F_NONE, E(.name = comp, .data = "x")),
		"NAME_MAX");

	ws_new(&w);
	struct unpack_opts o = opts_default();
	o.max_entries = 3;
	ok(run(&w,
	       TAR(F_NONE, E(.name = "1", .data = ""), E(.name = "2", .data = ""),
		   E(.name = "3", .data = ""), E(.name = "4", .data = "")),
	       &o) < 0 &&
	       strstr(w.err.msg, "more than 3 entries"),
	   "entry limit");
	ws_free(&w);

	/* Hostile names are printed with control characters masked. */
	ws_new(&w);
	ok(run(&w, TAR(F_NONE, E(.name = "../\033]0;owned\007", .data = "x")), NULL) < 0 &&
	       !strchr(w.err.msg, '\033') && !strchr(w.err.msg, '\007'),
	   "control characters masked in errors");
	ws_free(&w);
}

static void test_bad_streams(void)
{
	struct ws w;
	struct unpack_opts o = opts_default();

	/* A bomb: 100 MiB of zeros, ~100 KiB compressed, against a 10 MiB limit. */
	o.max_bytes = 10 << 20;
	ws_new(&w);
	struct buf bomb = TAR(F_GZIP, E(.name = "zeros", .zeros = 100 << 20));
	ok(bomb.len < 1 << 20, "bomb is small compressed (%zu bytes)", bomb.len);
	int r = run(&w, bomb, &o);
	ok(r == -EFBIG && strstr(w.err.msg, "larger than the limit"), "bomb refused cleanly");
	ok(w.res.bytes <= o.max_bytes + (1 << 20), "stopped near the limit");
	ws_free(&w);

	/* The limit holds for data no entry accounts for: zeros after the end of the tar. */
	ws_new(&w);
	struct buf t = sample(F_NONE);
	unsigned char *z = xzalloc(20 << 20);
	buf_add(&t, z, 20 << 20);
	free(z);
	struct buf tz = compress(t.p, t.len, F_ZSTD);
	free(t.p);
	ok(run(&w, tz, &o) == -EFBIG, "trailing bomb refused");
	ws_free(&w);

	/* Truncated gzip. */
	ws_new(&w);
	unsigned char *noise = xmalloc(1 << 20);
	uint32_t x = 12345;
	for (size_t i = 0; i < 1 << 20; i++) {
		x = x * 1103515245 + 12345;
		noise[i] = (unsigned char)(x >> 24);
	}
	struct ent big = E(.name = "noise");
	struct buf nb = {0};
	struct archive *a = writer(&nb, F_GZIP, 0);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, big.name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 1 << 20);
	archive_write_header(a, e);
	archive_write_data(a, noise, 1 << 20);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	free(noise);
	nb.len /= 2;
	r = run(&w, nb, NULL);
	ok(r < 0, "truncated gzip refused: %s", w.err.msg ? w.err.msg : "");
	ws_free(&w);

	/* Garbage and gzip'd garbage. */
	static const char garbage[] =
	    "this is not a tar archive, not at all, no headers here.......";
	char g[4096];
	for (size_t i = 0; i < sizeof(g); i++)
		g[i] = garbage[i % (sizeof(garbage) - 1)];
	ws_new(&w);
	struct buf gb = {0};
	buf_add(&gb, g, sizeof(g));
	r = run(&w, gb, NULL);
	ok(r < 0, "garbage refused: %s", w.err.msg ? w.err.msg : "");
	ws_free(&w);
	ws_new(&w);
	ok(run(&w, compress(g, sizeof(g), F_GZIP), NULL) < 0, "gzip'd garbage refused");
	ws_free(&w);

	/* Compressed twice. */
	ws_new(&w);
	struct buf inner = sample(F_GZIP);
	struct buf twice = compress(inner.p, inner.len, F_ZSTD);
	free(inner.p);
	ok(run(&w, twice, NULL) < 0 && strstr(w.err.msg, "compressed twice"), "double compression");
	ws_free(&w);
}

/* A sparse file: `size` apparent bytes, 4 KiB of 'd' at offset 512 KiB. */
static struct buf sparse_tar(int64_t size)
{
	static char data[4096];
	struct buf out = {0};
	struct archive *a = writer(&out, F_GZIP, 0);
	struct archive_entry *e = archive_entry_new();

	memset(data, 'd', sizeof(data));
	archive_entry_set_pathname(e, "sparse");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_sparse_add_entry(e, 512 << 10, sizeof(data));
	archive_write_header(a, e);
	/* The writer takes the file's bytes from offset 0 and stores the mapped regions. */
	char *zeros = xzalloc(512 << 10);
	archive_write_data(a, zeros, 512 << 10);
	free(zeros);
	archive_write_data(a, data, sizeof(data));
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return out;
}

static void test_sparse(void)
{
	struct ws w;
	struct stat st;
	struct unpack_opts o = opts_default();

	ws_new(&w);
	is_int(run(&w, sparse_tar(1 << 20), NULL), 0, "sparse file unpacks");
	lstat_in(&w, "sparse", &st);
	is_int(st.st_size, 1 << 20, "sparse: full apparent size, trailing hole included");
	ok(st.st_blocks * 512 < 256 << 10, "sparse: holes stay holes (%lld blocks)",
	   (long long)st.st_blocks);
	int fd = open(path_in(&w, "sparse"), O_RDONLY | O_CLOEXEC);
	char b[2] = "";
	ok(pread(fd, b, 1, (512 << 10) - 1) == 1 && b[0] == 0 && pread(fd, b, 1, 512 << 10) == 1 &&
	       b[0] == 'd',
	   "sparse: data at its offset, zeros before");
	close(fd);
	is_int((long long)w.res.bytes, 1 << 20, "sparse: counted at its apparent size");
	ws_free(&w);

	/* A 1 TiB hole is a bomb for whoever copies the layer later. */
	o.max_bytes = 10 << 20;
	ws_new(&w);
	ok(run(&w, sparse_tar(1LL << 40), &o) == -EFBIG, "sparse bomb refused");
	ws_free(&w);
}

static void test_owners(void)
{
	struct ws w;
	struct stat st;
	struct unpack_opts o = opts_default();

	o.squash_owner = true;
	ws_new(&w);
	is_int(run(&w,
		   TAR(F_NONE, E(.name = "f", .data = "x", OWNER(1234, 1234), .perm = 04755),
		       E(.name = "d", .type = AE_IFDIR, OWNER(0, 0)),
		       E(.name = "l", .type = AE_IFLNK, .symlink = "f", OWNER(99, 99))),
		   &o),
	       0, "squash_owner layer unpacks");
	lstat_in(&w, "f", &st);
	ok(st.st_uid == getuid() && st.st_gid == getgid(), "squash: file owned by the caller");
	is_int(st.st_mode & 07777, 04755, "squash: setuid kept");
	lstat_in(&w, "d", &st);
	ok(st.st_uid == getuid(), "squash: dir owned by the caller");
	lstat_in(&w, "l", &st);
	ok(st.st_uid == getuid(), "squash: symlink owned by the caller");
	is_int((long long)w.res.unmapped_owners, 0, "squash: nothing counted");
	ws_free(&w);

	/* Without squashing, outside a user namespace: root applies any owner; anyone else
	 * falls back to the caller and counts it. */
	ws_new(&w);
	is_int(run(&w,
		   TAR(F_NONE, E(.name = "f", .data = "x", OWNER(1234, 1234), .perm = 06755),
		       E(.name = "huge", .data = "x", OWNER(4294967295LL, 0))),
		   NULL),
	       0, "owner layer unpacks");
	lstat_in(&w, "f", &st);
	if (geteuid() == 0) {
		ok(st.st_uid == 1234 && st.st_gid == 1234, "root: tar owner applied");
		is_int(st.st_mode & 07777, 06755, "setuid and setgid applied after chown");
		is_int((long long)w.res.unmapped_owners, 1, "only uid 2^32-1 counted");
	} else {
		ok(st.st_uid == getuid(), "unprivileged: falls back to the caller");
		is_int(st.st_mode & 04000, 04000, "setuid applied");
		is_int((long long)w.res.unmapped_owners, 2, "both counted");
	}
	ws_free(&w);
}

/* In a user namespace mapping only the caller (as 0), owner 0 works and owner 1000 is
 * not mapped: EINVAL, so the entry falls back to 0 and is counted. */
static void test_userns(void)
{
	struct ws w;
	int p[2];
	struct {
		int rc, setup;
		uint64_t unmapped;
		uid_t u0, u1;
	} out = {0};
	uid_t uid = getuid();
	gid_t gid = getgid();

	ws_new(&w);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		out.setup = enter_userns(0, uid, gid);
		if (out.setup == 0) {
			struct unpack_opts o = {.uid = 0, .gid = 0};
			struct buf b =
			    TAR(F_NONE, E(.name = "root-owned", .data = "0", OWNER(0, 0)),
				E(.name = "user-owned", .data = "1", OWNER(1000, 1000)));
			struct urun_error err = {0};
			struct unpack_result res;
			struct stat st;
			out.rc = unpack_layer_mem(b.p, b.len, w.rfd, &o, &res, &err);
			out.unmapped = res.unmapped_owners;
			lstat_in(&w, "root-owned", &st);
			out.u0 = st.st_uid;
			lstat_in(&w, "user-owned", &st);
			out.u1 = st.st_uid;
		}
		_exit(write(p[1], &out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &out, sizeof(out));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (n != sizeof(out) || out.setup != 0) {
		skip("cannot create a user namespace here");
		ws_free(&w);
		return;
	}
	is_int(out.rc, 0, "userns: layer unpacks");
	ok(out.u0 == 0 && out.u1 == 0, "userns: both owned by 0 inside");
	is_int((long long)out.unmapped, 1, "userns: the unmapped owner 1000 is counted");
	struct stat st;
	lstat_in(&w, "user-owned", &st);
	ok(st.st_uid == uid, "userns: on the host, owned by the caller");
	ws_free(&w);
}

/* A full disk: a 256 KiB tmpfs, mounted in a private user+mount namespace. */
static void test_enospc(void)
{
	struct ws w;
	int p[2];
	struct {
		int setup, rc, code, hint;
	} out = {.setup = -1};
	uid_t uid = getuid();
	gid_t gid = getgid();

	ws_new(&w);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		if (enter_userns(CLONE_NEWNS, uid, gid) == 0 &&
		    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("tmpfs", w.root, "tmpfs", 0, "size=256k") == 0) {
			struct unpack_opts o = {.squash_owner = true};
			struct urun_error err = {0};
			struct unpack_result res;
			int rfd = open(w.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
			struct buf b = TAR(F_GZIP, E(.name = "big", .zeros = 4 << 20));
			out.setup = 0;
			out.rc = unpack_layer_mem(b.p, b.len, rfd, &o, &res, &err);
			out.code = err.code;
			out.hint = err.hint != NULL;
			if (err.msg)
				printf("# child: %s\n", err.msg);
			fflush(stdout);
		}
		_exit(write(p[1], &out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &out, sizeof(out));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (n != sizeof(out) || out.setup != 0) {
		skip("cannot mount a small tmpfs in a user namespace here");
		ws_free(&w);
		return;
	}
	ok(out.rc == -ENOSPC && out.code == ENOSPC, "full disk: ENOSPC reported");
	ok(out.hint, "full disk: with a hint");
	ok(only_root(&w, NULL), "full disk: nothing beside the root");
	ws_free(&w);
}

/* Kernels before 5.8 refuse 0:0 devices, some filesystems refuse user xattrs: a seccomp
 * filter plays that kernel, so the `.wh.` file fallbacks can be checked here. */
static void test_whiteout_fallback(void)
{
#if defined(__x86_64__)
	struct sock_filter filter[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsetxattr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTSUP),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mknodat, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, S_IFMT),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFCHR, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(filter), .filter = filter};
	struct ws w;
	int p[2];
	struct {
		int setup, rc;
		uint64_t files;
	} out = {.setup = -1};
	struct stat st;

	ws_new(&w);
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0) {
			struct unpack_opts o = opts_default();
			struct urun_error err = {0};
			struct unpack_result res;
			struct buf b = TAR(
			    F_NONE, E(.name = ".wh.gone"), E(.name = "d/.wh..wh..opq"),
			    E(.name = "d/f", .data = "f"), E(.name = ".wh.back"),
			    E(.name = "back", .data = "b"), E(.name = "fifo", .type = AE_IFIFO));
			out.setup = 0;
			out.rc = unpack_layer_mem(b.p, b.len, w.rfd, &o, &res, &err);
			out.files = res.whiteout_files;
		}
		_exit(write(p[1], &out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &out, sizeof(out));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (n != sizeof(out) || out.setup != 0) {
		skip("cannot install a seccomp filter here");
		ws_free(&w);
		return;
	}
	is_int(out.rc, 0, "fallback: layer unpacks without 0:0 devices and user xattrs");
	ok(lstat_in(&w, ".wh.gone", &st) == 0 && S_ISREG(st.st_mode) && !exists_in(&w, "gone"),
	   "fallback: whiteout kept as a .wh.gone file");
	ok(exists_in(&w, "d/.wh..wh..opq") && exists_in(&w, "d/f"),
	   "fallback: opaque kept as a .wh..wh..opq file");
	ok(exists_in(&w, "back") && !exists_in(&w, ".wh.back"),
	   "fallback: a later entry of the same layer drops its .wh. file");
	is_int((long long)out.files, 3, "fallback: counted in whiteout_files");
	ok(lstat_in(&w, "fifo", &st) == 0 && S_ISFIFO(st.st_mode), "fallback: fifos still made");
	ws_free(&w);
#else
	skip("seccomp test written for x86_64");
#endif
}

int main(void)
{
	int fds = count_fds();

	probe_xattrs();
	test_basic();
	test_compression();
	test_whiteouts();
	test_escapes();
	test_special();
	test_bad_streams();
	test_sparse();
	test_owners();
	test_userns();
	test_enospc();
	test_whiteout_fallback();
	is_int(count_fds(), fds, "no file descriptor leaked");
	return done_testing();
}
