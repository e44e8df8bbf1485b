/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfs.h: the vfs driver's copy step: an image's layers merged into one plain
 * directory by copying, for hosts where no overlay can be mounted. */
#ifndef URUN_ROOTFS_VFS_H
#define URUN_ROOTFS_VFS_H

#include "util/error.h"

/* Copy the layers (paths, bottom layer first, NULL-terminated) into the
 * empty directory destfd, applying whiteouts and opaque directories, as
 * an overlay mount of them would show. Runs inside the user namespace
 * that owns the layers' files (so owners can be kept). */
int vfs_copy_layers(int destfd, char *const *layers, struct urun_error *err);

#endif
