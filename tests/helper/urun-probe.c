/* SPDX-License-Identifier: GPL-2.0-or-later */
/* urun-probe: a static helper the tests bind into containers to ask
 * questions busybox cannot: does keyctl work, can TIOCSTI inject input, can
 * the container signal or ptrace a given pid, can it open a path for writing.
 * Prints OK or the errno name, and exits 0 either way (2 on bad usage).
 * `ping ADDR` sends one ICMP echo through an unprivileged ICMP socket (what
 * iputils ping uses when net.ipv4.ping_group_range admits the caller's
 * group; busybox ping needs a raw socket) and prints OK on the reply.
 * `udp-echo PORT` is a server instead: it answers each UDP datagram on
 * PORT with "echo: " and the datagram, forever (busybox has no UDP server).
 * `ioctl REQ [newpty]` makes the terminal request REQ (tiocsti, tiocsti-hi:
 * TIOCSTI with the upper 32 bits of the request set, tioclinux, tcgets) on
 * stdin, or on a new pty that a new session takes as its controlling
 * terminal, where the kernel itself would allow TIOCSTI. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <termios.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {{EPERM, "EPERM"},   {EACCES, "EACCES"}, {ENOSYS, "ENOSYS"}, {EINVAL, "EINVAL"},
		 {ENOENT, "ENOENT"}, {EROFS, "EROFS"},   {ESRCH, "ESRCH"},   {EIO, "EIO"},
		 {ENOTTY, "ENOTTY"}, {EBADF, "EBADF"},   {ELOOP, "ELOOP"},   {ETXTBSY, "ETXTBSY"},
		 {EEXIST, "EEXIST"}, {EXDEV, "EXDEV"}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	return strerror(e);
}

static int result(long r)
{
	puts(r < 0 ? errname(errno) : "OK");
	return 0;
}

static int ping_once(const char *addr)
{
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (s < 0)
		return result(-1);
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, addr, &a.sin_addr);
	struct icmphdr h = {.type = ICMP_ECHO};
	h.un.echo.sequence = htons(1);
	if (sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		return result(-1);
	struct pollfd p = {.fd = s, .events = POLLIN};
	char buf[256];
	if (poll(&p, 1, 3000) != 1 || recv(s, buf, sizeof(buf), 0) < (ssize_t)sizeof(h)) {
		errno = ETIMEDOUT;
		return result(-1);
	}
	return result(((struct icmphdr *)buf)->type == ICMP_ECHOREPLY ? 0 : -1);
}

static int udp_echo(int port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return result(-1);
	for (;;) {
		char buf[1024], out[1100];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		buf[n] = '\0';
		int k = snprintf(out, sizeof(out), "echo: %s", buf);
		sendto(s, out, (size_t)k, 0, (struct sockaddr *)&from, fl);
	}
}

static long terminal_request(int fd, const char *req)
{
	char ch = '#';
	int sub = 6; /* TIOCL_GETSHIFTSTATE, harmless */
	struct termios t;
	if (strcmp(req, "tiocsti") == 0)
		return ioctl(fd, TIOCSTI, &ch);
	/* the kernel reads the request as 32 bits: a filter must too */
	if (strcmp(req, "tiocsti-hi") == 0)
		return syscall(SYS_ioctl, fd, 0xffffffff00000000UL | TIOCSTI, &ch);
	if (strcmp(req, "tioclinux") == 0)
		return ioctl(fd, TIOCLINUX, &sub);
	if (strcmp(req, "tcgets") == 0)
		return ioctl(fd, TCGETS, &t);
	errno = EINVAL;
	return -1;
}

static int ioctl_probe(const char *req, bool newpty)
{
	if (!newpty)
		return result(terminal_request(STDIN_FILENO, req));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return result(-1);
	if (pid == 0) {
		int m = posix_openpt(O_RDWR | O_NOCTTY);
		char *name = m < 0 || unlockpt(m) < 0 ? NULL : ptsname(m);
		/* a session leader without a terminal acquires the first it opens */
		int s = name && setsid() >= 0 ? open(name, O_RDWR) : -1;
		result(s < 0 ? -1 : terminal_request(s, req));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: urun-probe keyctl|add_key|tiocsti|kill PID|ptrace PID|openw "
		      "PATH|ping ADDR|udp-echo PORT|ioctl REQ [newpty]\n",
		      stderr);
		return 2;
	}
	const char *c = argv[1];
	if (strcmp(c, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the session keyring */
		return result(syscall(SYS_keyctl, 0, -3, 0));
	if (strcmp(c, "add_key") == 0)
		return result(syscall(SYS_add_key, "user", "urun-probe", "x", 1, -3));
	if (strcmp(c, "tiocsti") == 0) {
		char ch = '#';
		return result(ioctl(STDIN_FILENO, TIOCSTI, &ch));
	}
	if (argc < 3) {
		fputs("urun-probe: missing argument\n", stderr);
		return 2;
	}
	if (strcmp(c, "kill") == 0)
		return result(kill((pid_t)atoi(argv[2]), 0));
	if (strcmp(c, "ptrace") == 0)
		return result(ptrace(PTRACE_ATTACH, (pid_t)atoi(argv[2]), NULL, NULL));
	if (strcmp(c, "openw") == 0)
		return result(open(argv[2], O_WRONLY | O_CLOEXEC));
	if (strcmp(c, "ping") == 0)
		return ping_once(argv[2]);
	if (strcmp(c, "udp-echo") == 0)
		return udp_echo(atoi(argv[2]));
	if (strcmp(c, "ioctl") == 0)
		return ioctl_probe(argv[2], argc > 3 && strcmp(argv[3], "newpty") == 0);
	fputs("urun-probe: unknown question\n", stderr);
	return 2;
}
