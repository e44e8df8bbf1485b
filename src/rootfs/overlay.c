/* SPDX-License-Identifier: GPL-2.0-or-later */
/* overlay.c: the layered drivers' shared part: the lowerdir list for kernel
 * overlay and fuse-overlayfs, the container's writable dirs, and the probe
 * that tells whether kernel overlay can be mounted by this user here. */
#include "rootfs/rootfs-int.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

int rootfs_lowerdirs(struct store *s, const struct store_image *img, char **out,
		     struct urun_error *err)
{
	size_t n = strv_len(img->layers);
	if (n == 0)
		return urun_error_set(err, 0, "image `%s` has no layers", img->name);
	/* lowerdir lists the top layer first. */
	char *lower = xstrdup("");
	for (size_t i = n; i-- > 0;) {
		if (!store_has_layer(s, img->layers[i])) {
			free(lower);
			int r = urun_error_set(err, 0,
					       "layer `%.19s` of `%s` is missing from the store",
					       img->layers[i], img->name);
			urun_error_hint(err, "pull the image again: urun pull %s", img->name);
			return r;
		}
		char *p = store_layer_path(s, img->layers[i]);
		char *t = xasprintf("%s%s%s", lower, *lower ? ":" : "", p);
		free(p);
		free(lower);
		lower = t;
	}
	*out = lower;
	return 0;
}

int rootfs_layered_prepare(struct store *s, const struct store_image *img, const char *ctr_dir,
			   struct container_spec *spec, struct urun_error *err)
{
	int r = rootfs_lowerdirs(s, img, &spec->rootfs_lower, err);
	if (r < 0)
		return r;
	free(spec->rootfs_scratch);
	spec->rootfs_scratch = xasprintf("%s/mnt", s->root);
	if (!ctr_dir)
		return 0;
	static const char *const dirs[] = {"upper", "work", "merged"};
	_cleanup_close_ int d = open(ctr_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return urun_error_set(err, errno, "opening the container's directory `%s`",
				      ctr_dir);
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(d, dirs[i], 0755) < 0 && errno != EEXIST)
			return urun_error_set(err, errno, "creating `%s/%s`", ctr_dir, dirs[i]);
	spec->rootfs_upper = xasprintf("%s/upper", ctr_dir);
	spec->rootfs_work = xasprintf("%s/work", ctr_dir);
	spec->rootfs_merged = xasprintf("%s/merged", ctr_dir);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a child: a user namespace with a single-id map (no helper needed)
 * and a mount namespace, then kernel overlay with userxattr on dirs in the
 * store's own filesystem, where upper dirs will live. Exit status: errno. */
int rootfs_probe_overlay(struct store *s, char *why, size_t len)
{
	_cleanup_free_ char *base = xasprintf("%s/tmp/probe-XXXXXX", s->root);
	if (!mkdtemp(base)) {
		snprintf(why, len, "cannot create a test directory in `%s/tmp`: %s", s->root,
			 strerror(errno));
		return -errno;
	}
	static const char *const dirs[] = {"lower", "upper", "work", "merged"};
	int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; bfd >= 0 && i < ARRAY_SIZE(dirs); i++)
		mkdirat(bfd, dirs[i], 0755);
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid = fork();
	if (pid == 0) {
		char map[64];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(errno & 0xff);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/setgroups", "deny");
		if (write_file("/proc/self/uid_map", map) < 0)
			_exit(errno & 0xff);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			_exit(errno & 0xff);
		char *opts =
		    xasprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work,userxattr", base,
			      base, base);
		char *merged = xasprintf("%s/merged", base);
		_exit(mount("overlay", merged, "overlay", 0, opts) < 0 ? (errno & 0xff) : 0);
	}
	int st = 0;
	int r = 0;
	if (pid < 0)
		r = -errno;
	else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		r = WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
	}
	/* overlay leaves work/work (mode 0) behind: empty, ours to remove. */
	if (bfd >= 0) {
		_cleanup_close_ int w = openat(bfd, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (w >= 0)
			unlinkat(w, "work", AT_REMOVEDIR);
		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
			unlinkat(bfd, dirs[i], AT_REMOVEDIR);
		close(bfd);
	}
	rmdir(base);
	if (r < 0) {
		/* Upper dirs need a local filesystem with user xattrs: name a
		 * network or FUSE one, the usual cause on shared machines. */
		struct statfs sfs;
		const char *net = NULL;
		if (statfs(s->root, &sfs) == 0)
			switch ((unsigned long)sfs.f_type) {
			case 0x6969:
				net = "NFS";
				break;
			case 0xFF534D42:
				net = "CIFS";
				break;
			case 0x65735546:
				net = "a FUSE filesystem";
				break;
			case 0x47504653:
				net = "GPFS";
				break;
			case 0x0BD00BD0:
				net = "Lustre";
				break;
			default:
				break;
			}
		snprintf(why, len,
			 "kernel overlay cannot be mounted in a user namespace on `%s`%s%s: %s",
			 s->root, net ? ", which is on " : "", net ? net : "", strerror(-r));
	} else
		snprintf(why, len,
			 "a test mount of kernel overlay (userxattr) in a user namespace succeeded "
			 "on `%s`",
			 s->root);
	return r;
}
