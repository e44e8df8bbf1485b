/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userns.c: the container's identity. Container root is the caller; ids
 * 1..N come from the caller's /etc/subuid and /etc/subgid ranges, written by
 * the setuid helpers newuidmap/newgidmap (the only way an unprivileged user
 * may map more than its own id). Without a range, a single-id map. */
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

extern char **environ;

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* One `name_or_id:start:count` line; false for comments and malformed
 * lines, which are ignored, as shadow's parser does. */
static bool subid_line(char *line, char **key, struct idmap *m)
{
	char *save = NULL, *start, *count;
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return false;
	*key = strtok_r(line, ":", &save);
	start = strtok_r(NULL, ":", &save);
	count = strtok_r(NULL, ":", &save);
	if (!*key || !start || !count || strtok_r(NULL, ":", &save))
		return false;
	*m = (struct idmap){0};
	return parse_u32(start, &m->outside) == 0 && parse_u32(count, &m->count) == 0 &&
	       m->count != 0 && (uint64_t)m->outside + m->count <= UINT32_MAX;
}

int subid_parse(FILE *f, const char *user, uint32_t id, struct idmap *out, size_t max, size_t *n)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	char idstr[16];

	snprintf(idstr, sizeof(idstr), "%u", id);
	*n = 0;
	while (getline(&line, &cap, f) > 0) {
		char *key;
		struct idmap m;
		if (!subid_line(line, &key, &m))
			continue;
		if (!(user && strcmp(key, user) == 0) && strcmp(key, idstr) != 0)
			continue;
		if (*n < max)
			out[(*n)++] = m;
	}
	return 0;
}

uint32_t subid_free_start(FILE *subuid, FILE *subgid, uint32_t count)
{
	/* shadow's SUB_UID_MIN and SUB_GID_MIN: where useradd starts too */
	uint64_t start = 100000;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	for (int i = 0; i < 2; i++) {
		FILE *f = i ? subgid : subuid;
		while (f && getline(&line, &cap, f) > 0) {
			char *key;
			struct idmap m;
			if (subid_line(line, &key, &m) && (uint64_t)m.outside + m.count > start)
				start = (uint64_t)m.outside + m.count;
		}
	}
	/* 4294967295 is (uid_t)-1, never a valid id */
	return start + count <= UINT32_MAX ? (uint32_t)start : 0;
}

char *userns_add_range_hint(const char *user)
{
	const char *up = getenv("URUN_SUBUID_FILE"), *gp = getenv("URUN_SUBGID_FILE");
	_cleanup_fclose_ FILE *fu = fopen(up && *up ? up : "/etc/subuid", "re");
	_cleanup_fclose_ FILE *fg = fopen(gp && *gp ? gp : "/etc/subgid", "re");
	uint32_t start = subid_free_start(fu, fg, 65536);
	if (!start)
		return xasprintf(
		    "usermod --add-subuids START-END --add-subgids START-END %s, with a "
		    "range of 65536 ids no entry of /etc/subuid and /etc/subgid overlaps",
		    user);
	return xasprintf("usermod --add-subuids %u-%u --add-subgids %u-%u %s", start, start + 65535,
			 start, start + 65535, user);
}

/* newuidmap is useless unless it is setuid root or carries file caps;
 * checking first turns "write to uid_map failed" into a named cause. */
bool userns_helper_usable(const char *path, const char **why)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*why = "is not installed";
		return false;
	}
	if ((st.st_mode & S_ISUID) && st.st_uid == 0)
		return true;
	if (getxattr(path, "security.capability", NULL, 0) > 0)
		return true;
	*why = "has neither the setuid bit nor file capabilities";
	return false;
}

/* With `subid: MODULE` in nsswitch.conf (SSSD, FreeIPA, ...) the ranges
 * come from NSS, not the files; newuidmap asks NSS too. */
static bool subids_from_nss(void)
{
	const char *path = getenv("URUN_NSSWITCH_FILE");
	_cleanup_fclose_ FILE *f = fopen(path && *path ? path : "/etc/nsswitch.conf", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, "subid:", 6) != 0)
			continue;
		p += 6;
		p += strspn(p, " \t");
		return *p && *p != '\n' && *p != '#' && strncmp(p, "files", 5) != 0;
	}
	return false;
}

/* `getsubids [-g] USER` prints "0: USER START COUNT" per range. */
static size_t nss_ranges(bool gid, const char *user, struct idmap *out, size_t max)
{
	if (!user || strpbrk(user, "'\\"))
		return 0;
	_cleanup_free_ char *cmd = xasprintf("getsubids %s'%s' 2>/dev/null", gid ? "-g " : "", user);
	FILE *p = popen(cmd, "re");
	char line[512];
	size_t n = 0;
	while (p && n < max && fgets(line, sizeof(line), p)) {
		unsigned long long start, count;
		char name[256];
		if (sscanf(line, "%*u: %255s %llu %llu", name, &start, &count) == 3 && count > 0 &&
		    start <= UINT32_MAX && count <= UINT32_MAX - start)
			out[n++] = (struct idmap){0, (uint32_t)start, (uint32_t)count};
	}
	if (p)
		pclose(p);
	return n;
}

static size_t read_ranges(const char *env, const char *deflt, const char *user, uint32_t id,
			  struct idmap *out, size_t max)
{
	const char *path = getenv(env);
	_cleanup_fclose_ FILE *f = fopen(path && *path ? path : deflt, "re");
	size_t n = 0;
	if (f)
		subid_parse(f, user, id, out, max, &n);
	if (n == 0 && subids_from_nss())
		n = nss_ranges(strstr(deflt, "subgid") != NULL, user, out, max);
	return n;
}

/* Container 0 is the caller; 1.. are the ranges, in file order. */
static size_t build_root_map(struct idmap *map, uint32_t self, const struct idmap *r, size_t nr)
{
	size_t n = 0;
	uint32_t next = 1;
	map[n++] = (struct idmap){0, self, 1};
	for (size_t i = 0; i < nr && n < SPEC_MAX_IDMAP; i++) {
		/* Ids inside are 32 bits too: a range that would run past the end is cut. */
		uint32_t count = r[i].count > UINT32_MAX - next ? UINT32_MAX - next : r[i].count;
		if (count == 0)
			break;
		map[n++] = (struct idmap){next, r[i].outside, count};
		next += count;
	}
	return n;
}

/* podman's keep-id: the caller keeps its id; the first range fills the ids
 * below and above it. */
static size_t build_keepid_map(struct idmap *map, uint32_t self, const struct idmap *r, size_t nr)
{
	size_t n = 0;
	if (nr == 0) {
		map[n++] = (struct idmap){self, self, 1};
		return n;
	}
	uint32_t below = self < r[0].count ? self : r[0].count;
	if (below)
		map[n++] = (struct idmap){0, r[0].outside, below};
	map[n++] = (struct idmap){self, self, 1};
	uint32_t above = r[0].count - below;
	if (above > UINT32_MAX - self - 1)
		above = UINT32_MAX - self - 1;
	if (above)
		map[n++] = (struct idmap){self + 1, r[0].outside + below, above};
	return n;
}

int userns_plan(struct container_spec *spec, struct urun_error *err)
{
	struct idmap ur[SPEC_MAX_IDMAP - 1], gr[SPEC_MAX_IDMAP - 1];
	size_t nu = 0, ng = 0;
	const char *why = NULL;
	(void)err;

	struct passwd *pw = getpwuid(spec->host_uid);
	const char *name = pw ? pw->pw_name : NULL;

	if (spec->userns != USERNS_SINGLE) {
		nu = read_ranges("URUN_SUBUID_FILE", "/etc/subuid", name, spec->host_uid, ur,
				 ARRAY_SIZE(ur));
		ng = read_ranges("URUN_SUBGID_FILE", "/etc/subgid", name, spec->host_uid, gr,
				 ARRAY_SIZE(gr));
		if (nu == 0 || ng == 0) {
			/* a range no other user holds yet, computed from both files */
			_cleanup_free_ char *fix =
			    spec->quiet ? NULL : userns_add_range_hint(name ? name : "USER");
			if (!spec->quiet)
				log_warn_once(
				    "no subordinate %s range for `%s` in /etc/sub%s: running with "
				    "a single-id "
				    "mapping%s; an admin can add one: %s",
				    nu == 0 ? "uid" : "gid", name ? name : "(unknown)",
				    nu == 0 ? "uid" : "gid",
				    spec->fakeroot_off
					? ""
					: " (chown and setuid calls in the container succeed "
					  "without effect, "
					  "so package managers work; --security-opt fakeroot=off)",
				    fix);
			nu = ng = 0;
		} else if (!userns_helper_usable(spec->newuidmap, &why) ||
			   !userns_helper_usable(spec->newgidmap, &why)) {
			const char *bad = userns_helper_usable(spec->newuidmap, &why) ? spec->newgidmap
									       : spec->newuidmap;
			userns_helper_usable(bad, &why);
			if (!spec->quiet)
				log_warn_once("`%s` %s: running with a single-id mapping; an admin "
					      "can reinstall the "
					      "uidmap package (it installs newuidmap and newgidmap "
					      "setuid root)",
					      bad, why);
			nu = ng = 0;
		}
	}
	spec->subid_ranges = nu > 0;
	if (spec->userns == USERNS_KEEP_ID) {
		spec->n_uidmap = build_keepid_map(spec->uidmap, spec->host_uid, ur, nu);
		spec->n_gidmap = build_keepid_map(spec->gidmap, spec->host_gid, gr, ng);
	} else {
		spec->n_uidmap = build_root_map(spec->uidmap, spec->host_uid, ur, nu);
		spec->n_gidmap = build_root_map(spec->gidmap, spec->host_gid, gr, ng);
	}
	return 0;
}

char *userns_format_map(const struct idmap *m, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%u %u %u", s, i ? " " : "", m[i].inside, m[i].outside,
				    m[i].count);
		free(s);
		s = t;
	}
	return s;
}

static int write_proc(pid_t pid, const char *file, const char *data, struct urun_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		return urun_error_set(err, errno, "writing `%s`", path);
	return 0;
}

/* The kernel lets a process write a one-line map of its own id into a child
 * user namespace; for gid_map only after setgroups is denied, otherwise the
 * child could drop a group the host uses to deny it access. */
static int write_single(pid_t pid, bool gid, const struct idmap *m, struct urun_error *err)
{
	char line[64];
	snprintf(line, sizeof(line), "%u %u 1\n", m->inside, m->outside);
	if (gid) {
		int r = write_proc(pid, "setgroups", "deny", err);
		if (r < 0)
			return r;
	}
	return write_proc(pid, gid ? "gid_map" : "uid_map", line, err);
}

struct helper_run {
	pid_t pid;
	int errfd;
	const char *path;
};

static int spawn_helper(struct helper_run *h, const char *path, pid_t target, const struct idmap *m,
			size_t n, struct urun_error *err)
{
	char *argv[2 + 3 * SPEC_MAX_IDMAP + 1];
	char buf[3 * SPEC_MAX_IDMAP][12];
	char pidstr[16];
	size_t a = 0;
	int p[2];

	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	argv[a++] = (char *)path;
	argv[a++] = pidstr;
	for (size_t i = 0; i < n; i++) {
		uint32_t v[3] = {m[i].inside, m[i].outside, m[i].count};
		for (int j = 0; j < 3; j++) {
			snprintf(buf[3 * i + j], sizeof(buf[0]), "%u", v[j]);
			argv[a++] = buf[3 * i + j];
		}
	}
	argv[a] = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating a pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	int r = posix_spawn(&h->pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	h->errfd = p[0];
	h->path = path;
	if (r != 0) {
		close(p[0]);
		h->errfd = -1;
		return urun_error_set(err, r, "running `%s`", path);
	}
	return 0;
}

static int finish_helper(struct helper_run *h, struct urun_error *err)
{
	char out[512];
	size_t len = 0;
	ssize_t k;
	int status = 0;

	while (len < sizeof(out) - 1 && (k = read(h->errfd, out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)k;
	out[len] = '\0';
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = ' ';
	close(h->errfd);
	while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	int r = urun_error_set(err, 0, "`%s` refused the id mapping: %s", h->path,
			       len ? out : "no message");
	urun_error_hint(
	    err, "your ranges in /etc/subuid and /etc/subgid must not overlap another user's and "
		 "must be granted there by an administrator (newuidmap checks them)");
	return r;
}

static bool is_self_map(const struct idmap *m, size_t n, uint32_t self)
{
	return n == 1 && m[0].outside == self && m[0].count == 1;
}

int userns_write_maps(pid_t pid, const struct container_spec *spec, struct urun_error *err)
{
	struct helper_run hu = {.pid = -1, .errfd = -1}, hg = {.pid = -1, .errfd = -1};
	bool self_u = is_self_map(spec->uidmap, spec->n_uidmap, spec->host_uid);
	bool self_g = is_self_map(spec->gidmap, spec->n_gidmap, spec->host_gid);
	int r = 0, r2 = 0;

	/* Both helpers run at once: each is a setuid exec that costs several ms. */
	if (!self_u)
		r = spawn_helper(&hu, spec->newuidmap, pid, spec->uidmap, spec->n_uidmap, err);
	if (r == 0 && !self_g)
		r = spawn_helper(&hg, spec->newgidmap, pid, spec->gidmap, spec->n_gidmap, err);
	if (hu.errfd >= 0)
		r2 = finish_helper(&hu, err);
	if (hg.errfd >= 0) {
		struct urun_error e2 = {0};
		int r3 = finish_helper(&hg, r2 < 0 ? &e2 : err);
		urun_error_clear(&e2);
		if (r2 == 0)
			r2 = r3;
	}
	if (r < 0)
		return r;
	if (r2 < 0)
		return r2;
	if (self_u && (r = write_single(pid, false, &spec->uidmap[0], err)) < 0)
		return r;
	if (self_g && (r = write_single(pid, true, &spec->gidmap[0], err)) < 0)
		return r;
	return 0;
}

int userns_spawn(const struct container_spec *spec, int (*fn)(void *arg), void *arg, pid_t *pidp,
		 struct urun_error *err)
{
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating a pipe");
	/* fork + unshare rather than a raw clone: callers may have threads (a
	 * parallel pull), and only fork() resets malloc's locks in the child. */
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(sync[0]);
		close(sync[1]);
		return urun_error_set(err, errno, "creating a pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sync[0]);
		close(sync[1]);
		close(ready[0]);
		close(ready[1]);
		return urun_error_set(err, e, "forking the user namespace helper");
	}
	if (pid == 0) {
		char c;
		close(sync[1]);
		close(ready[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		ssize_t w = write(ready[1], &e, sizeof(e));
		(void)w;
		close(ready[1]);
		if (e || read(sync[0], &c, 1) != 1)
			_exit(125);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(125);
		int r = fn(arg);
		_exit(r < 0 ? (-r & 0x7f) : 0);
	}
	close(sync[0]);
	close(ready[1]);
	int ue = 0;
	int r = 0;
	if (read(ready[0], &ue, sizeof(ue)) != (ssize_t)sizeof(ue) || ue)
		r = urun_error_set(err, ue ? ue : EIO, "creating a user namespace");
	close(ready[0]);
	if (r == 0)
		r = userns_write_maps(pid, spec, err);
	if (r == 0 && write(sync[1], "g", 1) != 1)
		r = urun_error_set(err, errno, "releasing the user namespace helper");
	close(sync[1]);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	*pidp = pid;
	return 0;
}

int userns_wait(pid_t pid, struct urun_error *err)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 125)
		return -WEXITSTATUS(st);
	return urun_error_set(err, 0, "the user namespace helper failed");
}

int userns_call(const struct container_spec *spec, int (*fn)(void *arg), void *arg,
		struct urun_error *err)
{
	pid_t pid;
	int r = userns_spawn(spec, fn, arg, &pid, err);
	return r < 0 ? r : userns_wait(pid, err);
}
