/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry-http.h: the HTTP layer under registry.c, for it alone: one request with bounded
 * bodies, streamed and hashed blobs, redirects followed by hand (credentials stay on their
 * origin), extra CAs, and libcurl failures turned into sentences. */
#ifndef URUN_IMAGE_REGISTRY_HTTP_H
#define URUN_IMAGE_REGISTRY_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/registry.h"
#include "util/digest.h"
#include "util/error.h"

#define REGISTRY_ERROR_BODY_MAX (64u << 10) /* error (and redirect) bodies kept for messages */
#define REGISTRY_MAX_CHALLENGES 4

/* What every request of one client shares. */
struct registry_conn {
	CURL *curl; /* one handle: connections, TLS sessions and HTTP/2 streams are reused */
	char errbuf[CURL_ERROR_SIZE];
	long timeout_s;		   /* connect timeout and stall timeout */
	const char *insecure_host; /* host[:port] whose certificate is not checked, or NULL */
	char *ca_blob;		   /* system bundle + extra CAs (PEM), or NULL */
	size_t ca_blob_len;
};

struct registry_response {
	long status;
	bool headers_done;
	int64_t content_length; /* -1: not sent */
	char *content_type, *docker_digest, *retry_after, *rl_limit, *rl_remaining, *content_range;
	bool accept_ranges;
	char *challenges[REGISTRY_MAX_CHALLENGES]; /* WWW-Authenticate values */
	size_t n_challenges;
	char *body; /* a 2xx in-memory body, or the first bytes of an error (NUL-terminated) */
	size_t len, cap;
	bool body_cut; /* an error body was cut at its bound (not an error in itself) */
};

/* A blob being streamed: it survives retries, so a resumed transfer continues the hash. */
struct registry_blob {
	const char *digest;
	int64_t size;
	registry_sink_fn sink;
	registry_reset_fn reset;
	void *ud;
	struct digest *md;
	uint64_t got; /* bytes hashed and handed to the sink */
	bool can_resume;
	int sink_rc; /* the sink's own failure, returned as is */
};

struct registry_request {
	struct registry_conn *conn;
	const char *what;	    /* "manifest `latest`": for messages */
	size_t max;		    /* bound of a 2xx body kept in memory */
	struct registry_blob *blob; /* stream 2xx bodies here instead */
	const char *accept;	    /* header line, or NULL */
	const char *post;	    /* form body: POST instead of GET */
	const char *authz;	    /* fixed Authorization header line (token requests), or NULL */
	bool registry_auth; /* registry.c: use, and renew once on a 401, the client's auth */
	struct registry_response r;
	struct urun_error cb_err; /* why a callback stopped the transfer */
	bool transient;		  /* the last failure is worth a retry */
	CURLcode last_cc;
};

void registry_request_cleanup(struct registry_request *q);
#define _cleanup_request_ __attribute__((cleanup(registry_request_cleanup)))

/* One request with redirects (at most 5, never from https to http). `authz` (an "Authorization:
 * ..." header line) goes to the first URL's origin only. Returns 0 with the final answer in
 * q->r whatever its status, or <0 with q->transient saying whether a retry may help. */
int registry_http_get(struct registry_request *q, const char *url, const char *authz,
		      const char *range, struct urun_error *err);

bool registry_is_retryable_status(long status);
/* Seconds before retry `attempt` (0-based), honouring Retry-After; -1: the registry asks for a
 * longer pause than urun waits. */
int registry_backoff_seconds(int attempt, const char *retry_after);
void registry_sleep(int seconds);

/* Add the *.crt files of `ca_dir` (which must exist), or else of the certs.d directories for
 * each of `names` (host[:port]), to the system CAs. conn->ca_blob stays NULL when none. */
int registry_conn_load_cas(struct registry_conn *conn, const char *ca_dir, const char *const *names,
			   size_t n_names, struct urun_error *err);

/* "scheme://host:port" (port explicit, lower case) and "host[:port]" (as in the URL), or NULL /
 * "?" when the URL does not parse. */
char *registry_url_origin(const char *url);
char *registry_url_hostport(const char *url);

/* Server text made safe to show: bounded, control characters replaced. */
char *registry_shown(const char *s);

/* Like urun_error_set without the strerror suffix, but with err->code = code. */
int registry_fail_at(struct urun_error *err, const char *file, int line, int code, const char *fmt,
		     ...) __attribute__((format(printf, 5, 6)));
#define registry_fail(err, code, ...) registry_fail_at(err, __FILE__, __LINE__, code, __VA_ARGS__)

#endif
