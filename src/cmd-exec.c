/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-exec.c: `urun exec`: run a command in a running container, with the
 * container's environment, identity, capabilities, seccomp filter and
 * no_new_privs unless -e, -u, -w say otherwise. */
#include "cmd.h"
#include "run/container.h"
#include "run/state.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <sched.h>

static const char exec_usage[] =
    "Usage: urun exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]";

static void exec_help(void)
{
	printf("%s\n\nRun a command in a running container.\n\nOptions:\n"
	       "  -e, --env K=V|K        set an environment variable (K alone: from urun's "
	       "environment)\n"
	       "  -i, --interactive      keep stdin attached\n"
	       "  -t, --tty              allocate a pseudo-terminal\n"
	       "  -u, --user USER[:GRP]  run as USER (default: the container's user)\n"
	       "  -w, --workdir DIR      working directory (default: the container's)\n",
	       exec_usage);
}

int cmd_exec(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"env", required_argument, NULL, 'e'},
					     {"interactive", no_argument, NULL, 'i'},
					     {"tty", no_argument, NULL, 't'},
					     {"user", required_argument, NULL, 'u'},
					     {"workdir", required_argument, NULL, 'w'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct container_spec spec;
	spec_init(&spec);
	_cleanup_strv_ char **env = NULL;
	int c, r = 0;
	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+e:itu:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (strchr(optarg, '=')) {
				strv_push(&env, xstrdup(optarg));
			} else {
				const char *v = getenv(optarg);
				if (v)
					strv_push(&env, xasprintf("%s=%s", optarg, v));
			}
			break;
		case 'i':
			spec.interactive = true;
			break;
		case 't':
			spec.tty = true;
			break;
		case 'u':
			free(spec.user);
			spec.user = xstrdup(optarg);
			break;
		case 'w':
			if (optarg[0] != '/') {
				r = urun_error_set(err, 0,
						   "exec: --workdir `%s` must be an absolute path",
						   optarg);
				break;
			}
			free(spec.workdir);
			spec.workdir = xstrdup(optarg);
			break;
		case 'h':
			exec_help();
			spec_free(&spec);
			return 0;
		default:
			r = cmd_bad_option(err, "exec", exec_usage, argv[optind - 1]);
		}
	}
	if (r == 0 && argc - optind < 2)
		r = cmd_bad_operands(err, "exec", exec_usage,
				     optind < argc ? "no command given" : "no container given");
	struct state_dir sd = {.fd = -1, .lockfd = -1};
	struct ctr_state st = {0};
	if (r == 0 && (r = state_dir_open(&sd, &ctx->cfg, err)) == 0 &&
	    (r = state_find(&sd, argv[optind], &st, err)) == 0 && st.status != CTR_RUNNING) {
		r = urun_error_set(err, 0, "container %s is not running", st.name);
		urun_error_hint(err, "`urun start %s` starts it again", st.name);
	}
	state_dir_close(&sd);
	if (r == 0) {
		/* The container's settings, then the command line's. */
		spec_env_merge(&spec.env, st.env);
		spec_env_merge(&spec.env, env);
		if (!spec.user && st.user)
			spec.user = xstrdup(st.user);
		if (!spec.workdir && st.workdir)
			spec.workdir = xstrdup(st.workdir);
		spec.hostname = st.hostname ? xstrdup(st.hostname) : NULL;
		spec.caps = st.caps;
		spec.privileged = st.privileged;
		spec.no_new_privs = st.no_new_privs;
		/* the same no-op chown/setuid filter as the container's processes */
		spec.subid_ranges = !st.fakeroot;
		spec.seccomp_unconfined = st.seccomp && strcmp(st.seccomp, "unconfined") == 0;
		if (st.seccomp && !spec.seccomp_unconfined)
			spec.seccomp_profile = xstrdup(st.seccomp);
		spec.ns_flags = st.ns_flags;
		/* A container on another's network has that network namespace. */
		if (st.net == NET_CONTAINER)
			spec.ns_flags |= CLONE_NEWNET;
		for (int i = optind + 1; i < argc; i++)
			strv_push(&spec.argv, xstrdup(argv[i]));
		memcpy(spec.id, st.id, sizeof(spec.id));
		r = container_exec(&spec, st.pid, st.pid_start, err);
	}
	ctr_state_free(&st);
	spec_free(&spec);
	return r;
}
