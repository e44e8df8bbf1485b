/* SPDX-License-Identifier: GPL-2.0-or-later */
/* execdiag.c: the reason behind exit 126 and 127 (and 1). It runs in the
 * child, inside the container's root, after execve failed: no allocation,
 * only open/read/fstat/readlink on what the image holds (hostile input:
 * O_NONBLOCK so a FIFO cannot hold us, bounded reads). The statuses follow
 * podman with crun: 127 when the file does not exist (a dangling symlink
 * too), 126 when it is not an executable regular file, and 1 when it is
 * one but execve failed (a missing #! interpreter or ELF loader, a binary
 * for another architecture), which crun only finds out at execve. */
#include "run/execdiag.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#endif

__attribute__((format(printf, 4, 5))) static void set(struct exec_diag *d, int status, int e,
						      const char *fmt, ...)
{
	va_list ap;
	d->status = status;
	d->err = e;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->hint[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void hint(struct exec_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->hint, sizeof(d->hint), fmt, ap);
	va_end(ap);
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_X86_64:
		return "x86_64 (amd64)";
	case EM_AARCH64:
		return "aarch64 (arm64)";
	case EM_386:
		return "i386";
	case EM_ARM:
		return "arm";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390x";
	case EM_RISCV:
		return "riscv";
	default:
		return "another architecture";
	}
}

/* A symlink whose target does not exist: its target into target. */
static bool is_dangling(const char *path, char *target, size_t len)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	bool r = false;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
		ssize_t k = readlinkat(fd, "", target, len - 1);
		if (k >= 0) {
			target[k] = '\0';
			r = true;
		}
	}
	close(fd);
	return r;
}

/* The interpreter named by a #! line (buf holds the file's start). */
static void shebang(const char *path, char *buf, ssize_t n, struct exec_diag *d)
{
	char *p = buf + 2, *end;
	buf[n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	for (end = p; *end && *end != ' ' && *end != '\t' && *end != '\n'; end++)
		;
	bool cr = end > p && end[-1] == '\r';
	*end = '\0';
	if (access(p, X_OK) == 0 || !*p) {
		set(d, 1, ENOEXEC,
		    "cannot execute `%s`: its interpreter `%s` (from its #! line) cannot run it",
		    path, p);
		return;
	}
	int e = errno;
	if (cr) {
		end[-1] = '\0';
		set(d, 1, e,
		    "cannot execute `%s`: its #! line ends in a carriage return, so its "
		    "interpreter is `%s\\r`",
		    path, p);
		hint(d, "the script has Windows (CRLF) line endings: convert it (dos2unix, or sed "
			"-i 's/\\r$//')");
	} else if (e == ENOENT) {
		set(d, 1, e,
		    "cannot execute `%s`: its interpreter `%s` (from its #! line) does not exist "
		    "in the container",
		    path, p);
		hint(d, "install `%s` in the image, or change the script's #! line", p);
	} else {
		set(d, 1, e,
		    "cannot execute `%s`: its interpreter `%s` (from its #! line) cannot be "
		    "executed: %s",
		    path, p, strerror(e));
	}
}

/* An ELF file: the architecture, then the dynamic loader (PT_INTERP). */
static void elf(const char *path, int fd, const unsigned char *h, ssize_t n, int e,
		struct exec_diag *d)
{
	bool is64 = h[EI_CLASS] == ELFCLASS64;
	unsigned machine = n >= 20 ? (unsigned)(h[18] | h[19] << 8) : 0;
	if (h[EI_DATA] == ELFDATA2MSB && n >= 20)
		machine = (unsigned)(h[18] << 8 | h[19]);
#ifdef HOST_MACHINE
	/* ENOENT: the kernel took it for one of its own (i386 on x86_64) and
	 * looked for the loader; only ENOEXEC says the machine is wrong. */
	if (n >= 20 && machine != HOST_MACHINE && e != ENOENT) {
		set(d, 1, ENOEXEC,
		    "cannot execute `%s`: exec format error: it is a binary for %s, this machine "
		    "runs %s",
		    path, machine_name(machine), machine_name(HOST_MACHINE));
		hint(d, "use an image built for this machine's platform (see --platform)");
		return;
	}
#endif
	/* The program headers, in the host's byte order and class (the
	 * machine matched, so both are the host's). */
	uint64_t phoff;
	unsigned phentsize, phnum;
	if (is64 && n >= (ssize_t)sizeof(Elf64_Ehdr)) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)h;
		phoff = eh->e_phoff, phentsize = eh->e_phentsize, phnum = eh->e_phnum;
	} else if (!is64 && n >= (ssize_t)sizeof(Elf32_Ehdr)) {
		const Elf32_Ehdr *eh = (const Elf32_Ehdr *)(const void *)h;
		phoff = eh->e_phoff, phentsize = eh->e_phentsize, phnum = eh->e_phnum;
	} else {
		set(d, 1, e ? e : ENOEXEC, "cannot execute `%s`: it is a truncated ELF file", path);
		return;
	}
	for (unsigned i = 0; i < phnum && i < 256; i++) {
		uint32_t type;
		uint64_t off, size;
		if (is64) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof(ph), (off_t)(phoff + (uint64_t)i * phentsize)) !=
			    (ssize_t)sizeof(ph))
				break;
			type = ph.p_type, off = ph.p_offset, size = ph.p_filesz;
		} else {
			Elf32_Phdr ph;
			if (pread(fd, &ph, sizeof(ph), (off_t)(phoff + (uint64_t)i * phentsize)) !=
			    (ssize_t)sizeof(ph))
				break;
			type = ph.p_type, off = ph.p_offset, size = ph.p_filesz;
		}
		if (type != PT_INTERP)
			continue;
		char interp[PATH_MAX];
		ssize_t k = pread(fd, interp, size < sizeof(interp) ? size : sizeof(interp) - 1,
				  (off_t)off);
		if (k <= 0)
			break;
		interp[k] = '\0';
		if (access(interp, X_OK) < 0 && errno == ENOENT) {
			set(d, 1, ENOENT,
			    "cannot execute `%s`: its dynamic loader `%s` does not exist in the "
			    "container",
			    path, interp);
			hint(d, "it was linked against a C library the image does not have: use a "
				"static binary, "
				"or an image with that library");
			return;
		}
		break;
	}
	if (e == ENOEXEC)
		set(d, 1, e,
		    "cannot execute `%s`: exec format error: a damaged or unsupported ELF file",
		    path);
	else
		set(d, 1, e, "cannot execute `%s`: %s", path, strerror(e));
}

/* An executable regular file that execve refused: look inside. */
static void content(const char *path, int e, struct exec_diag *d)
{
	unsigned char buf[sizeof(Elf64_Ehdr) > 256 ? sizeof(Elf64_Ehdr) : 256];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	if (n >= 2 && buf[0] == '#' && buf[1] == '!')
		shebang(path, (char *)buf, n, d);
	else if (n >= EI_NIDENT && memcmp(buf, ELFMAG, SELFMAG) == 0)
		elf(path, fd, buf, n, e, d);
	else if (n >= 0 && (e == ENOEXEC || e == 0)) {
		set(d, 1, ENOEXEC, "cannot execute `%s`: exec format error: it is %s", path,
		    n == 0 ? "empty" : "neither an ELF binary nor a script starting with #!");
		hint(d,
		     "if it is a shell script, make `#!/bin/sh` its first line, or run it as `sh "
		     "%s`",
		     path);
	} else if (e == EPERM && fd >= 0 && fgetxattr(fd, "security.capability", NULL, 0) > 0) {
		set(d, 1, e,
		    "cannot execute `%s`: it has file capabilities the container may not have",
		    path);
		hint(d, "add them with --cap-add, or remove them from the file in the image "
			"(setcap -r)");
	} else {
		set(d, 1, e, "cannot execute `%s`: %s", path, strerror(e ? e : ENOEXEC));
	}
	if (fd >= 0)
		close(fd);
}

void execdiag_file(const char *path, int e, struct exec_diag *d)
{
	char target[PATH_MAX];
	struct stat st;
	/* crun's test before execve: an executable (for us) regular file. */
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
		int ae = errno;
		if (ae == ENOENT && is_dangling(path, target, sizeof(target))) {
			set(d, 127, ENOENT,
			    "executable file `%s` not found: it is a symbolic link to `%s`, which "
			    "does not exist in the container",
			    path, target);
			hint(d, "the image's link is broken: run the program by another path, or "
				"fix the link");
		} else if (ae == ENOENT) {
			set(d, 127, ENOENT, "executable file `%s` not found", path);
			hint(d, "check the path: it does not exist in the image");
		} else if (ae == EACCES && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			   !(st.st_mode & 0111)) {
			set(d, 126, EACCES,
			    "cannot execute `%s`: permission denied: it is not executable (mode "
			    "%04o)",
			    path, (unsigned)(st.st_mode & 07777));
			hint(d,
			     "make it executable in the image (chmod +x), or run it through its "
			     "interpreter, e.g. `sh %s`",
			     path);
		} else if (ae == EACCES && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			set(d, 126, EACCES, "cannot execute `%s`: it is a directory", path);
			hint(d, "give the path of a program inside it");
		} else if (ae == EACCES && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			set(d, 126, EACCES,
			    "cannot execute `%s`: permission denied (mode %04o, owner %u, running "
			    "as uid %u)",
			    path, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
			    (unsigned)geteuid());
			hint(d, "run it as a user allowed to execute it (--user), or change its "
				"mode in the image");
		} else {
			set(d, 126, ae, "cannot execute `%s`: %s", path, strerror(ae));
		}
		return;
	}
	if (stat(path, &st) < 0) {
		set(d, 126, errno, "cannot execute `%s`: %s", path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		set(d, 126, EISDIR, "cannot execute `%s`: it is a directory", path);
		hint(d, "give the path of a program inside it");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		set(d, 126, EACCES, "cannot execute `%s`: it is not a regular file", path);
		return;
	}
	struct statvfs sv;
	if (e == EACCES && statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOEXEC)) {
		set(d, 126, EACCES,
		    "cannot execute `%s`: permission denied: its filesystem is mounted noexec",
		    path);
		hint(d, "copy it to a filesystem mounted with exec, or mount its volume without "
			"noexec");
		return;
	}
	content(path, e, d);
}

bool execdiag_candidate(char *buf, size_t size, const char *dir, size_t len, const char *cmd)
{
	if (len + 2 + strlen(cmd) + 1 > size)
		return false;
	memcpy(buf, dir, len);
	if (len == 0)
		buf[len++] = '.';
	buf[len] = '/';
	strcpy(buf + len + 1, cmd);
	return true;
}

void execdiag_path(const char *cmd, const char *path_env, struct exec_diag *d)
{
	char buf[PATH_MAX], target[PATH_MAX];
	bool dangling = false;
	char link[PATH_MAX];
	for (const char *p = path_env;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		if (execdiag_candidate(buf, sizeof(buf), p, dl, cmd)) {
			struct stat st;
			/* It exists: execve's ENOENT was about its interpreter. */
			if (stat(buf, &st) == 0) {
				execdiag_file(buf, ENOENT, d);
				return;
			}
			if (!dangling && is_dangling(buf, target, sizeof(target))) {
				dangling = true;
				snprintf(link, sizeof(link), "%s", buf);
			}
		}
		if (!*end)
			break;
		p = end;
	}
	if (dangling) {
		set(d, 127, ENOENT,
		    "executable file `%s` not found in $PATH: `%s` is a symbolic link to `%s`, "
		    "which does not exist in the container",
		    cmd, link, target);
		hint(
		    d,
		    "the image's link is broken: run the program by another path, or fix the link");
		return;
	}
	set(d, 127, ENOENT, "executable file `%s` not found in $PATH", cmd);
	hint(d, "check the command name and the image's PATH");
}
