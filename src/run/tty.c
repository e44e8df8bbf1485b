/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tty.c: the container's terminal. The pty comes from the container's
 * devpts instance; the monitor holds the master and relays it. The caller's
 * terminal is put in raw mode for the session and restored on every exit
 * path (normal exit, error, and urun's own fatal signals via atexit). */
#include "run/tty.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <termios.h>

struct tty_relay {
	int master;
	bool stdin_attached;
	bool in_eof;
	bool have_termios;
	bool raw;
	struct termios saved;
};

/* For atexit: only one relay exists per process. */
static struct tty_relay *active;

static void restore_at_exit(void)
{
	if (active)
		tty_relay_stop(active);
}

int tty_relay_new(struct tty_relay **out, bool stdin_attached, struct urun_error *err)
{
	(void)err;
	struct tty_relay *t = xzalloc(sizeof(*t));
	t->master = -1;
	t->stdin_attached = stdin_attached;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0)
		t->have_termios = true;
	*out = t;
	return 0;
}

void tty_relay_set_master(struct tty_relay *t, int master)
{
	t->master = master;
}

void tty_relay_resize(struct tty_relay *t)
{
	struct winsize ws;
	if (t->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

void tty_relay_start(struct tty_relay *t)
{
	tty_relay_resize(t);
	if (t->have_termios && t->stdin_attached) {
		struct termios raw = t->saved;
		cfmakeraw(&raw);
		/* Keep output post-processing so urun's own messages still line up. */
		raw.c_oflag = t->saved.c_oflag;
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0) {
			t->raw = true;
			active = t;
			static bool registered;
			if (!registered && atexit(restore_at_exit) == 0)
				registered = true;
		}
	}
}

int tty_relay_pollfds(struct tty_relay *t, struct pollfd *pfd)
{
	int n = 0;
	if (t->master < 0)
		return 0;
	pfd[n++] = (struct pollfd){.fd = t->master, .events = POLLIN};
	if (t->stdin_attached && !t->in_eof)
		pfd[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	return n;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = {.fd = fd, .events = POLLOUT};
				poll(&p, 1, 1000);
				continue;
			}
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool copy_once(int from, int to)
{
	char buf[16384];
	ssize_t k = read(from, buf, sizeof(buf));
	if (k <= 0)
		return false;
	write_all(to, buf, (size_t)k);
	return true;
}

void tty_relay_handle(struct tty_relay *t, const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == t->master) {
			if (!copy_once(t->master, STDOUT_FILENO) && (pfd[i].revents & (POLLHUP | POLLERR))) {
				/* The slave side is closed everywhere; stop polling it. */
				close(t->master);
				t->master = -1;
			}
		} else if (pfd[i].fd == STDIN_FILENO) {
			char buf[16384];
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k <= 0) {
				t->in_eof = true;
				/* Piped input ended: give the container an end-of-file. */
				if (!t->have_termios)
					write_all(t->master, "\004", 1);
			} else {
				write_all(t->master, buf, (size_t)k);
			}
		}
	}
}

void tty_relay_drain(struct tty_relay *t)
{
	if (t->master < 0)
		return;
	int fl = fcntl(t->master, F_GETFL);
	fcntl(t->master, F_SETFL, fl | O_NONBLOCK);
	while (copy_once(t->master, STDOUT_FILENO))
		;
}

void tty_relay_stop(struct tty_relay *t)
{
	if (t && t->raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
		t->raw = false;
	}
}

void tty_relay_free(struct tty_relay *t)
{
	if (!t)
		return;
	tty_relay_stop(t);
	if (active == t)
		active = NULL;
	if (t->master >= 0)
		close(t->master);
	free(t);
}

int tty_send_fd(int sock, int fd)
{
	char c = 't';
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c0 = CMSG_FIRSTHDR(&mh);
	c0->cmsg_level = SOL_SOCKET;
	c0->cmsg_type = SCM_RIGHTS;
	c0->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c0), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int fail(char *msg, size_t len, int e, const char *what)
{
	snprintf(msg, len, "%s: %s", what, strerror(e));
	return -e;
}

int tty_child_setup(int sock, char *msg, size_t len)
{
	int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail(msg, len, errno, "opening the container's /dev/pts/ptmx");
	int unlock = 0;
	int slave = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int e = errno;
		close(master);
		return fail(msg, len, e, "allocating a pseudo-terminal");
	}
	/* The size is copied here, before exec, so the command's first
	 * TIOCGWINSZ already sees it (the monitor only follows changes). */
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(slave, TIOCSWINSZ, &ws);
	/* /dev/console is the container's terminal, as with docker -t. */
	char src[64];
	snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
	int c = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c >= 0) {
		close(c);
		mount(src, "/dev/console", NULL, MS_BIND, NULL);
	}
	int r = tty_send_fd(sock, master);
	close(master);
	if (r < 0) {
		close(slave);
		return fail(msg, len, -r, "passing the terminal to urun");
	}
	return slave;
}
