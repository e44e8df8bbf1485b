/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-load.c: `urun load`: copy the images of an oci-archive or docker-archive (from
 * `podman save`, `docker save`, `skopeo copy`) into the store. */
#include "cmd.h"
#include "image/pull.h"
#include "image/source-archive.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char load_usage[] = "Usage: urun load [OPTIONS] [-i FILE]";

/* Pull every image of the archive; each of its names is recorded and reported as podman
 * does: "Loaded image: NAME". */
static int load_all(struct store *s, struct image_source *src, const struct pull_opts *po,
		    struct urun_error *err)
{
	size_t n = source_archive_count(src);
	for (size_t i = 0; i < n; i++) {
		struct store_image img;
		int r = source_archive_select(src, i, err);
		if (r == 0 && (r = image_pull(s, src, po, &img, err)) < 0)
			urun_error_wrap(err, "loading %s", src->name);
		if (r < 0)
			return r;
		printf("Loaded image: %s\n", img.name);
		for (char *const *x = source_archive_extra_names(src); x && *x && r == 0; x++) {
			struct store_image alias = img;
			alias.name = *x;
			if ((r = store_record_image(s, &alias, err)) == 0)
				printf("Loaded image: %s\n", *x);
		}
		store_image_free(&img);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmd_load(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
	    {"input", required_argument, NULL, 'i'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct pull_opts po = {0};
	const char *input = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:q", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'q':
			po.quiet = true;
			break;
		case 'h':
			printf("%s\n\nCopy the images of an oci-archive or a docker-archive (as "
			       "`podman save`,\n"
			       "`docker save` or `skopeo copy` write them; plain, gzip or zstd) "
			       "into your image\n"
			       "store. Without -i the archive is read from standard input.\n\n"
			       "Options:\n"
			       "  -i, --input FILE   read the archive from FILE\n"
			       "  -q, --quiet        no progress line, only the names loaded\n"
			       "      --help         show this help\n",
			       load_usage);
			return 0;
		default:
			return cmd_bad_option(err, "load", load_usage, argv[optind - 1]);
		}
	}
	if (optind != argc) {
		r = urun_error_set(err, 0, "load: unexpected argument `%s`", argv[optind]);
		urun_error_hint(
		    err,
		    "give the archive with -i FILE, or on standard input: `urun load < image.tar`");
		return r;
	}
	/* As podman: no -i means standard input, but a terminal holds no archive. */
	if (!input && isatty(STDIN_FILENO)) {
		r = urun_error_set(err, 0,
				   "load: no archive given, and standard input is a terminal");
		urun_error_hint(err, "`urun load -i image.tar`, or `urun load < image.tar`");
		return r;
	}
	struct store s;
	struct image_source src;
	if ((r = store_open(&s, &ctx->cfg, err)) < 0) {
		store_close(&s);
		return r;
	}
	if ((r = source_open_archive(input ? input : "-", NULL, input ? NULL : "stdin", &src,
				     err)) == 0) {
		r = load_all(&s, &src, &po, err);
		src.close(&src);
	}
	store_close(&s);
	return r;
}
