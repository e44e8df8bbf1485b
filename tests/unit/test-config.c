/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-config.c: urun.conf parsing, precedence and error messages. */
#include "util/cleanup.h"
#include "util/config.h"
#include "tap.h"

int main(void)
{
	struct urun_config cfg = {0};
	struct urun_error err = {0};

	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	setenv("URUN_STOP_TIMEOUT", "3", 1);
	is_int(config_load(&cfg, NULL, &err), 0, "loads with no files");
	is_str(config_get(&cfg, "driver"), "auto", "default value");
	is_str(config_source(&cfg, "driver"), "default", "default source");
	is_str(config_get(&cfg, "stop_timeout"), "3", "environment overrides");
	is_str(config_source(&cfg, "stop_timeout"), "URUN_STOP_TIMEOUT", "environment source named");

	is_int(config_parse(&cfg, "# c\n[engine]\n driver = \"vfs\"  \nnewuidmap = /x/newuidmap # trailing\n",
			    "test.conf", &err),
	       0, "parses quoted, bare, sections and comments");
	is_str(config_get(&cfg, "driver"), "vfs", "quoted value");
	is_str(config_source(&cfg, "driver"), "test.conf:3", "source has file and line");
	is_str(config_get(&cfg, "newuidmap"), "/x/newuidmap", "bare value, comment stripped");

	ok(config_parse(&cfg, "nosuchkey = 1\n", "bad.conf", &err) < 0, "unknown key rejected");
	ok(err.msg && strstr(err.msg, "bad.conf") && strstr(err.msg, "nosuchkey"), "error names file and key: %s",
	   err.msg ? err.msg : "");
	ok(err.hint && strstr(err.hint, "urun.conf(5)"), "hint points at the man page");
	ok(config_parse(&cfg, "just words\n", "bad.conf", &err) < 0, "line without = rejected");
	config_free(&cfg);
	ok(config_load(&cfg, "/nonexistent/urun.conf", &err) < 0, "--config FILE must exist");
	config_free(&cfg);
	urun_error_clear(&err);
	return done_testing();
}
