/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keeper.c: a user namespace kept between containers. Mapping a
 * subordinate range costs two setuid helper runs (newuidmap, newgidmap:
 * about 5 ms, half of a container start). A small process holds one user
 * namespace with the caller's maps; containers are cloned inside it
 * (each with its own mount, pid, uts, ipc, net and cgroup namespaces) and
 * the helpers run once. The keeper exits by itself once no process has
 * used its namespace for userns_keeper_idle seconds, so nothing lingers on
 * a machine where the user is gone (cron, batch jobs, su). */
#include "run/keeper.h"
#include "run/state.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

/* Another process in our user namespace? /proc/PID/ns/user of every
 * process we may look at (ours) against our own. */
static bool namespace_in_use(void)
{
	char self[64], link[64], path[300];
	ssize_t n = readlink("/proc/self/ns/user", self, sizeof(self) - 1);
	if (n <= 0)
		return true;
	self[n] = '\0';
	DIR *d = opendir("/proc");
	if (!d)
		return true;
	pid_t me = getpid();
	bool used = false;
	struct dirent *de;
	while (!used && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi(de->d_name) == me)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/user", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			used = strcmp(link, self) == 0;
		}
	}
	closedir(d);
	return used;
}

__attribute__((noreturn)) static void keeper_loop(int ready_w, int go_r, int lockfd, int idle)
{
	if (unshare(CLONE_NEWUSER) < 0)
		_exit(1);
	char c = 'u';
	if (write(ready_w, &c, 1) != 1 || read(go_r, &c, 1) != 1)
		_exit(1);
	close(ready_w);
	close(go_r);
	int period = idle >= 6 ? idle / 3 : 2, quiet = 0;
	for (;;) {
		struct timespec t = {.tv_sec = period};
		nanosleep(&t, NULL);
		quiet = namespace_in_use() ? 0 : quiet + period;
		if (quiet < idle)
			continue;
		/* A run holds the lock (shared) from finding us until its
		 * container exists in the namespace: only exit when none does. */
		if (flock(lockfd, LOCK_EX | LOCK_NB) == 0 && !namespace_in_use())
			_exit(0);
		flock(lockfd, LOCK_UN);
		quiet = 0;
	}
}

int keeper_main(int argc, char **argv)
{
	int idle = argc > 1 ? atoi(argv[1]) : 30;
	prctl(PR_SET_NAME, "urun-userns");
	/* fds 3, 4, 5: ready (write), go (read), the keeper's lock */
	keeper_loop(3, 4, 5, idle > 0 ? idle : 30);
}

static char *keeper_key(const struct container_spec *spec)
{
	_cleanup_free_ char *um = userns_format_map(spec->uidmap, spec->n_uidmap);
	_cleanup_free_ char *gm = userns_format_map(spec->gidmap, spec->n_gidmap);
	_cleanup_free_ char *both = xasprintf("%s|%s", um, gm);
	char hex[DIGEST_LEN + 1];
	digest_sha256(both, strlen(both), hex);
	/* "sha256:" + 16 hex digits is plenty to tell mappings apart */
	return xstrndup(hex + 7, 16);
}

static bool keeper_alive(int dirfd, const char *key, pid_t *pid, uint64_t *start)
{
	char buf[64];
	_cleanup_close_ int fd = openat(dirfd, key, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	long long p;
	unsigned long long s;
	if (sscanf(buf, "%lld %llu", &p, &s) != 2 || p <= 1)
		return false;
	*pid = (pid_t)p;
	*start = s;
	return proc_start_time(*pid) == *start;
}

int keeper_join(const struct container_spec *spec, const char *dir, int idle, struct keeper *k,
		struct urun_error *err)
{
	k->pid = 0;
	k->lockfd = -1;
	if (!dir || !spec->subid_ranges || spec->n_uidmap < 2)
		return 0; /* a single-id map is written directly, at no cost */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return 0; /* no keeper: every container maps its own namespace */
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	_cleanup_free_ char *key = keeper_key(spec);
	_cleanup_free_ char *lockname = xasprintf("%s.lock", key);
	k->lockfd = openat(dirfd, lockname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (k->lockfd < 0)
		return 0;
	/* Shared while we find or make it, and until our container lives in
	 * its namespace; exclusive only to make a new one. */
	flock(k->lockfd, LOCK_SH);
	if (keeper_alive(dirfd, key, &k->pid, &k->start))
		return 0;
	flock(k->lockfd, LOCK_UN);
	flock(k->lockfd, LOCK_EX);
	if (keeper_alive(dirfd, key, &k->pid, &k->start)) {
		flock(k->lockfd, LOCK_SH);
		return 0;
	}
	int ready[2], go[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating pipes");
	/* The keeper's own lock fd: a separate open file, so its flock does
	 * not merge with ours. */
	int klock = openat(dirfd, lockname, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		int keep[] = {ready[1], go[0], klock};
		close_all_except(keep, ARRAY_SIZE(keep));
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		signals_reset_for_exec();
		/* A fresh image of urun, so its command line (ps, pgrep -f) says
		 * what it is rather than repeating the `urun run` it came from. */
		int fds[] = {ready[1], go[0], klock};
		for (int i = 0; i < 3; i++)
			fds[i] = fcntl(fds[i], F_DUPFD, 10);
		for (int i = 0; i < 3; i++)
			if (fds[i] < 0 || dup2(fds[i], 3 + i) < 0)
				_exit(1);
		char idle_s[16];
		snprintf(idle_s, sizeof(idle_s), "%d", idle);
		char *argv[] = {(char *)KEEPER_ARGV0, idle_s, NULL};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	if (klock >= 0)
		close(klock);
	char c;
	int r = 0;
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		r = urun_error_set(err, pid < 0 ? errno : 0, "starting the user namespace keeper");
	if (r == 0 && (r = userns_write_maps(pid, spec, err)) == 0 && write(go[1], "g", 1) != 1)
		r = urun_error_set(err, errno, "starting the user namespace keeper");
	close(ready[0]);
	close(go[1]);
	if (r < 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		if (!err->hint)
			urun_error_hint(
			    err, "userns_keeper = false in urun.conf gives every container a user "
				 "namespace of its own");
		return r;
	}
	k->pid = pid;
	k->start = proc_start_time(pid);
	char line[64];
	int n = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, (unsigned long long)k->start);
	fs_write_atomic(dirfd, key, line, (size_t)n,
			0600); /* without it, the next run starts another keeper */
	log_debug("user namespace keeper %d started", (int)pid);
	flock(k->lockfd, LOCK_SH);
	return 0;
}

void keeper_release(struct keeper *k)
{
	if (k->lockfd >= 0)
		close(k->lockfd);
	k->lockfd = -1;
}

void keeper_stop_all(const char *dir)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int fd2 = dirfd >= 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d && fd2 >= 0)
		close(fd2);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		pid_t pid;
		uint64_t start;
		if (de->d_name[0] != '.' && !strchr(de->d_name, '.') &&
		    keeper_alive(dirfd, de->d_name, &pid, &start) && kill(pid, SIGKILL) == 0)
			log_debug("user namespace keeper %d stopped", (int)pid);
	}
	if (d)
		closedir(d);
}
