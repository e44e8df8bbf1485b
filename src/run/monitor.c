/* SPDX-License-Identifier: GPL-2.0-or-later */
/* monitor.c: urun's side of a running container. It clones the child into
 * new namespaces, writes its id maps, releases it, then stays as the
 * monitor: forwards signals, relays the terminal, collects the exit status. */
#include "rootfs/rootfs.h"
#include "run/cgroup.h"
#include "run/child.h"
#include "run/container.h"
#include "run/keeper.h"
#include "run/mounts.h"
#include "run/net.h"
#include "run/portfwd.h"
#include "run/security.h"
#include "run/state.h"
#include "run/tty.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/syscalls.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

/* Signals urun passes on to the container. */
static const int forwarded[] = {SIGINT,	 SIGTERM, SIGHUP,   SIGQUIT,
				SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/* clone(2) without a new stack behaves like fork; the child starts in all
 * new namespaces at once, and with CLONE_NEWPID it is PID 1 there. */
static pid_t clone_child(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static int userns_error(int e, struct urun_error *err)
{
	int r = urun_error_set(err, e, "creating the container's namespaces");
	long max = -1;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/user/max_user_namespaces", "re");
	if (f && fscanf(f, "%ld", &max) == 1 && max == 0)
		urun_error_hint(err,
				"user namespaces are disabled: sysctl user.max_user_namespaces=0; "
				"an admin can set it to 15000");
	else if (e == EPERM || e == EACCES)
		urun_error_hint(err,
				"unprivileged user namespaces are restricted on this host: check "
				"sysctl kernel.unprivileged_userns_clone and "
				"kernel.apparmor_restrict_unprivileged_userns");
	else if (e == ENOSPC)
		urun_error_hint(
		    err, "the user namespace limit is reached: sysctl user.max_user_namespaces");
	return r;
}

static int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_URUN;
}

struct monitor {
	pid_t child;
	int sigfd;
	int timerfd;
	int stop_timeout;
	struct tty_relay *tty;
	struct portfwd *pf;
};

static void arm_kill_timer(struct monitor *m)
{
	if (m->timerfd >= 0 || m->stop_timeout < 0)
		return;
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {
	    .it_value = {.tv_sec = m->stop_timeout, .tv_nsec = m->stop_timeout ? 0 : 1}};
	if (m->timerfd >= 0)
		timerfd_settime(m->timerfd, 0, &its, NULL);
}

/* Returns the exit status once the child is gone. */
static int monitor_loop(struct monitor *m)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	for (;;) {
		size_t want = 8 + portfwd_npoll(m->pf);
		if (want > cap) {
			cap = want * 2;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
		}
		int n = 0;
		pfd[n++] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
		if (m->timerfd >= 0)
			pfd[n++] = (struct pollfd){.fd = m->timerfd, .events = POLLIN};
		int tty_first = n;
		if (m->tty)
			n += tty_relay_pollfds(m->tty, pfd + n);
		int pf_first = n;
		n += (int)portfwd_pollfds(m->pf, pfd + n);
		if (poll(pfd, (nfds_t)n, portfwd_timeout(m->pf)) < 0) {
			if (errno == EINTR)
				continue;
			free(pfd);
			return EXIT_URUN;
		}
		if (m->tty)
			tty_relay_handle(m->tty, pfd + tty_first, pf_first - tty_first);
		portfwd_handle(m->pf, pfd + pf_first, (size_t)(n - pf_first));
		if (m->timerfd >= 0 && n > 1 && (pfd[1].revents & POLLIN)) {
			log_debug("stop timeout reached: sending SIGKILL");
			kill(m->child, SIGKILL);
			close(m->timerfd);
			m->timerfd = -1;
			m->stop_timeout = -1;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGCHLD) {
				int ws;
				pid_t p = waitpid(m->child, &ws, WNOHANG);
				if (p == m->child) {
					if (m->tty)
						tty_relay_drain(m->tty);
					free(pfd);
					return status_of(ws);
				}
				continue;
			}
			if (sig == SIGWINCH && m->tty) {
				tty_relay_resize(m->tty);
				continue;
			}
			kill(m->child, sig);
			/* A PID 1 without a handler ignores TERM; like `docker stop`,
			 * escalate to SIGKILL after the grace period. */
			if (sig == SIGTERM)
				arm_kill_timer(m);
		}
	}
}

struct launch {
	struct mount_plan plan;
	struct security_plan sec;
	struct monitor m;
	struct cgroup_handle cg;
	struct rootfs_fuse fuse;
	struct net_handle net;
	struct keeper keeper;
	int sync[2];	/* parent -> child: "your id maps are written" */
	int sock[2];	/* child -> parent: report or pty master; EOF at exec */
	int devnull;	/* the child's stdin: /dev/null, or a pipe's read end (-d -i) */
	int stdin_hold; /* -d -i: the write end, held open so the command waits for input */
	sigset_t mask, oldmask;
	bool masked;
};

static void launch_init(struct launch *l, const struct container_spec *spec)
{
	*l = (struct launch){.sync = {-1, -1},
			     .sock = {-1, -1},
			     .devnull = -1,
			     .stdin_hold = -1,
			     .cg = {.dirfd = -1, .parentfd = -1},
			     .fuse = {.pid = -1, .errfd = -1},
			     .net = NET_HANDLE_INIT,
			     .keeper = {.lockfd = -1},
			     .m = {.sigfd = -1, .timerfd = -1, .stop_timeout = spec->stop_timeout}};
}

static void launch_cleanup(struct launch *l)
{
	int *fds[] = {&l->sync[0], &l->sync[1], &l->sock[0],   &l->sock[1],
		      &l->devnull, &l->m.sigfd, &l->m.timerfd, &l->stdin_hold};
	if (l->m.child > 0) {
		/* Only reached on a failure before the monitor loop. */
		kill(l->m.child, SIGKILL);
		waitpid(l->m.child, NULL, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (l->masked)
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	tty_relay_free(l->m.tty);
	keeper_release(&l->keeper);
	portfwd_free(l->m.pf);
	l->m.pf = NULL;
	net_stop(&l->net);
	rootfs_fuse_stop(&l->fuse);
	cgroup_cleanup(&l->cg);
	mounts_plan_free(&l->plan);
	security_plan_free(&l->sec);
}

/* Everything the child needs is computed here, before clone. */
static int launch_prepare(struct container_spec *spec, struct launch *l, struct urun_error *err)
{
	int r;
	if ((r = userns_plan(spec, err)) < 0 || (r = mounts_plan(spec, &l->plan, err)) < 0)
		return r;
	/* container:NAME joins that container's user namespace instead; with
	 * the host's pid namespace a container could see (and, sharing the user
	 * namespace, act on) the others' processes: it gets its own. */
	if (spec->net != NET_CONTAINER && (spec->ns_flags & CLONE_NEWUSER) &&
	    (spec->ns_flags & CLONE_NEWPID) &&
	    (r = keeper_join(spec, spec->keeper_dir, spec->keeper_idle, &l->keeper, err)) < 0)
		return r;
	if (log_get_level() >= LOG_DEBUG) {
		_cleanup_free_ char *um = userns_format_map(spec->uidmap, spec->n_uidmap);
		_cleanup_free_ char *gm = userns_format_map(spec->gidmap, spec->n_gidmap);
		log_debug("uid map: %s; gid map: %s", um, gm);
		mounts_plan_dump(&l->plan);
	}
	if ((r = security_plan(spec, &l->sec, err)) < 0 ||
	    (r = cgroup_setup(spec, spec->id, &l->cg, err)) < 0)
		return r;
	/* Detached, nobody types into the pty: the monitor keeps it open. */
	if (spec->tty &&
	    (r = tty_relay_new(&l->m.tty, spec->interactive && !spec->detached, err)) < 0)
		return r;
	if (!spec->interactive && !spec->tty &&
	    (l->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return urun_error_set(err, errno, "opening /dev/null");
	if (spec->detached && spec->interactive && !spec->tty) {
		/* docker run -di: stdin stays open, nobody writes to it. */
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return urun_error_set(err, errno, "creating a pipe");
		l->devnull = p[0];
		l->stdin_hold = p[1];
	}
	if (pipe2(l->sync, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->sock) < 0)
		return urun_error_set(err, errno, "creating pipes");
	return 0;
}

/* One message from the child: a report (it failed), or the pty master
 * (SCM_RIGHTS). Returns bytes received, 0 at EOF (exec happened). */
static ssize_t recv_child_msg(int sock, struct child_report *rep, int *fd)
{
	struct iovec iov = {.iov_base = rep, .iov_len = sizeof(*rep)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t got;
	*fd = -1;
	while ((got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return got;
}

/* Wait for the child to exec, collecting the pty master on the way. */
static int await_exec(struct launch *l, struct urun_error *err)
{
	for (;;) {
		struct child_report rep;
		int fd;
		ssize_t got = recv_child_msg(l->sock[0], &rep, &fd);
		if (fd >= 0) {
			if (l->m.tty)
				tty_relay_set_master(l->m.tty, fd);
			else
				close(fd);
			continue;
		}
		if (got <= 0)
			return 0;
		if (got != (ssize_t)sizeof(rep))
			continue;
		waitpid(l->m.child, NULL, 0);
		l->m.child = 0;
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		rep.hint[sizeof(rep.hint) - 1] = '\0';
		/* The child already appended strerror to its message. */
		int r = urun_error_set(err, 0, "%s", rep.msg);
		err->code = rep.err ? rep.err : EINVAL;
		err->status = rep.status;
		if (rep.hint[0])
			urun_error_hint(err, "%s", rep.hint);
		else if (rep.err == E2BIG)
			urun_error_hint(
			    err,
			    "one variable or argument may hold 128 KiB, all together a "
			    "quarter of the stack limit (--ulimit stack): shorten the "
			    "image's Env, -e or --env-file values, or pass large data in a file");
		return r;
	}
}

/* Clone the container inside namespaces that exist already: the user
 * namespace of the keeper (keeper.c), or for --network container:NAME
 * that container's user and network namespaces (a network namespace can be
 * joined only from inside the user namespace that owns it). An
 * intermediate process joins them (the `join` flags of target) and clones
 * the container there (new mount, pid, uts, ipc, cgroup namespaces) as the
 * monitor's child (CLONE_PARENT), then exits. Returns the child's pid; 0
 * in the child; a negative error with err filled.
 *
 * keep (exec): the intermediate process is hardened before it joins a
 * running container, which may be compromised and is waiting for it. The
 * container's root is the caller's own uid with every capability in the
 * user namespace, so ptrace, /proc/PID/fd and /proc/PID/exe of a dumpable
 * process of ours that enters its pid namespace are open to it; it could
 * then type into the caller's terminal (TIOCSTI through our controlling
 * terminal) or use our fds to the host (CVE-2016-9962, runc). So, before
 * setns: not dumpable (the kernel then wants CAP_SYS_PTRACE in the user
 * namespace urun was started in, which the container lacks, for ptrace and
 * /proc access; fork keeps it, execve of the command resets it), a session
 * of its own (no controlling terminal), and every fd closed except those in
 * keep: close-on-exec would leave them open until execve. */
static pid_t clone_joined(const struct container_spec *spec, pid_t target, uint64_t start, int join,
			  const char *whose, const int *keep, size_t nkeep, struct urun_error *err)
{
	_cleanup_close_ int pidfd = sys_pidfd_open(target, 0);
	/* Checked after opening: the pidfd pins the process we verified. */
	if (pidfd < 0 || proc_start_time(target) != start)
		return urun_error_set(err, pidfd < 0 ? errno : ESRCH, "%s is not running", whose);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating a pipe");
	pid_t mid = fork();
	if (mid < 0) {
		close(p[0]);
		close(p[1]);
		return urun_error_set(err, errno, "forking");
	}
	if (mid == 0) {
		close(p[0]);
		if (keep) {
			int k[8];
			size_t nk = 0;
			k[nk++] = pidfd;
			k[nk++] = p[1];
			for (size_t i = 0; i < nkeep && nk < ARRAY_SIZE(k); i++)
				k[nk++] = keep[i];
			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setsid() < 0) {
				int msg[2] = {-1, errno};
				ssize_t w = write(p[1], msg, sizeof(msg));
				(void)w;
				_exit(0);
			}
			close_all_except(k, nk);
		}
		int e = setns(pidfd, join) < 0 ? errno : 0;
		pid_t g =
		    e ? -1 : clone_child((spec->ns_flags & ~(unsigned long)join) | CLONE_PARENT);
		if (g == 0) {
			close(p[1]);
			return 0;
		}
		int msg[2] = {(int)g, g < 0 && !e ? errno : e};
		ssize_t w = write(p[1], msg, sizeof(msg));
		(void)w;
		_exit(0);
	}
	close(p[1]);
	int msg[2] = {-1, EIO};
	ssize_t got = read(p[0], msg, sizeof(msg));
	close(p[0]);
	waitpid(mid, NULL, 0);
	if (got != (ssize_t)sizeof(msg) || msg[0] < 0)
		return urun_error_set(err, msg[1], "joining the namespaces of %s", whose);
	return msg[0];
}

/* Block the signals we forward before clone, so none is lost between
 * clone and the signalfd; the child unblocks them before exec. */
static int block_signals(struct launch *l, struct urun_error *err)
{
	sigemptyset(&l->mask);
	sigaddset(&l->mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&l->mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &l->mask, &l->oldmask);
	l->masked = true;
	l->m.sigfd = signalfd(-1, &l->mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->m.sigfd < 0)
		return urun_error_set(err, errno, "creating a signalfd");
	return 0;
}

/* Whether root in the container is the caller's own id: the child's
 * setresuid(0) then changes nothing and the child stays dumpable, so
 * slirp4netns, pasta and the port forwarder can still join its namespaces
 * (through /proc/PID/ns and pidfds) while it sets up (late_sync). */
static bool root_is_caller(const struct idmap *map, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].inside == 0 && map[i].count > 0)
			return map[i].outside == id;
	return false;
}

/* A child released late (child_ctx.late_sync) sets up while the monitor
 * starts the network: when a step of release_child fails, the child may
 * have failed first (then slirp4netns only saw it vanish), and its report
 * is the one to show. Closing the sync pipe ends a child still waiting. */
static int child_error_first(struct launch *l, bool late, int r, struct urun_error *err)
{
	if (!late || l->sync[1] < 0)
		return r;
	close(l->sync[1]);
	l->sync[1] = -1;
	struct urun_error first = {0};
	int fr = await_exec(l, &first);
	if (fr < 0) {
		urun_error_clear(err);
		*err = first;
		return fr;
	}
	urun_error_clear(&first);
	return r;
}

/* The monitor's part between clone and the child's go: id maps (unless the
 * namespace was joined), cgroup, fuse-overlayfs, network, ports; then the
 * byte that releases the child. */
static int release_child(struct container_spec *spec, struct launch *l, pid_t pid, bool joined,
			 struct urun_error *err)
{
	int r;
	log_debug("writing id maps for %d", (int)pid);
	/* The container lives in the keeper's namespace now: it may go. */
	keeper_release(&l->keeper);
	/* A joined user namespace is mapped already. */
	if ((!joined && (r = userns_write_maps(pid, spec, err)) < 0) ||
	    (r = cgroup_enter(&l->cg, pid, err)) < 0)
		return r;
	log_debug("id maps written");
	if (spec->rootfs_fuse && (r = rootfs_fuse_start(spec, pid, &l->fuse, err)) < 0)
		return r;
	/* The network is up, ports forwarded, before the command runs. */
	if ((spec->net == NET_SLIRP || spec->net == NET_PASTA) && (spec->ns_flags & CLONE_NEWNET) &&
	    (r = net_start(spec, pid, &l->net, err)) < 0)
		return r;
	if ((r = portfwd_start(spec, pid, &l->m.pf, err)) < 0)
		return r;
	if (write(l->sync[1], "g", 1) != 1)
		return urun_error_set(err, errno, "releasing the container process");
	return 0;
}

static int launch_start(struct container_spec *spec, struct launch *l, struct urun_error *err)
{
	int r;
	if ((r = block_signals(l, err)) < 0)
		return r;

	log_debug("clone");
	bool joined = spec->net == NET_CONTAINER || l->keeper.pid > 0;
	bool late = l->keeper.pid > 0 && spec->net != NET_CONTAINER && !spec->rootfs_fuse &&
		    root_is_caller(spec->uidmap, spec->n_uidmap, geteuid()) &&
		    root_is_caller(spec->gidmap, spec->n_gidmap, getegid());
	pid_t pid = spec->net == NET_CONTAINER
			? clone_joined(spec, spec->net_join_pid, spec->net_join_start,
				       CLONE_NEWUSER | CLONE_NEWNET,
				       "the container given to --network", NULL, 0, err)
		    : l->keeper.pid > 0
			? clone_joined(spec, l->keeper.pid, l->keeper.start, CLONE_NEWUSER,
				       "the user namespace keeper", NULL, 0, err)
			: clone_child(spec->ns_flags);
	if (pid < 0)
		return joined ? (int)pid : userns_error(errno, err);
	if (pid == 0) {
		close(l->sync[1]);
		close(l->sock[0]);
		struct child_ctx ctx = {.spec = spec,
					.mounts = &l->plan,
					.security = &l->sec,
					.sync_fd = l->sync[0],
					.late_sync = late,
					.report_fd = l->sock[1],
					.stdin_fd = l->devnull};
		child_main(&ctx);
	}
	l->m.child = pid;
	close(l->sync[0]);
	close(l->sock[1]);
	l->sync[0] = l->sock[1] = -1;

	if ((r = release_child(spec, l, pid, joined, err)) < 0)
		return child_error_first(l, late, r, err);
	close(l->sync[1]);
	l->sync[1] = -1;
	if ((r = await_exec(l, err)) < 0)
		return r;
	log_debug("child exec'd");
	return 0;
}

int container_run(struct container_spec *spec, const struct container_hooks *hooks,
		  struct urun_error *err)
{
	struct launch l;
	launch_init(&l, spec);
	int r = launch_prepare(spec, &l, err);
	if (r == 0)
		r = launch_start(spec, &l, err);
	if (r == 0 && hooks && hooks->started)
		r = hooks->started(hooks->ud, l.m.child, err);
	if (r == 0) {
		if (l.m.tty)
			tty_relay_start(l.m.tty);
		r = monitor_loop(&l.m);
		l.m.child = 0;
		log_debug("container exited");
	}
	launch_cleanup(&l);
	log_debug("cleaned up");
	return r;
}

/* The exec'd process must be a child of this monitor (to be waited for and
 * signalled) and inside the container's pid namespace, which setns only
 * gives to children of the caller: an intermediate process joins the
 * namespaces and clones it with CLONE_PARENT, then exits. */
static int exec_start(struct container_spec *spec, struct launch *l, pid_t pid, uint64_t pid_start,
		      unsigned long nsflags, struct urun_error *err)
{
	/* Every namespace the container has is joined, so nothing is new.
	 * What the joining process hands over: stdio, its stdin (/dev/null)
	 * and the report socket; nothing else of urun's or the caller's. */
	int keep[] = {l->sock[1], l->devnull};
	pid_t g = clone_joined(spec, pid, pid_start, (int)nsflags, "the container", keep,
			       ARRAY_SIZE(keep), err);
	if (g < 0)
		return (int)g;
	if (g == 0) {
		close(l->sock[0]);
		struct child_ctx ctx = {.spec = spec,
					.security = &l->sec,
					.sync_fd = -1,
					.report_fd = l->sock[1],
					.stdin_fd = l->devnull,
					.join = true};
		child_main(&ctx);
	}
	close(l->sock[1]);
	l->sock[1] = -1;
	l->m.child = g;
	return await_exec(l, err);
}

static int exec_prepare(struct container_spec *spec, struct launch *l, struct urun_error *err)
{
	int r;
	if ((r = security_plan(spec, &l->sec, err)) < 0)
		return r;
	if (spec->tty && (r = tty_relay_new(&l->m.tty, spec->interactive, err)) < 0)
		return r;
	if (!spec->interactive && !spec->tty &&
	    (l->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return urun_error_set(err, errno, "opening /dev/null");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->sock) < 0)
		return urun_error_set(err, errno, "creating a socket pair");
	return block_signals(l, err);
}

int container_exec(struct container_spec *spec, pid_t pid, uint64_t pid_start,
		   struct urun_error *err)
{
	struct launch l;
	launch_init(&l, spec);
	/* setns with a pidfd enters the user namespace first, so the
	 * capabilities it grants cover joining the others. */
	unsigned long nsflags = CLONE_NEWUSER | CLONE_NEWNS |
				(spec->ns_flags & (CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
						   CLONE_NEWNET | CLONE_NEWCGROUP));
	int r = exec_prepare(spec, &l, err);
	if (r == 0)
		r = exec_start(spec, &l, pid, pid_start, nsflags, err);
	if (r == 0) {
		if (l.m.tty)
			tty_relay_start(l.m.tty);
		r = monitor_loop(&l.m);
		l.m.child = 0;
	}
	launch_cleanup(&l);
	return r;
}
