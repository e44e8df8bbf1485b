/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-ref.c: libFuzzer target for image references and registries.conf, the two parsers
 * that read text urun did not write (command lines, scripts, config files). */
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed docker reference must print a name that parses back to the same name: the store
 * and the registry client key on it, so drift would fetch or cache the wrong image. */
static void check_round_trip(const struct image_ref *r)
{
	struct urun_error err = {0};
	struct image_ref again;
	_cleanup_free_ char *name = image_ref_name(r);

	if (image_ref_parse(name, &again, &err) < 0) {
		fprintf(stderr, "canonical name `%s` does not parse: %s\n", name, err.msg);
		abort();
	}
	_cleanup_free_ char *name2 = image_ref_name(&again);
	if (strcmp(name, name2) != 0 || again.transport != r->transport) {
		fprintf(stderr, "name `%s` re-parses as `%s`\n", name, name2);
		abort();
	}
	image_ref_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct registries_conf defaults;
	struct urun_error err = {0};
	struct image_ref r;
	struct registries_conf rc;

	if (!defaults.search) {
		/* Debug notes and the remap warning would flood the fuzzer's output. */
		log_set_level(LOG_ERROR);
		if (registries_conf_parse(
			"unqualified-search-registries = ['docker.io', 'quay.io']\n"
			"[aliases]\n\"busybox\" = \"docker.io/library/busybox\"\n",
			"fuzz.conf", &defaults, &err) < 0)
			abort();
	}

	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	if (image_ref_parse(s, &r, &err) == 0) {
		check_round_trip(&r);
		const char *host = image_ref_api_host(&r);
		if (host)
			(void)image_ref_is_loopback(host);
		(void)registries_conf_is_insecure(&defaults, r.registry);
		image_ref_free(&r);
	} else if (!err.msg) {
		abort(); /* every failure must say why */
	}
	urun_error_clear(&err);
	(void)image_ref_is_loopback(s);

	if (image_ref_resolve(s, &defaults, &r, &err) == 0)
		image_ref_free(&r);
	urun_error_clear(&err);

	if (registries_conf_parse(s, "fuzz.conf", &rc, &err) == 0) {
		if (!rc.search || !rc.alias_names || !rc.alias_targets || !rc.insecure)
			abort();
		for (size_t i = 0; rc.alias_names[i]; i++)
			if (!rc.alias_targets[i])
				abort();
		(void)registries_conf_is_insecure(&rc, "127.0.0.1:5000");
		if (image_ref_resolve("alpine:3", &rc, &r, &err) == 0)
			image_ref_free(&r);
		registries_conf_free(&rc);
	} else if (!err.msg) {
		abort();
	}
	urun_error_clear(&err);
	free(s);
	return 0;
}
