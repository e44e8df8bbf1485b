/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-seccomp.c: profile parsing and its error messages, the shipped default
 * profile, and what a process confined by a compiled filter can still do. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "run/seccomp.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "tap.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SRCDIR
#define SRCDIR "."
#endif

/* Rootless podman's default capabilities: what urun runs containers with. */
#define DEFAULT_CAPS                                                                               \
	((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) |                 \
	 (1ULL << CAP_FSETID) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE) |              \
	 (1ULL << CAP_SETFCAP) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP) |                    \
	 (1ULL << CAP_SETUID) | (1ULL << CAP_SYS_CHROOT))
#define ALL_CAPS ((1ULL << (CAP_LAST_CAP + 1)) - 1)

__attribute__((format(printf, 1, 2))) static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static char *profile_path(void)
{
	const char *top = getenv("top_srcdir");

	return xasprintf("%s/config/seccomp.json", top && *top ? top : SRCDIR);
}

/* Compiling and checking must both refuse `json`, with the same message
 * after their labels, and that message must contain `fragment`. */
static void rejects(const char *json, size_t len, const char *fragment, const char *name)
{
	struct seccomp_program prog = {0};
	struct urun_error cerr = {0}, kerr = {0};
	static const char clabel[] = "`test.json`: ", klabel[] = "seccomp profile: ";

	int rc = seccomp_compile_buffer(json, len, "`test.json`", 0, &prog, &cerr);
	int rk = seccomp_profile_check(json, len, &kerr);
	const char *cm = cerr.msg ? cerr.msg : "", *km = kerr.msg ? kerr.msg : "";
	bool same = strncmp(cm, clabel, strlen(clabel)) == 0 &&
		    strncmp(km, klabel, strlen(klabel)) == 0 &&
		    strcmp(cm + strlen(clabel), km + strlen(klabel)) == 0;

	if (!ok(rc == -EINVAL && rk == -EINVAL && same && strstr(cm, fragment) && !prog.bpf, "%s",
		name)) {
		diag("compile: %d %s", rc, cm);
		diag("check:   %d %s", rk, km);
		diag("wanted:  %s", fragment);
	}
	seccomp_program_free(&prog);
	urun_error_clear(&cerr);
	urun_error_clear(&kerr);
}

static void rejects_str(const char *json, const char *fragment, const char *name)
{
	rejects(json, strlen(json), fragment, name);
}

/* ---- running code under a filter ---- */

typedef void (*probe_fn)(int *results);

static int result_of(long r)
{
	return r < 0 ? errno : 0;
}

/* Fork; the child sets no_new_privs, loads p and runs probe, which stores
 * 0 or an errno per probe. Returns 0 when the child reported back. */
static int run_confined(const struct seccomp_program *p, probe_fn probe, int *results, size_t n)
{
	int fds[2], status;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		size_t size = n * sizeof(int);

		close(fds[0]);
		for (size_t i = 0; i < n; i++)
			results[i] = -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(2);
		if (p && seccomp_program_load(p) < 0)
			_exit(3);
		probe(results);
		_exit(write(fds[1], results, size) == (ssize_t)size ? 0 : 4);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], results, n * sizeof(int));
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != (ssize_t)(n * sizeof(int))) {
		diag("confined child: status 0x%x, %zd bytes", (unsigned int)status, got);
		return -ECHILD;
	}
	return 0;
}

enum {
	P_GETPID,
	P_OPEN_READ,
	P_WRITE,
	P_MMAP,
	P_FORK,
	P_THREAD,
	P_INET_SOCKET,
	P_PERSONALITY_QUERY,
	P_KEYCTL,
	P_ADD_KEY,
	P_UNSHARE_USER,
	P_CLONE_NEWUSER,
	P_CLONE3,
	P_IO_URING,
	P_PERSONALITY_NORANDOM,
	P_AUDIT_SOCKET,
	P_COUNT
};

static const struct {
	const char *what;
	int want; /* under urun's default profile */
} probes[P_COUNT] = {
    [P_GETPID] = {"getpid works", 0},
    [P_OPEN_READ] = {"open and read work", 0},
    [P_WRITE] = {"write works", 0},
    [P_MMAP] = {"mmap and munmap work", 0},
    [P_FORK] = {"fork and wait work", 0},
    [P_THREAD] = {"pthread_create works (clone3 ENOSYS, clone fallback)", 0},
    [P_INET_SOCKET] = {"socket(AF_INET) works", 0},
    [P_PERSONALITY_QUERY] = {"personality(0xffffffff) works", 0},
    [P_KEYCTL] = {"keyctl(KEYCTL_GET_KEYRING_ID) gets EPERM", EPERM},
    [P_ADD_KEY] = {"add_key gets EPERM", EPERM},
    [P_UNSHARE_USER] = {"unshare(CLONE_NEWUSER) gets EPERM", EPERM},
    [P_CLONE_NEWUSER] = {"clone(CLONE_NEWUSER) gets EPERM", EPERM},
    [P_CLONE3] = {"clone3 gets ENOSYS", ENOSYS},
    [P_IO_URING] = {"io_uring_setup gets ENOSYS", ENOSYS},
    [P_PERSONALITY_NORANDOM] = {"personality(ADDR_NO_RANDOMIZE) is refused (ENOSYS)", ENOSYS},
    [P_AUDIT_SOCKET] = {"socket(AF_NETLINK, NETLINK_AUDIT) gets EINVAL", EINVAL},
};

static void *thread_main(void *arg)
{
	return arg;
}

static void probe_default(int *res)
{
	char buf[16];
	int status;

	res[P_GETPID] = result_of(syscall(SYS_getpid));

	_cleanup_free_ char *path = profile_path();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	res[P_OPEN_READ] = fd < 0 ? errno : result_of(read(fd, buf, sizeof(buf)));
	if (fd >= 0)
		close(fd);

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	res[P_WRITE] = fd < 0 ? errno : result_of(write(fd, "x", 1));
	if (fd >= 0)
		close(fd);

	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	res[P_MMAP] = m == MAP_FAILED ? errno : result_of(munmap(m, 4096));

	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	res[P_FORK] = pid < 0 ? errno
			      : (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
					 WEXITSTATUS(status) == 7
				     ? 0
				     : ECHILD);

	pthread_t th;
	int r = pthread_create(&th, NULL, thread_main, NULL);
	res[P_THREAD] = r ? r : pthread_join(th, NULL);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	res[P_INET_SOCKET] = result_of(fd);
	if (fd >= 0)
		close(fd);

	res[P_PERSONALITY_QUERY] = result_of(syscall(SYS_personality, 0xffffffffUL));
	res[P_KEYCTL] =
	    result_of(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	/* The process keyring dies with this child, should the filter fail. */
	res[P_ADD_KEY] = result_of(
	    syscall(SYS_add_key, "user", "urun-test", "x", (size_t)1, KEY_SPEC_PROCESS_KEYRING));
	long c = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0);
	if (c == 0)
		_exit(0);
	res[P_CLONE_NEWUSER] = result_of(c);
	if (c > 0)
		waitpid((pid_t)c, &status, 0);

	res[P_UNSHARE_USER] = result_of(unshare(CLONE_NEWUSER));

	/* Harmless when let through: a NULL clone_args of size 0 is EINVAL. */
	res[P_CLONE3] = result_of(syscall(SYS_clone3, NULL, (size_t)0));
	res[P_IO_URING] = result_of(syscall(SYS_io_uring_setup, 1, NULL));
	res[P_PERSONALITY_NORANDOM] =
	    result_of(syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE));

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	res[P_AUDIT_SOCKET] = result_of(fd);
	if (fd >= 0)
		close(fd);
}

/* A small default-deny profile for the includes/excludes tests: enough to
 * report back and exit (and for ASan, which calls sigaltstack before _exit),
 * plus rules on getppid, getuid, getgid, getpgid and personality. */
#define SMALL_PROFILE(RULES)                                                                       \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["          \
	"{\"names\": [\"write\", \"close\", \"exit\", \"exit_group\", \"rt_sigreturn\", "          \
	"\"sigaltstack\", \"mmap\", \"munmap\", \"madvise\", \"rt_sigprocmask\", \"gettid\"], "    \
	"\"action\": \"SCMP_ACT_ALLOW\"}, " RULES "]}"

enum {
	S_GETPPID,
	S_GETUID,
	S_GETGID,
	S_GETPGID,
	S_PERS_QUERY,
	S_PERS_LINUX,
	S_PERS_NORANDOM,
	S_COUNT
};

static void probe_small(int *res)
{
	res[S_GETPPID] = result_of(syscall(SYS_getppid));
	res[S_GETUID] = result_of(syscall(SYS_getuid));
	res[S_GETGID] = result_of(syscall(SYS_getgid));
	res[S_GETPGID] = result_of(syscall(SYS_getpgid, 0));
	res[S_PERS_QUERY] = result_of(syscall(SYS_personality, 0xffffffffUL));
	res[S_PERS_LINUX] = result_of(syscall(SYS_personality, (unsigned long)PER_LINUX));
	res[S_PERS_NORANDOM] =
	    result_of(syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE));
}

static const char small_profile[] = SMALL_PROFILE(
    "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", "
    "\"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ALLOW\", "
    "\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "{\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_ALLOW\", "
    "\"includes\": {\"minKernel\": \"5.4\"}},"
    "{\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ALLOW\", "
    "\"includes\": {\"arches\": [\"amd64\", \"arm64\", \"riscv64\", \"ppc64le\", \"s390x\"]}},"
    /* a repeated argument index: each comparison is a rule of its own (OR) */
    "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
    "{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_EQ\"},"
    "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}");

static void test_small_profile(uint64_t caps, const char *kernel, int want_ppid, int want_uid,
			       int want_gid, const char *what)
{
	struct seccomp_program prog = {0};
	struct urun_error err = {0};
	int res[S_COUNT];
	char name[160];

	int r = seccomp_compile_buffer_kernel(small_profile, strlen(small_profile), "small", caps,
					      kernel, &prog, &err);
	snprintf(name, sizeof(name), "small profile compiles %s", what);
	if (!is_int(r, 0, name))
		diag("%s", err.msg ? err.msg : "");
	/* -1 everywhere when there is no answer: the assertions fail. */
	memset(res, 0xff, sizeof(res));
	if (r == 0)
		run_confined(&prog, probe_small, res, S_COUNT);
	snprintf(name, sizeof(name), "includes.caps: getppid %s %s",
		 want_ppid ? "refused" : "allowed", what);
	is_int(res[S_GETPPID], want_ppid, name);
	snprintf(name, sizeof(name), "excludes.caps: getuid %s %s",
		 want_uid ? "refused" : "allowed", what);
	is_int(res[S_GETUID], want_uid, name);
	snprintf(name, sizeof(name), "includes.minKernel 5.4: getgid %s on kernel %s",
		 want_gid ? "refused" : "allowed", kernel);
	is_int(res[S_GETGID], want_gid, name);
	if (caps == 0) {
#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64) ||     \
    (defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) || defined(__s390x__)
		is_int(res[S_GETPGID], 0, "includes.arches with the native GOARCH name applies");
#else
		skip("includes.arches test lists only amd64, arm64, riscv64, ppc64le and s390x");
#endif
		is_int(res[S_PERS_QUERY], 0, "repeated argument index: first comparison allows");
		is_int(res[S_PERS_LINUX], 0, "repeated argument index: second comparison allows");
		is_int(res[S_PERS_NORANDOM], EPERM,
		       "repeated argument index: other values refused");
	}
	seccomp_program_free(&prog);
	urun_error_clear(&err);
}

static void test_default_profile(void)
{
	struct seccomp_program prog = {0};
	struct urun_error err = {0};
	int res[P_COUNT], base[P_COUNT];
	_cleanup_free_ char *path = profile_path();

	int r = seccomp_compile_file(path, DEFAULT_CAPS, &prog, &err);
	if (!is_int(r, 0, "config/seccomp.json compiles with the default capabilities"))
		diag("%s", err.msg ? err.msg : "");
	size_t insns = prog.len / 8;
	if (!ok(prog.bpf && prog.len % 8 == 0 && insns > 0 && insns <= 4096,
		"compiled program is whole instructions, within the kernel's 4096"))
		diag("%zu bytes", prog.len);
	diag("default profile: %zu BPF instructions", insns);

	/* What the probes return unconfined, so a reader can tell which
	 * assertions below the filter is really responsible for. */
	if (run_confined(NULL, probe_default, base, P_COUNT) == 0)
		for (int i = P_KEYCTL; i < P_COUNT; i++)
			diag("unconfined, %s: %s", probes[i].what,
			     base[i] ? strerror(base[i]) : "success");

	memset(res, 0xff, sizeof(res));
	if (r == 0)
		run_confined(&prog, probe_default, res, P_COUNT);
	for (int i = 0; i < P_COUNT; i++) {
		if (!is_int(res[i], probes[i].want, probes[i].what))
			diag("got %s", res[i] > 0 ? strerror(res[i])
				       : res[i]	  ? "no answer"
						  : "success");
	}
	seccomp_program_free(&prog);

	struct {
		uint64_t caps;
		const char *kernel, *what;
	} variants[] = {
	    {0, NULL, "with no capabilities"},
	    {ALL_CAPS, NULL, "with every capability"},
	    {DEFAULT_CAPS, "4.4", "for a 4.4 kernel (minKernel rules left out)"},
	};
	_cleanup_free_ char *json = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	if (f) {
		json = xmalloc(1 << 20);
		len = fread(json, 1, 1 << 20, f);
		fclose(f);
	}
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		char name[128];

		snprintf(name, sizeof(name), "config/seccomp.json compiles %s", variants[i].what);
		r = json ? seccomp_compile_buffer_kernel(json, len, "default", variants[i].caps,
							 variants[i].kernel, &prog, &err)
			 : -ENOENT;
		if (!is_int(r, 0, name))
			diag("%s", err.msg ? err.msg : "");
		seccomp_program_free(&prog);
	}
	r = json ? seccomp_profile_check(json, len, &err) : -ENOENT;
	if (!is_int(r, 0, "config/seccomp.json passes seccomp_profile_check"))
		diag("%s", err.msg ? err.msg : "");
	urun_error_clear(&err);
}

/* ioctl requests around TIOCSTI and TIOCLINUX: the two themselves (also
 * with the upper 32 bits set, which the kernel ignores), every request one
 * bit away from either, every pattern of the bits they differ in, and
 * TCGETS sign-extended as musl passes requests with bit 31 set. */
#define IOCTL_MAX 80
static unsigned long ioctl_reqs[IOCTL_MAX];
static size_t n_ioctl_reqs;

static void add_req(unsigned long r)
{
	for (size_t i = 0; i < n_ioctl_reqs; i++)
		if (ioctl_reqs[i] == r)
			return;
	if (n_ioctl_reqs < IOCTL_MAX)
		ioctl_reqs[n_ioctl_reqs++] = r;
}

static bool is_blocked(unsigned long r)
{
	return (r & 0xffffffffUL) == TIOCSTI || (r & 0xffffffffUL) == TIOCLINUX;
}

static void probe_ioctls(int *res)
{
	/* /dev/null: every request either fails (ENOTTY) or does nothing harmful;
	 * a buffer large enough for any size the request encodes */
	static char buf[16384];
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (size_t i = 0; i < n_ioctl_reqs; i++) {
		memset(buf, 0, sizeof(buf));
		res[i] = fd < 0 ? EBADF : result_of(syscall(SYS_ioctl, fd, ioctl_reqs[i], buf));
	}
	if (fd >= 0)
		close(fd);
}

static void test_default_ioctl(void)
{
	struct seccomp_program prog = {0};
	struct urun_error err = {0};
	int base[IOCTL_MAX], res[IOCTL_MAX];
	_cleanup_free_ char *path = profile_path();

	add_req(TIOCSTI);
	add_req(TIOCLINUX);
	add_req(0xffffffff00000000UL | TIOCSTI);
	add_req(0x100000000UL | TIOCLINUX);
	for (int b = 0; b < 32; b++) {
		add_req(TIOCSTI ^ (1UL << b));
		add_req(TIOCLINUX ^ (1UL << b));
	}
	for (unsigned long p = 0; p < 8; p++)
		add_req((TIOCSTI & ~0xeUL) | p << 1);
	add_req(0xffffffff00000000UL | TCGETS);

	int r = seccomp_compile_file(path, DEFAULT_CAPS, &prog, &err);
	memset(res, 0xff, sizeof(res));
	if (r < 0 || run_confined(NULL, probe_ioctls, base, n_ioctl_reqs) < 0 ||
	    run_confined(&prog, probe_ioctls, res, n_ioctl_reqs) < 0) {
		ok(0, "ioctl probes ran");
		diag("%s", err.msg ? err.msg : "");
		seccomp_program_free(&prog);
		urun_error_clear(&err);
		return;
	}
	size_t wrong = 0, blocked = 0;
	for (size_t i = 0; i < n_ioctl_reqs; i++) {
		int want = is_blocked(ioctl_reqs[i]) ? EPERM : base[i];
		blocked += is_blocked(ioctl_reqs[i]);
		if (res[i] != want) {
			wrong++;
			diag("ioctl 0x%lx: got %s, want %s", ioctl_reqs[i], strerror(res[i]),
			     strerror(want));
		}
	}
	is_int((long long)blocked, 4, "four of the requests are TIOCSTI or TIOCLINUX");
	is_int((long long)wrong, 0,
	       "default profile: TIOCSTI and TIOCLINUX get EPERM, whatever the upper 32 bits; "
	       "every request near them reaches the kernel");
	seccomp_program_free(&prog);
	urun_error_clear(&err);
}

static void test_accepts(void)
{
	static const struct {
		const char *json, *what;
	} good[] = {
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "a profile with no syscalls"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": ["
	     "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
	     "a rule with the default action is skipped, not refused"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"getpid\", "
	     "\"no_such_syscall_xyz\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	     "unknown syscall names are skipped"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": null, \"syscalls\": "
	     "[{\"names\": "
	     "[\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": null, \"includes\": null, "
	     "\"excludes\": {}, \"comment\": \"\"}]}",
	     "null and empty members, as Go writes them"},
	    {"{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"syscalls\": [{\"name\": \"getpid\", "
	     "\"action\": \"SCMP_ACT_LOG\"}, {\"names\": [\"read\"], \"action\": "
	     "\"SCMP_ACT_TRACE\", "
	     "\"errnoRet\": 7}, {\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\", "
	     "\"errnoRet\": 0}]}\n\n",
	     "legacy name, LOG, TRACE, ERRNO 0, trailing newlines"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"\", \"names\": "
	     "[\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	     "an empty legacy name next to names"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
	     "\"SCMP_ARCH_X86\", \"SCMP_ARCH_AARCH64\"], \"syscalls\": []}",
	     "the legacy architectures list"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct seccomp_program prog = {0};
		struct urun_error err = {0};

		int r = seccomp_compile_buffer(good[i].json, strlen(good[i].json), "`test.json`", 0,
					       &prog, &err);
		int k = seccomp_profile_check(good[i].json, strlen(good[i].json), &err);
		if (!ok(r == 0 && k == 0 && prog.bpf, "accepts %s", good[i].what))
			diag("%d %d %s", r, k, err.msg ? err.msg : "");
		seccomp_program_free(&prog);
		urun_error_clear(&err);
	}
}

static void test_rejects(void)
{
	rejects_str("{\"defaultAction\": }", "invalid JSON at line 1, column 19", "malformed JSON");
	rejects_str("{\"defaultAction\":\n  \"SCMP_ACT_ALLOW\",}", "invalid JSON at line 2",
		    "a trailing comma (strict JSON)");
	rejects_str("{\"defaultAction\": \"SCMP_ACT_ALLOW\"} {}",
		    "invalid JSON at line 1, column 37", "data after the top-level object");
	static const char nul_inside[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\0x";
	rejects(nul_inside, sizeof(nul_inside) - 1, "data after the end",
		"a NUL byte inside the buffer");
	rejects_str("", "the profile is empty", "an empty profile");
	rejects_str("[]", "the top level must be a JSON object", "a top-level array");

	_cleanup_free_ char *deep = xmalloc(10001);
	memset(deep, '[', 10000);
	deep[10000] = '\0';
	rejects_str(deep, "nesting deeper than 64", "10,000 levels of nesting");

	_cleanup_free_ char *big = xmalloc(SECCOMP_PROFILE_MAX_BYTES + 1);
	memset(big, ' ', SECCOMP_PROFILE_MAX_BYTES + 1);
	memcpy(big, "{}", 2);
	rejects(big, SECCOMP_PROFILE_MAX_BYTES + 1, "larger than 4 MiB", "a profile over 4 MiB");

	rejects_str("{\"syscalls\": []}", "`defaultAction` is missing", "no defaultAction");
	rejects_str("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
		    "`syscalls` must be an array", "syscalls of the wrong type");
	rejects_str("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
		    "`SCMP_ACT_NOTIFY` is not supported", "SCMP_ACT_NOTIFY");
	rejects_str(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}",
	    "`flags` is not supported", "filter flags");
	rejects_str("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
		    "`defaultErrnoRet` is only valid with SCMP_ACT_ERRNO",
		    "defaultErrnoRet with ALLOW");

	/* Messages name the entry by its index in syscalls[]. */
	struct urun_error err = {0};
	struct seccomp_program prog = {0};
	static const char unknown_action[] =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	    "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_FOO\"}]}";
	seccomp_compile_buffer(unknown_action, strlen(unknown_action), "`/etc/x.json`", 0, &prog,
			       &err);
	is_str(err.msg, "`/etc/x.json`: syscalls[1]: unknown action `SCMP_ACT_FOO`",
	       "unknown action: the message names file, entry and action");
	ok(err.hint && strstr(err.hint, "SCMP_ACT_ALLOW"),
	   "unknown action: the hint lists actions");
	static const char bad_op[] =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, "
	    "\"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}]}";
	seccomp_compile_buffer(bad_op, strlen(bad_op), "`/etc/x.json`", 0, &prog, &err);
	is_str(err.msg, "`/etc/x.json`: syscalls[0]: args[1]: unknown operator `SCMP_CMP_FOO`",
	       "unknown operator: the message names entry, argument and operator");
	ok(err.hint && strstr(err.hint, "SCMP_CMP_MASKED_EQ"),
	   "unknown operator: the hint lists them");
	urun_error_clear(&err);

#define ENTRY(E) "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" E "]}"
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_FOO\"}"),
		    "syscalls[0]: unknown action `SCMP_ACT_FOO`", "unknown action");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			  "[{\"index\": 0, \"op\": \"SCMP_CMP_FOO\"}]}"),
		    "syscalls[0]: args[0]: unknown operator `SCMP_CMP_FOO`", "unknown operator");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			  "[{\"index\": 6, \"op\": \"SCMP_CMP_EQ\"}]}"),
		    "args[0]: `index` is 6, more than 5", "argument index 6");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			  "[{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}"),
		    "`value` must not be negative", "a negative argument value");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			  "[{\"index\": 0, \"value\": 1.5, \"op\": \"SCMP_CMP_EQ\"}]}"),
		    "`value` must be an integer", "a fractional argument value");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			  "[{\"op\": \"SCMP_CMP_EQ\"}]}"),
		    "args[0]: `index` is missing", "an argument without index");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}"),
		    "syscalls[0]: `SCMP_ACT_NOTIFY` is not supported", "SCMP_ACT_NOTIFY in a rule");
	rejects_str(
	    ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}"),
	    "`errnoRet` is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
	    "errnoRet with ALLOW");
	rejects_str(
	    ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}"),
	    "`errnoRet` is 5000, more than 4095", "errnoRet beyond MAX_ERRNO");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
			  "{\"caps\": [\"CAP_SYSADMIN\"]}}"),
		    "syscalls[0]: includes: unknown capability `CAP_SYSADMIN`",
		    "a misspelt capability");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": "
			  "{\"minKernel\": \"five\"}}"),
		    "syscalls[0]: excludes: `minKernel` must look like \"4.8\", not `five`",
		    "a malformed minKernel");
	rejects_str(
	    ENTRY("{\"names\": [\"read\"], \"name\": \"write\", \"action\": \"SCMP_ACT_ALLOW\"}"),
	    "has both `name` and `names`", "both name and names");
	rejects_str(ENTRY("{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}"), "names no syscall",
		    "an entry without syscall names");
	rejects_str(ENTRY("{\"names\": [\"getpid\\u0000x\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
		    "names[0] contains a NUL character", "a syscall name with a NUL character");
	rejects_str(ENTRY("{\"names\": [\"read\", 3], \"action\": \"SCMP_ACT_ALLOW\"}"),
		    "syscalls[0]: names[1] must be a string", "a syscall name that is a number");
	rejects_str(ENTRY("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}, 7"),
		    "syscalls[1] must be an object", "an entry that is not an object");
#undef ENTRY

	/* A hostile profile must not reach the terminal with escape sequences. */
	static const char esc[] = "{\"defaultAction\": \"\\u001b[2J\\u001b]0;pwned\\u0007\"}";
	seccomp_compile_buffer(esc, strlen(esc), "`test.json`", 0, &prog, &err);
	ok(err.msg && !strchr(err.msg, '\033') && !strchr(err.msg, '\a'),
	   "control characters from the profile are not echoed: %s", err.msg ? err.msg : "");
	urun_error_clear(&err);

	int r = seccomp_compile_file("/nonexistent/seccomp.json", 0, &prog, &err);
	ok(r == -ENOENT && err.code == ENOENT && err.msg &&
	       strstr(err.msg, "`/nonexistent/seccomp.json`"),
	   "a missing file: ENOENT, path in the message: %s", err.msg ? err.msg : "");
	urun_error_clear(&err);
	r = seccomp_compile_file("/", 0, &prog, &err);
	ok(r == -EISDIR && err.msg && strstr(err.msg, "reading seccomp profile `/`"),
	   "a directory: EISDIR: %s", err.msg ? err.msg : "");
	urun_error_clear(&err);
	r = seccomp_compile_buffer_kernel("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", 35, NULL, 0,
					  "linux", &prog, &err);
	ok(r == -EINVAL && err.msg && strstr(err.msg, "kernel version"),
	   "an unreadable kernel version: %s", err.msg ? err.msg : "");
	urun_error_clear(&err);
}

static void test_load(void)
{
	struct sock_filter insn[2] = {{0}};
	struct seccomp_program bad = {.bpf = insn, .len = 3};

	is_int(seccomp_program_load(&bad), -EINVAL, "load refuses a partial instruction");
	bad.len = 0;
	is_int(seccomp_program_load(&bad), -EINVAL, "load refuses an empty program");
	is_int(seccomp_program_load(NULL), -EINVAL, "load refuses NULL");
	seccomp_program_free(NULL);
	ok(1, "seccomp_program_free(NULL) is a no-op");
}

int main(void)
{
	test_default_profile();
	test_default_ioctl();
	test_small_profile(1ULL << CAP_SYS_ADMIN, "6.1", 0, EPERM, 0, "with CAP_SYS_ADMIN");
	test_small_profile(0, "4.19", EPERM, 0, EPERM, "without CAP_SYS_ADMIN");
	test_accepts();
	test_rejects();
	test_load();
	return done_testing();
}
