/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec.c: life cycle of struct container_spec and its small vector helpers. */
#include "run/spec.h"
#include "util/cleanup.h"

#include <sched.h>

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

void spec_setenv(struct container_spec *spec, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; spec->env && spec->env[i]; i++) {
		if (strncmp(spec->env[i], kv, klen) == 0 && spec->env[i][klen] == '=') {
			free(spec->env[i]);
			spec->env[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(&spec->env, xstrdup(kv));
}
