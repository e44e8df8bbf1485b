/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-pull.c: `urun pull`: copy an image into the store. */
#include "cmd.h"
#include "image/lookup.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char pull_usage[] = "Usage: urun pull [OPTIONS] IMAGE";

int cmd_pull(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"platform", required_argument, NULL, 'p'},
		{"tls-verify", optional_argument, NULL, 'T'},
		{"creds", required_argument, NULL, 'c'},
		{"authfile", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct pull_opts po = {.report_current = true};
	struct source_opts so = {.tls_verify = -1};
	_cleanup_free_ char *platform = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		switch (c) {
		case 'q': po.quiet = true; break;
		case 'p':
			free(platform);
			if ((r = pull_parse_platform(optarg, &po, &platform, err)) < 0)
				return r;
			break;
		case 'T':
			if (optarg && strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0)
				return urun_error_set(err, 0, "--tls-verify `%s`: use true or false", optarg);
			so.tls_verify = !optarg || strcmp(optarg, "true") == 0;
			break;
		case 'c': so.creds = optarg; break;
		case 'a': so.auth_file = optarg; break;
		case 'h':
			printf("%s\n\nCopy an image from a registry (or oci:DIR) into your image store.\n\n"
			       "Options:\n"
			       "      --authfile FILE     credentials file (default: the containers auth.json lookup)\n"
			       "      --creds USER:PASS   credentials for this pull\n"
			       "      --platform OS/ARCH[/VARIANT]  the platform to pick from an index\n"
			       "  -q, --quiet             print only the image id\n"
			       "      --tls-verify=false  allow plain HTTP and unverified TLS for this pull\n"
			       "      --help              show this help\n",
			       pull_usage);
			return 0;
		default:
			return cmd_bad_option(err, "pull", pull_usage, argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cmd_bad_operands(err, "pull", pull_usage, "expected exactly one image");
	struct store s;
	struct store_image img;
	if ((r = store_open(&s, &ctx->cfg, err)) == 0 &&
	    (r = image_pull_name(&s, &ctx->cfg, argv[optind], &po, &so, &img, err)) == 0) {
		printf("%.64s\n", img.config + 7);
		store_image_free(&img);
	}
	store_close(&s);
	return r;
}
