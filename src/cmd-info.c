/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-info.c: `urun info`: how urun is set up for this user on this host:
 * identity mapping, storage (driver and why), runtime dir, helpers, and
 * every setting with its source. --format json as podman's shape. */
#include "cmd.h"
#include "image/store.h"
#include "rootfs/rootfs.h"
#include "rootfs/rootfs-int.h"
#include "run/cgroup.h"
#include "run/state.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/template.h"
#include "util/xdg.h"

#include <getopt.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <fcntl.h>

#include <pwd.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>

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
	case 0xEF53:
		return "ext4";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x01021994:
		return "tmpfs";
	case 0x6969:
		return "nfs";
	case 0xFF534D42:
		return "cifs";
	case 0x65735546:
		return "fuse";
	case 0x47504653:
		return "gpfs";
	case 0x0BD00BD0:
		return "lustre";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* ---- checks: each a verdict, what was found, and the fix --------------- */

enum verdict { V_OK, V_WARN, V_FAIL };
static const char *const verdict_names[] = {"ok", "warning", "error"};

__attribute__((format(printf, 5, 6))) static void check(struct json_object *list, const char *name,
							enum verdict v, const char *fix,
							const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "status", json_object_new_string(verdict_names[v]));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	if (fix && v != V_OK)
		json_object_object_add(o, "fix", json_object_new_string(fix));
	json_object_array_add(list, o);
}

static long read_long(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long v;
	return f && fscanf(f, "%ld", &v) == 1 ? v : -1;
}

static void check_userns(struct json_object *list)
{
	long max = read_long("/proc/sys/user/max_user_namespaces");
	long clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");
	long aa = read_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	/* The real test: a child makes one. */
	int e = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? (errno & 0xff) : 0);
	int st = 0;
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		e = WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
	if (max == 0)
		check(list, "user namespaces", V_FAIL,
		      "an admin can set it to 15000: sysctl -w user.max_user_namespaces=15000",
		      "user namespaces are disabled: sysctl user.max_user_namespaces=0");
	else if (clone == 0)
		check(list, "user namespaces", V_FAIL,
		      "an admin can allow them: sysctl -w kernel.unprivileged_userns_clone=1",
		      "unprivileged user namespaces are disabled: sysctl "
		      "kernel.unprivileged_userns_clone=0");
	else if (e)
		check(list, "user namespaces", V_FAIL,
		      aa == 1 ? "an admin can give urun an AppArmor profile with `userns,` or set "
				"kernel.apparmor_restrict_unprivileged_userns=0"
			      : "ask an admin which policy (seccomp, LSM, container runtime) "
				"blocks unshare(CLONE_NEWUSER)",
		      "creating a user namespace fails: %s%s", strerror(e),
		      aa == 1 ? " (kernel.apparmor_restrict_unprivileged_userns=1)" : "");
	else
		check(list, "user namespaces", V_OK, NULL, "allowed (user.max_user_namespaces=%ld)",
		      max);
}

static void check_subids(struct json_object *list, const struct urun_config *cfg)
{
	struct container_spec ids;
	spec_init(&ids);
	ids.quiet = true;
	ids.newuidmap = xstrdup(config_get(cfg, "newuidmap"));
	ids.newgidmap = xstrdup(config_get(cfg, "newgidmap"));
	struct urun_error e = {0};
	struct passwd *pw = getpwuid(getuid());
	const char *user = pw ? pw->pw_name : "USER";
	_cleanup_free_ char *add = userns_add_range_hint(user);
	_cleanup_free_ char *fix = xasprintf(
	    "an admin can add ranges: %s (or, with NSS, check `getsubids %s`)", add, user);
	if (userns_plan(&ids, &e) < 0) {
		check(list, "subordinate ids", V_FAIL, fix, "%s", e.msg);
	} else if (!ids.subid_ranges) {
		const char *why = NULL;
		bool helpers = userns_helper_usable(ids.newuidmap, &why) &&
			       userns_helper_usable(ids.newgidmap, &why);
		check(list, "subordinate ids", V_WARN, fix,
		      "%s: containers run with a single-id mapping (files of other owners in "
		      "images belong to you; "
		      "chown and setuid in containers succeed without effect)",
		      helpers ? "no range in /etc/subuid and /etc/subgid for you"
			      : "newuidmap/newgidmap unusable");
	} else {
		uint64_t nu = 0, ng = 0;
		for (size_t i = 1; i < ids.n_uidmap; i++)
			nu += ids.uidmap[i].count;
		for (size_t i = 1; i < ids.n_gidmap; i++)
			ng += ids.gidmap[i].count;
		check(list, "subordinate ids", nu < 65536 || ng < 65536 ? V_WARN : V_OK,
		      "images with ids above the range fail to unpack: an admin can give you 65536 "
		      "ids",
		      "%llu uids, %llu gids", (unsigned long long)nu, (unsigned long long)ng);
	}
	urun_error_clear(&e);
	const char *keys[] = {"newuidmap", "newgidmap"};
	for (size_t i = 0; i < 2; i++) {
		const char *why = NULL, *path = config_get(cfg, keys[i]);
		if (userns_helper_usable(path, &why))
			check(list, keys[i], V_OK, NULL,
			      "`%s`, setuid root or with file capabilities", path);
		else
			check(list, keys[i], V_WARN,
			      "an admin can install it: apt-get install uidmap (setuid root); or "
			      "set its path in urun.conf",
			      "`%s` %s: only a single-id mapping is possible", path, why);
	}
	spec_free(&ids);
}

/* The line of `--version` that names the program (fuse-overlayfs prints
 * libfuse's first). */
static char *version_of(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	_cleanup_free_ char *cmd = xasprintf("'%s' --version 2>&1", path);
	FILE *p = strchr(path, '\'') ? NULL : popen(cmd, "re");
	char line[256], first[256] = "";
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*first && !strstr(line, "unknown argument"))
			snprintf(first, sizeof(first), "%s", line);
		if (strncmp(line, base, strlen(base)) == 0) {
			snprintf(first, sizeof(first), "%s", line);
			break;
		}
	}
	if (p)
		pclose(p);
	return xstrdup(first);
}

static void check_device(struct json_object *list, const char *name, const char *dev,
			 const char *what)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd >= 0) {
		close(fd);
		check(list, name, V_OK, NULL, "`%s` is usable", dev);
	} else if (stat(dev, &st) == 0) {
		_cleanup_free_ char *fix = xasprintf(
		    "an admin can run `chmod 0666 %s` (desktop distributions ship it so)", dev);
		check(list, name, V_WARN, fix,
		      "`%s` is not accessible to you (mode %04o, owner uid %u): %s", dev,
		      (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, what);
	} else {
		check(list, name, V_WARN, "an admin can load the module (modprobe fuse / tun)",
		      "`%s` is missing: %s", dev, what);
	}
}

static void check_helpers(struct json_object *list, const struct urun_config *cfg)
{
	const char *fo = config_get(cfg, "fuse_overlayfs"), *sl = config_get(cfg, "slirp4netns");
	check_device(list, "/dev/fuse", "/dev/fuse", "the fuse-overlayfs driver cannot work");
	if (access(fo, X_OK) == 0) {
		_cleanup_free_ char *v = version_of(fo);
		check(list, "fuse-overlayfs", V_OK, NULL, "`%s`: %s", fo, v);
	} else {
		check(list, "fuse-overlayfs", V_WARN,
		      "apt-get install fuse-overlayfs, or set fuse_overlayfs in urun.conf",
		      "`%s` is not installed: the fuse-overlayfs driver cannot work", fo);
	}
	check_device(list, "/dev/net/tun", "/dev/net/tun",
		     "slirp4netns (the default network) cannot work");
	if (access(sl, X_OK) == 0) {
		_cleanup_free_ char *v = version_of(sl);
		check(list, "slirp4netns", V_OK, NULL, "`%s`: %s", sl, v);
	} else {
		check(list, "slirp4netns", V_FAIL,
		      "apt-get install slirp4netns, or set slirp4netns in urun.conf; --network "
		      "none or host works without",
		      "`%s` is not installed: the default network cannot work", sl);
	}
	const char *pa = config_get(cfg, "pasta");
	if (access(pa, X_OK) == 0)
		check(list, "pasta", V_OK, NULL,
		      "`%s` (--network pasta; slirp4netns stays the default)", pa);
	else
		check(list, "pasta", V_OK, NULL,
		      "`%s` is not installed: only --network pasta needs it (apt-get install "
		      "passt)",
		      pa);
	const char *cg = cgroup_limits_unavailable();
	if (cg)
		check(list, "cgroups", V_WARN,
		      "an admin can boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) and "
		      "Delegate=yes in "
		      "user@.service",
		      "%s: --memory, --cpus and --pids-limit are not applied (one warning per run)",
		      cg);
	else
		check(list, "cgroups", V_OK, NULL, "cgroup v2, delegated: resource limits apply");
}

static void check_dirs(struct json_object *list, const struct urun_config *cfg, struct store *s,
		       bool store_ok, const char *store_err, const char *store_hint)
{
	char *rd = state_dir_path(cfg);
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct state_dir sd;
	struct urun_error e = {0};
	if (state_dir_open(&sd, cfg, &e) == 0)
		check(list, "runtime dir", V_OK, NULL, "`%s`%s", rd,
		      x && *x ? ""
			      : " (XDG_RUNTIME_DIR is not set, as under su, cron or a batch job: a "
				"private "
				"directory in /tmp is used)");
	else
		check(list, "runtime dir", V_FAIL,
		      e.hint ? e.hint : "set runtime_dir in urun.conf to a directory of yours",
		      "%s", e.msg);
	urun_error_clear(&e);
	state_dir_close(&sd);
	free(rd);
	if (!store_ok) {
		check(list, "image store", V_FAIL,
		      store_hint ? store_hint
				 : "set storage_root in urun.conf to a local directory of yours",
		      "%s", store_err);
		return;
	}
	struct statfs sfs;
	const char *net = s->moved_from ? NULL : store_network_fs(cfg, s->root);
	if (s->moved_from)
		check(list, "image store", V_WARN,
		      "urun did it (images are kept on this machine only); to choose the place, "
		      "set storage_root, "
		      "or for everyone local_storage_root in " CONFIG_SYSTEM_FILE,
		      "`%s` is on %s, so the store is node-local: `%s`", s->moved_from,
		      s->moved_why, s->root);
	else if (net)
		check(
		    list, "image store", V_WARN,
		    "set storage_root (or, for everyone, local_storage_root in "
		    CONFIG_SYSTEM_FILE ") to node-local "
		    "storage",
		    "`%s` is on %s: overlay upper dirs and subordinate-id owners do not work there",
		    s->root, net);
	else
		check(list, "image store", V_OK, NULL, "`%s` (%s)", s->root,
		      statfs(s->root, &sfs) == 0 ? fs_name((long)sfs.f_type)
						 : "unknown filesystem");
	char why[600];
	if (rootfs_probe_overlay(s, why, sizeof(why)) == 0)
		check(list, "kernel overlay", V_OK, NULL, "%s", why);
	else
		check(list, "kernel overlay", V_WARN,
		      "urun falls back to fuse-overlayfs, else vfs (slower): see the storage "
		      "driver below",
		      "%s", why);
	for (size_t k = 0; k < s->n_extra; k++)
		check(list, "additional store", V_OK, NULL, "`%s` (read-only)", s->extra[k].root);
	for (char **r = s->refused; r && *r; r++)
		check(list, "additional store", V_FAIL,
		      "a store is used only when root (or you) owns it and no other user can write "
		      "it or a directory above it: an administrator fixes the owner or mode "
		      "named, or removes it from additional_stores",
		      "refused, not used: %s", *r);
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
	ids.quiet = true; /* the checks say it, with the fix */
	ids.newuidmap = xstrdup(config_get(&ctx->cfg, "newuidmap"));
	ids.newgidmap = xstrdup(config_get(&ctx->cfg, "newgidmap"));
	struct urun_error e = {0};
	if (userns_plan(&ids, &e) == 0) {
		char *um = userns_format_map(ids.uidmap, ids.n_uidmap),
		     *gm = userns_format_map(ids.gidmap, ids.n_gidmap);
		json_object_object_add(host, "uidmap", json_object_new_string(um));
		json_object_object_add(host, "gidmap", json_object_new_string(gm));
		json_object_object_add(host, "subordinateIds",
				       json_object_new_boolean(ids.subid_ranges));
		free(um);
		free(gm);
	}
	urun_error_clear(&e);
	spec_free(&ids);
	json_object_object_add(host, "newuidmap", helper(config_get(&ctx->cfg, "newuidmap"), NULL));
	json_object_object_add(host, "newgidmap", helper(config_get(&ctx->cfg, "newgidmap"), NULL));
	json_object_object_add(host, "fuseOverlayfs",
			       helper(config_get(&ctx->cfg, "fuse_overlayfs"), "--version"));
	json_object_object_add(host, "slirp4netns",
			       helper(config_get(&ctx->cfg, "slirp4netns"), "--version"));
	char *rd = state_dir_path(&ctx->cfg);
	json_object_object_add(host, "runtimeDir", json_object_new_string(rd));
	free(rd);
	json_object_object_add(o, "host", host);

	struct json_object *checks = json_object_new_array();
	check_userns(checks);
	check_subids(checks, &ctx->cfg);
	check_helpers(checks, &ctx->cfg);
	struct store s;
	bool store_ok = store_open(&s, &ctx->cfg, &e) == 0;
	check_dirs(checks, &ctx->cfg, &s, store_ok, e.msg ? e.msg : "", e.hint);
	if (store_ok) {
		struct rootfs_choice c;
		json_object_object_add(store, "root", json_object_new_string(s.root));
		struct statfs sfs;
		if (statfs(s.root, &sfs) == 0)
			json_object_object_add(store, "filesystem",
					       json_object_new_string(fs_name((long)sfs.f_type)));
		if (rootfs_choose(&s, &ctx->cfg, NULL, &c, &e) == 0) {
			json_object_object_add(
			    store, "driver", json_object_new_string(rootfs_driver_name(c.driver)));
			json_object_object_add(store, "driverReason",
					       json_object_new_string(c.reason));
			json_object_object_add(store, "driverSource",
					       json_object_new_string(c.source));
			rootfs_choice_free(&c);
		} else {
			json_object_object_add(store, "driverError",
					       json_object_new_string(e.msg ? e.msg : ""));
		}
	} else {
		json_object_object_add(store, "error", json_object_new_string(e.msg ? e.msg : ""));
	}
	urun_error_clear(&e);
	store_close(&s);
	json_object_object_add(o, "store", store);
	json_object_object_add(o, "checks", checks);
	for (unsigned i = 0; i < ctx->cfg.n; i++) {
		const struct config_entry *ce = &ctx->cfg.entries[i];
		struct json_object *v = json_object_new_object();
		json_object_object_add(v, "value",
				       json_object_new_string(config_get(&ctx->cfg, ce->key)));
		json_object_object_add(v, "source",
				       json_object_new_string(config_source(&ctx->cfg, ce->key)));
		json_object_object_add(cfgo, ce->key, v);
	}
	json_object_object_add(o, "config", cfgo);
	struct json_object *files = json_object_new_array();
	_cleanup_free_ char *user_conf = xdg_path("XDG_CONFIG_HOME", ".config", "urun/urun.conf");
	const char *paths[] = {CONFIG_SYSTEM_FILE, user_conf};
	for (size_t i = 0; i < 2; i++)
		if (paths[i]) {
			struct json_object *f = json_object_new_object();
			json_object_object_add(f, "path", json_object_new_string(paths[i]));
			json_object_object_add(
			    f, "read", json_object_new_boolean(access(paths[i], R_OK) == 0));
			json_object_array_add(files, f);
		}
	json_object_object_add(o, "configFiles", files);
	return o;
}

static const char *get(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x = o, *y;
	if ((a && !json_object_object_get_ex(o, a, &x)) || !json_object_object_get_ex(x, b, &y))
		return "";
	return json_object_get_string(y);
}

int cmd_info(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *format = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'h') {
			printf("%s\n\nShow how urun is set up here: id mapping, storage driver and "
			       "why, runtime dir,\n"
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
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
					  JSON_C_TO_STRING_SPACED));
	} else if (format) {
		char *s = template_render(format, o, err);
		if (s)
			printf("%s\n", s);
		else
			r = -EINVAL;
		free(s);
	} else {
		struct json_object *checks;
		json_object_object_get_ex(o, "checks", &checks);
		printf("checks:\n");
		for (size_t i = 0; i < json_object_array_length(checks); i++) {
			struct json_object *ck = json_object_array_get_idx(checks, i), *fix;
			printf("  %-8s %s: %s\n", get(ck, NULL, "status"), get(ck, NULL, "name"),
			       get(ck, NULL, "detail"));
			if (json_object_object_get_ex(ck, "fix", &fix))
				printf("           fix: %s\n", json_object_get_string(fix));
		}
		printf("host:\n  kernel: %s\n  uidmap: %s\n  gidmap: %s\n  runtimeDir: %s\n",
		       get(o, "host", "kernel"), get(o, "host", "uidmap"), get(o, "host", "gidmap"),
		       get(o, "host", "runtimeDir"));
		printf("store:\n  root: %s\n  filesystem: %s\n  driver: %s\n  driverReason: %s\n  "
		       "driverSource: %s\n",
		       get(o, "store", "root"), get(o, "store", "filesystem"),
		       get(o, "store", "driver"), get(o, "store", "driverReason"),
		       get(o, "store", "driverSource"));
		if (*get(o, "store", "driverError"))
			printf("  driverError: %s\n", get(o, "store", "driverError"));
		struct json_object *files;
		json_object_object_get_ex(o, "configFiles", &files);
		printf("config files:\n");
		for (size_t i = 0; i < json_object_array_length(files); i++) {
			struct json_object *f = json_object_array_get_idx(files, i);
			printf("  %s (%s)\n", get(f, NULL, "path"),
			       strcmp(get(f, NULL, "read"), "true") == 0 ? "read" : "not present");
		}
		printf("config:\n");
		for (unsigned i = 0; i < ctx->cfg.n; i++) {
			const char *k = ctx->cfg.entries[i].key;
			printf("  %s: %s (%s)\n", k, config_get(&ctx->cfg, k),
			       config_source(&ctx->cfg, k));
		}
	}
	json_object_put(o);
	return r;
}
