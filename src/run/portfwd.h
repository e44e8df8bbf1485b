/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portfwd.h: published ports, forwarded by the monitor itself. It listens
 * on the host's ports and, for each TCP connection or UDP peer, opens a
 * socket inside the container's network namespace (made by a helper that
 * joined it) to 127.0.0.1:CTRPORT there, then relays with splice(2). */
#ifndef URUN_RUN_PORTFWD_H
#define URUN_RUN_PORTFWD_H

#include <poll.h>
#include <sys/types.h>

#include "run/spec.h"

struct portfwd;

/* Bind every host port of spec->ports (a taken or privileged one is an
 * error that says so) and start the socket helper in child's namespaces. */
int portfwd_start(const struct container_spec *spec, pid_t child, struct portfwd **out,
		  struct urun_error *err);
/* The monitor's poll loop: how many pollfds, fill them, act on them. */
size_t portfwd_npoll(const struct portfwd *pf);
size_t portfwd_pollfds(struct portfwd *pf, struct pollfd *pfd);
void portfwd_handle(struct portfwd *pf, const struct pollfd *pfd, size_t n);
/* Milliseconds until idle UDP peers expire, -1 when there are none. */
int portfwd_timeout(const struct portfwd *pf);
void portfwd_free(struct portfwd *pf);

#endif
