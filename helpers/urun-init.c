/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urun-init.c: the tiny PID 1 that `urun run --init` runs as `/dev/init -- CMD [ARG...]`:
 * it runs CMD, forwards signals to it, reaps all zombies and exits with CMD's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "0.1.0"
#endif

/* Failures of urun-init itself (usage, fork); 126 and 127 keep their shell
 * meaning of "CMD found but not executable" and "CMD not found". */
#define EXIT_INIT_FAILURE 125

static void usage(FILE *f)
{
	fputs("usage: urun-init [--] CMD [ARG...]\n"
	      "       urun-init --version\n",
	      f);
}

/* The forked child: set up CMD's process group and signal state, then exec. */
static _Noreturn void run_child(char **cmd, bool take_tty, const struct sigaction *old_chld,
				const sigset_t *old_mask)
{
	if (take_tty) {
		/* Interactive use: CMD gets its own group and the terminal, so
		 * ^C, ^\, ^Z and SIGWINCH reach CMD (and its jobs) straight from
		 * the kernel, exactly once, and never urun-init, which would
		 * forward a second copy. Done here, before exec, so CMD never
		 * touches the tty before owning it; SIGTTOU is still blocked,
		 * so tcsetpgrp() from what is now a background group is allowed. */
		if (setpgid(0, 0) < 0 || tcsetpgrp(STDIN_FILENO, getpid()) < 0)
			fprintf(stderr, "urun-init: cannot give the terminal to %s: %s\n", cmd[0],
				strerror(errno));
	}
	/* CMD gets the signal state urun-init was started with, as if run
	 * directly: inherited SIG_IGN (nohup) and mask are the caller's
	 * choice. Dispositions first, so a signal already pending for us is
	 * not acted on with our SIGCHLD setting once unblocked. */
	sigaction(SIGCHLD, old_chld, NULL);
	sigprocmask(SIG_SETMASK, old_mask, NULL);
	execvp(cmd[0], cmd);

	int err = errno;
	fprintf(stderr, "urun-init: %s: %s\n", cmd[0], strerror(err));
	/* _exit: do not flush stdio buffers copied from the parent. */
	_exit(err == ENOENT ? 127 : 126);
}

/* Reap every child that has exited: CMD, and the orphans re-parented to us
 * as PID 1 or subreaper. Returns 1 once CMD itself was reaped, else 0, or -1
 * if we have no children left at all without having seen CMD exit. */
static int reap(pid_t child, int *child_status)
{
	int ret = 0, st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == child) {
			*child_status = st;
			ret = 1;
		}
	}
	if (pid < 0 && errno == ECHILD && !ret)
		return -1;
	if (pid < 0 && errno != ECHILD)
		fprintf(stderr, "urun-init: waitpid: %s\n", strerror(errno));
	return ret;
}

/* The parent: forward signals to CMD and reap zombies until CMD exits. */
static int supervise(pid_t child, bool took_tty)
{
	sigset_t all;
	siginfo_t si;
	int status = 0;

	sigfillset(&all);
	for (;;) {
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0) {
			/* EINTR: a stop/continue of urun-init itself; nothing lost. */
			if (errno == EINTR)
				continue;
			fprintf(stderr, "urun-init: sigwaitinfo: %s\n", strerror(errno));
			return EXIT_INIT_FAILURE;
		}
		if (sig != SIGCHLD) {
			/* The kernel signals whole process groups (terminal keys,
			 * SIGWINCH, SIGTTOU for TOSTOP, SIGHUP to an orphaned
			 * group) with si_code SI_KERNEL. If CMD is in our group it
			 * got its own copy; forwarding would deliver it twice,
			 * which "press ^C again to force quit" programs notice.
			 * Checked per signal: CMD may have moved (setsid, job
			 * control), and while it is still between fork() and
			 * setpgid() it shares our group and keeps the signal
			 * pending until it unblocks it, just before exec. */
			if (si.si_code == SI_KERNEL && getpgid(child) == getpgrp())
				continue;
			/* ESRCH cannot happen before we reap CMD (a zombie can be
			 * signalled), and we stop forwarding once we have. */
			if (kill(child, sig) < 0)
				fprintf(stderr, "urun-init: forwarding signal %d: %s\n", sig,
					strerror(errno));
			continue;
		}
		/* Several exits coalesce into one pending SIGCHLD, hence the
		 * loop in reap(); one that happens after it returns raises a
		 * new SIGCHLD, which stayed blocked, so none is missed. */
		int r = reap(child, &status);
		if (r > 0)
			break;
		/* Cannot happen with SIGCHLD at SIG_DFL, but never wait forever. */
		if (r < 0) {
			fprintf(stderr, "urun-init: lost track of child %d\n", (int)child);
			return EXIT_INIT_FAILURE;
		}
	}

	/* Remaining processes: like tini, exit as soon as CMD is gone, having
	 * reaped the zombies already there. As PID 1 our exit makes the kernel
	 * SIGKILL everything left in the PID namespace, so nothing outlives
	 * the container; as a subreaper (tests, nested use) survivors are
	 * re-parented to the next subreaper or init, which reaps them. Waiting
	 * for them could hang forever on a daemon that never exits. */

	/* Hand the terminal back to our group, which is the caller's, so a
	 * script running us in the foreground is not left in the background
	 * of a dead group and stopped by SIGTTIN at its next read. */
	if (took_tty)
		tcsetpgrp(STDIN_FILENO, getpgrp());

	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	char **cmd = argv + 1;
	sigset_t all, old_mask;
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;

	if (argc < 2) {
		usage(stderr);
		return EXIT_INIT_FAILURE;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("urun-init %s\n", VERSION);
		return fflush(stdout) ? EXIT_INIT_FAILURE : 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd[0], "--"))
		cmd++;
	else if (cmd[0][0] == '-') {
		fprintf(stderr, "urun-init: unknown option %s\n", cmd[0]);
		usage(stderr);
		return EXIT_INIT_FAILURE;
	}
	if (!cmd[0]) {
		usage(stderr);
		return EXIT_INIT_FAILURE;
	}

	/* Block everything catchable before fork(), so every signal from now
	 * on waits in the queue for sigwaitinfo() and none is lost before the
	 * loop starts. Blocked signals are also never discarded, whereas a PID
	 * 1 drops signals it has no handler for: blocking is what lets even
	 * `kill 1` from inside the container reach us. Faults in urun-init
	 * itself still kill it: Linux force-unblocks synchronous SIGSEGV etc. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old_mask);
	/* An inherited SIG_IGN (or SA_NOCLDWAIT) for SIGCHLD would make the
	 * kernel reap children itself, and CMD's exit status would be lost. */
	sigaction(SIGCHLD, &dfl, &old_chld);

	/* Outside a PID namespace (tests, nested use) orphans would go to the
	 * real init; as subreaper we get them and reap them like PID 1 does. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		fprintf(stderr, "urun-init: cannot become a subreaper: %s\n", strerror(errno));

	/* Take the terminal for CMD only if stdin is our controlling terminal
	 * and we are its foreground group (-1 from tcgetpgrp() otherwise). A
	 * background urun-init must not steal the terminal from its shell:
	 * then CMD stays in our group and shares our job-control fate. */
	bool take_tty = tcgetpgrp(STDIN_FILENO) == getpgrp();

	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "urun-init: fork: %s\n", strerror(errno));
		return EXIT_INIT_FAILURE;
	}
	if (child == 0)
		run_child(cmd, take_tty, &old_chld, &old_mask);
	return supervise(child, take_tty);
}
