/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup.c: resource limits. An unprivileged user can only set limits in
 * a cgroup v2 subtree that was delegated to it (systemd's user@.service with
 * Delegate=); cgroup v1 cannot be delegated safely at all. Where there is no
 * such subtree urun says so once and runs the container without limits,
 * rather than refusing to start (crun 1.8 fails on hybrid hosts). */
#include "run/cgroup.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

static bool limits_requested(const struct container_spec *spec)
{
	return spec->memory_limit || spec->cpu_quota_us || spec->pids_limit;
}

/* "0::/user.slice/..." from /proc/self/cgroup, the unified hierarchy. */
static char *own_cgroup(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			return xstrdup(line + 3);
		}
	return NULL;
}

static int write_at(int dirfd, const char *file, const char *value)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	return n == (ssize_t)strlen(value) ? 0 : -errno;
}

static bool has_controller(int dirfd, const char *name)
{
	char buf[512] = "";
	_cleanup_close_ int fd = openat(dirfd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, name) == 0)
			return true;
	return false;
}

static const char *why_not_delegated(int *parentfd)
{
	struct statfs sf;
	*parentfd = -1;
	if (statfs("/sys/fs/cgroup", &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
		return "this host uses cgroup v1 (or a v1/v2 hybrid), which cannot be delegated to a user";
	_cleanup_free_ char *own = own_cgroup();
	if (!own)
		return "urun's own cgroup is unknown";
	_cleanup_free_ char *path = xasprintf("/sys/fs/cgroup%s", own);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) < 0 ||
	    faccessat(fd, ".", W_OK, AT_EACCESS) < 0) {
		if (fd >= 0)
			close(fd);
		return "your cgroup is not delegated to you (systemd: Delegate= in user@.service)";
	}
	*parentfd = fd;
	return NULL;
}

const char *cgroup_limits_unavailable(void)
{
	int fd;
	const char *why = why_not_delegated(&fd);
	if (fd >= 0)
		close(fd);
	return why;
}

int cgroup_setup(const struct container_spec *spec, const char *id, struct cgroup_handle *h,
		 struct urun_error *err)
{
	h->dirfd = h->parentfd = -1;
	if (!limits_requested(spec))
		return 0;
	const char *why = why_not_delegated(&h->parentfd);
	if (why) {
		log_warn("--memory, --cpus and --pids-limit are not applied: %s; --ulimit works everywhere", why);
		return 0;
	}
	const char *need[3] = {spec->memory_limit ? "memory" : NULL, spec->cpu_quota_us ? "cpu" : NULL,
			       spec->pids_limit ? "pids" : NULL};
	for (int i = 0; i < 3; i++)
		if (need[i] && !has_controller(h->parentfd, need[i])) {
			int r = urun_error_set(err, 0, "the cgroup controller `%s` is not delegated to you", need[i]);
			urun_error_hint(err, "an admin can add `Delegate=cpu cpuset io memory pids` to user@.service");
			return r;
		}
	snprintf(h->name, sizeof(h->name), "urun-%.12s", id);
	if (mkdirat(h->parentfd, h->name, 0755) < 0)
		return urun_error_set(err, errno, "creating cgroup `%s`", h->name);
	h->dirfd = openat(h->parentfd, h->name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char v[64];
	int r = 0;
	if (spec->memory_limit) {
		snprintf(v, sizeof(v), "%lld", (long long)spec->memory_limit);
		r = write_at(h->dirfd, "memory.max", v);
	}
	if (r == 0 && spec->cpu_quota_us) {
		snprintf(v, sizeof(v), "%lld 100000", (long long)spec->cpu_quota_us);
		r = write_at(h->dirfd, "cpu.max", v);
	}
	if (r == 0 && spec->pids_limit) {
		if (spec->pids_limit < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%lld", (long long)spec->pids_limit);
		r = write_at(h->dirfd, "pids.max", v);
	}
	if (r < 0)
		return urun_error_set(err, -r, "writing the limits of cgroup `%s`", h->name);
	return 0;
}

int cgroup_enter(struct cgroup_handle *h, pid_t pid, struct urun_error *err)
{
	char v[32];
	if (h->dirfd < 0)
		return 0;
	snprintf(v, sizeof(v), "%d", (int)pid);
	int r = write_at(h->dirfd, "cgroup.procs", v);
	return r < 0 ? urun_error_set(err, -r, "moving the container into cgroup `%s`", h->name) : 0;
}

void cgroup_cleanup(struct cgroup_handle *h)
{
	if (h->dirfd >= 0) {
		close(h->dirfd);
		unlinkat(h->parentfd, h->name, AT_REMOVEDIR);
	}
	if (h->parentfd >= 0)
		close(h->parentfd);
	h->dirfd = h->parentfd = -1;
}
