/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-container.c: `urun container SUBCOMMAND`, podman's grouping of the
 * container verbs (ls, ps, rm, stop, kill, start, logs, exec, inspect, prune). */
#include "cmd.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char container_usage[] =
    "Usage: urun container ls|ps|run|rm|stop|kill|start|logs|exec|inspect|prune [ARG...]";

int cmd_container(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct {
		const char *name;
		cmd_fn fn;
	} sub[] = {{"ls", cmd_ps},
		   {"list", cmd_ps},
		   {"ps", cmd_ps},
		   {"run", cmd_run},
		   {"rm", cmd_rm},
		   {"stop", cmd_stop},
		   {"kill", cmd_kill},
		   {"start", cmd_start},
		   {"logs", cmd_logs},
		   {"exec", cmd_exec},
		   {"prune", cmd_container_prune},
		   {"port", cmd_port}};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("%s\n\nThe container verbs, grouped as in podman: `urun container ls` is "
		       "`urun ps -a`'s "
		       "sibling, `urun container prune` removes every stopped container.\n",
		       container_usage);
		return argc < 2 ? urun_error_set(err, 0, "container: no subcommand given") : 0;
	}
	optind = 0;
	if (strcmp(argv[1], "inspect") == 0)
		return cmd_container_inspect(argc - 1, argv + 1, ctx, false, err);
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].fn(argc - 1, argv + 1, ctx, err);
	int r = urun_error_set(err, 0, "container: unknown subcommand `%s`", argv[1]);
	urun_error_hint(err, "%s", container_usage);
	return r;
}
