/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-fs.c: who a store directory may belong to (fs_distrust, given any
 * owner and mode, which a test user cannot create) and the path walks. */
#include "util/cleanup.h"
#include "util/fs.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

static struct stat mk(mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st = {0};
	st.st_mode = mode;
	st.st_uid = uid;
	st.st_gid = gid;
	return st;
}

static const char *distrust(mode_t mode, uid_t uid, gid_t gid, bool root_ok, bool sticky_ok)
{
	struct fs_trust t = {.uid = 1000,
			     .root_ok = root_ok,
			     .sticky_ok = sticky_ok,
			     .upg = 1000,
			     .upg_known = true};
	struct stat st = mk(mode, uid, gid);
	return fs_distrust(&st, &t);
}

int main(void)
{
	is_str(distrust(S_IFDIR | 0700, 1000, 1000, false, false), NULL,
	       "own private dir: trusted");
	is_str(distrust(S_IFDIR | 0755, 1000, 1000, false, false), NULL,
	       "own readable dir: trusted");
	is_str(distrust(S_IFDIR | 0700, 1001, 1001, false, false), "owned by another user",
	       "another user's dir (a /var/tmp/urun-UID made first): refused");
	is_str(distrust(S_IFDIR | 0777, 1001, 1001, true, true), "owned by another user",
	       "another user's dir, even with root allowed: refused");
	is_str(distrust(S_IFDIR | 0755, 0, 0, false, false), "owned by another user",
	       "root's dir as one's own store: refused");
	is_str(distrust(S_IFDIR | 0755, 0, 0, true, false), NULL,
	       "root's dir where root may own it: trusted");
	is_str(distrust(S_IFDIR | 0777, 1000, 1000, false, false), "writable by other users",
	       "own dir 0777: refused");
	is_str(distrust(S_IFDIR | 0757, 1000, 1000, false, false), "writable by other users",
	       "own dir o+w: refused");
	is_str(distrust(S_IFDIR | 0775, 1000, 1000, false, false), NULL,
	       "g+w by the user's private group: trusted");
	is_str(distrust(S_IFDIR | 0775, 1000, 50, false, false), "writable by other users",
	       "g+w by a shared group: refused");
	is_str(distrust(S_IFDIR | 01777, 0, 0, true, true), NULL,
	       "sticky /tmp on the way: trusted");
	is_str(distrust(S_IFDIR | 01777, 0, 0, true, false), "writable by other users",
	       "sticky as the store itself: refused");
	is_str(distrust(S_IFDIR | 01777, 1001, 1001, true, true), "owned by another user",
	       "a sticky dir another user owns: refused (they could swap what is in it)");
	is_str(distrust(S_IFLNK | 0777, 1001, 1001, true, true), "a symlink", "a symlink: refused");
	is_str(distrust(S_IFREG | 0644, 0, 0, true, false), NULL, "root's images.json: trusted");
	is_str(distrust(S_IFREG | 0666, 0, 0, true, false), "writable by other users",
	       "images.json 0666: refused");

	struct fs_trust t = {.uid = geteuid(), .root_ok = true, .sticky_ok = true};
	_cleanup_free_ char *why = NULL;
	int fd = fs_open_trusted("/", &t, &why);
	ok(fd >= 0, "/ is trusted: %s", why ? why : "");
	if (fd >= 0)
		close(fd);

	char tmpl[] = "/tmp/urun-test-fs-XXXXXX";
	ok(mkdtemp(tmpl) != NULL, "a temp dir");
	_cleanup_free_ char *open_dir = xasprintf("%s/open", tmpl),
			    *store = xasprintf("%s/open/store", tmpl),
			    *link = xasprintf("%s/link", tmpl);
	mkdir(open_dir, 0700);
	mkdir(store, 0700);
	chmod(open_dir, 0777);
	fd = fs_open_trusted(store, &t, &why);
	ok(fd < 0 && why && strstr(why, "/open` is writable by other users (owner uid"),
	   "a store below a dir others can write: refused, naming that dir: %s", why ? why : "");
	free(why);
	why = NULL;
	chmod(open_dir, 01777);
	fd = fs_open_trusted(store, &t, &why);
	ok(fd >= 0, "the same below a sticky dir: trusted: %s", why ? why : "");
	if (fd >= 0)
		close(fd);
	free(why);
	why = NULL;
	chmod(open_dir, 0755);
	ok(symlink(store, link) == 0, "a symlink to it");
	fd = fs_open_trusted(link, &t, &why);
	ok(fd >= 0, "a symlink is resolved and the target checked: %s", why ? why : "");
	if (fd >= 0)
		close(fd);

	struct urun_error err = {0};
	fd = fs_open_own_dir(store, "the image store", "HINT", &err);
	ok(fd >= 0, "own 0700 dir opens as the store");
	if (fd >= 0)
		close(fd);
	chmod(store, 0707);
	fd = fs_open_own_dir(link, "the image store", "HINT", &err);
	ok(fd < 0 && err.msg && strstr(err.msg, "link` is writable by other users (owner uid") &&
	       strstr(err.msg, "mode 0707)") && err.hint && strcmp(err.hint, "HINT") == 0,
	   "own dir others can write, through a symlink: refused with mode and hint: %s",
	   err.msg ? err.msg : "");
	if (geteuid() != 0) {
		fd = fs_open_own_dir("/", "the image store", "HINT", &err);
		ok(fd < 0 && err.msg &&
		       strstr(err.msg, "`/` is owned by another user (owner uid 0"),
		   "root's / as one's store: refused: %s", err.msg ? err.msg : "");
	} else {
		ok(1, "# SKIP running as root");
	}
	urun_error_clear(&err);

	/* fs_read_at_bounded: the one bounded whole-file read (store.c's copy truncated on a
	 * read error and took a directory as a short file). */
	int dfd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 99;
	int wfd = openat(dfd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ok(wfd >= 0 && write(wfd, "12345678", 8) == 8, "a file of 8 bytes");
	if (wfd >= 0)
		close(wfd);
	ok(fs_read_at_bounded(dfd, "f", O_NOFOLLOW, 8, &buf, &len, &err) == 0 && len == 8 &&
	       strcmp(buf, "12345678") == 0,
	   "read whole at a bound of exactly its size");
	free(buf);
	is_int(fs_read_at_bounded(dfd, "f", O_NOFOLLOW, 7, &buf, &len, &err), -EFBIG,
	       "one byte over the bound: EFBIG");
	ok(buf == NULL && len == 0, "  and nothing returned");
	ok(symlinkat("f", dfd, "l") == 0, "a symlink to it");
	is_int(fs_read_at_bounded(dfd, "l", O_NOFOLLOW, 8, &buf, &len, NULL), -ELOOP,
	       "O_NOFOLLOW refuses a symlink");
	ok(fs_read_at_bounded(dfd, "l", 0, 8, &buf, &len, NULL) == 0 && len == 8,
	   "  which is followed without it");
	free(buf);
	is_int(fs_read_at_bounded(dfd, ".", 0, 8, &buf, &len, &err), -EINVAL,
	       "a directory is not read as a file");
	ok(fs_read_at_bounded(AT_FDCWD, "/proc/self/status", 0, 1 << 20, &buf, &len, NULL) == 0 &&
	       len > 0 && strlen(buf) == len,
	   "a procfs file (size 0 in fstat) read whole: %zu bytes", len);
	free(buf);
	urun_error_clear(&err);
	unlinkat(dfd, "l", 0);
	unlinkat(dfd, "f", 0);
	close(dfd);
	unlink(link);
	rmdir(store);
	rmdir(open_dir);
	rmdir(tmpl);
	return done_testing();
}
