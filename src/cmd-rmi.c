/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-rmi.c: `urun rmi`: remove image names from the store. The layers
 * stay until `urun image prune` (they may be shared with other images). */
#include "cmd.h"
#include "image/lookup.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char rmi_usage[] = "Usage: urun rmi [-f] IMAGE...";

int cmd_rmi(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool force = false;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'f') {
			force = true;
		} else if (c == 'h') {
			printf("%s\n\nRemove images from your store (their layers go with `urun image prune`).\n\n"
			       "Options:\n  -f, --force   remove even when a running container uses it\n",
			       rmi_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "rmi", rmi_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "rmi", rmi_usage, "no image given");
	struct store s;
	if ((r = store_open(&s, &ctx->cfg, err)) < 0) {
		store_close(&s);
		return r;
	}
	for (int i = optind; i < argc && r == 0; i++) {
		struct store_image img;
		if ((r = image_find_local(&s, argv[i], &img, err)) < 0)
			break;
		if (!force && store_image_in_use(&s, &img)) {
			r = urun_error_set(err, EBUSY, "image `%s` is used by a running container", img.name);
			urun_error_hint(err, "stop the container first, or use rmi -f");
		} else if ((r = store_remove_name(&s, img.name, err)) == 0) {
			printf("Untagged: %s\n", img.name);
		}
		store_image_free(&img);
	}
	store_close(&s);
	return r;
}
