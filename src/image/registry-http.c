/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry-http.c: HTTP for the registry client. Everything a server sends is untrusted: bodies
 * are bounded before they are read, blobs are hashed as they stream, credentials never follow a
 * redirect to another origin, and a server that stalls or trickles fails after timeout_s. */
#include "image/registry-http.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/text.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_REDIRECTS	   5
#define LOW_SPEED_BYTES	   1024 /* a transfer slower than this for timeout_s is a stall */
#define SMALL_BODY_TIMEOUT 10	/* x timeout_s: total bound for pings, tokens, manifests */
#define HEADER_VALUE_MAX   (16u << 10)
#define BACKOFF_MAX_S	   10
#define RETRY_AFTER_MAX_S  60 /* a registry asking for a longer pause gets an error, not a hang */
#define CA_FILE_MAX	   (1u << 20)
#define CA_BUNDLE_MAX	   (8u << 20)

#ifdef PACKAGE_VERSION
#define USER_AGENT "urun/" PACKAGE_VERSION
#else
#define USER_AGENT "urun"
#endif

/* ---- small helpers ---- */

int registry_fail_at(struct urun_error *err, const char *file, int line, int code, const char *fmt,
		     ...)
{
	va_list ap;
	char *m = NULL;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	urun_error_set_at(err, file, line, 0, "%s", m);
	free(m);
	/* The code tells callers what happened (ENOENT: no such image, EACCES: credentials...);
	 * the sentence already says it, so no strerror text is appended. */
	if (err)
		err->code = code;
	return -code;
}

/* Text from a server, shown to the user: a hostile registry cannot write escape sequences
 * to the terminal. */
char *registry_shown(const char *s)
{
	return text_shown(s, 200);
}

void registry_sleep(int s)
{
	struct timespec ts = {.tv_sec = s}, rem;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

/* ---- responses ---- */

static void response_free(struct registry_response *r)
{
	free(r->content_type);
	free(r->docker_digest);
	free(r->retry_after);
	free(r->rl_limit);
	free(r->rl_remaining);
	free(r->content_range);
	for (size_t i = 0; i < r->n_challenges; i++)
		free(r->challenges[i]);
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
}

void registry_request_cleanup(struct registry_request *q)
{
	response_free(&q->r);
	urun_error_clear(&q->cb_err);
}

static bool body_append(struct registry_response *r, const char *buf, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		r->body = xrealloc(r->body, cap);
		r->cap = cap;
	}
	memcpy(r->body + r->len, buf, n);
	r->len += n;
	r->body[r->len] = '\0';
	return true;
}

static int64_t parse_content_length(const char *v)
{
	int64_t n = 0;
	if (!*v)
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		if (n > (INT64_MAX - 9) / 10)
			return INT64_MAX; /* absurd: larger than any bound */
		n = n * 10 + (*v - '0');
	}
	return *v ? -1 : n;
}

/* "bytes START-END/TOTAL"; TOTAL may be "*" (-1). */
static bool parse_content_range(const char *v, uint64_t *start, int64_t *total)
{
	unsigned long long a, b;
	int used = 0;
	if (!v || sscanf(v, "bytes %llu-%llu/%n", &a, &b, &used) != 2 || used == 0 || b < a)
		return false;
	*start = a;
	if (strcmp(v + used, "*") == 0) {
		*total = -1;
		return true;
	}
	*total = parse_content_length(v + used);
	return *total >= 0;
}

static void set_cb_error(struct registry_request *q, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_cb_error(struct registry_request *q, int code, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	if (q->cb_err.msg)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		abort();
	va_end(ap);
	registry_fail(&q->cb_err, code, "%s", m);
	free(m);
}

/* The first bytes of a 200 or 206 blob answer: decide whether they continue what the sink has,
 * start it over, or cannot be used. */
static bool blob_begin(struct registry_request *q)
{
	struct registry_blob *bs = q->blob;
	struct registry_response *r = &q->r;

	if (r->status == 206) {
		uint64_t start;
		int64_t total;
		if (!parse_content_range(r->content_range, &start, &total) || start != bs->got) {
			set_cb_error(q, EPROTO, "the registry resumed %s at the wrong offset",
				     q->what);
			return false;
		}
		if (bs->size >= 0 && total >= 0 && total != bs->size) {
			set_cb_error(q, EBADMSG,
				     "the registry says %s is %lld bytes, its descriptor "
				     "says %lld",
				     q->what, (long long)total, (long long)bs->size);
			return false;
		}
		bs->can_resume = true;
		return true;
	}
	if (r->status != 200) {
		set_cb_error(q, EPROTO, "unexpected HTTP status %ld for %s", r->status, q->what);
		return false;
	}
	if (bs->got > 0) {
		/* The server ignored our Range: start over, and tell the sink to do the same. */
		if (!bs->reset) {
			set_cb_error(q, EPROTO,
				     "the download of %s broke off and the registry cannot "
				     "resume it",
				     q->what);
			return false;
		}
		int rc = bs->reset(bs->ud);
		if (rc < 0) {
			bs->sink_rc = rc;
			set_cb_error(q, -rc,
				     "the download of %s broke off and the registry can only "
				     "start it over, which its consumer cannot do",
				     q->what);
			return false;
		}
		log_debug("%s: the registry cannot resume; starting over", q->what);
		digest_init(bs->md);
		bs->got = 0;
	}
	if (r->accept_ranges)
		bs->can_resume = true;
	if (bs->size >= 0 && r->content_length >= 0 && r->content_length != bs->size) {
		set_cb_error(q, EBADMSG,
			     "the registry announced %lld bytes for %s, its descriptor "
			     "says %lld",
			     (long long)r->content_length, q->what, (long long)bs->size);
		return false;
	}
	return true;
}

static bool headers_done(struct registry_request *q)
{
	struct registry_response *r = &q->r;
	if (r->headers_done)
		return true; /* trailers end with an empty line too */
	r->headers_done = true;
	if (r->status < 200 || r->status > 299)
		return true;
	if (q->blob)
		return blob_begin(q);
	/* Refuse before reading: a Content-Length above the bound will not fit. */
	if (r->content_length >= 0 && (uint64_t)r->content_length > q->max) {
		set_cb_error(q, EFBIG, "%s is %lld bytes, more than the %zu urun accepts", q->what,
			     (long long)r->content_length, q->max);
		return false;
	}
	return true;
}

static void keep_header(char **field, const char *v, size_t n)
{
	if (!*field && n <= HEADER_VALUE_MAX)
		*field = xstrndup(v, n);
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
	struct registry_request *q = ud;
	struct registry_response *r = &q->r;
	size_t len = size * nitems, l = len;

	while (l > 0 && (buf[l - 1] == '\r' || buf[l - 1] == '\n'))
		l--;
	if (l >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a 1xx): forget the previous headers. */
		response_free(r);
		const char *sp = memchr(buf, ' ', l);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	if (l == 0)
		return headers_done(q) ? len : 0;
	const char *colon = memchr(buf, ':', l);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - buf);
	const char *v = colon + 1, *end = buf + l;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(buf, name, nlen) == 0)
	if (IS("content-length")) {
		_cleanup_free_ char *s = xstrndup(v, vlen);
		r->content_length = parse_content_length(s);
	} else if (IS("content-type")) {
		keep_header(&r->content_type, v, vlen);
	} else if (IS("docker-content-digest")) {
		keep_header(&r->docker_digest, v, vlen);
	} else if (IS("retry-after")) {
		keep_header(&r->retry_after, v, vlen);
	} else if (IS("ratelimit-limit")) {
		keep_header(&r->rl_limit, v, vlen);
	} else if (IS("ratelimit-remaining")) {
		keep_header(&r->rl_remaining, v, vlen);
	} else if (IS("content-range")) {
		keep_header(&r->content_range, v, vlen);
	} else if (IS("accept-ranges")) {
		r->accept_ranges = vlen == 5 && strncasecmp(v, "bytes", 5) == 0;
	} else if (IS("www-authenticate")) {
		if (r->n_challenges < REGISTRY_MAX_CHALLENGES && vlen <= HEADER_VALUE_MAX)
			r->challenges[r->n_challenges++] = xstrndup(v, vlen);
	}
#undef IS
	return len;
}

static bool blob_write(struct registry_request *q, const char *buf, size_t n)
{
	struct registry_blob *bs = q->blob;
	if (bs->size >= 0 && bs->got + n > (uint64_t)bs->size) {
		set_cb_error(q, EBADMSG, "the registry sent more than the %lld bytes of %s",
			     (long long)bs->size, q->what);
		return false;
	}
	digest_update(bs->md, buf, n);
	bs->got += n;
	int rc = bs->sink(bs->ud, buf, n);
	if (rc < 0) {
		bs->sink_rc = rc;
		set_cb_error(q, -rc, "storing %s", q->what);
		return false;
	}
	return true;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *ud)
{
	struct registry_request *q = ud;
	struct registry_response *r = &q->r;
	size_t n = size * nitems;

	if (r->status >= 200 && r->status <= 299) {
		if (q->blob)
			return blob_write(q, buf, n) ? n : 0;
		if (r->len + n > q->max) {
			/* Also catches bodies without Content-Length (chunked, or until close). */
			set_cb_error(q, EFBIG, "%s is larger than the %zu bytes urun accepts",
				     q->what, q->max);
			return 0;
		}
		body_append(r, buf, n);
		return n;
	}
	/* Errors and redirects: keep the start for the message, stop reading at the bound. */
	size_t keep = r->len < REGISTRY_ERROR_BODY_MAX ? REGISTRY_ERROR_BODY_MAX - r->len : 0;
	if (keep > n)
		keep = n;
	body_append(r, buf, keep);
	if (keep < n) {
		r->body_cut = true;
		return 0;
	}
	return n;
}

/* ---- transport ---- */

/* "scheme://host:port" with the port made explicit, or NULL. */
char *registry_url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		out = xasprintf("%s://%s:%s", scheme, host, port);
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* "host[:port]" as written in the URL (port only when explicit), for messages and for matching
 * the registry's own host. */
char *registry_url_hostport(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *out = NULL;
	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
			out = xasprintf("%s:%s", host, port);
		else
			out = xstrdup(host);
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out ? out : xstrdup("?");
}

/* The URL without its query: signed CDN URLs carry credentials there. */
static char *url_for_log(const char *url)
{
	return xstrndup(url, strcspn(url, "?#"));
}

static int transport_error(struct registry_request *q, const char *url, CURLcode cc,
			   struct urun_error *err)
{
	struct registry_conn *conn = q->conn;
	_cleanup_free_ char *host = registry_url_hostport(url);
	_cleanup_free_ char *detail =
	    registry_shown(conn->errbuf[0] ? conn->errbuf : curl_easy_strerror(cc));
	int r;

	q->last_cc = cc;
	q->transient = false;
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		r = registry_fail(err, EHOSTUNREACH, "cannot resolve host `%s`: %s", host, detail);
		urun_error_hint(err, "check the registry name and the network (DNS)");
		return r;
	case CURLE_COULDNT_RESOLVE_PROXY:
		r = registry_fail(err, EHOSTUNREACH, "cannot resolve the proxy: %s", detail);
		urun_error_hint(err, "check https_proxy, http_proxy and no_proxy");
		return r;
	case CURLE_COULDNT_CONNECT:
		q->transient = true;
		r = registry_fail(err, ECONNREFUSED, "cannot connect to `%s`: %s", host, detail);
		urun_error_hint(err, "check that a registry runs at `%s` and can be reached", host);
		return r;
	case CURLE_OPERATION_TIMEDOUT:
		q->transient = true;
		r = registry_fail(err, ETIMEDOUT, "`%s` stopped responding while sending %s: %s",
				  host, q->what, detail);
		urun_error_hint(err, "the network or the registry is too slow; try again later");
		return r;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
		r = registry_fail(err, EPROTO, "TLS certificate of `%s` is not trusted: %s", host,
				  detail);
		urun_error_hint(err,
				"use --tls-verify=false for this registry or add its CA to "
				"~/.config/containers/certs.d/%s/",
				host);
		return r;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_USE_SSL_FAILED:
		r = registry_fail(err, EPROTO, "TLS handshake with `%s` failed: %s", host, detail);
		urun_error_hint(err,
				"if `%s` serves plain HTTP, use --tls-verify=false for this "
				"registry",
				host);
		return r;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		q->transient = true;
		return registry_fail(err, ECONNRESET,
				     "connection to `%s` broken while fetching %s: %s", host,
				     q->what, detail);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
		return registry_fail(err, EPROTO, "`%s` sent an invalid HTTP response for %s: %s",
				     host, q->what, detail);
	case CURLE_URL_MALFORMAT:
		return registry_fail(err, EINVAL, "invalid URL for %s: %s", q->what, detail);
	default:
		return registry_fail(err, EIO, "fetching %s from `%s` failed: %s", q->what, host,
				     detail);
	}
}

/* One HTTP exchange, no redirects followed. */
static int http_once(struct registry_request *q, const char *url, const char *authz,
		     const char *range, const char *post, struct urun_error *err)
{
	struct registry_conn *conn = q->conn;
	CURL *h = conn->curl;
	struct curl_slist *hdrs = NULL;
	bool small = q->blob == NULL;

	curl_easy_reset(h); /* keeps the connection cache and TLS sessions */
	response_free(&q->r);
	urun_error_clear(&q->cb_err);
	conn->errbuf[0] = '\0';
	if (q->accept)
		hdrs = curl_slist_append(hdrs, q->accept);
	if (authz)
		hdrs = curl_slist_append(hdrs, authz);
	if (range)
		hdrs = curl_slist_append(hdrs, range);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* Redirects are ours to follow: see http_follow for why. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, conn->timeout_s);
	/* A server that trickles (or says nothing) fails after timeout_s instead of holding the
	 * pull forever; small answers also get a total bound. Layers only have the stall bound:
	 * a big layer on a slow link may rightly take long. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, conn->timeout_s);
	if (small)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, conn->timeout_s * SMALL_BODY_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, conn->errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (post)
		curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, post);
	/* --tls-verify=false covers the registry's own host, not a CDN or token server it sends
	 * us to. */
	_cleanup_free_ char *hostport = registry_url_hostport(url);
	if (conn->insecure_host && strcmp(hostport, conn->insecure_host) == 0) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
#if LIBCURL_VERSION_NUM >= 0x074d00
	if (conn->ca_blob) {
		struct curl_blob blob = {conn->ca_blob, conn->ca_blob_len, CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
#endif

	CURLcode cc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (log_get_level() >= LOG_DEBUG) {
		_cleanup_free_ char *u = url_for_log(url);
		long v = 0;
		curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &v);
		log_debug("%s %s: %ld%s%s", post ? "POST" : "GET", u, status,
			  v == CURL_HTTP_VERSION_2_0 ? " (HTTP/2)" : "",
			  cc == CURLE_OK ? "" : " (transfer failed)");
	}
	if (q->cb_err.msg) {
		/* A callback refused the answer: that decision is final, whatever curl says. */
		q->transient = false;
		q->last_cc = cc;
		urun_error_clear(err);
		if (err)
			*err = q->cb_err;
		else
			urun_error_clear(&q->cb_err);
		memset(&q->cb_err, 0, sizeof(q->cb_err));
		return -(err ? err->code : EIO);
	}
	if (cc == CURLE_WRITE_ERROR && q->r.body_cut)
		cc = CURLE_OK;
	if (cc != CURLE_OK)
		return transport_error(q, url, cc, err);
	q->r.status = status;
	q->last_cc = CURLE_OK;
	return 0;
}

static bool is_redirect(long st)
{
	return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* One request, following redirects ourselves. libcurl would drop the Authorization header on a
 * host change only for credentials it manages; a header we add ourselves it would forward, and
 * a registry redirecting blobs to a CDN must never receive our token or password (the
 * distribution spec: MUST NOT forward Authorization across hosts). So the header goes only to
 * the origin (scheme, host, port) of the first URL. */
int registry_http_get(struct registry_request *q, const char *url, const char *authz,
		      const char *range, struct urun_error *err)
{
	_cleanup_free_ char *first = registry_url_origin(url);
	_cleanup_free_ char *cur = xstrdup(url);
	const char *post = q->post;

	if (!first)
		return registry_fail(err, EINVAL, "invalid URL for %s", q->what);
	for (int hop = 0;; hop++) {
		_cleanup_free_ char *origin = registry_url_origin(cur);
		bool same = origin && strcmp(origin, first) == 0;
		int r = http_once(q, cur, same ? authz : NULL, range, post, err);
		if (r < 0)
			return r;
		if (!is_redirect(q->r.status))
			return 0;
		_cleanup_free_ char *from = registry_url_hostport(cur);
		if (hop >= MAX_REDIRECTS)
			return registry_fail(
			    err, ELOOP, "too many redirects (more than %d) fetching %s from `%s`",
			    MAX_REDIRECTS, q->what, from);
		char *loc = NULL;
		curl_easy_getinfo(q->conn->curl, CURLINFO_REDIRECT_URL, &loc);
		_cleanup_free_ char *next_origin = loc ? registry_url_origin(loc) : NULL;
		if (!next_origin || (strncmp(next_origin, "http://", 7) != 0 &&
				     strncmp(next_origin, "https://", 8) != 0))
			return registry_fail(err, EPROTO,
					     "`%s` redirected %s to an invalid location", from,
					     q->what);
		/* Content fetched by tag is not verified by a digest: never let a redirect take it
		 * off TLS. */
		if (strncmp(cur, "https:", 6) == 0 && strncmp(next_origin, "http:", 5) == 0)
			return registry_fail(err, EPROTO,
					     "refusing the redirect of %s from https to plain "
					     "http (by `%s`)",
					     q->what, from);
		if (log_get_level() >= LOG_DEBUG) {
			_cleanup_free_ char *to = registry_url_hostport(loc);
			log_debug("%s: `%s` redirects to `%s`%s", q->what, from, to,
				  strcmp(next_origin, first) == 0 ? "" : " (without credentials)");
		}
		free(cur);
		cur = xstrdup(loc);
		if (q->r.status == 303 || (q->r.status != 307 && q->r.status != 308))
			post = NULL;
	}
}

bool registry_is_retryable_status(long st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

/* Seconds to wait before retry `attempt` (0-based); -1 when the registry asks for more than we
 * are willing to wait. */
int registry_backoff_seconds(int attempt, const char *retry_after)
{
	int d = 1 << (attempt < 4 ? attempt : 4);
	if (d > BACKOFF_MAX_S)
		d = BACKOFF_MAX_S;
	if (retry_after && *retry_after) {
		long ra;
		char *end;
		errno = 0;
		ra = strtol(retry_after, &end, 10);
		if (end == retry_after || *end || errno) {
			time_t t = curl_getdate(retry_after, NULL);
			ra = t < 0 ? 0 : (long)(t - time(NULL));
		}
		if (ra > RETRY_AFTER_MAX_S)
			return -1;
		if (ra > d)
			d = (int)ra;
	}
	return d;
}

/* ---- certificates ---- */


static int count_pem_certs(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	int n = 0;
	X509 *x;
	if (!bio)
		return 0;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	return n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append every *.crt of `dir` to `pem`. A missing directory is fine unless it was named. */
static int add_ca_dir(const char *dir, bool must_exist, char **pem, size_t *pem_len, int *count,
		      struct urun_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, cap = 0;
	_cleanup_strv_ char **names = NULL;

	if (!d) {
		if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		int r = urun_error_set(err, errno, "opening the certificate directory `%s`", dir);
		return r;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 4 || strcmp(de->d_name + l - 4, ".crt") != 0 || de->d_name[0] == '.')
			continue;
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	if (n == 0)
		return 0;
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
		_cleanup_close_ int fd =
		    openat(dirfd(d), names[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (fd < 0)
			return urun_error_set(err, errno, "opening `%s`", path);
		int r = fs_read_fd_bounded(fd, path, CA_FILE_MAX, &buf, &len, err);
		if (r < 0)
			return r;
		int k = count_pem_certs(buf, len);
		if (k == 0)
			return registry_fail(err, EINVAL, "`%s` holds no PEM certificate", path);
		*pem = xrealloc(*pem, *pem_len + len + 2);
		memcpy(*pem + *pem_len, buf, len);
		*pem_len += len;
		(*pem)[(*pem_len)++] = '\n';
		(*pem)[*pem_len] = '\0';
		*count += k;
		log_debug("trusting %d CA certificate(s) from `%s`", k, path);
	}
	return 0;
}

/* Extra CAs for this registry: the directory the caller named, or else the certs.d directories
 * containers tools use (user, then system), plus urun's own. They are added to the system
 * CAs, never instead of them, and their presence means "this registry speaks TLS". */
int registry_conn_load_cas(struct registry_conn *conn, const char *ca_dir, const char *const *names,
			   size_t n_names, struct urun_error *err)
{
	_cleanup_free_ char *pem = NULL;
	size_t len = 0;
	int count = 0, r;

	if (ca_dir) {
		r = add_ca_dir(ca_dir, true, &pem, &len, &count, err);
		if (r < 0)
			return r;
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");
		_cleanup_free_ char *cfg = xdg && *xdg == '/' ? xstrdup(xdg)
					   : home && *home    ? xasprintf("%s/.config", home)
							      : NULL;
		for (size_t i = 0; i < n_names; i++) {
			char *dirs[] = {
			    cfg ? xasprintf("%s/containers/certs.d/%s", cfg, names[i]) : NULL,
			    cfg ? xasprintf("%s/urun/certs.d/%s", cfg, names[i]) : NULL,
			    xasprintf("/etc/containers/certs.d/%s", names[i]),
			    xasprintf("/etc/docker/certs.d/%s", names[i]),
			};
			r = 0;
			for (size_t j = 0; j < ARRAY_SIZE(dirs); j++) {
				if (dirs[j] && r == 0)
					r = add_ca_dir(dirs[j], false, &pem, &len, &count, err);
				free(dirs[j]);
			}
			if (r < 0)
				return r;
		}
	}
	if (count == 0)
		return 0;

#if LIBCURL_VERSION_NUM < 0x074d00
	return registry_fail(err, ENOTSUP, "extra CA certificates need libcurl 7.77 or later");
#endif
	/* CURLOPT_CAINFO_BLOB replaces the default bundle: put the system CAs in front. */
	char *sys = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400
	curl_easy_getinfo(conn->curl, CURLINFO_CAINFO, &sys);
#else
	sys = "/etc/ssl/certs/ca-certificates.crt";
#endif
	_cleanup_free_ char *blob = NULL;
	size_t blob_len = 0;
	if (sys) {
		_cleanup_close_ int fd = open(sys, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		struct urun_error ignored = {0};
		if (fd < 0 ||
		    fs_read_fd_bounded(fd, sys, CA_BUNDLE_MAX, &blob, &blob_len, &ignored) < 0)
			log_warn(
			    "cannot read the system CA bundle `%s`: only the CAs in certs.d are "
			    "trusted for `%s`",
			    sys, n_names ? names[0] : ca_dir);
		urun_error_clear(&ignored);
	}
	free(conn->ca_blob);
	conn->ca_blob = xmalloc(blob_len + len + 2);
	if (blob_len)
		memcpy(conn->ca_blob, blob, blob_len);
	conn->ca_blob[blob_len] = '\n';
	memcpy(conn->ca_blob + blob_len + 1, pem, len);
	conn->ca_blob_len = blob_len + 1 + len;
	conn->ca_blob[conn->ca_blob_len] = '\0';
	return 0;
}
