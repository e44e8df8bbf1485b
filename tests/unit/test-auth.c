/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-auth.c: WWW-Authenticate parsing, token answers, auth.json lookup (precedence, key
 * normalisation, specificity) with temporary files and environment, and login/logout writes. */
#include "image/auth.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "tap.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Test input as a TAP test name: one line, control characters escaped. */
static const char *esc(const char *s)
{
	static char bufs[4][256];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t n = 0;
	for (; *s && n < 240; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(b + n, 8, "\\x%02x", c);
		else
			b[n++] = (char)c;
	}
	b[n] = '\0';
	return b;
}

/* ---- challenges ---- */

struct chal_case {
	const char *header;
	const char *scheme, *realm, *service, *scope;
};

static const struct chal_case good_challenges[] = {
    {"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
     "scope=\"repository:samalba/my-app:pull,push\"",
     "bearer", "https://auth.docker.io/token", "registry.docker.io",
     "repository:samalba/my-app:pull,push"},
    {"BEARER Realm=\"https://r/t\", SERVICE=\"s\"", "bearer", "https://r/t", "s", NULL},
    {"Basic realm=\"urun-test\"", "basic", "urun-test", NULL, NULL},
    {"basic realm=urun-test", "basic", "urun-test", NULL, NULL},
    {"Bearer realm=https://a.example/token,service=svc", "bearer", "https://a.example/token", "svc",
     NULL},
    {"Bearer service=\"only-service\"", "bearer", NULL, "only-service", NULL},
    {"Bearer", "bearer", NULL, NULL, NULL},
    {"  \tBearer  realm = \"spaced\" ,, scope=\"a,b\"  ", "bearer", "spaced", NULL, "a,b"},
    {"Bearer realm=\"with \\\"quotes\\\" and \\\\\"", "bearer", "with \"quotes\" and \\", NULL,
     NULL},
    {"Bearer realm=\"first\", realm=\"second\"", "bearer", "first", NULL, NULL},
    {"Bearer realm=\"b\", Basic realm=\"other\"", "bearer", "b", NULL, NULL},
    {"Basic dXNlcjpwYXNz", "basic", NULL, NULL, NULL},
    {"Basic dXNlcjpwYXNzMQ==", "basic", NULL, NULL, NULL},
    {"Bearer realm=\"\",error=\"invalid_token\"", "bearer", "", NULL, NULL},
    {"Bearer realm=\"r\",scope=\"repository:a/b:pull\",error=\"insufficient_scope\"", "bearer", "r",
     NULL, "repository:a/b:pull"},
};

static const char *const bad_challenges[] = {
    "",
    "   ",
    ",,,",
    "=realm",
    "\"Bearer\"",
    "Bearer realm=\"unterminated",
    "Bearer realm=\"a\"b",
    "Bearer realm=\"a\r\nX-Injected: 1\"",
    "Bearer realm=\"a\x01\"",
    "Bearer realm=\"a\tb\"",
    "Bearer realm=a\"b\"",
    "Bearer ; realm=x",
    "Bearer(realm=x)",
};

static void test_challenges(void)
{
	struct urun_error err = {0};
	struct auth_challenge ch;

	for (size_t i = 0; i < ARRAY_SIZE(good_challenges); i++) {
		const struct chal_case *t = &good_challenges[i];
		int r = auth_parse_challenge(t->header, &ch, &err);
		if (!ok(r == 0, "challenge parses: %s", esc(t->header))) {
			printf("# %s\n", err.msg);
			urun_error_clear(&err);
			continue;
		}
		is_str(ch.scheme, t->scheme, "  scheme");
		is_str(ch.realm, t->realm, "  realm");
		is_str(ch.service, t->service, "  service");
		is_str(ch.scope, t->scope, "  scope");
		auth_challenge_free(&ch);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_challenges); i++) {
		int r = auth_parse_challenge(bad_challenges[i], &ch, &err);
		ok(r < 0 && err.msg && strstr(err.msg, "WWW-Authenticate") && !ch.scheme,
		   "challenge refused: [%s] (%s)", esc(bad_challenges[i]),
		   err.msg ? err.msg : "no message");
		/* The refused header is quoted with control characters replaced. */
		ok(!err.msg || !strpbrk(err.msg, "\r\n\x01"),
		   "  message has no control characters");
		urun_error_clear(&err);
	}
	ok(auth_parse_challenge(NULL, &ch, &err) < 0, "NULL challenge refused");
	urun_error_clear(&err);

	size_t n = 20000;
	char *big = xmalloc(n + 1);
	memcpy(big, "Bearer realm=\"", 14);
	memset(big + 14, 'a', n - 15);
	big[n - 1] = '"';
	big[n] = '\0';
	ok(auth_parse_challenge(big, &ch, &err) < 0 && strstr(err.msg, "16 KiB"),
	   "a 20 kB challenge is refused");
	urun_error_clear(&err);
	free(big);
}

/* ---- tokens ---- */

static void test_tokens(void)
{
	struct urun_error err = {0};
	char *tok;
	long exp;
	static const struct {
		const char *json, *token;
		long expires;
	} good[] = {
	    {"{\"token\":\"abc.def-ghi\",\"expires_in\":300}", "abc.def-ghi", 300},
	    {"{\"access_token\":\"xyz\"}", "xyz", 60},
	    {"{\"token\":\"\",\"access_token\":\"fallback\"}", "fallback", 60},
	    {"{\"token\":\"t\",\"access_token\":\"a\"}", "t", 60},
	    {"{\"token\":\"short\",\"expires_in\":10}", "short", 60},
	    {"{\"token\":\"neg\",\"expires_in\":-5}", "neg", 60},
	    {"{\"token\":\"str\",\"expires_in\":\"900\"}", "str", 60},
	    {"{\"token\":\"long\",\"expires_in\":99999999999}", "long", 86400},
	    {" \n{\"token\":\"ws\",\"issued_at\":\"2024-01-01T00:00:00Z\"}\r\n ", "ws", 60},
	};
	static const char *const bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    "{\"token\":5}",
	    "{\"token\":\"has space\"}",
	    "{\"token\":\"line\\nbreak\"}",
	    "{\"token\":\"nul\\u0000byte\"}",
	    "{\"token\":\"caf\\u00e9\"}",
	    "{\"token\":\"a\"} trailing",
	    "{\"token\":\"a\"",
	    "not json",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		int r = auth_parse_token(good[i].json, strlen(good[i].json), &tok, &exp, &err);
		if (ok(r == 0, "token answer accepted: %s", esc(good[i].json))) {
			is_str(tok, good[i].token, "  token");
			is_int(exp, good[i].expires, "  expires_in");
			free(tok);
		} else {
			printf("# %s\n", err.msg);
			urun_error_clear(&err);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = auth_parse_token(bad[i], strlen(bad[i]), &tok, &exp, &err);
		ok(r < 0 && err.msg && !tok, "token answer refused: %s (%s)", esc(bad[i]),
		   err.msg ? err.msg : "");
		urun_error_clear(&err);
	}
}

/* ---- keys and Basic ---- */

static void test_keys(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"docker.io", "docker.io"},
	    {"index.docker.io", "docker.io"},
	    {"registry-1.docker.io", "docker.io"},
	    {"https://index.docker.io/v1/", "docker.io"},
	    {"http://index.docker.io/v1", "docker.io"},
	    {"HTTPS://Quay.IO/v2/", "quay.io"},
	    {"Quay.IO/ns/repo/", "quay.io/ns/repo"},
	    {"index.docker.io/library/alpine", "docker.io/library/alpine"},
	    {"localhost:5000", "localhost:5000"},
	    {"https://localhost:5000/v2/", "localhost:5000"},
	    {"127.0.0.1:5000/ns", "127.0.0.1:5000/ns"},
	    {"https://", NULL},
	    {"/path", NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *k = auth_normalize_key(cases[i].in);
		char name[160];
		snprintf(name, sizeof(name), "normalise key %s", cases[i].in);
		is_str(k, cases[i].want, name);
		free(k);
	}
	char *b = auth_basic_value("user", "pass");
	is_str(b, "Basic dXNlcjpwYXNz", "Basic value of user:pass");
	free(b);
	b = auth_basic_value("u", "p:w:d");
	is_str(b, "Basic dTpwOnc6ZA==", "Basic value keeps colons in the password");
	free(b);
	b = auth_basic_value("ab", "");
	is_str(b, "Basic YWI6", "Basic value with an empty password (padding)");
	free(b);
}

/* ---- lookup in one file's text ---- */

/* base64("USER:PASS") for the fixtures below */
#define B64_ROOT "cm9vdDpyb290cHc=" /* root:rootpw */
#define B64_NS	 "bnM6bnNwdw=="	    /* ns:nspw */
#define B64_REPO "cmVwbzpyZXBvOnB3" /* repo:repo:pw */
#define B64_HUB	 "aHViOmh1YnB3"	    /* hub:hubpw */

static int lookup_text(const char *text, bool legacy, const char *reg, const char *repo, char **u,
		       char **p, struct urun_error *err)
{
	return auth_lookup_text(text, strlen(text), "test.json", legacy, reg, repo, u, p, err);
}

static void expect_text(const char *text, bool legacy, const char *reg, const char *repo,
			const char *want_user, const char *want_pass, const char *name)
{
	struct urun_error err = {0};
	char *u = NULL, *p = NULL;
	int r = lookup_text(text, legacy, reg, repo, &u, &p, &err);
	if (!ok(r == (want_user ? 1 : 0), "%s", name))
		printf("# r=%d %s\n", r, err.msg ? err.msg : "");
	is_str(u, want_user, "  user");
	is_str(p, want_pass, "  password");
	free(u);
	free(p);
	urun_error_clear(&err);
}

static void test_lookup_text(void)
{
	const char *f = "{\"auths\":{"
			"\"quay.io\":{\"auth\":\"" B64_ROOT "\"},"
			"\"quay.io/ns\":{\"auth\":\"" B64_NS "\"},"
			"\"quay.io/ns/repo\":{\"auth\":\"" B64_REPO "\"},"
			"\"quay.io/ns/empty\":{\"email\":\"x@y\"},"
			"\"https://index.docker.io/v1/\":{\"auth\":\"" B64_HUB "\"},"
			"\"tok.example\":{\"auth\":\"dTo=\",\"identitytoken\":\"refresh-me\"}"
			"},\"credHelpers\":{\"gcr.io\":\"gcloud\"}}";

	expect_text(f, false, "quay.io", "ns/repo", "repo", "repo:pw",
		    "most specific key wins (host/ns/repo)");
	expect_text(f, false, "quay.io", "ns/other", "ns", "nspw", "then host/ns");
	expect_text(f, false, "quay.io", "ns/repo/deeper", "repo", "repo:pw",
		    "a deeper repository falls back to its parent key");
	expect_text(f, false, "quay.io", "elsewhere/x", "root", "rootpw", "then the host");
	expect_text(f, false, "quay.io", NULL, "root", "rootpw", "host only without a repository");
	expect_text(f, false, "quay.io", "ns/empty", "ns", "nspw",
		    "an entry without credentials falls through to the next key");
	expect_text(f, false, "QUAY.IO", "ns/repo", "repo", "repo:pw",
		    "the registry is matched case-insensitively");
	expect_text(f, false, "docker.io", "library/alpine", "hub", "hubpw",
		    "docker's legacy https://index.docker.io/v1/ key serves docker.io");
	expect_text(f, false, "registry-1.docker.io", "library/alpine", "hub", "hubpw",
		    "and registry-1.docker.io");
	expect_text(f, false, "tok.example", "a/b", AUTH_IDENTITY_TOKEN_USER, "refresh-me",
		    "an identitytoken is returned as <token> + the token");
	expect_text(f, false, "gcr.io", "p/i", NULL, NULL,
		    "credential helpers are not run (no credentials)");
	expect_text(f, false, "quay.io.evil.com", NULL, NULL, NULL, "no prefix matching of hosts");
	expect_text("{\"auths\":{\"docker.io\":{\"auth\":\"" B64_ROOT "\"},"
		    "\"https://index.docker.io/v1/\":{\"auth\":\"" B64_HUB "\"}}}",
		    false, "docker.io", "library/x", "root", "rootpw",
		    "an exact key beats an alias of it");
	expect_text("{\"localhost:5000\":{\"auth\":\"" B64_ROOT "\"}}", true, "localhost:5000", "a",
		    "root", "rootpw", "legacy .dockercfg format (no auths wrapper)");
	expect_text("{}", false, "quay.io", NULL, NULL, NULL, "empty file: nothing");
	expect_text("{\"auths\":null}", false, "quay.io", NULL, NULL, NULL, "null auths: nothing");

	static const char *const bad[] = {
	    "{\"auths\":{\"quay.io\":{\"auth\":\"%%%%\"}}}",
	    "{\"auths\":{\"quay.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", /* "nocolon" */
	    "{\"auths\":{\"quay.io\":\"string\"}}",
	    "{\"auths\":[]}",
	    "[]",
	    "{\"auths\":",
	    "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct urun_error err = {0};
		char *u = NULL, *p = NULL;
		int r = lookup_text(bad[i], false, "quay.io", NULL, &u, &p, &err);
		ok(r < 0 && err.msg && strstr(err.msg, "test.json") && !u && !p,
		   "malformed auth file refused, naming it: %s (%s)", bad[i],
		   err.msg ? err.msg : "");
		/* The secret never appears in the message. */
		ok(!err.msg || !strstr(err.msg, "bm9jb2xvbg"),
		   "  message does not quote the secret");
		urun_error_clear(&err);
	}
}

/* ---- files and environment ---- */

static char top[] = "/tmp/test-auth.XXXXXX";

static void write_file(const char *rel, const char *content)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", top, rel);
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	_cleanup_free_ char *cmd = xasprintf("mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		abort();
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = xmalloc(1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *p_(const char *rel)
{
	return xasprintf("%s/%s", top, rel);
}

static void env_reset(void)
{
	_cleanup_free_ char *home = p_("home"), *rt = p_("run"), *cfg = p_("home/.config");
	setenv("HOME", home, 1);
	setenv("XDG_RUNTIME_DIR", rt, 1);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("REGISTRY_AUTH_FILE");
	unsetenv("DOCKER_CONFIG");
}

static void expect_lookup(const char *auth_file, const char *reg, const char *repo,
			  const char *want_user, const char *want_pass, const char *want_src,
			  const char *name)
{
	struct urun_error err = {0};
	char *u = NULL, *p = NULL, *src = NULL;
	int r = auth_lookup(auth_file, reg, repo, &u, &p, &src, &err);
	if (!ok(r == 0, "%s", name))
		printf("# %s\n", err.msg ? err.msg : "");
	is_str(u, want_user, "  user");
	is_str(p, want_pass, "  password");
	_cleanup_free_ char *want = want_src ? p_(want_src) : NULL;
	is_str(src, want, "  source");
	free(u);
	free(p);
	free(src);
	urun_error_clear(&err);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void test_lookup_files(void)
{
	struct urun_error err = {0};
	char *u, *p, *src;

	env_reset();
	write_file("run/containers/auth.json",
		   "{\"auths\":{\"a.example\":{\"auth\":\"" B64_ROOT "\"},"
		   "\"spec.example\":{\"auth\":\"" B64_ROOT "\"}}}");
	write_file("home/.config/containers/auth.json",
		   "{\"auths\":{\"a.example\":{\"auth\":\"" B64_NS "\"},"
		   "\"b.example\":{\"auth\":\"" B64_NS "\"},"
		   "\"spec.example/ns/repo\":{\"auth\":\"" B64_REPO "\"}}}");
	write_file("home/.docker/config.json",
		   "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" B64_HUB "\"},"
		   "\"b.example\":{\"auth\":\"" B64_ROOT "\"}},\"credsStore\":\"desktop\"}");
	write_file("home/.dockercfg", "{\"d.example\":{\"auth\":\"" B64_REPO "\"}}");
	write_file("alt/config.json", "{\"auths\":{\"c.example\":{\"auth\":\"" B64_HUB "\"}}}");
	write_file("explicit.json", "{\"auths\":{\"e.example\":{\"auth\":\"" B64_HUB "\"}}}");

	expect_lookup(NULL, "a.example", "x/y", "root", "rootpw", "run/containers/auth.json",
		      "$XDG_RUNTIME_DIR/containers/auth.json comes first");
	expect_lookup(NULL, "b.example", NULL, "ns", "nspw", "home/.config/containers/auth.json",
		      "then $XDG_CONFIG_HOME/containers/auth.json (before ~/.docker)");
	expect_lookup(NULL, "docker.io", "library/alpine", "hub", "hubpw",
		      "home/.docker/config.json", "then ~/.docker/config.json (legacy hub key)");
	expect_lookup(NULL, "d.example", "a", "repo", "repo:pw", "home/.dockercfg",
		      "then ~/.dockercfg (legacy format)");
	expect_lookup(NULL, "spec.example", "ns/repo", "root", "rootpw", "run/containers/auth.json",
		      "the first file with a match wins over a more specific key in a later one");
	expect_lookup(NULL, "none.example", "a/b", NULL, NULL, NULL, "no match: 0 and NULLs");

	_cleanup_free_ char *alt = p_("alt");
	setenv("DOCKER_CONFIG", alt, 1);
	expect_lookup(NULL, "c.example", NULL, "hub", "hubpw", "alt/config.json",
		      "$DOCKER_CONFIG replaces ~/.docker");
	unsetenv("DOCKER_CONFIG");

	unsetenv("XDG_CONFIG_HOME");
	expect_lookup(NULL, "b.example", NULL, "ns", "nspw", "home/.config/containers/auth.json",
		      "XDG_CONFIG_HOME defaults to ~/.config");
	unsetenv("XDG_RUNTIME_DIR");
	expect_lookup(NULL, "a.example", NULL, "ns", "nspw", "home/.config/containers/auth.json",
		      "without XDG_RUNTIME_DIR the runtime file is skipped");
	env_reset();

	_cleanup_free_ char *explicit = p_("explicit.json");
	setenv("REGISTRY_AUTH_FILE", explicit, 1);
	expect_lookup(NULL, "e.example", NULL, "hub", "hubpw", "explicit.json",
		      "REGISTRY_AUTH_FILE is read");
	expect_lookup(NULL, "a.example", NULL, NULL, NULL, NULL,
		      "REGISTRY_AUTH_FILE replaces the search (as podman)");
	_cleanup_free_ char *missing = p_("missing.json");
	setenv("REGISTRY_AUTH_FILE", missing, 1);
	u = p = src = NULL;
	int r = auth_lookup(NULL, "a.example", NULL, &u, &p, &src, &err);
	ok(r == -ENOENT && err.msg && strstr(err.msg, "missing.json") && err.hint &&
	       strstr(err.hint, "REGISTRY_AUTH_FILE"),
	   "a missing REGISTRY_AUTH_FILE is an error naming it (%s)", err.msg ? err.msg : "");
	urun_error_clear(&err);
	expect_lookup(explicit, "e.example", NULL, "hub", "hubpw", "explicit.json",
		      "an explicit auth file wins over REGISTRY_AUTH_FILE");
	r = auth_lookup(missing, "a.example", NULL, &u, &p, &src, &err);
	ok(r == -ENOENT && err.hint && strstr(err.hint, "--authfile"),
	   "a missing explicit auth file is an error (%s)", err.msg ? err.msg : "");
	urun_error_clear(&err);
	env_reset();

	write_file("home/.config/containers/auth.json", "{\"auths\": {");
	r = auth_lookup(NULL, "zzz.example", NULL, &u, &p, &src, &err);
	ok(r < 0 && err.msg && strstr(err.msg, "home/.config/containers/auth.json"),
	   "a malformed standard file is an error naming it (%s)", err.msg ? err.msg : "");
	urun_error_clear(&err);
	write_file("home/.config/containers/auth.json", "{}");

	/* Debug logging names the file, never the secret. */
	fflush(stderr);
	int saved = dup(2);
	_cleanup_free_ char *logpath = p_("debug.log");
	int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	dup2(fd, 2);
	close(fd);
	log_set_level(LOG_DEBUG);
	r = auth_lookup(NULL, "a.example", NULL, &u, &p, &src, &err);
	log_set_level(LOG_WARN);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	_cleanup_free_ char *log = read_all(logpath);
	ok(r == 0 && log && strstr(log, "run/containers/auth.json") && !strstr(log, "rootpw") &&
	       !strstr(log, B64_ROOT),
	   "debug log names the source file and holds no secret");
	free(u);
	free(p);
	free(src);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int count_entries(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

static void test_store_remove(void)
{
	struct urun_error err = {0};
	char *u = NULL, *p = NULL, *src = NULL;
	int r;

	env_reset();
	_cleanup_free_ char *rtfile = p_("run/containers/auth.json");
	_cleanup_free_ char *rtdir = p_("run/containers");
	unlink(rtfile);
	rmdir(rtdir);
	mode_t old = umask(022);

	r = auth_store(NULL, "quay.io", "alice", "s3cr:et", &err);
	ok(r == 0, "auth_store into a fresh $XDG_RUNTIME_DIR/containers/auth.json (%s)",
	   err.msg ? err.msg : "ok");
	urun_error_clear(&err);
	is_int(mode_of(rtfile), 0600, "  the file is mode 0600 despite umask 022");
	is_int(mode_of(rtdir), 0700, "  its new directory is 0700");
	expect_lookup(NULL, "quay.io", "a/b", "alice", "s3cr:et", "run/containers/auth.json",
		      "  auth_lookup finds what auth_store wrote");

	write_file("run/containers/auth.json",
		   "{\"auths\":{\"other.example\":{\"auth\":\"" B64_ROOT "\"},"
		   "\"https://index.docker.io/v1/\":{\"auth\":\"" B64_HUB "\"}},"
		   "\"credHelpers\":{\"gcr.io\":\"gcloud\"},\"x-custom\":[1,2]}");
	chmod(rtfile, 0644);
	r = auth_store(NULL, "docker.io", "bob", "pw2", &err);
	ok(r == 0, "auth_store docker.io into a file with other entries");
	urun_error_clear(&err);
	_cleanup_free_ char *text = read_all(rtfile);
	ok(text && strstr(text, "\"other.example\"") && strstr(text, B64_ROOT) &&
	       strstr(text, "\"credHelpers\"") && strstr(text, "\"x-custom\""),
	   "  other entries and keys are preserved");
	ok(text && strstr(text, "\"docker.io\"") && !strstr(text, "index.docker.io"),
	   "  the legacy docker hub key is replaced by docker.io");
	is_int(mode_of(rtfile), 0600, "  the file is 0600 again");
	is_int(count_entries(rtdir), 1, "  no temporary file is left behind");
	expect_lookup(NULL, "docker.io", "library/x", "bob", "pw2", "run/containers/auth.json",
		      "  the new docker.io credentials are found");
	expect_lookup(NULL, "other.example", NULL, "root", "rootpw", "run/containers/auth.json",
		      "  the other entry still works");

	r = auth_store(NULL, "quay.io/org", "carol", "pw3", &err);
	ok(r == 0, "auth_store a namespaced key");
	urun_error_clear(&err);
	expect_lookup(NULL, "quay.io", "org/img", "carol", "pw3", "run/containers/auth.json",
		      "  it serves the namespace");

	r = auth_remove(NULL, "index.docker.io", &err);
	ok(r == 0, "auth_remove docker.io by an alias");
	urun_error_clear(&err);
	free(text);
	text = read_all(rtfile);
	ok(text && !strstr(text, "docker.io") && strstr(text, "\"other.example\"") &&
	       strstr(text, "\"quay.io/org\"") && strstr(text, "\"credHelpers\""),
	   "  only that entry is gone");
	is_int(mode_of(rtfile), 0600, "  still 0600");
	r = auth_remove(NULL, "docker.io", &err);
	ok(r == -ENOENT && err.msg && strstr(err.msg, "not logged in"),
	   "a second auth_remove: not logged in (%s)", err.msg ? err.msg : "");
	urun_error_clear(&err);

	write_file("run/containers/auth.json", "{not json");
	r = auth_store(NULL, "quay.io", "alice", "pw", &err);
	free(text);
	text = read_all(rtfile);
	ok(r < 0 && err.hint && text && strcmp(text, "{not json") == 0,
	   "a malformed auth file is reported and left untouched (%s)", err.msg ? err.msg : "");
	urun_error_clear(&err);
	r = auth_remove(NULL, "quay.io", &err);
	ok(r < 0 && r != -ENOENT, "auth_remove on a malformed file fails");
	urun_error_clear(&err);

	r = auth_store(NULL, "quay.io", "bad:user", "pw", &err);
	ok(r == -EINVAL, "a user name with `:` is refused");
	urun_error_clear(&err);
	r = auth_store(NULL, "https://", "u", "pw", &err);
	ok(r == -EINVAL, "an empty registry is refused");
	urun_error_clear(&err);

	unsetenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *cfgfile = p_("home/.config/containers/auth.json");
	r = auth_store(NULL, "ghcr.io", "dave", "pw4", &err);
	ok(r == 0, "without XDG_RUNTIME_DIR, auth_store writes the config file");
	urun_error_clear(&err);
	expect_lookup(cfgfile, "ghcr.io", NULL, "dave", "pw4", "home/.config/containers/auth.json",
		      "  found there");
	_cleanup_free_ char *nodir = p_("run-missing");
	setenv("XDG_RUNTIME_DIR", nodir, 1);
	char *primary = auth_primary_file(NULL, &err);
	is_str(primary, cfgfile, "  also when XDG_RUNTIME_DIR names no directory");
	free(primary);

	_cleanup_free_ char *explicit = p_("deep/new/dir/auth.json");
	r = auth_store(explicit, "h.example:5000", "eve", "pw5", &err);
	ok(r == 0 && mode_of(explicit) == 0600, "auth_store to an explicit file creates its dirs");
	urun_error_clear(&err);
	r = auth_remove(explicit, "h.example:5000", &err);
	ok(r == 0, "auth_remove from the explicit file");
	urun_error_clear(&err);
	r = auth_lookup(explicit, "h.example:5000", NULL, &u, &p, &src, &err);
	ok(r == 0 && !u && !p && !src, "  nothing left to find");
	urun_error_clear(&err);
	umask(old);
}

int main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	test_challenges();
	test_tokens();
	test_keys();
	test_lookup_text();
	test_lookup_files();
	test_store_remove();
	nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
