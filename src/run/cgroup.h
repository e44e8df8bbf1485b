/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup.h: --memory, --cpus, --pids-limit through a delegated cgroup v2
 * subtree, and the warning path where there is none (cgroup v1, hybrid). */
#ifndef URUN_RUN_CGROUP_H
#define URUN_RUN_CGROUP_H

#include "run/spec.h"

struct cgroup_handle {
	int dirfd;      /* the container's own cgroup directory, or -1 */
	int parentfd;
	char name[48];
};

/* Nothing requested: returns 0 with h->dirfd = -1. Requested but no
 * delegation: one warning line, returns 0 with h->dirfd = -1 (the container
 * still runs). Otherwise creates the cgroup and writes the limits. */
int cgroup_setup(const struct container_spec *spec, const char *id, struct cgroup_handle *h,
		 struct urun_error *err);
/* Move pid into the cgroup (before it is released). */
/* Why --memory/--cpus/--pids-limit cannot apply here, or NULL. */
const char *cgroup_limits_unavailable(void);
int cgroup_enter(struct cgroup_handle *h, pid_t pid, struct urun_error *err);
/* Remove the cgroup once the container is gone. */
void cgroup_cleanup(struct cgroup_handle *h);

#endif
