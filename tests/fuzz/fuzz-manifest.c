/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-manifest.c: libFuzzer target for manifest.c, which decodes what a registry (or an
 * oci-archive someone handed us) says an image is: manifests, indexes and image configs.
 * Every input goes through all four entry points; results must keep manifest.h's promises
 * (valid sha256 digests, sizes >= 0, counts that match the vectors) and every failure must
 * say why. Once per process, LLVMFuzzerInitialize also feeds inputs too large to commit as
 * seeds (a 10 MB string, 4 MB indexes and configs, 10,000-deep nesting) and aborts if one is
 * slow or scales quadratically: that is a registry-triggered hang short fuzz inputs never
 * reach. FUZZ_SKIP_BIG=1 skips them (to reproduce a crash quickly); FUZZ_VERBOSE=1 times them.
 *
 * tests/fuzz/run.sh builds and runs it; by hand:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src \
 *   tests/fuzz/fuzz-manifest.c src/image/manifest.c src/util/error.c src/util/cleanup.c \
 *   src/util/log.c $(pkg-config --cflags --libs json-c) -o /tmp/fuzz-manifest
 * mkdir -p /tmp/fuzz-manifest-new && /tmp/fuzz-manifest -max_total_time=60 /tmp/fuzz-manifest-new \
 *   tests/fuzz/corpus/manifest */
#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fuzz-manifest: " __VA_ARGS__);                                    \
		fputc('\n', stderr);                                                               \
		abort();                                                                           \
	} while (0)

static void check_failed(int r, const struct urun_error *err, const char *what)
{
	if (r >= 0)
		FAIL("%s returned %d, neither 0 nor an error", what, r);
	if (!err->msg || !*err->msg)
		FAIL("%s failed without saying why", what);
}

static void check_descriptor(const struct descriptor *d, const char *what)
{
	if (!digest_is_valid(d->digest))
		FAIL("%s: digest `%s` is not a valid sha256", what,
		     d->digest ? d->digest : "(null)");
	if (d->size < 0)
		FAIL("%s: size %lld is negative", what, (long long)d->size);
	if (!d->media_type)
		FAIL("%s: media type is NULL (it should be \"\" when absent)", what);
}

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static void check_manifest(const uint8_t *data, size_t size)
{
	struct urun_error err = {0};
	struct image_manifest m;
	int r = manifest_parse((const char *)data, size, &m, &err);

	if (r == 0) {
		check_descriptor(&m.config, "manifest config");
		if (m.n_layers > 1000 || !m.layers)
			FAIL("manifest: %zu layers (array %p)", m.n_layers, (void *)m.layers);
		/* pull.c adds the layer sizes up for the progress total and the store. */
		int64_t total = 0;
		for (size_t i = 0; i < m.n_layers; i++) {
			check_descriptor(&m.layers[i], "manifest layer");
			if (__builtin_add_overflow(total, m.layers[i].size, &total))
				FAIL("manifest: the layer sizes add up to more than INT64_MAX");
		}
		manifest_free(&m);
	} else {
		check_failed(r, &err, "manifest_parse");
	}
	/* A failed parse leaves nothing to free; callers rely on that. */
	if (!is_zero(&m, sizeof(m)))
		FAIL("manifest_parse left the manifest non-zero (after %s)",
		     r ? "failure" : "free");
	urun_error_clear(&err);
}

static void check_config(const uint8_t *data, size_t size)
{
	struct urun_error err = {0};
	struct image_config c;
	int r = image_config_parse((const char *)data, size, &c, &err);

	if (r == 0) {
		if (!c.diff_ids)
			FAIL("image config: success without diff_ids");
		if (strv_len(c.diff_ids) != c.n_diff_ids)
			FAIL("image config: n_diff_ids %zu but %zu diff_ids", c.n_diff_ids,
			     strv_len(c.diff_ids));
		for (size_t i = 0; i < c.n_diff_ids; i++)
			if (!digest_is_valid(c.diff_ids[i]))
				FAIL("image config: diff_id `%s` is not a valid sha256",
				     c.diff_ids[i]);
		/* Empty WorkingDir and User are dropped: they mean the default, not "". */
		if ((c.workdir && !*c.workdir) || (c.user && !*c.user))
			FAIL("image config: empty WorkingDir or User kept");
		(void)strv_len(c.env);
		(void)strv_len(c.entrypoint);
		(void)strv_len(c.cmd);
		(void)strv_len(c.exposed_ports);
		image_config_free(&c);
	} else {
		check_failed(r, &err, "image_config_parse");
	}
	if (!is_zero(&c, sizeof(c)))
		FAIL("image_config_parse left the config non-zero (after %s)",
		     r ? "failure" : "free");
	urun_error_clear(&err);
}

static void check_select(const uint8_t *data, size_t size, const char *arch, const char *variant)
{
	struct urun_error err = {0};
	struct descriptor d = {0};
	int r = manifest_index_select((const char *)data, size, "linux", arch, variant, &d, &err);

	if (r == 0) {
		check_descriptor(&d, "index entry");
		descriptor_free(&d);
	} else {
		check_failed(r, &err, "manifest_index_select");
		if (d.digest || d.media_type)
			FAIL("manifest_index_select failed but filled the descriptor");
	}
	urun_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_ERROR);
		init = true;
	}
	check_manifest(data, size);
	check_config(data, size);
	(void)manifest_is_index(NULL, (const char *)data, size);
	/* A registry's Content-Type wins over the body. */
	if (!manifest_is_index(MEDIA_OCI_INDEX, (const char *)data, size) ||
	    manifest_is_index(MEDIA_OCI_MANIFEST, (const char *)data, size))
		FAIL("manifest_is_index ignored the media type it was given");
	check_select(data, size, "amd64", NULL);
	check_select(data, size, "arm64", "v8");
	return 0;
}

/* ---- large inputs, built once per process ---- */

/* CPU time, not wall time: CI machines and developers' laptops are busy with other work. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

/* Each input below goes through five parses; under ASan none takes 4 s of CPU today, and
 * the quadratic loops fixed so far took minutes. */
#define BIG_SECONDS 15.0
/* Four times the entries may cost four times the CPU (measured: 3 to 5), not sixteen. */
#define BIG_RATIO 12.0

static double run_timed(const char *what, const char *buf, size_t len)
{
	double t0 = now();
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	double dt = now() - t0;
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz-manifest: %s (%zu bytes): %.2f s CPU, peak rss %ld MB\n",
			what, len, dt, peak_rss_mb());
	if (dt > BIG_SECONDS)
		FAIL("%s (%zu bytes) took %.1f s of CPU, more than %.0f s", what, len, dt,
		     BIG_SECONDS);
	return dt;
}

static void big(const char *what, char *buf, size_t len)
{
	run_timed(what, buf, len);
	free(buf);
}

/* head, then item n times (the last one without its trailing comma), then tail. */
static char *build(const char *head, const char *item, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), il = strlen(item), tl = strlen(tail);
	char *b = xmalloc(hl + il * n + tl + 1), *p = b;

	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += il)
		memcpy(p, item, il);
	if (n && p[-1] == ',')
		p--;
	memcpy(p, tail, tl);
	p += tl;
	*p = '\0';
	*len = (size_t)(p - b);
	return b;
}

/* As many items as fit in max_bytes, and a quarter of that: every loop over a body's entries
 * must be linear, or a registry can make a pull hang. Empty objects cost json-c ~700 bytes
 * each (ASan doubles that), so bodies made of them stay at 1 MiB, far below the fuzzer's
 * -rss_limit_mb; the others use the whole MANIFEST_MAX_BYTES. */
static void big_scaled(const char *what, size_t max_bytes, const char *head, const char *item,
		       const char *tail)
{
	size_t n = (max_bytes - strlen(head) - strlen(tail)) / strlen(item), len;
	char *small = build(head, item, n / 4, tail, &len);
	double t_small = run_timed(what, small, len);
	free(small);
	char *large = build(head, item, n, tail, &len);
	double t_large = run_timed(what, large, len);
	free(large);
	if (t_large > 2.0 && t_large > BIG_RATIO * t_small)
		FAIL("%s: %zu entries took %.2f s, %zu took %.2f s: quadratic", what, n / 4,
		     t_small, n, t_large);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	size_t len;
	char *b;

	/* For reproducing a crash quickly. */
	if (getenv("FUZZ_SKIP_BIG"))
		return 0;

	/* json-c's depth limit must refuse these early, without recursion. */
	b = build("{\"a\":", "[", 10000, "", &len);
	big("10,000 nested arrays", b, len);
	b = build("", "{\"a\":", 10000, "", &len);
	big("10,000 nested objects", b, len);

	/* 10 MB: past MANIFEST_MAX_BYTES, refused before parsing. */
	len = 10u << 20;
	b = xmalloc(len);
	memset(b, 'a', len);
	memcpy(b, "{\"mediaType\":\"", 14);
	big("a 10 MB string", b, len);

	/* Just under the limit: a 4 MB string inside an otherwise valid manifest. */
	b = xmalloc(MANIFEST_MAX_BYTES);
	len = (size_t)snprintf(b, 1024,
			       "{\"config\":{\"digest\":\"sha256:%064d\",\"size\":1},\"layers\":[],"
			       "\"mediaType\":\"",
			       0);
	memset(b + len, 'x', MANIFEST_MAX_BYTES - 1024);
	len += MANIFEST_MAX_BYTES - 1024;
	len += (size_t)snprintf(b + len, MANIFEST_MAX_BYTES - len, "\"}");
	big("a 4 MB string in a manifest", b, len);

	big_scaled("an index of foreign platforms", MANIFEST_MAX_BYTES, "{\"manifests\":[",
		   "{\"platform\":{\"os\":\"l\",\"architecture\":\"x\",\"variant\":\"v\"}},", "]}");
	big_scaled("an index of empty entries", 1u << 20, "{\"manifests\":[", "{},", "]}");
	big_scaled("a manifest of bad layers", 1u << 20,
		   "{\"config\":{\"digest\":\"sha256:"
		   "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
		   "\"layers\":[",
		   "{},", "]}");
	big_scaled("a config of variables", 1u << 20, "{\"config\":{\"Env\":[", "\"A=1\",",
		   "]},\"rootfs\":{\"diff_ids\":[]}}");
	big_scaled("a config of diff_ids", MANIFEST_MAX_BYTES, "{\"rootfs\":{\"diff_ids\":[",
		   "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\",",
		   "]}}");
	/* Distinct keys: json-c keeps only the last of equal ones, so no repeated item. */
	double t_small = 0;
	for (size_t n = 65536; n <= 262144; n *= 4) {
		b = xmalloc(n * 24 + 64);
		len = (size_t)sprintf(b, "{\"config\":{\"ExposedPorts\":{");
		for (size_t i = 0; i < n; i++)
			len += (size_t)sprintf(b + len, "%s\"%zu/tcp\":{}", i ? "," : "", i);
		len += (size_t)sprintf(b + len, "}},\"rootfs\":{\"diff_ids\":[]}}");
		double t = run_timed("a config exposing ports", b, len);
		free(b);
		if (n == 65536)
			t_small = t;
		else if (t > 2.0 && t > BIG_RATIO * t_small)
			FAIL("ports: 65536 took %.2f s, 262144 took %.2f s: quadratic", t_small, t);
	}
	return 0;
}
