/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry.c: the distribution API client for one repository: ping, authentication (Basic, or
 * bearer tokens with one renewal), retries, manifests and blobs, each verified against its
 * digest. The HTTP underneath (bounds, redirects, TLS) is registry-http.c. */
#include "image/registry.h"
#include "image/auth.h"
#include "image/ref.h"
#include "image/registry-http.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"
#include "util/log.h"

#include <pthread.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_RETRIES	  3
#define TOKEN_BODY_MAX	  (1u << 20)
#define JSON_MAX_DEPTH	  32

#define MT_OCI_INDEX	  "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	  "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST	  "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V2	  "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1	  "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1_SIGN "application/vnd.docker.distribution.manifest.v1+prettyjws"
/* Schema 1 is deliberately not offered: a registry that has nothing else should say so with
 * an error, not convert on the fly into something we would then refuse anyway. */
#define ACCEPT_MANIFESTS                                                                           \
	"Accept: " MT_OCI_MANIFEST ", " MT_DOCKER_V2 ", " MT_OCI_INDEX ", " MT_DOCKER_LIST

enum auth_kind { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct registry_client {
	char *registry;	  /* as in the reference: keys auth files and certs.d */
	char *host;	  /* API host[:port] (docker.io -> registry-1.docker.io), lower case */
	char *repository; /* NULL for registry_check_login */
	bool tls_verify;
	bool tls_configured; /* extra CAs found: TLS is expected, even on loopback */
	char *auth_file;
	int max_retries;
	struct registry_conn conn;

	bool creds_known; /* explicit, or looked up (once) */
	char *user, *pass, *creds_source;

	char *base; /* "https://HOST" once the ping chose a scheme */
	enum auth_kind auth;
	char *realm, *service; /* bearer challenge */
	char *token;
	time_t token_expiry; /* CLOCK_MONOTONIC seconds */
};

/* ---- small helpers ---- */

static time_t now_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* A JSON object of exactly `len` bytes, or NULL. */
static struct json_object *parse_json_object(const char *buf, size_t len)
{
	struct json_object *o = NULL;
	if (buf)
		json_parse_object(buf, len, JSON_MAX_DEPTH, 0, &o, NULL, NULL);
	return o;
}

static bool is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*: the names go into
 * URL paths, so nothing else may pass (no "..", "?", "#", "%"). */
static bool is_valid_repository(const char *s)
{
	if (!s || !*s || strlen(s) > 255)
		return false;
	for (const char *p = s;;) {
		if (!is_lower_alnum(*p))
			return false;
		while (is_lower_alnum(*p))
			p++;
		if (*p == '\0')
			return true;
		if (*p == '/') {
			p++;
		} else if (*p == '.') {
			p++;
		} else if (*p == '_') {
			p += p[1] == '_' ? 2 : 1;
		} else if (*p == '-') {
			while (*p == '-')
				p++;
		} else {
			return false;
		}
	}
}

static bool is_valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (const char *p = t; *p; p++)
		if (!is_lower_alnum(*p) && !(*p >= 'A' && *p <= 'Z') && !strchr("._-", *p))
			return false;
	return true;
}

/* host[:port] or [v6]:port. It names certs.d directories too: no "/" and no leading "." keep it
 * one harmless path component. */
static bool is_valid_registry(const char *s)
{
	if (!s || !*s || s[0] == '.' || strlen(s) > 255)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_lower_alnum(*p) && !(*p >= 'A' && *p <= 'Z') && !strchr(".-:[]", *p))
			return false;
	return true;
}

static int ensure_creds(struct registry_client *c, struct urun_error *err)
{
	if (c->creds_known)
		return 0;
	int r = auth_lookup(c->auth_file, c->registry, c->repository, &c->user, &c->pass,
			    &c->creds_source, err);
	if (r < 0)
		return r;
	c->creds_known = true;
	return 0;
}

static int fetch_token(struct registry_client *c, const char *extra_scope, struct urun_error *err);

static int authorization(struct registry_client *c, char **out, struct urun_error *err)
{
	*out = NULL;
	if (c->auth == AUTH_BASIC) {
		int r = ensure_creds(c, err);
		if (r < 0)
			return r;
		if (!c->user || strcmp(c->user, AUTH_IDENTITY_TOKEN_USER) == 0)
			return 0;
		if (c->base && strncmp(c->base, "http:", 5) == 0 && !image_ref_is_loopback(c->host))
			log_warn_once("sending the password for `%s` over plain HTTP", c->registry);
		_cleanup_free_ char *v = auth_basic_value(c->user, c->pass);
		*out = xasprintf("Authorization: %s", v);
		explicit_bzero(v, strlen(v));
	} else if (c->auth == AUTH_BEARER) {
		if (!c->token || now_monotonic() >= c->token_expiry) {
			int r = fetch_token(c, NULL, err);
			if (r < 0)
				return r;
		}
		*out = xasprintf("Authorization: Bearer %s", c->token);
	}
	return 0;
}

/* Adopt the challenge of a 401. 0: something new to try; 1: nothing (report the 401). */
static int handle_challenge(struct registry_client *c, const struct registry_response *resp,
			    struct urun_error *err)
{
	__attribute__((cleanup(auth_challenge_free))) struct auth_challenge ch = {0};
	bool found = false;

	for (int want = 0; want < 2 && !found; want++) {
		for (size_t i = 0; i < resp->n_challenges && !found; i++) {
			struct urun_error ignored = {0};
			if (auth_parse_challenge(resp->challenges[i], &ch, &ignored) < 0) {
				urun_error_clear(&ignored);
				continue;
			}
			found = strcmp(ch.scheme, want == 0 ? "bearer" : "basic") == 0;
			if (!found)
				auth_challenge_free(&ch);
		}
	}
	if (!found)
		return 1;
	if (strcmp(ch.scheme, "bearer") == 0) {
		free(c->realm);
		free(c->service);
		c->realm = steal_ptr(&ch.realm);
		c->service = steal_ptr(&ch.service);
		c->auth = AUTH_BEARER;
		free(c->token);
		c->token = NULL;
		int r = fetch_token(c, ch.scope, err);
		return r < 0 ? r : 0;
	}
	int r = ensure_creds(c, err);
	if (r < 0)
		return r;
	if (c->auth == AUTH_BASIC || !c->user)
		return 1; /* our password was refused, or we have none */
	c->auth = AUTH_BASIC;
	return 0;
}

/* A whole logical request: credentials (renewed once after a 401), redirects, and retries with
 * backoff on failures that may pass (connection errors, timeouts, 5xx, 429). Returns 0 with the
 * final answer in q->r, whatever its status, or <0 when no answer could be had. */
static int call(struct registry_client *c, struct registry_request *q, const char *url,
		struct urun_error *err)
{
	bool renewed = false;

	for (int attempt = 0;;) {
		_cleanup_free_ char *authz = NULL, *range = NULL;
		int r;
		if (q->authz)
			authz = xstrdup(q->authz);
		else if (q->registry_auth && (r = authorization(c, &authz, err)) < 0)
			return r;
		if (q->blob && q->blob->got > 0 && q->blob->can_resume)
			range = xasprintf("Range: bytes=%llu-", (unsigned long long)q->blob->got);
		r = registry_http_get(q, url, authz, range, err);
		if (authz)
			explicit_bzero(authz, strlen(authz));
		if (r < 0) {
			if (!q->transient || attempt >= c->max_retries)
				return r;
			int d = registry_backoff_seconds(attempt, NULL);
			log_warn("%s; retrying in %d s (%d of %d)", err ? err->msg : "failed", d,
				 attempt + 1, c->max_retries);
			urun_error_clear(err);
			registry_sleep(d);
			attempt++;
			continue;
		}
		long st = q->r.status;
		if (st == 401 && q->registry_auth && !renewed) {
			renewed = true;
			r = handle_challenge(c, &q->r, err);
			if (r < 0)
				return r;
			if (r == 0)
				continue;
		}
		if (registry_is_retryable_status(st) && attempt < c->max_retries) {
			int d = registry_backoff_seconds(attempt, q->r.retry_after);
			if (d < 0)
				return 0; /* the caller reports the 429/503 and its Retry-After */
			_cleanup_free_ char *host = registry_url_hostport(url);
			log_warn("`%s` answered HTTP %ld for %s; retrying in %d s (%d of %d)", host,
				 st, q->what, d, attempt + 1, c->max_retries);
			registry_sleep(d);
			attempt++;
			continue;
		}
		return 0;
	}
}

/* ---- registry errors ---- */

enum object_kind { KIND_OTHER, KIND_MANIFEST, KIND_BLOB };

/* Turn a final non-2xx answer into a sentence. `name` is the tag, digest or "" of the object. */
static int http_error(struct registry_client *c, const struct registry_request *q,
		      enum object_kind kind, const char *name, struct urun_error *err)
{
	const struct registry_response *resp = &q->r;
	_cleanup_json_ struct json_object *doc = parse_json_object(resp->body, resp->len);
	struct json_object *errors = NULL, *e0 = NULL;
	const char *code = NULL, *message = NULL;
	const char *repo = c->repository ? c->repository : "";
	int r;

	if (doc && json_object_object_get_ex(doc, "errors", &errors) &&
	    json_object_is_type(errors, json_type_array) && json_object_array_length(errors) > 0) {
		e0 = json_object_array_get_idx(errors, 0);
		code = json_get_str(e0, "code");
		message = json_get_str(e0, "message");
	}
	_cleanup_free_ char *msg = message ? registry_shown(message) : NULL;
	_cleanup_free_ char *why = msg ? xasprintf(": %s", msg) : xstrdup("");
	long st = resp->status;

	if (st == 401) {
		_cleanup_free_ char *target =
		    *repo ? xasprintf(" for `%s/%s`", c->registry, repo) : xstrdup("");
		if (c->user && c->auth == AUTH_BEARER && *repo) {
			/* The token server took the credentials: what the registry refuses is this
			 * repository for this account (Docker Hub answers so for a missing one). */
			r = registry_fail(err, EACCES, "access to `%s/%s` denied for `%s`",
					  c->registry, repo, c->user);
			urun_error_hint(
			    err, "check the image name: the repository may not exist, or the "
				 "account may not pull it");
			return r;
		}
		if (c->user) {
			r = registry_fail(err, EACCES,
					  "`%s` rejected the credentials of `%s`%s%s%s%s",
					  c->registry, c->user, c->creds_source ? " (from `" : "",
					  c->creds_source ? c->creds_source : "",
					  c->creds_source ? "`)" : "", target);
			urun_error_hint(err,
					"check the user name and password%s; `urun login %s` "
					"stores new ones",
					*repo ? ", and that the account may pull the image" : "",
					c->registry);
			return r;
		}
		r = registry_fail(err, EACCES, "authentication required: run `urun login %s`",
				  c->registry);
		if (*repo)
			urun_error_hint(err,
					"if you are logged in, check the image name: `%s/%s` "
					"may not exist",
					c->registry, repo);
		return r;
	}
	if (st == 403) {
		r = registry_fail(err, EACCES, "access to `%s/%s` denied%s", c->registry, repo,
				  why);
		urun_error_hint(err,
				c->user ? "the account `%s` may not pull this image"
					: "log in with an account that may pull it: `urun "
					  "login %s`",
				c->user ? c->user : c->registry);
		return r;
	}
	if (st == 404) {
		if (code && strcmp(code, "NAME_UNKNOWN") == 0)
			return registry_fail(err, ENOENT, "repository `%s` not found on `%s`", repo,
					     c->registry);
		if (kind == KIND_MANIFEST)
			return registry_fail(err, ENOENT, "manifest `%s` not found in `%s/%s`",
					     name, c->registry, repo);
		if (kind == KIND_BLOB)
			return registry_fail(err, ENOENT, "blob `%s` not found in `%s/%s`", name,
					     c->registry, repo);
		return registry_fail(err, ENOENT, "`%s` has no %s", c->registry, q->what);
	}
	if (st == 429) {
		_cleanup_free_ char *lim = resp->rl_limit ? registry_shown(resp->rl_limit) : NULL;
		_cleanup_free_ char *rem =
		    resp->rl_remaining ? registry_shown(resp->rl_remaining) : NULL;
		_cleanup_free_ char *ra =
		    resp->retry_after ? registry_shown(resp->retry_after) : NULL;
		r = registry_fail(err, EAGAIN, "too many requests to `%s`%s%s%s%s%s", c->registry,
				  lim || rem ? " (rate limit " : "", lim ? lim : "?",
				  lim || rem ? ", remaining " : "",
				  lim || rem ? (rem ? rem : "?") : "", lim || rem ? ")" : "");
		if (ra)
			urun_error_hint(err,
					"the registry asks to wait %s%s before retrying; logged-in "
					"users usually get a higher limit (`urun login %s`)",
					ra, strspn(ra, "0123456789") == strlen(ra) ? " s" : "",
					c->registry);
		else
			urun_error_hint(err,
					"wait and retry; logged-in users usually get a higher "
					"limit (`urun login %s`)",
					c->registry);
		return r;
	}
	if (st >= 500) {
		r = registry_fail(err, EIO, "`%s` failed with HTTP %ld fetching %s%s", c->registry,
				  st, q->what, why);
		urun_error_hint(err, "the registry has a problem; try again later");
		return r;
	}
	_cleanup_free_ char *c_shown = code ? registry_shown(code) : NULL;
	return registry_fail(err, EPROTO, "`%s` answered HTTP %ld for %s%s%s%s", c->registry, st,
			     q->what, c_shown ? " (" : "", c_shown ? c_shown : "",
			     c_shown ? ")" : "");
}

/* ---- tokens ---- */

static void append_param(char **url, bool *first, const char *k, const char *v, CURL *h)
{
	char *esc = curl_easy_escape(h, v, 0);
	if (!esc)
		abort();
	char *n = xasprintf("%s%s%s=%s", *url, *first ? "" : "&", k, esc);
	curl_free(esc);
	free(*url);
	*url = n;
	*first = false;
}

/* Ask the realm named by the registry's challenge for a pull token. Sent with our Basic
 * credentials (or an OAuth2 refresh token) when we have them, anonymously otherwise. */
static int fetch_token(struct registry_client *c, const char *extra_scope, struct urun_error *err)
{
	_cleanup_request_ struct registry_request q = {
	    .conn = &c->conn, .what = "a token", .max = TOKEN_BODY_MAX};
	int r;

	r = ensure_creds(c, err);
	if (r < 0)
		return r;
	if (!c->realm || !*c->realm)
		return registry_fail(err, EPROTO,
				     "`%s` asks for a bearer token but names no token server",
				     c->registry);
	_cleanup_free_ char *origin = registry_url_origin(c->realm);
	_cleanup_free_ char *realm_host = registry_url_hostport(c->realm);
	bool https = origin && strncmp(origin, "https://", 8) == 0;
	bool plain = origin && strncmp(origin, "http://", 7) == 0;
	/* The realm gets our password: it must be as protected as the registry itself. A realm
	 * on plain http is accepted only for a registry we already talk to in plain http. */
	if (!https && !(plain && c->base && strncmp(c->base, "http://", 7) == 0)) {
		_cleanup_free_ char *s = registry_shown(c->realm);
		return registry_fail(err, EPROTO,
				     "`%s` names an unusable token server `%s` (not https)",
				     c->registry, s);
	}

	_cleanup_free_ char *scope =
	    c->repository ? xasprintf("repository:%s:pull", c->repository) : NULL;
	bool refresh = c->user && strcmp(c->user, AUTH_IDENTITY_TOKEN_USER) == 0;
	_cleanup_free_ char *url = NULL, *params = xstrdup(""), *authz = NULL;
	bool first = true;
	if (refresh) {
		append_param(&params, &first, "grant_type", "refresh_token", c->conn.curl);
		append_param(&params, &first, "refresh_token", c->pass ? c->pass : "",
			     c->conn.curl);
		append_param(&params, &first, "client_id", "urun", c->conn.curl);
	}
	if (c->service)
		append_param(&params, &first, "service", c->service, c->conn.curl);
	if (scope)
		append_param(&params, &first, "scope", scope, c->conn.curl);
	if (extra_scope && *extra_scope && (!scope || strcmp(extra_scope, scope) != 0))
		append_param(&params, &first, "scope", extra_scope, c->conn.curl);
	if (refresh) {
		url = xstrdup(c->realm);
		q.post = params;
	} else {
		url = *params
			  ? xasprintf("%s%c%s", c->realm, strchr(c->realm, '?') ? '&' : '?', params)
			  : xstrdup(c->realm);
		if (c->user) {
			_cleanup_free_ char *v = auth_basic_value(c->user, c->pass);
			authz = xasprintf("Authorization: %s", v);
			explicit_bzero(v, strlen(v));
			q.authz = authz;
		}
	}

	r = call(c, &q, url, err);
	if (authz)
		explicit_bzero(authz, strlen(authz));
	if (refresh)
		explicit_bzero(params, strlen(params));
	if (r < 0)
		return urun_error_wrap(err, "requesting a token for `%s`", c->registry);
	long st = q.r.status;
	if (st == 401 || st == 403) {
		if (c->user) {
			r = registry_fail(
			    err, EACCES, "`%s` rejected the credentials of `%s`%s%s%s for `%s`",
			    realm_host, refresh ? "the stored identity token" : c->user,
			    c->creds_source ? " (from `" : "",
			    c->creds_source ? c->creds_source : "", c->creds_source ? "`)" : "",
			    c->registry);
			urun_error_hint(err,
					"check the user name and password; `urun login %s` "
					"stores new ones",
					c->registry);
			return r;
		}
		return registry_fail(err, EACCES, "authentication required: run `urun login %s`",
				     c->registry);
	}
	if (st != 200) {
		r = http_error(c, &q, KIND_OTHER, "", err);
		return urun_error_wrap(err, "requesting a token for `%s` from `%s`", c->registry,
				       realm_host);
	}
	char *token = NULL;
	long secs = 0;
	r = auth_parse_token(q.r.body ? q.r.body : "", q.r.len, &token, &secs, err);
	if (r < 0)
		return urun_error_wrap(err, "token server `%s`", realm_host);
	free(c->token);
	c->token = token;
	/* Renew a little early, so a token does not expire between our check and its use. */
	c->token_expiry = now_monotonic() + secs - (secs >= 120 ? 30 : 5);
	log_debug("got a token for `%s` from `%s` (valid %ld s)", c->registry, realm_host, secs);
	return 0;
}

/* ---- connecting: scheme and authentication kind ---- */

static void choose_challenge(struct registry_client *c, const struct registry_response *resp,
			     char **unsupported)
{
	__attribute__((cleanup(auth_challenge_free))) struct auth_challenge ch = {0};
	bool basic = false;

	for (size_t i = 0; i < resp->n_challenges; i++) {
		struct urun_error ignored = {0};
		if (auth_parse_challenge(resp->challenges[i], &ch, &ignored) < 0) {
			urun_error_clear(&ignored);
			continue;
		}
		if (strcmp(ch.scheme, "bearer") == 0) {
			c->auth = AUTH_BEARER;
			free(c->realm);
			free(c->service);
			c->realm = steal_ptr(&ch.realm);
			c->service = steal_ptr(&ch.service);
			return;
		}
		if (strcmp(ch.scheme, "basic") == 0)
			basic = true;
		else if (!*unsupported)
			*unsupported = xstrdup(ch.scheme);
		auth_challenge_free(&ch);
	}
	if (basic)
		c->auth = AUTH_BASIC;
}

/* Ping GET /v2/ to learn the scheme and what authentication the registry wants.
 *
 * Which scheme: HTTPS with verification by default. --tls-verify=false: HTTPS without
 * verification, falling back to plain HTTP when the TLS handshake itself fails (docker's rule
 * for insecure registries). Loopback registries without configured CAs (docker treats
 * 127.0.0.0/8 as insecure by default): plain HTTP first, since nothing on the network can
 * tamper with loopback traffic and local test registries speak HTTP; HTTPS when that port turns
 * out to speak TLS (it answers 400 to plain HTTP, or drops the connection). A loopback registry
 * with a CA in certs.d is expected to use TLS and gets nothing else. */
static int client_connect(struct registry_client *c, struct urun_error *err)
{
	const char *schemes[2];
	size_t n = 0;
	bool loopback = image_ref_is_loopback(c->host);

	if (c->base)
		return 0;
	if (c->tls_configured || (c->tls_verify && !loopback)) {
		schemes[n++] = "https";
	} else if (loopback) {
		schemes[n++] = "http";
		schemes[n++] = "https";
	} else {
		schemes[n++] = "https";
		schemes[n++] = "http";
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_request_ struct registry_request q = {
		    .conn = &c->conn, .what = "`/v2/`", .max = REGISTRY_ERROR_BODY_MAX};
		_cleanup_free_ char *url = xasprintf("%s://%s/v2/", schemes[i], c->host);
		bool more = i + 1 < n, http = strcmp(schemes[i], "http") == 0;
		int r = call(c, &q, url, err);
		if (r < 0) {
			bool tls_refused = !http && q.last_cc == CURLE_SSL_CONNECT_ERROR;
			bool not_http = http && (q.last_cc == CURLE_GOT_NOTHING ||
						 q.last_cc == CURLE_RECV_ERROR ||
						 q.last_cc == CURLE_WEIRD_SERVER_REPLY);
			if (more && (tls_refused || not_http)) {
				log_debug("`%s` does not speak %s (%s); trying %s", c->host,
					  schemes[i], err->msg, schemes[i + 1]);
				urun_error_clear(err);
				continue;
			}
			return r;
		}
		long st = q.r.status;
		if (more && http && st == 400) {
			log_debug("`%s` answered 400 to plain HTTP; trying https", c->host);
			continue;
		}
		if (st != 200 && st != 401) {
			if (st == 404)
				return registry_fail(err, EPROTO,
						     "`%s` is not a container registry (GET /v2/ "
						     "answered 404)",
						     c->host);
			return http_error(c, &q, KIND_OTHER, "", err);
		}
		c->base = xasprintf("%s://%s", schemes[i], c->host);
		c->auth = AUTH_NONE;
		if (st == 401) {
			_cleanup_free_ char *unsupported = NULL;
			choose_challenge(c, &q.r, &unsupported);
			if (c->auth == AUTH_NONE) {
				_cleanup_free_ char *s =
				    unsupported ? registry_shown(unsupported) : NULL;
				return registry_fail(err, EPROTO,
						     "`%s` asks for %s%s%s authentication, which "
						     "urun does not support",
						     c->registry, s ? "`" : "an unknown",
						     s ? s : "", s ? "`" : "");
			}
		}
		log_debug("registry `%s`: %s, %s", c->registry, c->base,
			  c->auth == AUTH_NONE	  ? "no authentication"
			  : c->auth == AUTH_BASIC ? "basic authentication"
						  : "token authentication");
		return 0;
	}
	return registry_fail(err, EPROTO, "cannot reach `%s`", c->host); /* not reached */
}

/* ---- the client ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void client_freep(struct registry_client **c)
{
	registry_client_free(*c);
}

int registry_client_new(const char *registry, const char *repository, const struct registry_opts *o,
			struct registry_client **out, struct urun_error *err)
{
	static const struct registry_opts defaults = {.tls_verify = true};
	__attribute__((cleanup(client_freep))) struct registry_client *c = NULL;

	*out = NULL;
	if (!o)
		o = &defaults;
	if (!is_valid_registry(registry)) {
		_cleanup_free_ char *s = registry_shown(registry ? registry : "");
		return registry_fail(err, EINVAL, "invalid registry `%s`", s);
	}
	if (repository && !is_valid_repository(repository)) {
		_cleanup_free_ char *s = registry_shown(repository);
		return registry_fail(err, EINVAL, "invalid repository name `%s`", s);
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return registry_fail(err, EIO, "initialising libcurl failed: %s",
				     curl_easy_strerror(curl_init_rc));

	c = xzalloc(sizeof(*c));
	c->registry = xstrdup(registry);
	struct image_ref ir = {.transport = IMAGE_TRANSPORT_DOCKER, .registry = c->registry};
	c->host = xstrdup(image_ref_api_host(&ir));
	for (char *p = c->host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	c->repository = repository ? xstrdup(repository) : NULL;
	c->tls_verify = o->tls_verify;
	c->auth_file = o->auth_file ? xstrdup(o->auth_file) : NULL;
	c->conn.timeout_s = o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S;
	c->conn.insecure_host = o->tls_verify ? NULL : c->host;
	c->max_retries = o->max_retries >= 0 ? o->max_retries : DEFAULT_RETRIES;
	if (o->username) {
		c->creds_known = true;
		c->user = xstrdup(o->username);
		c->pass = xstrdup(o->password ? o->password : "");
		c->creds_source = NULL;
	}
	c->conn.curl = curl_easy_init();
	if (!c->conn.curl)
		return registry_fail(err, ENOMEM, "initialising libcurl failed");
	const char *names[2] = {c->registry, c->host};
	int r = registry_conn_load_cas(&c->conn, o->ca_dir, names,
				       strcmp(c->host, c->registry) == 0 ? 1 : 2, err);
	if (r < 0)
		return r;
	c->tls_configured = c->conn.ca_blob != NULL;
	*out = steal_ptr(&c);
	return 0;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void registry_client_free(struct registry_client *c)
{
	if (!c)
		return;
	if (c->conn.curl)
		curl_easy_cleanup(c->conn.curl);
	free(c->registry);
	free(c->host);
	free(c->repository);
	free(c->auth_file);
	free(c->user);
	free_secret(c->pass);
	free(c->creds_source);
	free(c->conn.ca_blob);
	free(c->base);
	free(c->realm);
	free(c->service);
	free_secret(c->token);
	free(c);
}

/* ---- manifests ---- */

static bool is_known_manifest_type(const char *mt)
{
	return strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_OCI_MANIFEST) == 0 ||
	       strcmp(mt, MT_DOCKER_LIST) == 0 || strcmp(mt, MT_DOCKER_V2) == 0;
}

/* Content-Type without parameters, lower case. */
static char *bare_media_type(const char *ct)
{
	if (!ct)
		return xstrdup("");
	size_t n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	char *s = xstrndup(ct, n);
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static bool is_generic_type(const char *mt)
{
	return !*mt || strcmp(mt, "application/json") == 0 || strcmp(mt, "text/plain") == 0 ||
	       strcmp(mt, "application/octet-stream") == 0;
}

void registry_manifest_free(struct registry_manifest *m)
{
	if (!m)
		return;
	free(m->body);
	free(m->media_type);
	free(m->digest);
	memset(m, 0, sizeof(*m));
}

/* Decide the manifest's media type from the header and the body, refusing schema 1 and
 * anything we do not know. */
static int manifest_media_type(struct registry_client *c, const char *reference,
			       const char *content_type, const char *body, size_t len, char **out,
			       struct urun_error *err)
{
	_cleanup_free_ char *ct = bare_media_type(content_type);
	_cleanup_json_ struct json_object *doc = parse_json_object(body, len);
	struct json_object *v;
	int r;

	*out = NULL;
	if (!doc)
		return registry_fail(err, EBADMSG,
				     "manifest `%s` from `%s/%s` is not a JSON object", reference,
				     c->registry, c->repository);
	const char *body_mt = json_get_str(doc, "mediaType");
	int64_t schema = 0;
	if (json_object_object_get_ex(doc, "schemaVersion", &v) &&
	    json_object_is_type(v, json_type_int))
		schema = json_object_get_int64(v);
	if (strcmp(ct, MT_DOCKER_V1) == 0 || strcmp(ct, MT_DOCKER_V1_SIGN) == 0 || schema == 1) {
		r = registry_fail(err, ENOTSUP,
				  "`%s/%s:%s` is in docker's schema 1 manifest format, which "
				  "urun does not support",
				  c->registry, c->repository, reference);
		urun_error_hint(err, "push the image again with a current docker, podman or skopeo "
				     "(schema 2 or OCI)");
		return r;
	}
	if (is_known_manifest_type(ct)) {
		/* The header decides how the body is read; a body claiming another type is an
		 * attempt to have it read two ways (distribution-spec: they MUST match). */
		if (body_mt && strcmp(body_mt, ct) != 0) {
			_cleanup_free_ char *s = registry_shown(body_mt);
			return registry_fail(err, EBADMSG,
					     "manifest `%s` is sent as `%s` but says it is `%s`",
					     reference, ct, s);
		}
		*out = xstrdup(ct);
		return 0;
	}
	if (!is_generic_type(ct)) {
		_cleanup_free_ char *s = registry_shown(ct);
		return registry_fail(err, ENOTSUP,
				     "manifest `%s` has the unsupported media type `%s`", reference,
				     s);
	}
	if (body_mt) {
		if (!is_known_manifest_type(body_mt)) {
			_cleanup_free_ char *s = registry_shown(body_mt);
			return registry_fail(err, ENOTSUP,
					     "manifest `%s` has the unsupported media type `%s`",
					     reference, s);
		}
		*out = xstrdup(body_mt);
		return 0;
	}
	/* OCI lets mediaType out; the shape says which one it is. */
	if (json_object_object_get_ex(doc, "manifests", &v))
		*out = xstrdup(MT_OCI_INDEX);
	else if (json_object_object_get_ex(doc, "config", &v))
		*out = xstrdup(MT_OCI_MANIFEST);
	else
		return registry_fail(err, ENOTSUP,
				     "manifest `%s` has no media type and is neither a "
				     "manifest nor an index",
				     reference);
	return 0;
}

int registry_get_manifest(struct registry_client *c, const char *reference,
			  struct registry_manifest *m, struct urun_error *err)
{
	_cleanup_request_ struct registry_request q = {.conn = &c->conn,
						       .max = REGISTRY_MANIFEST_MAX,
						       .accept = ACCEPT_MANIFESTS,
						       .registry_auth = true};
	bool by_digest = reference && strchr(reference, ':');
	char digest[7 + 64 + 1];
	int r;

	memset(m, 0, sizeof(*m));
	if (!c->repository)
		return registry_fail(err, EINVAL, "no repository given");
	if (!reference || (by_digest ? !digest_is_valid(reference) : !is_valid_tag(reference))) {
		_cleanup_free_ char *s = registry_shown(reference ? reference : "");
		return registry_fail(err, EINVAL, "invalid tag or digest `%s`%s", s,
				     by_digest ? ": urun verifies sha256 digests only" : "");
	}
	r = client_connect(c, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *what = xasprintf("manifest `%s`", reference);
	_cleanup_free_ char *url =
	    xasprintf("%s/v2/%s/manifests/%s", c->base, c->repository, reference);
	q.what = what;
	r = call(c, &q, url, err);
	if (r < 0)
		return r;
	if (q.r.status != 200)
		return http_error(c, &q, KIND_MANIFEST, reference, err);
	if (q.r.len == 0)
		return registry_fail(err, EBADMSG, "manifest `%s` from `%s/%s` is empty", reference,
				     c->registry, c->repository);

	digest_sha256(q.r.body, q.r.len, digest);
	if (q.r.docker_digest && strncmp(q.r.docker_digest, "sha256:", 7) == 0 &&
	    strcmp(q.r.docker_digest, digest) != 0) {
		_cleanup_free_ char *s = registry_shown(q.r.docker_digest);
		return registry_fail(err, EBADMSG,
				     "digest mismatch for manifest `%s` from `%s/%s`: the "
				     "registry says `%s`, the content hashes to `%s`",
				     reference, c->registry, c->repository, s, digest);
	}
	if (by_digest && strcmp(reference, digest) != 0)
		return registry_fail(err, EBADMSG,
				     "digest mismatch for manifest `%s` from `%s/%s`: the "
				     "content hashes to `%s`",
				     reference, c->registry, c->repository, digest);
	r = manifest_media_type(c, reference, q.r.content_type, q.r.body, q.r.len, &m->media_type,
				err);
	if (r < 0)
		return r;
	m->len = q.r.len;
	m->body = steal_ptr(&q.r.body);
	m->digest = xstrdup(digest);
	log_debug("manifest `%s` of `%s/%s`: %s, %zu bytes, %s", reference, c->registry,
		  c->repository, m->media_type, m->len, m->digest);
	return 0;
}

/* ---- blobs ---- */

int registry_fetch_blob(struct registry_client *c, const char *digest, int64_t size,
			registry_sink_fn sink, registry_reset_fn reset, void *ud,
			struct urun_error *err)
{
	struct digest md;
	struct registry_blob bs = {
	    .digest = digest, .size = size, .sink = sink, .reset = reset, .ud = ud, .md = &md};
	_cleanup_request_ struct registry_request q = {
	    .conn = &c->conn, .blob = &bs, .registry_auth = true};
	char got[7 + 64 + 1];
	int r;

	if (!c->repository)
		return registry_fail(err, EINVAL, "no repository given");
	if (!digest || !digest_is_valid(digest)) {
		_cleanup_free_ char *s = registry_shown(digest ? digest : "");
		return registry_fail(err, EINVAL,
				     "unsupported blob digest `%s`: urun verifies sha256 "
				     "digests only",
				     s);
	}
	if (size < -1 || !sink)
		return registry_fail(err, EINVAL, "invalid size %lld or no sink for blob `%s`",
				     (long long)size, digest);
	r = client_connect(c, err);
	if (r < 0)
		return r;
	digest_init(&md);
	_cleanup_free_ char *what = xasprintf("blob `%s`", digest);
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", c->base, c->repository, digest);
	q.what = what;
	r = call(c, &q, url, err);
	if (r < 0)
		return bs.sink_rc < 0 ? bs.sink_rc : r;
	if (q.r.status != 200 && q.r.status != 206)
		return http_error(c, &q, KIND_BLOB, digest, err);
	if (size >= 0 && bs.got != (uint64_t)size)
		return registry_fail(err, EBADMSG,
				     "blob `%s` from `%s/%s` ended after %llu of its %lld "
				     "bytes",
				     digest, c->registry, c->repository, (unsigned long long)bs.got,
				     (long long)size);
	digest_final(&md, got);
	if (strcmp(got, digest) != 0) {
		r = registry_fail(err, EBADMSG,
				  "digest mismatch for blob `%s` from `%s/%s`: the data "
				  "received hashes to `%s`",
				  digest, c->registry, c->repository, got);
		urun_error_hint(err, "the registry (or a proxy on the way) served corrupt data and "
				     "nothing of it was kept; try again, and tell the registry's "
				     "operator if it persists");
		return r;
	}
	log_debug("blob `%s`: %llu bytes verified", digest, (unsigned long long)bs.got);
	return 0;
}

struct membuf {
	char *buf;
	size_t len;
	bool too_big;
};

static int mem_sink(void *ud, const void *buf, size_t len)
{
	struct membuf *mb = ud;
	if (mb->len + len > REGISTRY_MANIFEST_MAX) {
		mb->too_big = true;
		return -EFBIG;
	}
	mb->buf = xrealloc(mb->buf, mb->len + len + 1);
	memcpy(mb->buf + mb->len, buf, len);
	mb->len += len;
	return 0;
}

static int mem_reset(void *ud)
{
	struct membuf *mb = ud;
	mb->len = 0;
	return 0;
}

int registry_get_blob_mem(struct registry_client *c, const char *digest, int64_t size, char **buf,
			  size_t *len, struct urun_error *err)
{
	struct membuf mb = {0};

	*buf = NULL;
	*len = 0;
	if (size > (int64_t)REGISTRY_MANIFEST_MAX)
		return registry_fail(err, EFBIG,
				     "blob `%s` is %lld bytes, more than the %u urun reads into "
				     "memory",
				     digest ? digest : "", (long long)size, REGISTRY_MANIFEST_MAX);
	int r = registry_fetch_blob(c, digest, size, mem_sink, mem_reset, &mb, err);
	if (r < 0) {
		if (mb.too_big)
			r = registry_fail(err, EFBIG,
					  "blob `%s` is larger than the %u bytes urun reads into "
					  "memory",
					  digest, REGISTRY_MANIFEST_MAX);
		free(mb.buf);
		return r;
	}
	if (!mb.buf)
		mb.buf = xmalloc(1);
	mb.buf[mb.len] = '\0';
	*buf = mb.buf;
	*len = mb.len;
	return 0;
}

/* ---- login ---- */

int registry_check_login(const char *registry, const struct registry_opts *o,
			 struct urun_error *err)
{
	__attribute__((cleanup(client_freep))) struct registry_client *c = NULL;
	int r = registry_client_new(registry, NULL, o, &c, err);
	if (r < 0)
		return r;
	r = client_connect(c, err);
	if (r < 0)
		return r;
	if (c->auth == AUTH_NONE) {
		log_info("`%s` does not ask for authentication", registry);
		return 0;
	}
	r = ensure_creds(c, err);
	if (r < 0)
		return r;
	if (!c->user)
		return registry_fail(err, EINVAL, "no credentials to check for `%s`", registry);
	if (c->auth == AUTH_BEARER) {
		/* A token for no particular scope proves the password; the token server is what
		 * knows it. */
		r = fetch_token(c, NULL, err);
		if (r < 0)
			return r;
	}
	_cleanup_request_ struct registry_request q = {.conn = &c->conn,
						       .what = "`/v2/`",
						       .max = REGISTRY_ERROR_BODY_MAX,
						       .registry_auth = true};
	_cleanup_free_ char *url = xasprintf("%s/v2/", c->base);
	r = call(c, &q, url, err);
	if (r < 0)
		return r;
	if (q.r.status != 200)
		return http_error(c, &q, KIND_OTHER, "", err);
	return 0;
}
