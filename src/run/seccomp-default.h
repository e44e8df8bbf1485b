/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-default.h: config/seccomp.json compiled into the binary, so a
 * build-tree urun and a broken install still confine containers. */
#ifndef URUN_RUN_SECCOMP_DEFAULT_H
#define URUN_RUN_SECCOMP_DEFAULT_H

#include <stddef.h>

extern const char seccomp_default_profile[];
extern const size_t seccomp_default_profile_len;

#endif
