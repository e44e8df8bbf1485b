/* SPDX-License-Identifier: GPL-2.0-or-later */
/* container.h: start a container from a spec and supervise it. */
#ifndef URUN_RUN_CONTAINER_H
#define URUN_RUN_CONTAINER_H

#include <stdint.h>

#include "run/spec.h"

struct container_hooks {
	/* Called once the command was exec'd; pid is the container's PID 1 as
	 * the host sees it. An error here stops the container. */
	int (*started)(void *ud, pid_t pid, struct urun_error *err);
	void *ud;
};

/* Start the container and stay as its monitor until it exits. Returns the
 * exit status to use (the command's, or 128+signal), or a negative error
 * with err filled (err->status says 125, 126 or 127). */
int container_run(struct container_spec *spec, const struct container_hooks *hooks, struct urun_error *err);

/* Run spec->argv inside the running container whose PID 1 is pid (started
 * at pid_start, as /proc says): every namespace it has, its root, and the
 * spec's identity, capabilities, seccomp and no_new_privs. Returns the
 * command's exit status like container_run. */
int container_exec(struct container_spec *spec, pid_t pid, uint64_t pid_start, struct urun_error *err);

#endif
