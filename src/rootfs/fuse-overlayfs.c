/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuse-overlayfs.c: the fuse-overlayfs driver. The daemon runs as the
 * monitor's child, joined to the container's user and mount namespaces
 * (so the mount exists only there and the container's ids are its own),
 * outside the container's pid namespace (so no container process can see
 * or ptrace it, and through it reach the host's root), in the foreground
 * with PDEATHSIG, so it cannot outlive the monitor. */
#include "rootfs/rootfs.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/syscalls.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

int rootfs_fuse_usable(const char *binary, struct urun_error *err)
{
	if (access(binary, X_OK) < 0) {
		int r = urun_error_set(err, errno, "fuse-overlayfs is not usable: `%s`", binary);
		urun_error_hint(err, "install it (apt-get install fuse-overlayfs), set "
				     "fuse_overlayfs in urun.conf, or "
				     "use --storage-driver overlay or vfs");
		return r;
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	int e = errno;
	struct stat st;
	if (e == ENOENT) {
		int r = urun_error_set(err, e, "`/dev/fuse` is missing");
		urun_error_hint(err, "an admin can load the fuse module (modprobe fuse); or use "
				     "--storage-driver overlay "
				     "or vfs");
		return r;
	}
	if (stat("/dev/fuse", &st) == 0 && (e == EACCES || e == EPERM)) {
		int r = urun_error_set(
		    err, 0, "`/dev/fuse` is not accessible to you (mode %04o, owner uid %u)",
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		err->code = e;
		urun_error_hint(err, "an admin can run `chmod 0666 /dev/fuse` (desktop "
				     "distributions ship it so); or use "
				     "--storage-driver overlay or vfs");
		return r;
	}
	int r = urun_error_set(err, e, "`/dev/fuse` cannot be opened");
	urun_error_hint(err, "use --storage-driver overlay or vfs");
	return r;
}

/* The daemon's side: never returns. */
__attribute__((noreturn)) static void run_daemon(const struct container_spec *spec, int pidfd,
						 int errfd, const char *merged, const char *opts)
{
	/* If the monitor dies, so does the mount's daemon; PDEATHSIG survives
	 * exec of a binary that is not setuid. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	dup2(errfd, STDERR_FILENO);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		dprintf(STDERR_FILENO, "joining the container's namespaces: %s\n", strerror(errno));
		_exit(125);
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		dprintf(STDERR_FILENO, "becoming root in the user namespace: %s\n",
			strerror(errno));
		_exit(125);
	}
	if (!spec->rootfs_upper) {
		/* A container removed at exit: its writable layer is a tmpfs in
		 * its own mount namespace, like kernel overlay's. */
		if (mount("tmpfs", spec->rootfs_scratch, "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=0755") < 0) {
			dprintf(STDERR_FILENO, "mounting a tmpfs on `%s`: %s\n",
				spec->rootfs_scratch, strerror(errno));
			_exit(125);
		}
		static const char *const dirs[] = {"upper", "work", "merged"};
		int d = open(spec->rootfs_scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
		for (size_t i = 0; d >= 0 && i < ARRAY_SIZE(dirs); i++)
			mkdirat(d, dirs[i], 0755);
	}
	char *argv[] = {(char *)"fuse-overlayfs", (char *)"-f", (char *)"-o", (char *)opts,
			(char *)merged,		  NULL};
	signals_reset_for_exec();
	execv(spec->fuse_overlayfs, argv);
	dprintf(STDERR_FILENO, "cannot execute `%s`: %s\n", spec->fuse_overlayfs, strerror(errno));
	_exit(127);
}

static void read_tail(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		buf[--got] = '\0';
	char *nl = strrchr(buf, '\n');
	if (nl)
		memmove(buf, nl + 1, strlen(nl + 1) + 1);
}

int rootfs_fuse_start(const struct container_spec *spec, pid_t child, struct rootfs_fuse *f,
		      struct urun_error *err)
{
	f->pid = -1;
	f->errfd = -1;
	_cleanup_free_ char *merged = spec->rootfs_upper
					  ? xstrdup(spec->rootfs_merged)
					  : xasprintf("%s/merged", spec->rootfs_scratch);
	_cleanup_free_ char *opts =
	    spec->rootfs_upper
		? xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", spec->rootfs_lower,
			    spec->rootfs_upper, spec->rootfs_work)
		: xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", spec->rootfs_lower,
			    spec->rootfs_scratch, spec->rootfs_scratch);
	_cleanup_close_ int pidfd = sys_pidfd_open(child, 0);
	if (pidfd < 0)
		return urun_error_set(err, errno, "opening the container process");
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating a pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return urun_error_set(err, errno, "starting fuse-overlayfs");
	}
	if (pid == 0)
		run_daemon(spec, pidfd, p[1], merged, opts);
	close(p[1]);
	f->pid = pid;
	f->errfd = p[0];

	/* Ready when the mount point, seen in the container's mount namespace,
	 * is a FUSE mount. For a process not allowed into it (we are outside
	 * the user namespace that mounted it) the kernel answers statfs with
	 * the FUSE magic without asking the daemon, or EACCES. */
	_cleanup_free_ char *probe = xasprintf("/proc/%d/root%s", (int)child, merged);
	struct timespec t0, now, nap = {.tv_nsec = 200000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct statfs sfs;
		int r = statfs(probe, &sfs);
		if ((r == 0 && sfs.f_type == FUSE_SUPER_MAGIC) || (r < 0 && errno == EACCES)) {
			log_debug("fuse-overlayfs mounted `%s` (statfs: %s)", merged,
				  r == 0 ? "fuse" : "EACCES");
			return 0;
		}
		int ws;
		if (waitpid(pid, &ws, WNOHANG) == pid) {
			char msg[512];
			f->pid = -1;
			read_tail(f->errfd, msg, sizeof(msg));
			r = urun_error_set(
			    err, 0, "fuse-overlayfs could not mount the container's root: %s",
			    *msg ? msg : "it exited without saying why");
			urun_error_hint(err, "`urun info` shows the storage setup; "
					     "--storage-driver overlay or vfs avoids "
					     "fuse-overlayfs");
			return r;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 10) {
			int r2 = urun_error_set(
			    err, ETIMEDOUT,
			    "waiting for fuse-overlayfs to mount the container's root");
			urun_error_hint(err, "a loaded machine or a slow store; --storage-driver "
					     "overlay or vfs avoids it");
			return r2;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 5000000)
			nap.tv_nsec *= 2;
	}
}

void rootfs_fuse_stop(struct rootfs_fuse *f)
{
	if (f->pid > 0) {
		/* The container's processes are gone, so nothing is in flight,
		 * and fuse-overlayfs writes through to the upper dir without a
		 * cache: SIGKILL loses nothing. Its mount namespace, which only
		 * it still holds, goes with it, and the mount with that. (On
		 * SIGTERM it lingers until the next request, up to a second.) */
		kill(f->pid, SIGKILL);
		int ws;
		while (waitpid(f->pid, &ws, 0) < 0 && errno == EINTR)
			;
		f->pid = -1;
	}
	if (f->errfd >= 0) {
		char msg[512];
		read_tail(f->errfd, msg, sizeof(msg));
		if (*msg)
			log_debug("fuse-overlayfs said: %s", msg);
		close(f->errfd);
	}
	f->errfd = -1;
}
