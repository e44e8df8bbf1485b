/* SPDX-License-Identifier: GPL-2.0-or-later */
/* registry-fetch.c: drive the registry client from the command line for tests/registry.bats:
 * fetch a manifest (through an index to this platform), the config and every layer, and print
 * what was verified. Nothing is stored: the layer sink only counts and re-hashes.
 *
 *   registry-fetch [OPTIONS] REGISTRY REPO REF      prints "manifest TYPE DIGEST", then
 *                                                   "ok DIGEST SIZE" per blob
 *   registry-fetch [OPTIONS] --login REGISTRY       registry_check_login
 * OPTIONS: --tls-verify=false  --creds USER:PASS  --ca-dir DIR  --authfile FILE
 *          --timeout SECONDS  --retries N  --debug
 * Exit 0 on success, 1 with the error printed as urun prints it. */
#include "image/manifest.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <getopt.h>
#include <openssl/evp.h>

struct layer_sink {
	EVP_MD_CTX *md;
	uint64_t bytes;
	const char *digest;
};

static int count_sink(void *ud, const void *buf, size_t len)
{
	struct layer_sink *s = ud;
	EVP_DigestUpdate(s->md, buf, len);
	s->bytes += len;
	return 0;
}

static int count_reset(void *ud)
{
	struct layer_sink *s = ud;
	EVP_DigestInit_ex(s->md, EVP_sha256(), NULL);
	s->bytes = 0;
	printf("reset %s\n", s->digest);
	return 0;
}

static int fetch_layer(struct registry_client *c, const struct descriptor *d,
		       struct urun_error *err)
{
	struct layer_sink s = {.md = EVP_MD_CTX_new(), .digest = d->digest};
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[65];

	if (!s.md)
		abort();
	EVP_DigestInit_ex(s.md, EVP_sha256(), NULL);
	int r = registry_fetch_blob(c, d->digest, d->size, count_sink, count_reset, &s, err);
	EVP_DigestFinal_ex(s.md, h, &n);
	EVP_MD_CTX_free(s.md);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	/* Second opinion: what the sink saw must be what the client claims it verified. */
	if (strcmp(hex, d->digest + 7) != 0 || s.bytes != (uint64_t)d->size)
		return urun_error_set(
		    err, 0, "registry-fetch: the sink got different data for `%s`", d->digest);
	printf("ok %s %llu\n", d->digest, (unsigned long long)s.bytes);
	return 0;
}

static int fetch(struct registry_client *c, const char *ref, struct urun_error *err)
{
	struct registry_manifest m = {0};
	struct image_manifest im = {0};
	int r = registry_get_manifest(c, ref, &m, err);
	if (r < 0)
		return r;
	printf("manifest %s %s\n", m.media_type, m.digest);
	if (manifest_is_index(m.media_type, m.body, m.len)) {
		struct descriptor d = {0};
		const char *arch, *variant;
		manifest_host_platform(&arch, &variant);
		r = manifest_index_select(m.body, m.len, "linux", arch, variant, &d, err);
		registry_manifest_free(&m);
		if (r < 0)
			return r;
		r = registry_get_manifest(c, d.digest, &m, err);
		descriptor_free(&d);
		if (r < 0)
			return r;
		printf("manifest %s %s\n", m.media_type, m.digest);
	}
	r = manifest_parse(m.body, m.len, &im, err);
	registry_manifest_free(&m);
	if (r < 0)
		return r;
	char *cfg = NULL;
	size_t len = 0;
	r = registry_get_blob_mem(c, im.config.digest, im.config.size, &cfg, &len, err);
	if (r == 0) {
		printf("ok %s %zu\n", im.config.digest, len);
		free(cfg);
	}
	for (size_t i = 0; r == 0 && i < im.n_layers; i++)
		r = fetch_layer(c, &im.layers[i], err);
	manifest_free(&im);
	return r;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: registry-fetch [--tls-verify=false] [--creds USER:PASS] [--ca-dir DIR]\n"
		"         [--authfile FILE] [--timeout S] [--retries N] [--debug]\n"
		"         (REGISTRY REPO REF | --login REGISTRY)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tls-verify", required_argument, NULL, 'T'},
	    {"creds", required_argument, NULL, 'c'},
	    {"ca-dir", required_argument, NULL, 'C'},
	    {"authfile", required_argument, NULL, 'a'},
	    {"timeout", required_argument, NULL, 't'},
	    {"retries", required_argument, NULL, 'r'},
	    {"debug", no_argument, NULL, 'd'},
	    {"login", no_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct registry_opts o = {.tls_verify = true, .max_retries = -1};
	struct urun_error err = {0};
	_cleanup_free_ char *creds = NULL;
	bool login = false;
	int opt, r;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'T':
			o.tls_verify = strcmp(optarg, "false") != 0;
			break;
		case 'c': {
			creds = xstrdup(optarg);
			char *colon = strchr(creds, ':');
			if (!colon)
				usage();
			*colon = '\0';
			o.username = creds;
			o.password = colon + 1;
			break;
		}
		case 'C':
			o.ca_dir = optarg;
			break;
		case 'a':
			o.auth_file = optarg;
			break;
		case 't':
			o.timeout_s = atol(optarg);
			break;
		case 'r':
			o.max_retries = atoi(optarg);
			break;
		case 'd':
			log_set_level(LOG_DEBUG);
			break;
		case 'l':
			login = true;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (login) {
		if (argc - optind != 1)
			usage();
		r = registry_check_login(argv[optind], &o, &err);
		if (r == 0)
			printf("login ok %s\n", argv[optind]);
	} else {
		struct registry_client *c = NULL;
		if (argc - optind != 3)
			usage();
		r = registry_client_new(argv[optind], argv[optind + 1], &o, &c, &err);
		if (r == 0)
			r = fetch(c, argv[optind + 2], &err);
		registry_client_free(c);
	}
	if (r < 0) {
		urun_error_print(&err, log_get_level() >= LOG_DEBUG);
		urun_error_clear(&err);
		return 1;
	}
	return 0;
}
