/* SPDX-License-Identifier: GPL-2.0-or-later */
/* security.h: capability sets (libcap), no_new_privs and the seccomp filter,
 * prepared in the parent and applied by the child just before exec. */
#ifndef URUN_RUN_SECURITY_H
#define URUN_RUN_SECURITY_H

#include <sys/capability.h>

#include "run/seccomp.h"
#include "run/spec.h"

/* Rootless podman's default set. */
#define SECURITY_DEFAULT_CAPS                                                                      \
	((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) | (1ULL << CAP_FSETID) | \
	 (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE) | (1ULL << CAP_SETFCAP) |                 \
	 (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP) | (1ULL << CAP_SETUID) | (1ULL << CAP_SYS_CHROOT))

struct security_plan {
	uint64_t bounding;
	int last_cap;
	cap_t root_caps;   /* E = P = bounding, I = 0 */
	cap_t user_caps;   /* all empty: a non-root user gets no capability, as in docker */
	bool no_new_privs;
	bool has_seccomp;
	struct seccomp_program seccomp;
	bool has_fakeroot;
	struct seccomp_program fakeroot;  /* single-id mode: id changes succeed as no-ops */
};

/* Apply --cap-add / --cap-drop lists ("all", "CAP_X" or "X", any case) to *caps. */
int security_parse_caps(uint64_t *caps, char *const *add, char *const *drop,
			struct urun_error *err);

int security_plan(const struct container_spec *spec, struct security_plan *sp, struct urun_error *err);
void security_plan_free(struct security_plan *sp);

/* Child side; no allocation. Bounding set first, while still holding
 * CAP_SETPCAP; then identity change; then the final sets. */
int security_drop_bounding(const struct security_plan *sp);
int security_set_caps(const struct security_plan *sp, bool root);
int security_lock(const struct security_plan *sp);

#endif
