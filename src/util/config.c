/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c: a small reader for urun.conf: `key = value` lines, values
 * quoted or bare, `#` comments, [section] headers accepted and ignored.
 * Unknown keys are errors: a typo must not silently change nothing. */
#include "util/config.h"
#include "util/cleanup.h"
#include "util/xdg.h"

#include <ctype.h>
#include <stdbool.h>

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/urun"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/urun"
#endif
#ifndef NEWUIDMAP_PATH
#define NEWUIDMAP_PATH "/usr/bin/newuidmap"
#endif
#ifndef NEWGIDMAP_PATH
#define NEWGIDMAP_PATH "/usr/bin/newgidmap"
#endif
#ifndef FUSE_OVERLAYFS_PATH
#define FUSE_OVERLAYFS_PATH "/usr/bin/fuse-overlayfs"
#endif
#ifndef SLIRP4NETNS_PATH
#define SLIRP4NETNS_PATH "/usr/bin/slirp4netns"
#endif

static const struct config_entry defaults[] = {
	{"newuidmap", NEWUIDMAP_PATH, "setuid helper that writes uid maps", NULL, NULL},
	{"newgidmap", NEWGIDMAP_PATH, "setuid helper that writes gid maps", NULL, NULL},
	{"fuse_overlayfs", FUSE_OVERLAYFS_PATH, "fuse-overlayfs binary", NULL, NULL},
	{"slirp4netns", SLIRP4NETNS_PATH, "slirp4netns binary", NULL, NULL},
	{"pasta", "/usr/bin/pasta", "pasta binary (--network pasta)", NULL, NULL},
	{"init_path", PKGLIBEXECDIR "/urun-init", "PID 1 for --init", NULL, NULL},
	{"seccomp_profile", "", "seccomp profile (empty: built in, as shipped in seccomp.json)", NULL, NULL},
	{"registries_conf", SYSCONFDIR "/urun/registries.conf", "short-name aliases and search list", NULL,
	 NULL},
	{"storage_root", "", "image store (empty: $XDG_DATA_HOME/urun, or node-local when that is on NFS & co)", NULL,
	 NULL},
	{"local_storage_root", "", "node-local directory for the store (urun-$UID in it) when $XDG_DATA_HOME is on "
				   "a network filesystem (empty: $TMPDIR, else /var/tmp)", NULL, NULL},
	{"storage_fs", "auto", "filesystem of the default store: auto (statfs), or declared (nfs, gpfs, lustre, ...)",
	 NULL, NULL},
	{"additional_stores", "", "read-only image stores an admin filled (\"/a:/b\" or [\"/a\", \"/b\"])", NULL,
	 NULL},
	{"runtime_dir", "", "container state (empty: $XDG_RUNTIME_DIR/urun or /tmp/urun-$UID)", NULL, NULL},
	{"driver", "auto", "rootfs driver: auto, overlay, fuse-overlayfs, vfs", NULL, NULL},
	{"stop_timeout", "10", "seconds between SIGTERM and SIGKILL", NULL, NULL},
	{"userns_keeper", "true", "share one mapped user namespace between containers (saves the newuidmap and "
				  "newgidmap runs)", NULL, NULL},
	{"userns_keeper_idle", "30", "seconds the shared user namespace's keeper waits unused before it exits",
	 NULL, NULL},
	{"max_layer_size", "64G", "largest uncompressed layer accepted (a decompression bomb stops there)", NULL,
	 NULL},
	{"min_free_space", "2%,1G", "free space a pull or load leaves on the store's filesystem: a size, a share "
				    "(2%) or the larger of both (\"2%,1G\"); 0: no reserve", NULL, NULL},
	/* published ports (run/portfwd.c) */
	{"port_max_connections", "256", "TCP connections relayed at once per published port; more are "
					"accepted and closed", NULL, NULL},
	{"port_max_udp_peers", "256", "UDP peers relayed at once per published port; datagrams from more "
				      "are dropped", NULL, NULL},
};

static struct config_entry *find(const struct urun_config *cfg, const char *key)
{
	for (unsigned i = 0; i < cfg->n; i++)
		if (strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

const char *config_get(const struct urun_config *cfg, const char *key)
{
	struct config_entry *e = find(cfg, key);
	if (!e)
		return NULL;
	return e->value ? e->value : e->deflt;
}

const char *config_source(const struct urun_config *cfg, const char *key)
{
	struct config_entry *e = find(cfg, key);
	return e && e->source ? e->source : "default";
}

int config_set(struct urun_config *cfg, const char *key, const char *value, const char *source,
	       struct urun_error *err)
{
	struct config_entry *e = find(cfg, key);
	if (!e)
		return urun_error_set(err, 0, "unknown setting `%s`", key);
	free(e->value);
	free(e->source);
	e->value = xstrdup(value);
	e->source = xstrdup(source);
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int config_parse(struct urun_config *cfg, const char *text, const char *source, struct urun_error *err)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	int lineno = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *l = trim(line);
		if (*l == '#' || *l == '\0' || *l == '[')
			continue;
		char *eq = strchr(l, '=');
		if (!eq)
			return urun_error_set(err, 0, "`%s` line %d: expected `key = value`", source, lineno);
		*eq = '\0';
		char *key = trim(l), *val = trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
			val[vl - 1] = '\0';
			val++;
		} else {
			char *hash = strchr(val, '#');
			if (hash) {
				*hash = '\0';
				val = trim(val);
			}
		}
		_cleanup_free_ char *src = xasprintf("%s:%d", source, lineno);
		if (config_set(cfg, key, val, src, err) < 0) {
			urun_error_hint(err, "see urun.conf(5) for the settings urun knows");
			return urun_error_wrap(err, "`%s` line %d", source, lineno);
		}
	}
	return 0;
}

static int load_file(struct urun_config *cfg, const char *path, bool must_exist, struct urun_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		return urun_error_set(err, errno, "reading `%s`", path);
	}
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + k > 1 << 20)
			return urun_error_set(err, 0, "`%s` is larger than 1 MiB", path);
		buf = xrealloc(buf, len + k + 1);
		memcpy(buf + len, chunk, k);
		len += k;
	}
	if (!buf)
		return 0;
	buf[len] = '\0';
	return config_parse(cfg, buf, path, err);
}

int config_load(struct urun_config *cfg, const char *path, struct urun_error *err)
{
	int r;
	cfg->n = ARRAY_SIZE(defaults);
	cfg->entries = xcalloc(cfg->n, sizeof(*cfg->entries));
	memcpy(cfg->entries, defaults, sizeof(defaults));

	if ((r = load_file(cfg, CONFIG_SYSTEM_FILE, false, err)) < 0)
		return r;
	if (path) {
		if ((r = load_file(cfg, path, true, err)) < 0)
			return r;
	} else {
		_cleanup_free_ char *user = xdg_path("XDG_CONFIG_HOME", ".config", "urun/urun.conf");
		if (user && (r = load_file(cfg, user, false, err)) < 0)
			return r;
	}
	for (unsigned i = 0; i < cfg->n; i++) {
		char name[64] = "URUN_";
		size_t k = strlen(name);
		for (const char *c = cfg->entries[i].key; *c && k < sizeof(name) - 1; c++)
			name[k++] = (char)toupper((unsigned char)*c);
		name[k] = '\0';
		const char *v = getenv(name);
		if (v)
			config_set(cfg, cfg->entries[i].key, v, name, NULL);
	}
	return 0;
}

void config_free(struct urun_config *cfg)
{
	for (unsigned i = 0; i < cfg->n; i++) {
		free(cfg->entries[i].value);
		free(cfg->entries[i].source);
	}
	free(cfg->entries);
	cfg->entries = NULL;
	cfg->n = 0;
}
