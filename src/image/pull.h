/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pull.h: copy an image from a source into the store: manifest (through an
 * index to this platform), config, and every layer unpacked once. */
#ifndef URUN_IMAGE_PULL_H
#define URUN_IMAGE_PULL_H

#include "image/source.h"
#include "image/store.h"

struct pull_opts {
	const char *os, *arch, *variant;  /* NULL: the host's */
	bool quiet;
	/* Say so on stderr when the image was already there as pulled (the pull
	 * verb); run, create and load stay silent then. */
	bool report_current;
};

int image_pull(struct store *s, struct image_source *src, const struct pull_opts *o, struct store_image *out,
	       struct urun_error *err);

/* Parse "--platform os/arch[/variant]". */
int pull_parse_platform(const char *s, struct pull_opts *o, char **storage, struct urun_error *err);

#endif
