/* SPDX-License-Identifier: GPL-2.0-or-later */
/* auth.c: what a registry client needs to authenticate: parsing WWW-Authenticate challenges
 * and token answers (both come from the network), and reading and writing the credential files
 * podman and docker share (auth.json, ~/.docker/config.json). */
#include "image/auth.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/text.h"

#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <strings.h>
#include <sys/stat.h>

#define CHALLENGE_MAX	  (16 * 1024)
#define TOKEN_MAX	  (64 * 1024)
#define AUTH_FILE_MAX	  (1024 * 1024) /* credential files are a few KiB; refuse to slurp a disk */
#define JSON_MAX_DEPTH	  16
#define MIN_TOKEN_SECONDS 60	       /* the token spec's default, also docker's minimum */
#define MAX_TOKEN_SECONDS (24L * 3600) /* a registry cannot make us trust a token forever */

static void challenge_freep(struct auth_challenge *ch)
{
	auth_challenge_free(ch);
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* ---- base64 (RFC 4648, standard alphabet) ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const unsigned char *in, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

/* Decode into a NUL-terminated string; NULL when `in` is not base64 (padding optional, as some
 * tools write it without) or decodes to something holding a NUL byte. */
static char *base64_decode_str(const char *in)
{
	size_t n = strlen(in);
	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1 || strlen(in) - n > 2)
		return NULL;
	char *out = xmalloc(n / 4 * 3 + 3), *o = out;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int d = b64_value(in[i]);
		if (d < 0) {
			free(out);
			return NULL;
		}
		v = (v << 6 | (unsigned)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char c = (char)((v >> bits) & 0xff);
			if (c == '\0') {
				free(out);
				return NULL;
			}
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

char *auth_basic_value(const char *user, const char *pass)
{
	_cleanup_free_ char *plain = xasprintf("%s:%s", user, pass ? pass : "");
	_cleanup_free_ char *enc = base64_encode((const unsigned char *)plain, strlen(plain));
	/* The plaintext credentials do not outlive this function in our heap. */
	explicit_bzero(plain, strlen(plain));
	return xasprintf("Basic %s", enc);
}

/* ---- WWW-Authenticate ---- */

/* RFC 7230 tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int bad_challenge(const char *header, const char *why, struct urun_error *err)
{
	_cleanup_free_ char *s = text_shown_short(header);
	return urun_error_set(err, 0, "invalid WWW-Authenticate challenge `%s`: %s", s, why);
}

void auth_challenge_free(struct auth_challenge *ch)
{
	if (!ch)
		return;
	free(ch->scheme);
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	memset(ch, 0, sizeof(*ch));
}

int auth_parse_challenge(const char *header, struct auth_challenge *ch, struct urun_error *err)
{
	__attribute__((cleanup(challenge_freep))) struct auth_challenge c = {0};
	const char *p;

	memset(ch, 0, sizeof(*ch));
	if (!header)
		return urun_error_set(err, 0, "empty WWW-Authenticate challenge");
	if (strlen(header) > CHALLENGE_MAX)
		return bad_challenge(header, "longer than 16 KiB", err);
	/* Values end up in URLs and messages: CR, LF and other controls have no business here. */
	for (p = header; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return bad_challenge(header, "control character", err);

	p = header;
	while (is_ws(*p) || *p == ',')
		p++;
	const char *s = p;
	while (is_tchar(*p))
		p++;
	if (p == s)
		return bad_challenge(header, "no authentication scheme", err);
	if (*p && !is_ws(*p) && *p != ',')
		return bad_challenge(header, "malformed authentication scheme", err);
	c.scheme = xstrndup(s, (size_t)(p - s));
	for (char *q = c.scheme; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');

	for (;;) {
		while (is_ws(*p) || *p == ',')
			p++;
		if (!*p)
			break;
		const char *name = p;
		while (is_tchar(*p))
			p++;
		size_t nlen = (size_t)(p - name);
		if (nlen == 0)
			return bad_challenge(header, "expected a parameter name", err);
		const char *q = p;
		while (is_ws(*q))
			q++;
		/* No "=": the scheme of a second challenge, or a token68 ("Basic abc=="); neither
		 * carries parameters we use. */
		if (*q != '=' || q[1] == '=')
			break;
		q++;
		while (is_ws(*q))
			q++;
		_cleanup_free_ char *val = NULL;
		if (*q == '"') {
			const char *start = ++q;
			val = xmalloc(strlen(start) + 1);
			size_t n = 0;
			while (*q && *q != '"') {
				if (*q == '\\' && q[1])
					q++;
				/* Tabs may separate parameters, but inside a value they could
				 * only end up in a URL or a header. */
				if (*q == '\t')
					return bad_challenge(header, "tab inside a value", err);
				val[n++] = *q++;
			}
			if (*q != '"')
				return bad_challenge(header, "unterminated quoted string", err);
			val[n] = '\0';
			q++;
			if (*q && !is_ws(*q) && *q != ',')
				return bad_challenge(header, "garbage after a quoted value", err);
		} else {
			/* Unquoted values are tokens by the RFC; realms are written unquoted as
			 * URLs in the wild, so take everything up to the next separator. */
			const char *start = q;
			while (*q && !is_ws(*q) && *q != ',' && *q != '"')
				q++;
			if (*q == '"')
				return bad_challenge(header, "stray quote", err);
			val = xstrndup(start, (size_t)(q - start));
		}
		p = q;
		char **field = NULL;
		if (nlen == 5 && strncasecmp(name, "realm", 5) == 0)
			field = &c.realm;
		else if (nlen == 7 && strncasecmp(name, "service", 7) == 0)
			field = &c.service;
		else if (nlen == 5 && strncasecmp(name, "scope", 5) == 0)
			field = &c.scope;
		if (field && !*field) /* first one wins: a repeat cannot override the realm */
			*field = steal_ptr(&val);
	}
	*ch = c;
	memset(&c, 0, sizeof(c));
	return 0;
}

/* ---- JSON ---- */

static int parse_json_object(const char *text, size_t len, const char *what,
			     struct json_object **out, struct urun_error *err)
{
	enum json_tokener_error e;
	switch (json_parse_object(text, len, JSON_MAX_DEPTH, 0, out, &e, NULL)) {
	case JSON_PARSE_OK:
		return 0;
	case JSON_PARSE_TOO_LARGE:
		return urun_error_set(err, 0, "%s is too large", what);
	case JSON_PARSE_NOMEM:
		return urun_error_set(err, ENOMEM, "parsing %s", what);
	case JSON_PARSE_INVALID:
		return urun_error_set(err, 0, "%s is not valid JSON: %s", what,
				      e == json_tokener_continue ? "unexpected end"
								 : json_tokener_error_desc(e));
	case JSON_PARSE_TRAILING:
		return urun_error_set(err, 0, "%s is not valid JSON: data after the end", what);
	case JSON_PARSE_NOT_OBJECT:
		break;
	}
	return urun_error_set(err, 0, "%s is not a JSON object", what);
}

int auth_parse_token(const char *body, size_t len, char **token, long *expires_in,
		     struct urun_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *v;

	*token = NULL;
	*expires_in = 0;
	int r = parse_json_object(body, len, "the token server's answer", &root, err);
	if (r < 0)
		return r;
	const char *t = json_get_str(root, "token");
	if (!t || !*t)
		t = json_get_str(root, "access_token");
	if (!t || !*t)
		return urun_error_set(err, 0, "the token server's answer has no `token`");
	size_t n = strlen(t);
	if (n > TOKEN_MAX)
		return urun_error_set(err, 0, "the token server's token is longer than 64 KiB");
	/* It goes into an "Authorization: Bearer" header line: nothing that could end or fold it.
	 */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return urun_error_set(err, 0,
					      "the token server's token holds characters "
					      "a token cannot have");
	long secs = MIN_TOKEN_SECONDS;
	if (json_object_object_get_ex(root, "expires_in", &v) &&
	    json_object_is_type(v, json_type_int)) {
		int64_t e = json_object_get_int64(v);
		if (e > MAX_TOKEN_SECONDS)
			e = MAX_TOKEN_SECONDS;
		if (e > secs)
			secs = (long)e;
	}
	*token = xstrdup(t);
	*expires_in = secs;
	return 0;
}

/* ---- keys ---- */

static bool is_docker_hub_alias(const char *host, size_t n)
{
	static const char *const aliases[] = {"docker.io", "index.docker.io",
					      "registry-1.docker.io"};
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strlen(aliases[i]) == n && strncasecmp(host, aliases[i], n) == 0)
			return true;
	return false;
}

char *auth_normalize_key(const char *key)
{
	const char *k = key;
	bool url = false;

	if (!key)
		return NULL;
	if (strncasecmp(k, "https://", 8) == 0) {
		k += 8;
		url = true;
	} else if (strncasecmp(k, "http://", 7) == 0) {
		k += 7;
		url = true;
	}
	size_t hlen = strcspn(k, "/");
	/* URL-shaped keys are docker's legacy form ("https://index.docker.io/v1/"): the path is an
	 * API version, not a namespace. */
	size_t klen = url ? hlen : strlen(k);
	while (klen > hlen && k[klen - 1] == '/')
		klen--;
	if (hlen == 0)
		return NULL;
	const char *host = k;
	if (is_docker_hub_alias(host, hlen)) {
		host = "docker.io";
		return xasprintf("%s%.*s", host, (int)(klen - hlen), k + hlen);
	}
	char *out = xstrndup(k, klen);
	for (size_t i = 0; i < hlen; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

/* ---- lookup ---- */

/* Decode one auths entry. 1: credentials; 0: the entry holds none; <0: malformed. */
static int decode_entry(struct json_object *entry, const char *source, const char *key, char **user,
			char **pass, struct urun_error *err)
{
	_cleanup_free_ char *k = text_shown_short(key);
	if (!json_object_is_type(entry, json_type_object))
		return urun_error_set(err, 0, "auth file `%s`: entry `%s` is not an object", source,
				      k);
	const char *idtok = json_get_str(entry, "identitytoken");
	const char *auth = json_get_str(entry, "auth");
	_cleanup_free_ char *plain = NULL;
	char *colon = NULL;

	if (auth && *auth) {
		plain = base64_decode_str(auth);
		colon = plain ? strchr(plain, ':') : NULL;
		/* The value is never quoted back: it is the secret. An empty user
		 * name is as invalid as no colon, as docker's decodeAuth has it. */
		if (!colon || colon == plain) {
			if (plain)
				explicit_bzero(plain, strlen(plain));
			return urun_error_set(err, 0,
					      "auth file `%s`: entry `%s` has an invalid `auth` "
					      "value (not base64 of USER:PASSWORD)",
					      source, k);
		}
	}
	if (idtok && *idtok) {
		*user = xstrdup(AUTH_IDENTITY_TOKEN_USER);
		*pass = xstrdup(idtok);
	} else if (colon) {
		*user = xstrndup(plain, (size_t)(colon - plain));
		*pass = xstrdup(colon + 1);
	} else {
		return 0;
	}
	if (plain)
		explicit_bzero(plain, strlen(plain));
	return 1;
}

/* The entry for `want` in auths: a key spelled exactly so first, else one that normalises to
 * it (so "https://index.docker.io/v1/" serves docker.io). */
static struct json_object *find_entry(struct json_object *auths, const char *want,
				      const char **key_out)
{
	struct json_object *v;
	struct json_object_iterator it, end;

	if (json_object_object_get_ex(auths, want, &v)) {
		*key_out = want;
		return v;
	}
	it = json_object_iter_begin(auths);
	end = json_object_iter_end(auths);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		_cleanup_free_ char *norm = auth_normalize_key(name);
		if (norm && strcmp(norm, want) == 0) {
			*key_out = name;
			return json_object_iter_peek_value(&it);
		}
	}
	return NULL;
}

int auth_lookup_text(const char *text, size_t len, const char *source, bool legacy,
		     const char *registry, const char *repository, char **user, char **pass,
		     struct urun_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *auths;

	*user = *pass = NULL;
	_cleanup_free_ char *what = xasprintf("auth file `%s`", source);
	int r = parse_json_object(text, len, what, &root, err);
	if (r < 0)
		return r;
	if (legacy) {
		auths = root;
	} else if (!json_object_object_get_ex(root, "auths", &auths) || !auths) {
		return 0;
	} else if (!json_object_is_type(auths, json_type_object)) {
		return urun_error_set(err, 0, "auth file `%s`: `auths` is not an object", source);
	}

	_cleanup_free_ char *reg = auth_normalize_key(registry);
	if (!reg)
		return 0;
	/* Most specific first: host/ns/repo, host/ns, host (containers-auth.json(5)). */
	_cleanup_free_ char *cand =
	    repository && *repository ? xasprintf("%s/%s", reg, repository) : xstrdup(reg);
	for (;;) {
		const char *key = NULL;
		struct json_object *entry = find_entry(auths, cand, &key);
		if (entry) {
			r = decode_entry(entry, source, key, user, pass, err);
			if (r != 0)
				return r;
		}
		char *slash = strrchr(cand, '/');
		if (!slash || strlen(cand) <= strlen(reg))
			break;
		*slash = '\0';
	}
	return 0;
}

/* 1 found, 0 not found or no such file (when `must_exist` is false), <0 error. */
static int lookup_file(const char *path, bool legacy, bool must_exist, const char *registry,
		       const char *repository, char **user, char **pass, struct urun_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = fs_read_at_bounded(AT_FDCWD, path, 0, AUTH_FILE_MAX, &buf, &len, err);
	if (r == -ENOENT) {
		if (must_exist) {
			urun_error_set(err, 0, "auth file `%s` does not exist", path);
			err->code = ENOENT;
			return -ENOENT;
		}
		urun_error_clear(err);
		log_debug("auth file `%s` does not exist", path);
		return 0;
	}
	if (r < 0)
		return r;
	r = auth_lookup_text(buf, len, path, legacy, registry, repository, user, pass, err);
	explicit_bzero(buf, len);
	return r;
}

static char *config_home(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && *x == '/')
		return xstrdup(x);
	return xasprintf("%s/.config", home_dir());
}

int auth_lookup(const char *auth_file, const char *registry, const char *repository, char **user,
		char **pass, char **source, struct urun_error *err)
{
	*user = *pass = *source = NULL;
	const char *env = getenv("REGISTRY_AUTH_FILE");
	const char *only = auth_file && *auth_file ? auth_file : env && *env ? env : NULL;
	int r;

	if (only) {
		/* A file the user named replaces the search, as in podman: credentials must not
		 * come from somewhere the user did not point at. */
		r = lookup_file(only, false, true, registry, repository, user, pass, err);
		if (r == -ENOENT)
			urun_error_hint(err,
					"%s names a file that does not exist; `urun login` "
					"creates it",
					only == auth_file ? "--authfile" : "REGISTRY_AUTH_FILE");
		if (r < 0)
			return r;
		if (r > 0)
			*source = xstrdup(only);
	} else {
		_cleanup_free_ char *cfg = config_home();
		const char *rt = getenv("XDG_RUNTIME_DIR");
		const char *dc = getenv("DOCKER_CONFIG");
		const char *home = home_dir();
		char *paths[4] = {
		    rt && *rt == '/' ? xasprintf("%s/containers/auth.json", rt) : NULL,
		    xasprintf("%s/containers/auth.json", cfg),
		    dc && *dc ? xasprintf("%s/config.json", dc)
			      : xasprintf("%s/.docker/config.json", home),
		    xasprintf("%s/.dockercfg", home),
		};
		r = 0;
		for (size_t i = 0; i < ARRAY_SIZE(paths) && r == 0; i++) {
			if (!paths[i])
				continue;
			r = lookup_file(paths[i], i == 3, false, registry, repository, user, pass,
					err);
			if (r > 0)
				*source = xstrdup(paths[i]);
		}
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
			free(paths[i]);
		if (r < 0)
			return r;
	}
	if (*source)
		log_debug("credentials for `%s` from `%s`", registry, *source);
	else
		log_debug("no credentials for `%s` in any auth file", registry);
	return 0;
}

/* ---- login / logout ---- */

char *auth_primary_file(const char *auth_file, struct urun_error *err)
{
	const char *env = getenv("REGISTRY_AUTH_FILE");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (auth_file && *auth_file)
		return xstrdup(auth_file);
	if (env && *env)
		return xstrdup(env);
	if (rt && *rt == '/' && stat(rt, &st) == 0 && S_ISDIR(st.st_mode))
		return xasprintf("%s/containers/auth.json", rt);
	_cleanup_free_ char *cfg = config_home();
	return xasprintf("%s/containers/auth.json", cfg);
}

/* mkdir -p, new directories private: they will hold credentials. */
static int make_parents(const char *path, struct urun_error *err)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *slash = strrchr(p, '/');
	if (!slash || slash == p)
		return 0;
	*slash = '\0';
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return urun_error_set(err, errno, "creating `%s`", p);
		if (c == '\0')
			break;
		*s = c;
	}
	return 0;
}

/* Replace `path` with `data`: a private temp file in the same directory, fsync, rename. Readers
 * see the old file or the new one, never a torn one, and the secret is never group- or
 * world-readable, not even for a moment (mkostemp creates it 0600). */
static int write_atomic(const char *path, const char *data, struct urun_error *err)
{
	int r = make_parents(path, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *tmp = xasprintf("%s.tmpXXXXXX", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return urun_error_set(err, errno, "creating a temporary file next to `%s`", path);
	size_t len = strlen(data), off = 0;
	r = 0;
	if (fchmod(fd, 0600) < 0)
		r = urun_error_set(err, errno, "setting the mode of `%s`", tmp);
	while (r == 0 && off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			r = urun_error_set(err, errno, "writing `%s`", tmp);
		else
			off += (size_t)w;
	}
	if (r == 0 && fsync(fd) < 0)
		r = urun_error_set(err, errno, "writing `%s`", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = urun_error_set(err, errno, "replacing `%s`", path);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* The whole file as a JSON object; a missing file is an empty object when `create`. */
static int load_auth_file(const char *path, bool create, struct json_object **out,
			  struct urun_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	*out = NULL;
	int r = fs_read_at_bounded(AT_FDCWD, path, 0, AUTH_FILE_MAX, &buf, &len, err);
	if (r == -ENOENT && create) {
		urun_error_clear(err);
		*out = json_object_new_object();
		return 0;
	}
	if (r < 0)
		return r;
	_cleanup_free_ char *what = xasprintf("auth file `%s`", path);
	r = parse_json_object(buf, len, what, out, err);
	explicit_bzero(buf, len);
	if (r < 0)
		urun_error_hint(err, "fix or remove the file; urun does not overwrite a file it "
				     "cannot read");
	return r;
}

static int get_auths(struct json_object *root, const char *path, bool create,
		     struct json_object **auths, struct urun_error *err)
{
	if (!json_object_object_get_ex(root, "auths", auths) || !*auths) {
		if (!create)
			return 0;
		*auths = json_object_new_object();
		json_object_object_add(root, "auths", *auths);
	}
	if (!json_object_is_type(*auths, json_type_object))
		return urun_error_set(err, 0, "auth file `%s`: `auths` is not an object", path);
	return 0;
}

/* Delete every key of `auths` that names `key`, in any spelling; returns how many. */
static size_t remove_aliases(struct json_object *auths, const char *key)
{
	size_t n = 0, removed = 0;
	struct json_object_iterator it = json_object_iter_begin(auths);
	struct json_object_iterator end = json_object_iter_end(auths);
	_cleanup_strv_ char **names =
	    xcalloc((size_t)json_object_object_length(auths) + 1, sizeof(char *));

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		_cleanup_free_ char *norm = auth_normalize_key(name);
		if (strcmp(name, key) == 0 || (norm && strcmp(norm, key) == 0))
			names[n++] = xstrdup(name);
	}
	for (size_t i = 0; i < n; i++, removed++)
		json_object_object_del(auths, names[i]);
	return removed;
}

static char *checked_key(const char *registry, struct urun_error *err)
{
	char *key = auth_normalize_key(registry);
	bool ok = key != NULL;
	for (const char *p = key; ok && *p; p++)
		ok = (unsigned char)*p > 0x20 && *p != 0x7f;
	if (!ok) {
		_cleanup_free_ char *s = text_shown_short(registry ? registry : "");
		urun_error_set(err, 0, "invalid registry `%s`", s);
		free(key);
		return NULL;
	}
	return key;
}

static int save_auth_file(const char *path, struct json_object *root, struct urun_error *err)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_PRETTY_TAB |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_free_ char *data = xasprintf("%s\n", text);
	int r = write_atomic(path, data, err);
	explicit_bzero(data, strlen(data));
	return r;
}

int auth_store(const char *auth_file, const char *registry, const char *user, const char *pass,
	       struct urun_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *auths = NULL;

	_cleanup_free_ char *key = checked_key(registry, err);
	if (!key)
		return -EINVAL;
	if (!user || !*user || strchr(user, ':'))
		return urun_error_set(err, 0,
				      "invalid user name: it must be non-empty and "
				      "without `:`");
	_cleanup_free_ char *path = auth_primary_file(auth_file, err);
	int r = load_auth_file(path, true, &root, err);
	if (r < 0)
		return r;
	r = get_auths(root, path, true, &auths, err);
	if (r < 0)
		return r;
	/* Old spellings of the same registry would shadow or confuse the new entry. */
	remove_aliases(auths, key);
	_cleanup_free_ char *basic = auth_basic_value(user, pass);
	struct json_object *entry = json_object_new_object();
	json_object_object_add(entry, "auth", json_object_new_string(basic + strlen("Basic ")));
	explicit_bzero(basic, strlen(basic));
	json_object_object_add(auths, key, entry);
	r = save_auth_file(path, root, err);
	if (r == 0)
		log_debug("stored credentials for `%s` in `%s`", key, path);
	return r;
}

int auth_remove(const char *auth_file, const char *registry, struct urun_error *err)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *auths = NULL;

	_cleanup_free_ char *key = checked_key(registry, err);
	if (!key)
		return -EINVAL;
	_cleanup_free_ char *path = auth_primary_file(auth_file, err);
	int r = load_auth_file(path, false, &root, err);
	if (r == -ENOENT) {
		urun_error_set(err, 0, "not logged in to `%s` (no auth file `%s`)", key, path);
		err->code = ENOENT;
		return -ENOENT;
	}
	if (r < 0)
		return r;
	r = get_auths(root, path, false, &auths, err);
	if (r < 0)
		return r;
	if (!auths || remove_aliases(auths, key) == 0) {
		urun_error_set(err, 0, "not logged in to `%s` (no entry in `%s`)", key, path);
		err->code = ENOENT;
		return -ENOENT;
	}
	r = save_auth_file(path, root, err);
	if (r == 0)
		log_debug("removed the credentials for `%s` from `%s`", key, path);
	return r;
}
