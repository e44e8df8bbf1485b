/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store.h: the per-user image store: content-addressed blobs (manifests,
 * configs), unpacked layers by diffID shared between images, and image
 * records by name. Writers are crash-safe (temp + rename after
 * verification) and serialised by flock. */
#ifndef URUN_IMAGE_STORE_H
#define URUN_IMAGE_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "run/spec.h"
#include "util/config.h"
#include "util/error.h"

#define STORE_FORMAT "urun-store 1\nwhiteouts chardev-0:0\nopaque user.overlay.opaque\n"

/* An additional, read-only store (additional_stores in urun.conf): images
 * an admin pulled for everyone, used where they are, never written. */
struct store_ro {
	char *root;
	int rootfd;
};

struct store {
	char *root;          /* absolute path */
	int rootfd;
	struct store_ro *extra;
	size_t n_extra;
	char **refused; /* additional stores not used, as "`PATH`: why" (urun info shows them) */
	char *moved_from;    /* the default place, on a network filesystem, that root replaces */
	const char *moved_why; /* "NFS", ... */
	struct container_spec ids;  /* the id maps layers are unpacked with */
	uint64_t max_layer_bytes;   /* max_layer_size of urun.conf */
	/* min_free_space of urun.conf: free space a layer must leave on the
	 * store's filesystem, the larger of a size and a share of the filesystem. */
	uint64_t min_free_bytes;
	double min_free_percent;
	char *min_free_conf;
};

struct store_image {
	char *name;          /* docker.io/library/alpine:latest */
	char *manifest;      /* sha256:... */
	char *config;        /* sha256:... */
	char **layers;       /* diffIDs, bottom first */
	int64_t size;        /* compressed bytes, as pulled */
	time_t created;      /* when stored */
	const char *store;   /* NULL: yours; else the read-only store it is in */
};

/* Open (creating) the store at storage_root or $XDG_DATA_HOME/urun; when
 * that default is on a network filesystem (NFS, GPFS, Lustre, CIFS, FUSE:
 * no overlay upper dirs, no subordinate-id owners there), a node-local
 * one instead, said once. The store must be the caller's and writable by
 * nobody else. Opens the additional_stores read-only: one that another
 * user owns or could change is refused with a warning (s->refused). */
int store_open(struct store *s, const struct urun_config *cfg, struct urun_error *err);
/* "NFS", "GPFS", ... when path (or its nearest existing ancestor) is on a
 * network or FUSE filesystem, or urun.conf's storage_fs declares one; NULL
 * when local. */
const char *store_network_fs(const struct urun_config *cfg, const char *path);
void store_close(struct store *s);

/* Blobs: verified against their digest before they are renamed into place. */
int store_put_blob(struct store *s, const char *digest, const void *buf, size_t len, struct urun_error *err);
int store_get_blob(struct store *s, const char *digest, char **buf, size_t *len, struct urun_error *err);

bool store_has_layer(struct store *s, const char *diff_id);
/* Remove dirfd/name recursively inside the store's user namespace (its
 * files may belong to subordinate ids); a missing one is fine. */
int store_remove_tree(struct store *s, int dirfd, const char *name, struct urun_error *err);
/* Absolute path of an unpacked layer. */
char *store_layer_path(struct store *s, const char *diff_id);

/* Unpack a layer stream into the store under diff_id, once (a per-layer lock makes a
 * concurrent pull of the same layer wait and then find it; the result's diffID must equal
 * diff_id), in steps for parallel pulls: begin (forks the unpacker: call it
 * while no other thread runs, since a child forked from a threaded process
 * inherits locks held by other threads), then write the stream into
 * tx->data_fd from any thread, then finish. With wait=false a layer another
 * process is unpacking is left alone (tx->busy). */
struct store_layer_tx {
	struct store *s;
	char diff_id[72], tmp_name[128];
	int lock, tmpfd, layersfd, data_fd, rep_fd;
	pid_t pid;
	bool present, busy;
};
int store_layer_begin(struct store *s, const char *diff_id, bool wait, struct store_layer_tx *tx,
		      struct urun_error *err);
int store_layer_finish(struct store_layer_tx *tx, int feed_r, struct urun_error *err);

/* Image records. */
int store_record_image(struct store *s, const struct store_image *img, struct urun_error *err);
int store_list_images(struct store *s, struct store_image **out, size_t *n, struct urun_error *err);
/* Find by full name, or by (prefix of) the manifest digest / short id. */
int store_find_image(struct store *s, const char *name, struct store_image *out, struct urun_error *err);
int store_remove_name(struct store *s, const char *name, struct urun_error *err);
/* store-gc.c: removal and sizes. */
/* Remove layers and blobs no image refers to, and stale temp entries. */
int store_prune(struct store *s, uint64_t *removed, struct urun_error *err);
/* Remove every name (record) of the image with config digest `config`
 * from your store, then its layers and blobs no remaining image uses; a
 * layer a running container holds stays (for prune). *names: the names
 * removed (NULL-terminated, none when the image was not there). */
int store_remove_image(struct store *s, const char *config, char ***names, struct urun_error *err);
/* Content bytes (regular files and symlinks, a hard-linked file once) of
 * each ROOT/subdir/names[i] (0 when missing), measured inside the user
 * namespace, where files of subordinate ids can be read. */
int store_tree_sizes(struct store *s, const char *subdir, char *const *names, size_t n, uint64_t *sizes,
		     struct urun_error *err);
/* Bytes of a blob in your store; -1 when it is not there. */
int64_t store_blob_size(struct store *s, const char *digest);
/* `system reset`: remove what urun keeps in the store's root (records
 * first, so an interrupted reset leaves no image pointing at a missing
 * layer), then the root itself unless something else is in it. */
int store_reset(struct store *s, struct urun_error *err);

/* A running container holds its image and layers with shared locks, so
 * rmi and prune can tell what is in use (the lock dies with the process).
 * Returns the lock fds (NULL-terminated count in *n), to keep open. */
int store_hold_image(struct store *s, const struct store_image *img, int **fds, size_t *n, struct urun_error *err);
/* True when a running container holds the image. */
bool store_image_in_use(struct store *s, const struct store_image *img);

void store_image_free(struct store_image *img);
void store_images_free(struct store_image *v, size_t n);

#endif
