/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rootfs-int.h: what the drivers share inside rootfs/. */
#ifndef URUN_ROOTFS_ROOTFS_INT_H
#define URUN_ROOTFS_ROOTFS_INT_H

#include "rootfs/rootfs.h"

int rootfs_lowerdirs(struct store *s, const struct store_image *img, char **out,
		     struct urun_error *err);
/* Lower dirs plus, with ctr_dir, upper/ work/ merged/ in it. */
int rootfs_layered_prepare(struct store *s, const struct store_image *img, const char *ctr_dir,
			   struct container_spec *spec, struct urun_error *err);
/* 0 when kernel overlay mounts here; why says what happened either way. */
int rootfs_probe_overlay(struct store *s, char *why, size_t len);
/* Copy the image's layers to ctr_dir/rootfs (once), in the user namespace. */
int rootfs_vfs_prepare(struct store *s, const struct store_image *img, const char *ctr_dir,
		       struct container_spec *spec, struct urun_error *err);

#endif
