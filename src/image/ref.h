/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ref.h: image references as users type them (alpine, ghcr.io/a/b:1.0, oci:DIR:TAG, ...),
 * normalised as docker and podman do, and registries.conf, which completes short names. */
#ifndef URUN_IMAGE_REF_H
#define URUN_IMAGE_REF_H

#include <stdbool.h>

#include "util/error.h"

enum image_transport {
	IMAGE_TRANSPORT_DOCKER,
	IMAGE_TRANSPORT_OCI,
	IMAGE_TRANSPORT_OCI_ARCHIVE,
	IMAGE_TRANSPORT_DOCKER_ARCHIVE,
};

struct image_ref {
	enum image_transport transport;
	char *registry;	   /* "docker.io", "127.0.0.1:5000" (docker transport) */
	char *repository;  /* "library/alpine" */
	char *tag;	   /* "latest"; NULL if only a digest was given */
	char *digest;	   /* "sha256:..." or NULL; wins over the tag when pulling */
	char *path;	   /* oci/oci-archive/docker-archive: file or dir */
	char *archive_ref; /* docker-archive:FILE:REF / oci:DIR:TAG part, or NULL */
	bool short_name;   /* the user gave neither a registry nor `docker://`: the name is
			      subject to registries.conf resolution (and stays true after it) */
};

/* Parse one reference, with or without a transport prefix (none = docker). `out` is
 * overwritten, not freed; on failure it is left zeroed. Known prefixes win over image
 * names, as in podman: `oci:latest` is the oci transport; `docker://oci:latest` is not. */
int image_ref_parse(const char *s, struct image_ref *out, struct urun_error *err);
/* Free the members and zero the struct; NULL and a zeroed struct are fine. */
void image_ref_free(struct image_ref *r);
/* "docker.io/library/alpine:latest", "...@sha256:..." (tag and digest both when both);
 * "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]", "docker-archive:FILE[:REF]" otherwise. */
char *image_ref_name(const struct image_ref *r);
/* The host to contact: docker.io -> registry-1.docker.io, else registry; NULL when the
 * transport has no registry. */
const char *image_ref_api_host(const struct image_ref *r);
/* True for localhost, [::1], 127.0.0.0/8 hosts (with or without :port): plain HTTP
 * allowed as docker does. No name lookup is done: only these literal forms count. */
bool image_ref_is_loopback(const char *registry);

/* registries.conf (a TOML subset like containers-registries.conf(5)):
 *   unqualified-search-registries = ["docker.io", "quay.io"]
 *   [aliases]
 *   "busybox" = "docker.io/library/busybox"
 *   [[registry]]
 *   location = "127.0.0.1:5000"
 *   insecure = true          # plain HTTP / no TLS verify for this registry only
 * The version 1 tables [registries.search] and [registries.insecure] are read too. Other
 * keys podman knows (short-name-mode, blocked, mirrors, ...) are accepted and ignored. */
struct registries_conf {
	char **search;			     /* NULL-terminated; default {"docker.io"} when the
						file has none; empty when it says [] */
	char **alias_names, **alias_targets; /* parallel NULL-terminated vectors */
	char **insecure;		     /* registries marked insecure */
};

/* Missing file = defaults. */
int registries_conf_load(const char *path, struct registries_conf *rc, struct urun_error *err);
/* `rc` is overwritten, not freed; on failure it is left zeroed. Errors name
 * `source_name` and the line. */
int registries_conf_parse(const char *text, const char *source_name, struct registries_conf *rc,
			  struct urun_error *err);
void registries_conf_free(struct registries_conf *rc);
/* True when `registry` (host[:port]) is listed, or matches a "*.example.com" entry.
 * Entries with a namespace ("host/ns") only cover that namespace and never match here. */
bool registries_conf_is_insecure(const struct registries_conf *rc, const char *registry);

/* Resolve a user-typed name: fully qualified (or with a transport) -> itself; an alias ->
 * its target (with the user's tag or digest); a short name with exactly one search
 * registry -> that; with several search registries -> an error listing the candidates and
 * telling the user to qualify the name or add an alias (never resolve an ambiguous short
 * name silently, never prompt). `rc` NULL means the defaults. On success out is a parsed
 * ref. */
int image_ref_resolve(const char *s, const struct registries_conf *rc, struct image_ref *out,
		      struct urun_error *err);

#endif
