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
	bool squash_owner;    /* single-id mode: every entry owned by (uid, gid) below, ignore tar owners */
	uid_t uid;            /* the caller's ids inside the namespace where unpack runs (usually 0/0); */
	gid_t gid;            /* also the fallback owner when a tar owner cannot be applied */
	uint64_t max_bytes;   /* refuse when the uncompressed layer, or the data written, exceeds this
			       * (0 = no limit); counted as produced, never taken from headers */
	uint64_t max_entries; /* refuse beyond this many entries (0 = no limit) */
};

struct unpack_result {
	char diff_id[7 + 64 + 1];  /* "sha256:<hex>" of the UNCOMPRESSED tar stream, trailing data included */
	uint64_t entries;          /* tar entries read, including skipped ones and whiteouts */
	uint64_t bytes;            /* file data extracted (apparent sizes, so sparse holes count) */
	uint64_t skipped_devices;  /* char/block devices (never created) and sockets, skipped */
	uint64_t whiteout_files;   /* whiteouts kept as `.wh.NAME` / `.wh..wh..opq` files because the
				    * filesystem refused a 0:0 device or a user.* xattr (fuse-overlayfs
				    * understands these; kernel overlay does not) */
	uint64_t unmapped_owners;  /* entries whose tar owner could not be applied (id not mapped in the
				    * user namespace, or no CAP_CHOWN): owned by (uid, gid) instead */
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
