/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-cache.h: the compiled seccomp filter, cached per user. Compiling
 * the default profile costs ~14 ms of libseccomp time; loading the cached
 * BPF costs a read. */
#ifndef URUN_RUN_SECCOMP_CACHE_H
#define URUN_RUN_SECCOMP_CACHE_H

#include "run/seccomp.h"

/* Compile the profile at `path` (NULL: the built-in one) for the capability
 * mask `caps`, or load the result of an earlier identical compile from
 * $XDG_CACHE_HOME/urun/seccomp/. The cache key covers the profile's bytes,
 * caps, the kernel release, the machine and the libseccomp version. */
int seccomp_cache_compile(const char *path, uint64_t caps, struct seccomp_program *out, struct urun_error *err);

#endif
