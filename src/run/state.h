/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.h: containers' records under the runtime dir ($XDG_RUNTIME_DIR/urun,
 * else /tmp/urun-$UID): one state.json per container, written atomically,
 * names unique under one lock. */
#ifndef URUN_RUN_STATE_H
#define URUN_RUN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "run/spec.h"
#include "util/config.h"
#include "util/error.h"

enum ctr_status { CTR_CREATED, CTR_RUNNING, CTR_EXITED };

struct ctr_state {
	char id[65];
	char *name;
	char *image;	/* the name the user gave, resolved (docker.io/library/busybox:latest) or a
			   rootfs dir */
	char *image_id; /* sha256:<config digest>; "" for --rootfs */
	char **command; /* what runs (entrypoint + cmd) */
	char **create_args; /* the `run` arguments (options, image, command), replayed by `start` */
	int image_arg;	    /* index of the image in create_args */
	char *driver;	    /* overlay, fuse-overlayfs, vfs, none (--rootfs) */
	char *ctr_dir;	    /* $STORE/containers/<id> (upper, work, log), or NULL */
	char *log_path;	    /* NULL: not detached, output went to the terminal */
	int64_t created, started, finished; /* unix ns; 0 unset */
	enum ctr_status status;
	pid_t pid; /* the container's PID 1, host view */
	uint64_t
	    pid_start; /* its start time (/proc/PID/stat field 22): a reused pid never matches */
	pid_t monitor;
	uint64_t monitor_start;
	int exit_code;	  /* -1: unknown (the monitor died) */
	int stop_timeout; /* --stop-timeout: `stop`'s grace period unless -t */
	bool auto_remove, tty, interactive, detached;
	/* What exec needs to join the container as its processes are. */
	char **env;
	char *user, *workdir, *hostname;
	uint64_t caps;
	char *seccomp; /* NULL: default profile; "unconfined"; or a profile path */
	bool no_new_privs, privileged;
	bool fakeroot; /* single-id mode's no-op chown/setuid filter */
	unsigned long ns_flags;
	enum net_mode net;
	bool net_join_slirp;
	struct port_map *ports; /* published */
	size_t n_ports;
	char *error; /* why it stopped, when urun knows (e.g. "the monitor died") */
};

struct state_dir {
	char *path; /* .../urun */
	int fd;	    /* .../urun/containers */
	int lockfd;
};

/* Open (creating, mode 0700, refusing one owned by someone else or reached
 * through a symlink) the runtime dir. */
int state_dir_open(struct state_dir *sd, const struct urun_config *cfg, struct urun_error *err);
void state_dir_close(struct state_dir *sd);
/* The runtime dir's path, as state_dir_open would choose it (for urun info). */
char *state_dir_path(const struct urun_config *cfg);

/* Serialises name allocation and record creation between urun processes. */
int state_lock(struct state_dir *sd, struct urun_error *err);
void state_unlock(struct state_dir *sd);

/* Atomic: a temp file renamed over state.json. */
int state_write(struct state_dir *sd, const struct ctr_state *st, struct urun_error *err);
int state_read(struct state_dir *sd, const char *id, struct ctr_state *st, struct urun_error *err);
/* Every container, newest first. */
int state_list(struct state_dir *sd, struct ctr_state **v, size_t *n, struct urun_error *err);
/* By name, full id or unique id prefix; a 125 error naming `urun ps -a` when none. */
int state_find(struct state_dir *sd, const char *ref, struct ctr_state *st, struct urun_error *err);
int state_remove(struct state_dir *sd, const char *id, struct urun_error *err);

/* Under the lock: fails (125, naming the holder's id) when name is taken;
 * with name NULL, picks a free generated one (adjective_noun). */
int state_claim_name(struct state_dir *sd, const char *name, char **out, struct urun_error *err);

/* A running record whose monitor is gone (killed, machine rebooted) is
 * exited; returns true when it changed st. */
bool state_refresh(struct ctr_state *st);

/* Start time of a process in clock ticks since boot, 0 if it is gone. */
uint64_t proc_start_time(pid_t pid);
int64_t state_now(void);

/* "Up 5 seconds", "Exited (0) 2 minutes ago", "Created". */
char *state_status_text(const struct ctr_state *st);
const char *state_status_name(enum ctr_status s);
struct json_object;
struct json_object *state_to_json(const struct ctr_state *st);

void ctr_state_free(struct ctr_state *st);
void ctr_states_free(struct ctr_state *v, size_t n);

#endif
