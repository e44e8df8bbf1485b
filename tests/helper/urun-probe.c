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
 * terminal, where the kernel itself would allow TIOCSTI.
 * `hijack FIFO` plays a compromised container against `urun exec` (see
 * hijack() below), forever. */
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
#include <sys/stat.h>
#include <dirent.h>
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

/* Whether /proc/PID/exe is a program of the container (busybox or this
 * probe): 1 yes, 0 no (a foreign binary: urun's), -1 unreadable. */
static int is_container_program(pid_t pid, const struct stat *bb, const struct stat *self)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	if (stat(p, &st) < 0)
		return -1;
	return (st.st_dev == bb->st_dev && st.st_ino == bb->st_ino) ||
	       (st.st_dev == self->st_dev && st.st_ino == self->st_ino);
}

/* Every attack a container can make on a process of urun's that enters its
 * pid namespace; prints "WIN <how> <pid>" for each that works. */
static void attack(pid_t pid, const struct stat *bb, const struct stat *self)
{
	char p[64];
	int known = is_container_program(pid, bb, self);
	if (known == 1)
		return;
	if (known == 0)
		printf("WIN exe %d: /proc/%d/exe reaches a binary outside the container\n",
		       (int)pid, (int)pid);
	/* SEIZE and INTERRUPT, not ATTACH: its SIGSTOP could outlive the
	 * detach and leave the process stopped. */
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
		if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) == 0)
			waitpid(pid, NULL, __WALL);
		/* Unreadable now means it is gone (a tracer may read it). */
		if (is_container_program(pid, bb, self) == 0)
			printf("WIN ptrace %d\n", (int)pid);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	/* The caller's terminal as controlling terminal: with ptrace, one
	 * injected TIOCSTI types into the caller's shell. */
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "re");
	int tty = 0;
	if (f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %d", &tty) == 1 && tty != 0 &&
	    is_container_program(pid, bb, self) != 1)
		printf("WIN ctty %d: it has a controlling terminal (%d)\n", (int)pid, tty);
	if (f)
		fclose(f);
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(p);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char fp[300];
		if (de->d_name[0] == '.')
			continue;
		snprintf(fp, sizeof(fp), "/proc/%d/fd/%s", (int)pid, de->d_name);
		int fd = open(fp, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* It may have become the container's command meanwhile (execve),
		 * whose fds are the container's to open, or be gone. */
		if (is_container_program(pid, bb, self) != 0) {
			close(fd);
			break;
		}
		printf("WIN fd %d: opened %s\n", (int)pid, fp);
		char ch = '#';
		if (ioctl(fd, TIOCSTI, &ch) == 0)
			printf("WIN tiocsti %d: through %s\n", (int)pid, fp);
		int w = openat(fd, "urun-hijacked", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (w >= 0) {
			printf("WIN write %d: created a file through %s\n", (int)pid, fp);
			close(w);
		}
		close(fd);
	}
	if (d)
		closedir(d);
}

/* Attack every process of this pid namespace but PID 1 and ourselves. */
static void attack_all(const struct stat *bb, const struct stat *self)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid > 1 && pid != getpid())
			attack(pid, bb, self);
	}
	if (d)
		closedir(d);
}

/* A compromised container against `urun exec` (CVE-2016-9962 class): FIFO
 * replaces /etc/passwd, so a joining process that opens it blocking waits
 * until we write; before we let it go, we attack every process, as we do
 * all the time anyway. Prints "ready", then "WIN ..." lines for what
 * worked and "fed" each time a reader was let go. */
static int hijack(const char *fifo)
{
	struct stat bb, self;
	if (stat("/bin/busybox", &bb) < 0 || stat("/proc/self/exe", &self) < 0)
		return result(-1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	puts("ready");
	for (;;) {
		attack_all(&bb, &self);
		int w = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (w >= 0) {
			/* A reader waits: it is in the pid namespace now. */
			attack_all(&bb, &self);
			static const char pw[] = "root:x:0:0:root:/root:/bin/sh\n";
			ssize_t k = write(w, pw, sizeof(pw) - 1);
			(void)k;
			close(w);
			puts("fed");
		}
		usleep(5000);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: urun-probe keyctl|add_key|tiocsti|kill PID|ptrace PID|openw "
		      "PATH|ping ADDR|udp-echo PORT|ioctl REQ [newpty]|hijack FIFO\n",
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
	if (strcmp(c, "hijack") == 0)
		return hijack(argv[2]);
	fputs("urun-probe: unknown question\n", stderr);
	return 2;
}
