/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source-archive.h: images from tarballs: oci-archive and docker-archive files (`urun load`,
 * the oci-archive: and docker-archive: transports) and root filesystem tarballs (`urun import`). */
#ifndef URUN_IMAGE_SOURCE_ARCHIVE_H
#define URUN_IMAGE_SOURCE_ARCHIVE_H

#include <stddef.h>

#include "image/source.h"

/* FILE is a path, or "-" for standard input (copied to an unlinked temp file first, as is
 * any FILE that is not a regular file: a pipe cannot be read twice). Archives are plain,
 * gzip or zstd tar; they are extracted, confined, into a private directory under $TMPDIR
 * (default /var/tmp) that close() removes. */

/* An oci-archive: TAG picks the index entry whose org.opencontainers.image.ref.name (or
 * full image name) it is; NULL: every entry (see source_archive_count). */
int source_open_oci_archive(const char *file, const char *tag, struct image_source *out,
			    struct urun_error *err);
/* A docker-archive (`docker save`): REF is a name:tag of its RepoTags, or "@N" for the Nth
 * image of manifest.json; NULL: every image. The OCI manifest is made up from
 * manifest.json, with descriptors computed from the files. */
int source_open_docker_archive(const char *file, const char *ref, struct image_source *out,
			       struct urun_error *err);
/* Either, decided by content (`urun load`): a manifest.json makes a docker-archive (docker
 * 25 writes both files; its names are in manifest.json), else an oci-layout an oci-archive.
 * name_base replaces the file's basename in default names ("localhost/BASE:latest"); NULL:
 * the basename without extensions. */
int source_open_archive(const char *file, const char *ref, const char *name_base,
			struct image_source *out, struct urun_error *err);
/* A root filesystem tarball as a one-layer image (`urun import`): the layer blob is FILE as
 * given. NAME: a short name becomes localhost/NAME, as podman names local images; NULL:
 * localhost/BASENAME:latest (localhost/stdin:latest for "-"). */
int source_open_import(const char *file, const char *name, struct image_source *out,
		       struct urun_error *err);

/* An archive source may hold several images; one is selected at a time (the first after
 * open). For other sources: count 1, select(0) only, no extra names. */
size_t source_archive_count(const struct image_source *s);
int source_archive_select(struct image_source *s, size_t i, struct urun_error *err);
/* The selected image's names beyond s->name (more RepoTags), NULL-terminated, or NULL. */
char *const *source_archive_extra_names(const struct image_source *s);

#endif
