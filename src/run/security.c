/* SPDX-License-Identifier: GPL-2.0-or-later */
/* security.c: what the container may do. Capabilities are relative to the
 * container's user namespace, so they grant nothing on the host; they still
 * bound what its root can do inside. Every set is set on purpose: bounding,
 * permitted, effective, inheritable and ambient (inheritable and ambient are
 * always empty: CVE-2022-27650 class). */
#include "run/security.h"
#include "run/seccomp-cache.h"
#include "util/cleanup.h"

#include <ctype.h>
#include <strings.h>
#include <sys/prctl.h>

static int last_cap(void)
{
	int n = (int)cap_max_bits() - 1;
	return n > 63 ? 63 : n;
}

static int cap_lookup(const char *name, struct urun_error *err)
{
	char buf[64];
	cap_value_t v;
	const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	snprintf(buf, sizeof(buf), "cap_%s", n);
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > 63) {
		int r = urun_error_set(err, 0, "unknown capability `%s`", name);
		urun_error_hint(err, "names are as in capabilities(7), e.g. NET_ADMIN or CAP_NET_ADMIN");
		return r;
	}
	return (int)v;
}

int security_parse_caps(uint64_t *caps, char *const *add, char *const *drop, struct urun_error *err)
{
	uint64_t all = last_cap() >= 63 ? ~0ULL : (1ULL << (last_cap() + 1)) - 1;
	/* Drops first, then adds: "--cap-drop=all --cap-add=chown" keeps chown. */
	for (size_t i = 0; drop && drop[i]; i++) {
		if (strcasecmp(drop[i], "all") == 0) {
			*caps = 0;
			continue;
		}
		int c = cap_lookup(drop[i], err);
		if (c < 0)
			return c;
		*caps &= ~(1ULL << c);
	}
	for (size_t i = 0; add && add[i]; i++) {
		if (strcasecmp(add[i], "all") == 0) {
			*caps = all;
			continue;
		}
		int c = cap_lookup(add[i], err);
		if (c < 0)
			return c;
		*caps |= 1ULL << c;
	}
	*caps &= all;
	return 0;
}

int security_plan(const struct container_spec *spec, struct security_plan *sp, struct urun_error *err)
{
	memset(sp, 0, sizeof(*sp));
	sp->last_cap = last_cap();
	sp->bounding = spec->caps;
	sp->no_new_privs = spec->no_new_privs;
	sp->root_caps = cap_init();
	sp->user_caps = cap_init();
	if (!sp->root_caps || !sp->user_caps)
		return urun_error_set(err, errno, "allocating capability sets");
	for (int c = 0; c <= sp->last_cap; c++) {
		cap_value_t v = c;
		if (!(sp->bounding & (1ULL << c)))
			continue;
		cap_set_flag(sp->root_caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
		cap_set_flag(sp->root_caps, CAP_PERMITTED, 1, &v, CAP_SET);
	}
	int r;
	/* With one id mapped, chown to any other id and setuid to it fail
	 * (EINVAL), and package managers stop there. A second filter makes
	 * those calls succeed without doing anything, as fakeroot would;
	 * stacked filters take the strictest action, and ERRNO(0) is stricter
	 * than the main profile's ALLOW. */
	if (!spec->subid_ranges && !spec->fakeroot_off && spec->no_new_privs) {
		static const char fakeroot[] =
			"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chown\",\"fchown\","
			"\"lchown\",\"fchownat\",\"chown32\",\"fchown32\",\"lchown32\",\"setuid\",\"setgid\","
			"\"setuid32\",\"setgid32\",\"setgroups\",\"setgroups32\",\"setresuid\",\"setresgid\","
			"\"setresuid32\",\"setresgid32\",\"setreuid\",\"setregid\",\"setreuid32\",\"setregid32\","
			"\"setfsuid\",\"setfsgid\",\"setfsuid32\",\"setfsgid32\"],\"action\":\"SCMP_ACT_ERRNO\","
			"\"errnoRet\":0}]}";
		if ((r = seccomp_compile_buffer(fakeroot, sizeof(fakeroot) - 1, "the fakeroot filter", sp->bounding,
						&sp->fakeroot, err)) < 0)
			return r;
		sp->has_fakeroot = true;
	}
	if (spec->seccomp_unconfined)
		return 0;
	/* Without a configured profile, the built-in copy of config/seccomp.json. */
	r = seccomp_cache_compile(spec->seccomp_profile, sp->bounding, &sp->seccomp, err);
	if (r < 0)
		return urun_error_wrap(err, "loading the seccomp profile");
	sp->has_seccomp = true;
	return 0;
}

void security_plan_free(struct security_plan *sp)
{
	if (sp->root_caps)
		cap_free(sp->root_caps);
	if (sp->user_caps)
		cap_free(sp->user_caps);
	if (sp->has_seccomp)
		seccomp_program_free(&sp->seccomp);
	if (sp->has_fakeroot)
		seccomp_program_free(&sp->fakeroot);
	memset(sp, 0, sizeof(*sp));
}

int security_drop_bounding(const struct security_plan *sp)
{
	for (int c = 0; c <= sp->last_cap; c++)
		if (!(sp->bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	/* Keep permitted caps across the setresuid that follows. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int security_set_caps(const struct security_plan *sp, bool root)
{
	if (cap_set_proc(root ? sp->root_caps : sp->user_caps) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int security_lock(const struct security_plan *sp)
{
	/* no_new_privs: a setuid binary in the image gains nothing, and the
	 * filter below needs it without CAP_SYS_ADMIN in the parent namespace. */
	if (sp->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (sp->has_seccomp && seccomp_program_load(&sp->seccomp) < 0)
		return -errno;
	if (sp->has_fakeroot && seccomp_program_load(&sp->fakeroot) < 0)
		return -errno;
	return 0;
}
