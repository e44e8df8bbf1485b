/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mounts.c: plans the container's mounts in the parent and applies them in
 * the child. Every target is resolved inside the new root with openat2
 * RESOLVE_IN_ROOT, so a symlink in the image (say /data -> /etc of the host)
 * can never place a mount outside it (CVE-2021-30465 class). Mounts are
 * made through /proc/self/fd/N of the resolved fd, never a joined path. */
#include "run/mounts.h"
#include "run/net.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/syscalls.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* ---- planning (parent) ---- */

static const char *plan_str(struct mount_plan *plan, char *s)
{
	strv_push(&plan->strings, s);
	return s;
}

static struct mount_op *plan_add(struct mount_plan *plan, enum mount_op_kind kind, const char *target,
				 unsigned flags)
{
	plan->ops = xrealloc(plan->ops, (plan->n + 1) * sizeof(*plan->ops));
	struct mount_op *op = &plan->ops[plan->n++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->target = target;
	op->flags = flags;
	return op;
}

static void plan_fs(struct mount_plan *plan, const char *fstype, const char *target, unsigned long mflags,
		    const char *data, unsigned flags)
{
	struct mount_op *op = plan_add(plan, MOP_FS, target, flags | MOP_DIR | MOP_NOSYMLINK);
	op->source = fstype;
	op->fstype = fstype;
	op->mflags = mflags;
	op->data = data;
}

/* Masked and read-only paths, as podman sets them for a rootless container. */
static const char *const masked_paths[] = {
	"proc/acpi", "proc/asound", "proc/kcore", "proc/keys", "proc/latency_stats", "proc/sched_debug",
	"proc/scsi", "proc/timer_list", "proc/timer_stats", "proc/interrupts", "sys/firmware",
	"sys/devices/virtual/powercap", "sys/fs/selinux",
};
static const char *const readonly_paths[] = {
	"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const dev_links[][2] = {
	{"dev/fd", "/proc/self/fd"},     {"dev/stdin", "/proc/self/fd/0"}, {"dev/stdout", "/proc/self/fd/1"},
	{"dev/stderr", "/proc/self/fd/2"}, {"dev/ptmx", "pts/ptmx"},       {"dev/core", "/proc/kcore"},
};

/* The source is checked here, so a missing host path fails before any
 * namespace exists, but opened again by the child: a bind needs a source
 * mount of the child's own mount namespace, and an fd opened here belongs
 * to the host's (mount(2) then fails with EINVAL). */
static int plan_bind(struct mount_plan *plan, const char *host, const char *target, unsigned flags,
		     struct urun_error *err)
{
	struct stat st;
	if (stat(host, &st) < 0) {
		if (flags & MOP_OPTIONAL)
			return 0;
		int r = urun_error_set(err, errno, "bind source `%s`", host);
		if (errno == ENOENT)
			urun_error_hint(err, "create it first, or fix the path given to -v/--mount");
		return r;
	}
	if (S_ISDIR(st.st_mode))
		flags |= MOP_DIR;
	struct mount_op *op = plan_add(plan, MOP_BIND, target, flags);
	op->source = plan_str(plan, xstrdup(host));
	return 0;
}

static void plan_file(struct mount_plan *plan, const char *target, char *content)
{
	struct mount_op *op = plan_add(plan, MOP_FILE, target, MOP_OPTIONAL);
	op->content = plan_str(plan, content);
}

static bool gid_mapped(const struct container_spec *spec, uint32_t gid)
{
	for (size_t i = 0; i < spec->n_gidmap; i++)
		if (gid >= spec->gidmap[i].inside && gid - spec->gidmap[i].inside < spec->gidmap[i].count)
			return true;
	return false;
}

int mounts_plan(const struct container_spec *spec, struct mount_plan *plan, struct urun_error *err)
{
	int r;
	memset(plan, 0, sizeof(*plan));
	if (spec->rootfs_lower) {
		/* Without an upper dir the writable layer is a tmpfs on the scratch
		 * dir, private to this mount namespace. */
		bool ephemeral = !spec->rootfs_upper;
		plan->merged = ephemeral ? xasprintf("%s/merged", spec->rootfs_scratch) : xstrdup(spec->rootfs_merged);
		/* fuse-overlayfs: the monitor mounted it (and the tmpfs) already. */
		if (!spec->rootfs_fuse) {
			plan->scratch = ephemeral ? spec->rootfs_scratch : NULL;
			/* userxattr: unprivileged overlay reads whiteouts and opaque
			 * marks from user.overlay.* (and disables redirect_dir and
			 * metacopy, whose xattrs a user could forge). */
			if (ephemeral)
				plan->overlay_data = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work,userxattr",
							       spec->rootfs_lower, spec->rootfs_scratch,
							       spec->rootfs_scratch);
			else
				plan->overlay_data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,userxattr",
							       spec->rootfs_lower, spec->rootfs_upper, spec->rootfs_work);
			if (strlen(plan->overlay_data) > 4000)
				return urun_error_set(err, 0, "the image has too many layers for one overlay mount");
		}
	}

	/* proc is mountable only with a pid namespace owned by our userns; with
	 * --pid=host the host's /proc is bound instead (podman does the same). */
	if (spec->ns_flags & CLONE_NEWPID)
		plan_fs(plan, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
	else if ((r = plan_bind(plan, "/proc", "proc", 0, err)) < 0)
		return r;
	if ((spec->ns_flags & CLONE_NEWNET) || spec->net == NET_CONTAINER) {
		/* sysfs is mountable only by the owner of the network namespace
		 * (with container:NAME we are inside the user namespace that owns
		 * the joined one). */
		plan_fs(plan, "sysfs", "sys", MS_NOSUID | MS_NODEV | MS_NOEXEC | (spec->privileged ? 0 : MS_RDONLY),
			NULL, 0);
	} else if ((r = plan_bind(plan, "/sys", "sys", MOP_RDONLY, err)) < 0) {
		return r;
	}
	if (spec->ns_flags & CLONE_NEWCGROUP)
		plan_fs(plan, "cgroup2", "sys/fs/cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL,
			MOP_OPTIONAL);
	plan_fs(plan, "tmpfs", "dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 0);
	/* mknod is denied in a user namespace: bind the host's nodes instead. */
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char *host = xasprintf("/dev/%s", dev_nodes[i]);
		r = plan_bind(plan, host, plan_str(plan, xasprintf("dev/%s", dev_nodes[i])), MOP_OPTIONAL, err);
		free(host);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
		struct mount_op *op = plan_add(plan, MOP_SYMLINK, dev_links[i][0], MOP_OPTIONAL);
		op->source = dev_links[i][1];
	}
	/* gid=5 (tty) only when gid 5 exists inside, otherwise devpts refuses. */
	plan_fs(plan, "devpts", "dev/pts", MS_NOSUID | MS_NOEXEC,
		gid_mapped(spec, 5) ? "newinstance,ptmxmode=0666,mode=0620,gid=5" : "newinstance,ptmxmode=0666,mode=0620",
		0);
	plan_fs(plan, "tmpfs", "dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 0);
	if (spec->ns_flags & CLONE_NEWIPC)
		plan_fs(plan, "mqueue", "dev/mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, MOP_OPTIONAL);

	plan_file(plan, "etc/hostname", xasprintf("%s\n", spec->hostname ? spec->hostname : "localhost"));
	plan_file(plan, "etc/hosts", net_hosts(spec));
	plan_file(plan, "etc/resolv.conf", net_resolv_conf(spec));

	if (spec->init && (r = plan_bind(plan, spec->init_path, "dev/init", MOP_RDONLY, err)) < 0)
		return urun_error_wrap(err, "--init");

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct user_mount *m = &spec->mounts[i];
		/* Targets are kept relative to the root, as every other op's. */
		const char *target = plan_str(plan, xstrdup(m->target + strspn(m->target, "/")));
		if (m->type == USER_MOUNT_TMPFS) {
			plan_fs(plan, "tmpfs", target,
				MS_NOSUID | MS_NODEV | (m->readonly ? MS_RDONLY : 0),
				m->data ? plan_str(plan, xstrdup(m->data)) : "mode=1777", 0);
			continue;
		}
		r = plan_bind(plan, m->source, target, (m->readonly ? MOP_RDONLY : 0) | (m->nonrecursive ? MOP_NONREC : 0),
			      err);
		if (r < 0)
			return r;
	}

	if (!spec->privileged) {
		for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++)
			plan_add(plan, MOP_MASK, masked_paths[i], MOP_OPTIONAL);
		for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++)
			plan_add(plan, MOP_READONLY, readonly_paths[i], MOP_OPTIONAL);
	}
	if (spec->rootfs_readonly)
		plan_add(plan, MOP_ROOT_RO, "", 0);
	return 0;
}

const char *mounts_root(const struct mount_plan *plan, const struct container_spec *spec)
{
	return plan->merged ? plan->merged : spec->rootfs;
}

void mounts_plan_free(struct mount_plan *plan)
{
	free(plan->overlay_data);
	free(plan->merged);
	free(plan->ops);
	strv_free(plan->strings);
	memset(plan, 0, sizeof(*plan));
}

void mounts_plan_dump(const struct mount_plan *plan)
{
	static const char *const names[] = {"fs", "bind", "symlink", "file", "mask", "readonly", "root-ro"};
	for (size_t i = 0; i < plan->n; i++) {
		const struct mount_op *op = &plan->ops[i];
		log_debug("mount %zu: %s %s -> /%s%s%s", i, names[op->kind], op->source ? op->source : "-",
			  op->target, op->data ? " " : "", op->data ? op->data : "");
	}
}

/* ---- applying (child: no allocation, errors into a fixed buffer) ---- */

static int fail(char *msg, size_t len, int e, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t len, int e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	if (e && k >= 0 && (size_t)k < len)
		snprintf(msg + k, len - (size_t)k, ": %s", strerror(e));
	return -(e ? e : EINVAL);
}

/* Magic links are refused: /proc/self/fd/N inside the container must not
 * lead back to a host file. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	return sys_openat2(rootfd, path, flags | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* Resolve path inside root, creating missing components (directories, and a
 * file or directory at the end). Each creation is a single-component *at()
 * call on an fd that was itself resolved inside the root. */
static int mkpath_in_root(int rootfd, const char *path, bool dir)
{
	char buf[PATH_MAX];
	int fd = open_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	int parent = open_in_root(rootfd, ".", O_PATH | O_DIRECTORY);
	for (char *c = buf; parent >= 0;) {
		while (*c == '/')
			c++;
		char *end = strchr(c, '/');
		bool last = !end || end[strspn(end, "/")] == '\0';
		if (end)
			*end = '\0';
		if (*c == '\0')
			break;
		int r = (last && !dir) ? openat(parent, c, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)
				       : mkdirat(parent, c, 0755);
		if (r >= 0 && last && !dir)
			close(r);
		if (r < 0 && errno != EEXIST) {
			int e = errno;
			close(parent);
			errno = e;
			return -1;
		}
		/* Re-resolve the prefix from the root so a symlink or ".." stays inside. */
		int next = open_in_root(rootfd, buf, O_PATH | (last && !dir ? 0 : O_DIRECTORY));
		int e = errno;
		close(parent);
		errno = e;
		parent = next;
		if (last || parent < 0)
			break;
		*end = '/';
		c = end + 1;
	}
	return parent;
}

static void fdpath(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Read-only for the mount and everything below it; mount_setattr keeps the
 * flags the kernel locked from the host (nosuid, nodev, ...), which an
 * MS_REMOUNT would have to repeat or fail with EPERM. */
static int make_readonly(int fd, bool recursive)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	char p[64];
	fdpath(p, sizeof(p), fd);
	return mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}

static int apply_bind(int rootfd, const struct mount_op *op, char *msg, size_t len)
{
	char dst[64];
	int t = mkpath_in_root(rootfd, op->target, op->flags & MOP_DIR);
	if (t < 0) {
		if (op->flags & MOP_OPTIONAL)
			return 0;
		return fail(msg, len, errno, "creating mount point `/%s`", op->target);
	}
	/* The source is a host path the user named (never one from an image),
	 * looked up in this mount namespace before pivot_root. */
	fdpath(dst, sizeof(dst), t);
	int r = mount(op->source, dst, NULL, MS_BIND | ((op->flags & MOP_NONREC) ? 0 : MS_REC), NULL);
	int e = errno;
	close(t);
	if (r < 0)
		return (op->flags & MOP_OPTIONAL) ? 0 : fail(msg, len, e, "bind-mounting `%s` on `/%s`", op->source, op->target);
	if (op->flags & MOP_RDONLY) {
		/* The fd above is the covered directory; reopen to get the new mount. */
		t = open_in_root(rootfd, op->target, O_PATH);
		if (t < 0 || make_readonly(t, !(op->flags & MOP_NONREC)) < 0) {
			e = errno;
			if (t >= 0)
				close(t);
			return fail(msg, len, e, "making `/%s` read-only", op->target);
		}
		close(t);
	}
	return 0;
}

/* /proc, /sys and /dev must be what they claim: an image that makes /proc a
 * symlink would move the proc mount, and with it every mask that follows,
 * away from where the container looks (CVE-2019-16884, CVE-2019-19921). */
static int check_no_symlink(int rootfd, const struct mount_op *op, char *msg, size_t len)
{
	int fd = sys_openat2(rootfd, op->target, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ELOOP)
		return fail(msg, len, 0, "`/%s` in the root filesystem is or passes through a symlink: "
					 "refusing to mount %s there", op->target, op->fstype);
	return 0;
}

static int apply_fs(int rootfd, const struct mount_op *op, char *msg, size_t len)
{
	char dst[64];
	if ((op->flags & MOP_NOSYMLINK) && check_no_symlink(rootfd, op, msg, len) < 0)
		return -ELOOP;
	int t = mkpath_in_root(rootfd, op->target, true);
	if (t < 0)
		return (op->flags & MOP_OPTIONAL) ? 0 : fail(msg, len, errno, "creating mount point `/%s`", op->target);
	fdpath(dst, sizeof(dst), t);
	int r = mount(op->source, dst, op->fstype, op->mflags, op->data);
	int e = errno;
	close(t);
	if (r < 0 && !(op->flags & MOP_OPTIONAL))
		return fail(msg, len, e, "mounting %s on `/%s`", op->fstype, op->target);
	return 0;
}

/* Per-container files (hostname, hosts, resolv.conf) are written into a
 * scratch tmpfs under the container's private /dev, bound onto their
 * targets, and the scratch mount is then detached: the files live on in the
 * detached tmpfs (still linked, so a volume may be mounted over them), and
 * nothing is left on the host, even after SIGKILL. */
static int scratch_open(int rootfd)
{
	char p[64];
	int devfd = open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return -1;
	int r = mkdirat(devfd, ".urun", 0700);
	close(devfd);
	int d = r < 0 ? -1 : open_in_root(rootfd, "dev/.urun", O_PATH | O_DIRECTORY);
	if (d < 0)
		return -1;
	fdpath(p, sizeof(p), d);
	r = mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0700");
	close(d);
	/* Reopen: the fd must name the new mount, not the directory under it. */
	return r < 0 ? -1 : open_in_root(rootfd, "dev/.urun", O_PATH | O_DIRECTORY);
}

static void scratch_close(int rootfd, int scratch)
{
	char p[64];
	fdpath(p, sizeof(p), scratch);
	umount2(p, MNT_DETACH);
	close(scratch);
	int devfd = open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd >= 0) {
		unlinkat(devfd, ".urun", AT_REMOVEDIR);
		close(devfd);
	}
}

static int apply_file(int rootfd, int *scratch, const struct mount_op *op, unsigned idx, char *msg, size_t len)
{
	char name[32], src[64], dst[64];
	if (*scratch < 0 && (*scratch = scratch_open(rootfd)) < 0)
		return fail(msg, len, errno, "creating a scratch tmpfs in /dev");
	snprintf(name, sizeof(name), "f%u", idx);
	int f = openat(*scratch, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0)
		return fail(msg, len, errno, "writing `/%s`", op->target);
	size_t n = strlen(op->content);
	ssize_t w = write(f, op->content, n);
	int t = mkpath_in_root(rootfd, op->target, false);
	int r = -1;
	if (t >= 0 && w == (ssize_t)n) {
		fdpath(src, sizeof(src), f);
		fdpath(dst, sizeof(dst), t);
		r = mount(src, dst, NULL, MS_BIND, NULL);
	}
	int e = errno;
	if (t >= 0)
		close(t);
	close(f);
	if (r < 0 && !(op->flags & MOP_OPTIONAL))
		return fail(msg, len, e, "setting up `/%s`", op->target);
	return 0;
}

static int apply_symlink(int rootfd, const struct mount_op *op)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(op->target, '/');
	size_t plen = slash ? (size_t)(slash - op->target) : 0;
	memcpy(parent, op->target, plen);
	parent[plen] = '\0';
	int d = open_in_root(rootfd, plen ? parent : ".", O_PATH | O_DIRECTORY);
	if (d < 0)
		return -1;
	int r = symlinkat(op->source, d, slash ? slash + 1 : op->target);
	close(d);
	return r;
}

/* After pivot_root the container's root is "/": resolve without following
 * any symlink, so an image cannot redirect a mask (CVE-2019-16884 class). */
static int apply_mask(int rootfd, const struct mount_op *op, char *msg, size_t len)
{
	char dst[64], src[64];
	int t = sys_openat2(rootfd, op->target, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (t < 0 && errno == ENOENT)
		return 0; /* absent: nothing to hide */
	if (t < 0)
		return fail(msg, len, errno, "masking `/%s`", op->target);
	struct stat st;
	int r = fstat(t, &st);
	fdpath(dst, sizeof(dst), t);
	if (r == 0 && S_ISDIR(st.st_mode)) {
		r = mount("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
	} else if (r == 0) {
		int null = sys_openat2(rootfd, "dev/null", O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
		fdpath(src, sizeof(src), null);
		r = null < 0 ? -1 : mount(src, dst, NULL, MS_BIND, NULL);
		if (null >= 0)
			close(null);
	}
	int e = errno;
	close(t);
	if (r < 0)
		return fail(msg, len, e, "masking `/%s`", op->target);
	return 0;
}

static int apply_readonly(int rootfd, const struct mount_op *op, char *msg, size_t len)
{
	char dst[64];
	int t = sys_openat2(rootfd, op->target, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (t < 0)
		return 0;
	fdpath(dst, sizeof(dst), t);
	int r = mount(dst, dst, NULL, MS_BIND | MS_REC, NULL);
	int e = errno;
	close(t);
	if (r == 0) {
		t = sys_openat2(rootfd, op->target, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
		r = t < 0 ? -1 : make_readonly(t, true);
		e = errno;
		if (t >= 0)
			close(t);
	}
	if (r < 0)
		return fail(msg, len, e, "making `/%s` read-only", op->target);
	return 0;
}

/* The writable layer: on disk for a container that is kept (so `start`
 * finds it again), else on a tmpfs in this mount namespace only, which
 * disappears with the container and needs no cleaning up. */
static int mount_layered_root(const struct mount_plan *plan, char *msg, size_t len)
{
	static const char *const dirs[] = {"upper", "work", "merged"};
	if (plan->scratch) {
		if (mount("tmpfs", plan->scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
			return fail(msg, len, errno, "mounting a tmpfs for the container's writable layer");
		int d = open(plan->scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
		for (size_t i = 0; d >= 0 && i < ARRAY_SIZE(dirs); i++)
			if (mkdirat(d, dirs[i], 0755) < 0) {
				close(d);
				return fail(msg, len, errno, "creating the overlay directories");
			}
		if (d >= 0)
			close(d);
	}
	if (mount("overlay", plan->merged, "overlay", 0, plan->overlay_data) < 0)
		return fail(msg, len, errno, "mounting the image's layers with overlay");
	return 0;
}

static bool is_post_pivot(const struct mount_op *op)
{
	return op->kind == MOP_MASK || op->kind == MOP_READONLY || op->kind == MOP_ROOT_RO;
}

int mounts_apply(const struct mount_plan *plan, const char *rootfs, char *msg, size_t len)
{
	int r = 0;

	/* Nothing we mount may propagate back to the host's mount namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(msg, len, errno, "making mounts private");
	if (plan->overlay_data && (r = mount_layered_root(plan, msg, len)) < 0)
		return r;
	/* pivot_root needs the new root to be a mount point. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail(msg, len, errno, "bind-mounting the root filesystem `%s`", rootfs);
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return fail(msg, len, errno, "opening the root filesystem `%s`", rootfs);

	int scratch = -1;
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		const struct mount_op *op = &plan->ops[i];
		switch (op->kind) {
		case MOP_FS:
			r = apply_fs(rootfd, op, msg, len);
			break;
		case MOP_BIND:
			r = apply_bind(rootfd, op, msg, len);
			break;
		case MOP_SYMLINK:
			apply_symlink(rootfd, op); /* an existing entry wins, as in runc */
			break;
		case MOP_FILE:
			r = apply_file(rootfd, &scratch, op, (unsigned)i, msg, len);
			break;
		default:
			break;
		}
		if (scratch >= 0 && op->kind != MOP_FILE) {
			scratch_close(rootfd, scratch);
			scratch = -1;
		}
	}
	if (scratch >= 0)
		scratch_close(rootfd, scratch);
	if (r < 0) {
		close(rootfd);
		return r;
	}

	/* pivot_root(".", ".") stacks the old root on top of the new one; the
	 * detach then drops every host mount from this namespace. Unlike chroot,
	 * nothing of the host stays reachable through "..". */
	if (fchdir(rootfd) < 0 || sys_pivot_root(".", ".") < 0) {
		int e = errno;
		close(rootfd);
		return fail(msg, len, e, "pivot_root into `%s`", rootfs);
	}
	close(rootfd);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return fail(msg, len, errno, "detaching the host root");

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return fail(msg, len, errno, "opening the new root");
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		const struct mount_op *op = &plan->ops[i];
		if (!is_post_pivot(op))
			continue;
		if (op->kind == MOP_MASK)
			r = apply_mask(rootfd, op, msg, len);
		else if (op->kind == MOP_READONLY)
			r = apply_readonly(rootfd, op, msg, len);
		else if (make_readonly(rootfd, false) < 0)
			r = fail(msg, len, errno, "making the root filesystem read-only");
	}
	close(rootfd);
	return r;
}
