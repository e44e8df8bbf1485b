/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tty.h: -t. The pty is allocated inside the container's own devpts (so the
 * container never sees a host pty), the master is passed to the monitor,
 * which relays it to the caller's terminal in raw mode. */
#ifndef URUN_RUN_TTY_H
#define URUN_RUN_TTY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct tty_relay;

/* Parent: prepare the relay (remembers the caller's termios). */
int tty_relay_new(struct tty_relay **out, bool stdin_attached, struct urun_error *err);
void tty_relay_set_master(struct tty_relay *t, int master);
/* Raw mode on the caller's terminal and the first window size. */
void tty_relay_start(struct tty_relay *t);
int tty_relay_pollfds(struct tty_relay *t, struct pollfd *pfd);
void tty_relay_handle(struct tty_relay *t, const struct pollfd *pfd, int n);
void tty_relay_resize(struct tty_relay *t);
void tty_relay_drain(struct tty_relay *t);
/* Restore the caller's termios; safe to call more than once. */
void tty_relay_stop(struct tty_relay *t);
void tty_relay_free(struct tty_relay *t);

/* Child (after the mounts, before exec): open a pty in the container's
 * /dev/pts, make the slave /dev/console, send the master over sock.
 * Returns the slave fd, or -errno with msg filled. */
int tty_child_setup(int sock, char *msg, size_t len);

/* Send one fd over a unix socket (SCM_RIGHTS). */
int tty_send_fd(int sock, int fd);

#endif
