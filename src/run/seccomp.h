/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp.h: docker-format seccomp profiles: check them, compile them to BPF in
 * the parent, and install the result in the container's child with one syscall. */
#ifndef URUN_RUN_SECCOMP_H
#define URUN_RUN_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

struct urun_error;

/* Profiles are refused beyond these limits, before any rule is looked at. */
#define SECCOMP_PROFILE_MAX_BYTES (4u << 20)
#define SECCOMP_PROFILE_MAX_DEPTH 64

struct seccomp_program {
	void *bpf;  /* struct sock_filter[] */
	size_t len; /* bytes of struct sock_filter[] */
};

/* Parse a docker-format profile and compile it for the native architecture
 * plus the subArchitectures archMap lists for it (or every entry of the legacy
 * "architectures" list). `caps` is a bitmask (bit N = capability N) of the
 * container's bounding capabilities, matched against includes.caps (all listed
 * needed) and excludes.caps (any listed excludes); includes.minKernel and
 * excludes.minKernel are compared with the running kernel (uname).
 * Syscall names libseccomp does not know are skipped, as docker does.
 * On success *out owns a program; free it with seccomp_program_free(). */
int seccomp_compile_file(const char *path, uint64_t caps, struct seccomp_program *out,
			 struct urun_error *err);

/* The same for a profile in memory; `len` does not count a terminating NUL.
 * `name_for_errors` starts error messages as is ("built-in seccomp profile",
 * or a path the caller put in backticks); NULL means "seccomp profile". */
int seccomp_compile_buffer(const char *json, size_t len, const char *name_for_errors, uint64_t caps,
			   struct seccomp_program *out, struct urun_error *err);

/* seccomp_compile_buffer() for a given kernel, "MAJOR.MINOR" or a uname -r
 * string; NULL reads uname(2). Tests use it for the minKernel rules. */
int seccomp_compile_buffer_kernel(const char *json, size_t len, const char *name_for_errors,
				  uint64_t caps, const char *kernel, struct seccomp_program *out,
				  struct urun_error *err);

/* Parse and validate without compiling: everything compiling could reject
 * except what depends on the host (architectures libseccomp does not know,
 * filters too large for the kernel). No libseccomp, no syscalls: fuzzable. */
int seccomp_profile_check(const char *json, size_t len, struct urun_error *err);

/* Free the program and zero it; NULL and zeroed programs are fine. */
void seccomp_program_free(struct seccomp_program *p);

/* Install the program in the calling thread; 0 or -errno (errno is set too).
 * Called in the container's child just before execve, after
 * PR_SET_NO_NEW_PRIVS; it does not allocate. */
int seccomp_program_load(const struct seccomp_program *p);

#endif
