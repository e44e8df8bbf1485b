/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mounts.h: the container's filesystem as data. The parent plans a flat list
 * of operations; the child applies it between clone and exec. */
#ifndef URUN_RUN_MOUNTS_H
#define URUN_RUN_MOUNTS_H

#include "run/spec.h"

enum mount_op_kind {
	MOP_FS,         /* mount fstype (proc, sysfs, tmpfs, devpts, mqueue, cgroup2) */
	MOP_BIND,       /* bind a host path (checked by the parent) onto a target */
	MOP_SYMLINK,    /* create symlink target -> source, if target is absent */
	MOP_FILE,       /* put `content` at target as a read-only file (hostname, hosts, ...) */
	MOP_MASK,       /* after pivot_root: hide target (/dev/null or empty ro tmpfs) */
	MOP_READONLY,   /* after pivot_root: bind target onto itself read-only */
	MOP_ROOT_RO,    /* after pivot_root: remount / read-only (--read-only) */
};

/* mop flags */
#define MOP_OPTIONAL 0x1 /* failure is not an error (missing or unsupported) */
#define MOP_DIR 0x2      /* the target is a directory (create as one) */
#define MOP_RDONLY 0x4   /* bind read-only */
#define MOP_NONREC 0x8   /* non-recursive bind */
#define MOP_NOSYMLINK 0x10 /* the target may not be reached through a symlink */

struct mount_op {
	enum mount_op_kind kind;
	unsigned flags;
	const char *source;     /* fstype source name, symlink text, or host path for display */
	const char *target;     /* path inside the container, relative to its root */
	const char *fstype;
	const char *data;
	unsigned long mflags;   /* MS_* for MOP_FS */
	const char *content;    /* MOP_FILE */
};

struct mount_plan {
	struct mount_op *ops;
	size_t n;
	const char *scratch;        /* layered root (see struct container_spec) */
	char *overlay_data;         /* overlay mount options */
	char *merged;               /* the layered root's path */
	char **strings;         /* storage owned by the plan */
};

/* Build the list for spec; checks bind sources (a missing host path fails
 * here, before any namespace exists). */
int mounts_plan(const struct container_spec *spec, struct mount_plan *plan, struct urun_error *err);
void mounts_plan_free(struct mount_plan *plan);
/* Print the plan at debug level. */
void mounts_plan_dump(const struct mount_plan *plan);

/* Child side. Apply the pre-pivot operations under the root directory fd,
 * pivot_root into it, then the post-pivot ones. On failure fills the fixed
 * buffer `msg` (no allocation) and returns -errno. */
int mounts_apply(const struct mount_plan *plan, const char *rootfs, char *msg, size_t msglen);
/* The root path mounts_apply should be given. */
const char *mounts_root(const struct mount_plan *plan, const struct container_spec *spec);

#endif
