/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.h: acting on a recorded container from another urun process:
 * signal it, wait for it, stop it, remove it and its writable layer. */
#ifndef URUN_RUN_LIFECYCLE_H
#define URUN_RUN_LIFECYCLE_H

#include "image/store.h"
#include "run/state.h"

/* Signal the container's PID 1, but only the process recorded (its start
 * time must match: a recycled pid is never signalled). -ESRCH: not running. */
int ctr_kill(const struct ctr_state *st, int sig, struct urun_error *err);
/* Wait until the container's monitor has finished (it records the exit
 * status, or removes an --rm container); timeout_ms < 0: no limit.
 * Returns 0, or -ETIMEDOUT. */
int ctr_wait(const struct ctr_state *st, int timeout_ms);
/* docker stop: sig (SIGTERM), then SIGKILL after timeout seconds. */
int ctr_stop(const struct ctr_state *st, int sig, int timeout, struct urun_error *err);
/* Remove a container that is not running: its store directory (upper,
 * work, log: inside the user namespace) and its record. */
int ctr_remove(struct state_dir *sd, struct store *s, const struct ctr_state *st,
	       struct urun_error *err);
/* Signal name or number (KILL, SIGKILL, 9) to a number; -1 if unknown. */
int ctr_parse_signal(const char *s);

#endif
