/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.h: urun.conf. Each setting has a compiled-in default, then
 * SYSCONFDIR/urun/urun.conf, then $XDG_CONFIG_HOME/urun/urun.conf, then URUN_<KEY>
 * in the environment, then a command-line flag; the source of each
 * effective value is kept for `urun info`. */
#ifndef URUN_UTIL_CONFIG_H
#define URUN_UTIL_CONFIG_H

#include "util/error.h"

/* configure's sysconfdir (/usr/local/etc by default, /etc for packages). */
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_SYSTEM_FILE SYSCONFDIR "/urun/urun.conf"

struct config_entry {
	const char *key;
	const char *deflt;
	const char *help;
	char *value;    /* effective value (owned), NULL = default */
	char *source;   /* where it came from (owned), NULL = default */
};

struct urun_config {
	struct config_entry *entries;
	unsigned n;
};

/* Load defaults, the config files and the environment. `path` overrides
 * the user file (--config). */
int config_load(struct urun_config *cfg, const char *path, struct urun_error *err);
/* Parse one file's text into cfg (exposed for tests). */
int config_parse(struct urun_config *cfg, const char *text, const char *source, struct urun_error *err);
void config_free(struct urun_config *cfg);

const char *config_get(const struct urun_config *cfg, const char *key);
const char *config_source(const struct urun_config *cfg, const char *key);
int config_set(struct urun_config *cfg, const char *key, const char *value, const char *source,
	       struct urun_error *err);

#endif
