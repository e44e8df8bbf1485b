/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source.h: where an image comes from. A source hands out manifests and
 * blobs; the puller verifies everything it gets, whatever the source. */
#ifndef URUN_IMAGE_SOURCE_H
#define URUN_IMAGE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "image/ref.h"
#include "util/error.h"

typedef int (*source_sink_fn)(void *ud, const void *buf, size_t len);

struct source_manifest {
	char *body;
	size_t len;
	char *media_type;   /* may be empty: decide from the body */
};

struct image_source {
	void *priv;
	char *name;         /* the name the image gets in the store */
	/* reference: a tag, or "sha256:..." */
	int (*get_manifest)(struct image_source *s, const char *reference, struct source_manifest *m,
			    struct urun_error *err);
	int (*get_blob_mem)(struct image_source *s, const char *digest, int64_t size, char **buf, size_t *len,
			    struct urun_error *err);
	/* Stream the blob into sink; the source checks digest and size. */
	int (*fetch_blob)(struct image_source *s, const char *digest, int64_t size, source_sink_fn sink, void *ud,
			  struct urun_error *err);
	void (*close)(struct image_source *s);
	/* A second, independent handle for another thread (parallel layers). */
	int (*clone)(struct image_source *s, struct image_source *out, struct urun_error *err);
	const char *reference;  /* the tag or digest to start from */
};

struct source_opts {
	int tls_verify;           /* -1: default, 0: off, 1: on */
	const char *creds;        /* USER:PASS or NULL */
	const char *auth_file;
};

/* oci:DIR[:TAG] */
int source_open_oci(const struct image_ref *ref, struct image_source *out, struct urun_error *err);
/* docker://... through the registry client */
int source_open_registry(const struct image_ref *ref, const struct source_opts *o, bool insecure,
			 struct image_source *out, struct urun_error *err);
void source_manifest_free(struct source_manifest *m);

#endif
