/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-rm.c: `urun rm` and `urun container prune`: remove containers that
 * are not running (rm -f stops them first), with their writable layer,
 * log and record. */
#include "cmd.h"
#include "rootfs/rootfs.h"
#include "run/lifecycle.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <getopt.h>
#include <signal.h>

static const char rm_usage[] = "Usage: urun rm [-f] [-a] CONTAINER...";

int cmd_rm_container(struct state_dir *sd, struct store *s, struct ctr_state *st, bool force,
		     struct urun_error *err)
{
	if (st->status == CTR_RUNNING) {
		if (!force) {
			int r = urun_error_set(err, 0, "container %s is running", st->name);
			urun_error_hint(err, "stop it first (urun stop %s) or use rm -f", st->name);
			return r;
		}
		int r = ctr_stop(st, SIGKILL, 0, err);
		if (r < 0)
			return r;
	} else {
		/* A monitor between exec and its first record update, or writing
		 * the exit: wait for it so nothing is written after removal. */
		ctr_wait(st, 5000);
	}
	return ctr_remove(sd, s, st, err);
}

int cmd_rm(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"all", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool force = false, all = false;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fa", opts, NULL)) != -1) {
		if (c == 'f') {
			force = true;
		} else if (c == 'a') {
			all = true;
		} else if (c == 'h') {
			printf("%s\n\nRemove containers, their writable layer and their "
			       "log.\n\nOptions:\n"
			       "  -f, --force   stop (SIGKILL) running containers first\n"
			       "  -a, --all     all containers\n",
			       rm_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "rm", rm_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc && !all)
		return cmd_bad_operands(err, "rm", rm_usage, "no container given");
	struct state_dir sd;
	struct store s = {.rootfd = -1};
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) == 0)
		r = store_open(&s, &ctx->cfg, err);
	if (r == 0 && all) {
		struct ctr_state *v;
		size_t n;
		if ((r = state_list(&sd, &v, &n, err)) == 0) {
			for (size_t i = 0; i < n && r == 0; i++)
				if ((r = cmd_rm_container(&sd, &s, &v[i], force, err)) == 0)
					printf("%s\n", v[i].id);
			ctr_states_free(v, n);
		}
	}
	for (int i = optind; i < argc && r == 0; i++) {
		struct ctr_state st;
		if ((r = state_find(&sd, argv[i], &st, err)) < 0)
			break;
		if ((r = cmd_rm_container(&sd, &s, &st, force, err)) == 0)
			printf("%s\n", argv[i]);
		ctr_state_free(&st);
	}
	store_close(&s);
	state_dir_close(&sd);
	return r;
}

/* Container directories in the store without a record: left by a machine
 * reboot (the runtime dir is a tmpfs) or a crash between the two. */
static int prune_orphans(struct state_dir *sd, struct store *s, struct urun_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/containers", s->root);
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
			continue;
		struct ctr_state st;
		struct urun_error e = {0};
		if (state_read(sd, de->d_name, &st, &e) == 0) {
			ctr_state_free(&st);
			continue;
		}
		urun_error_clear(&e);
		int r = rootfs_remove(s, de->d_name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmd_container_prune(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: urun container prune [-f]\n\nRemove every container that is "
			       "not running.\n");
			return 0;
		}
		if (c != 'f')
			return cmd_bad_option(err, "container prune",
					      "Usage: urun container prune [-f]", argv[optind - 1]);
	}
	struct state_dir sd;
	struct store s = {.rootfd = -1};
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) == 0)
		r = store_open(&s, &ctx->cfg, err);
	struct ctr_state *v = NULL;
	size_t n = 0;
	if (r == 0)
		r = state_list(&sd, &v, &n, err);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (v[i].status == CTR_RUNNING)
			continue;
		/* A foreground run between its record and exec is "created": leave
		 * it while its urun lives. */
		if (v[i].status == CTR_CREATED && v[i].monitor > 0 &&
		    proc_start_time(v[i].monitor) == v[i].monitor_start)
			continue;
		if ((r = ctr_remove(&sd, &s, &v[i], err)) == 0)
			printf("%s\n", v[i].id);
	}
	ctr_states_free(v, n);
	if (r == 0)
		r = prune_orphans(&sd, &s, err);
	store_close(&s);
	state_dir_close(&sd);
	(void)argc;
	return r;
}
