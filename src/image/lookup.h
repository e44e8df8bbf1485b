/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lookup.h: from what the user typed to an image in the store, pulling it
 * when the policy says so. */
#ifndef URUN_IMAGE_LOOKUP_H
#define URUN_IMAGE_LOOKUP_H

#include "image/pull.h"
#include "image/source.h"
#include "image/store.h"
#include "util/config.h"

enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };

int pull_policy_parse(const char *s, enum pull_policy *p, struct urun_error *err);

/* name: a store name or id, a short or full reference (registries.conf
 * completes short ones), or a transport (docker://, oci:, ...). */
int image_lookup(struct store *s, const struct urun_config *cfg, const char *name, enum pull_policy policy,
		 const struct pull_opts *po, const struct source_opts *so, struct store_image *out,
		 struct urun_error *err);

/* An image already in the store: by name or id as typed, then by the name
 * docker would complete it to. A clear error when it is not there. */
int image_find_local(struct store *s, const char *name, struct store_image *out, struct urun_error *err);

/* Pull `name` into the store unconditionally (the pull verb). */
int image_pull_name(struct store *s, const struct urun_config *cfg, const char *name, const struct pull_opts *po,
		    const struct source_opts *so, struct store_image *out, struct urun_error *err);

#endif
