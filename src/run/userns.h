/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userns.h: who the container runs as: subordinate id ranges, the uid/gid
 * maps, and writing them for the child through newuidmap/newgidmap. */
#ifndef URUN_RUN_USERNS_H
#define URUN_RUN_USERNS_H

#include <stdio.h>

#include "run/spec.h"

/* Read the ranges of (user, uid) from a subuid/subgid-format stream: one
 * `name_or_id:start:count` per line. Fills up to max ranges (inside = 0). */
int subid_parse(FILE *f, const char *user, uint32_t id, struct idmap *out, size_t max, size_t *n);

/* The start of count ids free in both files (either may be NULL): above the
 * end of every range of any user, and at least 100000 (shadow's
 * SUB_UID_MIN); 0 when none fits below 2^32 - 1. */
uint32_t subid_free_start(FILE *subuid, FILE *subgid, uint32_t count);

/* "usermod --add-subuids A-B --add-subgids A-B USER" with a free range of
 * 65536 ids from /etc/subuid and /etc/subgid ($URUN_SUBUID_FILE and
 * $URUN_SUBGID_FILE for tests). Allocated. */
char *userns_add_range_hint(const char *user);

/* Fill spec->uidmap/gidmap from /etc/subuid and /etc/subgid (or the files
 * named by $URUN_SUBUID_FILE/$URUN_SUBGID_FILE for tests) and spec->userns. */
int userns_plan(struct container_spec *spec, struct urun_error *err);

/* Write the maps of process pid: newuidmap and newgidmap run concurrently
 * with ranges; direct /proc writes for a single-id map. */
int userns_write_maps(pid_t pid, const struct container_spec *spec, struct urun_error *err);

/* Run fn(arg) in a child process in a new user namespace with spec's maps
 * (as root there): how the store creates and removes files owned by
 * subordinate ids, which the caller cannot touch from outside. Returns fn's
 * result (0 or negative errno); fn reports details through its own channel. */
int userns_call(const struct container_spec *spec, int (*fn)(void *arg), void *arg, struct urun_error *err);
/* The same in two steps, for callers that feed the child meanwhile. */
int userns_spawn(const struct container_spec *spec, int (*fn)(void *arg), void *arg, pid_t *pid,
		 struct urun_error *err);
int userns_wait(pid_t pid, struct urun_error *err);

/* Render a map as "inside outside count ..." (for newuidmap argv and debug). */
/* newuidmap/newgidmap at path: installed, setuid root or with file caps;
 * else false and why ("is not installed", ...). */
bool userns_helper_usable(const char *path, const char **why);
char *userns_format_map(const struct idmap *m, size_t n);

#endif
