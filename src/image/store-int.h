/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store-int.h: what store.c shares with store-gc.c (removal and sizes):
 * the records' lock and file, and the per-digest locks. Not for other modules. */
#ifndef URUN_IMAGE_STORE_INT_H
#define URUN_IMAGE_STORE_INT_H

#include "image/store.h"

/* ROOT/lock held exclusively: returns the fd to close, or a negative error. */
int store_lock_records(struct store *s, struct urun_error *err);
/* images.json of your store (not the read-only ones). */
int store_load_records(struct store *s, struct store_image **out, size_t *n,
		       struct urun_error *err);
int store_save_records(struct store *s, const struct store_image *v, size_t n,
		       struct urun_error *err);
/* flock(op) on ROOT/locks/<kind><hex of digest>: a layer's lock (kind "")
 * is held exclusively while it is unpacked and shared by running
 * containers; "image-" by a container's image. -1 with errno on failure. */
int store_lock_file(struct store *s, const char *kind, const char *digest, int op);

#endif
