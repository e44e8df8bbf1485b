/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry.h: a client for one repository of an OCI distribution (docker registry v2) server:
 * ping and authentication, manifests and blobs, every byte verified and every request bounded. */
#ifndef URUN_IMAGE_REGISTRY_H
#define URUN_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define REGISTRY_MANIFEST_MAX (4u << 20) /* bytes; also the bound of registry_get_blob_mem */

struct registry_opts {
	bool tls_verify;       /* false: --tls-verify=false / insecure registry: plain HTTP allowed
				  and no certificate check, for this registry's own host only */
	const char *ca_dir;    /* a directory of extra CA certificates (*.crt) for this registry;
				  NULL: the per-registry certs.d directories (see registry.c) */
	const char *auth_file; /* explicit auth.json; NULL: the standard lookup (auth.h) */
	const char *username;  /* explicit credentials (urun login, --creds); NULL: auth files */
	const char *password;
	long timeout_s;	 /* connect timeout, and the stall timeout of a transfer; <=0: 30 */
	int max_retries; /* on 5xx, 429, timeouts and broken connections; <0: 3 */
};

struct registry_client;

/* `registry` is the registry part of a reference ("docker.io", "127.0.0.1:5000": docker.io is
 * mapped to its API host here), `repository` e.g. "library/alpine". No network traffic yet:
 * the first request pings the registry and chooses http or https. */
int registry_client_new(const char *registry, const char *repository, const struct registry_opts *o,
			struct registry_client **out, struct urun_error *err);
void registry_client_free(struct registry_client *c);

struct registry_manifest {
	char *body; /* raw bytes as received (NUL-terminated for convenience) */
	size_t len;
	char *media_type; /* Content-Type without parameters, or else the body's mediaType */
	char *digest;	  /* "sha256:<hex>" of body, computed here */
};

/* `reference` is a tag or a "sha256:<hex>" digest. Accepted: OCI index and manifest, Docker
 * manifest list and schema 2. The digest is checked against Docker-Content-Digest (when sent)
 * and against the reference (when it is a digest). Bounded at REGISTRY_MANIFEST_MAX. */
int registry_get_manifest(struct registry_client *c, const char *reference,
			  struct registry_manifest *m, struct urun_error *err);
void registry_manifest_free(struct registry_manifest *m);

/* The sink gets every byte of the blob in order; returning <0 aborts the download (that value is
 * returned). `reset` (may be NULL) is called when the download must start over because the
 * server cannot resume: the sink must forget what it got. size -1: unknown (then only the
 * digest is checked). On a digest or size mismatch the call fails ("digest mismatch ...") and
 * the caller must discard what the sink received. */
typedef int (*registry_sink_fn)(void *ud, const void *buf, size_t len);
typedef int (*registry_reset_fn)(void *ud);
int registry_fetch_blob(struct registry_client *c, const char *digest, int64_t size,
			registry_sink_fn sink, registry_reset_fn reset, void *ud,
			struct urun_error *err);

/* A small blob (an image config) into memory, verified, NUL-terminated, at most
 * REGISTRY_MANIFEST_MAX bytes. */
int registry_get_blob_mem(struct registry_client *c, const char *digest, int64_t size, char **buf,
			  size_t *len, struct urun_error *err);

/* `urun login`: check that the credentials in `o` (username/password) are accepted by the
 * registry: GET /v2/ through the registry's challenge (Basic, or a token request). */
int registry_check_login(const char *registry, const struct registry_opts *o,
			 struct urun_error *err);

#endif
