/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rootfs.h: one interface over the three ways to turn an image's layers
 * into a container's root: kernel overlay (mounted in the user namespace),
 * fuse-overlayfs, and vfs (a copy). Prepare fills the spec; the mount
 * happens in the child (overlay), or in the monitor before the child is
 * released (fuse-overlayfs); remove deletes the container's writable dir. */
#ifndef URUN_ROOTFS_ROOTFS_H
#define URUN_ROOTFS_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "image/store.h"
#include "run/spec.h"
#include "util/config.h"

enum rootfs_driver { ROOTFS_OVERLAY, ROOTFS_FUSE_OVERLAYFS, ROOTFS_VFS };

const char *rootfs_driver_name(enum rootfs_driver d);
/* "overlay", "fuse-overlayfs", "vfs", or "auto" (*is_auto set). */
int rootfs_driver_parse(const char *s, enum rootfs_driver *d, bool *is_auto,
			struct urun_error *err);

struct rootfs_choice {
	enum rootfs_driver driver;
	char *reason; /* why this driver, for `urun info` */
	char *source; /* "--storage-driver", "urun.conf", "probed" or "probed earlier" */
};

/* override (--storage-driver) wins, then urun.conf's driver; `auto` uses the
 * store's remembered probe, or probes once: overlay where a test mount in a
 * user namespace succeeds, else fuse-overlayfs, else vfs (with a warning
 * saying why). An explicitly chosen driver that cannot work here is an
 * error naming the cause. */
int rootfs_choose(struct store *s, const struct urun_config *cfg, const char *override,
		  struct rootfs_choice *c, struct urun_error *err);
void rootfs_choice_free(struct rootfs_choice *c);
/* Probe without remembering (urun info --format json shows the live result). */
int rootfs_probe(struct store *s, const struct urun_config *cfg, struct rootfs_choice *c);

/* Fill spec's rootfs for img. ctr_dir: $STORE/containers/<id>, the
 * writable layer's home (created); NULL for a container that is removed at
 * exit: its writable layer is then a tmpfs (vfs still needs ctr_dir). */
int rootfs_prepare(struct store *s, const struct urun_config *cfg, const struct store_image *img,
		   enum rootfs_driver d, const char *ctr_dir, struct container_spec *spec,
		   struct urun_error *err);
/* $STORE/containers/<id>, removed inside the user namespace (its files
 * belong to subordinate ids). A missing dir is fine. */
int rootfs_remove(struct store *s, const char *id, struct urun_error *err);
char *rootfs_ctr_dir(struct store *s, const char *id);

/* fuse-overlayfs, run in the foreground as the monitor's child inside the
 * container's user and mount namespaces, with PDEATHSIG: it dies with the
 * monitor at the latest. start returns once the mount is visible there. */
struct rootfs_fuse {
	pid_t pid;
	int errfd; /* its stderr, for the error message */
};
int rootfs_fuse_start(const struct container_spec *spec, pid_t child, struct rootfs_fuse *f,
		      struct urun_error *err);
/* After the container exited: the daemon is killed and reaped. */
void rootfs_fuse_stop(struct rootfs_fuse *f);

/* Check that fuse-overlayfs can work: the binary and /dev/fuse. */
int rootfs_fuse_usable(const char *binary, struct urun_error *err);

#endif
