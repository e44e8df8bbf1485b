/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pull.c: the pull pipeline. Every byte from a source is checked: the
 * manifest against the digest it was asked for (when asked by digest), the
 * config and each compressed layer against their descriptors while they
 * stream, and each uncompressed layer against the config's diffID before it
 * is renamed into the store. The image record is written last, so a pull
 * killed at any point leaves a consistent store that the next pull
 * continues (finished layers are kept). */
#include "image/pull.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"

#include <pthread.h>
#include <time.h>

struct feed_ctx {
	struct image_source *src;
	const struct descriptor *layer;
	int fd;
	bool unpacker_gone;
	struct progress *progress;
	size_t index;
	int64_t bytes; /* read from the source */
};

/* What a pull moved: the summary line counts these, not the image's size. */
struct pull_stats {
	int64_t bytes;
	size_t present; /* layers already in the store */
};

/* When the unpacker stops reading (it refused the layer), the rest of the
 * blob is still read and hashed, so a tampered blob is reported as a digest
 * mismatch rather than as whatever the unpacker tripped over. */
static int write_sink(void *ud, const void *buf, size_t len)
{
	struct feed_ctx *f = ud;
	const char *p = buf;
	progress_add(f->progress, f->index, len);
	f->bytes += (int64_t)len;
	while (len && !f->unpacker_gone) {
		ssize_t w = write(f->fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				f->unpacker_gone = true;
				break;
			}
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int feed_layer(int fd, void *ud, struct urun_error *err)
{
	struct feed_ctx *f = ud;
	f->fd = fd;
	return f->src->fetch_blob(f->src, f->layer->digest, f->layer->size, write_sink, f, err);
}

int pull_parse_platform(const char *s, struct pull_opts *o, char **storage, struct urun_error *err)
{
	*storage = xstrdup(s);
	char *save = NULL;
	o->os = strtok_r(*storage, "/", &save);
	o->arch = strtok_r(NULL, "/", &save);
	o->variant = strtok_r(NULL, "/", &save);
	if (!o->os || !o->arch || strtok_r(NULL, "/", &save)) {
		int r = urun_error_set(err, 0, "--platform `%s`: expected OS/ARCH[/VARIANT], e.g. linux/arm64", s);
		return r;
	}
	return 0;
}

#define PULL_MAX_PARALLEL 6

struct layer_job {
	struct store_layer_tx tx;
	struct image_source src;     /* a clone: sources are not shared between threads */
	struct feed_ctx f;
	bool threaded;
	struct urun_error err;
	int r;
};

/* Threads only move bytes from a source into an unpacker's pipe; every
 * fork (the unpackers, store cleanups) happens in the main thread, while no
 * other thread runs. */
static void *feed_thread(void *arg)
{
	struct layer_job *j = arg;
	progress_set(j->f.progress, j->f.index, j->f.layer->digest, j->f.layer->size);
	j->r = feed_layer(j->tx.data_fd, &j->f, &j->err);
	return NULL;
}

static int run_batch(struct store *s, struct image_source *src, const struct image_manifest *man,
		     const struct image_config *cfg, struct progress *progress,
		     struct pull_stats *st, size_t *idx, size_t n, bool wait, size_t *deferred,
		     size_t *n_deferred, struct urun_error *err)
{
	struct layer_job jobs[PULL_MAX_PARALLEL];
	pthread_t th[PULL_MAX_PARALLEL];
	size_t started = 0;
	int r = 0;

	for (size_t k = 0; k < n && r == 0; k++) {
		struct layer_job *j = &jobs[started];
		memset(j, 0, sizeof(*j));
		r = store_layer_begin(s, cfg->diff_ids[idx[k]], wait, &j->tx, err);
		if (r < 0)
			break;
		if (j->tx.busy) {
			deferred[(*n_deferred)++] = idx[k];
			continue;
		}
		if (j->tx.present) {
			progress_present(progress, idx[k], man->layers[idx[k]].digest);
			st->present++;
			continue;
		}
		j->f = (struct feed_ctx){.layer = &man->layers[idx[k]], .progress = progress, .index = idx[k]};
		if (src->clone && src->clone(src, &j->src, &j->err) == 0) {
			j->f.src = &j->src;
			j->threaded = true;
		} else {
			urun_error_clear(&j->err);
			j->f.src = src;
		}
		started++;
	}
	/* Sources without clone feed here, one after the other; the rest at once. */
	for (size_t i = 0; i < started; i++)
		if (!jobs[i].threaded || pthread_create(&th[i], NULL, feed_thread, &jobs[i]) != 0) {
			jobs[i].threaded = false;
			feed_thread(&jobs[i]);
		}
	for (size_t i = 0; i < started; i++) {
		struct layer_job *j = &jobs[i];
		if (j->threaded)
			pthread_join(th[i], NULL);
		int fr = store_layer_finish(&j->tx, j->r, &j->err);
		progress_done(progress, j->f.index, fr == 0);
		st->bytes += j->f.bytes;
		if (fr < 0 && r == 0) {
			*err = j->err;
			memset(&j->err, 0, sizeof(j->err));
			r = fr;
			urun_error_wrap(err, "layer %zu of %zu", j->f.index + 1, man->n_layers);
		}
		urun_error_clear(&j->err);
		if (j->f.src == &j->src)
			j->src.close(&j->src);
	}
	return r;
}

/* All missing layers at once (bounded): each streams from its own source
 * handle through its own unpacker. Layers another process is unpacking are
 * waited for afterwards, one at a time (waiting inside a batch could
 * deadlock two pulls that take shared layers in different orders). */
static int pull_layers(struct store *s, struct image_source *src, const struct image_manifest *man,
		       const struct image_config *cfg, struct progress *progress,
		       struct pull_stats *st, struct urun_error *err)
{
	_cleanup_free_ size_t *deferred = xcalloc(man->n_layers + 1, sizeof(size_t));
	size_t n_deferred = 0, idx[PULL_MAX_PARALLEL];
	int r = 0;
	for (size_t next = 0; next < man->n_layers && r == 0;) {
		size_t n = 0;
		while (next < man->n_layers && n < PULL_MAX_PARALLEL)
			idx[n++] = next++;
		r = run_batch(s, src, man, cfg, progress, st, idx, n, false, deferred, &n_deferred,
			      err);
	}
	for (size_t i = 0; i < n_deferred && r == 0; i++) {
		size_t none = 0;
		r = run_batch(s, src, man, cfg, progress, st, &deferred[i], 1, true, NULL, &none,
			      err);
	}
	return r;
}

/* Resolve tag -> manifest, following an index to this platform. */
static int get_image_manifest(struct image_source *src, const struct pull_opts *o, struct source_manifest *m,
			      char digest[DIGEST_LEN + 1], struct urun_error *err)
{
	int r = src->get_manifest(src, src->reference, m, err);
	if (r < 0)
		return r;
	if (manifest_is_index(m->media_type, m->body, m->len)) {
		const char *arch, *variant;
		manifest_host_platform(&arch, &variant);
		struct descriptor d;
		r = manifest_index_select(m->body, m->len, o->os ? o->os : "linux", o->arch ? o->arch : arch,
					  o->arch ? o->variant : variant, &d, err);
		source_manifest_free(m);
		if (r < 0)
			return r;
		r = src->get_manifest(src, d.digest, m, err);
		if (r == 0) {
			digest_sha256(m->body, m->len, digest);
			if (strcmp(digest, d.digest) != 0)
				r = urun_error_set(err, 0, "manifest `%s` does not match its digest", d.digest);
		}
		descriptor_free(&d);
		return r;
	}
	digest_sha256(m->body, m->len, digest);
	if (strncmp(src->reference, "sha256:", 7) == 0 && strcmp(digest, src->reference) != 0)
		return urun_error_set(err, 0, "manifest `%s` does not match its digest", src->reference);
	return 0;
}

/* True when the store already holds the whole image under this name, from
 * this manifest, in your store: the pull would change nothing. out then
 * receives that record. */
static bool is_current(struct store *s, const char *name, const char *mdigest,
		       const struct image_manifest *man, const struct image_config *cfg,
		       struct store_image *out)
{
	for (size_t i = 0; i < cfg->n_diff_ids; i++)
		if (!store_has_layer(s, cfg->diff_ids[i]))
			return false;
	struct store_image *v;
	size_t n, i;
	if (store_list_images(s, &v, &n, NULL) < 0)
		return false;
	/* yours come first: a name only a read-only store has is not yet yours */
	for (i = 0; i < n && strcmp(v[i].name, name) != 0; i++)
		;
	bool current = i < n && !v[i].store && strcmp(v[i].manifest, mdigest) == 0 &&
		       strcmp(v[i].config, man->config.digest) == 0;
	if (current) {
		*out = v[i];
		memset(&v[i], 0, sizeof(v[i]));
	}
	store_images_free(v, n);
	return current;
}

int image_pull(struct store *s, struct image_source *src, const struct pull_opts *o, struct store_image *out,
	       struct urun_error *err)
{
	struct source_manifest m = {0};
	struct image_manifest man = {0};
	struct image_config cfg = {0};
	char mdigest[DIGEST_LEN + 1];
	char *cbuf = NULL;
	size_t clen = 0;
	struct timespec t0, t1;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(out, 0, sizeof(*out));
	if ((r = get_image_manifest(src, o, &m, mdigest, err)) < 0 || (r = manifest_parse(m.body, m.len, &man, err)) < 0)
		goto done;
	if ((r = src->get_blob_mem(src, man.config.digest, man.config.size, &cbuf, &clen, err)) < 0 ||
	    (r = image_config_parse(cbuf, clen, &cfg, err)) < 0)
		goto done;
	if (cfg.n_diff_ids != man.n_layers) {
		r = urun_error_set(err, 0, "the image config lists %zu layers but the manifest %zu", cfg.n_diff_ids,
				   man.n_layers);
		goto done;
	}
	/* run reads a local layout each time (it may have changed), and a pull
	 * may be asked for again: when the store has the image as the source
	 * has it, nothing is written and there is nothing to report. */
	if (is_current(s, src->name, mdigest, &man, &cfg, out)) {
		if (o->report_current && !o->quiet)
			fprintf(stderr, "%s is up to date\n", out->name);
		r = 0;
		goto done;
	}
	if ((r = store_put_blob(s, mdigest, m.body, m.len, err)) < 0 ||
	    (r = store_put_blob(s, man.config.digest, cbuf, clen, err)) < 0)
		goto done;
	int64_t size = 0;
	for (size_t i = 0; i < man.n_layers; i++)
		size += man.layers[i].size;
	/* bars only when something moves */
	size_t missing = 0;
	for (size_t i = 0; i < cfg.n_diff_ids; i++)
		missing += !store_has_layer(s, cfg.diff_ids[i]);
	struct pull_stats st = {0};
	struct progress *progress = progress_new(missing ? man.n_layers : 0, o->quiet);
	r = pull_layers(s, src, &man, &cfg, progress, &st, err);
	progress_free(progress);
	if (r < 0)
		goto done;
	out->name = xstrdup(src->name);
	out->manifest = xstrdup(mdigest);
	out->config = xstrdup(man.config.digest);
	out->layers = NULL;
	for (size_t i = 0; i < cfg.n_diff_ids; i++)
		strv_push(&out->layers, xstrdup(cfg.diff_ids[i]));
	out->size = size;
	out->created = time(NULL);
	r = store_record_image(s, out, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == 0 && !o->quiet) {
		char present[64] = "";
		if (st.present)
			snprintf(present, sizeof(present), " (%zu already in the store)",
				 st.present);
		fprintf(stderr, "pulled %s: %zu layers%s, %.1f MB in %.2f s\n", out->name,
			man.n_layers, present, (double)st.bytes / 1e6,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
done:
	if (r < 0)
		store_image_free(out);
	free(cbuf);
	source_manifest_free(&m);
	manifest_free(&man);
	image_config_free(&cfg);
	return r;
}
