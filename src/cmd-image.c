/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-image.c: `urun image SUBCOMMAND`: inspect and prune here; the other
 * subcommands are the top-level verbs under podman's names. */
#include "cmd.h"
#include "image/lookup.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/store.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <json-c/json.h>

static const char image_usage[] = "Usage: urun image inspect|prune|ls|rm|pull|tag [ARG...]";

static struct json_object *strv_json(char **v)
{
	struct json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* podman-shaped: an array with one object per image asked for. */
static int inspect(struct store *s, char **names, struct urun_error *err)
{
	struct json_object *arr = json_object_new_array();
	int r = 0;
	for (; *names && r == 0; names++) {
		struct store_image img, *all = NULL;
		struct image_config cfg;
		char *buf = NULL;
		size_t len, n = 0;
		if ((r = image_find_local(s, *names, &img, err)) < 0)
			break;
		if ((r = store_get_blob(s, img.config, &buf, &len, err)) < 0 ||
		    (r = image_config_parse(buf, len, &cfg, err)) < 0) {
			free(buf);
			store_image_free(&img);
			break;
		}
		free(buf);
		struct json_object *o = json_object_new_object(), *tags = json_object_new_array(),
				   *digests = json_object_new_array(), *c = json_object_new_object(),
				   *ports = json_object_new_object(), *rootfs = json_object_new_object();
		store_list_images(s, &all, &n, NULL);
		for (size_t i = 0; i < n; i++)
			if (strcmp(all[i].config, img.config) == 0) {
				json_object_array_add(tags, json_object_new_string(all[i].name));
				const char *colon = strrchr(all[i].name, ':'), *slash = strrchr(all[i].name, '/');
				size_t base = colon && (!slash || colon > slash) ? (size_t)(colon - all[i].name)
										 : strlen(all[i].name);
				char *rd = xasprintf("%.*s@%s", (int)base, all[i].name, all[i].manifest);
				json_object_array_add(digests, json_object_new_string(rd));
				free(rd);
			}
		store_images_free(all, n);
		json_object_object_add(o, "Id", json_object_new_string(img.config + 7));
		json_object_object_add(o, "Digest", json_object_new_string(img.manifest));
		json_object_object_add(o, "RepoTags", tags);
		json_object_object_add(o, "RepoDigests", digests);
		json_object_object_add(o, "Architecture", json_object_new_string(cfg.architecture ? cfg.architecture : ""));
		json_object_object_add(o, "Os", json_object_new_string(cfg.os ? cfg.os : ""));
		/* podman: the config's time as written (RFC 3339, its own zone),
		 * null when the config has none */
		char created[64];
		if (cfg.has_created)
			timefmt_rfc3339(&cfg.created, created, sizeof(created));
		json_object_object_add(o, "Created",
				       cfg.has_created ? json_object_new_string(created) : NULL);
		json_object_object_add(c, "Env", strv_json(cfg.env));
		json_object_object_add(c, "Entrypoint", strv_json(cfg.entrypoint));
		json_object_object_add(c, "Cmd", strv_json(cfg.cmd));
		json_object_object_add(c, "WorkingDir", json_object_new_string(cfg.workdir ? cfg.workdir : ""));
		json_object_object_add(c, "User", json_object_new_string(cfg.user ? cfg.user : ""));
		for (char **p = cfg.exposed_ports; p && *p; p++)
			json_object_object_add(ports, *p, json_object_new_object());
		json_object_object_add(c, "ExposedPorts", ports);
		json_object_object_add(o, "Config", c);
		json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
		json_object_object_add(rootfs, "Layers", strv_json(img.layers));
		json_object_object_add(o, "RootFS", rootfs);
		json_object_object_add(o, "Size", json_object_new_int64(img.size));
		json_object_object_add(o, "Stored", json_object_new_int64((int64_t)img.created));
		json_object_array_add(arr, o);
		image_config_free(&cfg);
		store_image_free(&img);
	}
	if (r == 0)
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return r;
}

int cmd_image(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct {
		const char *name;
		cmd_fn fn;
	} alias[] = {{"ls", cmd_images}, {"list", cmd_images}, {"rm", cmd_rmi}, {"pull", cmd_pull}, {"tag", cmd_tag}};
	int r;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("%s\n\n  inspect IMAGE...  show images as JSON\n  prune             remove layers and blobs no "
		       "image uses\n  ls, rm, pull, tag the same as urun images, rmi, pull, tag\n",
		       image_usage);
		return argc < 2 ? urun_error_set(err, 0, "image: no subcommand given") : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(alias); i++)
		if (strcmp(argv[1], alias[i].name) == 0) {
			optind = 0;
			return alias[i].fn(argc - 1, argv + 1, ctx, err);
		}
	bool is_inspect = strcmp(argv[1], "inspect") == 0, is_prune = strcmp(argv[1], "prune") == 0;
	if (!is_inspect && !is_prune) {
		r = urun_error_set(err, 0, "image: unknown subcommand `%s`", argv[1]);
		urun_error_hint(err, "%s", image_usage);
		return r;
	}
	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '-' && strcmp(argv[i], "-f") != 0 && strcmp(argv[i], "--force") != 0 &&
		    strcmp(argv[i], "-a") != 0 && strcmp(argv[i], "--all") != 0)
			return cmd_bad_option(err, is_inspect ? "image inspect" : "image prune", image_usage, argv[i]);
	if (is_inspect && argc < 3)
		return cmd_bad_operands(err, "image inspect", image_usage, "no image given");
	struct store s;
	if ((r = store_open(&s, &ctx->cfg, err)) == 0) {
		if (is_inspect) {
			r = inspect(&s, argv + 2, err);
		} else {
			uint64_t removed = 0;
			r = store_prune(&s, &removed, err);
			if (r == 0)
				printf("removed %llu unused layers and blobs\n", (unsigned long long)removed);
		}
	}
	store_close(&s);
	return r;
}
