/* SPDX-License-Identifier: GPL-2.0-or-later */
/* auth.h: registry credentials: WWW-Authenticate challenges, token-endpoint answers, and the
 * auth.json / docker config.json files podman and docker users already have. */
#ifndef URUN_IMAGE_AUTH_H
#define URUN_IMAGE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* The user name docker credential helpers use to say "the secret is an OAuth2 refresh token"
 * (an auth.json `identitytoken`): auth_lookup returns it with the token as the password. */
#define AUTH_IDENTITY_TOKEN_USER "<token>"

/* One parsed WWW-Authenticate challenge. Fields the header lacks are NULL. */
struct auth_challenge {
	char *scheme; /* lower-cased: "bearer", "basic", ... */
	char *realm, *service, *scope;
};

/* Parse the first challenge of a WWW-Authenticate value (RFC 7235: a scheme, then
 * comma-separated key=value or key="quoted, value" parameters; names are case-insensitive,
 * unknown ones ignored). A second challenge in the same value is ignored. `ch` is
 * overwritten, not freed; on failure it is left zeroed. */
int auth_parse_challenge(const char *header, struct auth_challenge *ch, struct urun_error *err);
void auth_challenge_free(struct auth_challenge *ch);

/* Decode a token endpoint's JSON answer: `token` or else `access_token`, and `expires_in`
 * (seconds; 60 when absent or smaller, as docker does). The token is checked to be
 * printable ASCII without spaces, since it goes into an HTTP header. */
int auth_parse_token(const char *body, size_t len, char **token, long *expires_in,
		     struct urun_error *err);

/* "Basic base64(user:pass)", the value of an Authorization header. */
char *auth_basic_value(const char *user, const char *pass);

/* The form auth files are keyed by: scheme and (for URL-shaped keys) path stripped, docker.io
 * aliases (index.docker.io, registry-1.docker.io) folded into docker.io, host lower-cased.
 * NULL when nothing is left. */
char *auth_normalize_key(const char *key);

/* Credentials for `registry` (host[:port], as in the image reference) and `repository`
 * (may be NULL), looked up as podman does:
 *   auth_file if given, else $REGISTRY_AUTH_FILE if set: that file only (it must exist);
 *   else $XDG_RUNTIME_DIR/containers/auth.json, ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json,
 *   ${DOCKER_CONFIG:-~/.docker}/config.json, ~/.dockercfg (legacy format), in that order.
 * The first file holding a matching key wins; inside a file the most specific key wins
 * (host/ns/repo, host/ns, host). Missing standard files are skipped; unreadable or malformed
 * ones are errors (naming the file). Returns 0 with all three NULL when nothing matches;
 * `source` names the file that supplied the credentials. Secrets are never logged. */
int auth_lookup(const char *auth_file, const char *registry, const char *repository, char **user,
		char **pass, char **source, struct urun_error *err);

/* The same on one file's content (tests, fuzzing). `legacy`: ~/.dockercfg, whose top level is
 * the map of keys itself. Returns 1 when found, 0 when not, <0 on error. */
int auth_lookup_text(const char *text, size_t len, const char *source, bool legacy,
		     const char *registry, const char *repository, char **user, char **pass,
		     struct urun_error *err);

/* The file `urun login` writes: auth_file, else $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json when that directory exists, else
 * ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json. */
char *auth_primary_file(const char *auth_file, struct urun_error *err);

/* `urun login` / `urun logout`: add or replace (remove) the entry for `registry` (host[:port]
 * or host/namespace) in the primary auth file, keeping every other entry and key. The file is
 * replaced atomically (temp file + rename) with mode 0600; a malformed file is left alone and
 * reported. auth_remove fails with -ENOENT when there was no entry. */
int auth_store(const char *auth_file, const char *registry, const char *user, const char *pass,
	       struct urun_error *err);
int auth_remove(const char *auth_file, const char *registry, struct urun_error *err);

#endif
