/* urun-probe: a static helper the tests bind into containers to ask
 * questions busybox cannot: does keyctl work, can TIOCSTI inject input, can
 * the container signal or ptrace a given pid, can it open a path for writing.
 * Prints OK or the errno name, and exits 0 either way (2 on bad usage). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: urun-probe keyctl|add_key|tiocsti|kill PID|ptrace PID|openw PATH\n", stderr);
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
	fputs("urun-probe: unknown question\n", stderr);
	return 2;
}
