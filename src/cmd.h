/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd.h: what main() hands every verb. */
#ifndef URUN_CMD_H
#define URUN_CMD_H

#include <stdbool.h>

#include "util/config.h"
#include "util/error.h"

struct urun_ctx {
	struct urun_config cfg;
	const char *argv0;
	bool shorthand;   /* `urun IMAGE ...` without a verb */
};

/* A verb returns an exit status (>= 0) or a negative error with err filled.
 * argv[0] is the verb name. */
typedef int (*cmd_fn)(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);

int cmd_run(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_pull(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_images(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_import(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_load(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_login(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_logout(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_rmi(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_tag(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_image(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_unshare(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_port(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_ps(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_stop(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_kill(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_rm(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_logs(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_start(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_exec(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_inspect(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_system(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_info(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_container(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
int cmd_container_prune(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err);
/* images_too: `urun inspect` falls back to images for a name that is no container. */
int cmd_container_inspect(int argc, char **argv, struct urun_ctx *ctx, bool images_too, struct urun_error *err);

struct ctr_state;
struct state_dir;
struct store;
/* Remove one container (rm; rmi -f): force stops a running one first. */
int cmd_rm_container(struct state_dir *sd, struct store *s, struct ctr_state *st, bool force,
		     struct urun_error *err);
/* `start`: run a recorded container again (cmd-run.c). */
int run_start(struct urun_ctx *ctx, const struct ctr_state *st, bool attach, struct urun_error *err);

/* Shared option-error helper: "unknown option" plus the verb's usage line. */
int cmd_bad_option(struct urun_error *err, const char *verb, const char *usage, const char *opt);
/* Wrong operands: "VERB: WHAT" with the verb's usage line as the hint. */
int cmd_bad_operands(struct urun_error *err, const char *verb, const char *usage, const char *what);

#endif
