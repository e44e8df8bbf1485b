/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unpack.h: extract one image layer (a tar stream, plain, gzip or zstd) into an
 * empty directory, confined to it, and compute the layer's diff_id on the way. */
#ifndef URUN_IMAGE_UNPACK_H
#define URUN_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct unpack_opts {
	/* Single-id mode: every entry is owned by the caller (uid, gid); tar owners are
	 * ignored and nothing is chowned. */
	bool squash_owner;
	/* The caller's ids inside the namespace where unpack runs (usually 0/0); also the
	 * owner an entry falls back to when its tar owner cannot be applied. */
	uid_t uid;
	gid_t gid;
	/* Refuse when the uncompressed layer, or the file data written (apparent sizes),
	 * exceeds this; counted as produced, never taken from headers. 0 = no limit. */
	uint64_t max_bytes;
	/* Refuse beyond this many entries. 0 = no limit. */
	uint64_t max_entries;
	/* Stop (ENOSPC, reserve_hit) once the destination filesystem has less free than
	 * this, checked before the first byte and then every few MiB written or entries
	 * made: a decompression bomb stops soon after it crosses. 0 = no check. */
	uint64_t min_free_bytes;
};

struct unpack_result {
	/* "sha256:<hex>" of the UNCOMPRESSED tar stream, trailing bytes included. */
	char diff_id[7 + 64 + 1];
	/* Tar entries read, skipped ones and whiteouts included. */
	uint64_t entries;
	/* File data extracted, at apparent size (sparse holes count). */
	uint64_t bytes;
	/* Char/block devices (never created) and sockets: skipped. */
	uint64_t skipped_devices;
	/* Whiteouts kept as `.wh.NAME` / `.wh..wh..opq` files because the filesystem refused
	 * a 0:0 device or a user.* xattr: fuse-overlayfs reads these, kernel overlay not. */
	uint64_t whiteout_files;
	/* Entries whose tar owner could not be applied (id not mapped in the user namespace,
	 * or no CAP_CHOWN): owned by (uid, gid) instead. */
	uint64_t unmapped_owners;
	/* Stopped at the free-space reserve (min_free_bytes). */
	bool reserve_hit;
};

/* Read the layer from in_fd until EOF and extract it under root_fd (an O_PATH or
 * O_RDONLY directory fd, normally of an empty directory). Layers are untrusted: every
 * path is resolved inside root_fd and nothing is ever created outside it. On failure the
 * directory holds a partial layer the caller must discard (unpack_remove_tree). */
int unpack_layer_fd(int in_fd, int root_fd, const struct unpack_opts *o, struct unpack_result *res,
		    struct urun_error *err);

/* Same from memory (tests, fuzzing). */
int unpack_layer_mem(const void *buf, size_t len, int root_fd, const struct unpack_opts *o,
		     struct unpack_result *res, struct urun_error *err);

/* Remove `name` under dirfd, recursively when it is a directory, through file descriptors
 * only and never following a symlink; directories without owner access are made
 * accessible first. A missing name is not an error. */
int unpack_remove_tree(int dirfd, const char *name, struct urun_error *err);

#endif
