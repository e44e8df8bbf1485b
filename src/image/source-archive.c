/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source-archive.c: images from oci-archive and docker-archive tarballs. The tarball is
 * extracted, confined, into a private temp directory laid out as an OCI layout and served
 * from there by the OCI layout source. No member name ever becomes a path: only validated
 * sha256 digests and the fixed names oci-layout and index.json are created. */
#include "image/source-archive.h"
#include "image/manifest.h"
#include "image/tarball.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"
#include "util/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#define LINK_HOPS 16

#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

enum archive_kind { KIND_ANY, KIND_OCI, KIND_DOCKER };

struct archive_image {
	char *name;	    /* the name it gets in the store */
	char *ref_name;	    /* oci-archive: its org.opencontainers.image.ref.name, or NULL */
	char **extra_names; /* further RepoTags, or NULL */
	char *reference;    /* its manifest's digest (oci-archive) */
	char *manifest;	    /* the synthesized manifest (docker-archive), or NULL */
	size_t manifest_len;
};

struct archive_priv {
	struct image_source inner; /* the OCI layout source over the temp directory */
	struct tarball_tmp tmp;
	struct archive_image *images;
	size_t n_images, selected;
};

/* ---- pass 1: what the archive is -------------------------------------------------------- */

struct link {
	char *name, *target; /* target NULL: it points outside the archive */
};

struct scan {
	bool has_oci_layout, has_manifest;
	char *manifest; /* manifest.json */
	size_t manifest_len;
	struct link *links;
	size_t n_links;
};

static void scan_free(struct scan *s)
{
	free(s->manifest);
	for (size_t i = 0; i < s->n_links; i++) {
		free(s->links[i].name);
		free(s->links[i].target);
	}
	free(s->links);
	memset(s, 0, sizeof(*s));
}

/* A symlink's target as an archive name, resolved lexically from the link's directory;
 * NULL when it is absolute or climbs above the archive's root. */
static char *link_target(const char *name, const char *target)
{
	if (target[0] == '/')
		return NULL;
	const char *slash = strrchr(name, '/');
	_cleanup_free_ char *joined =
	    slash ? xasprintf("%.*s/%s", (int)(slash - name), name, target) : xstrdup(target);
	char *out = xmalloc(strlen(joined) + 1);
	size_t o = 0;
	for (const char *p = joined; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0) {
				free(out);
				return NULL;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	return out;
}

static int scan_archive(int fd, const char *label, struct scan *sc, struct urun_error *err)
{
	struct tarball t;
	struct archive_entry *e;
	char name[TARBALL_NAME_CAP];
	int r;

	memset(sc, 0, sizeof(*sc));
	if ((r = tarball_open(&t, fd, label, err)) < 0) {
		tarball_close(&t);
		return r;
	}
	while ((r = tarball_next(&t, &e, name, err)) > 0) {
		const char *hl = archive_entry_hardlink(e);
		mode_t type = archive_entry_filetype(e);
		if (!name[0])
			continue;
		if (hl || type == AE_IFLNK) {
			char target[TARBALL_NAME_CAP];
			if ((sc->n_links & (sc->n_links - 1)) == 0) /* at powers of two: grow */
				sc->links =
				    xrealloc(sc->links, (sc->n_links ? 2 * sc->n_links : 1) *
							    sizeof(*sc->links));
			struct link *l = &sc->links[sc->n_links++];
			l->name = xstrdup(name);
			if (hl)
				l->target = tarball_clean_name(hl, target, sizeof(target)) == 0
						? xstrdup(target)
						: NULL;
			else
				l->target = archive_entry_symlink(e)
						? link_target(name, archive_entry_symlink(e))
						: NULL;
			continue;
		}
		if (type != AE_IFREG)
			continue;
		if (strcmp(name, "oci-layout") == 0)
			sc->has_oci_layout = true;
		if (strcmp(name, "manifest.json") == 0) {
			free(sc->manifest);
			sc->manifest = NULL;
			if ((r = tarball_read_member(&t, "manifest.json", &sc->manifest,
						     &sc->manifest_len, err)) < 0)
				break;
			sc->has_manifest = true;
		}
	}
	tarball_close(&t);
	if (r < 0)
		scan_free(sc);
	return r;
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---- images ---------------------------------------------------------------------------- */

static void image_clear(struct archive_image *img)
{
	free(img->name);
	free(img->ref_name);
	strv_free(img->extra_names);
	free(img->reference);
	free(img->manifest);
	memset(img, 0, sizeof(*img));
}

static void images_free(struct archive_image *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		image_clear(&v[i]);
	free(v);
}

static struct archive_image *image_push(struct archive_image **v, size_t *n)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	return &(*v)[(*n)++];
}

/* Untagged images: localhost/BASE:latest, then :latest-2, :latest-3... */
static char *unnamed(const char *file, const char *base, size_t *k)
{
	_cleanup_free_ char *tag = (*k)++ ? xasprintf("latest-%zu", *k) : xstrdup("latest");
	return tarball_default_name(file, base, tag);
}

static char *available(struct archive_image *v, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j == 0 || (v[i].extra_names && v[i].extra_names[j - 1]); j++) {
			const char *nm = j == 0 ? v[i].name : v[i].extra_names[j - 1];
			char *t = xasprintf("%s%s%s", s, *s ? ", " : "", nm);
			free(s);
			s = t;
		}
	return s;
}

/* Keep only the images called `want` (a name or a tag); that name becomes theirs. */
static int select_named(struct archive_image **v, size_t *n, const char *want, const char *label,
			const char *file, const char *base, struct urun_error *err)
{
	_cleanup_free_ char *full = tarball_normalise_name(want);
	_cleanup_free_ char *as_tag =
	    strpbrk(want, "/:@") ? NULL : tarball_default_name(file, base, want);
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		struct archive_image *img = &(*v)[i];
		const char *hit = NULL;
		for (size_t j = 0;
		     !hit && (j == 0 || (img->extra_names && img->extra_names[j - 1])); j++) {
			const char *nm = j == 0 ? img->name : img->extra_names[j - 1];
			if ((full && strcmp(nm, full) == 0) || (as_tag && strcmp(nm, as_tag) == 0))
				hit = nm;
			else if (j == 0 && img->ref_name && strcmp(img->ref_name, want) == 0)
				hit = nm;
		}
		if (!hit)
			continue;
		char *keep = xstrdup(hit);
		free(img->name);
		strv_free(img->extra_names);
		img->name = keep;
		img->extra_names = NULL;
		struct archive_image tmp = (*v)[kept];
		(*v)[kept++] = *img;
		*img = tmp;
	}
	if (kept == 0) {
		_cleanup_free_ char *w = tarball_shown(want), *list = available(*v, *n);
		int r = urun_error_set(err, 0, "no image called `%s` in %s", w, label);
		err->code = ENOENT;
		urun_error_hint(err, "it holds: %s", *list ? list : "no named images");
		return r;
	}
	for (size_t i = kept; i < *n; i++)
		image_clear(&(*v)[i]);
	*n = kept;
	return 0;
}

/* ---- oci-archive ------------------------------------------------------------------------ */

static int extract_oci(int fd, const char *label, struct tarball_tmp *d, char **index,
		       size_t *index_len, struct urun_error *err)
{
	struct tarball t;
	struct archive_entry *e;
	char name[TARBALL_NAME_CAP], hex[65];
	unsigned char magic[8];
	bool layout = false;
	int64_t size;
	int r;

	if ((r = tarball_open(&t, fd, label, err)) < 0) {
		tarball_close(&t);
		return r;
	}
	while (r == 0 && (r = tarball_next(&t, &e, name, err)) > 0) {
		r = 0;
		mode_t type = archive_entry_filetype(e);
		/* An OCI layout has files and directories only; a link could only serve to
		 * point somewhere else. */
		if (archive_entry_hardlink(e) || type == AE_IFLNK) {
			_cleanup_free_ char *s = tarball_shown(name);
			r = urun_error_set(
			    err, 0, "%s holds the link `%s`; an oci-archive has none: refusing it",
			    label, s);
			err->code = EPERM;
			break;
		}
		if (type != AE_IFREG)
			continue;
		bool is_layout = strcmp(name, "oci-layout") == 0,
		     is_index = strcmp(name, "index.json") == 0;
		if (is_layout || is_index) {
			_cleanup_free_ char *buf = NULL;
			size_t len;
			if ((r = tarball_read_member(&t, name, &buf, &len, err)) == 0)
				r = tarball_write_file_at(d->fd, name, buf, len, err);
			layout |= r == 0 && is_layout;
			if (r == 0 && is_index) {
				free(*index);
				*index = steal_ptr(&buf);
				*index_len = len;
			}
		} else if (strncmp(name, "blobs/sha256/", 13) == 0 && is_hex64(name + 13)) {
			r = tarball_extract_blob(&t, d->blobs, name + 13, hex, &size, magic, err);
		} else {
			_cleanup_free_ char *s = tarball_shown(name);
			log_debug("%s: skipping `%s`, not part of an OCI layout", label, s);
		}
	}
	tarball_close(&t);
	if (r < 0)
		return r;
	if (!layout || !*index) {
		r = urun_error_set(err, 0, "%s is not an oci-archive: it has no %s", label,
				   layout ? "index.json" : "oci-layout");
		return r;
	}
	return 0;
}

/* One image per index entry, named by its annotations: io.containerd.image.name (docker
 * 25, containerd), else org.opencontainers.image.ref.name as a full name, or as a tag of
 * localhost/BASE. */
static int oci_images(const char *index, size_t len, const char *label, const char *file,
		      const char *base, struct archive_image **v, size_t *n, struct urun_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, index, (int)len), *list;
	json_tokener_free(tok);
	size_t k = 0;
	int r = 0;
	if (!o || !json_object_object_get_ex(o, "manifests", &list) ||
	    !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0) {
		if (o)
			json_object_put(o);
		return urun_error_set(err, 0, "the index.json of %s lists no images", label);
	}
	for (size_t i = 0; i < json_object_array_length(list) && r == 0; i++) {
		struct json_object *ent = json_object_array_get_idx(list, i), *ann = NULL;
		const char *digest = json_get_str(ent, "digest");
		if (!digest || !digest_is_valid(digest)) {
			r = urun_error_set(err, 0,
					   "entry %zu of the index.json of %s has no valid digest",
					   i, label);
			break;
		}
		json_object_object_get_ex(ent, "annotations", &ann);
		const char *cname = ann ? json_get_str(ann, "io.containerd.image.name") : NULL;
		const char *rname =
		    ann ? json_get_str(ann, "org.opencontainers.image.ref.name") : NULL;
		struct archive_image *img = image_push(v, n);
		img->reference = xstrdup(digest);
		img->ref_name = rname ? xstrdup(rname) : NULL;
		if (cname)
			img->name = tarball_normalise_name(cname);
		if (!img->name && rname && strpbrk(rname, "/:"))
			img->name = tarball_normalise_name(rname);
		else if (!img->name && rname)
			img->name = tarball_default_name(file, base, rname);
		if (!img->name)
			img->name = unnamed(file, base, &k);
	}
	json_object_put(o);
	return r;
}

/* ---- docker-archive --------------------------------------------------------------------- */

struct want {
	char *name;   /* a regular member */
	char hex[65]; /* its sha256, once extracted */
	int64_t size;
	unsigned char magic[8];
	bool got;
};

struct docker_entry {
	size_t config;
	size_t *layers, n_layers;
	char **names;
};

/* A name from manifest.json, through the archive's links, as an index into wants. */
static int want_member(const struct scan *sc, const char *raw, const char *label, struct want **w,
		       size_t *nw, size_t *idx, struct urun_error *err)
{
	char name[TARBALL_NAME_CAP];
	_cleanup_free_ char *s = tarball_shown(raw);
	if (tarball_clean_name(raw, name, sizeof(name)) < 0 || !name[0]) {
		int r = urun_error_set(
		    err, 0, "the manifest.json of %s names `%s`, outside the archive: refusing it",
		    label, s);
		err->code = EPERM;
		return r;
	}
	_cleanup_free_ char *cur = xstrdup(name);
	for (int hop = 0;; hop++) {
		size_t i;
		for (i = 0; i < sc->n_links && strcmp(sc->links[i].name, cur) != 0; i++)
			;
		if (i == sc->n_links)
			break;
		if (!sc->links[i].target || hop == LINK_HOPS) {
			int r = urun_error_set(
			    err, 0,
			    "`%s` in %s is a link that leads outside the archive or in a loop", s,
			    label);
			err->code = EPERM;
			return r;
		}
		free(cur);
		cur = xstrdup(sc->links[i].target);
	}
	for (size_t i = 0; i < *nw; i++)
		if (strcmp((*w)[i].name, cur) == 0) {
			*idx = i;
			return 0;
		}
	*w = xrealloc(*w, (*nw + 1) * sizeof(**w));
	memset(&(*w)[*nw], 0, sizeof(**w));
	(*w)[*nw].name = steal_ptr(&cur);
	*idx = (*nw)++;
	return 0;
}

static int parse_docker_manifest(const struct scan *sc, const char *label,
				 struct docker_entry **ents, size_t *n_ents, struct want **w,
				 size_t *nw, struct urun_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, sc->manifest, (int)sc->manifest_len);
	json_tokener_free(tok);
	int r = 0;
	if (!o || !json_object_is_type(o, json_type_array) || json_object_array_length(o) == 0) {
		if (o)
			json_object_put(o);
		r = urun_error_set(
		    err, 0, "the manifest.json of %s is not a docker-archive manifest", label);
		urun_error_hint(
		    err,
		    "expected [{\"Config\": FILE, \"RepoTags\": [...], \"Layers\": [FILE...]}]");
		return r;
	}
	size_t n = json_object_array_length(o);
	*ents = xcalloc(n, sizeof(**ents));
	for (size_t i = 0; i < n && r == 0; i++) {
		struct json_object *ent = json_object_array_get_idx(o, i), *layers, *tags;
		struct docker_entry *de = &(*ents)[(*n_ents)++];
		const char *config = json_get_str(ent, "Config");
		if (!config || !json_object_object_get_ex(ent, "Layers", &layers) ||
		    !json_object_is_type(layers, json_type_array)) {
			r = urun_error_set(
			    err, 0, "image %zu of the manifest.json of %s has no Config or Layers",
			    i, label);
			break;
		}
		if ((r = want_member(sc, config, label, w, nw, &de->config, err)) < 0)
			break;
		size_t nl = json_object_array_length(layers);
		de->layers = xcalloc(nl ? nl : 1, sizeof(size_t));
		for (size_t j = 0; j < nl && r == 0; j++) {
			struct json_object *l = json_object_array_get_idx(layers, j);
			if (!json_object_is_type(l, json_type_string))
				r = urun_error_set(err, 0,
						   "image %zu of the manifest.json of %s: a layer "
						   "is not a file name",
						   i, label);
			else
				r = want_member(sc, json_object_get_string(l), label, w, nw,
						&de->layers[de->n_layers++], err);
		}
		if (r == 0 && json_object_object_get_ex(ent, "RepoTags", &tags) &&
		    json_object_is_type(tags, json_type_array))
			for (size_t j = 0; j < json_object_array_length(tags); j++) {
				const char *t =
				    json_object_get_string(json_object_array_get_idx(tags, j));
				char *full = t ? tarball_normalise_name(t) : NULL;
				if (full) {
					strv_push(&de->names, full);
				} else {
					_cleanup_free_ char *s = tarball_shown(t ? t : "");
					log_warn("%s: ignoring the RepoTag `%s`: not an image name",
						 label, s);
				}
			}
	}
	json_object_put(o);
	return r;
}

static int extract_docker(int fd, const char *label, struct tarball_tmp *d, struct want *w,
			  size_t nw, struct urun_error *err)
{
	struct tarball t;
	struct archive_entry *e;
	char name[TARBALL_NAME_CAP];
	int r;

	if ((r = tarball_open(&t, fd, label, err)) < 0) {
		tarball_close(&t);
		return r;
	}
	while ((r = tarball_next(&t, &e, name, err)) > 0) {
		r = 0;
		if (archive_entry_hardlink(e) || archive_entry_filetype(e) != AE_IFREG || !name[0])
			continue;
		size_t i;
		for (i = 0; i < nw && strcmp(w[i].name, name) != 0; i++)
			;
		if (i == nw)
			continue;
		if ((r = tarball_extract_blob(&t, d->blobs, NULL, w[i].hex, &w[i].size, w[i].magic,
					      err)) < 0)
			break;
		w[i].got = true;
	}
	tarball_close(&t);
	for (size_t i = 0; r == 0 && i < nw; i++)
		if (!w[i].got) {
			_cleanup_free_ char *s = tarball_shown(w[i].name);
			r = urun_error_set(
			    err, 0,
			    "the manifest.json of %s lists `%s`, which the archive does not hold "
			    "as a file",
			    label, s);
		}
	return r;
}

static struct json_object *descriptor_json(const char *type, const struct want *w)
{
	struct json_object *o = json_object_new_object();
	char digest[DIGEST_LEN + 1];
	snprintf(digest, sizeof(digest), "sha256:%s", w->hex);
	json_object_object_add(o, "mediaType", json_object_new_string(type));
	json_object_object_add(o, "digest", json_object_new_string(digest));
	json_object_object_add(o, "size", json_object_new_int64(w->size));
	return o;
}

/* The OCI manifest docker would have pushed: config and layers with computed digests. */
static char *docker_synth_manifest(const struct docker_entry *de, const struct want *w, size_t *len)
{
	struct json_object *m = json_object_new_object(), *layers = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MEDIA_OCI_MANIFEST));
	json_object_object_add(m, "config", descriptor_json(MEDIA_OCI_CONFIG, &w[de->config]));
	for (size_t j = 0; j < de->n_layers; j++) {
		const struct want *l = &w[de->layers[j]];
		json_object_array_add(
		    layers, descriptor_json(tarball_layer_type(l->magic, sizeof(l->magic)), l));
	}
	json_object_object_add(m, "layers", layers);
	char *s = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(m);
	*len = strlen(s);
	return s;
}

static int docker_images(int fd, const struct scan *sc, const char *label, const char *file,
			 const char *base, const char *ref, struct tarball_tmp *d,
			 struct archive_image **v, size_t *n, struct urun_error *err)
{
	struct docker_entry *ents = NULL;
	struct want *w = NULL;
	size_t n_ents = 0, nw = 0, k = 0, pick = SIZE_MAX;
	int r = 0;

	/* "@N" picks by position, as the docker-archive transport has it. */
	if (ref && ref[0] == '@') {
		char *end;
		unsigned long idx = strtoul(ref + 1, &end, 10);
		if (!ref[1] || *end)
			return urun_error_set(
			    err, 0, "`%s`: `@` must be followed by an image's index in the archive",
			    ref);
		pick = idx;
	}
	r = parse_docker_manifest(sc, label, &ents, &n_ents, &w, &nw, err);
	if (r == 0 && pick != SIZE_MAX && pick >= n_ents)
		r = urun_error_set(err, 0, "%s holds %zu images; there is no image @%zu", label,
				   n_ents, pick);
	if (r == 0)
		r = extract_docker(fd, label, d, w, nw, err);
	for (size_t i = 0; r == 0 && i < n_ents; i++) {
		if (pick != SIZE_MAX && i != pick)
			continue;
		struct archive_image *img = image_push(v, n);
		img->manifest = docker_synth_manifest(&ents[i], w, &img->manifest_len);
		if (ents[i].names && ents[i].names[0]) {
			img->name = xstrdup(ents[i].names[0]);
			for (char **x = ents[i].names + 1; *x; x++)
				strv_push(&img->extra_names, xstrdup(*x));
		} else {
			img->name = unnamed(file, base, &k);
		}
	}
	for (size_t i = 0; i < n_ents; i++) {
		free(ents[i].layers);
		strv_free(ents[i].names);
	}
	free(ents);
	for (size_t i = 0; i < nw; i++)
		free(w[i].name);
	free(w);
	if (r == 0 && ref && pick == SIZE_MAX)
		r = select_named(v, n, ref, label, file, base, err);
	return r;
}

/* ---- the source ------------------------------------------------------------------------- */

static int ar_manifest(struct image_source *s, const char *reference, struct source_manifest *m,
		       struct urun_error *err)
{
	struct archive_priv *p = s->priv;
	struct archive_image *img = &p->images[p->selected];
	if (img->manifest) {
		/* docker-archive: one made-up manifest, whatever is asked. */
		m->body = xstrdup(img->manifest);
		m->len = img->manifest_len;
		m->media_type = xstrdup(MEDIA_OCI_MANIFEST);
		return 0;
	}
	return p->inner.get_manifest(
	    &p->inner, strncmp(reference, "sha256:", 7) == 0 ? reference : img->reference, m, err);
}

static int ar_blob_mem(struct image_source *s, const char *digest, int64_t size, char **buf,
		       size_t *len, struct urun_error *err)
{
	struct archive_priv *p = s->priv;
	return p->inner.get_blob_mem(&p->inner, digest, size, buf, len, err);
}

static int ar_fetch(struct image_source *s, const char *digest, int64_t size, source_sink_fn sink,
		    void *ud, struct urun_error *err)
{
	struct archive_priv *p = s->priv;
	return p->inner.fetch_blob(&p->inner, digest, size, sink, ud, err);
}

static void ar_close(struct image_source *s)
{
	struct archive_priv *p = s->priv;
	if (p) {
		if (p->inner.close)
			p->inner.close(&p->inner);
		tarball_tmp_remove(&p->tmp);
		images_free(p->images, p->n_images);
		free(p);
	}
	free(s->name);
	memset(s, 0, sizeof(*s));
}

size_t source_archive_count(const struct image_source *s)
{
	return s->close == ar_close ? ((struct archive_priv *)s->priv)->n_images : 1;
}

int source_archive_select(struct image_source *s, size_t i, struct urun_error *err)
{
	if (i >= source_archive_count(s))
		return urun_error_set(err, 0, "the source holds no image %zu", i);
	if (s->close != ar_close)
		return 0;
	struct archive_priv *p = s->priv;
	p->selected = i;
	free(s->name);
	s->name = xstrdup(p->images[i].name);
	/* The pull starts from the manifest digest (oci-archive: verified against it) or, for
	 * the made-up docker manifest, from a tag that is not checked. */
	s->reference = p->images[i].reference ? p->images[i].reference : "latest";
	return 0;
}

char *const *source_archive_extra_names(const struct image_source *s)
{
	if (s->close != ar_close)
		return NULL;
	const struct archive_priv *p = s->priv;
	return p->images[p->selected].extra_names;
}

static int open_archive(const char *file, const char *ref, const char *base, enum archive_kind want,
			struct image_source *out, struct urun_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *label = NULL, *index = NULL;
	struct archive_image *v = NULL;
	size_t n = 0, index_len = 0;
	struct scan sc;
	struct tarball_tmp d;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = tarball_open_input(file, &fd, &label, err)) < 0 ||
	    (r = tarball_check_magic(fd, label, err)) < 0 ||
	    (r = scan_archive(fd, label, &sc, err)) < 0)
		return r;
	enum archive_kind kind = want != KIND_ANY ? want : sc.has_manifest ? KIND_DOCKER : KIND_OCI;
	if (want == KIND_ANY && !sc.has_manifest && !sc.has_oci_layout) {
		r = urun_error_set(
		    err, 0,
		    "%s is neither an oci-archive (no oci-layout) nor a docker-archive "
		    "(no manifest.json)",
		    label);
		urun_error_hint(
		    err,
		    "urun load reads what `podman save`, `docker save` or `skopeo copy` write; for "
		    "a root filesystem tarball use `urun import FILE [NAME]`");
	} else if (kind == KIND_OCI && !sc.has_oci_layout) {
		r = urun_error_set(err, 0, "%s is not an oci-archive: it has no oci-layout", label);
		if (sc.has_manifest)
			urun_error_hint(err, "it looks like a docker-archive: `urun load -i %s`",
					file);
	} else if (kind == KIND_DOCKER && !sc.has_manifest) {
		r = urun_error_set(err, 0, "%s is not a docker-archive: it has no manifest.json",
				   label);
		if (sc.has_oci_layout)
			urun_error_hint(err, "it looks like an oci-archive: `urun load -i %s`",
					file);
	}
	if (r < 0) {
		scan_free(&sc);
		return r;
	}
	if ((r = tarball_tmp_create(&d, err)) == 0) {
		if (kind == KIND_DOCKER) {
			r = docker_images(fd, &sc, label, file, base, ref, &d, &v, &n, err);
		} else if ((r = extract_oci(fd, label, &d, &index, &index_len, err)) == 0 &&
			   (r = oci_images(index, index_len, label, file, base, &v, &n, err)) ==
			       0 &&
			   ref) {
			r = select_named(&v, &n, ref, label, file, base, err);
		}
	}
	scan_free(&sc);
	struct archive_priv *p = xzalloc(sizeof(*p));
	struct image_ref lr = {.transport = IMAGE_TRANSPORT_OCI, .path = d.path};
	if (r == 0)
		r = source_open_oci(&lr, &p->inner, err);
	if (r < 0) {
		images_free(v, n);
		free(p);
		tarball_tmp_remove(&d);
		return r;
	}
	/* The OCI source has its own fd; only the parent's is kept, to remove it at close. */
	close(steal_fd(&d.fd));
	close(steal_fd(&d.blobs));
	p->tmp = d;
	p->images = v;
	p->n_images = n;
	out->priv = p;
	out->get_manifest = ar_manifest;
	out->get_blob_mem = ar_blob_mem;
	out->fetch_blob = ar_fetch;
	out->close = ar_close;
	return source_archive_select(out, 0, err);
}

int source_open_oci_archive(const char *file, const char *tag, struct image_source *out,
			    struct urun_error *err)
{
	return open_archive(file, tag, NULL, KIND_OCI, out, err);
}

int source_open_docker_archive(const char *file, const char *ref, struct image_source *out,
			       struct urun_error *err)
{
	return open_archive(file, ref, NULL, KIND_DOCKER, out, err);
}

int source_open_archive(const char *file, const char *ref, const char *name_base,
			struct image_source *out, struct urun_error *err)
{
	return open_archive(file, ref, name_base, KIND_ANY, out, err);
}
