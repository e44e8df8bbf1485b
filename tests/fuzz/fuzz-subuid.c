/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-subuid.c: libFuzzer target for the two line-oriented files urun reads about its host:
 * /etc/subuid (and /etc/subgid: same format) through subid_parse(), and urun.conf through
 * config_parse(). Either may be written by hand, by usermod, or by a package script; neither
 * may crash urun or yield a range newuidmap would refuse or that wraps past 2^32.
 *
 * tests/fuzz/run.sh builds and runs it; by hand:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src tests/fuzz/fuzz-subuid.c \
 *   src/run/userns.c src/util/config.c src/util/error.c src/util/cleanup.c src/util/log.c \
 *   -o /tmp/fuzz-subuid
 * mkdir -p /tmp/fuzz-subuid-new && /tmp/fuzz-subuid -max_total_time=60 /tmp/fuzz-subuid-new \
 *   tests/fuzz/corpus/subuid */
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/config.h"
#include "util/log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fuzz-subuid: " __VA_ARGS__);                                      \
		fputc('\n', stderr);                                                               \
		abort();                                                                           \
	} while (0)

/* userns_plan() passes SPEC_MAX_IDMAP - 1; a smaller max checks that it is respected. The
 * array is exactly max long, so ASan reports any write past it. */
static void check_subid(const uint8_t *data, size_t size, const char *user, uint32_t id, size_t max)
{
	/* fmemopen() refuses a zero size before glibc 2.22; an empty file has no ranges. */
	if (size == 0)
		return;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		FAIL("fmemopen: %s", strerror(errno));
	struct idmap *out = xcalloc(max, sizeof(*out));
	size_t n = 12345;
	int r = subid_parse(f, user, id, out, max, &n);
	fclose(f);

	if (r < 0)
		FAIL("subid_parse failed (%d) on a readable stream", r);
	if (n > max)
		FAIL("%zu ranges for an array of %zu", n, max);
	for (size_t i = 0; i < n; i++) {
		/* The root map puts container id 1 + earlier counts on each range; the kernel
		 * and newuidmap refuse empty or wrapping extents. */
		if (out[i].count == 0)
			FAIL("range %zu is empty", i);
		if ((uint64_t)out[i].outside + out[i].count > UINT32_MAX)
			FAIL("range %zu (%u, %u) passes 2^32 - 1", i, out[i].outside, out[i].count);
		if (out[i].inside != 0)
			FAIL("range %zu has inside %u, not 0", i, out[i].inside);
	}
	free(out);
}

/* A fresh configuration with the defaults config_load() installs, without reading /etc. */
static struct urun_config base;

static void config_fresh(struct urun_config *cfg)
{
	cfg->n = base.n;
	cfg->entries = xcalloc(base.n, sizeof(*cfg->entries));
	for (unsigned i = 0; i < base.n; i++) {
		cfg->entries[i] = base.entries[i];
		cfg->entries[i].value = NULL;
		cfg->entries[i].source = NULL;
	}
}

static void check_config(const char *text)
{
	struct urun_config cfg;
	struct urun_error err = {0};

	config_fresh(&cfg);
	int r = config_parse(&cfg, text, "fuzz.conf", &err);
	if (r < 0 && (!err.msg || !*err.msg))
		FAIL("config_parse failed without saying why");
	if (r == 0 && err.msg)
		FAIL("config_parse succeeded with a message: %s", err.msg);
	for (unsigned i = 0; i < cfg.n; i++) {
		const struct config_entry *e = &cfg.entries[i];
		if (!e->value != !e->source)
			FAIL("`%s` has a value without a source or the reverse", e->key);
		if (!e->value)
			continue;
		/* `urun info` prints "key = value (from SOURCE)", one line each. */
		if (strchr(e->value, '\n') || strncmp(e->source, "fuzz.conf:", 10) != 0)
			FAIL("`%s` = `%s` from `%s`", e->key, e->value, e->source);
		if (!config_get(&cfg, e->key) ||
		    strcmp(config_source(&cfg, e->key), e->source) != 0)
			FAIL("config_get/config_source disagree for `%s`", e->key);
	}
	config_free(&cfg);
	urun_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base.entries) {
		struct urun_error err = {0};
		log_set_level(LOG_ERROR);
		/* Keep the host's files and environment out of it: only the defaults. */
		setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
		config_load(&base, "/dev/null", &err);
		urun_error_clear(&err);
		if (!base.entries || !base.n)
			FAIL("config_load gave no defaults");
	}

	check_subid(data, size, "alice", 1000, SPEC_MAX_IDMAP - 1);
	check_subid(data, size, "alice", 1000, 1);
	check_subid(data, size, NULL, 0, 4);

	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	check_config(s);
	free(s);
	return 0;
}
