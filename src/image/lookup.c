/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lookup.c: name resolution and the pull policy, shared by run and pull. */
#include "image/lookup.h"
#include "image/ref.h"
#include "image/source-archive.h"
#include "util/cleanup.h"
#include "util/log.h"

int pull_policy_parse(const char *s, enum pull_policy *p, struct urun_error *err)
{
	if (strcmp(s, "missing") == 0)
		*p = PULL_MISSING;
	else if (strcmp(s, "always") == 0)
		*p = PULL_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*p = PULL_NEVER;
	else
		return urun_error_set(err, 0, "--pull `%s`: use missing, always or never", s);
	return 0;
}

static int open_source(const struct urun_config *cfg, const struct image_ref *ref, const struct source_opts *so,
		       struct image_source *src, struct urun_error *err)
{
	switch (ref->transport) {
	case IMAGE_TRANSPORT_OCI:
		return source_open_oci(ref, src, err);
	case IMAGE_TRANSPORT_OCI_ARCHIVE:
		return source_open_oci_archive(ref->path, ref->archive_ref, src, err);
	case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
		return source_open_docker_archive(ref->path, ref->archive_ref, src, err);
	case IMAGE_TRANSPORT_DOCKER: {
		struct registries_conf rc;
		int r = registries_conf_load(config_get(cfg, "registries_conf"), &rc, err);
		if (r < 0)
			return r;
		bool insecure = registries_conf_is_insecure(&rc, ref->registry);
		registries_conf_free(&rc);
		return source_open_registry(ref, so, insecure, src, err);
	}
	default:
		return urun_error_set(err, ENOTSUP, "this transport is not supported yet");
	}
}

static int resolve(const struct urun_config *cfg, const char *name, struct image_ref *ref, struct urun_error *err)
{
	struct registries_conf rc;
	int r = registries_conf_load(config_get(cfg, "registries_conf"), &rc, err);
	if (r < 0)
		return r;
	r = image_ref_resolve(name, &rc, ref, err);
	registries_conf_free(&rc);
	return r;
}

static int pull_ref(struct store *s, const struct urun_config *cfg, const struct image_ref *ref,
		    const struct pull_opts *po, const struct source_opts *so, struct store_image *out,
		    struct urun_error *err)
{
	struct image_source src;
	int r = open_source(cfg, ref, so, &src, err);
	if (r < 0)
		return r;
	if (ref->transport == IMAGE_TRANSPORT_DOCKER && ref->short_name && !po->quiet)
		fprintf(stderr, "resolved `%s` to %s\n", ref->repository, src.name);
	r = image_pull(s, &src, po, out, err);
	src.close(&src);
	return r;
}

int image_pull_name(struct store *s, const struct urun_config *cfg, const char *name, const struct pull_opts *po,
		    const struct source_opts *so, struct store_image *out, struct urun_error *err)
{
	struct image_ref ref;
	int r = resolve(cfg, name, &ref, err);
	if (r < 0)
		return r;
	r = pull_ref(s, cfg, &ref, po, so, out, err);
	image_ref_free(&ref);
	return r < 0 ? urun_error_wrap(err, "pulling `%s`", name) : 0;
}

int image_lookup(struct store *s, const struct urun_config *cfg, const char *name, enum pull_policy policy,
		 const struct pull_opts *po, const struct source_opts *so, struct store_image *out,
		 struct urun_error *err)
{
	/* A local name or id first: "localhost/x:1", "3f2a9c1b". */
	if (policy != PULL_ALWAYS && store_find_image(s, name, out, err) == 0)
		return 0;
	struct image_ref ref;
	int r = resolve(cfg, name, &ref, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *full = image_ref_name(&ref);
	bool local_transport = ref.transport != IMAGE_TRANSPORT_DOCKER;
	if (!local_transport && policy != PULL_ALWAYS && store_find_image(s, full, out, err) == 0) {
		image_ref_free(&ref);
		return 0;
	}
	if (policy == PULL_NEVER && !local_transport) {
		image_ref_free(&ref);
		r = urun_error_set(err, ENOENT, "image `%s` is not in the local store", full);
		urun_error_hint(err, "pull it (urun pull %s) or run without --pull=never", full);
		return r;
	}
	r = pull_ref(s, cfg, &ref, po, so, out, err);
	image_ref_free(&ref);
	return r < 0 ? urun_error_wrap(err, "pulling `%s`", full) : 0;
}

int image_find_local(struct store *s, const char *name, struct store_image *out, struct urun_error *err)
{
	if (store_find_image(s, name, out, err) == 0)
		return 0;
	struct image_ref ref;
	if (image_ref_parse(name, &ref, NULL) == 0) {
		_cleanup_free_ char *full = image_ref_name(&ref);
		image_ref_free(&ref);
		if (store_find_image(s, full, out, err) == 0)
			return 0;
	}
	int r = urun_error_set(err, 0, "image `%s` is not in the store", name);
	urun_error_hint(err, "`urun images` lists what is there");
	return r;
}
