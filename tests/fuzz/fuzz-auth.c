/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-auth.c: libFuzzer target for the parsers of auth.c, which read what registries send
 * (WWW-Authenticate challenges, token answers) and what users' credential files hold (auth.json,
 * docker config.json, ~/.dockercfg). Every input goes through all of them; results must keep
 * the promises auth.h makes, and every failure must say why.
 *
 * clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src tests/fuzz/fuzz-auth.c \
 *   src/image/auth.c src/util/error.c src/util/cleanup.c src/util/log.c \
 *   $(pkg-config --cflags --libs json-c) -o /tmp/fuzz-auth
 * mkdir -p /tmp/fuzz-auth-new && /tmp/fuzz-auth -max_total_time=60 /tmp/fuzz-auth-new \
 *   tests/fuzz/corpus/auth */
#include "image/auth.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void check_challenge(const char *s)
{
	struct urun_error err = {0};
	struct auth_challenge ch;

	if (auth_parse_challenge(s, &ch, &err) == 0) {
		/* A scheme is a non-empty lower-case token; values reach URLs and headers, so they
		 * must be free of control characters. */
		if (!ch.scheme || !*ch.scheme)
			abort();
		for (const char *p = ch.scheme; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				abort();
		if (has_control(ch.realm) || has_control(ch.service) || has_control(ch.scope))
			abort();
		auth_challenge_free(&ch);
		if (ch.scheme || ch.realm)
			abort();
	} else if (!err.msg || ch.scheme || ch.realm || ch.service || ch.scope) {
		abort();
	}
	urun_error_clear(&err);
}

static void check_token(const char *s, size_t len)
{
	struct urun_error err = {0};
	char *tok = NULL;
	long exp = 0;

	if (auth_parse_token(s, len, &tok, &exp, &err) == 0) {
		/* It becomes "Authorization: Bearer TOKEN": printable, no spaces. */
		if (!tok || !*tok)
			abort();
		for (const char *p = tok; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
				abort();
		if (exp < 60 || exp > 86400)
			abort();
		free(tok);
	} else if (!err.msg || tok) {
		abort();
	}
	urun_error_clear(&err);
}

static void check_lookup(const char *s, size_t len, bool legacy, const char *reg, const char *repo)
{
	struct urun_error err = {0};
	char *u = NULL, *p = NULL;
	int r = auth_lookup_text(s, len, "fuzz.json", legacy, reg, repo, &u, &p, &err);

	if (r == 1) {
		if (!u || !p || !*u)
			abort();
	} else if (r == 0) {
		if (u || p)
			abort();
	} else if (!err.msg || u || p) {
		abort();
	}
	free(u);
	free(p);
	urun_error_clear(&err);
}

static void check_key(const char *s)
{
	_cleanup_free_ char *k = auth_normalize_key(s);
	if (!k)
		return;
	/* Normalising twice changes nothing: login writes the normal form, lookup compares it. */
	_cleanup_free_ char *again = auth_normalize_key(k);
	if (!again || strcmp(k, again) != 0) {
		fprintf(stderr, "`%s` -> `%s` -> `%s`\n", s, k, again ? again : "(null)");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_ERROR);
		init = true;
	}
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	check_challenge(s);
	check_token(s, size);
	check_lookup(s, size, false, "quay.io", "ns/repo");
	check_lookup(s, size, false, "docker.io", "library/alpine");
	check_lookup(s, size, true, "localhost:5000", NULL);
	/* The first line as a registry name, the rest as a file: keys are fuzzed too. */
	char *nl = memchr(s, '\n', size);
	if (nl) {
		*nl = '\0';
		size_t rest = size - (size_t)(nl + 1 - s);
		check_key(s);
		check_lookup(nl + 1, rest, false, s, "a/b/c");
		check_lookup(nl + 1, rest, true, s, NULL);
	} else {
		check_key(s);
	}
	free(s);
	return 0;
}
