/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manifest.c: decoding manifests, indexes and configs with json-c. Every
 * input is hostile: sizes are bounded before parsing, the parser's depth is
 * bounded, digests must be well-formed sha256, and absent or mistyped
 * fields are errors that name the field. */
#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/json.h"

#include <sys/utsname.h>

/* Deep nesting is an attack, not an image. */
#define JSON_MAX_DEPTH 32
/* Platforms an index's "no image for" message lists before "and N more". */
#define INDEX_SEEN_MAX 16

static int parse_json(const char *body, size_t len, const char *what, struct json_object **out,
		      struct urun_error *err)
{
	enum json_tokener_error e;
	if (len > MANIFEST_MAX_BYTES)
		return urun_error_set(err, 0, "%s is larger than %u bytes", what, MANIFEST_MAX_BYTES);
	switch (json_parse_object(body, len, JSON_MAX_DEPTH, 0, out, &e, NULL)) {
	case JSON_PARSE_OK:
		return 0;
	case JSON_PARSE_NOMEM:
		return urun_error_set(err, ENOMEM, "parsing %s", what);
	case JSON_PARSE_INVALID:
		return urun_error_set(err, 0, "%s is not valid JSON: %s", what,
				      json_tokener_error_desc(e));
	case JSON_PARSE_TRAILING:
		return urun_error_set(err, 0, "%s has data after the JSON value", what);
	case JSON_PARSE_TOO_LARGE:
	case JSON_PARSE_NOT_OBJECT:
		break;
	}
	return urun_error_set(err, 0, "%s is not a JSON object", what);
}

static int get_descriptor(struct json_object *o, const char *what, struct descriptor *d, struct urun_error *err)
{
	struct json_object *sz;
	const char *digest = json_get_str(o, "digest");
	memset(d, 0, sizeof(*d));
	if (!digest_is_valid(digest))
		return urun_error_set(err, 0, "%s has no valid sha256 digest", what);
	if (!json_object_object_get_ex(o, "size", &sz) || !json_object_is_type(sz, json_type_int) ||
	    json_object_get_int64(sz) < 0)
		return urun_error_set(err, 0, "%s has no valid size", what);
	d->digest = xstrdup(digest);
	d->size = json_object_get_int64(sz);
	const char *mt = json_get_str(o, "mediaType");
	d->media_type = xstrdup(mt ? mt : "");
	return 0;
}

void descriptor_free(struct descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	memset(d, 0, sizeof(*d));
}

bool manifest_is_index(const char *media_type, const char *body, size_t len)
{
	if (media_type && *media_type)
		return strcmp(media_type, MEDIA_OCI_INDEX) == 0 || strcmp(media_type, MEDIA_DOCKER_LIST) == 0;
	struct json_object *o;
	if (parse_json(body, len, "manifest", &o, NULL) < 0)
		return false;
	const char *mt = json_get_str(o, "mediaType");
	struct json_object *m;
	bool idx = (mt && (strcmp(mt, MEDIA_OCI_INDEX) == 0 || strcmp(mt, MEDIA_DOCKER_LIST) == 0)) ||
		   (!mt && json_object_object_get_ex(o, "manifests", &m));
	json_object_put(o);
	return idx;
}

void manifest_host_platform(const char **arch, const char **variant)
{
	static struct utsname u;
	static const struct {
		const char *m, *arch, *variant;
	} map[] = {
		{"x86_64", "amd64", NULL},  {"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"},
		{"armv6l", "arm", "v6"},    {"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL},
		{"riscv64", "riscv64", NULL}, {"i686", "386", NULL},
	};
	uname(&u);
	*arch = u.machine;
	*variant = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(u.machine, map[i].m) == 0) {
			*arch = map[i].arch;
			*variant = map[i].variant;
		}
}

int manifest_index_select(const char *body, size_t len, const char *os, const char *arch, const char *variant,
			  struct descriptor *out, struct urun_error *err)
{
	struct json_object *o, *list;
	int r = parse_json(body, len, "image index", &o, err);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(o, "manifests", &list) || !json_object_is_type(list, json_type_array)) {
		json_object_put(o);
		return urun_error_set(err, 0, "image index has no `manifests` list");
	}
	size_t n = json_object_array_length(list), n_seen = 0;
	_cleanup_free_ char *seen = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *p;
		if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "platform", &p))
			continue;
		const char *eos = json_get_str(p, "os"), *earch = json_get_str(p, "architecture"),
			   *evar = json_get_str(p, "variant");
		if (!eos || !earch || strcmp(eos, "unknown") == 0)
			continue;
		/* Only the first few go into the message: copying the list for each of
		 * a hostile index's 70,000 entries would take minutes. */
		if (n_seen++ < INDEX_SEEN_MAX) {
			char *s = xasprintf("%s%s%s/%s%s%s", seen, *seen ? ", " : "", eos, earch,
					    evar ? "/" : "", evar ? evar : "");
			free(seen);
			seen = s;
		}
		if (strcmp(eos, os) != 0 || strcmp(earch, arch) != 0)
			continue;
		/* arm64 entries without a variant are v8 (GCR and Red Hat omit it). */
		if (variant && evar && strcmp(evar, variant) != 0)
			continue;
		r = get_descriptor(e, "index entry", out, err);
		json_object_put(o);
		return r;
	}
	json_object_put(o);
	if (n_seen > INDEX_SEEN_MAX) {
		char *s = xasprintf("%s and %zu more", seen, n_seen - INDEX_SEEN_MAX);
		free(seen);
		seen = s;
	}
	r = urun_error_set(err, 0, "no image for %s/%s%s%s in the index (it has: %s)", os, arch, variant ? "/" : "",
			   variant ? variant : "", *seen ? seen : "nothing usable");
	urun_error_hint(err, "choose another with --platform OS/ARCH[/VARIANT]");
	return r;
}

int manifest_parse(const char *body, size_t len, struct image_manifest *m, struct urun_error *err)
{
	struct json_object *o, *cfg, *layers, *sv;
	int r = parse_json(body, len, "manifest", &o, err);
	memset(m, 0, sizeof(*m));
	if (r < 0)
		return r;
	if (json_object_object_get_ex(o, "schemaVersion", &sv) && json_object_get_int(sv) == 1) {
		json_object_put(o);
		r = urun_error_set(err, 0, "the image uses the deprecated Docker schema 1 manifest format");
		urun_error_hint(err, "push it again with a current docker or skopeo to convert it");
		return r;
	}
	if (!json_object_object_get_ex(o, "config", &cfg) || !json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(o, "layers", &layers) || !json_object_is_type(layers, json_type_array)) {
		json_object_put(o);
		return urun_error_set(err, 0, "manifest lacks `config` or `layers`");
	}
	if ((r = get_descriptor(cfg, "manifest config", &m->config, err)) < 0) {
		json_object_put(o);
		return r;
	}
	size_t n = json_object_array_length(layers);
	if (n > 1000) {
		json_object_put(o);
		manifest_free(m);
		return urun_error_set(err, 0, "manifest has %zu layers; the limit is 1000", n);
	}
	m->layers = xcalloc(n ? n : 1, sizeof(*m->layers));
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(layers, i);
		char what[32];
		snprintf(what, sizeof(what), "layer %zu", i + 1);
		if (!e || !json_object_is_type(e, json_type_object) ||
		    (r = get_descriptor(e, what, &m->layers[i], err)) < 0) {
			json_object_put(o);
			manifest_free(m);
			return r < 0 ? r : urun_error_set(err, 0, "manifest %s is not an object", what);
		}
		m->n_layers++;
		/* Callers add the sizes up (pull.c for the image size): a signed
		 * overflow there would be undefined behaviour. */
		if (__builtin_add_overflow(total, m->layers[i].size, &total)) {
			json_object_put(o);
			manifest_free(m);
			return urun_error_set(err, 0, "manifest layer sizes add up to more than 2^63 bytes");
		}
	}
	json_object_put(o);
	return 0;
}

void manifest_free(struct image_manifest *m)
{
	descriptor_free(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_free(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

/* A JSON array of strings, or NULL when absent/null; other types fail. */
static int get_strv(struct json_object *o, const char *key, char ***out, struct urun_error *err)
{
	struct json_object *a;
	*out = NULL;
	if (!o || !json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return urun_error_set(err, 0, "image config: `%s` is not a list of strings", key);
	size_t n = json_object_array_length(a);
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			strv_free(v);
			return urun_error_set(err, 0, "image config: `%s` is not a list of strings", key);
		}
		v[i] = xstrdup(json_object_get_string(e));
	}
	*out = v;
	return 0;
}

int image_config_parse(const char *body, size_t len, struct image_config *c, struct urun_error *err)
{
	struct json_object *o, *cfg = NULL, *rootfs, *ports;
	int r = parse_json(body, len, "image config", &o, err);
	memset(c, 0, sizeof(*c));
	if (r < 0)
		return r;
	const char *s;
	if ((s = json_get_str(o, "architecture")))
		c->architecture = xstrdup(s);
	if ((s = json_get_str(o, "os")))
		c->os = xstrdup(s);
	if ((s = json_get_str(o, "variant")))
		c->variant = xstrdup(s);
	c->has_created =
	    (s = json_get_str(o, "created")) && timefmt_parse_rfc3339(s, &c->created) == 0;
	if (json_object_object_get_ex(o, "config", &cfg) && !json_object_is_type(cfg, json_type_object))
		cfg = NULL;
	if ((r = get_strv(cfg, "Env", &c->env, err)) < 0 || (r = get_strv(cfg, "Entrypoint", &c->entrypoint, err)) < 0 ||
	    (r = get_strv(cfg, "Cmd", &c->cmd, err)) < 0)
		goto fail;
	if (cfg && (s = json_get_str(cfg, "WorkingDir")) && *s)
		c->workdir = xstrdup(s);
	if (cfg && (s = json_get_str(cfg, "User")) && *s)
		c->user = xstrdup(s);
	if (cfg && json_object_object_get_ex(cfg, "ExposedPorts", &ports) && json_object_is_type(ports, json_type_object) &&
	    json_object_object_length(ports) > 0) {
		/* Sized once: strv_push() per key is quadratic, and a 4 MB config
		 * can name 260,000 ports (minutes of CPU). */
		size_t np = 0;
		c->exposed_ports = xcalloc((size_t)json_object_object_length(ports) + 1, sizeof(char *));
		json_object_object_foreach(ports, key, val) {
			(void)val;
			c->exposed_ports[np++] = xstrdup(key);
		}
	}
	if (!json_object_object_get_ex(o, "rootfs", &rootfs) || (r = get_strv(rootfs, "diff_ids", &c->diff_ids, err)) < 0 ||
	    !c->diff_ids) {
		r = r < 0 ? r : urun_error_set(err, 0, "image config has no `rootfs.diff_ids`");
		goto fail;
	}
	for (c->n_diff_ids = 0; c->diff_ids[c->n_diff_ids]; c->n_diff_ids++)
		if (!digest_is_valid(c->diff_ids[c->n_diff_ids])) {
			r = urun_error_set(err, 0, "image config: diff_id %zu is not a sha256 digest", c->n_diff_ids + 1);
			goto fail;
		}
	json_object_put(o);
	return 0;
fail:
	json_object_put(o);
	image_config_free(c);
	return r;
}

void image_config_free(struct image_config *c)
{
	free(c->architecture);
	free(c->os);
	free(c->variant);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	free(c->workdir);
	free(c->user);
	strv_free(c->exposed_ports);
	strv_free(c->diff_ids);
	memset(c, 0, sizeof(*c));
}
