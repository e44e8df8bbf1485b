/* SPDX-License-Identifier: GPL-2.0-or-later */
/* child.h: the container side of clone: what runs between clone and exec. */
#ifndef URUN_RUN_CHILD_H
#define URUN_RUN_CHILD_H

#include "run/mounts.h"
#include "run/security.h"
#include "run/spec.h"

/* What the child reports through its close-on-exec report socket when it cannot
 * reach exec. EOF on it means exec succeeded. */
struct child_report {
	int status;	/* exit status urun should use: 125, 126, 127 (or 1,
			 * podman's for an executable file that execve refused) */
	int err;        /* errno */
	char msg[512];
	char hint[256]; /* what the user can do, or "" */
};

struct child_ctx {
	const struct container_spec *spec;
	const struct mount_plan *mounts;
	const struct security_plan *security;
	int sync_fd;    /* read end: the parent writes one byte once the id maps
			 * exist and the network, ports and cgroup are ready */
	bool late_sync; /* the user namespace is mapped already and no FUSE mount
			 * must appear first: mount, then wait */
	int report_fd;  /* our end of a SOCK_SEQPACKET pair (O_CLOEXEC): a report,
			 * or the pty master for -t */
	int stdin_fd;   /* dup'ed onto 0 when >= 0 (/dev/null without -i) */
	bool join;      /* exec: already in the container's namespaces and root;
			 * no id maps to wait for, nothing to mount */
};

/* Never returns: execs the command or _exit()s after reporting. */
__attribute__((noreturn)) void child_main(const struct child_ctx *ctx);

#endif
