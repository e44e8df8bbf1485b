/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-system.c: `urun system df` (what the store and the containers take,
 * and what removing them would give back) and `urun system reset` (remove
 * every container, image and record), in podman's words and formats. */
#include "cmd.h"
#include <stdarg.h>
#include "image/store.h"
#include "run/keeper.h"
#include "run/lifecycle.h"
#include "run/state.h"
#include "util/cleanup.h"
#include "util/template.h"

#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

static const char system_usage[] = "Usage: urun system df|reset [OPTIONS]";
static const char df_usage[] = "Usage: urun system df [-v] [--format json|TEMPLATE]";
static const char reset_usage[] = "Usage: urun system reset [-f]";

/* ---- podman's formatting ---- */

/* go-units HumanSize: decimal units, 4 significant digits ("2.141MB", "0B"). */
static char *human_size(uint64_t b)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
	double v = (double)b;
	size_t i = 0;
	while (v >= 1000 && i < ARRAY_SIZE(units) - 1) {
		v /= 1000;
		i++;
	}
	return xasprintf("%.4g%s", v, units[i]);
}

/* go-units HumanDuration, as podman prints CREATED there ("2 weeks"). */
static char *human_duration(int64_t secs)
{
	int64_t m = secs / 60, h = (secs + 1800) / 3600;
	if (secs < 1)
		return xstrdup("Less than a second");
	if (secs == 1)
		return xstrdup("1 second");
	if (secs < 60)
		return xasprintf("%lld seconds", (long long)secs);
	if (m == 1)
		return xstrdup("About a minute");
	if (m < 60)
		return xasprintf("%lld minutes", (long long)m);
	if (h == 1)
		return xstrdup("About an hour");
	if (h < 48)
		return xasprintf("%lld hours", (long long)h);
	if (h < 24 * 7 * 2)
		return xasprintf("%lld days", (long long)(h / 24));
	if (h < 24 * 30 * 2)
		return xasprintf("%lld weeks", (long long)(h / 24 / 7));
	if (h < 24 * 365 * 2)
		return xasprintf("%lld months", (long long)(h / 24 / 30));
	return xasprintf("%lld years", (long long)(secs / 3600 / 24 / 365));
}

/* podman's tabwriter (minimum width 12, padding 2): every column but the
 * last padded. cells: nrows * ncols strings. */
static void print_table(char **cells, size_t nrows, size_t ncols)
{
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];
			if (c == ncols - 1) {
				printf("%s\n", cell);
				continue;
			}
			size_t w = 12;
			for (size_t k = 0; k < nrows; k++)
				if (strlen(cells[k * ncols + c]) + 2 > w)
					w = strlen(cells[k * ncols + c]) + 2;
			printf("%-*s", (int)w, cell);
		}
	}
}

struct table {
	char **cells;
	size_t n, ncols;
};

static void table_add(struct table *t, ...)
{
	va_list ap;
	va_start(ap, t);
	t->cells = xrealloc(t->cells, (t->n + 1) * t->ncols * sizeof(char *));
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->n * t->ncols + c] = va_arg(ap, char *); /* taken over */
	va_end(ap);
	t->n++;
}

static void table_flush(struct table *t)
{
	print_table(t->cells, t->n, t->ncols);
	for (size_t i = 0; i < t->n * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n = 0;
}

/* ---- df ---- */

struct df_image {
	const struct store_image *img; /* the first name of the image */
	size_t containers;
	uint64_t size, shared;
};

struct df {
	struct store s;
	struct store_image *recs; /* your store's records (names) */
	size_t nrecs;
	struct df_image *imgs; /* distinct images */
	size_t nimgs;
	char **layers; /* distinct layer hexes of your images */
	uint64_t *layer_size;
	size_t *layer_users; /* images using each layer */
	struct ctr_state *ctrs;
	size_t nctrs;
	uint64_t *ctr_size;
	uint64_t images_size, images_used, ctrs_size, ctrs_reclaimable;
	size_t images_active, ctrs_active;
};

static size_t layer_index(struct df *d, const char *hex)
{
	size_t i;
	for (i = 0; d->layers[i] && strcmp(d->layers[i], hex) != 0; i++)
		;
	return i;
}

static bool in_store(const struct store *s, const struct ctr_state *st)
{
	_cleanup_free_ char *mine = xasprintf("%s/containers/", s->root);
	return st->ctr_dir && strncmp(st->ctr_dir, mine, strlen(mine)) == 0;
}

static int df_collect(struct df *d, struct urun_ctx *ctx, struct urun_error *err)
{
	struct store_image *all;
	size_t n;
	int r;
	if ((r = store_open(&d->s, &ctx->cfg, err)) < 0 ||
	    (r = store_list_images(&d->s, &all, &n, err)) < 0)
		return r;
	/* Images in a read-only store take none of your space. */
	d->recs = xcalloc(n ? n : 1, sizeof(*d->recs));
	for (size_t i = 0; i < n; i++) {
		if (all[i].store)
			store_image_free(&all[i]);
		else
			d->recs[d->nrecs++] = all[i];
	}
	free(all);
	d->imgs = xcalloc(d->nrecs ? d->nrecs : 1, sizeof(*d->imgs));
	d->layers = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < d->nrecs; i++) {
		bool seen = false;
		for (size_t k = 0; k < d->nimgs && !seen; k++)
			seen = strcmp(d->imgs[k].img->config, d->recs[i].config) == 0;
		if (seen)
			continue;
		d->imgs[d->nimgs++].img = &d->recs[i];
		for (char **l = d->recs[i].layers; l && *l; l++)
			if (strlen(*l) == 71 && !d->layers[layer_index(d, *l + 7)])
				strv_push(&d->layers, xstrdup(*l + 7));
	}
	size_t nl = strv_len(d->layers);
	d->layer_size = xcalloc(nl + 1, sizeof(uint64_t));
	d->layer_users = xcalloc(nl + 1, sizeof(size_t));
	if ((r = store_tree_sizes(&d->s, "layers", d->layers, nl, d->layer_size, err)) < 0)
		return r;

	struct state_dir sd;
	struct urun_error e = {0};
	if (state_dir_open(&sd, &ctx->cfg, &e) == 0 &&
	    state_list(&sd, &d->ctrs, &d->nctrs, &e) == 0) {
		char **ids = xcalloc(d->nctrs + 1, sizeof(char *));
		for (size_t i = 0; i < d->nctrs; i++) {
			state_refresh(&d->ctrs[i]);
			/* a container of another store (--root) has no directory here */
			ids[i] = in_store(&d->s, &d->ctrs[i]) ? d->ctrs[i].id : (char *)"";
		}
		d->ctr_size = xcalloc(d->nctrs + 1, sizeof(uint64_t));
		r = store_tree_sizes(&d->s, "containers", ids, d->nctrs, d->ctr_size, err);
		free(ids);
	}
	urun_error_clear(&e);
	state_dir_close(&sd);
	if (r < 0)
		return r;

	/* Per image: its containers, its bytes; per layer: its images. */
	for (size_t k = 0; k < d->nimgs; k++) {
		struct df_image *im = &d->imgs[k];
		for (size_t i = 0; i < d->nctrs; i++)
			if (d->ctrs[i].image_id &&
			    strcmp(d->ctrs[i].image_id, im->img->config) == 0)
				im->containers++;
		for (char **l = im->img->layers; l && *l; l++)
			if (strlen(*l) == 71)
				d->layer_users[layer_index(d, *l + 7)]++;
	}
	bool *used = xcalloc(nl + 1, sizeof(bool));
	for (size_t k = 0; k < d->nimgs; k++) {
		struct df_image *im = &d->imgs[k];
		int64_t m = store_blob_size(&d->s, im->img->manifest),
			c = store_blob_size(&d->s, im->img->config);
		uint64_t blobs = (uint64_t)(m > 0 ? m : 0) + (uint64_t)(c > 0 ? c : 0);
		im->size = blobs;
		d->images_size += blobs;
		if (im->containers) {
			d->images_active++;
			d->images_used += blobs;
		}
		for (char **l = im->img->layers; l && *l; l++) {
			if (strlen(*l) != 71)
				continue;
			size_t li = layer_index(d, *l + 7);
			im->size += d->layer_size[li];
			if (d->layer_users[li] > 1)
				im->shared += d->layer_size[li];
			if (im->containers && !used[li]) {
				used[li] = true;
				d->images_used += d->layer_size[li];
			}
		}
	}
	for (size_t li = 0; li < nl; li++)
		d->images_size += d->layer_size[li];
	free(used);
	for (size_t i = 0; i < d->nctrs; i++) {
		d->ctrs_size += d->ctr_size[i];
		if (d->ctrs[i].status == CTR_RUNNING)
			d->ctrs_active++;
		else
			d->ctrs_reclaimable += d->ctr_size[i];
	}
	return 0;
}

static void df_free(struct df *d)
{
	store_images_free(d->recs, d->nrecs);
	free(d->imgs);
	strv_free(d->layers);
	free(d->layer_size);
	free(d->layer_users);
	ctr_states_free(d->ctrs, d->nctrs);
	free(d->ctr_size);
	store_close(&d->s);
}

struct df_row {
	const char *type;
	size_t total, active;
	uint64_t size, reclaimable;
};

static char *reclaimable_text(const struct df_row *r)
{
	_cleanup_free_ char *h = human_size(r->reclaimable);
	int pct = r->size ? (int)((double)r->reclaimable / (double)r->size * 100 + 0.5) : 0;
	return xasprintf("%s (%d%%)", h, pct);
}

static struct json_object *row_json(const struct df_row *r)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Type", json_object_new_string(r->type));
	json_object_object_add(o, "Total", json_object_new_int64((int64_t)r->total));
	json_object_object_add(o, "Active", json_object_new_int64((int64_t)r->active));
	json_object_object_add(o, "RawSize", json_object_new_int64((int64_t)r->size));
	json_object_object_add(o, "RawReclaimable", json_object_new_int64((int64_t)r->reclaimable));
	json_object_object_add(o, "TotalCount", json_object_new_int64((int64_t)r->total));
	char *sz = human_size(r->size), *rc = reclaimable_text(r);
	json_object_object_add(o, "Size", json_object_new_string(sz));
	json_object_object_add(o, "Reclaimable", json_object_new_string(rc));
	free(sz);
	free(rc);
	return o;
}

static int df_summary(struct df *d, const char *format, struct urun_error *err)
{
	struct df_row rows[] = {
	    {"Images", d->nrecs, d->images_active, d->images_size, d->images_size - d->images_used},
	    {"Containers", d->nctrs, d->ctrs_active, d->ctrs_size, d->ctrs_reclaimable},
	    {"Local Volumes", 0, 0, 0, 0}, /* urun has no volumes (yet) */
	};
	if (format && strcmp(format, "json") == 0) {
		/* Go's json.MarshalIndent(v, "", "    "), as podman prints it */
		puts("[");
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
			_cleanup_free_ char *sz = human_size(rows[i].size),
					    *rc = reclaimable_text(&rows[i]);
			printf(
			    "    {\n        \"Type\": \"%s\",\n        \"Total\": %zu,\n        "
			    "\"Active\": %zu,\n"
			    "        \"RawSize\": %llu,\n        \"RawReclaimable\": %llu,\n       "
			    " \"TotalCount\": %zu,\n"
			    "        \"Size\": \"%s\",\n        \"Reclaimable\": \"%s\"\n    }%s\n",
			    rows[i].type, rows[i].total, rows[i].active,
			    (unsigned long long)rows[i].size,
			    (unsigned long long)rows[i].reclaimable, rows[i].total, sz, rc,
			    i + 1 < ARRAY_SIZE(rows) ? "," : "");
		}
		puts("]");
		return 0;
	}
	if (format) {
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
			struct json_object *o = row_json(&rows[i]);
			char *line = template_render(format, o, err);
			json_object_put(o);
			if (!line)
				return -EINVAL;
			size_t len = strlen(line);
			printf("%s%s", line, len && line[len - 1] == '\n' ? "" : "\n");
			free(line);
		}
		return 0;
	}
	struct table t = {.ncols = 5};
	table_add(&t, xstrdup("TYPE"), xstrdup("TOTAL"), xstrdup("ACTIVE"), xstrdup("SIZE"),
		  xstrdup("RECLAIMABLE"));
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		table_add(&t, xstrdup(rows[i].type), xasprintf("%zu", rows[i].total),
			  xasprintf("%zu", rows[i].active), human_size(rows[i].size),
			  reclaimable_text(&rows[i]));
	table_flush(&t);
	return 0;
}

static void split_name(const char *name, char **repo, char **tag)
{
	const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*repo = xstrndup(name, (size_t)(colon - name));
		*tag = xstrdup(colon + 1);
	} else {
		*repo = xstrdup(name);
		*tag = xstrdup("<none>");
	}
}

static const struct df_image *image_of(const struct df *d, const char *config)
{
	for (size_t k = 0; k < d->nimgs; k++)
		if (strcmp(d->imgs[k].img->config, config) == 0)
			return &d->imgs[k];
	return NULL;
}

static void df_verbose(struct df *d)
{
	time_t now = time(NULL);
	fputs("Images space usage:\n\n", stdout);
	struct table t = {.ncols = 8};
	table_add(&t, xstrdup("REPOSITORY"), xstrdup("TAG"), xstrdup("IMAGE ID"),
		  xstrdup("CREATED"), xstrdup("SIZE"), xstrdup("SHARED SIZE"),
		  xstrdup("UNIQUE SIZE"), xstrdup("CONTAINERS"));
	for (size_t i = 0; i < d->nrecs; i++) {
		const struct df_image *im = image_of(d, d->recs[i].config);
		char *repo, *tag;
		split_name(d->recs[i].name, &repo, &tag);
		table_add(&t, repo, tag, xasprintf("%.12s", d->recs[i].config + 7),
			  human_duration((int64_t)(now - d->recs[i].created)), human_size(im->size),
			  human_size(im->shared), human_size(im->size - im->shared),
			  xasprintf("%zu", im->containers));
	}
	table_flush(&t);
	fputs("\nContainers space usage:\n\n", stdout);
	t.ncols = 8;
	table_add(&t, xstrdup("CONTAINER ID"), xstrdup("IMAGE"), xstrdup("COMMAND"),
		  xstrdup("LOCAL VOLUMES"), xstrdup("SIZE"), xstrdup("CREATED"), xstrdup("STATUS"),
		  xstrdup("NAMES"));
	for (size_t i = 0; i < d->nctrs; i++) {
		const struct ctr_state *st = &d->ctrs[i];
		char *cmd = xstrdup("");
		for (char **a = st->command; a && *a; a++) {
			char *c = xasprintf("%s%s%s", cmd, *cmd ? " " : "", *a);
			free(cmd);
			cmd = c;
		}
		const char *img = st->image_id && strncmp(st->image_id, "sha256:", 7) == 0
				      ? st->image_id + 7
				      : "";
		table_add(&t, xasprintf("%.12s", st->id), xasprintf("%.12s", img), cmd,
			  xstrdup("0"), human_size(d->ctr_size[i]),
			  human_duration((state_now() - st->created) / 1000000000),
			  xstrdup(state_status_name(st->status)),
			  xstrdup(st->name ? st->name : ""));
	}
	table_flush(&t);
	fputs("\nLocal Volumes space usage:\n\n", stdout);
	t.ncols = 3;
	table_add(&t, xstrdup("VOLUME NAME"), xstrdup("LINKS"), xstrdup("SIZE"));
	table_flush(&t);
}

static int system_df(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'},
					     {"format", required_argument, NULL, 'F'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool verbose = false;
	const char *format = NULL;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'F':
			format = optarg;
			break;
		case 'h':
			printf("%s\n\nShow what images, containers and volumes take in your store, "
			       "and what removing "
			       "the unused ones would give back.\n\nOptions:\n"
			       "      --format json|TEMPLATE  JSON, or a Go template over each "
			       "summary row\n"
			       "                              (.Type .Total .Active .Size "
			       ".Reclaimable .RawSize\n"
			       "                              .RawReclaimable)\n"
			       "  -v, --verbose               one row per image, container and "
			       "volume\n",
			       df_usage);
			return 0;
		default:
			return cmd_bad_option(err, "system df", df_usage, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_bad_operands(err, "system df", df_usage,
					"`urun system df` takes no arguments");
	if (format && verbose)
		return cmd_bad_operands(err, "system df", df_usage,
					"cannot combine --format and --verbose flags");
	if (format && strcmp(format, "json") != 0 && !template_is_template(format))
		return cmd_bad_operands(err, "system df", df_usage,
					"--format takes json or a {{...}} template");
	struct df d = {.s = {.rootfd = -1}};
	if ((r = df_collect(&d, ctx, err)) == 0) {
		if (verbose)
			df_verbose(&d);
		else
			r = df_summary(&d, format, err);
	}
	df_free(&d);
	return r;
}

/* ---- reset ---- */

/* podman's prompt: a line whose first letter is y or Y goes on; any other
 * line stops with nothing removed (status 0); no answer at all (end of
 * input, as with </dev/null) is an error (status 1). */
static int confirm(const struct store *s, const char *rundir, struct urun_error *err)
{
	printf("WARNING! This will remove:\n"
	       "        - all containers\n"
	       "        - all images\n"
	       "        - the image store: \"%s\"\n"
	       "        - the runtime directory: \"%s\"\n"
	       "Are you sure you want to continue? [y/N] ",
	       s->root, rundir);
	fflush(stdout);
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	if (getline(&line, &cap, stdin) < 0) {
		int r = urun_error_set(
		    err, 0, "system reset: no answer on standard input: nothing was removed");
		urun_error_hint(err, "answer y, or use --force");
		err->status = 1;
		return r;
	}
	return tolower((unsigned char)line[0]) == 'y' ? 1 : 0;
}

/* The runtime dir's entries urun makes, then the dir unless it holds more. */
static int reset_rundir(struct store *s, const char *path, struct urun_error *err)
{
	static const char *const entries[] = {"containers", "userns", "lock"};
	_cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			   ? 0
			   : urun_error_set(err, errno, "opening the runtime dir `%s`", path);
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		int r = store_remove_tree(s, fd, entries[i], err);
		if (r < 0) {
			if (!err->msg)
				urun_error_set(err, -r, "removing `%s/%s`", path, entries[i]);
			return r;
		}
	}
	if (rmdir(path) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		return urun_error_set(err, errno, "removing the runtime dir `%s`", path);
	return 0;
}

static int stop_all(struct state_dir *sd, struct urun_error *err)
{
	struct ctr_state *v = NULL;
	size_t n = 0;
	int r = state_list(sd, &v, &n, err);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i].status == CTR_RUNNING)
			r = ctr_stop(&v[i], SIGKILL, 0, err);
		else
			ctr_wait(&v[i], 5000); /* a monitor writing the exit: let it finish */
	}
	ctr_states_free(v, n);
	_cleanup_free_ char *keepers = xasprintf("%s/userns", sd->path);
	keeper_stop_all(keepers);
	return r;
}

static int system_reset(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool force = false;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'f') {
			force = true;
		} else if (c == 'h') {
			printf("%s\n\nReset urun's storage: stop and remove all containers, remove "
			       "all images "
			       "and the runtime\ndirectory. urun.conf, registry credentials and "
			       "caches stay.\n\n"
			       "Options:\n  -f, --force   do not prompt for confirmation\n",
			       reset_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "system reset", reset_usage, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_bad_operands(err, "system reset", reset_usage,
					"`urun system reset` takes no arguments");
	struct store s;
	struct state_dir sd = {.fd = -1, .lockfd = -1};
	if ((r = store_open(&s, &ctx->cfg, err)) == 0 &&
	    (r = state_dir_open(&sd, &ctx->cfg, err)) == 0 && !force)
		r = confirm(&s, sd.path, err);
	else if (r == 0)
		r = 1;
	if (r == 1) {
		_cleanup_free_ char *rundir = xstrdup(sd.path);
		/* Nothing may run from a layer or write a record while both go. */
		if ((r = stop_all(&sd, err)) == 0) {
			state_dir_close(&sd);
			if ((r = store_reset(&s, err)) == 0)
				r = reset_rundir(&s, rundir, err);
		}
	}
	state_dir_close(&sd);
	store_close(&s);
	return r;
}

int cmd_system(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	int r;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("%s\n\n  df      show what images, containers and volumes take, and what is "
		       "reclaimable\n"
		       "  reset   remove all containers, images and records (asks first)\n",
		       system_usage);
		if (argc >= 2)
			return 0;
		r = urun_error_set(err, 0, "missing command 'urun system COMMAND'");
		return r;
	}
	optind = 0;
	if (strcmp(argv[1], "df") == 0)
		return system_df(argc - 1, argv + 1, ctx, err);
	if (strcmp(argv[1], "reset") == 0)
		return system_reset(argc - 1, argv + 1, ctx, err);
	r = urun_error_set(err, 0, "unrecognized command `urun system %s`", argv[1]);
	urun_error_hint(err, "%s; see `urun system --help`", system_usage);
	return r;
}
