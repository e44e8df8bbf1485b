/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net.h: the container's network: --network modes, slirp4netns (started by
 * the monitor for the container's network namespace, ended with it),
 * published ports through its API socket, and the container's
 * /etc/resolv.conf and /etc/hosts. */
#ifndef URUN_RUN_NET_H
#define URUN_RUN_NET_H

#include <sys/types.h>

#include "run/spec.h"

/* --network VALUE: none, host, slirp4netns[:opt=v,...], container:NAME
 * (*join gets NAME; the caller resolves it). */
int net_parse_mode(const char *arg, struct container_spec *spec, char **join,
		   struct urun_error *err);
/* -p [HOSTIP:]HOSTPORT[-END]:CTRPORT[-END][/tcp|/udp] (also CTRPORT alone:
 * a free host port). Appends to spec->ports. */
int net_parse_publish(const char *arg, struct container_spec *spec, struct urun_error *err);
/* -P: each "PORT/PROTO" of the image's ExposedPorts on a free host port. */
int net_publish_exposed(char *const *exposed, struct container_spec *spec, struct urun_error *err);
/* Before anything is created: a host port below
 * net.ipv4.ip_unprivileged_port_start, or one already taken, is an error
 * that says so and what to do. */
int net_check_ports(const struct container_spec *spec, struct urun_error *err);
/* The error for binding host port p failing with errno e. */
int net_port_error(const struct port_map *p, int e, struct urun_error *err);

/* The container's /etc/resolv.conf and /etc/hosts (malloc'd). */
char *net_resolv_conf(const struct container_spec *spec);
/* The same from another host file (tests). */
char *net_resolv_conf_from(const struct container_spec *spec, const char *host_file);
char *net_hosts(const struct container_spec *spec);

struct net_handle {
	int pidfd;   /* slirp4netns (init's child: never waited for) or pasta */
	int exit_w;  /* held open by the monitor: slirp4netns exits when it closes */
	int dirfd;   /* the container's runtime dir, where its log is */
};
#define NET_HANDLE_INIT                                                                            \
	{                                                                                          \
		.pidfd = -1, .exit_w = -1, .dirfd = -1                                \
	}

/* Monitor side, after the id maps are written and before the child is
 * released: slirp4netns for the child's network namespace, ready. */
int net_start(const struct container_spec *spec, pid_t child, struct net_handle *h,
	      struct urun_error *err);
void net_stop(struct net_handle *h);

/* "80/tcp -> 0.0.0.0:8080", one line per port (urun port). */
char *net_format_port(const struct port_map *p);

#endif
