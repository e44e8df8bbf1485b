/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tarball.h: reading image tarballs (oci-archive, docker-archive, root filesystem tarballs)
 * with bounds, and extracting chosen members, confined, into a private temp directory. */
#ifndef URUN_IMAGE_TARBALL_H
#define URUN_IMAGE_TARBALL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct archive;
struct archive_entry;

/* What an archive may make urun write to its temp directory (file data, counted as it is
 * produced, never taken from headers) and how many entries it may have: a hostile or
 * broken archive stops here instead of filling the disk. */
#define TARBALL_MAX_BYTES   (64ULL << 30)
#define TARBALL_MAX_ENTRIES 1000000u
#define TARBALL_NAME_CAP    PATH_MAX

/* ---- input ---- */

/* Open FILE (or "-": standard input) as a regular file; anything else (a pipe, a terminal
 * redirect) is first copied to an unlinked temp file, since archives are read more than
 * once. *label gets "`FILE`" or "standard input", for messages. */
int tarball_open_input(const char *file, int *fd, char **label, struct urun_error *err);
/* Refuse an empty file and compressions urun does not read (xz, bzip2, lz4, zip), with a hint. */
int tarball_check_magic(int fd, const char *label, struct urun_error *err);
/* The OCI layer media type for a blob starting with these bytes: tar+gzip, tar+zstd or tar. */
const char *tarball_layer_type(const unsigned char *magic, size_t len);
/* $TMPDIR when absolute, else /var/tmp. */
const char *tarball_tmp_base(void);
/* A name taken from an archive, safe to print (bounded, no control characters). */
char *tarball_shown(const char *s);

/* ---- names ---- */

/* A name as a full docker name ("busybox" -> "docker.io/library/busybox:latest"), or NULL
 * when it is not a tagged docker name. */
char *tarball_normalise_name(const char *name);
/* "localhost/BASE:TAG": BASE is `base`, or the basename of `file` without .tar, .gz, .zst,
 * .oci... extensions, made a valid repository component; an invalid TAG becomes latest. */
char *tarball_default_name(const char *file, const char *base, const char *tag);

/* ---- the tar stream ---- */

struct tarball {
	struct archive *a;
	const char *label;
	uint64_t entries, bytes; /* entries read; bytes extracted */
};

/* Rewind fd and read it as a tar archive, plain, gzip or zstd. tarball_close() in any case. */
int tarball_open(struct tarball *t, int fd, const char *label, struct urun_error *err);
void tarball_close(struct tarball *t);
/* The next entry: 1, with its name cleaned into `name` ("./a//b/" -> "a/b"; "" for the root
 * or a name urun cannot use); 0 at the end. An absolute name or one with a `..` component
 * fails the archive (-EPERM). */
int tarball_next(struct tarball *t, struct archive_entry **e, char name[TARBALL_NAME_CAP],
		 struct urun_error *err);
/* Clean a member name as tarball_next does: 0, -EPERM (absolute or `..`), -ENAMETOOLONG. */
int tarball_clean_name(const char *raw, char *out, size_t cap);
/* The current member into memory (at most MANIFEST_MAX_BYTES), NUL-terminated. */
int tarball_read_member(struct tarball *t, const char *what, char **out, size_t *len,
			struct urun_error *err);
/* The current member's data into blobs_fd/<its sha256 hex>, hashed on the way; with
 * want_hex, the content must have that digest. magic gets its first 8 bytes. */
int tarball_extract_blob(struct tarball *t, int blobs_fd, const char *want_hex, char hex[65],
			 int64_t *size, unsigned char magic[8], struct urun_error *err);

/* ---- the temp directory ---- */

/* A private (mkdtemp, 0700) directory holding an empty OCI layout's blobs/sha256/. */
struct tarball_tmp {
	int parent, fd, blobs; /* parent: to remove the directory by fd */
	char *path, *name;
};

int tarball_tmp_create(struct tarball_tmp *d, struct urun_error *err);
/* Close the fds and remove the directory (fd-based, never following links). */
void tarball_tmp_remove(struct tarball_tmp *d);
int tarball_write_file_at(int dirfd, const char *name, const char *buf, size_t len,
			  struct urun_error *err);

#endif
