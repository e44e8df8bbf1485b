/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec.c: life cycle of struct container_spec and its small vector helpers. */
#include "run/spec.h"
#include "util/cleanup.h"

#include <sched.h>
#include <stdint.h>

void spec_init(struct container_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->ns_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
			 CLONE_NEWNET | CLONE_NEWCGROUP;
	spec->host_uid = getuid();
	spec->host_gid = getgid();
	spec->no_new_privs = true;
	spec->stop_timeout = 10;
	spec->log_fd = -1;
	spec->mtu = 65520;
	spec->port_max_conns = 256;
	spec->port_max_peers = 256;
}

void spec_free(struct container_spec *spec)
{
	free(spec->rootfs);
	free(spec->rootfs_scratch);
	free(spec->rootfs_lower);
	free(spec->rootfs_upper);
	free(spec->rootfs_work);
	free(spec->rootfs_merged);
	free(spec->fuse_overlayfs);
	strv_free(spec->argv);
	strv_free(spec->env);
	free(spec->workdir);
	free(spec->user);
	strv_free(spec->group_add);
	free(spec->hostname);
	free(spec->init_path);
	free(spec->newuidmap);
	free(spec->newgidmap);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].source);
		free(spec->mounts[i].target);
		free(spec->mounts[i].data);
	}
	free(spec->mounts);
	free(spec->ulimits);
	free(spec->seccomp_profile);
	free(spec->cidr);
	free(spec->ports);
	strv_free(spec->dns);
	strv_free(spec->dns_search);
	strv_free(spec->dns_options);
	strv_free(spec->add_hosts);
	free(spec->slirp4netns);
	free(spec->pasta);
	strv_free(spec->pasta_args);
	free(spec->run_dir);
	free(spec->keeper_dir);
	memset(spec, 0, sizeof(*spec));
}

static size_t env_name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

void spec_setenv(struct container_spec *spec, const char *kv)
{
	size_t klen = env_name_len(kv);

	for (size_t i = 0; spec->env && spec->env[i]; i++) {
		if (strncmp(spec->env[i], kv, klen) == 0 && spec->env[i][klen] == '=') {
			free(spec->env[i]);
			spec->env[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(&spec->env, xstrdup(kv));
}

/* FNV-1a of an entry's name. */
static uint64_t env_name_hash(const char *kv, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)kv[i]) * 1099511628211ULL;
	return h;
}

/* One pass over *env then add with a hash of names, so an image whose 4 MB
 * config holds 500,000 Env entries costs milliseconds, not the minutes a
 * search per entry (spec_setenv) would. Nothing is capped: the kernel's own
 * limit is reported at exec (E2BIG). */
void spec_env_merge(char ***env, char *const *add)
{
	size_t n = strv_len(*env), m = strv_len(add);
	size_t cap = 16;
	while (cap < 2 * (n + m))
		cap *= 2;
	_cleanup_free_ size_t *slot = xcalloc(cap, sizeof(*slot)); /* index + 1; 0: empty */
	char **out = xcalloc(n + m + 1, sizeof(char *));
	size_t k = 0;

	for (size_t i = 0; i < n + m; i++) {
		char *kv = i < n ? (*env)[i] : xstrdup(add[i - n]);
		size_t len = env_name_len(kv);
		size_t h = (size_t)env_name_hash(kv, len) & (cap - 1);
		while (slot[h]) {
			char *old = out[slot[h] - 1];
			if (env_name_len(old) == len && memcmp(old, kv, len) == 0)
				break;
			h = (h + 1) & (cap - 1);
		}
		if (slot[h]) {
			/* a later entry replaces the value, where the name first appeared */
			free(out[slot[h] - 1]);
			out[slot[h] - 1] = kv;
		} else {
			out[k] = kv;
			slot[h] = ++k;
		}
	}
	free(*env);
	*env = out;
}
