/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net.c: the container's network. With slirp4netns (the default) the
 * monitor starts it for the child's network namespace before the child is
 * released, waits on its ready-fd, and holds the write end of its exit-fd:
 * when the monitor exits, however it exits, slirp4netns does too.
 * Published ports are the monitor's own business (portfwd.c). */
#include "run/net.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/signals.h"
#include "util/syscalls.h"
#include "util/xdg.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#define SLIRP_LOG "slirp4netns.log"
#define PASTA_LOG "pasta.log"
/* where pasta answers DNS for a host whose resolver is on loopback (podman's choice) */
#define PASTA_DNS "169.254.1.1"

static bool is_true(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0;
}

__attribute__((format(printf, 2, 3))) static int net_error(struct urun_error *err, const char *fmt,
							   ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int r = urun_error_set(err, 0, "%s", msg);
	urun_error_hint(err,
			"use --network "
			"slirp4netns[:allow_host_loopback=true,cidr=CIDR,mtu=N,enable_ipv6=true], "
			"pasta[:ARG,...], none, host or container:NAME");
	return r;
}

int net_parse_mode(const char *arg, struct container_spec *spec, char **join,
		   struct urun_error *err)
{
	spec->ns_flags |= CLONE_NEWNET;
	if (strcmp(arg, "none") == 0) {
		spec->net = NET_NONE;
		return 0;
	}
	if (strcmp(arg, "host") == 0) {
		spec->net = NET_HOST;
		spec->ns_flags &= ~(unsigned long)CLONE_NEWNET;
		return 0;
	}
	if (strncmp(arg, "container:", 10) == 0) {
		if (!arg[10])
			return net_error(err, "--network `%s`: a container name is missing", arg);
		/* Joined, not created: see monitor.c */
		spec->net = NET_CONTAINER;
		spec->ns_flags &= ~(unsigned long)CLONE_NEWNET;
		*join = xstrdup(arg + 10);
		return 0;
	}
	/* docker's and podman's names for "the default network" */
	if (strcmp(arg, "bridge") == 0 || strcmp(arg, "default") == 0 ||
	    strcmp(arg, "private") == 0 || strcmp(arg, "slirp4netns") == 0) {
		spec->net = NET_SLIRP;
		return 0;
	}
	if (strcmp(arg, "pasta") == 0 || strncmp(arg, "pasta:", 6) == 0) {
		/* pasta:ARG,ARG,... are passed to pasta as they are, as podman does */
		spec->net = NET_PASTA;
		strv_free(spec->pasta_args);
		spec->pasta_args = NULL;
		_cleanup_free_ char *list = xstrdup(arg[5] ? arg + 6 : "");
		char *save = NULL;
		for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
			strv_push(&spec->pasta_args, xstrdup(a));
		return 0;
	}
	if (strncmp(arg, "slirp4netns:", 12) != 0)
		return net_error(err, "--network `%s` is unknown", arg);
	spec->net = NET_SLIRP;
	_cleanup_free_ char *opts = xstrdup(arg + 12);
	char *save = NULL;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		if (!eq)
			return net_error(err, "--network slirp4netns: option `%s` needs a value",
					 o);
		*eq++ = '\0';
		if (strcmp(o, "allow_host_loopback") == 0) {
			spec->allow_host_loopback = is_true(eq);
		} else if (strcmp(o, "enable_ipv6") == 0) {
			spec->enable_ipv6 = is_true(eq);
		} else if (strcmp(o, "cidr") == 0) {
			struct in_addr a;
			char *slash = strchr(eq, '/');
			_cleanup_free_ char *ip =
			    slash ? xstrndup(eq, (size_t)(slash - eq)) : xstrdup(eq);
			if (!slash || inet_pton(AF_INET, ip, &a) != 1 || atoi(slash + 1) < 8 ||
			    atoi(slash + 1) > 25)
				return net_error(err,
						 "--network slirp4netns: cidr `%s` is not an IPv4 "
						 "network (a.b.c.d/8..25)",
						 eq);
			free(spec->cidr);
			spec->cidr = xstrdup(eq);
		} else if (strcmp(o, "mtu") == 0) {
			char *end;
			long m = strtol(eq, &end, 10);
			if (*end || m < 1280 || m > 65521)
				return net_error(
				    err, "--network slirp4netns: mtu `%s` must be 1280..65521", eq);
			spec->mtu = (int)m;
		} else {
			return net_error(err, "--network slirp4netns: option `%s` is unknown", o);
		}
	}
	return 0;
}

/* Address N of the slirp4netns network (2: gateway, 3: DNS, 100: guest). */
static void slirp_addr(const struct container_spec *spec, unsigned n, char *out, size_t len)
{
	struct in_addr a;
	char ip[32] = "10.0.2.0";
	if (spec->cidr) {
		size_t l = strcspn(spec->cidr, "/");
		if (l < sizeof(ip))
			snprintf(ip, sizeof(ip), "%.*s", (int)l, spec->cidr);
	}
	inet_pton(AF_INET, ip, &a);
	int prefix = spec->cidr ? atoi(strchr(spec->cidr, '/') + 1) : 24;
	uint32_t mask = prefix ? ~0U << (32 - prefix) : 0;
	a.s_addr = htonl((ntohl(a.s_addr) & mask) + n);
	inet_ntop(AF_INET, &a, out, (socklen_t)len);
}

static int parse_range(const char *s, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t)
			return -1;
	}
	if (*end || a < 1 || b > 65535 || a > b)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* A port nobody uses now, from the kernel (bind to port 0). */
static int free_port(const char *ip, bool udp)
{
	int s = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	if (s < 0)
		return -1;
	if (*ip)
		inet_pton(AF_INET, ip, &a.sin_addr);
	int port = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			   getsockname(s, (struct sockaddr *)&a, &len) == 0
		       ? ntohs(a.sin_port)
		       : -1;
	close(s);
	return port;
}

static void add_port(struct container_spec *spec, const char *ip, unsigned host, unsigned ctr,
		     bool udp)
{
	spec->ports = xrealloc(spec->ports, (spec->n_ports + 1) * sizeof(*spec->ports));
	struct port_map *p = &spec->ports[spec->n_ports++];
	memset(p, 0, sizeof(*p));
	snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip);
	p->host_port = (uint16_t)host;
	p->ctr_port = (uint16_t)ctr;
	p->udp = udp;
}

static int publish_error(struct urun_error *err, const char *arg, const char *why)
{
	int r = urun_error_set(err, 0, "--publish `%s`: %s", arg, why);
	urun_error_hint(err, "use [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp], e.g. -p 127.0.0.1:8080:80 "
			     "or -p 5353:53/udp");
	return r;
}

int net_parse_publish(const char *arg, struct container_spec *spec, struct urun_error *err)
{
	_cleanup_free_ char *s = xstrdup(arg);
	bool udp = false;
	char *slash = strrchr(s, '/');
	if (slash) {
		if (strcmp(slash + 1, "udp") == 0)
			udp = true;
		else if (strcmp(slash + 1, "tcp") != 0)
			return publish_error(err, arg, "the protocol must be tcp or udp");
		*slash = '\0';
	}
	if (s[0] == '[')
		return publish_error(err, arg, "slirp4netns forwards IPv4 host addresses only");
	char *ctr = strrchr(s, ':');
	char *host = NULL, *ip = NULL;
	if (ctr) {
		*ctr++ = '\0';
		char *c2 = strrchr(s, ':');
		if (c2) {
			*c2 = '\0';
			ip = s;
			host = c2 + 1;
		} else {
			host = s;
		}
	} else {
		ctr = s;
	}
	struct in_addr a;
	if (ip && *ip && inet_pton(AF_INET, ip, &a) != 1)
		return publish_error(err, arg, "the host address is not an IPv4 address");
	unsigned clo, chi, hlo = 0, hhi = 0;
	if (parse_range(ctr, &clo, &chi) < 0)
		return publish_error(err, arg,
				     "the container port is not a port or range (1-65535)");
	if (host && *host && parse_range(host, &hlo, &hhi) < 0)
		return publish_error(err, arg, "the host port is not a port or range (1-65535)");
	if (hlo && hhi - hlo != chi - clo)
		return publish_error(err, arg, "the host and container ranges differ in length");
	for (unsigned i = 0; i <= chi - clo; i++) {
		int hp = hlo ? (int)(hlo + i) : free_port(ip ? ip : "", udp);
		if (hp <= 0)
			return publish_error(err, arg, "no free host port was found");
		add_port(spec, ip ? ip : "", (unsigned)hp, clo + i, udp);
	}
	return 0;
}

int net_publish_exposed(char *const *exposed, struct container_spec *spec, struct urun_error *err)
{
	for (; exposed && *exposed; exposed++) {
		unsigned lo, hi;
		_cleanup_free_ char *p = xstrdup(*exposed);
		char *slash = strchr(p, '/');
		bool udp = slash && strcmp(slash + 1, "udp") == 0;
		if (slash)
			*slash = '\0';
		if (parse_range(p, &lo, &hi) < 0 ||
		    (slash && !udp && strcmp(slash + 1, "tcp") != 0))
			continue; /* sctp, or junk: nothing slirp4netns can forward */
		for (unsigned port = lo; port <= hi; port++) {
			int hp = free_port("", udp);
			if (hp <= 0)
				return urun_error_set(err, 0, "-P: no free host port for %u/%s",
						      port, udp ? "udp" : "tcp");
			add_port(spec, "", (unsigned)hp, port, udp);
		}
	}
	return 0;
}

char *net_format_port(const struct port_map *p)
{
	return xasprintf("%u/%s -> %s:%u", p->ctr_port, p->udp ? "udp" : "tcp",
			 *p->host_ip ? p->host_ip : "0.0.0.0", p->host_port);
}

int net_check_ports(const struct container_spec *spec, struct urun_error *err)
{
	if (spec->n_ports && (spec->net == NET_HOST || spec->net == NET_CONTAINER)) {
		int r = urun_error_set(
		    err, 0, "--publish needs a network namespace of the container's own");
		urun_error_hint(
		    err, spec->net == NET_HOST
			     ? "with --network host the container's ports are the host's: "
			       "drop -p"
			     : "publish the ports on the container whose network this one joins");
		return r;
	}
	long start = 1024;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	if (f && fscanf(f, "%ld", &start) != 1)
		start = 1024;
	for (size_t i = 0; i < spec->n_ports; i++) {
		const struct port_map *p = &spec->ports[i];
		const char *ip = *p->host_ip ? p->host_ip : "0.0.0.0",
			   *proto = p->udp ? "udp" : "tcp";
		for (size_t j = 0; j < i; j++)
			if (spec->ports[j].host_port == p->host_port &&
			    spec->ports[j].udp == p->udp)
				return urun_error_set(err, 0, "host port %u/%s is published twice",
						      p->host_port, proto);
		if (p->host_port < start) {
			int r = urun_error_set(
			    err, 0,
			    "cannot publish host port %u: ports below %ld need privileges "
			    "(sysctl net.ipv4.ip_unprivileged_port_start=%ld)",
			    p->host_port, start, start);
			urun_error_hint(err,
					"publish a high host port instead (-p %u:%u), or an admin "
					"can lower the limit: "
					"sysctl net.ipv4.ip_unprivileged_port_start=%u",
					p->host_port + 8000 > 65535 ? 8080 : p->host_port + 8000,
					p->ctr_port, p->host_port);
			return r;
		}
		/* A test bind now, so a taken port fails before anything is
		 * created; the forwarder binds for real when the container starts. */
		int s = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p->host_port)};
		inet_pton(AF_INET, ip, &a.sin_addr);
		int one = 1;
		if (!p->udp)
			setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		int r = s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof(a));
		int e = errno;
		if (s >= 0)
			close(s);
		if (r < 0)
			return net_port_error(p, e, err);
	}
	return 0;
}

int net_port_error(const struct port_map *p, int e, struct urun_error *err)
{
	const char *ip = *p->host_ip ? p->host_ip : "0.0.0.0", *proto = p->udp ? "udp" : "tcp";
	int r;
	if (e == EADDRINUSE) {
		r = urun_error_set(err, 0, "host port %s:%u/%s is already in use", ip, p->host_port,
				   proto);
		urun_error_hint(
		    err,
		    "publish another host port, or stop what uses it (ss -lnp%s 'sport = :%u')",
		    p->udp ? "u" : "t", p->host_port);
	} else if (e == EADDRNOTAVAIL) {
		r = urun_error_set(
		    err, 0, "cannot publish on %s: it is not an address of this machine", ip);
		urun_error_hint(err, "use one of `ip -4 addr` or leave the address out");
	} else {
		r = urun_error_set(err, e, "publishing host port %s:%u/%s", ip, p->host_port,
				   proto);
	}
	return r;
}

/* slirp4netns's network: our own, or the one of the container we joined. */
static bool on_slirp(const struct container_spec *spec)
{
	return spec->net == NET_SLIRP || (spec->net == NET_CONTAINER && spec->net_join_slirp);
}

static bool is_loopback_ns(const char *ns)
{
	return strncmp(ns, "127.", 4) == 0 || strcmp(ns, "::1") == 0;
}

char *net_resolv_conf(const struct container_spec *spec)
{
	return net_resolv_conf_from(spec, "/etc/resolv.conf");
}

char *net_resolv_conf_from(const struct container_spec *spec, const char *host_file)
{
	_cleanup_strv_ char **ns = NULL, **search = NULL, **opts = NULL;
	_cleanup_fclose_ FILE *f = fopen(host_file, "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL, *key = strtok_r(line, " \t\r\n", &save), *v;
		if (!key)
			continue;
		if (strcmp(key, "nameserver") == 0 && (v = strtok_r(NULL, " \t\r\n", &save)))
			strv_push(&ns, xstrdup(v));
		else if (strcmp(key, "search") == 0 || strcmp(key, "domain") == 0)
			while ((v = strtok_r(NULL, " \t\r\n", &save)))
				strv_push(&search, xstrdup(v));
		else if (strcmp(key, "options") == 0)
			while ((v = strtok_r(NULL, " \t\r\n", &save)))
				strv_push(&opts, xstrdup(v));
	}
	char **use_ns = spec->dns ? spec->dns : ns;
	char slirp_dns[32] = "";
	if (!spec->dns && spec->net == NET_PASTA) {
		bool all_loopback = true;
		for (char **n = ns; n && *n; n++)
			all_loopback = all_loopback && is_loopback_ns(*n);
		if (all_loopback)
			snprintf(slirp_dns, sizeof(slirp_dns), "%s", PASTA_DNS);
	}
	if (!spec->dns && on_slirp(spec)) {
		/* A loopback resolver (systemd-resolved's 127.0.0.53) is the
		 * host's, not the container's: use slirp4netns's forwarder. */
		bool all_loopback = true;
		for (char **n = ns; n && *n; n++)
			all_loopback = all_loopback && is_loopback_ns(*n);
		if (all_loopback)
			slirp_addr(spec, 3, slirp_dns, sizeof(slirp_dns));
	}
	char *out = xstrdup("");
	char **lists[] = {spec->dns_search ? spec->dns_search : search,
			  spec->dns_options ? spec->dns_options : opts};
	const char *keys[] = {"search", "options"};
	for (size_t k = 0; k < 2; k++) {
		if (!lists[k] || !*lists[k] || (lists[k][0][0] == '.' && !lists[k][0][1]))
			continue;
		char *t = xasprintf("%s%s", out, keys[k]);
		free(out);
		out = t;
		for (char **v = lists[k]; *v; v++) {
			t = xasprintf("%s %s", out, *v);
			free(out);
			out = t;
		}
		t = xasprintf("%s\n", out);
		free(out);
		out = t;
	}
	if (*slirp_dns) {
		char *t = xasprintf("%snameserver %s\n", out, slirp_dns);
		free(out);
		return t;
	}
	for (char **n = use_ns; n && *n; n++) {
		char *t = xasprintf("%snameserver %s\n", out, *n);
		free(out);
		out = t;
	}
	return out;
}

char *net_hosts(const struct container_spec *spec)
{
	const char *name = spec->hostname ? spec->hostname : "localhost";
	char guest[32] = "127.0.1.1", gw[32] = "";
	if (on_slirp(spec)) {
		slirp_addr(spec, 100, guest, sizeof(guest));
		slirp_addr(spec, 2, gw, sizeof(gw));
	}
	char *out =
	    xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
		      guest, name);
	/* podman's name for the host, reachable when allow_host_loopback is on */
	if (*gw) {
		char *t =
		    xasprintf("%s%s\thost.containers.internal host.docker.internal\n", out, gw);
		free(out);
		out = t;
	}
	for (char **h = spec->add_hosts; h && *h; h++) {
		const char *colon = strchr(*h, ':');
		if (!colon)
			continue;
		char *t = xasprintf("%s%s\t%.*s\n", out, colon + 1, (int)(colon - *h), *h);
		free(out);
		out = t;
	}
	return out;
}

/* ---- slirp4netns ------------------------------------------------------ */

enum { SLIRP_SANDBOX = 1, SLIRP_SECCOMP = 2 };

/* What the installed slirp4netns supports, from its --help, cached by the
 * binary's identity (path, size, mtime) so a start costs no extra exec. */
static unsigned slirp_features(const char *bin)
{
	struct stat st;
	if (stat(bin, &st) < 0)
		return 0;
	_cleanup_free_ char *key =
	    xasprintf("%s %lld %lld", bin, (long long)st.st_size, (long long)st.st_mtime);
	_cleanup_free_ char *cache =
	    xdg_path("XDG_CACHE_HOME", ".cache", "urun/slirp4netns.features");
	char line[1200];
	unsigned feat = 0;
	_cleanup_fclose_ FILE *f = cache ? fopen(cache, "re") : NULL;
	if (f && fgets(line, sizeof(line), f) && strncmp(line, key, strlen(key)) == 0 &&
	    line[strlen(key)] == '\t')
		return (unsigned)strtoul(line + strlen(key) + 1, NULL, 10);
	_cleanup_free_ char *cmd = xasprintf("'%s' --help 2>&1", bin);
	FILE *p = strchr(bin, '\'') ? NULL : popen(cmd, "re");
	while (p && fgets(line, sizeof(line), p)) {
		if (strstr(line, "--enable-sandbox"))
			feat |= SLIRP_SANDBOX;
		if (strstr(line, "--enable-seccomp"))
			feat |= SLIRP_SECCOMP;
	}
	if (p)
		pclose(p);
	if (cache) {
		_cleanup_free_ char *dir = xstrdup(cache);
		*strrchr(dir, '/') = '\0';
		xdg_mkdir_p(dir, 0700);
		_cleanup_free_ char *tmp = xasprintf("%s.%d", cache, (int)getpid());
		FILE *w = fopen(tmp, "we");
		if (w) {
			fprintf(w, "%s\t%u\n", key, feat);
			if (fclose(w) == 0)
				rename(tmp, cache);
			else
				unlink(tmp);
		}
	}
	return feat;
}

/* slirp4netns and pasta both open /dev/net/tun in the container's network
 * namespace: say which, and what to do, before starting them. */
static int tun_unusable(const char *who, struct urun_error *err)
{
	if (access("/dev/net/tun", R_OK | W_OK) == 0)
		return 0;
	struct stat st;
	int e = errno;
	int r = stat("/dev/net/tun", &st) == 0
		    ? urun_error_set(err, 0,
				     "`/dev/net/tun` is not accessible to you (mode %04o, owner "
				     "uid %u): %s needs it",
				     (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, who)
		    : urun_error_set(err, e, "`/dev/net/tun` is missing: %s needs it", who);
	urun_error_hint(
	    err,
	    "an admin can run `chmod 0666 /dev/net/tun` (desktop distributions ship it so); or "
	    "run with --network none (no network) or --network host (the host's)");
	return r;
}

static int slirp_unusable(const struct container_spec *spec, struct urun_error *err)
{
	if (access(spec->slirp4netns, X_OK) < 0) {
		int r = urun_error_set(err, errno,
				       "slirp4netns, the default network, is not usable: `%s`",
				       spec->slirp4netns);
		urun_error_hint(err,
				"install it (apt-get install slirp4netns) or set slirp4netns in "
				"urun.conf; or run "
				"with --network none (no network) or --network host (the host's)");
		return r;
	}
	return tun_unusable("slirp4netns", err);
}

static void read_log_tail(int dirfd, const char *name, char *buf, size_t len)
{
	buf[0] = '\0';
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char all[8192];
	ssize_t n = read(fd, all, sizeof(all) - 1);
	close(fd);
	if (n <= 0)
		return;
	all[n] = '\0';
	while (n > 0 && (all[n - 1] == '\n' || all[n - 1] == ' '))
		all[--n] = '\0';
	char *nl = strrchr(all, '\n');
	const char *last = nl ? nl + 1 : all;
	size_t l = strlen(last) < len ? strlen(last) : len - 1;
	memcpy(buf, last, l);
	buf[l] = '\0';
}

/* Move fd above the range slirp4netns's fds are dup'ed onto. */
static int high_fd(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

__attribute__((noreturn)) static void exec_slirp(const struct container_spec *spec, int dirfd,
						 int exit_r, int ready_w, int logfd,
						 const char *const *argv)
{
	int ex = high_fd(exit_r), rd = high_fd(ready_w), lg = logfd >= 0 ? high_fd(logfd) : -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (ex < 0 || rd < 0 || null < 0 || fchdir(dirfd) < 0)
		_exit(125);
	dup2(null, STDIN_FILENO);
	dup2(lg >= 0 ? lg : null, STDOUT_FILENO);
	dup2(lg >= 0 ? lg : null, STDERR_FILENO);
	if (dup2(ex, 3) < 0 || dup2(rd, 4) < 0)
		_exit(125);
	/* A session of its own: Ctrl-C on the caller's terminal is for the
	 * container, not for its network. */
	setsid();
	signals_reset_for_exec();
	execv(spec->slirp4netns, (char *const *)argv);
	dprintf(STDERR_FILENO, "cannot execute %s: %s\n", spec->slirp4netns, strerror(errno));
	_exit(127);
}

/* Configured once the container's namespace has a default route: pasta
 * copies the host's addresses and routes into it. */
static bool has_default_route(pid_t child)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/net/route", (int)child);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char iface[32], dest[16];
		if (sscanf(line, "%31s %15s", iface, dest) == 2 && strcmp(dest, "00000000") == 0)
			return true;
	}
	return false;
}

/* pasta (passt's namespace mode): a direct child with PDEATHSIG, in the
 * foreground, so it ends with the monitor; ready when the routes it
 * copies appear in the container's namespace. */
static int pasta_start(const struct container_spec *spec, pid_t child, struct net_handle *h,
		       struct urun_error *err)
{
	if (access(spec->pasta, X_OK) < 0) {
		int r = urun_error_set(err, errno, "pasta is not usable: `%s`", spec->pasta);
		urun_error_hint(err, "install it (apt-get install passt) or set pasta in "
				     "urun.conf; slirp4netns, the "
				     "default, works without it");
		return r;
	}
	int r = tun_unusable("pasta", err);
	if (r < 0)
		return r;
	h->dirfd = open(spec->run_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->dirfd < 0)
		return urun_error_set(err, errno, "opening `%s`", spec->run_dir);
	int logfd = openat(h->dirfd, PASTA_LOG,
			   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	char pidbuf[16];
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)child);
	_cleanup_strv_ char **argv = NULL;
	const char *base[] = {
	    "pasta",	     "--config-net", "--foreground", "--quiet", "--no-map-gw",
	    "--dns-forward", PASTA_DNS,	     "-t",	     "none",	"-u",
	    "none",	     "-T",	     "none",	     "-U",	"none"};
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		strv_push(&argv, xstrdup(base[i]));
	for (char **a = spec->pasta_args; a && *a; a++)
		strv_push(&argv, xstrdup(*a));
	strv_push(&argv, xstrdup(pidbuf));
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setsid();
		/* Nothing of the caller's: it lives as long as the container,
		 * and `urun run -d` returns long before. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int out = logfd >= 0 ? logfd : null;
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(out, STDERR_FILENO) < 0)
			_exit(125);
		signals_reset_for_exec(); /* pasta refuses to start with SIGPIPE ignored */
		execv(spec->pasta, argv);
		dprintf(STDERR_FILENO, "cannot execute %s: %s\n", spec->pasta, strerror(errno));
		_exit(127);
	}
	if (logfd >= 0)
		close(logfd);
	if (pid < 0)
		return urun_error_set(err, errno, "starting pasta");
	h->pidfd = sys_pidfd_open(pid, 0);
	for (int i = 0; i < 20000; i++) {
		if (has_default_route(child)) {
			log_debug("pasta ready");
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			char why[512];
			read_log_tail(h->dirfd, PASTA_LOG, why, sizeof(why));
			r = urun_error_set(err, 0,
					   "pasta could not set up the container's network: %s",
					   *why ? why : "it exited without saying why");
			urun_error_hint(err,
					"see `%s/" PASTA_LOG
					"`; the default, slirp4netns, works without pasta",
					spec->run_dir);
			return r;
		}
		struct timespec nap = {.tv_nsec = 500000};
		nanosleep(&nap, NULL);
	}
	r = urun_error_set(err, ETIMEDOUT,
			   "waiting for pasta to configure the container's network");
	urun_error_hint(err,
			"see `%s/" PASTA_LOG "`; the default, slirp4netns, works without pasta",
			spec->run_dir);
	return r;
}

int net_start(const struct container_spec *spec, pid_t child, struct net_handle *h,
	      struct urun_error *err)
{
	int r;
	if (spec->net == NET_PASTA)
		return pasta_start(spec, child, h, err);
	if (!spec->run_dir)
		return urun_error_set(err, 0, "the container has no runtime dir for slirp4netns");
	if ((r = slirp_unusable(spec, err)) < 0)
		return r;
	h->dirfd = open(spec->run_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->dirfd < 0)
		return urun_error_set(err, errno, "opening `%s`", spec->run_dir);
	unsigned feat = slirp_features(spec->slirp4netns);
	int exitp[2], readyp[2];
	if (pipe2(exitp, O_CLOEXEC) < 0)
		return urun_error_set(err, errno, "creating a pipe");
	if (pipe2(readyp, O_CLOEXEC) < 0) {
		close(exitp[0]);
		close(exitp[1]);
		return urun_error_set(err, errno, "creating a pipe");
	}
	int logfd = openat(h->dirfd, SLIRP_LOG,
			   O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	char pidbuf[16], mtu[32];
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)child);
	snprintf(mtu, sizeof(mtu), "--mtu=%d", spec->mtu);
	_cleanup_free_ char *cidr = spec->cidr ? xasprintf("--cidr=%s", spec->cidr) : NULL;
	const char *argv[20];
	int n = 0;
	argv[n++] = "slirp4netns";
	argv[n++] = "--configure";
	argv[n++] = mtu;
	if (!spec->allow_host_loopback)
		argv[n++] = "--disable-host-loopback";
	if (cidr)
		argv[n++] = cidr;
	if (spec->enable_ipv6)
		argv[n++] = "--enable-ipv6";
	if (feat & SLIRP_SANDBOX)
		argv[n++] = "--enable-sandbox";
	if (feat & SLIRP_SECCOMP)
		argv[n++] = "--enable-seccomp";
	argv[n++] = "--exit-fd=3";
	argv[n++] = "--ready-fd=4";
	argv[n++] = pidbuf;
	argv[n++] = "tap0";
	argv[n] = NULL;
	/* slirp4netns is not our child but a grandchild, handed to init: at
	 * the end it is killed through a pidfd and not waited for, because its
	 * exit tears down the tap device, which costs the kernel some 30 ms
	 * of RCU grace periods that no container start should wait for. */
	int pp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pp) < 0) {
		r = urun_error_set(err, errno, "creating a pipe");
		close(exitp[0]);
		close(exitp[1]);
		close(readyp[0]);
		close(readyp[1]);
		if (logfd >= 0)
			close(logfd);
		return r;
	}
	pid_t mid = fork();
	if (mid == 0) {
		close(pp[0]);
		pid_t pid = fork();
		if (pid == 0)
			exec_slirp(spec, h->dirfd, exitp[0], readyp[1], logfd, argv);
		char ack;
		/* Stay until the monitor has its pidfd: while we live, nobody can
		 * reap slirp4netns, so its pid cannot name another process. */
		if (write(pp[1], &pid, sizeof(pid)) == (ssize_t)sizeof(pid) &&
		    read(pp[1], &ack, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pp[1]);
	close(exitp[0]);
	close(readyp[1]);
	if (logfd >= 0)
		close(logfd);
	pid_t pid = -1;
	if (mid < 0 || read(pp[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -1;
	h->pidfd = pid > 0 ? sys_pidfd_open(pid, 0) : -1;
	close(pp[0]); /* the ack: EOF */
	if (mid > 0)
		while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
			;
	h->exit_w = exitp[1];
	if (h->pidfd < 0) {
		r = urun_error_set(err, errno, "starting slirp4netns");
		net_stop(h);
		close(readyp[0]);
		return r;
	}
	log_debug("slirp4netns started (pid %d)", (int)pid);
	struct pollfd pfd = {.fd = readyp[0], .events = POLLIN};
	char c = 0;
	while ((r = poll(&pfd, 1, 10000)) < 0 && errno == EINTR)
		;
	bool ready = r == 1 && read(readyp[0], &c, 1) == 1 && c == '1';
	close(readyp[0]);
	if (!ready) {
		char why[512];
		sys_pidfd_send_signal(h->pidfd, SIGKILL);
		read_log_tail(h->dirfd, SLIRP_LOG, why, sizeof(why));
		net_stop(h);
		r = urun_error_set(err, 0,
				   "slirp4netns could not set up the container's network: %s",
				   r == 0 ? "it did not get ready within 10 s"
				   : *why ? why
					  : "it exited without saying why");
		urun_error_hint(err,
				"see `%s/" SLIRP_LOG
				"`; --network none (no network) or --network host (the "
				"host's) work without it",
				spec->run_dir);
		return r;
	}
	log_debug("slirp4netns ready");
	return 0;
}

void net_stop(struct net_handle *h)
{
	if (h->exit_w >= 0) {
		close(h->exit_w);
		h->exit_w = -1;
	}
	if (h->pidfd >= 0) {
		/* The container is gone, and every connection with it. */
		sys_pidfd_send_signal(h->pidfd, SIGKILL);
		close(h->pidfd);
		h->pidfd = -1;
	}
	/* pasta, our child (for PDEATHSIG), is not waited for either (its tap
	 * teardown): init reaps it once the monitor exits. */
	if (h->dirfd >= 0) {
		close(h->dirfd);
		h->dirfd = -1;
	}
}
