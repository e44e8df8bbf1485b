/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-run.c: `urun run`: turns the command line into a container_spec
 * (options named and behaving as podman's) and runs it. */
#include "cmd.h"
#include "image/lookup.h"
#include "image/manifest.h"
#include "rootfs/rootfs.h"
#include "run/container.h"
#include "run/net.h"
#include "run/security.h"
#include "run/spec.h"
#include "run/state.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <sched.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static const char run_usage[] = "Usage: urun run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
				"       urun run [OPTIONS] --rootfs DIR COMMAND [ARG...]";

static void run_help(void)
{
	printf("%s\n\nRun a command in a new container.\n\n", run_usage);
	fputs(
	    "Options:\n"
	    "      --cap-add CAP          add a capability (or `all`)\n"
	    "      --cap-drop CAP         drop a capability (or `all`)\n"
	    "      --cpus N               CPU limit (needs a delegated cgroup v2 subtree)\n"
	    "      --creds USER:PASS      registry credentials when the image is pulled\n"
	    "  -d, --detach               run in the background and print the container id\n"
	    "  -e, --env K=V|K            set an environment variable (K alone: from urun's "
	    "environment)\n"
	    "      --entrypoint CMD       override the image's entrypoint (\"\" clears it)\n"
	    "      --env-file FILE        read K=V lines from FILE\n"
	    "      --group-add GID        add a supplementary group\n"
	    "  -h, --hostname NAME        container host name (default: the container's short id)\n"
	    "      --init                 run urun-init as PID 1 (reaps zombies, forwards "
	    "signals)\n"
	    "  -i, --interactive          keep stdin attached\n"
	    "      --ipc host             share the caller's IPC namespace\n"
	    "  -m, --memory SIZE          memory limit (needs a delegated cgroup v2 subtree)\n"
	    "      --mount type=bind|tmpfs,...  add a mount (see urun-run(1))\n"
	    "      --name NAME            name the container (default: a generated name)\n"
	    "      --add-host HOST:IP     add a line to /etc/hosts\n"
	    "      --dns IP               nameserver for /etc/resolv.conf (also --dns-search, "
	    "--dns-option)\n"
	    "      --network MODE         "
	    "slirp4netns[:allow_host_loopback=true,cidr=,mtu=,enable_ipv6=] (default),\n"
	    "                             pasta[:ARG,...], none (only lo), host (yours), "
	    "container:NAME\n"
	    "  -p, --publish [IP:]HOST:CTR[/udp]  forward a host port to the container (ranges: "
	    "8000-8002:80-82)\n"
	    "  -P, --publish-all          publish the image's ExposedPorts on free host ports\n"
	    "      --pid host             share the caller's PID namespace\n"
	    "      --platform OS/ARCH     pull this platform from an index (default: the host's)\n"
	    "      --pull POLICY          missing (default), always or never\n"
	    "      --pids-limit N         process limit (needs a delegated cgroup v2 subtree)\n"
	    "      --privileged           all capabilities, no seccomp, no masked paths\n"
	    "      --read-only            mount the root filesystem read-only\n"
	    "      --rm                   remove the container and its writable layer when it "
	    "exits\n"
	    "      --rootfs               the first argument is a root filesystem directory, not "
	    "an image\n"
	    "      --security-opt OPT     seccomp=unconfined|FILE, "
	    "no-new-privileges[=true|false],\n"
	    "                             fakeroot=off (without subordinate ids: real chown/setuid "
	    "errors)\n"
	    "      --stop-timeout SECS    after forwarding SIGTERM, SIGKILL after SECS (default "
	    "10)\n"
	    "      --storage-driver D     overlay, fuse-overlayfs or vfs (default: urun.conf's "
	    "driver, auto)\n"
	    "      --tls-verify=false     allow plain HTTP and unverified TLS for this pull\n"
	    "  -t, --tty                  allocate a pseudo-terminal\n"
	    "      --tmpfs PATH[:OPTS]    mount a tmpfs at PATH\n"
	    "      --ulimit NAME=SOFT[:HARD]  set a resource limit (nofile, nproc, core, ...)\n"
	    "  -u, --user USER[:GROUP]    run as USER (name or id, from the container's "
	    "/etc/passwd)\n"
	    "      --userns keep-id       map your uid to the same uid inside\n"
	    "      --uts host             share the caller's UTS namespace (host name)\n"
	    "  -v, --volume HOST:CTR[:ro|rw]  bind-mount a host path\n"
	    "  -w, --workdir DIR          working directory inside the container\n"
	    "      --help                 show this help\n",
	    stdout);
}

enum {
	OPT_CAP_ADD = 1000,
	OPT_CAP_DROP,
	OPT_CPUS,
	OPT_ENV_FILE,
	OPT_GROUP_ADD,
	OPT_INIT,
	OPT_IPC,
	OPT_MOUNT,
	OPT_NETWORK,
	OPT_PID,
	OPT_PIDS_LIMIT,
	OPT_PRIVILEGED,
	OPT_READ_ONLY,
	OPT_RM,
	OPT_ROOTFS,
	OPT_SECURITY_OPT,
	OPT_STOP_TIMEOUT,
	OPT_TMPFS,
	OPT_ULIMIT,
	OPT_USERNS,
	OPT_UTS,
	OPT_HELP,
	OPT_ENTRYPOINT,
	OPT_PULL,
	OPT_PLATFORM,
	OPT_TLS_VERIFY,
	OPT_CREDS,
	OPT_NAME,
	OPT_STORAGE_DRIVER,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_ADD_HOST,
};

static const struct option run_opts[] = {
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"group-add", required_argument, NULL, OPT_GROUP_ADD},
    {"hostname", required_argument, NULL, 'h'},
    {"init", no_argument, NULL, OPT_INIT},
    {"interactive", no_argument, NULL, 'i'},
    {"ipc", required_argument, NULL, OPT_IPC},
    {"memory", required_argument, NULL, 'm'},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"net", required_argument, NULL, OPT_NETWORK},
    {"pid", required_argument, NULL, OPT_PID},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"rm", no_argument, NULL, OPT_RM},
    {"rootfs", no_argument, NULL, OPT_ROOTFS},
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"tty", no_argument, NULL, 't'},
    {"ulimit", required_argument, NULL, OPT_ULIMIT},
    {"user", required_argument, NULL, 'u'},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"uts", required_argument, NULL, OPT_UTS},
    {"volume", required_argument, NULL, 'v'},
    {"workdir", required_argument, NULL, 'w'},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"pull", required_argument, NULL, OPT_PULL},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
    {"creds", required_argument, NULL, OPT_CREDS},
    {"detach", no_argument, NULL, 'd'},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
    {"dns-option", required_argument, NULL, OPT_DNS_OPTION},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"name", required_argument, NULL, OPT_NAME},
    {"storage-driver", required_argument, NULL, OPT_STORAGE_DRIVER},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* What the command line says beyond the spec: the image and its command. */
struct run_args {
	bool rootfs;
	const char *image;
	char **cmd;	  /* after IMAGE (or the rootfs dir) */
	char *entrypoint; /* --entrypoint, "" clears the image's */
	bool entrypoint_set;
	bool workdir_set, user_set;
	enum pull_policy pull;
	struct pull_opts po;
	char *platform_buf;
	struct source_opts so;
	int *held; /* shared locks on the image and its layers, held while it runs */
	size_t n_held;
	bool detach, rm;
	const char *name; /* --name */
	const char *storage_driver;
	int image_arg;		     /* argv index of the image */
	char *image_name, *image_id; /* as resolved in the store */
	enum rootfs_driver driver;
	bool layered;	  /* an image (not --rootfs) */
	char *net_join;	  /* --network container:NAME */
	bool publish_all; /* -P */
};

__attribute__((format(printf, 3, 4))) static int opt_error(struct urun_error *err, const char *opt,
							   const char *fmt, ...)
{
	va_list ap;
	char what[512];
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int r = urun_error_set(err, 0, "%s: %s", opt, what);
	urun_error_hint(err, "see `urun run --help` or urun-run(1)");
	return r;
}

static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Sizes as docker spells them: 512, 64k, 100m, 2g (binary units). */
static int parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	int64_t mult = 1;
	switch (*end ? (*end | 0x20) : 0) {
	case 0:
	case 'b':
		mult = 1;
		break;
	case 'k':
		mult = 1LL << 10;
		break;
	case 'm':
		mult = 1LL << 20;
		break;
	case 'g':
		mult = 1LL << 30;
		break;
	default:
		return -1;
	}
	if (*end && end[1] && !((end[1] | 0x20) == 'b' && !end[2]))
		return -1;
	*out = (int64_t)(v * (double)mult);
	return 0;
}

static void add_mount(struct container_spec *spec, struct user_mount m)
{
	spec->mounts = xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
	spec->mounts[spec->n_mounts++] = m;
}

/* A host path for a bind: absolute (or ./relative), resolved now so the
 * error for a missing one names it before anything starts. */
static int resolve_host_path(const char *opt, const char *path, char **out, struct urun_error *err)
{
	if (path[0] != '/' && path[0] != '.') {
		int r = urun_error_set(
		    err, 0, "%s: `%s` is not a host path: named volumes are not supported", opt,
		    path);
		urun_error_hint(err, "give an absolute host path, e.g. -v \"$PWD/%s:/data\"", path);
		return r;
	}
	char buf[PATH_MAX];
	if (!realpath(path, buf)) {
		int r = urun_error_set(err, errno, "%s: host path `%s`", opt, path);
		if (errno == ENOENT)
			urun_error_hint(err, "create it first (mkdir -p %s), or fix the path",
					path);
		return r;
	}
	*out = xstrdup(buf);
	return 0;
}

static int check_target(const char *opt, const char *target, struct urun_error *err)
{
	if (target[0] != '/')
		return opt_error(err, opt, "container path `%s` must be absolute", target);
	return 0;
}

static int parse_volume(struct container_spec *spec, const char *arg, struct urun_error *err)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	char *save = NULL;
	char *host = strtok_r(copy, ":", &save);
	char *ctr = strtok_r(NULL, ":", &save);
	char *opts = strtok_r(NULL, "", &save);
	struct user_mount m = {.type = USER_MOUNT_BIND};
	int r;

	if (!host || !ctr) {
		r = urun_error_set(err, 0, "--volume `%s`: expected HOST:CONTAINER[:OPTIONS]", arg);
		urun_error_hint(err, "anonymous volumes are not supported; give a host path, e.g. "
				     "-v /tmp/data:/data");
		return r;
	}
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "ro") == 0)
			m.readonly = true;
		else if (strcmp(o, "rw") == 0)
			m.readonly = false;
		else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 || strcmp(o, "rbind") == 0)
			continue; /* SELinux relabelling does not apply; rbind is the default */
		else if (strcmp(o, "bind") == 0)
			m.nonrecursive = true;
		else
			return opt_error(err, "--volume", "unknown option `%s` (use ro, rw)", o);
	}
	if ((r = check_target("--volume", ctr, err)) < 0 ||
	    (r = resolve_host_path("--volume", host, &m.source, err)) < 0)
		return r;
	m.target = xstrdup(ctr);
	add_mount(spec, m);
	return 0;
}

static bool is_true(const char *v)
{
	return !v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static int parse_mount(struct container_spec *spec, const char *arg, struct urun_error *err)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	_cleanup_free_ char *source = NULL, *target = NULL, *type = NULL;
	struct user_mount m = {0};
	char *save = NULL;
	int64_t size = 0;
	long long mode = -1;
	int r;

	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (strcmp(kv, "type") == 0 && v)
			free(type), type = xstrdup(v);
		else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && v)
			free(source), source = xstrdup(v);
		else if ((strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
			  strcmp(kv, "dst") == 0) &&
			 v)
			free(target), target = xstrdup(v);
		else if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0)
			m.readonly = is_true(v);
		else if (strcmp(kv, "bind-nonrecursive") == 0)
			m.nonrecursive = is_true(v);
		else if (strcmp(kv, "tmpfs-size") == 0 && v && parse_size(v, &size) == 0)
			continue;
		else if (strcmp(kv, "tmpfs-mode") == 0 && v && parse_int(v, 0, 07777, &mode) == 0)
			continue;
		else
			return opt_error(err, "--mount", "unknown or malformed key `%s`", kv);
	}
	if (!type || !target)
		return opt_error(err, "--mount", "`%s` needs type= and target=", arg);
	if ((r = check_target("--mount", target, err)) < 0)
		return r;
	if (strcmp(type, "bind") == 0) {
		if (!source)
			return opt_error(err, "--mount", "type=bind needs source= (`%s`)", arg);
		m.type = USER_MOUNT_BIND;
		if ((r = resolve_host_path("--mount", source, &m.source, err)) < 0)
			return r;
	} else if (strcmp(type, "tmpfs") == 0) {
		m.type = USER_MOUNT_TMPFS;
		m.data = xasprintf("mode=%llo%s", mode >= 0 ? mode : 01777, "");
		if (size) {
			char *d = xasprintf("%s,size=%lld", m.data, (long long)size);
			free(m.data);
			m.data = d;
		}
	} else {
		return opt_error(err, "--mount", "type `%s` is not supported (use bind or tmpfs)",
				 type);
	}
	m.target = steal_ptr(&target);
	add_mount(spec, m);
	return 0;
}

static int parse_tmpfs(struct container_spec *spec, const char *arg, struct urun_error *err)
{
	const char *colon = strchr(arg, ':');
	struct user_mount m = {.type = USER_MOUNT_TMPFS};
	m.target = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	m.data = xstrdup(colon ? colon + 1 : "mode=1777");
	add_mount(spec, m);
	return check_target("--tmpfs", m.target, err);
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
    {"as", RLIMIT_AS},		 {"core", RLIMIT_CORE},		{"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},	 {"fsize", RLIMIT_FSIZE},	{"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},	 {"nproc", RLIMIT_NPROC},	{"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},	 {"rttime", RLIMIT_RTTIME},	{"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static int parse_rlim_value(const char *s, rlim_t *out)
{
	long long v;
	if (strcmp(s, "unlimited") == 0 || strcmp(s, "-1") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (parse_int(s, 0, LLONG_MAX, &v) < 0)
		return -1;
	*out = (rlim_t)v;
	return 0;
}

static int parse_ulimit(struct container_spec *spec, const char *arg, struct urun_error *err)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	char *eq = strchr(copy, '=');
	struct ulimit u = {.resource = -1};
	if (!eq)
		return opt_error(err, "--ulimit", "`%s`: expected NAME=SOFT[:HARD]", arg);
	*eq = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (strcasecmp(copy, rlimits[i].name) == 0 ||
		    (strncasecmp(copy, "RLIMIT_", 7) == 0 &&
		     strcasecmp(copy + 7, rlimits[i].name) == 0))
			u.resource = rlimits[i].res;
	if (u.resource < 0)
		return opt_error(err, "--ulimit", "unknown limit `%s`", copy);
	char *colon = strchr(eq + 1, ':');
	if (colon)
		*colon = '\0';
	if (parse_rlim_value(eq + 1, &u.lim.rlim_cur) < 0 ||
	    parse_rlim_value(colon ? colon + 1 : eq + 1, &u.lim.rlim_max) < 0)
		return opt_error(err, "--ulimit", "`%s`: values are numbers or `unlimited`", arg);
	if (u.lim.rlim_cur > u.lim.rlim_max)
		return opt_error(err, "--ulimit", "`%s`: the soft limit is above the hard limit",
				 arg);
	spec->ulimits = xrealloc(spec->ulimits, (spec->n_ulimits + 1) * sizeof(*spec->ulimits));
	spec->ulimits[spec->n_ulimits++] = u;
	return 0;
}

/* -e and --env-file entries in command-line order; merged into the spec
 * once, after parsing (spec_env_merge: later wins, linear in the count). */
struct env_list {
	char **v;
	size_t n, cap;
};

static void env_list_push(struct env_list *l, char *kv)
{
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = kv;
	l->v[l->n] = NULL;
}

static void env_list_free(struct env_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void add_env(struct env_list *l, const char *kv)
{
	if (strchr(kv, '=')) {
		env_list_push(l, xstrdup(kv));
		return;
	}
	/* `-e NAME` passes urun's own value, and nothing when it is unset. */
	const char *v = getenv(kv);
	if (v)
		env_list_push(l, xasprintf("%s=%s", kv, v));
}

static int parse_env_file(struct env_list *l, const char *path, struct urun_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	if (!f)
		return urun_error_set(err, errno, "--env-file `%s`", path);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		char *l2 = line + strspn(line, " \t");
		if (*l2 == '#' || *l2 == '\0')
			continue;
		add_env(l, l2);
	}
	if (ferror(f))
		return urun_error_set(err, errno, "reading --env-file `%s`", path);
	return 0;
}

static int parse_ns_host(const char *opt, const char *v, unsigned long flag,
			 struct container_spec *spec, struct urun_error *err)
{
	if (strcmp(v, "host") == 0)
		spec->ns_flags &= ~flag;
	else if (strcmp(v, "private") == 0 || strcmp(v, "") == 0)
		spec->ns_flags |= flag;
	else
		return opt_error(err, opt, "`%s` is not supported (use host or private)", v);
	return 0;
}

static int parse_security_opt(struct container_spec *spec, const char *v, struct urun_error *err)
{
	if (strncmp(v, "seccomp=", 8) == 0 || strncmp(v, "seccomp:", 8) == 0) {
		free(spec->seccomp_profile);
		spec->seccomp_profile = NULL;
		spec->seccomp_unconfined = strcmp(v + 8, "unconfined") == 0;
		if (!spec->seccomp_unconfined)
			spec->seccomp_profile = xstrdup(v + 8);
	} else if (strcmp(v, "no-new-privileges") == 0 ||
		   strcmp(v, "no-new-privileges=true") == 0 ||
		   strcmp(v, "no-new-privileges:true") == 0) {
		spec->no_new_privs = true;
	} else if (strcmp(v, "no-new-privileges=false") == 0 ||
		   strcmp(v, "no-new-privileges:false") == 0) {
		spec->no_new_privs = false;
	} else if (strcmp(v, "fakeroot=off") == 0 || strcmp(v, "fakeroot=false") == 0) {
		spec->fakeroot_off = true;
	} else if (strcmp(v, "fakeroot=on") == 0 || strcmp(v, "fakeroot=true") == 0) {
		spec->fakeroot_off = false;
	} else if (strncmp(v, "label=", 6) == 0 || strncmp(v, "apparmor=", 9) == 0) {
		log_info("--security-opt %s: ignored (urun applies no SELinux or AppArmor labels)",
			 v);
	} else {
		return opt_error(err, "--security-opt", "`%s` is not supported", v);
	}
	return 0;
}

/* A 64-hex-digit id, as docker's; the first 12 are the short id. */
static void make_id(char out[65])
{
	unsigned char b[32];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ (getpid() * (int)i));
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Helper binaries: the configured path, else next to the urun binary in a
 * build tree, so `./src/urun` works before `make install`. */
static char *find_init(const struct urun_config *cfg)
{
	const char *p = config_get(cfg, "init_path");
	if (access(p, X_OK) == 0 || strcmp(config_source(cfg, "init_path"), "default") != 0)
		return xstrdup(p);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *cand = xasprintf("%s/../helpers/urun-init", exe);
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	return xstrdup(p);
}

static int parse_run_args(int argc, char **argv, struct container_spec *spec, struct run_args *a,
			  struct urun_error *err)
{
	_cleanup_strv_ char **cap_add = NULL, **cap_drop = NULL;
	__attribute__((cleanup(env_list_free))) struct env_list cli_env = {0};
	long long n;
	int c, r = 0;

	opterr = 0;
	while (r == 0 &&
	       (c = getopt_long(argc, argv, "+de:h:im:p:Ptu:v:w:", run_opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			run_help();
			return 1;
		case 'e':
			add_env(&cli_env, optarg);
			break;
		case OPT_ENV_FILE:
			r = parse_env_file(&cli_env, optarg, err);
			break;
		case 'h':
			free(spec->hostname);
			spec->hostname = xstrdup(optarg);
			break;
		case 'i':
			spec->interactive = true;
			break;
		case 't':
			spec->tty = true;
			break;
		case 'u':
			free(spec->user);
			spec->user = xstrdup(optarg);
			a->user_set = true;
			break;
		case 'w':
			if (optarg[0] != '/')
				return opt_error(err, "--workdir", "`%s` must be an absolute path",
						 optarg);
			free(spec->workdir);
			spec->workdir = xstrdup(optarg);
			a->workdir_set = true;
			break;
		case 'v':
			r = parse_volume(spec, optarg, err);
			break;
		case OPT_MOUNT:
			r = parse_mount(spec, optarg, err);
			break;
		case OPT_TMPFS:
			r = parse_tmpfs(spec, optarg, err);
			break;
		case OPT_READ_ONLY:
			spec->rootfs_readonly = true;
			break;
		case OPT_INIT:
			spec->init = true;
			break;
		case OPT_GROUP_ADD:
			if (parse_int(optarg, 0, UINT32_MAX - 1, &n) < 0)
				return opt_error(err, "--group-add", "`%s` must be a numeric gid",
						 optarg);
			strv_push(&spec->group_add, xstrdup(optarg));
			break;
		case OPT_CAP_ADD:
			strv_push(&cap_add, xstrdup(optarg));
			break;
		case OPT_CAP_DROP:
			strv_push(&cap_drop, xstrdup(optarg));
			break;
		case OPT_PRIVILEGED:
			spec->privileged = true;
			break;
		case OPT_SECURITY_OPT:
			r = parse_security_opt(spec, optarg, err);
			break;
		case OPT_USERNS:
			if (strcmp(optarg, "keep-id") == 0)
				spec->userns = USERNS_KEEP_ID;
			else if (strcmp(optarg, "auto") == 0 || strcmp(optarg, "private") == 0 ||
				 !*optarg)
				spec->userns = USERNS_AUTO;
			else if (strcmp(optarg, "host") == 0)
				return opt_error(
				    err, "--userns",
				    "`%s` needs root: urun always runs in a user namespace",
				    optarg);
			else
				return opt_error(err, "--userns",
						 "`%s` is not supported (use keep-id)", optarg);
			break;
		case OPT_PID:
			r = parse_ns_host("--pid", optarg, CLONE_NEWPID, spec, err);
			break;
		case OPT_IPC:
			r = parse_ns_host("--ipc", optarg, CLONE_NEWIPC, spec, err);
			break;
		case OPT_UTS:
			r = parse_ns_host("--uts", optarg, CLONE_NEWUTS, spec, err);
			break;
		case OPT_NETWORK:
			free(a->net_join);
			a->net_join = NULL;
			r = net_parse_mode(optarg, spec, &a->net_join, err);
			break;
		case 'p':
			r = net_parse_publish(optarg, spec, err);
			break;
		case 'P':
			a->publish_all = true;
			break;
		case OPT_DNS:
			strv_push(&spec->dns, xstrdup(optarg));
			break;
		case OPT_DNS_SEARCH:
			strv_push(&spec->dns_search, xstrdup(optarg));
			break;
		case OPT_DNS_OPTION:
			strv_push(&spec->dns_options, xstrdup(optarg));
			break;
		case OPT_ADD_HOST:
			if (!strchr(optarg, ':') || optarg[0] == ':')
				return opt_error(err, "--add-host", "`%s` must be HOST:IP", optarg);
			strv_push(&spec->add_hosts, xstrdup(optarg));
			break;
		case OPT_ULIMIT:
			r = parse_ulimit(spec, optarg, err);
			break;
		case 'm':
			if (parse_size(optarg, &spec->memory_limit) < 0)
				return opt_error(err, "--memory",
						 "`%s` is not a size (e.g. 512m, 2g)", optarg);
			break;
		case OPT_CPUS: {
			char *end;
			double cpus = strtod(optarg, &end);
			if (end == optarg || *end || cpus <= 0 || cpus > 4096)
				return opt_error(err, "--cpus", "`%s` is not a positive number",
						 optarg);
			spec->cpu_quota_us = (int64_t)(cpus * 100000);
			break;
		}
		case OPT_PIDS_LIMIT:
			if (parse_int(optarg, -1, INT32_MAX, &n) < 0)
				return opt_error(err, "--pids-limit", "`%s` is not a number",
						 optarg);
			spec->pids_limit = n;
			break;
		case OPT_STOP_TIMEOUT:
			if (parse_int(optarg, 0, 86400, &n) < 0)
				return opt_error(err, "--stop-timeout",
						 "`%s` is not a number of seconds", optarg);
			spec->stop_timeout = (int)n;
			break;
		case OPT_RM:
			a->rm = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case OPT_NAME:
			a->name = optarg;
			break;
		case OPT_STORAGE_DRIVER:
			a->storage_driver = optarg;
			break;
		case OPT_ROOTFS:
			a->rootfs = true;
			break;
		case OPT_ENTRYPOINT:
			free(a->entrypoint);
			a->entrypoint = xstrdup(optarg);
			a->entrypoint_set = true;
			break;
		case OPT_PULL:
			r = pull_policy_parse(optarg, &a->pull, err);
			break;
		case OPT_PLATFORM:
			free(a->platform_buf);
			r = pull_parse_platform(optarg, &a->po, &a->platform_buf, err);
			break;
		case OPT_TLS_VERIFY:
			a->so.tls_verify = !optarg || strcmp(optarg, "true") == 0;
			if (optarg && strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0)
				return opt_error(err, "--tls-verify", "`%s`: use true or false",
						 optarg);
			break;
		case OPT_CREDS:
			a->so.creds = optarg;
			break;
		default:
			return cmd_bad_option(err, "run", run_usage, argv[optind - 1]);
		}
	}
	if (r < 0)
		return r;
	spec_env_merge(&spec->env, cli_env.v);
	if ((r = security_parse_caps(&spec->caps, cap_add, cap_drop, err)) < 0)
		return r;
	if (spec->privileged) {
		spec->caps = ~0ULL;
		r = security_parse_caps(&spec->caps, NULL, NULL, err);
		spec->seccomp_unconfined = true;
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "run", run_usage, "no image or root filesystem given");
	a->image_arg = optind;
	a->image = argv[optind++];
	for (int i = optind; i < argc; i++)
		strv_push(&a->cmd, xstrdup(argv[i]));
	return 0;
}

static int setup_rootfs_dir(struct container_spec *spec, struct run_args *a, struct urun_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(a->image, real))
		return urun_error_set(err, errno, "root filesystem `%s`", a->image);
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return urun_error_set(err, ENOTDIR, "root filesystem `%s`", a->image);
	spec->rootfs = xstrdup(real);
	if (!a->cmd && !(a->entrypoint_set && *a->entrypoint)) {
		int r = urun_error_set(
		    err, 0,
		    "no command given, and a --rootfs has no image config to take one from");
		urun_error_hint(
		    err, "give the command after the directory: urun run --rootfs %s sh", a->image);
		return r;
	}
	if (a->entrypoint_set && *a->entrypoint)
		strv_push(&spec->argv, xstrdup(a->entrypoint));
	for (char **c = a->cmd; c && *c; c++)
		strv_push(&spec->argv, xstrdup(*c));
	return 0;
}

/* The image's config feeds the spec where the command line is silent:
 * Env first (then -e on top), Entrypoint + Cmd as docker combines them,
 * WorkingDir (created when missing) and User. */
static int apply_image_config(struct store *s, const struct store_image *img,
			      struct container_spec *spec, struct run_args *a,
			      struct urun_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct image_config cfg;
	int r = store_get_blob(s, img->config, &buf, &len, err);
	if (r < 0)
		return r;
	r = image_config_parse(buf, len, &cfg, err);
	free(buf);
	if (r < 0)
		return r;
	char **cli_env = spec->env;
	spec->env = NULL;
	spec_env_merge(&spec->env, cfg.env);
	spec_env_merge(&spec->env, cli_env);
	strv_free(cli_env);

	/* --entrypoint replaces the image's and drops its Cmd, as in docker. */
	if (a->entrypoint_set) {
		if (*a->entrypoint)
			strv_push(&spec->argv, xstrdup(a->entrypoint));
	} else {
		for (char **e = cfg.entrypoint; e && *e; e++)
			strv_push(&spec->argv, xstrdup(*e));
	}
	char **tail = a->cmd ? a->cmd : (a->entrypoint_set ? NULL : cfg.cmd);
	for (char **c = tail; c && *c; c++)
		strv_push(&spec->argv, xstrdup(*c));
	if (!spec->argv) {
		image_config_free(&cfg);
		r = urun_error_set(
		    err, 0, "no command given and image `%s` has no Entrypoint or Cmd", img->name);
		urun_error_hint(err, "give one after the image name: urun run %s sh", img->name);
		return r;
	}
	if (!a->workdir_set && cfg.workdir) {
		spec->workdir = xstrdup(cfg.workdir);
		spec->workdir_create = true;
	}
	if (!a->user_set && cfg.user)
		spec->user = xstrdup(cfg.user);
	int r2 = a->publish_all ? net_publish_exposed(cfg.exposed_ports, spec, err) : 0;
	image_config_free(&cfg);
	return r2;
}

/* The image's config and layers, prepared for the chosen driver. */
static int setup_image(struct urun_ctx *ctx, struct store *s, struct container_spec *spec,
		       struct run_args *a, const char *ctr_dir, struct urun_error *err)
{
	struct store_image img;
	int r = image_lookup(s, &ctx->cfg, a->image, a->pull, &a->po, &a->so, &img, err);
	if (r < 0)
		return r;
	r = apply_image_config(s, &img, spec, a, err);
	if (r == 0)
		r = rootfs_prepare(s, &ctx->cfg, &img, a->driver, ctr_dir, spec, err);
	if (r == 0)
		r = store_hold_image(s, &img, &a->held, &a->n_held, err);
	if (r == 0) {
		a->image_name = xstrdup(img.name);
		a->image_id = xstrdup(img.config);
	}
	store_image_free(&img);
	return r;
}

static void wrap_init(struct urun_ctx *ctx, struct container_spec *spec)
{
	/* urun-init is PID 1 and runs the command as its child. */
	char **v = NULL;
	strv_push(&v, xstrdup("/dev/init"));
	strv_push(&v, xstrdup("--"));
	for (char **a = spec->argv; a && *a; a++)
		strv_push(&v, xstrdup(*a));
	strv_free(spec->argv);
	spec->argv = v;
	spec->init_path = find_init(&ctx->cfg);
}

/* Everything `run` holds while the container lives. */
struct run_job {
	struct urun_ctx *ctx;
	struct container_spec spec;
	struct run_args a;
	struct store store;
	bool have_store;
	struct state_dir sd;
	struct ctr_state st;
	bool have_record;
	char *ctr_dir;
	int notify;    /* detached: the waiting caller's pipe */
	bool print_id; /* run -d prints the id; start prints the name given */
};

/* What a detached monitor tells the caller waiting for it. */
struct detach_msg {
	int32_t ok, status, code;
	char msg[1024];
	char hint[512];
};

static void notify_caller(struct run_job *j, const struct urun_error *err)
{
	struct detach_msg m = {.ok = err == NULL};
	if (err) {
		m.status = err->status;
		m.code = err->code;
		snprintf(m.msg, sizeof(m.msg), "%s",
			 err->msg ? err->msg : "starting the container failed");
		snprintf(m.hint, sizeof(m.hint), "%s", err->hint ? err->hint : "");
	}
	ssize_t w = write(j->notify, &m, sizeof(m));
	(void)w;
	close(j->notify);
	j->notify = -1;
}

static int on_started(void *ud, pid_t pid, struct urun_error *err)
{
	struct run_job *j = ud;
	j->st.status = CTR_RUNNING;
	j->st.pid = pid;
	j->st.pid_start = proc_start_time(pid);
	j->st.monitor = getpid();
	j->st.monitor_start = proc_start_time(getpid());
	j->st.started = state_now();
	j->st.finished = 0;
	j->st.exit_code = 0;
	/* known once the id maps were planned */
	j->st.fakeroot = !j->spec.subid_ranges && !j->spec.fakeroot_off && j->spec.no_new_privs;
	free(j->st.error);
	j->st.error = NULL;
	int r = state_write(&j->sd, &j->st, err);
	if (r == 0 && j->notify >= 0) {
		/* The caller may wait for EOF on its stdout and stderr (a pipe, a
		 * test harness): the monitor lets go of them now. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
		notify_caller(j, NULL);
	}
	return r;
}

/* The container is gone (or never started): record it, or with --rm
 * remove every trace of it. */
static void finish(struct run_job *j, int status, const struct urun_error *why)
{
	struct urun_error e = {0};
	if (!j->have_record)
		return;
	if (j->a.rm) {
		if (j->ctr_dir && j->have_store && rootfs_remove(&j->store, j->st.id, &e) < 0)
			log_warn("%s", e.msg);
		urun_error_clear(&e);
		if (state_remove(&j->sd, j->st.id, &e) < 0)
			log_warn("%s", e.msg);
	} else {
		j->st.status = CTR_EXITED;
		j->st.exit_code = status;
		j->st.finished = state_now();
		if (why && why->msg) {
			free(j->st.error);
			j->st.error = xstrdup(why->msg);
		}
		if (state_write(&j->sd, &j->st, &e) < 0)
			log_warn("%s", e.msg);
	}
	urun_error_clear(&e);
}

static void fill_record(struct run_job *j, int argc, char **argv)
{
	struct ctr_state *st = &j->st;
	const struct container_spec *spec = &j->spec;
	free(st->image);
	free(st->image_id);
	st->image = xstrdup(j->a.layered ? j->a.image_name : spec->rootfs);
	st->image_id = xstrdup(j->a.layered ? j->a.image_id : "");
	for (char **c = spec->argv; c && *c; c++)
		strv_push(&st->command, xstrdup(*c));
	if (!st->create_args) {
		for (int i = 1; i < argc; i++)
			strv_push(&st->create_args, xstrdup(argv[i]));
		st->image_arg = j->a.image_arg - 1;
	}
	free(st->driver);
	st->driver = xstrdup(j->a.layered ? rootfs_driver_name(j->a.driver) : "none");
	free(st->ctr_dir);
	st->ctr_dir = j->ctr_dir ? xstrdup(j->ctr_dir) : NULL;
	st->auto_remove = j->a.rm;
	st->tty = spec->tty;
	st->interactive = spec->interactive;
	st->detached = j->a.detach;
	spec_env_merge(&st->env, spec->env);
	st->user = spec->user ? xstrdup(spec->user) : NULL;
	st->workdir = spec->workdir ? xstrdup(spec->workdir) : NULL;
	st->hostname = spec->hostname ? xstrdup(spec->hostname) : NULL;
	st->caps = spec->caps;
	st->seccomp = spec->seccomp_unconfined ? xstrdup("unconfined")
		      : spec->seccomp_profile  ? xstrdup(spec->seccomp_profile)
					       : NULL;
	st->no_new_privs = spec->no_new_privs;
	st->privileged = spec->privileged;
	st->ns_flags = spec->ns_flags;
	st->stop_timeout = spec->stop_timeout;
	st->net = spec->net;
	st->net_join_slirp = spec->net_join_slirp;
	free(st->ports);
	st->n_ports = spec->n_ports;
	st->ports = spec->n_ports ? xmalloc(spec->n_ports * sizeof(*spec->ports)) : NULL;
	if (st->ports)
		memcpy(st->ports, spec->ports, spec->n_ports * sizeof(*spec->ports));
	if (j->ctr_dir && j->a.detach)
		st->log_path = xasprintf("%s/ctr.log", j->ctr_dir);
}

/* Claim the name and write the "created" record, atomically with respect
 * to other urun processes. */
static int create_record(struct run_job *j, struct urun_error *err)
{
	int r = state_lock(&j->sd, err);
	if (r < 0)
		return r;
	if (!j->st.name)
		r = state_claim_name(&j->sd, j->a.name, &j->st.name, err);
	if (r == 0) {
		j->st.status = CTR_CREATED;
		if (!j->st.created)
			j->st.created = state_now();
		r = state_write(&j->sd, &j->st, err);
		j->have_record = r == 0;
	}
	state_unlock(&j->sd);
	return r;
}

static int wait_detached(int fd, const char *id, struct urun_error *err)
{
	struct detach_msg m;
	ssize_t got;
	while ((got = read(fd, &m, sizeof(m))) < 0 && errno == EINTR)
		;
	close(fd);
	if (got != (ssize_t)sizeof(m)) {
		int r = urun_error_set(
		    err, 0, "the container's monitor exited before the container started");
		urun_error_hint(
		    err,
		    "run it again without -d, or with --log-level=debug, to see where it stops");
		return r;
	}
	if (!m.ok) {
		m.msg[sizeof(m.msg) - 1] = m.hint[sizeof(m.hint) - 1] = '\0';
		int r = urun_error_set(err, 0, "%s", m.msg);
		err->code = m.code;
		err->status = m.status;
		if (*m.hint)
			urun_error_hint(err, "%s", m.hint);
		return r;
	}
	if (id)
		printf("%s\n", id);
	return 0;
}

/* Detached: a monitor process of its own, in its own session, outlives
 * this command; the container's output goes to ctr.log. */
static int run_detached(struct run_job *j, struct urun_error *err)
{
	_cleanup_free_ char *log = xasprintf("%s/ctr.log", j->ctr_dir);
	int logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (logfd < 0)
		return urun_error_set(err, errno, "creating the container's log `%s`", log);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(logfd);
		return urun_error_set(err, errno, "creating a pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(logfd);
		close(p[0]);
		close(p[1]);
		return urun_error_set(err, errno, "starting the container's monitor");
	}
	if (pid > 0) {
		close(logfd);
		close(p[1]);
		/* The monitor owns the record now. */
		j->have_record = false;
		return wait_detached(p[0], j->print_id ? j->st.id : NULL, err);
	}
	close(p[0]);
	j->notify = p[1];
	setsid();
	/* Every path in the spec is absolute by now; the caller's working
	 * directory must not stay busy for the container's lifetime. */
	if (chdir("/") < 0)
		log_debug("chdir /: %s", strerror(errno));
	/* Nothing of the caller's beyond stdio: a harness waiting on an
	 * inherited fd (bats' fd 3) would hang until the container exits. */
	_cleanup_free_ int *keep = xcalloc(j->a.n_held + 5, sizeof(int));
	size_t nk = 0;
	keep[nk++] = p[1];
	keep[nk++] = logfd;
	keep[nk++] = j->sd.fd;
	keep[nk++] = j->sd.lockfd;
	if (j->have_store)
		keep[nk++] = j->store.rootfd;
	for (size_t i = 0; i < j->a.n_held; i++)
		keep[nk++] = j->a.held[i];
	close_all_except(keep, nk);
	dup2(logfd, STDOUT_FILENO);
	j->spec.detached = true;
	j->spec.log_fd = logfd;
	int r =
	    container_run(&j->spec, &(struct container_hooks){.started = on_started, .ud = j}, err);
	if (r < 0) {
		if (j->notify >= 0)
			notify_caller(j, err);
		finish(j, EXIT_URUN, err);
		_exit(EXIT_URUN);
	}
	finish(j, r, NULL);
	_exit(0);
}

static void job_free(struct run_job *j)
{
	for (size_t i = 0; i < j->a.n_held; i++)
		close(j->a.held[i]);
	free(j->a.held);
	strv_free(j->a.cmd);
	free(j->a.entrypoint);
	free(j->a.platform_buf);
	free(j->a.image_name);
	free(j->a.image_id);
	free(j->a.net_join);
	if (j->have_store)
		store_close(&j->store);
	state_dir_close(&j->sd);
	ctr_state_free(&j->st);
	free(j->ctr_dir);
	spec_free(&j->spec);
}

/* --network container:NAME: that container's network namespace, which
 * only a process in its user namespace may join: the monitor clones the
 * new container from inside it (monitor.c). */
static int join_network(struct run_job *j, struct urun_error *err)
{
	if (j->spec.net != NET_CONTAINER)
		return 0;
	struct ctr_state other;
	int r = state_find(&j->sd, j->a.net_join, &other, err);
	if (r < 0)
		return urun_error_wrap(err, "--network container:%s", j->a.net_join);
	if (other.status != CTR_RUNNING) {
		r = urun_error_set(err, 0, "--network container:%s: the container is not running",
				   j->a.net_join);
		urun_error_hint(err, "start it first: urun start %s", j->a.net_join);
	} else if (!(other.ns_flags & CLONE_NEWNET) && other.net != NET_CONTAINER) {
		r = urun_error_set(err, 0, "--network container:%s: it uses the host's network",
				   j->a.net_join);
		urun_error_hint(err, "use --network host");
	} else {
		j->spec.net_join_pid = other.pid;
		j->spec.net_join_start = other.pid_start;
		j->spec.net_join_slirp = other.net == NET_SLIRP || other.net_join_slirp;
	}
	ctr_state_free(&other);
	return r;
}

/* Store, driver, container directory, image or rootfs dir: everything
 * between the record and the start. */
static int prepare_container(struct run_job *j, bool existing, struct urun_error *err)
{
	struct urun_ctx *ctx = j->ctx;
	int r;
	if ((r = join_network(j, err)) < 0)
		return r;
	if (!j->a.layered && !j->a.detach) {
		r = setup_rootfs_dir(&j->spec, &j->a, err);
		return r < 0 ? r : net_check_ports(&j->spec, err);
	}
	if ((r = store_open(&j->store, &ctx->cfg, err)) < 0) {
		store_close(&j->store);
		return r;
	}
	j->have_store = true;
	if (j->a.layered) {
		struct rootfs_choice choice;
		if ((r = rootfs_choose(&j->store, &ctx->cfg, j->a.storage_driver, &choice, err)) <
		    0)
			return r;
		j->a.driver = choice.driver;
		rootfs_choice_free(&choice);
	}
	/* A kept container has a directory in the store, so its writable
	 * layer survives `stop`; a detached one keeps its log there; vfs
	 * copies into it even for --rm. Without one the writable layer is a
	 * tmpfs that vanishes with the container's mount namespace. */
	if (!j->a.rm || j->a.detach || existing || (j->a.layered && j->a.driver == ROOTFS_VFS)) {
		j->ctr_dir = rootfs_ctr_dir(&j->store, j->st.id);
		if (mkdir(j->ctr_dir, 0700) < 0 && errno != EEXIST)
			return urun_error_set(err, errno, "creating the container's directory `%s`",
					      j->ctr_dir);
	}
	r = j->a.layered ? setup_image(ctx, &j->store, &j->spec, &j->a, j->ctr_dir, err)
			 : setup_rootfs_dir(&j->spec, &j->a, err);
	return r < 0 ? r : net_check_ports(&j->spec, err);
}

/* From parsed arguments to a running container. existing: `start` of a
 * recorded container (same id, name and writable layer). */
static int run_job(struct run_job *j, int argc, char **argv, const struct ctr_state *existing,
		   struct urun_error *err)
{
	struct urun_ctx *ctx = j->ctx;
	struct container_spec *spec = &j->spec;
	int r;
	j->a.layered = !j->a.rootfs;
	if (existing) {
		memcpy(j->st.id, existing->id, sizeof(j->st.id));
		j->st.name = xstrdup(existing->name);
		j->st.created = existing->created;
		j->st.image_arg = existing->image_arg;
		for (char **c = existing->create_args; c && *c; c++)
			strv_push(&j->st.create_args, xstrdup(*c));
	} else {
		make_id(j->st.id);
	}
	memcpy(spec->id, j->st.id, sizeof(spec->id));
	if ((r = state_dir_open(&j->sd, &ctx->cfg, err)) < 0)
		return r;
	spec->run_dir = xasprintf("%s/containers/%s", j->sd.path, j->st.id);
	spec->slirp4netns = xstrdup(config_get(&ctx->cfg, "slirp4netns"));
	spec->pasta = xstrdup(config_get(&ctx->cfg, "pasta"));
	if (strcmp(config_get(&ctx->cfg, "userns_keeper"), "true") == 0) {
		long long idle = 30;
		spec->keeper_dir = xasprintf("%s/userns", j->sd.path);
		parse_int(config_get(&ctx->cfg, "userns_keeper_idle"), 1, 86400, &idle);
		spec->keeper_idle = (int)idle;
	}
	/* The record comes first: it claims the name (a taken one fails before
	 * anything is pulled or copied), and a directory in the store without
	 * a record is an orphan `container prune` may remove. Until the
	 * container starts, this process is its monitor. */
	j->st.monitor = getpid();
	j->st.monitor_start = proc_start_time(getpid());
	j->st.image = xstrdup(j->a.image);
	if ((r = create_record(j, err)) < 0)
		return r;
	if ((r = prepare_container(j, existing != NULL, err)) != 0) {
		struct urun_error e = {0};
		if (j->ctr_dir && !existing && j->have_store)
			rootfs_remove(&j->store, j->st.id, &e);
		urun_error_clear(&e);
		/* A new container that never got set up leaves nothing; `start` of
		 * a recorded one keeps its record. */
		if (!existing)
			state_remove(&j->sd, j->st.id, &e);
		urun_error_clear(&e);
		j->have_record = false;
		return r;
	}
	if (spec->init)
		wrap_init(ctx, spec);
	/* `urun alpine sh` in a terminal behaves like `podman run -it --rm`. */
	if (ctx->shorthand && !spec->interactive && !spec->tty && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO))
		spec->interactive = spec->tty = true;
	if (!spec->hostname)
		spec->hostname = xstrndup(spec->id, 12);
	/* Written with the start (on_started) or the failure (finish). */
	fill_record(j, argc, argv);
	if (j->a.detach)
		return run_detached(j, err);
	r = container_run(spec, &(struct container_hooks){.started = on_started, .ud = j}, err);
	finish(j, r < 0 ? EXIT_URUN : r, r < 0 ? err : NULL);
	return r;
}

static void job_init(struct run_job *j, struct urun_ctx *ctx)
{
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->notify = -1;
	j->sd.fd = j->sd.lockfd = -1;
	j->a.so.tls_verify = -1;
	struct container_spec *spec = &j->spec;
	spec_init(spec);
	spec->caps = SECURITY_DEFAULT_CAPS;
	spec->newuidmap = xstrdup(config_get(&ctx->cfg, "newuidmap"));
	spec->newgidmap = xstrdup(config_get(&ctx->cfg, "newgidmap"));
	const char *prof = config_get(&ctx->cfg, "seccomp_profile");
	if (*prof)
		spec->seccomp_profile = xstrdup(prof);
	long long st;
	if (parse_int(config_get(&ctx->cfg, "stop_timeout"), 0, 86400, &st) == 0)
		spec->stop_timeout = (int)st;
	long long cap;
	if (parse_int(config_get(&ctx->cfg, "port_max_connections"), 1, 1 << 20, &cap) == 0)
		spec->port_max_conns = (unsigned)cap;
	if (parse_int(config_get(&ctx->cfg, "port_max_udp_peers"), 1, 1 << 20, &cap) == 0)
		spec->port_max_peers = (unsigned)cap;
}

int cmd_run(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	struct run_job j;
	job_init(&j, ctx);
	j.print_id = true;
	int r = parse_run_args(argc, argv, &j.spec, &j.a, err);
	if (r > 0) { /* --help */
		job_free(&j);
		return 0;
	}
	/* `urun IMAGE` is for a quick look: nothing is kept. */
	if (r == 0 && ctx->shorthand)
		j.a.rm = true;
	if (r == 0)
		r = run_job(&j, argc, argv, NULL, err);
	job_free(&j);
	return r;
}

int run_start(struct urun_ctx *ctx, const struct ctr_state *st, bool attach, struct urun_error *err)
{
	struct run_job j;
	job_init(&j, ctx);
	/* Replay the recorded `run` arguments, with the image pinned to the
	 * id it was created from: a retagged name must not change the layers
	 * under an existing writable layer. */
	_cleanup_strv_ char **argv = NULL;
	strv_push(&argv, xstrdup("run"));
	size_t n = strv_len(st->create_args);
	for (size_t i = 0; i < n; i++)
		strv_push(&argv, xstrdup((int)i == st->image_arg && st->image_id && *st->image_id
					     ? st->image_id
					     : st->create_args[i]));
	optind = 0;
	int r = parse_run_args((int)n + 1, argv, &j.spec, &j.a, err);
	if (r == 0) {
		j.a.pull = PULL_NEVER;
		j.a.detach = !attach;
		r = run_job(&j, (int)n + 1, argv, st, err);
	}
	job_free(&j);
	return r;
}
