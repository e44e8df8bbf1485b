/* SPDX-License-Identifier: GPL-2.0-or-later */
/* signals.h: what a process urun forks must do before it execs another
 * program (the container's command, fuse-overlayfs, slirp4netns, pasta,
 * the keeper): urun blocks the signals its monitor reads through a
 * signalfd and ignores SIGPIPE, and both survive exec. Async-signal-safe. */
#ifndef URUN_UTIL_SIGNALS_H
#define URUN_UTIL_SIGNALS_H

#include <signal.h>

static inline void signals_reset_for_exec(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

#endif
