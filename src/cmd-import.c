/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-import.c: `urun import`: a root filesystem tarball becomes a one-layer image. */
#include "cmd.h"
#include "image/pull.h"
#include "image/source-archive.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char import_usage[] = "Usage: urun import [OPTIONS] FILE [NAME[:TAG]]";

int cmd_import(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct pull_opts po = {0};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			po.quiet = true;
			break;
		case 'h':
			printf("%s\n\nMake a one-layer image of a root filesystem tarball (plain, "
			       "gzip or zstd;\n"
			       "`-` reads standard input) and print its id. NAME defaults to\n"
			       "localhost/BASENAME:latest; a short NAME becomes localhost/NAME.\n\n"
			       "Options:\n"
			       "  -q, --quiet   no progress line, only the image id\n"
			       "      --help    show this help\n",
			       import_usage);
			return 0;
		default:
			return cmd_bad_option(err, "import", import_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cmd_bad_operands(err, "import", import_usage,
					"expected a tarball and at most one name");
	const char *file = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (strncmp(file, "http://", 7) == 0 || strncmp(file, "https://", 8) == 0) {
		r = urun_error_set(err, 0, "import: urun does not download `%s`", file);
		urun_error_hint(err, "download it first (`curl -LO %s`), then import the file",
				file);
		return r;
	}
	if (strcmp(file, "-") == 0 && isatty(STDIN_FILENO)) {
		r = urun_error_set(
		    err, 0,
		    "import: `-` reads the tarball from standard input, which is a terminal");
		urun_error_hint(err, "`urun import - NAME < rootfs.tar`");
		return r;
	}
	struct store s;
	struct image_source src;
	struct store_image img;
	if ((r = store_open(&s, &ctx->cfg, err)) < 0) {
		store_close(&s);
		return r;
	}
	if ((r = source_open_import(file, name, &src, err)) == 0) {
		if ((r = image_pull(&s, &src, &po, &img, err)) == 0) {
			printf("%.64s\n", img.config + 7);
			store_image_free(&img);
		} else {
			urun_error_wrap(err, "importing `%s`", file);
		}
		src.close(&src);
	}
	store_close(&s);
	return r;
}
