/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ref.c: parse image references (docker's grammar and normalisation, podman's transport
 * prefixes) and registries.conf; resolve short names without ever guessing a registry. */
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <strings.h>

#define DEFAULT_REGISTRY "docker.io"
#define DOCKER_API_HOST	 "registry-1.docker.io"
#define NAME_MAX_LEN	 255 /* docker's NameTotalLengthMax, on the normalised name */
#define TAG_MAX_LEN	 128

/* Character classes by hand: <ctype.h> follows the locale, the grammar is ASCII. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static char *__attribute__((format(printf, 1, 0))) vformat(const char *fmt, va_list ap)
{
	char *p = NULL;
	if (vasprintf(&p, fmt, ap) < 0)
		abort();
	return p;
}

static int __attribute__((format(printf, 3, 4)))
bad_ref(struct urun_error *err, const char *whole, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *why = vformat(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *w = text_shown_short(whole);
	return urun_error_set(err, 0, "invalid reference `%s`: %s", w, why);
}

/* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*: one `/`-separated component of a repository. */
static bool is_path_component(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
	}
}

/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; NULL when valid, else what is wrong. */
static const char *tag_problem(const char *t)
{
	size_t n = strlen(t);
	if (n == 0)
		return "the tag is empty";
	if (n > TAG_MAX_LEN)
		return "a tag is at most 128 characters";
	if (t[0] == '.' || t[0] == '-')
		return "a tag cannot start with `.` or `-`";
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '/')
			return "a tag cannot contain `/`";
		if (!is_alnum(t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return "a tag holds only letters, digits, `_`, `.` and `-`";
	}
	return NULL;
}

/* host[:port], the host being DNS labels or an [IPv6] literal. Docker accepts any port
 * number here and lets the connection fail; a range check gives a clearer message. */
static const char *registry_problem(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return "the registry is empty";
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char buf[INET6_ADDRSTRLEN];
		struct in6_addr a;
		if (!close)
			return "`[` opens an IPv6 address that no `]` closes";
		size_t len = (size_t)(close - s) - 1;
		if (len == 0 || len >= sizeof(buf))
			return "invalid IPv6 address";
		memcpy(buf, s + 1, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, &a) != 1)
			return "invalid IPv6 address";
		i = len + 2;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (is_alnum(s[i]) || s[i] == '-'))
				i++;
			if (i == start)
				return "a registry host is DNS labels (letters, digits, `-`) "
				       "separated by `.`";
			if (s[start] == '-' || s[i - 1] == '-')
				return "a host name label cannot start or end with `-`";
			if (i < n && s[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return NULL;
	if (s[i] != ':')
		return "a registry host is DNS labels (letters, digits, `-`) separated by `.`";
	i++;
	if (i == n)
		return "empty port after `:`";
	unsigned long port = 0;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return "the port must be a number";
		port = port * 10 + (unsigned long)(s[i] - '0');
		if (port > 65535)
			break;
	}
	if (port == 0 || port > 65535)
		return "the port must be between 1 and 65535";
	return NULL;
}

static int check_digest(const char *whole, const char *d, struct urun_error *err)
{
	const char *colon = strchr(d, ':');
	int r;

	if (!colon || colon == d) {
		r = bad_ref(err, whole, "a digest is written `@sha256:` and 64 hexadecimal digits");
		urun_error_hint(err, "`skopeo inspect docker://NAME` prints an image's digest");
		return r;
	}
	size_t alen = (size_t)(colon - d);
	if (alen != 6 || memcmp(d, "sha256", 6) != 0) {
		_cleanup_free_ char *alg = text_shown_short_n(d, alen);
		r = bad_ref(err, whole, "unsupported digest algorithm `%s`", alg);
		urun_error_hint(err, "only sha256 digests are supported; `skopeo inspect "
				     "docker://NAME` prints an image's sha256 digest");
		return r;
	}
	const char *hex = colon + 1;
	size_t n = strlen(hex);
	for (size_t i = 0; i < n; i++) {
		if (hex[i] >= 'A' && hex[i] <= 'F')
			return bad_ref(err, whole, "the digest must be lowercase hexadecimal");
		if (!is_lower_hex(hex[i]))
			return bad_ref(err, whole, "a sha256 digest holds only hexadecimal digits");
	}
	if (n != 64)
		return bad_ref(err, whole, "a sha256 digest is 64 hexadecimal digits, not %zu", n);
	return 0;
}

/* Docker's grammar, [host[:port]/]path[:tag][@digest], normalised as docker's
 * splitDockerDomain does. `whole` is what the user typed, for messages. A name is short
 * when it has no registry and came without `docker://`, which (as in podman) pins the
 * docker.io normalisation and skips registries.conf. */
static int parse_docker(const char *whole, const char *s, bool explicit_transport,
			struct image_ref *out, bool *tag_given, struct urun_error *err)
{
	int r;

	if (!*s) {
		r = bad_ref(err, whole, "the name is empty");
		urun_error_hint(err, "give an image name such as `alpine` or "
				     "`docker.io/library/alpine:latest`");
		return r;
	}
	size_t n = strlen(s), hexlen = 0;
	while (hexlen < n && is_lower_hex(s[hexlen]))
		hexlen++;
	if (n == 64 && hexlen == 64) {
		/* Docker refuses these too: an image ID would silently become a repository. */
		r = bad_ref(err, whole, "a 64-digit hexadecimal string is an image ID, not a name");
		urun_error_hint(err, "to pin an image by digest write `NAME@sha256:%s`", s);
		return r;
	}

	const char *at = strchr(s, '@');
	if (at && (r = check_digest(whole, at + 1, err)) < 0)
		return r;
	_cleanup_free_ char *nt = xstrndup(s, at ? (size_t)(at - s) : n);

	/* The first component names a registry only if it looks like a host: a dot, a port,
	 * or localhost. Otherwise `user/app` would be a host called "user". */
	_cleanup_free_ char *registry = NULL;
	char *rest = nt, *slash = strchr(nt, '/');
	if (slash) {
		size_t fl = (size_t)(slash - nt);
		if (memchr(nt, '.', fl) || memchr(nt, ':', fl) ||
		    (fl == 9 && memcmp(nt, "localhost", 9) == 0)) {
			const char *why = registry_problem(nt, fl);
			if (why) {
				_cleanup_free_ char *h = text_shown_short_n(nt, fl);
				return bad_ref(err, whole, "invalid registry `%s`: %s", h, why);
			}
			registry = xstrndup(nt, fl);
			rest = slash + 1;
		}
	}

	_cleanup_free_ char *tag = NULL;
	char *colon = strchr(rest, ':');
	if (colon) {
		const char *t = colon + 1;
		*colon = '\0';
		if (!*t) {
			r = bad_ref(err, whole, "empty tag after `:`");
			urun_error_hint(err, "remove the `:` or give a tag, as in `alpine:3.19`");
			return r;
		}
		if (strchr(t, ':')) {
			r = bad_ref(err, whole, "too many `:`; one tag may follow the name");
			urun_error_hint(err, "a registry port goes before the first `/`, as in "
					     "`localhost:5000/app:1.0`");
			return r;
		}
		const char *why = tag_problem(t);
		if (why) {
			_cleanup_free_ char *ts = text_shown_short(t), *w = text_shown_short(whole);
			return urun_error_set(err, 0, "invalid tag `%s` in `%s`: %s", ts, w, why);
		}
		tag = xstrdup(t);
	}
	if (!*rest)
		return bad_ref(err, whole, "the repository name is missing");

	for (const char *c = rest; *c; c++) {
		if (*c >= 'A' && *c <= 'Z') {
			_cleanup_free_ char *lower = xstrdup(rest);
			for (char *l = lower; *l; l++)
				if (*l >= 'A' && *l <= 'Z')
					*l = (char)(*l - 'A' + 'a');
			_cleanup_free_ char *ls = text_shown_short(lower);
			r = bad_ref(err, whole, "repository name must be lowercase");
			urun_error_hint(err, "write the repository as `%s`", ls);
			return r;
		}
	}
	for (const char *c = rest;;) {
		size_t len = strcspn(c, "/");
		if (len == 0)
			return bad_ref(err, whole,
				       "empty path component (`//`, or `/` at "
				       "the start or end of the repository)");
		if (!is_path_component(c, len)) {
			_cleanup_free_ char *cs = text_shown_short_n(c, len);
			r = bad_ref(err, whole, "invalid repository component `%s`", cs);
			urun_error_hint(err, "a component is lowercase letters and digits, "
					     "separated by `.`, `_`, `__` or dashes");
			return r;
		}
		if (!c[len])
			break;
		c += len + 1;
	}

	bool given = registry != NULL;
	if (!registry || strcmp(registry, "index.docker.io") == 0) {
		free(registry);
		registry = xstrdup(DEFAULT_REGISTRY);
	}
	/* Docker Hub's official images live under library/. */
	char *repository = strcmp(registry, DEFAULT_REGISTRY) == 0 && !strchr(rest, '/')
			       ? xasprintf("library/%s", rest)
			       : xstrdup(rest);
	size_t total = strlen(registry) + 1 + strlen(repository);
	if (total > NAME_MAX_LEN) {
		free(repository);
		return bad_ref(err, whole, "the name is %zu characters long; the limit is %d",
			       total, NAME_MAX_LEN);
	}
	if (tag_given)
		*tag_given = tag != NULL;
	if (!tag && !at)
		tag = xstrdup("latest");

	out->transport = IMAGE_TRANSPORT_DOCKER;
	out->registry = steal_ptr(&registry);
	out->repository = repository;
	out->tag = steal_ptr(&tag);
	out->digest = at ? xstrdup(at + 1) : NULL;
	out->short_name = !given && !explicit_transport;
	return 0;
}

/* oci:DIR[:TAG] and oci-archive:FILE[:TAG]. A path may itself hold `:`, so only a last
 * `:` followed by a valid tag (which has no `/`) splits; `oci:/a:b/c` is the path
 * `/a:b/c`. Podman splits at the first `:` and refuses paths with one. */
static int parse_oci(const char *whole, const char *s, enum image_transport t,
		     struct image_ref *out, struct urun_error *err)
{
	const char *form = t == IMAGE_TRANSPORT_OCI ? "oci:DIR[:TAG]" : "oci-archive:FILE[:TAG]";
	const char *colon = strrchr(s, ':');
	size_t plen = strlen(s);
	int r;

	if (colon && !colon[1]) {
		r = bad_ref(err, whole, "empty tag after the last `:`");
		urun_error_hint(err, "remove the trailing `:`, or write `%s`", form);
		return r;
	}
	if (colon && !tag_problem(colon + 1))
		plen = (size_t)(colon - s);
	if (plen == 0) {
		r = bad_ref(err, whole, "the %s path is missing",
			    t == IMAGE_TRANSPORT_OCI ? "directory" : "archive");
		urun_error_hint(err, "write `%s`", form);
		return r;
	}
	out->transport = t;
	out->path = xstrndup(s, plen);
	out->archive_ref = s[plen] ? xstrdup(s + plen + 1) : NULL;
	return 0;
}

/* docker-archive:FILE[:NAME[:TAG]] or FILE:@INDEX, split at the first `:` as podman does. */
static int parse_docker_archive(const char *whole, const char *s, struct image_ref *out,
				struct urun_error *err)
{
	const char *colon = strchr(s, ':');
	size_t plen = colon ? (size_t)(colon - s) : strlen(s);
	int r;

	if (plen == 0) {
		r = bad_ref(err, whole, "the archive path is missing");
		urun_error_hint(err, "write `docker-archive:FILE[:NAME[:TAG]]`");
		return r;
	}
	if (colon) {
		const char *ref = colon + 1;
		if (!*ref) {
			r = bad_ref(err, whole, "empty image name after `:`");
			urun_error_hint(err, "remove the trailing `:`, or name an image of the "
					     "archive, as in `docker-archive:FILE:alpine:3.19`");
			return r;
		}
		if (ref[0] == '@') {
			size_t d = strspn(ref + 1, "0123456789");
			if (d == 0 || d > 9 || ref[1 + d])
				return bad_ref(err, whole,
					       "`:@` must be followed by the index of an "
					       "image in the archive, as in `:@0`");
		} else {
			struct image_ref tmp = {0};
			if ((r = parse_docker(whole, ref, true, &tmp, NULL, err)) < 0)
				return r;
			bool digest = tmp.digest != NULL;
			image_ref_free(&tmp);
			if (digest)
				return bad_ref(err, whole,
					       "docker archives name images by tag, "
					       "not by digest");
		}
	}
	out->transport = IMAGE_TRANSPORT_DOCKER_ARCHIVE;
	out->path = xstrndup(s, plen);
	out->archive_ref = colon ? xstrdup(colon + 1) : NULL;
	return 0;
}

int image_ref_parse(const char *s, struct image_ref *out, struct urun_error *err)
{
	static const struct {
		const char *prefix;
		enum image_transport t;
	} transports[] = {
	    {"docker://", IMAGE_TRANSPORT_DOCKER},
	    {"oci:", IMAGE_TRANSPORT_OCI},
	    {"oci-archive:", IMAGE_TRANSPORT_OCI_ARCHIVE},
	    {"docker-archive:", IMAGE_TRANSPORT_DOCKER_ARCHIVE},
	};
	/* Podman's other transports: saying so beats "invalid registry `dir:`". */
	static const char *const unsupported[] = {
	    "containers-storage:", "dir:", "docker-daemon:", "ostree:", "sif:"};
	int r;

	memset(out, 0, sizeof(*out));
	if (!s)
		s = "";
	for (size_t i = 0; i < ARRAY_SIZE(transports); i++) {
		size_t pl = strlen(transports[i].prefix);
		if (strncmp(s, transports[i].prefix, pl) != 0)
			continue;
		const char *rest = s + pl;
		switch (transports[i].t) {
		case IMAGE_TRANSPORT_DOCKER:
			r = parse_docker(s, rest, true, out, NULL, err);
			break;
		case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
			r = parse_docker_archive(s, rest, out, err);
			break;
		default:
			r = parse_oci(s, rest, transports[i].t, out, err);
			break;
		}
		if (r < 0)
			image_ref_free(out);
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		size_t pl = strlen(unsupported[i]);
		if (strncmp(s, unsupported[i], pl) != 0)
			continue;
		_cleanup_free_ char *w = text_shown_short(s);
		r = bad_ref(err, s, "the `%.*s` transport is not supported", (int)(pl - 1),
			    unsupported[i]);
		if (i == 0)
			urun_error_hint(err,
					"urun keeps its own image store; export the image with "
					"`podman save --format oci-archive -o image.tar IMAGE` "
					"and run `oci-archive:image.tar`");
		else
			urun_error_hint(err,
					"urun reads `docker://`, `oci:`, `oci-archive:` and "
					"`docker-archive:`; for an image of that name in a "
					"registry, write `docker://%s`",
					w);
		return r;
	}
	const char *scheme = strstr(s, "://");
	if (scheme && !memchr(s, '/', (size_t)(scheme - s))) {
		_cleanup_free_ char *sch = text_shown_short_n(s, (size_t)(scheme - s));
		_cleanup_free_ char *tail = text_shown_short(scheme + 3);
		r = bad_ref(err, s, "`%s://` is not a transport urun knows", sch);
		urun_error_hint(err,
				"an image name has no URL scheme: write `%s`, or "
				"`docker://%s`",
				tail, tail);
		return r;
	}
	r = parse_docker(s, s, false, out, NULL, err);
	if (r < 0)
		image_ref_free(out);
	return r;
}

void image_ref_free(struct image_ref *r)
{
	if (!r)
		return;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r->path);
	free(r->archive_ref);
	memset(r, 0, sizeof(*r));
}

char *image_ref_name(const struct image_ref *r)
{
	static const char *const prefixes[] = {
	    [IMAGE_TRANSPORT_OCI] = "oci",
	    [IMAGE_TRANSPORT_OCI_ARCHIVE] = "oci-archive",
	    [IMAGE_TRANSPORT_DOCKER_ARCHIVE] = "docker-archive",
	};

	if (r->transport != IMAGE_TRANSPORT_DOCKER)
		return xasprintf("%s:%s%s%s", prefixes[r->transport], r->path ? r->path : "",
				 r->archive_ref ? ":" : "", r->archive_ref ? r->archive_ref : "");
	return xasprintf("%s/%s%s%s%s%s", r->registry ? r->registry : "",
			 r->repository ? r->repository : "", r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

const char *image_ref_api_host(const struct image_ref *r)
{
	if (r->transport != IMAGE_TRANSPORT_DOCKER || !r->registry)
		return NULL;
	if (strcmp(r->registry, DEFAULT_REGISTRY) == 0)
		return DOCKER_API_HOST;
	return r->registry;
}

bool image_ref_is_loopback(const char *registry)
{
	char host[INET6_ADDRSTRLEN];
	const char *start = registry, *end;
	struct in6_addr a6;
	struct in_addr a4;

	if (!registry || !*registry)
		return false;
	if (registry[0] == '[') {
		start = registry + 1;
		end = strchr(start, ']');
		if (!end)
			return false;
	} else if (strchr(registry, ':') != strrchr(registry, ':')) {
		end = registry + strlen(registry); /* a bare IPv6 address, "::1" */
	} else {
		end = registry + strcspn(registry, ":");
	}
	const char *tail = end + (registry[0] == '[');
	if (*tail == ':') {
		size_t d = strspn(tail + 1, "0123456789");
		if (d == 0 || tail[1 + d])
			return false;
	} else if (*tail) {
		return false;
	}
	size_t len = (size_t)(end - start);
	if (len == 0 || len >= sizeof(host))
		return false;
	memcpy(host, start, len);
	host[len] = '\0';

	if (strcasecmp(host, "localhost") == 0)
		return true;
	/* Literal addresses only: resolving a name here would let DNS decide whether TLS is
	 * required. Docker's default insecure range is 127.0.0.0/8, plus ::1. */
	if (registry[0] != '[' && inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/* registries.conf ------------------------------------------------------------------------ */

struct strv_builder {
	char **v;
	size_t n;
};

static void sb_push(struct strv_builder *b, char *s)
{
	b->v = xrealloc(b->v, (b->n + 2) * sizeof(char *));
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

static char **sb_finish(struct strv_builder *b)
{
	char **v = b->v ? b->v : xcalloc(1, sizeof(char *));
	b->v = NULL;
	b->n = 0;
	return v;
}

static void sb_free(struct strv_builder *b)
{
	strv_free(b->v);
	b->v = NULL;
	b->n = 0;
}

enum conf_table {
	TABLE_TOP,
	TABLE_ALIASES,
	TABLE_REGISTRY,
	TABLE_V1_SEARCH,
	TABLE_V1_INSECURE,
	TABLE_IGNORED
};

struct conf_parser {
	const char *p;
	const char *source;
	int line;
	struct urun_error *err;
	enum conf_table table;
	/* The [[registry]] being read is recorded when the next table starts or the text
	 * ends: `insecure` may come before `location`. */
	bool in_registry, reg_insecure;
	int reg_line;
	char *reg_location, *reg_prefix;
	bool have_search;
	struct strv_builder search, alias_names, alias_targets, insecure;
};

enum conf_type { CONF_STRING, CONF_BOOL, CONF_INT, CONF_ARRAY };

struct conf_value {
	enum conf_type type;
	char *s;
	bool b;
	struct strv_builder v;
};

static void conf_value_clear(struct conf_value *v)
{
	free(v->s);
	sb_free(&v->v);
	memset(v, 0, sizeof(*v));
}

static int __attribute__((format(printf, 3, 4)))
conf_error_at(struct conf_parser *cp, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *why = vformat(fmt, ap);
	va_end(ap);
	int r = urun_error_set(cp->err, 0, "`%s` line %d: %s", cp->source, line, why);
	urun_error_hint(cp->err,
			"registries.conf is a TOML subset (`key = value`, `[aliases]`, "
			"`[[registry]]`, quoted strings); see containers-registries.conf(5)");
	return r;
}

#define conf_error(cp, ...) conf_error_at(cp, (cp)->line, __VA_ARGS__)

/* What the parser found, for "expected X, found Y". */
static const char *found(const char *p, char buf[16])
{
	unsigned char c = (unsigned char)*p;
	if (!c)
		return "the end of the file";
	if (c == '\n')
		return "the end of the line";
	if (c < 0x20 || c >= 0x7f)
		snprintf(buf, 16, "byte 0x%02x", c);
	else
		snprintf(buf, 16, "`%c`", c);
	return buf;
}

static void skip_blank(struct conf_parser *cp)
{
	while (*cp->p == ' ' || *cp->p == '\t' || *cp->p == '\r')
		cp->p++;
}

/* Blanks, comments and newlines: between statements and inside arrays. */
static void skip_space(struct conf_parser *cp)
{
	for (;;) {
		skip_blank(cp);
		if (*cp->p == '#')
			cp->p += strcspn(cp->p, "\n");
		if (*cp->p != '\n')
			return;
		cp->p++;
		cp->line++;
	}
}

static int end_of_line(struct conf_parser *cp)
{
	char buf[16];

	skip_blank(cp);
	if (*cp->p == '#')
		cp->p += strcspn(cp->p, "\n");
	if (*cp->p == '\n') {
		cp->p++;
		cp->line++;
		return 0;
	}
	if (!*cp->p)
		return 0;
	return conf_error(cp, "expected the end of the line, found %s", found(cp->p, buf));
}

static bool is_bare_key_char(char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* "basic" strings with the common escapes, 'literal' strings without. */
static int parse_string(struct conf_parser *cp, char **out)
{
	char q = *cp->p, buf[16];

	if (cp->p[1] == q && cp->p[2] == q)
		return conf_error(cp, "multi-line strings are not supported");
	cp->p++;
	size_t n = 0, cap = 32;
	_cleanup_free_ char *s = xmalloc(cap);
	for (;;) {
		char c = *cp->p;
		if (c == q)
			break;
		if (c == '\0' || c == '\n')
			return conf_error(cp, "unterminated string");
		if (((unsigned char)c < 0x20 && c != '\t') || c == 0x7f)
			return conf_error(cp, "%s in a string", found(cp->p, buf));
		if (c == '\\' && q == '"') {
			static const char from[] = "\"\\btnfr", to[] = "\"\\\b\t\n\f\r";
			const char *e = cp->p[1] ? strchr(from, cp->p[1]) : NULL;
			if (!e)
				return conf_error(cp, "unsupported escape `\\` then %s in a string",
						  found(cp->p + 1, buf));
			c = to[e - from];
			cp->p++;
		}
		if (n + 1 >= cap)
			s = xrealloc(s, cap *= 2);
		s[n++] = c;
		cp->p++;
	}
	cp->p++;
	s[n] = '\0';
	*out = steal_ptr(&s);
	return 0;
}

/* A key or dotted key, joined with `.`; *parts counts its components. */
static int parse_key(struct conf_parser *cp, char **out, int *parts)
{
	_cleanup_free_ char *key = NULL;
	char buf[16];
	int r;

	*parts = 0;
	for (;;) {
		_cleanup_free_ char *part = NULL;
		skip_blank(cp);
		if (*cp->p == '"' || *cp->p == '\'') {
			if ((r = parse_string(cp, &part)) < 0)
				return r;
		} else {
			const char *start = cp->p;
			while (is_bare_key_char(*cp->p))
				cp->p++;
			if (cp->p == start)
				return conf_error(cp, "expected a key, found %s",
						  found(cp->p, buf));
			part = xstrndup(start, (size_t)(cp->p - start));
		}
		char *joined = key ? xasprintf("%s.%s", key, part) : steal_ptr(&part);
		free(key);
		key = joined;
		(*parts)++;
		skip_blank(cp);
		if (*cp->p != '.')
			break;
		cp->p++;
	}
	*out = steal_ptr(&key);
	return 0;
}

static int parse_value(struct conf_parser *cp, struct conf_value *v, bool in_array)
{
	const char *p = cp->p;
	char buf[16];
	int r;

	if (*p == '"' || *p == '\'') {
		v->type = CONF_STRING;
		return parse_string(cp, &v->s);
	}
	if (*p == '[') {
		if (in_array)
			return conf_error(cp, "nested arrays are not supported");
		v->type = CONF_ARRAY;
		cp->p++;
		for (;;) {
			struct conf_value item = {0};
			skip_space(cp);
			if (*cp->p == ']')
				break;
			r = parse_value(cp, &item, true);
			if (r == 0 && item.type != CONF_STRING)
				r = conf_error(cp, "an array here holds only quoted strings");
			if (r < 0) {
				conf_value_clear(&item);
				return r;
			}
			sb_push(&v->v, steal_ptr(&item.s));
			skip_space(cp);
			if (*cp->p == ',') {
				cp->p++;
				continue;
			}
			if (*cp->p != ']')
				return conf_error(cp, "expected `,` or `]` in the array, found %s",
						  found(cp->p, buf));
			break;
		}
		cp->p++;
		return 0;
	}
	for (int b = 0; b < 2; b++) {
		const char *word = b ? "true" : "false";
		size_t wl = strlen(word);
		if (strncmp(p, word, wl) == 0 && !is_bare_key_char(p[wl])) {
			v->type = CONF_BOOL;
			v->b = b;
			cp->p += wl;
			return 0;
		}
	}
	if (is_digit(*p) || ((*p == '+' || *p == '-') && is_digit(p[1]))) {
		cp->p++;
		while (is_digit(*cp->p) || (*cp->p == '_' && is_digit(cp->p[1])))
			cp->p++;
		if (!is_bare_key_char(*cp->p) && *cp->p != '.' && *cp->p != ':') {
			v->type = CONF_INT;
			return 0;
		}
		cp->p = p;
	}
	if (*p == '{')
		return conf_error(cp, "inline tables are not supported; write a `[table]`");
	return conf_error(cp,
			  "expected a value (a quoted string, true, false, a number or an array "
			  "of strings), found %s",
			  found(p, buf));
}

/* Record the [[registry]] just read. Without remapping, urun contacts the host the user
 * named; `insecure` is granted to `location` only, the host podman would contact
 * insecurely, so a remapped prefix never loses TLS by accident. */
static int finish_registry(struct conf_parser *cp)
{
	if (!cp->in_registry)
		return 0;
	cp->in_registry = false;
	_cleanup_free_ char *location = steal_ptr(&cp->reg_location);
	_cleanup_free_ char *prefix = steal_ptr(&cp->reg_prefix);
	if (!location && !prefix)
		return conf_error_at(cp, cp->reg_line,
				     "`[[registry]]` has neither `location` nor "
				     "`prefix`");
	if (location && prefix && strcmp(location, prefix) != 0)
		log_warn("%s line %d: urun does not remap `%s` to `%s`", cp->source, cp->reg_line,
			 prefix, location);
	if (cp->reg_insecure)
		sb_push(&cp->insecure, xstrdup(location ? location : prefix));
	cp->reg_insecure = false;
	return 0;
}

static int parse_table_header(struct conf_parser *cp)
{
	bool array = cp->p[1] == '[';
	_cleanup_free_ char *name = NULL;
	int parts, r, line = cp->line;

	cp->p += array ? 2 : 1;
	if ((r = parse_key(cp, &name, &parts)) < 0)
		return r;
	if (*cp->p != ']' || (array && cp->p[1] != ']'))
		return conf_error(cp, "expected `%s` to close the table name", array ? "]]" : "]");
	cp->p += array ? 2 : 1;
	if ((r = end_of_line(cp)) < 0 || (r = finish_registry(cp)) < 0)
		return r;

	if (strcmp(name, "aliases") == 0) {
		if (array)
			return conf_error_at(cp, line, "write `[aliases]`, with single brackets");
		cp->table = TABLE_ALIASES;
	} else if (strcmp(name, "registry") == 0) {
		if (!array)
			return conf_error_at(cp, line,
					     "write `[[registry]]`, with double brackets: "
					     "each one describes one registry");
		cp->table = TABLE_REGISTRY;
		cp->in_registry = true;
		cp->reg_line = line;
	} else if (strcmp(name, "registries.search") == 0 && !array) {
		cp->table = TABLE_V1_SEARCH;
	} else if (strcmp(name, "registries.insecure") == 0 && !array) {
		cp->table = TABLE_V1_INSECURE;
	} else {
		/* registry.mirror, registries.block and whatever podman adds next. */
		log_debug("%s line %d: ignoring table `%s`", cp->source, line, name);
		cp->table = TABLE_IGNORED;
	}
	return 0;
}

static int add_search(struct conf_parser *cp, int line, struct conf_value *v, const char *key)
{
	if (v->type != CONF_ARRAY)
		return conf_error_at(cp, line, "`%s` must be an array, as in [\"docker.io\"]", key);
	for (size_t i = 0; i < v->v.n; i++) {
		const char *why = registry_problem(v->v.v[i], strlen(v->v.v[i]));
		if (why) {
			_cleanup_free_ char *s = text_shown_short(v->v.v[i]);
			return conf_error_at(cp, line, "invalid registry `%s` in `%s`: %s", s, key,
					     why);
		}
		sb_push(&cp->search, xstrdup(v->v.v[i]));
	}
	cp->have_search = true;
	return 0;
}

/* containers-registries.conf(5): an alias maps a short name, without tag or digest, to a
 * fully qualified name without tag or digest; the user's tag or digest is appended. */
static int add_alias(struct conf_parser *cp, int line, const char *name, int parts,
		     struct conf_value *v)
{
	struct image_ref ref = {0};
	bool tag_given = false;
	int r;

	if (parts != 1)
		return conf_error_at(cp, line, "quote the alias name, as in \"%s\" = ...", name);
	if (v->type != CONF_STRING)
		return conf_error_at(cp, line, "alias `%s` must be a quoted image name", name);
	for (size_t i = 0; i < cp->alias_names.n; i++)
		if (strcmp(cp->alias_names.v[i], name) == 0)
			return conf_error_at(cp, line, "alias `%s` is defined twice", name);
	if ((r = parse_docker(name, name, false, &ref, &tag_given, cp->err)) < 0)
		return urun_error_wrap(cp->err, "`%s` line %d", cp->source, line);
	bool bad = !ref.short_name || tag_given || ref.digest;
	image_ref_free(&ref);
	if (bad)
		return conf_error_at(cp, line,
				     "alias name `%s` must be a short name, without "
				     "registry, tag or digest",
				     name);
	if (!*v->s)
		return 0; /* "" erases an alias in podman's drop-in files; nothing to erase here */
	if ((r = parse_docker(v->s, v->s, false, &ref, &tag_given, cp->err)) < 0)
		return urun_error_wrap(cp->err, "`%s` line %d", cp->source, line);
	bad = ref.short_name || tag_given || ref.digest;
	image_ref_free(&ref);
	if (bad)
		return conf_error_at(cp, line,
				     "alias `%s` must point at a fully qualified name "
				     "(registry/repository) without tag or digest",
				     name);
	sb_push(&cp->alias_names, xstrdup(name));
	sb_push(&cp->alias_targets, xstrdup(v->s));
	return 0;
}

static int set_registry_key(struct conf_parser *cp, int line, const char *key, struct conf_value *v)
{
	char **slot = strcmp(key, "location") == 0 ? &cp->reg_location
		      : strcmp(key, "prefix") == 0 ? &cp->reg_prefix
						   : NULL;
	if (slot) {
		if (v->type != CONF_STRING || !*v->s)
			return conf_error_at(cp, line, "`%s` must be a quoted registry name", key);
		if (*slot)
			return conf_error_at(cp, line, "`%s` is set twice", key);
		*slot = steal_ptr(&v->s);
	} else if (strcmp(key, "insecure") == 0) {
		if (v->type != CONF_BOOL)
			return conf_error_at(cp, line, "`insecure` must be true or false");
		cp->reg_insecure = v->b;
	} else {
		log_debug("%s line %d: ignoring `%s`", cp->source, line, key);
	}
	return 0;
}

static int apply(struct conf_parser *cp, int line, const char *key, int parts, struct conf_value *v)
{
	switch (cp->table) {
	case TABLE_TOP:
		if (strcmp(key, "unqualified-search-registries") != 0)
			break;
		if (cp->have_search)
			return conf_error_at(cp, line, "the search registries are set twice");
		return add_search(cp, line, v, key);
	case TABLE_ALIASES:
		return add_alias(cp, line, key, parts, v);
	case TABLE_REGISTRY:
		return set_registry_key(cp, line, key, v);
	case TABLE_V1_SEARCH:
		if (strcmp(key, "registries") != 0)
			break;
		if (cp->have_search)
			return conf_error_at(cp, line, "the search registries are set twice");
		return add_search(cp, line, v, key);
	case TABLE_V1_INSECURE:
		if (strcmp(key, "registries") != 0)
			break;
		if (v->type != CONF_ARRAY)
			return conf_error_at(cp, line, "`registries` must be an array of strings");
		for (size_t i = 0; i < v->v.n; i++)
			sb_push(&cp->insecure, xstrdup(v->v.v[i]));
		return 0;
	case TABLE_IGNORED:
		return 0;
	}
	/* short-name-mode (urun never prompts), credential-helpers, ... */
	log_debug("%s line %d: ignoring `%s`", cp->source, line, key);
	return 0;
}

static int parse_statements(struct conf_parser *cp)
{
	char buf[16];
	int r;

	for (;;) {
		skip_space(cp);
		if (!*cp->p)
			return finish_registry(cp);
		if (*cp->p == '[') {
			r = parse_table_header(cp);
		} else {
			_cleanup_free_ char *key = NULL;
			struct conf_value v = {0};
			int parts, line = cp->line;
			if ((r = parse_key(cp, &key, &parts)) < 0)
				return r;
			if (*cp->p != '=')
				return conf_error(cp, "expected `=` after `%s`, found %s", key,
						  found(cp->p, buf));
			cp->p++;
			skip_blank(cp);
			r = parse_value(cp, &v, false);
			if (r == 0)
				r = end_of_line(cp);
			if (r == 0)
				r = apply(cp, line, key, parts, &v);
			conf_value_clear(&v);
		}
		if (r < 0)
			return r;
	}
}

int registries_conf_parse(const char *text, const char *source_name, struct registries_conf *rc,
			  struct urun_error *err)
{
	struct conf_parser cp = {
	    .p = text ? text : "",
	    .source = source_name ? source_name : "registries.conf",
	    .line = 1,
	    .err = err,
	};

	memset(rc, 0, sizeof(*rc));
	int r = parse_statements(&cp);
	free(cp.reg_location);
	free(cp.reg_prefix);
	if (r < 0) {
		sb_free(&cp.search);
		sb_free(&cp.alias_names);
		sb_free(&cp.alias_targets);
		sb_free(&cp.insecure);
		return r;
	}
	if (!cp.have_search)
		sb_push(&cp.search, xstrdup(DEFAULT_REGISTRY));
	rc->search = sb_finish(&cp.search);
	rc->alias_names = sb_finish(&cp.alias_names);
	rc->alias_targets = sb_finish(&cp.alias_targets);
	rc->insecure = sb_finish(&cp.insecure);
	return 0;
}

int registries_conf_load(const char *path, struct registries_conf *rc, struct urun_error *err)
{
	memset(rc, 0, sizeof(*rc));
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return registries_conf_parse("", path, rc, err);
		return urun_error_set(err, errno, "reading `%s`", path);
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, k;
	char chunk[4096];
	errno = 0;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + k > 1 << 20)
			return urun_error_set(err, 0, "`%s` is larger than 1 MiB", path);
		buf = xrealloc(buf, len + k + 1);
		memcpy(buf + len, chunk, k);
		len += k;
	}
	if (ferror(f))
		return urun_error_set(err, errno ? errno : EIO, "reading `%s`", path);
	if (buf && memchr(buf, '\0', len))
		return urun_error_set(err, 0, "`%s` contains a NUL byte; is it a text file?", path);
	if (buf)
		buf[len] = '\0';
	return registries_conf_parse(buf ? buf : "", path, rc, err);
}

void registries_conf_free(struct registries_conf *rc)
{
	if (!rc)
		return;
	strv_free(rc->search);
	strv_free(rc->alias_names);
	strv_free(rc->alias_targets);
	strv_free(rc->insecure);
	memset(rc, 0, sizeof(*rc));
}

bool registries_conf_is_insecure(const struct registries_conf *rc, const char *registry)
{
	if (!rc || !rc->insecure || !registry)
		return false;
	size_t rl = strlen(registry);
	for (char **e = rc->insecure; *e; e++) {
		if (strcmp(*e, registry) == 0)
			return true;
		/* "*.example.com" covers subdomains, never example.com itself. */
		if ((*e)[0] == '*' && (*e)[1] == '.') {
			size_t sl = strlen(*e + 1);
			if (rl > sl && strcmp(registry + rl - sl, *e + 1) == 0)
				return true;
		}
	}
	return false;
}

/* "docker.io/library/alpine:3.19" for a search registry and a short name as typed. */
static char *candidate(const char *registry, const char *name, const char *suffix)
{
	struct image_ref r = {0};
	_cleanup_free_ char *full = xasprintf("%s/%s", registry, name);
	if (parse_docker(full, full, false, &r, NULL, NULL) < 0)
		return xasprintf("%s%s", full, suffix);
	char *c = xasprintf("%s/%s%s", r.registry, r.repository, suffix);
	image_ref_free(&r);
	return c;
}

static const char *alias_target(const struct registries_conf *rc, const char *name)
{
	if (!rc || !rc->alias_names || !rc->alias_targets)
		return NULL;
	for (size_t i = 0; rc->alias_names[i] && rc->alias_targets[i]; i++)
		if (strcmp(rc->alias_names[i], name) == 0)
			return rc->alias_targets[i];
	return NULL;
}

int image_ref_resolve(const char *s, const struct registries_conf *rc, struct image_ref *out,
		      struct urun_error *err)
{
	static const char *const default_search[] = {DEFAULT_REGISTRY, NULL};
	int r = image_ref_parse(s, out, err);

	if (r < 0 || out->transport != IMAGE_TRANSPORT_DOCKER || !out->short_name)
		return r;
	/* A short name has no registry, so its first `:` or `@` starts the tag or digest. */
	size_t nlen = strcspn(s, ":@");
	_cleanup_free_ char *name = xstrndup(s, nlen);
	const char *suffix = s + nlen;

	const char *target = alias_target(rc, name);
	const char *const *search =
	    rc && rc->search ? (const char *const *)rc->search : default_search;
	size_t n = 0;
	while (search[n])
		n++;

	if (target || n == 1) {
		_cleanup_free_ char *full =
		    target ? xasprintf("%s%s", target, suffix) : xasprintf("%s/%s", search[0], s);
		image_ref_free(out);
		if ((r = image_ref_parse(full, out, err)) < 0)
			return urun_error_wrap(err, "resolving `%s` as `%s`", s, full);
		out->short_name = true;
		return 0;
	}
	image_ref_free(out);
	if (n == 0) {
		r = urun_error_set(err, 0,
				   "cannot resolve the short name `%s`: registries.conf "
				   "lists no `unqualified-search-registries`",
				   s);
		urun_error_hint(err,
				"write the full name, as in `docker.io/%s`, or add a search "
				"registry or an alias to registries.conf",
				s);
		return r;
	}
	/* Several registries could serve the name, and a squatter on the first one would win:
	 * podman prompts or tries them in order; urun asks the user to choose once. */
	_cleanup_free_ char *list = NULL;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *c = candidate(search[i], name, suffix);
		char *l = xasprintf("%s%s`%s`", list ? list : "",
				    i == 0	 ? ""
				    : i + 1 == n ? " or "
						 : ", ",
				    c);
		free(list);
		list = l;
	}
	_cleanup_free_ char *first = candidate(search[0], name, "");
	r = urun_error_set(err, 0, "the short name `%s` is ambiguous: it could be %s", s, list);
	urun_error_hint(err,
			"write the full name, or add an alias to registries.conf: "
			"[aliases] \"%s\" = \"%s\"",
			name, first);
	return r;
}
