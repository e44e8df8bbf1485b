/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source-oci.c: images from an OCI layout directory (oci:DIR[:TAG]). The
 * directory is the user's, but its content is treated like a registry's:
 * blob names come only from validated digests, and every blob is verified. */
#include "image/manifest.h"
#include "image/source.h"
#include "image/tarball.h"
#include "util/cleanup.h"
#include "util/digest.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>

struct oci_priv {
	int dirfd;
	char *tag;
};

static int open_blob(struct oci_priv *p, const char *digest, struct urun_error *err)
{
	char name[128];
	if (!digest_is_valid(digest))
		return urun_error_set(err, 0, "`%s` is not a sha256 digest", digest);
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	int fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? urun_error_set(err, errno, "blob `%s` of the OCI layout", digest) : fd;
}

static int oci_fetch(struct image_source *s, const char *digest, int64_t size, source_sink_fn sink, void *ud,
		     struct urun_error *err)
{
	_cleanup_close_ int fd = open_blob(s->priv, digest, err);
	if (fd < 0)
		return fd;
	struct digest ctx;
	digest_init(&ctx);
	char buf[65536];
	int64_t total = 0;
	ssize_t k;
	int r = 0;
	while (r == 0 && (k = read(fd, buf, sizeof(buf))) > 0) {
		total += k;
		if (size >= 0 && total > size) {
			r = urun_error_set(err, 0, "blob `%s` is larger than its descriptor says", digest);
			break;
		}
		digest_update(&ctx, buf, (size_t)k);
		if (sink(ud, buf, (size_t)k) < 0)
			r = urun_error_set(err, EPIPE, "writing blob `%s`", digest);
	}
	char got[DIGEST_LEN + 1];
	digest_final(&ctx, got);
	if (r < 0)
		return r;
	if (strcmp(got, digest) != 0 || (size >= 0 && total != size))
		return urun_error_set(err, 0, "blob `%s` of the OCI layout does not match its digest", digest);
	return 0;
}

static int oci_blob_mem(struct image_source *s, const char *digest, int64_t size, char **buf, size_t *len,
			struct urun_error *err)
{
	char got[DIGEST_LEN + 1];
	_cleanup_close_ int fd = open_blob(s->priv, digest, err);
	struct stat st;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return urun_error_set(err, errno ? errno : EINVAL, "blob `%s` of the OCI layout", digest);
	if (st.st_size > (off_t)MANIFEST_MAX_BYTES)
		return urun_error_set(err, 0, "blob `%s` is larger than %u bytes, the limit for manifests and configs",
				      digest, MANIFEST_MAX_BYTES);
	if (size >= 0 && st.st_size != size)
		return urun_error_set(err, 0, "blob `%s` of the OCI layout has the wrong size", digest);
	char *b = xmalloc((size_t)st.st_size + 1);
	ssize_t k = read(fd, b, (size_t)st.st_size);
	if (k != st.st_size) {
		free(b);
		return urun_error_set(err, errno ? errno : EIO, "reading blob `%s`", digest);
	}
	b[k] = '\0';
	digest_sha256(b, (size_t)k, got);
	if (strcmp(got, digest) != 0) {
		free(b);
		return urun_error_set(err, 0, "blob `%s` of the OCI layout does not match its digest", digest);
	}
	*buf = b;
	*len = (size_t)k;
	return 0;
}

/* The layout's index.json is itself an image index: the entry whose
 * org.opencontainers.image.ref.name is the tag (or the only entry). */
static int oci_manifest(struct image_source *s, const char *reference, struct source_manifest *m,
			struct urun_error *err)
{
	struct oci_priv *p = s->priv;
	memset(m, 0, sizeof(*m));
	if (strncmp(reference, "sha256:", 7) == 0) {
		m->media_type = xstrdup("");
		return oci_blob_mem(s, reference, -1, &m->body, &m->len, err);
	}
	_cleanup_close_ int fd = openat(p->dirfd, "index.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[1 << 16];
	ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (k < 0)
		return urun_error_set(err, errno, "reading the OCI layout's index.json");
	buf[k] = '\0';
	struct json_object *o = json_tokener_parse(buf), *list;
	if (!o || !json_object_object_get_ex(o, "manifests", &list) || !json_object_is_type(list, json_type_array)) {
		if (o)
			json_object_put(o);
		return urun_error_set(err, 0, "the OCI layout's index.json has no manifests");
	}
	size_t n = json_object_array_length(list);
	const char *digest = NULL;
	for (size_t i = 0; i < n && !digest; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *ann, *rn, *d;
		const char *name = NULL;
		if (json_object_object_get_ex(e, "annotations", &ann) &&
		    json_object_object_get_ex(ann, "org.opencontainers.image.ref.name", &rn))
			name = json_object_get_string(rn);
		if (((name && strcmp(name, reference) == 0) || (n == 1 && !p->tag)) &&
		    json_object_object_get_ex(e, "digest", &d))
			digest = json_object_get_string(d);
	}
	int r;
	if (!digest)
		r = urun_error_set(err, 0, "no image tagged `%s` in the OCI layout", reference);
	else {
		_cleanup_free_ char *dg = xstrdup(digest);
		m->media_type = xstrdup("");
		r = oci_blob_mem(s, dg, -1, &m->body, &m->len, err);
	}
	json_object_put(o);
	return r;
}

static void oci_close(struct image_source *s)
{
	struct oci_priv *p = s->priv;
	if (p) {
		if (p->dirfd >= 0)
			close(p->dirfd);
		free(p->tag);
		free(p);
	}
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static int oci_clone(struct image_source *s, struct image_source *out, struct urun_error *err)
{
	struct oci_priv *p = s->priv, *q = xzalloc(sizeof(*q));
	*out = *s;
	q->dirfd = fcntl(p->dirfd, F_DUPFD_CLOEXEC, 3);
	if (q->dirfd < 0) {
		free(q);
		return urun_error_set(err, errno, "duplicating a descriptor");
	}
	q->tag = p->tag ? xstrdup(p->tag) : NULL;
	out->priv = q;
	out->name = xstrdup(s->name);
	out->reference = q->tag ? q->tag : "latest";
	return 0;
}

int source_open_oci(const struct image_ref *ref, struct image_source *out, struct urun_error *err)
{
	struct oci_priv *p = xzalloc(sizeof(*p));
	memset(out, 0, sizeof(*out));
	p->dirfd = open(ref->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0) {
		int r = urun_error_set(err, errno, "OCI layout `%s`", ref->path);
		free(p);
		return r;
	}
	p->tag = ref->archive_ref ? xstrdup(ref->archive_ref) : NULL;
	out->priv = p;
	out->get_manifest = oci_manifest;
	out->get_blob_mem = oci_blob_mem;
	out->fetch_blob = oci_fetch;
	out->close = oci_close;
	out->clone = oci_clone;
	out->reference = p->tag ? p->tag : "latest";
	/* Stored as localhost/DIRNAME:TAG, as podman names images without a registry;
	 * the same naming as for archives ("oci:dir/" names it after dir). */
	_cleanup_free_ char *dir = xstrdup(ref->path);
	size_t dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dir[--dl] = '\0';
	out->name = tarball_default_name(dir, NULL, p->tag);
	return 0;
}

void source_manifest_free(struct source_manifest *m)
{
	free(m->body);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}
