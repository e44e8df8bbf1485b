/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-rmi.c: `urun rmi`: remove images and give their space back, as
 * podman does: a name of an image with several goes alone (Untagged);
 * the last name takes the image with it (Deleted), with the layers and
 * blobs no other image uses. */
#include "cmd.h"
#include "image/lookup.h"
#include "run/state.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdarg.h>

static const char rmi_usage[] = "Usage: urun rmi [OPTIONS] IMAGE [IMAGE...]";

/* Errors are collected, as podman does: every image is tried, and the
 * exit status says the worst kind (2 in use, 1 only unknown, else 125). */
struct rmi_run {
	struct store s;
	struct state_dir sd;
	bool have_sd, force, ignore;
	char **untagged, **deleted, **errors;
	char *hint;
	bool in_use, unknown, other;
};

static void add_error(struct rmi_run *m, bool *kind, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_error(struct rmi_run *m, bool *kind, const char *hint, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_push(&m->errors, msg);
	*kind = true;
	free(m->hint);
	m->hint = hint ? xstrdup(hint) : NULL;
}

static bool is_id_of(const char *arg, const struct store_image *img)
{
	const char *hex = strncmp(arg, "sha256:", 7) == 0 ? arg + 7 : arg;
	size_t n = strlen(hex);
	return strcmp(arg, img->name) != 0 && n >= 4 && n <= 64 &&
	       strspn(hex, "0123456789abcdef") == n &&
	       (strncmp(img->config + 7, hex, n) == 0 || strncmp(img->manifest + 7, hex, n) == 0);
}

/* The names (records) the image has in your store. */
static char **names_of(struct store *s, const char *config)
{
	struct store_image *v = NULL;
	size_t n = 0;
	char **names = xcalloc(1, sizeof(char *));
	if (store_list_images(s, &v, &n, NULL) == 0)
		for (size_t i = 0; i < n; i++)
			if (!v[i].store && strcmp(v[i].config, config) == 0)
				strv_push(&names, xstrdup(v[i].name));
	store_images_free(v, n);
	return names;
}

/* Containers made from the image: running or kept, they need it (start
 * runs a kept one again). One of another store (--root) does not count. */
static struct ctr_state *users_of(struct rmi_run *m, const char *config, size_t *nu)
{
	struct ctr_state *v = NULL, *u;
	size_t n = 0;
	struct urun_error e = {0};
	*nu = 0;
	if (!m->have_sd || state_list(&m->sd, &v, &n, &e) < 0) {
		urun_error_clear(&e);
		return NULL;
	}
	_cleanup_free_ char *mine = xasprintf("%s/containers/", m->s.root);
	u = xcalloc(n ? n : 1, sizeof(*u));
	for (size_t i = 0; i < n; i++) {
		if (v[i].image_id && strcmp(v[i].image_id, config) == 0 &&
		    (!v[i].ctr_dir || strncmp(v[i].ctr_dir, mine, strlen(mine)) == 0))
			u[(*nu)++] = v[i];
		else
			ctr_state_free(&v[i]);
	}
	free(v);
	return u;
}

/* The whole image: its containers (with force), then every name, layers and blobs. */
static void remove_image(struct rmi_run *m, const struct store_image *img)
{
	size_t nu;
	struct ctr_state *users = users_of(m, img->config, &nu);
	bool ok = true;
	if (nu > 0 && !m->force) {
		_cleanup_free_ char *hint =
		    xasprintf("remove the container first (urun rm %.12s), or use rmi -f, "
			      "which removes it too",
			      users[0].id);
		add_error(m, &m->in_use, hint, "image used by %s: image is in use by a container",
			  users[0].id);
		ok = false;
	} else if (nu == 0 && !m->force && store_image_in_use(&m->s, img)) {
		/* held by a container recorded in another runtime dir */
		add_error(m, &m->in_use, "stop that container first, or use rmi -f",
			  "image `%s` is in use by a running container", img->name);
		ok = false;
	}
	for (size_t i = 0; i < nu && ok; i++) {
		struct urun_error e = {0};
		if (cmd_rm_container(&m->sd, &m->s, &users[i], true, &e) < 0) {
			add_error(m, &m->other, e.hint, "removing container %s: %s", users[i].name,
				  e.msg);
			ok = false;
		}
		urun_error_clear(&e);
	}
	ctr_states_free(users, nu);
	if (!ok)
		return;
	char **names = NULL;
	struct urun_error e = {0};
	int r = store_remove_image(&m->s, img->config, &names, &e);
	for (char **p = names; p && *p; p++)
		strv_push(&m->untagged, xstrdup(*p));
	if (names && *names)
		strv_push(&m->deleted, xstrdup(img->config + 7));
	if (r < 0)
		add_error(m, &m->other, e.hint, "%s", e.msg ? e.msg : "removing the image failed");
	strv_free(names);
	urun_error_clear(&e);
}

static void remove_arg(struct rmi_run *m, const char *arg)
{
	struct store_image img;
	struct urun_error e = {0};
	if (image_find_local(&m->s, arg, &img, &e) < 0) {
		urun_error_clear(&e);
		if (!m->ignore && !m->force)
			add_error(m, &m->unknown, "`urun images` lists what is there",
				  "%s: image not known", arg);
		return;
	}
	_cleanup_strv_ char **names = names_of(&m->s, img.config);
	size_t nn = strv_len(names);
	if (img.store || nn == 0) {
		/* found, but not among your records: in a read-only store */
		add_error(m, &m->other,
			  "it is in a read-only additional store, which urun never changes",
			  "cannot remove read-only image \"%s\"", img.config + 7);
	} else if (nn > 1 && !is_id_of(arg, &img)) {
		/* one name of several: only that name goes */
		if (store_remove_name(&m->s, img.name, &e) == 0)
			strv_push(&m->untagged, xstrdup(img.name));
		else
			add_error(m, &m->other, NULL, "%s", e.msg);
	} else if (nn > 1 && !m->force) {
		_cleanup_free_ char *list = NULL;
		for (char **p = names; *p; p++) {
			char *l = xasprintf("%s%s%s", list ? list : "", list ? " " : "", *p);
			free(list);
			list = l;
		}
		add_error(m, &m->other, "remove it by name, or use rmi -f to remove every name",
			  "unable to delete image \"%s\" by ID with more than one tag ([%s]): "
			  "please force removal",
			  img.config + 7, list);
	} else {
		remove_image(m, &img);
	}
	urun_error_clear(&e);
	store_image_free(&img);
}

/* -a: every image of your store, by id (with all its names). */
static void remove_all(struct rmi_run *m)
{
	struct store_image *v = NULL;
	size_t n = 0;
	struct urun_error e = {0};
	if (store_list_images(&m->s, &v, &n, &e) < 0) {
		add_error(m, &m->other, e.hint, "%s", e.msg);
		urun_error_clear(&e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = v[i].store != NULL; /* read-only stores are not yours to empty */
		for (size_t k = 0; k < i && !seen; k++)
			seen = !v[k].store && strcmp(v[k].config, v[i].config) == 0;
		if (!seen)
			remove_image(m, &v[i]);
	}
	store_images_free(v, n);
}

static int finish(struct rmi_run *m, struct urun_error *err)
{
	for (char **p = m->untagged; p && *p; p++)
		printf("Untagged: %s\n", *p);
	for (char **p = m->deleted; p && *p; p++)
		printf("Deleted: %s\n", *p);
	size_t ne = strv_len(m->errors);
	if (ne == 0)
		return 0;
	int r;
	if (ne == 1) {
		r = urun_error_set(err, 0, "%s", m->errors[0]);
		if (m->hint)
			urun_error_hint(err, "%s", m->hint);
	} else {
		_cleanup_free_ char *all = xasprintf("%zu errors occurred:", ne);
		for (char **p = m->errors; *p; p++) {
			char *a = xasprintf("%s\n\t* %s", all, *p);
			free(all);
			all = a;
		}
		r = urun_error_set(err, 0, "%s", all);
	}
	err->status = m->in_use ? 2 : m->unknown && !m->other ? 1 : EXIT_URUN;
	return r;
}

int cmd_rmi(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},	{"force", no_argument, NULL, 'f'},
	    {"ignore", no_argument, NULL, 'i'}, {"no-prune", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},	{NULL, 0, NULL, 0}};
	struct rmi_run m = {.force = false};
	bool all = false;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+afi", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'f':
			m.force = true;
			break;
		case 'i':
			m.ignore = true;
			break;
		case 'P':
			break; /* no parent images here: nothing dangles */
		case 'h':
			printf(
			    "%s\n\nRemove images from your store, with the layers and blobs no "
			    "other image uses.\n\n"
			    "Options:\n"
			    "  -a, --all      remove all images\n"
			    "  -f, --force    also remove the containers using the image (stopping "
			    "running ones),\n"
			    "                 every name of an image given by id, and ignore "
			    "missing images\n"
			    "  -i, --ignore   ignore errors if a specified image does not exist\n"
			    "      --no-prune accepted for podman compatibility (urun has no "
			    "parent images)\n",
			    rmi_usage);
			return 0;
		default:
			return cmd_bad_option(err, "rmi", rmi_usage, argv[optind - 1]);
		}
	}
	if (all && optind < argc)
		return cmd_bad_operands(
		    err, "rmi", rmi_usage,
		    "when using the --all switch, you may not pass any images names or IDs");
	if (!all && optind >= argc)
		return cmd_bad_operands(err, "rmi", rmi_usage,
					"image name or ID must be specified");
	if ((r = store_open(&m.s, &ctx->cfg, err)) < 0) {
		store_close(&m.s);
		return r;
	}
	struct urun_error e = {0};
	m.have_sd = state_dir_open(&m.sd, &ctx->cfg, &e) == 0; /* no runtime dir: no containers */
	urun_error_clear(&e);
	if (all)
		remove_all(&m);
	for (int i = optind; i < argc; i++)
		remove_arg(&m, argv[i]);
	r = finish(&m, err);
	strv_free(m.untagged);
	strv_free(m.deleted);
	strv_free(m.errors);
	free(m.hint);
	state_dir_close(&m.sd);
	store_close(&m.s);
	return r;
}
