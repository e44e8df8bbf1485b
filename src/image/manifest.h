/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manifest.h: OCI and Docker v2 manifests, indexes and image configs, decoded
 * from (untrusted) JSON into plain structs. */
#ifndef URUN_IMAGE_MANIFEST_H
#define URUN_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/timefmt.h"

#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MANIFEST_MAX_BYTES (4u << 20)

struct descriptor {
	char *media_type;
	char *digest;  /* "sha256:<64 hex>", validated */
	int64_t size;
};

struct image_manifest {
	struct descriptor config;
	struct descriptor *layers;
	size_t n_layers;
};

struct image_config {
	char *architecture, *os, *variant;
	char **env, **entrypoint, **cmd;   /* NULL-terminated; NULL when absent */
	char *workdir, *user;
	char **exposed_ports;              /* "80/tcp" */
	char **diff_ids;                   /* "sha256:..." per layer */
	size_t n_diff_ids;
	/* `created`; an absent or malformed one is unknown, not an error:
	 * it is shown, never used to decide anything. */
	bool has_created;
	struct timefmt_time created;
};

/* True when media_type (or, if NULL, the body's mediaType) names an index or
 * a Docker manifest list. */
bool manifest_is_index(const char *media_type, const char *body, size_t len);

/* Pick the manifest for os/arch[/variant] from an index; attestation
 * entries (os "unknown") are skipped. arch and variant use OCI names
 * (manifest_host_platform gives the host's). */
int manifest_index_select(const char *body, size_t len, const char *os, const char *arch, const char *variant,
			  struct descriptor *out, struct urun_error *err);
void manifest_host_platform(const char **arch, const char **variant);

int manifest_parse(const char *body, size_t len, struct image_manifest *m, struct urun_error *err);
void manifest_free(struct image_manifest *m);

int image_config_parse(const char *body, size_t len, struct image_config *c, struct urun_error *err);
void image_config_free(struct image_config *c);

void descriptor_free(struct descriptor *d);

#endif
