/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-vfs.c: the vfs driver's copy step. Layers are built here as overlay-format directories
 * (0:0 whiteouts, user.overlay.opaque), copied into an empty directory and the copy checked;
 * the same assertions run as the caller and again inside a single-id user namespace. */
#include "rootfs/vfs.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "tap.h"
#include "testns.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static char ws[PATH_MAX]; /* the workspace: layers l1 l2 l3, dest, outside */

static char *at(const char *rel)
{
	static char p[4][2 * PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", ws, rel);
	return p[i];
}

static void must(int ok_, const char *what, const char *rel)
{
	if (!ok_) {
		printf("Bail out! setting up: %s `%s`: %s\n", what, rel, strerror(errno));
		exit(1);
	}
}

static void put(const char *rel, const char *data)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	must(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data), "writing", rel);
	close(fd);
}

static void mkd(const char *rel)
{
	must(mkdir(at(rel), 0755) == 0, "creating", rel);
}

static void whiteout(const char *rel)
{
	must(mknod(at(rel), S_IFCHR, makedev(0, 0)) == 0, "creating the whiteout", rel);
}

static char *get(const char *rel)
{
	static char b[256];
	int fd = open(at(rel), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	b[n < 0 ? 0 : n] = '\0';
	return b;
}

static bool has_type(const char *rel, mode_t type)
{
	struct stat st;
	return lstat(at(rel), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static bool exists(const char *rel)
{
	struct stat st;
	return lstat(at(rel), &st) == 0;
}

static void ws_new(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(ws, sizeof(ws), "%s/test-vfs-XXXXXX", tmp);
	must(mkdtemp(ws) != NULL, "creating", ws);
	const char *dirs[] = {"l1", "l2", "l3", "dest", "outside"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		mkd(dirs[i]);
}

static void ws_free(void)
{
	struct urun_error err = {0};
	if (unpack_remove_tree(AT_FDCWD, ws, &err) < 0)
		printf("# cleanup: %s\n", err.msg);
	urun_error_clear(&err);
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

/* Copy ws/<names...> into ws/dest; prints the error on failure. */
static int copy(struct urun_error *err, char *const *names)
{
	_cleanup_strv_ char **layers = NULL;
	for (size_t i = 0; names[i]; i++)
		strv_push(&layers, xstrdup(at(names[i])));
	int dfd = open(at("dest"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = vfs_copy_layers(dfd, layers, err);
	close(dfd);
	if (r < 0)
		printf("# vfs_copy_layers: %s\n", err->msg);
	return r;
}

static void build_layers(bool *xattrs, bool *owners)
{
	/* l1, the bottom layer */
	put("l1/lower-only", "l1");
	put("l1/f", "lower");
	put("l1/gone", "x");
	put("l1/gone2", "x");
	mkd("l1/gonedir");
	mkd("l1/gonedir/sub");
	put("l1/gonedir/sub/a", "a");
	mkd("l1/o");
	put("l1/o/lower", "lower");
	mkd("l1/o2");
	put("l1/o2/lower", "lower");
	mkd("l1/m");
	put("l1/m/a", "a");
	mkd("l1/ro");
	put("l1/ro/a", "a");
	chmod(at("l1/ro"), 0555);
	mkd("l1/d2f");
	put("l1/d2f/x", "x");
	put("l1/f2d", "file");
	put("l1/fallback-gone", "x");
	put("l1/setuid", "#!/bin/sh\n");
	must(chmod(at("l1/setuid"), 04755) == 0, "chmod", "l1/setuid");
	put("l1/times", "t");
	struct timespec ts[2] = {{1400000000, 5}, {1500000000, 123456789}};
	must(utimensat(AT_FDCWD, at("l1/times"), ts, 0) == 0, "utimensat", "l1/times");
	mkd("l1/dtime");
	put("l1/dtime/inner", "i");
	must(utimensat(AT_FDCWD, at("l1/dtime"), ts, 0) == 0, "utimensat", "l1/dtime");
	must(symlink(at("outside"), at("l1/escape")) == 0, "symlink", "l1/escape");
	must(symlink("/etc", at("l1/etc-link")) == 0, "symlink", "l1/etc-link");
	must(symlink("/etc/passwd", at("l1/passwd-link")) == 0, "symlink", "l1/passwd-link");
	must(mkfifo(at("l1/fifo"), 0640) == 0, "mkfifo", "l1/fifo");
	put("l1/owned", "o");
	*owners = chown(at("l1/owned"), 1234, 1234) == 0;
	put("l1/xattr", "x");
	*xattrs = setxattr(at("l1/xattr"), "user.test", "kept", 4, 0) == 0;

	/* l2: whiteouts, opaque directories, replacements, hard links */
	put("l2/f", "upper");
	whiteout("l2/gone");
	whiteout("l2/gone2");
	whiteout("l2/gonedir");
	whiteout("l2/nothing-here");
	mkd("l2/o");
	put("l2/o/upper", "upper");
	if (*xattrs)
		must(setxattr(at("l2/o"), "user.overlay.opaque", "y", 1, 0) == 0, "opaque", "l2/o");
	/* The marker unpack leaves where user xattrs are refused, and its `.wh.` whiteout. */
	mkd("l2/o2");
	put("l2/o2/own", "own");
	put("l2/o2/.wh..wh..opq", "");
	put("l2/.wh.fallback-gone", "");
	mkd("l2/m");
	put("l2/m/b", "b");
	mkd("l2/ro");
	put("l2/ro/b", "b");
	chmod(at("l2/ro"), 0555);
	put("l2/d2f", "now a file");
	mkd("l2/f2d");
	put("l2/f2d/inner", "inner");
	mkd("l2/escape");
	put("l2/escape/planted", "p");
	put("l2/hl1", "linked");
	mkd("l2/sub");
	must(link(at("l2/hl1"), at("l2/sub/hl2")) == 0, "link", "l2/sub/hl2");

	/* l3, the top layer: a name a lower layer whited out comes back */
	put("l3/gone", "back again");
}

static void test_copy(const char *mode)
{
	struct urun_error err = {0};
	struct stat st, st2;
	bool xattrs, owners;
	char t[64];

	printf("# %s\n", mode);
	ws_new();
	build_layers(&xattrs, &owners);
	int r = copy(&err, (char *const[]){"l1", "l2", "l3", NULL});
	is_int(r, 0, "copy succeeds");
	is_str(get("dest/lower-only"), "l1", "a lower layer's file is visible");
	is_str(get("dest/f"), "upper", "an upper file overrides the lower one");
	ok(!exists("dest/gone2"), "a whiteout removes a lower file");
	is_str(get("dest/gone"), "back again", "a name whited out comes back from a higher layer");
	ok(!exists("dest/gonedir"), "a whiteout removes a lower directory and its contents");
	ok(!exists("dest/nothing-here"), "a whiteout with nothing below leaves nothing");
	if (xattrs) {
		ok(exists("dest/o/upper") && !exists("dest/o/lower"),
		   "an opaque directory hides the lower contents, keeps its own");
		ok(lgetxattr(at("dest/o"), "user.overlay.opaque", t, sizeof(t)) < 0 &&
		       errno == ENODATA,
		   "user.overlay.opaque is not copied");
		ok(lgetxattr(at("dest/xattr"), "user.test", t, sizeof(t)) == 4 &&
		       memcmp(t, "kept", 4) == 0,
		   "other user xattrs are kept");
	} else {
		for (int i = 0; i < 3; i++)
			skip("the workspace's filesystem takes no user xattrs");
	}
	ok(exists("dest/o2/own") && !exists("dest/o2/lower") && !exists("dest/o2/.wh..wh..opq"),
	   "unpack's fallback opaque marker is applied, not copied");
	ok(!exists("dest/fallback-gone") && !exists("dest/.wh.fallback-gone"),
	   "unpack's fallback .wh. whiteout is applied, not copied");
	ok(exists("dest/m/a") && exists("dest/m/b"), "directories merge");
	ok(exists("dest/ro/a") && exists("dest/ro/b") && lstat(at("dest/ro"), &st) == 0 &&
	       (st.st_mode & 07777) == 0555,
	   "a read-only lower directory merges and keeps its mode");
	is_str(get("dest/d2f"), "now a file", "a file replaces a lower directory");
	ok(has_type("dest/f2d", S_IFDIR) && exists("dest/f2d/inner"),
	   "a directory replaces a lower file");
	ok(lstat(at("dest/hl1"), &st) == 0 && lstat(at("dest/sub/hl2"), &st2) == 0 &&
	       st.st_ino == st2.st_ino && st.st_nlink == 2,
	   "a hard link pair stays linked");
	ssize_t n = readlink(at("dest/etc-link"), t, sizeof(t) - 1);
	t[n < 0 ? 0 : n] = '\0';
	ok(has_type("dest/etc-link", S_IFLNK) && strcmp(t, "/etc") == 0,
	   "a symlink to /etc is copied as a symlink");
	ok(has_type("dest/passwd-link", S_IFLNK), "a symlink to /etc/passwd is not followed");
	ok(lstat(at("dest/setuid"), &st) == 0 && (st.st_mode & 07777) == 04755,
	   "the setuid bit is kept");
	ok(lstat(at("dest/times"), &st) == 0 && st.st_mtim.tv_sec == 1500000000 &&
	       st.st_mtim.tv_nsec == 123456789 && st.st_atim.tv_sec == 1400000000,
	   "mtime and atime are kept");
	ok(lstat(at("dest/dtime"), &st) == 0 && st.st_mtim.tv_sec == 1500000000,
	   "a directory's mtime is kept despite its contents being made");
	ok(has_type("dest/escape", S_IFDIR) && exists("dest/escape/planted") &&
	       !exists("outside/planted"),
	   "a lower symlink to outside is replaced by the upper directory, not followed");
	ok(has_type("dest/fifo", S_IFIFO), "a fifo is copied");
	if (owners)
		ok(lstat(at("dest/owned"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 1234,
		   "the owner is kept");
	else
		skip("cannot give a file another owner here");
	urun_error_clear(&err);

	/* An opaque layer root hides everything below. */
	ws_free();
	ws_new();
	put("l1/a", "a");
	put("l2/b", "b");
	if (setxattr(at("l2"), "user.overlay.opaque", "y", 1, 0) == 0) {
		r = copy(&err, (char *const[]){"l1", "l2", NULL});
		ok(r == 0 && !exists("dest/a") && exists("dest/b"),
		   "an opaque layer root hides all lower layers");
	} else {
		skip("the workspace's filesystem takes no user xattrs");
	}

	/* A missing layer fails with its number. */
	r = copy(&err, (char *const[]){"l1", "missing", NULL});
	ok(r == -ENOENT && err.msg && strstr(err.msg, "layer 2"), "a missing layer is reported");
	urun_error_clear(&err);
	ws_free();
}

/* Can a 0:0 whiteout be made here? Linux 5.8 lets anyone; older kernels want CAP_MKNOD. */
static int can_whiteout(void)
{
	ws_new();
	int r = mknod(at("probe"), S_IFCHR, makedev(0, 0));
	int saved = errno;
	ws_free();
	errno = saved;
	return r == 0;
}

static void run_direct(void)
{
	if (!can_whiteout()) {
		printf("# mknod of a 0:0 whiteout: %s\n", strerror(errno));
		skip("as the caller: cannot create a 0:0 whiteout (needs Linux 5.8 or CAP_MKNOD)");
		return;
	}
	test_copy("as the caller");
}

/* The same in a child inside a user namespace; it reports its TAP counters back. */
static void run_userns(void)
{
	struct {
		int setup, n, failed;
	} out = {.setup = -1};
	uid_t uid = getuid();
	gid_t gid = getgid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (enter_userns(0, uid, gid) == 0 && can_whiteout()) {
			out.setup = 0;
			test_copy("in a single-id user namespace");
		}
		out.n = tap_n;
		out.failed = tap_failed;
		fflush(stdout);
		_exit(write(p[1], &out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], &out, sizeof(out));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (n != sizeof(out) || out.setup != 0) {
		skip("cannot create a 0:0 whiteout in a user namespace here");
		return;
	}
	tap_n = out.n;
	tap_failed = out.failed;
}

int main(void)
{
	int fds = count_fds();

	run_direct();
	run_userns();
	is_int(count_fds(), fds, "no file descriptor leaked");
	return done_testing();
}
