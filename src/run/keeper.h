/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keeper.h: one user namespace, mapped once, shared by the user's
 * containers (see keeper.c). */
#ifndef URUN_RUN_KEEPER_H
#define URUN_RUN_KEEPER_H

#include <stdint.h>
#include <sys/types.h>

#include "run/spec.h"

struct keeper {
	pid_t pid;	/* 0: none, the container gets a user namespace of its own */
	uint64_t start; /* the keeper's start time, checked before joining */
	int lockfd;	/* held (shared) until the container is cloned inside */
};

/* Find or start the keeper for spec's maps in dir ($RUNDIR/userns), which
 * exits after idle seconds without a process in its namespace. Nothing
 * (k->pid 0) for a single-id map or when dir cannot be used. */
int keeper_join(const struct container_spec *spec, const char *dir, int idle, struct keeper *k,
		struct urun_error *err);
void keeper_release(struct keeper *k);
/* Kill every keeper recorded in dir (system reset): only the processes
 * recorded, checked by their start time. */
void keeper_stop_all(const char *dir);

/* The keeper is urun run again under this name (main() dispatches). */
#define KEEPER_ARGV0 "urun-userns-keeper"
__attribute__((noreturn)) int keeper_main(int argc, char **argv);

#endif
