/* SPDX-License-Identifier: GPL-2.0-or-later */
/* child.c: runs in the new namespaces between clone and exec. It only acts
 * on what the parent planned: mounts, identity, limits, capabilities,
 * seccomp; every failure goes back through the report pipe. */
#include "run/child.h"
#include "run/execdiag.h"
#include "run/tty.h"
#include "run/userdb.h"
#include "util/signals.h"
#include "util/syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void send_report(const struct child_ctx *ctx, const struct child_report *rep)
{
	ssize_t w = write(ctx->report_fd, rep, sizeof(*rep));
	(void)w;
}

__attribute__((noreturn, format(printf, 4, 5))) static void report(const struct child_ctx *ctx, int status,
								  int e, const char *fmt, ...)
{
	struct child_report rep = {.status = status, .err = e};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	send_report(ctx, &rep);
	_exit(status);
}

/* The reason and hint execdiag.c found; the errno is part of the reason. */
__attribute__((noreturn)) static void report_diag(const struct child_ctx *ctx,
						  const struct exec_diag *d)
{
	struct child_report rep = {.status = d->status, .err = d->err};
	snprintf(rep.msg, sizeof(rep.msg), "%s", d->msg);
	snprintf(rep.hint, sizeof(rep.hint), "%s", d->hint);
	send_report(ctx, &rep);
	_exit(d->status);
}

static void loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	if (s < 0)
		return;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* Unprivileged ICMP sockets (ping without setuid or caps) for every group
 * of the container: the sysctl belongs to its own network namespace. */
static void allow_ping(const struct container_spec *spec)
{
	uint64_t top = 0;
	for (size_t i = 0; i < spec->n_gidmap; i++)
		if ((uint64_t)spec->gidmap[i].inside + spec->gidmap[i].count > top)
			top = (uint64_t)spec->gidmap[i].inside + spec->gidmap[i].count;
	if (!top)
		return;
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "0 %llu", (unsigned long long)(top - 1));
	ssize_t w = write(fd, buf, (size_t)n);
	(void)w;
	close(fd);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

struct identity {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char home[PATH_MAX];
	bool have_home;
};

/* Users and groups are looked up in the container's own files, after
 * pivot_root (for exec: after joining), never through NSS, which would load
 * the image's libraries into this process; userdb.c reads them as the
 * hostile input they are. A file that is missing or refused counts as
 * empty: a numeric user still runs, a named one is an error saying why. */
static void resolve_identity(const struct child_ctx *ctx, struct identity *id)
{
	const char *spec_user = ctx->spec->user;
	char user[256] = "0", group[256] = "";
	char name[256] = "";
	bool have_group = false;
	struct userdb db;
	char *f[7];

	id->uid = 0;
	id->gid = 0;
	id->ngroups = 0;
	strcpy(id->home, "/root");
	id->have_home = false;
	if (spec_user) {
		const char *colon = strchr(spec_user, ':');
		size_t ul = colon ? (size_t)(colon - spec_user) : strlen(spec_user);
		if (ul >= sizeof(user) || (colon && strlen(colon + 1) >= sizeof(group)))
			report(ctx, 125, 0, "user `%s` is too long", spec_user);
		memcpy(user, spec_user, ul);
		user[ul] = '\0';
		if (colon) {
			strcpy(group, colon + 1);
			have_group = true;
		}
	}

	bool found = false;
	bool numeric = all_digits(user);
	int r = userdb_open(&db, "/etc/passwd");
	/* name:password:uid:gid:gecos:home:shell */
	while (!found && userdb_next(&db, f, 7) == 7) {
		if (!all_digits(f[2]) || !all_digits(f[3]))
			continue;
		if (numeric ? strtoul(f[2], NULL, 10) == strtoul(user, NULL, 10)
			    : strcmp(f[0], user) == 0) {
			id->uid = (uid_t)strtoul(f[2], NULL, 10);
			id->gid = (gid_t)strtoul(f[3], NULL, 10);
			snprintf(name, sizeof(name), "%s", f[0]);
			snprintf(id->home, sizeof(id->home), "%s", f[5]);
			id->have_home = true;
			found = true;
		}
	}
	userdb_close(&db);
	if (!found) {
		if (!numeric && r < 0 && r != -ENOENT)
			report(ctx, 125, 0,
			       "unable to find user `%s`: the container's /etc/passwd %s", user,
			       userdb_strerror(r));
		if (!numeric)
			report(ctx, 125, 0, "unable to find user `%s`: no matching entries in the container's /etc/passwd",
			       user);
		/* docker: a numeric uid without an entry runs with gid 0. */
		id->uid = (uid_t)strtoul(user, NULL, 10);
		id->gid = 0;
	}

	bool group_found = !have_group;
	bool group_numeric = have_group && all_digits(group);
	r = userdb_open(&db, "/etc/group");
	/* name:password:gid:member,member */
	while (userdb_next(&db, f, 4) == 4) {
		if (!all_digits(f[2]))
			continue;
		gid_t gid = (gid_t)strtoul(f[2], NULL, 10);
		if (have_group && !group_found &&
		    (group_numeric ? gid == (gid_t)strtoul(group, NULL, 10)
				   : strcmp(f[0], group) == 0)) {
			id->gid = gid;
			group_found = true;
		}
		/* Supplementary groups: every group that lists the user by name. */
		for (char *m = f[3], *end; name[0] && *m; m = *end ? end + 1 : end) {
			end = strchrnul(m, ',');
			if ((size_t)(end - m) == strlen(name) &&
			    strncmp(m, name, (size_t)(end - m)) == 0 &&
			    id->ngroups < (int)(sizeof(id->groups) / sizeof(id->groups[0])))
				id->groups[id->ngroups++] = gid;
		}
	}
	userdb_close(&db);
	if (!group_found) {
		if (!group_numeric && r < 0 && r != -ENOENT)
			report(ctx, 125, 0,
			       "unable to find group `%s`: the container's /etc/group %s", group,
			       userdb_strerror(r));
		if (!group_numeric)
			report(ctx, 125, 0, "unable to find group `%s`: no matching entries in the container's /etc/group",
			       group);
		id->gid = (gid_t)strtoul(group, NULL, 10);
	}
	for (char **g = ctx->spec->group_add; g && *g; g++)
		if (id->ngroups < (int)(sizeof(id->groups) / sizeof(id->groups[0])))
			id->groups[id->ngroups++] = (gid_t)strtoul(*g, NULL, 10);
}

static void set_env_default(const struct child_ctx *ctx, char **env, size_t *n, size_t cap, char *buf,
			    size_t buflen, const char *name, const char *value)
{
	size_t k = strlen(name);
	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], name, k) == 0 && env[i][k] == '=')
			return;
	if (*n + 1 >= cap)
		report(ctx, 125, 0, "too many environment variables");
	snprintf(buf, buflen, "%s=%s", name, value);
	env[(*n)++] = buf;
	env[*n] = NULL;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t k = strlen(name);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, k) == 0 && env[i][k] == '=')
			return env[i] + k + 1;
	return NULL;
}

/* The image's WorkingDir is created when missing (as podman and docker do),
 * one component at a time, each resolved inside the root. */
static void mkdir_in_root(const char *path)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		return;
	strcpy(buf, path);
	for (char *c = buf + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			char saved = *c;
			*c = '\0';
			int fd = sys_openat2(AT_FDCWD, buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
					     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
			if (fd >= 0) {
				close(fd);
			} else {
				char *slash = strrchr(buf, '/');
				*slash = '\0';
				int parent = sys_openat2(AT_FDCWD, slash == buf ? "/" : buf, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
							 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
				*slash = '/';
				if (parent < 0)
					return;
				int r = mkdirat(parent, slash + 1, 0755);
				close(parent);
				if (r < 0 && errno != EEXIST)
					return;
			}
			*c = saved;
			if (!saved)
				return;
		}
	}
}

/* The kernel refuses an execve whose strings exceed its limits: 128 KiB for
 * one string (MAX_ARG_STRLEN), a quarter of RLIMIT_STACK for all of them.
 * Said as such, with the longest string, instead of "not found". */
__attribute__((noreturn)) static void report_e2big(const struct child_ctx *ctx, char *const *argv,
						   char *const *env)
{
	size_t total = 0, count = 0, longest = 0;
	const char *which = argv[0];
	for (int pass = 0; pass < 2; pass++)
		for (char *const *s = pass ? env : argv; s && *s; s++) {
			size_t l = strlen(*s) + 1;
			total += l;
			count++;
			if (l > longest) {
				longest = l;
				which = *s;
			}
		}
	int nl = (int)strcspn(which, "=");
	report(
	    ctx, 126, E2BIG,
	    "the environment and arguments are too large for the kernel (E2BIG): %zu bytes in %zu "
	    "strings; the longest, `%.*s%s`, has %zu",
	    total, count, nl > 64 ? 64 : nl, which, nl > 64 ? "..." : "", longest);
}

/* execvp semantics against the container's PATH (not urun's); when no
 * candidate can be executed, execdiag.c says why, after the fact, so that
 * the path that works costs nothing more. */
__attribute__((noreturn)) static void do_exec(const struct child_ctx *ctx, char *const *argv, char *const *env)
{
	const char *cmd = argv[0];
	struct exec_diag d;

	if (strchr(cmd, '/')) {
		execve(cmd, argv, env);
		if (errno == E2BIG)
			report_e2big(ctx, argv, env);
		execdiag_file(cmd, errno, &d);
		report_diag(ctx, &d);
	}
	const char *path = env_get(env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	/* The first candidate that exists but failed (not ENOENT/ENOTDIR). */
	int first_err = 0;
	char first[PATH_MAX];
	char buf[PATH_MAX];
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		if (execdiag_candidate(buf, sizeof(buf), p, dl, cmd)) {
			execve(buf, argv, env);
			if (errno == E2BIG) /* the same for every candidate */
				report_e2big(ctx, argv, env);
			if (!first_err && errno != ENOENT && errno != ENOTDIR) {
				first_err = errno;
				strcpy(first, buf);
			}
		}
		if (!*end)
			break;
		p = end;
	}
	if (first_err)
		execdiag_file(first, first_err, &d);
	else
		execdiag_path(cmd, path, &d);
	report_diag(ctx, &d);
}

/* Not dumpable (see clone_joined in monitor.c): neither ptrace nor
 * /proc/PID/{fd,exe,mem} from inside the container reach this process while
 * it still is urun with urun's memory. Each credential change (setres[ug]id,
 * setgroups, capset) sets the flag to fs.suid_dumpable, which an admin may
 * have set to 1 (dumpable): so it is set again after each; execve of the
 * command resets it, as it should, for the command is the container's. */
static void stay_undumpable(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* One byte from the parent releases us; EOF means it gave up (its error
 * is reported by the parent). */
static void wait_for_parent(const struct child_ctx *ctx)
{
	char c;
	ssize_t k;
	do
		k = read(ctx->sync_fd, &c, 1);
	while (k < 0 && errno == EINTR);
	if (k != 1)
		_exit(125);
	close(ctx->sync_fd);
}

void child_main(const struct child_ctx *ctx)
{
	const struct container_spec *spec = ctx->spec;
	char msg[400];
	int r;

	/* If urun dies, so does the container: it has no other owner. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Wait until the parent wrote our uid/gid maps; EOF means it gave up.
	 * In a namespace mapped already, the mounts are made while the parent
	 * starts the network (a few ms for slirp4netns): only what follows them
	 * waits for it. */
	if (!ctx->join && !ctx->late_sync)
		wait_for_parent(ctx);

	signals_reset_for_exec();

	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		report(ctx, 125, errno, "becoming root in the user namespace");
	/* exec: undumpable since before it joined the container. run: only
	 * after its release, since slirp4netns, pasta and the port forwarder
	 * join its namespaces through /proc/PID/ns until then; nothing else is
	 * in its pid namespace before exec. */
	if (ctx->join)
		stay_undumpable();

	if (!ctx->join) {
		if (spec->ns_flags & CLONE_NEWNET) {
			loopback_up();
			allow_ping(spec);
		}
		if ((spec->ns_flags & CLONE_NEWUTS) && spec->hostname &&
		    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
			report(ctx, 125, errno, "setting the hostname");
		/* pivot_root moves the root of every process in the mount
		 * namespace whose root is the old one: fuse-overlayfs, which the
		 * monitor started in this namespace, would lose the layers'
		 * paths. The container takes a copy of the namespace instead. */
		if (spec->rootfs_fuse && unshare(CLONE_NEWNS) < 0)
			report(ctx, 125, errno, "creating the container's mount namespace");
		r = mounts_apply(ctx->mounts, mounts_root(ctx->mounts, spec), msg, sizeof(msg));
		if (r < 0)
			report(ctx, 125, -r, "%s", msg);
	}
	int tty = -1;
	if (spec->tty && (tty = tty_child_setup(ctx->report_fd, msg, sizeof(msg))) < 0)
		report(ctx, 125, -tty, "%s", msg);

	/* Released late: before any change of uid, which makes the process
	 * non-dumpable and its namespaces closed to slirp4netns, pasta and the
	 * port forwarder (joined through /proc/PID/ns and pidfds). */
	if (!ctx->join && ctx->late_sync)
		wait_for_parent(ctx);
	stay_undumpable();

	for (size_t i = 0; i < spec->n_ulimits; i++)
		if (setrlimit(spec->ulimits[i].resource, &spec->ulimits[i].lim) < 0)
			report(ctx, 125, errno, "setting ulimit %d", spec->ulimits[i].resource);

	struct identity id;
	resolve_identity(ctx, &id);

	/* Environment: the spec's, all of it, then docker's defaults for what is
	 * unset (4 more). The vector comes from mmap, not malloc: after a raw
	 * clone another thread of the parent may hold malloc's lock. */
	size_t n = 0, cap = 5;
	for (size_t i = 0; spec->env && spec->env[i]; i++)
		cap++;
	char **env = mmap(NULL, cap * sizeof(char *), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (env == MAP_FAILED)
		report(ctx, 125, errno, "allocating the environment (%zu variables)", cap - 5);
	for (size_t i = 0; spec->env && spec->env[i]; i++)
		env[n++] = spec->env[i];
	env[n] = NULL;
	char path_buf[128], home_buf[PATH_MAX + 8], host_buf[300], term_buf[32];
	set_env_default(ctx, env, &n, cap, path_buf, sizeof(path_buf), "PATH",
			"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	set_env_default(ctx, env, &n, cap, home_buf, sizeof(home_buf), "HOME", id.home);
	if (spec->hostname)
		set_env_default(ctx, env, &n, cap, host_buf, sizeof(host_buf), "HOSTNAME",
				spec->hostname);
	if (spec->tty)
		set_env_default(ctx, env, &n, cap, term_buf, sizeof(term_buf), "TERM", "xterm");

	if ((r = security_drop_bounding(ctx->security)) < 0)
		report(ctx, 125, -r, "dropping capabilities from the bounding set");
	/* setgroups is denied with a single-id gid map (newgidmap or we wrote
	 * "deny"); then the process simply keeps no supplementary groups. */
	if (setgroups((size_t)id.ngroups, id.groups) < 0 && errno != EPERM)
		report(ctx, 125, errno, "setting supplementary groups");
	if (setresgid(id.gid, id.gid, id.gid) < 0)
		report(ctx, 125, errno, "switching to gid %u (is it mapped? see /proc/self/gid_map)", (unsigned)id.gid);
	if (setresuid(id.uid, id.uid, id.uid) < 0)
		report(ctx, 125, errno, "switching to uid %u (is it mapped? see /proc/self/uid_map)", (unsigned)id.uid);
	if ((r = security_set_caps(ctx->security, id.uid == 0)) < 0)
		report(ctx, 125, -r, "setting capabilities");
	stay_undumpable();

	/* The working directory is resolved inside the root without magic links:
	 * "--workdir /proc/self/fd/N" must not reach a host directory through an
	 * fd urun still holds (CVE-2024-21626 class). */
	const char *wd = spec->workdir ? spec->workdir : "/";
	int wfd = sys_openat2(AT_FDCWD, wd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
			      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (wfd < 0 && errno == ENOENT && spec->workdir_create) {
		mkdir_in_root(wd);
		wfd = sys_openat2(AT_FDCWD, wd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
				  RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	}
	if (wfd < 0 || fchdir(wfd) < 0)
		report(ctx, 125, errno, "workdir `%s` does not exist in the container or is not accessible", wd);
	close(wfd);

	if (tty >= 0) {
		/* A new session, so the pty becomes its controlling terminal and
		 * Ctrl-C reaches the container's foreground job, not urun. */
		setsid();
		if (ioctl(tty, TIOCSCTTY, 0) < 0)
			report(ctx, 125, errno, "setting the controlling terminal");
		for (int fd = 0; fd < 3; fd++)
			dup2(tty, fd);
		if (tty > 2)
			close(tty);
	} else {
		/* A session of its own, without a controlling terminal: the caller's
		 * terminal stays usable as stdin/stdout, but TIOCSTI on it (pushing
		 * input into the caller's shell) needs it to be the controlling
		 * terminal, so it fails (the bubblewrap --new-session fix). */
		setsid();
		if (ctx->stdin_fd >= 0) {
			dup2(ctx->stdin_fd, STDIN_FILENO);
			close(ctx->stdin_fd);
		}
		/* Detached: output goes to the container's log. */
		if (spec->detached && spec->log_fd >= 0) {
			dup2(spec->log_fd, STDOUT_FILENO);
			dup2(spec->log_fd, STDERR_FILENO);
		}
	}

	/* No fd of urun's may survive exec. The report pipe is close-on-exec too,
	 * so its EOF tells the parent that exec happened. */
	if (sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			if (fd != ctx->report_fd)
				close(fd);
	}

	if ((r = security_lock(ctx->security)) < 0)
		report(ctx, 125, -r, "installing no_new_privs and the seccomp filter");
	do_exec(ctx, spec->argv, env);
}
