/* rootfs.h: turn an image's layers into the container's root filesystem
 * description (struct container_spec fields the child acts on). */
#ifndef URUN_ROOTFS_ROOTFS_H
#define URUN_ROOTFS_ROOTFS_H

#include "image/store.h"
#include "run/spec.h"

/* Kernel overlay, mounted inside the container's user namespace with
 * userxattr, over the image's layers; the writable layer is a tmpfs private
 * to the container. */
int rootfs_overlay_prepare(struct store *s, const struct store_image *img, struct container_spec *spec,
			   struct urun_error *err);

#endif
