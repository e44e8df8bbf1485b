/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-unshare.c: `urun unshare [CMD...]`: run a command in a user
 * namespace with the container mapping, as podman unshare does: the way to
 * inspect or delete files in the store that belong to subordinate ids. */
#include "cmd.h"
#include "run/userns.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char unshare_usage[] = "Usage: urun unshare [COMMAND [ARG...]]";

static int exec_cmd(void *arg)
{
	char **argv = arg;
	execvp(argv[0], argv);
	return errno == ENOENT ? -127 : -126;
}

int cmd_unshare(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s\n\nRun COMMAND (default: $SHELL) as root in a user namespace with your subuid\n"
			       "and subgid ranges mapped, as containers see them. Files in the image store that\n"
			       "belong to subordinate ids can be read and removed there.\n",
			       unshare_usage);
			return 0;
		}
		return cmd_bad_option(err, "unshare", unshare_usage, argv[optind - 1]);
	}
	const char *shell = getenv("SHELL");
	char *deflt[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
	char **cmd = optind < argc ? argv + optind : deflt;
	struct container_spec spec;
	spec_init(&spec);
	spec.newuidmap = xstrdup(config_get(&ctx->cfg, "newuidmap"));
	spec.newgidmap = xstrdup(config_get(&ctx->cfg, "newgidmap"));
	int r = userns_plan(&spec, err);
	if (r == 0) {
		r = userns_call(&spec, exec_cmd, cmd, err);
		if (r == -127 || r == -126) {
			int st = -r;
			r = urun_error_set(err, 0, "%s `%s`", st == 127 ? "command not found:" : "cannot execute", cmd[0]);
			err->status = st;
		} else if (r < 0 && !err->msg) {
			/* The command ran and failed: its status is ours. */
			r = -r;
		}
	}
	spec_free(&spec);
	return r;
}
