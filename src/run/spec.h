/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec.h: struct container_spec, everything a container needs, computed in
 * the parent before clone (argv, env, identity, mounts, security). */
#ifndef URUN_RUN_SPEC_H
#define URUN_RUN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "util/cleanup.h"
#include "util/error.h"

#define SPEC_MAX_IDMAP 8

struct idmap {
	uint32_t inside, outside, count;
};

/* A user-requested mount: -v, --mount, --tmpfs. */
enum user_mount_type { USER_MOUNT_BIND, USER_MOUNT_TMPFS };
struct user_mount {
	enum user_mount_type type;
	char *source;       /* host path for binds (absolute, resolved) */
	char *target;       /* path inside the container (absolute) */
	bool readonly;
	bool nonrecursive;  /* bind-nonrecursive=true */
	char *data;         /* tmpfs options */
};

struct ulimit {
	int resource;
	struct rlimit lim;
};

enum userns_mode { USERNS_AUTO, USERNS_KEEP_ID, USERNS_SINGLE };

/* --network: slirp4netns (the default), none (only lo), host (no network
 * namespace), container:NAME (another container's network namespace). */
enum net_mode { NET_SLIRP, NET_NONE, NET_HOST, NET_CONTAINER, NET_PASTA };

/* -p [HOSTIP:]HOSTPORT:CTRPORT[/udp] */
struct port_map {
	char host_ip[48];       /* "" = all addresses (0.0.0.0) */
	uint16_t host_port, ctr_port;
	bool udp;
};

struct container_spec {
	char id[65];             /* 64 hex digits; the first 12 are the short id */
	char *rootfs;            /* host directory holding the root filesystem */
	/* Layered root (see rootfs/rootfs.h). rootfs_lower: overlay lowerdir=
	 * (top layer first). rootfs_upper/rootfs_work: the writable layer on
	 * disk; NULL: a tmpfs mounted on rootfs_scratch in the container's own
	 * mount namespace (gone with it: --rm). rootfs_merged: the mount point,
	 * the container's root. With rootfs_fuse the monitor mounts it with
	 * fuse-overlayfs inside the container's namespaces before releasing
	 * the child; otherwise the child mounts kernel overlay. */
	char *rootfs_lower;
	char *rootfs_upper, *rootfs_work, *rootfs_merged;
	char *rootfs_scratch;
	bool rootfs_fuse;
	char *fuse_overlayfs;    /* binary path */
	bool workdir_create;     /* the image's WorkingDir: created when missing, as podman does */
	bool rootfs_readonly;    /* --read-only */
	char **argv;             /* command and arguments (NULL-terminated) */
	char **env;              /* NAME=VALUE (NULL-terminated) */
	char *workdir;           /* NULL: "/" */
	char *user;              /* -u USER[:GROUP], resolved in the container; NULL: 0:0 */
	char **group_add;        /* --group-add */
	char *hostname;
	bool tty, interactive;
	bool init;               /* --init: urun-init as PID 1 */
	char *init_path;         /* host path of urun-init */

	/* network (run/net.c) */
	enum net_mode net;
	bool allow_host_loopback;  /* slirp4netns: reach the host's 127.0.0.1 as 10.0.2.2 */
	bool enable_ipv6;
	char *cidr;                /* slirp4netns network, default 10.0.2.0/24 */
	int mtu;                   /* default 65520 */
	struct port_map *ports;
	size_t n_ports;
	unsigned port_max_conns;   /* TCP connections per published port (urun.conf) */
	unsigned port_max_peers;   /* UDP peers per published port (urun.conf) */
	char **dns, **dns_search, **dns_options, **add_hosts;
	pid_t net_join_pid;        /* container:NAME: its PID 1 ... */
	uint64_t net_join_start;   /* ... and that process's start time */
	bool net_join_slirp;       /* ... whose network is slirp4netns's */
	char *slirp4netns;         /* binary path */
	char *pasta;               /* binary path */
	char **pasta_args;         /* --network pasta:ARG,ARG */
	char *run_dir;             /* this container's runtime dir (sockets), or NULL */
	char *keeper_dir;          /* $RUNDIR/userns: a shared user namespace; NULL: one per container */
	int keeper_idle;           /* seconds the keeper waits unused before it exits */

	/* namespaces: CLONE_NEW* flags to create */
	unsigned long ns_flags;
	enum userns_mode userns;
	uid_t host_uid;
	gid_t host_gid;
	struct idmap uidmap[SPEC_MAX_IDMAP], gidmap[SPEC_MAX_IDMAP];
	size_t n_uidmap, n_gidmap;
	bool subid_ranges;       /* false: single-id mapping */
	char *newuidmap, *newgidmap; /* helper paths (urun.conf) */

	struct user_mount *mounts;
	size_t n_mounts;

	struct ulimit *ulimits;
	size_t n_ulimits;

	/* security */
	bool privileged;
	bool no_new_privs;
	uint64_t caps;           /* bounding set when root inside (bit N = cap N) */
	char *seccomp_profile;   /* path; NULL with seccomp_unconfined */
	bool seccomp_unconfined;
	bool fakeroot_off;       /* --security-opt fakeroot=off */

	/* resource limits (cgroup v2 delegation only) */
	int64_t memory_limit;    /* bytes, 0 none */
	int64_t cpu_quota_us;    /* per 100ms period, 0 none */
	int64_t pids_limit;      /* 0 none */

	/* Detached (-d): stdout and stderr go to log_fd; the monitor holds
	 * stdin (-i) or the pty master (-t), and relays the pty into log_fd. */
	bool detached;
	int log_fd;

	int stop_timeout;        /* seconds after a forwarded TERM/INT/HUP/QUIT before SIGKILL */
	bool quiet;
};

void spec_init(struct container_spec *spec);
void spec_free(struct container_spec *spec);

/* Set NAME=VALUE in env, replacing an existing NAME. */
void spec_setenv(struct container_spec *spec, const char *kv);
/* Merge add (copied) into *env by name, in linear time: a later entry wins,
 * at the place where its name first appeared; new names go at the end. */
void spec_env_merge(char ***env, char *const *add);

#endif
