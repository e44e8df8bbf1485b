/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.c: stop, kill, wait and remove for recorded containers. Every
 * signal goes through a pidfd opened and then checked against the recorded
 * start time, so a pid the kernel reused is never hit. */
#include "run/lifecycle.h"
#include "rootfs/rootfs.h"
#include "util/cleanup.h"
#include "util/syscalls.h"

#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <time.h>

/* A pidfd for pid, only if it is still the process that started at start. */
static int open_verified(pid_t pid, uint64_t start)
{
	if (pid <= 0 || !start)
		return -ESRCH;
	int fd = sys_pidfd_open(pid, 0);
	if (fd < 0)
		return -errno;
	/* Checked after opening: the pidfd pins the process, so a match now
	 * means the fd refers to the recorded process. */
	if (proc_start_time(pid) != start) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int ctr_kill(const struct ctr_state *st, int sig, struct urun_error *err)
{
	if (st->status != CTR_RUNNING)
		return -ESRCH;
	int fd = open_verified(st->pid, st->pid_start);
	if (fd == -ESRCH)
		return -ESRCH;
	if (fd < 0)
		return urun_error_set(err, -fd, "opening container %s's process", st->name);
	int r = sys_pidfd_send_signal(fd, sig);
	int e = errno;
	close(fd);
	if (r < 0 && e != ESRCH)
		return urun_error_set(err, e, "signalling container %s", st->name);
	return r < 0 ? -ESRCH : 0;
}

int ctr_wait(const struct ctr_state *st, int timeout_ms)
{
	int fd = open_verified(st->monitor, st->monitor_start);
	if (fd < 0)
		return 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	close(fd);
	return r == 0 ? -ETIMEDOUT : 0;
}

int ctr_stop(const struct ctr_state *st, int sig, int timeout, struct urun_error *err)
{
	int r = ctr_kill(st, sig, err);
	if (r == -ESRCH)
		return ctr_wait(st, 5000), 0;
	if (r < 0)
		return r;
	/* A PID 1 without a handler for the signal ignores it; docker and
	 * podman then kill it after the grace period. */
	if (ctr_wait(st, timeout * 1000) == 0)
		return 0;
	r = ctr_kill(st, SIGKILL, err);
	if (r < 0 && r != -ESRCH)
		return r;
	if (ctr_wait(st, 30000) < 0) {
		r = urun_error_set(err, ETIMEDOUT, "container %s did not stop", st->name);
		urun_error_hint(
		    err, "its monitor (pid %d) still runs: kill it (kill -9 %d), then urun rm %s",
		    (int)st->monitor, (int)st->monitor, st->name);
		return r;
	}
	return 0;
}

int ctr_remove(struct state_dir *sd, struct store *s, const struct ctr_state *st,
	       struct urun_error *err)
{
	int r = rootfs_remove(s, st->id, err);
	if (r < 0)
		return r;
	return state_remove(sd, st->id, err);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"BUS", SIGBUS},	   {"FPE", SIGFPE},
    {"KILL", SIGKILL},	   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},	   {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},	   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},	   {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};

int ctr_parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}
