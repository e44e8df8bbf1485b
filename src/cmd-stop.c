/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-stop.c: `urun stop` and `urun kill`: signal containers through a
 * verified pidfd; stop escalates to SIGKILL after the grace period. */
#include "cmd.h"
#include "run/lifecycle.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <signal.h>

static const char stop_usage[] = "Usage: urun stop [-t SECONDS] CONTAINER...";
static const char kill_usage[] = "Usage: urun kill [-s SIGNAL] CONTAINER...";

static int each(int argc, char **argv, struct urun_ctx *ctx, bool stop, int sig, int timeout,
		struct urun_error *err)
{
	struct state_dir sd;
	int r = state_dir_open(&sd, &ctx->cfg, err);
	for (int i = optind; i < argc && r == 0; i++) {
		struct ctr_state st;
		if ((r = state_find(&sd, argv[i], &st, err)) < 0)
			break;
		if (stop) {
			r = ctr_stop(&st, sig, timeout >= 0 ? timeout : st.stop_timeout, err);
		} else {
			r = ctr_kill(&st, sig, err);
			if (r == -ESRCH) {
				r = urun_error_set(err, 0, "container %s is not running", st.name);
				urun_error_hint(err, "`urun start %s` starts it again", st.name);
			}
		}
		if (r == 0)
			printf("%s\n", argv[i]);
		ctr_state_free(&st);
	}
	state_dir_close(&sd);
	return r;
}

int cmd_stop(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"time", required_argument, NULL, 't'},
					     {"timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int timeout = -1, c; /* -1: the container's --stop-timeout */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c == 't') {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 86400) {
				int r = urun_error_set(
				    err, 0, "stop: --time `%s` is not a number of seconds", optarg);
				urun_error_hint(err, "%s", stop_usage);
				return r;
			}
			timeout = (int)v;
		} else if (c == 'h') {
			printf("%s\n\nStop containers: SIGTERM, then SIGKILL after the grace "
			       "period.\n\nOptions:\n"
			       "  -t, --time SECS   grace period before SIGKILL (default: the "
			       "container's\n"
			       "                    --stop-timeout, else 10)\n",
			       stop_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "stop", stop_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "stop", stop_usage, "no container given");
	return each(argc, argv, ctx, true, SIGTERM, timeout, err);
}

int cmd_kill(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"signal", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int sig = SIGKILL, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:", opts, NULL)) != -1) {
		if (c == 's') {
			if ((sig = ctr_parse_signal(optarg)) < 0) {
				int r =
				    urun_error_set(err, 0, "kill: `%s` is not a signal", optarg);
				urun_error_hint(err, "use a name (TERM, SIGHUP) or a number");
				return r;
			}
		} else if (c == 'h') {
			printf("%s\n\nSend a signal (default KILL) to containers' main "
			       "process.\n\nOptions:\n"
			       "  -s, --signal SIG  signal name or number\n",
			       kill_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "kill", kill_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "kill", kill_usage, "no container given");
	return each(argc, argv, ctx, false, sig, 0, err);
}
