/* cmd-info.c: `urun info`: how urun is set up for this user on this host:
 * identity mapping, storage (driver and why), runtime dir, helpers, and
 * every setting with its source. --format json as podman's shape. */
#include "cmd.h"
#include "image/store.h"
#include "rootfs/rootfs.h"
#include "run/state.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/template.h"

#include <getopt.h>
#include <json-c/json.h>
#include <sys/utsname.h>
#include <sys/vfs.h>

static const char info_usage[] = "Usage: urun info [--format json|TEMPLATE]";

static char *first_line_of(const char *cmd)
{
	FILE *p = popen(cmd, "re");
	char buf[256] = "";
	if (!p)
		return xstrdup("");
	if (!fgets(buf, sizeof(buf), p))
		buf[0] = '\0';
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

static struct json_object *helper(const char *path, const char *version_cmd)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "usable", json_object_new_boolean(access(path, X_OK) == 0));
	if (version_cmd && access(path, X_OK) == 0) {
		char *cmd = xasprintf("'%s' %s 2>&1", path, version_cmd);
		char *v = first_line_of(cmd);
		json_object_object_add(o, "version", json_object_new_string(v));
		free(v);
		free(cmd);
	}
	return o;
}

static const char *fs_name(long type)
{
	switch ((unsigned long)type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683E: return "btrfs";
	case 0x01021994: return "tmpfs";
	case 0x6969: return "nfs";
	case 0xFF534D42: return "cifs";
	case 0x65735546: return "fuse";
	case 0x47504653: return "gpfs";
	case 0x0BD00BD0: return "lustre";
	case 0x794c7630: return "overlayfs";
	default: return "other";
	}
}

static struct json_object *build_info(struct urun_ctx *ctx)
{
	struct json_object *o = json_object_new_object(), *host = json_object_new_object(),
			   *store = json_object_new_object(), *cfgo = json_object_new_object();
	struct utsname u;
	uname(&u);
	json_object_object_add(host, "kernel", json_object_new_string(u.release));
	json_object_object_add(host, "arch", json_object_new_string(u.machine));
	json_object_object_add(host, "uid", json_object_new_int((int)getuid()));
	struct container_spec ids;
	spec_init(&ids);
	ids.newuidmap = xstrdup(config_get(&ctx->cfg, "newuidmap"));
	ids.newgidmap = xstrdup(config_get(&ctx->cfg, "newgidmap"));
	struct urun_error e = {0};
	if (userns_plan(&ids, &e) == 0) {
		char *um = userns_format_map(ids.uidmap, ids.n_uidmap), *gm = userns_format_map(ids.gidmap, ids.n_gidmap);
		json_object_object_add(host, "uidmap", json_object_new_string(um));
		json_object_object_add(host, "gidmap", json_object_new_string(gm));
		json_object_object_add(host, "subordinateIds", json_object_new_boolean(ids.subid_ranges));
		free(um);
		free(gm);
	}
	urun_error_clear(&e);
	spec_free(&ids);
	json_object_object_add(host, "newuidmap", helper(config_get(&ctx->cfg, "newuidmap"), NULL));
	json_object_object_add(host, "newgidmap", helper(config_get(&ctx->cfg, "newgidmap"), NULL));
	json_object_object_add(host, "fuseOverlayfs", helper(config_get(&ctx->cfg, "fuse_overlayfs"), "--version"));
	json_object_object_add(host, "slirp4netns", helper(config_get(&ctx->cfg, "slirp4netns"), "--version"));
	char *rd = state_dir_path(&ctx->cfg);
	json_object_object_add(host, "runtimeDir", json_object_new_string(rd));
	free(rd);
	json_object_object_add(o, "host", host);

	struct store s;
	if (store_open(&s, &ctx->cfg, &e) == 0) {
		struct rootfs_choice c;
		json_object_object_add(store, "root", json_object_new_string(s.root));
		struct statfs sfs;
		if (statfs(s.root, &sfs) == 0)
			json_object_object_add(store, "filesystem", json_object_new_string(fs_name((long)sfs.f_type)));
		if (rootfs_choose(&s, &ctx->cfg, NULL, &c, &e) == 0) {
			json_object_object_add(store, "driver", json_object_new_string(rootfs_driver_name(c.driver)));
			json_object_object_add(store, "driverReason", json_object_new_string(c.reason));
			json_object_object_add(store, "driverSource", json_object_new_string(c.source));
			rootfs_choice_free(&c);
		} else {
			json_object_object_add(store, "driverError", json_object_new_string(e.msg ? e.msg : ""));
		}
	} else {
		json_object_object_add(store, "error", json_object_new_string(e.msg ? e.msg : ""));
	}
	urun_error_clear(&e);
	store_close(&s);
	json_object_object_add(o, "store", store);
	for (unsigned i = 0; i < ctx->cfg.n; i++) {
		const struct config_entry *ce = &ctx->cfg.entries[i];
		struct json_object *v = json_object_new_object();
		json_object_object_add(v, "value", json_object_new_string(config_get(&ctx->cfg, ce->key)));
		json_object_object_add(v, "source", json_object_new_string(config_source(&ctx->cfg, ce->key)));
		json_object_object_add(cfgo, ce->key, v);
	}
	json_object_object_add(o, "config", cfgo);
	return o;
}

static const char *get(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;
	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return "";
	return json_object_get_string(y);
}

int cmd_info(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *format = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'h') {
			printf("%s\n\nShow how urun is set up here: id mapping, storage driver and why, runtime dir,\n"
			       "helpers and every setting with where it came from.\n",
			       info_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "info", info_usage, argv[optind - 1]);
		}
	}
	struct json_object *o = build_info(ctx);
	int r = 0;
	if (format && strcmp(format, "json") == 0) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
								  JSON_C_TO_STRING_SPACED));
	} else if (format) {
		char *s = template_render(format, o, err);
		if (s)
			printf("%s\n", s);
		else
			r = -EINVAL;
		free(s);
	} else {
		printf("host:\n  kernel: %s\n  uidmap: %s\n  gidmap: %s\n  runtimeDir: %s\n", get(o, "host", "kernel"),
		       get(o, "host", "uidmap"), get(o, "host", "gidmap"), get(o, "host", "runtimeDir"));
		printf("store:\n  root: %s\n  filesystem: %s\n  driver: %s\n  driverReason: %s\n  driverSource: %s\n",
		       get(o, "store", "root"), get(o, "store", "filesystem"), get(o, "store", "driver"),
		       get(o, "store", "driverReason"), get(o, "store", "driverSource"));
		if (*get(o, "store", "driverError"))
			printf("  driverError: %s\n", get(o, "store", "driverError"));
		printf("config:\n");
		for (unsigned i = 0; i < ctx->cfg.n; i++) {
			const char *k = ctx->cfg.entries[i].key;
			printf("  %s: %s (%s)\n", k, config_get(&ctx->cfg, k), config_source(&ctx->cfg, k));
		}
	}
	json_object_put(o);
	return r;
}
