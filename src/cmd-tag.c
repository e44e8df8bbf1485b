/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-tag.c: `urun tag SOURCE TARGET`: another name for an image. */
#include "cmd.h"
#include "image/ref.h"
#include "image/lookup.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char tag_usage[] = "Usage: urun tag IMAGE TARGET_NAME[:TAG]";

int cmd_tag(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s\n\nGive an image in your store another name.\n", tag_usage);
			return 0;
		}
		return cmd_bad_option(err, "tag", tag_usage, argv[optind - 1]);
	}
	if (argc - optind != 2)
		return cmd_bad_operands(err, "tag", tag_usage, "expected an image and a new name");
	struct image_ref ref;
	if ((r = image_ref_parse(argv[optind + 1], &ref, err)) < 0)
		return r;
	_cleanup_free_ char *target = image_ref_name(&ref);
	bool by_digest = ref.digest != NULL;
	image_ref_free(&ref);
	if (by_digest)
		return urun_error_set(err, 0, "tag: `%s` names a digest; a tag cannot", argv[optind + 1]);
	struct store s;
	struct store_image img;
	if ((r = store_open(&s, &ctx->cfg, err)) == 0) {
		r = image_find_local(&s, argv[optind], &img, err);
		if (r == 0) {
			free(img.name);
			img.name = xstrdup(target);
			r = store_record_image(&s, &img, err);
			store_image_free(&img);
		}
	}
	store_close(&s);
	return r;
}
