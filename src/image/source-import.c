/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source-import.c: `urun import`: a root filesystem tarball as a one-layer image. The file
 * itself is the layer blob, compressed or not, as given; the config and the manifest are
 * made here, from the file's digest and its diffID (the digest of the tar it decompresses to). */
#include "image/manifest.h"
#include "image/source-archive.h"
#include "image/tarball.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <time.h>

/* The PATH docker and podman give an imported image, which has no config of its own. */
#define IMPORT_ENV_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct import_priv {
	int fd;
	char *label;
	int64_t size;
	char layer[DIGEST_LEN + 1]; /* sha256 of the file */
	char config_digest[DIGEST_LEN + 1];
	char *config, *manifest;
	size_t config_len, manifest_len;
};

/* ---- one pass, two digests ---------------------------------------------------------------- */

/* libarchive reads the file through this callback, which hashes every byte it hands over:
 * the file's digest. What libarchive decompresses from it ("raw" format: no tar parsing)
 * hashes to the diffID, exactly as the unpacker will compute it. */
struct hashing_input {
	int fd;
	struct digest md;
	int64_t size;
	char buf[65536];
};

static la_ssize_t hashing_read(struct archive *a, void *ud, const void **out)
{
	struct hashing_input *h = ud;
	ssize_t k;
	do
		k = read(h->fd, h->buf, sizeof(h->buf));
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	digest_update(&h->md, h->buf, (size_t)k);
	h->size += k;
	*out = h->buf;
	return k;
}

static int compute_digests(int fd, const char *label, char layer[DIGEST_LEN + 1],
			   char diff_id[DIGEST_LEN + 1], int64_t *size, struct urun_error *err)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return urun_error_set(err, errno, "rewinding %s", label);
	struct hashing_input *h = xzalloc(sizeof(*h));
	h->fd = fd;
	digest_init(&h->md);
	struct digest tar;
	digest_init(&tar);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	uint64_t out = 0;
	int r = 0;
	if (!a)
		abort();
	/* gzip and zstd built in, as everywhere: never filter_all (external programs). */
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK)
		r = urun_error_set(err, ENOTSUP, "libarchive lacks built-in gzip or zstd support");
	archive_read_support_format_raw(a);
	if (r == 0 && (archive_read_open(a, h, NULL, hashing_read, NULL) != ARCHIVE_OK ||
		       archive_read_next_header(a, &e) != ARCHIVE_OK)) {
		const char *why = archive_error_string(a);
		r = urun_error_set(err, 0, "reading %s: %s", label, why ? why : "unknown error");
	}
	/* The diffID is defined over the stream decompressed once (the unpacker refuses more). */
	if (r == 0 && archive_filter_count(a) > 2)
		r = urun_error_set(err, 0, "%s is compressed twice (%s inside %s)", label,
				   archive_filter_name(a, 1), archive_filter_name(a, 0));
	char buf[65536];
	while (r == 0) {
		la_ssize_t k = archive_read_data(a, buf, sizeof(buf));
		if (k == 0)
			break;
		if (k < 0) {
			const char *why = archive_error_string(a);
			r = urun_error_set(err, 0, "decompressing %s (%s): %s", label,
					   archive_filter_name(a, 0), why ? why : "unknown error");
			break;
		}
		out += (uint64_t)k;
		if (out > TARBALL_MAX_BYTES) {
			r = urun_error_set(err, EFBIG, "%s decompresses to more than %llu bytes",
					   label, (unsigned long long)TARBALL_MAX_BYTES);
			break;
		}
		digest_update(&tar, buf, (size_t)k);
	}
	archive_read_free(a);
	/* A decompressor may stop before the end of the file (after the last gzip member):
	 * the blob's digest covers every byte of it all the same. */
	for (ssize_t k = 1; r == 0 && k != 0;) {
		k = read(fd, h->buf, sizeof(h->buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = urun_error_set(err, errno, "reading %s", label);
			break;
		}
		digest_update(&h->md, h->buf, (size_t)k);
		h->size += k;
	}
	digest_final(&h->md, layer);
	digest_final(&tar, diff_id);
	*size = h->size;
	free(h);
	return r;
}

static int not_tar(struct tarball *t, const char *label, struct urun_error *err)
{
	const char *why = t->a ? archive_error_string(t->a) : NULL;
	int r = urun_error_set(err, 0, "%s is not a tar archive (plain, gzip or zstd): %s", label,
			       why ? why : "unknown error");
	urun_error_hint(
	    err,
	    "urun import takes a root filesystem tarball, as `tar -C ROOTFS -c . > rootfs.tar` "
	    "makes");
	return r;
}

/* A tar archive at all? And, kindly, not an image archive that `urun load` reads. */
static int check_tar(int fd, const char *label, struct urun_error *err)
{
	struct tarball t;
	struct archive_entry *e;
	int r = tarball_open(&t, fd, label, err);
	if (r < 0 && t.a)
		r = not_tar(&t, label, err);
	for (int i = 0; r == 0 && i < 32; i++) {
		int k = archive_read_next_header(t.a, &e);
		if (k == ARCHIVE_EOF)
			break;
		if (k != ARCHIVE_OK && k != ARCHIVE_WARN) {
			r = not_tar(&t, label, err);
			break;
		}
		const char *n = archive_entry_pathname(e);
		if (n && (strcmp(n, "manifest.json") == 0 || strcmp(n, "oci-layout") == 0))
			log_warn("%s holds a top-level %s: it may be an image archive, which `urun "
				 "load -i FILE` "
				 "reads; importing it as a root filesystem",
				 label, n);
	}
	tarball_close(&t);
	return r;
}

/* ---- config, manifest, name ------------------------------------------------------------- */

static char *make_config(const char *diff_id)
{
	const char *arch, *variant;
	char created[32];
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	manifest_host_platform(&arch, &variant);

	struct json_object *c = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *env = json_object_new_array(), *rootfs = json_object_new_object();
	struct json_object *ids = json_object_new_array(), *hist = json_object_new_array();
	struct json_object *h = json_object_new_object();
	json_object_object_add(c, "created", json_object_new_string(created));
	json_object_object_add(c, "architecture", json_object_new_string(arch));
	if (variant)
		json_object_object_add(c, "variant", json_object_new_string(variant));
	json_object_object_add(c, "os", json_object_new_string("linux"));
	json_object_array_add(env, json_object_new_string(IMPORT_ENV_PATH));
	json_object_object_add(cfg, "Env", env);
	json_object_object_add(c, "config", cfg);
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_array_add(ids, json_object_new_string(diff_id));
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(c, "rootfs", rootfs);
	json_object_object_add(h, "created", json_object_new_string(created));
	json_object_object_add(h, "created_by", json_object_new_string("urun import"));
	json_object_array_add(hist, h);
	json_object_object_add(c, "history", hist);
	char *s = xstrdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(c);
	return s;
}

static struct json_object *descriptor(const char *type, const char *digest, int64_t size)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "mediaType", json_object_new_string(type));
	json_object_object_add(o, "digest", json_object_new_string(digest));
	json_object_object_add(o, "size", json_object_new_int64(size));
	return o;
}

static char *make_manifest(const struct import_priv *p, const char *layer_type)
{
	struct json_object *m = json_object_new_object(), *layers = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MEDIA_OCI_MANIFEST));
	json_object_object_add(m, "config",
			       descriptor("application/vnd.oci.image.config.v1+json",
					  p->config_digest, (int64_t)p->config_len));
	json_object_array_add(layers, descriptor(layer_type, p->layer, p->size));
	json_object_object_add(m, "layers", layers);
	char *s = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(m);
	return s;
}

/* As podman names what it creates locally: `app` and `team/app:1` become
 * localhost/app:latest and localhost/team/app:1; a name with a registry stays. */
static int import_name(const char *file, const char *given, char **out, struct urun_error *err)
{
	struct image_ref r;
	int ret;

	if (!given) {
		*out = tarball_default_name(file, strcmp(file, "-") == 0 ? "stdin" : NULL, NULL);
		return 0;
	}
	if ((ret = image_ref_parse(given, &r, err)) < 0)
		return ret;
	if (r.transport != IMAGE_TRANSPORT_DOCKER || r.digest) {
		image_ref_free(&r);
		ret = urun_error_set(err, 0, "`%s` is not an image name to give an imported image",
				     given);
		urun_error_hint(
		    err, "give NAME[:TAG], as in `myimage` or `registry.example.com/team/app:1.0`");
		return ret;
	}
	if (r.short_name) {
		_cleanup_free_ char *local = xasprintf("localhost/%s", given);
		image_ref_free(&r);
		if ((ret = image_ref_parse(local, &r, err)) < 0)
			return ret;
	}
	*out = image_ref_name(&r);
	image_ref_free(&r);
	return 0;
}

/* ---- the source --------------------------------------------------------------------------- */

static int import_manifest(struct image_source *s, const char *reference, struct source_manifest *m,
			   struct urun_error *err)
{
	struct import_priv *p = s->priv;
	m->body = xstrdup(p->manifest);
	m->len = p->manifest_len;
	m->media_type = xstrdup(MEDIA_OCI_MANIFEST);
	return 0;
}

static int import_blob_mem(struct image_source *s, const char *digest, int64_t size, char **buf,
			   size_t *len, struct urun_error *err)
{
	struct import_priv *p = s->priv;
	if (strcmp(digest, p->config_digest) != 0)
		return urun_error_set(err, 0, "an imported image has no blob `%s` but its config",
				      digest);
	*buf = xstrdup(p->config);
	*len = p->config_len;
	return 0;
}

/* The file is read again: it is the blob. Were it changed since its digest was taken,
 * the digest check at the end says so (and the unpacker's diffID check too). */
static int import_fetch(struct image_source *s, const char *digest, int64_t size,
			source_sink_fn sink, void *ud, struct urun_error *err)
{
	struct import_priv *p = s->priv;
	if (strcmp(digest, p->layer) != 0)
		return urun_error_set(err, 0, "an imported image has no layer `%s`", digest);
	struct digest md;
	digest_init(&md);
	char buf[65536], got[DIGEST_LEN + 1];
	int64_t off = 0;
	int r = 0;
	for (;;) {
		ssize_t k = pread(p->fd, buf, sizeof(buf), off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = urun_error_set(err, errno, "reading %s", p->label);
			break;
		}
		if (k == 0)
			break;
		off += k;
		digest_update(&md, buf, (size_t)k);
		if (sink(ud, buf, (size_t)k) < 0) {
			r = urun_error_set(err, EPIPE, "writing the layer of %s", p->label);
			break;
		}
	}
	digest_final(&md, got);
	if (r == 0 && (off != p->size || strcmp(got, p->layer) != 0)) {
		r = urun_error_set(err, 0, "%s changed while it was being imported", p->label);
		urun_error_hint(err, "import it again once nothing writes to it");
	}
	return r;
}

static void import_close(struct image_source *s)
{
	struct import_priv *p = s->priv;
	if (p) {
		if (p->fd >= 0)
			close(p->fd);
		free(p->label);
		free(p->config);
		free(p->manifest);
		free(p);
	}
	free(s->name);
	memset(s, 0, sizeof(*s));
}

int source_open_import(const char *file, const char *name, struct image_source *out,
		       struct urun_error *err)
{
	struct import_priv *p = xzalloc(sizeof(*p));
	char diff_id[DIGEST_LEN + 1];
	unsigned char magic[8] = {0};
	_cleanup_free_ char *full = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	p->fd = -1;
	if ((r = import_name(file, name, &full, err)) < 0 ||
	    (r = tarball_open_input(file, &p->fd, &p->label, err)) < 0 ||
	    (r = tarball_check_magic(p->fd, p->label, err)) < 0 ||
	    (r = check_tar(p->fd, p->label, err)) < 0 ||
	    (r = compute_digests(p->fd, p->label, p->layer, diff_id, &p->size, err)) < 0) {
		import_close(&(struct image_source){.priv = p});
		return r;
	}
	if (pread(p->fd, magic, sizeof(magic), 0) < 0)
		memset(magic, 0, sizeof(magic));
	p->config = make_config(diff_id);
	p->config_len = strlen(p->config);
	digest_sha256(p->config, p->config_len, p->config_digest);
	p->manifest = make_manifest(p, tarball_layer_type(magic, sizeof(magic)));
	p->manifest_len = strlen(p->manifest);
	out->priv = p;
	out->name = steal_ptr(&full);
	out->reference = "latest";
	out->get_manifest = import_manifest;
	out->get_blob_mem = import_blob_mem;
	out->fetch_blob = import_fetch;
	out->close = import_close;
	return 0;
}
