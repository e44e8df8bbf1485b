/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-start.c: `urun start`: run a stopped container again, with the same
 * id, name, options and writable layer. */
#include "cmd.h"
#include "run/state.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char start_usage[] = "Usage: urun start [-a] CONTAINER...";

int cmd_start(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"attach", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool attach = false;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'a') {
			attach = true;
		} else if (c == 'h') {
			printf("%s\n\nStart stopped containers again (in the background; -a: in "
			       "the foreground).\n\n"
			       "Options:\n  -a, --attach   stay attached and exit with the "
			       "container's status\n",
			       start_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "start", start_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "start", start_usage, "no container given");
	if (attach && argc - optind > 1) {
		r = urun_error_set(err, 0, "start: --attach takes one container");
		return r;
	}
	int first = optind;
	_cleanup_strv_ char **refs = NULL;
	for (int i = first; i < argc; i++)
		strv_push(&refs, xstrdup(argv[i]));
	r = 0;
	for (char **ref = refs; ref && *ref && r == 0; ref++) {
		struct state_dir sd;
		struct ctr_state st;
		if ((r = state_dir_open(&sd, &ctx->cfg, err)) == 0 &&
		    (r = state_find(&sd, *ref, &st, err)) == 0) {
			if (st.status == CTR_RUNNING) {
				printf("%s\n", *ref); /* docker: starting a running container is not
							 an error */
			} else if (st.auto_remove && st.status == CTR_EXITED) {
				r = urun_error_set(
				    err, 0, "container %s was run with --rm and is being removed",
				    st.name);
				urun_error_hint(err, "run it again with urun run; --rm containers "
						     "cannot be restarted");
			} else {
				state_dir_close(&sd);
				fflush(stdout);
				r = run_start(ctx, &st, attach, err);
				if (r == 0 && !attach)
					printf("%s\n", *ref);
			}
			ctr_state_free(&st);
		}
		state_dir_close(&sd);
	}
	return r;
}
