/* SPDX-License-Identifier: GPL-2.0-or-later */
/* source-registry.c: images from a registry (docker://), through the
 * registry client, which verifies digests and sizes while streaming. */
#include "image/registry.h"
#include "image/source.h"
#include "util/cleanup.h"

struct reg_priv {
	struct registry_client *c;
	char *reference;
	/* kept to open more clients for parallel layer downloads */
	char *registry, *repository, *user, *pass, *auth_file;
	struct registry_opts ro;
};

static int reg_manifest(struct image_source *s, const char *reference, struct source_manifest *m,
			struct urun_error *err)
{
	struct reg_priv *p = s->priv;
	struct registry_manifest rm = {0};
	int r = registry_get_manifest(p->c, reference, &rm, err);
	memset(m, 0, sizeof(*m));
	if (r < 0)
		return r;
	m->body = steal_ptr(&rm.body);
	m->len = rm.len;
	m->media_type = xstrdup(rm.media_type ? rm.media_type : "");
	registry_manifest_free(&rm);
	return 0;
}

static int reg_blob_mem(struct image_source *s, const char *digest, int64_t size, char **buf, size_t *len,
			struct urun_error *err)
{
	struct reg_priv *p = s->priv;
	return registry_get_blob_mem(p->c, digest, size, buf, len, err);
}

struct sink_adapter {
	source_sink_fn sink;
	void *ud;
};

static int adapt(void *ud, const void *buf, size_t len)
{
	struct sink_adapter *a = ud;
	return a->sink(a->ud, buf, len);
}

/* The unpacker reads a pipe that cannot be rewound: a restart from byte 0
 * (a server without Range support) fails the layer; the next pull retries. */
static int no_reset(void *ud)
{
	(void)ud;
	return -ESPIPE;
}

static int reg_fetch(struct image_source *s, const char *digest, int64_t size, source_sink_fn sink, void *ud,
		     struct urun_error *err)
{
	struct reg_priv *p = s->priv;
	struct sink_adapter a = {.sink = sink, .ud = ud};
	return registry_fetch_blob(p->c, digest, size, adapt, no_reset, &a, err);
}

static void reg_close(struct image_source *s)
{
	struct reg_priv *p = s->priv;
	if (p) {
		registry_client_free(p->c);
		free(p->reference);
		free(p->registry);
		free(p->repository);
		free(p->user);
		free(p->pass);
		free(p->auth_file);
		free(p);
	}
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static struct reg_priv *priv_new(const char *registry, const char *repository, const struct registry_opts *ro)
{
	struct reg_priv *p = xzalloc(sizeof(*p));
	p->registry = xstrdup(registry);
	p->repository = xstrdup(repository);
	p->ro = *ro;
	p->user = ro->username ? xstrdup(ro->username) : NULL;
	p->pass = ro->password ? xstrdup(ro->password) : NULL;
	p->auth_file = ro->auth_file ? xstrdup(ro->auth_file) : NULL;
	p->ro.username = p->user;
	p->ro.password = p->pass;
	p->ro.auth_file = p->auth_file;
	return p;
}

static int reg_clone(struct image_source *s, struct image_source *out, struct urun_error *err)
{
	struct reg_priv *p = s->priv;
	struct reg_priv *q = priv_new(p->registry, p->repository, &p->ro);
	int r = registry_client_new(q->registry, q->repository, &q->ro, &q->c, err);
	if (r < 0) {
		out->priv = q;
		out->name = NULL;
		reg_close(out);
		return r;
	}
	q->reference = xstrdup(p->reference);
	*out = *s;
	out->priv = q;
	out->reference = q->reference;
	out->name = xstrdup(s->name);
	return 0;
}

int source_open_registry(const struct image_ref *ref, const struct source_opts *o, bool insecure,
			 struct image_source *out, struct urun_error *err)
{
	struct registry_opts ro = {.tls_verify = !insecure, .timeout_s = 30, .max_retries = 3};
	_cleanup_free_ char *user = NULL;
	if (o->tls_verify >= 0)
		ro.tls_verify = o->tls_verify;
	ro.auth_file = o->auth_file;
	if (o->creds) {
		user = xstrdup(o->creds);
		char *colon = strchr(user, ':');
		if (!colon)
			return urun_error_set(err, 0, "--creds: expected USER:PASSWORD");
		*colon = '\0';
		ro.username = user;
		ro.password = colon + 1;
	}
	memset(out, 0, sizeof(*out));
	struct reg_priv *p = priv_new(ref->registry, ref->repository, &ro);
	int r = registry_client_new(p->registry, p->repository, &p->ro, &p->c, err);
	if (r < 0) {
		out->priv = p;
		reg_close(out);
		return r;
	}
	/* The digest wins when both are given, as in docker. */
	p->reference = xstrdup(ref->digest ? ref->digest : ref->tag ? ref->tag : "latest");
	out->priv = p;
	out->reference = p->reference;
	out->get_manifest = reg_manifest;
	out->get_blob_mem = reg_blob_mem;
	out->fetch_blob = reg_fetch;
	out->close = reg_close;
	out->clone = reg_clone;
	out->name = image_ref_name(ref);
	return 0;
}
