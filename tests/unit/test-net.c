/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-net.c: --network and -p parsing, and the container's resolv.conf
 * and hosts, from host files the test writes. */
#include "run/net.h"
#include "util/cleanup.h"
#include "tap.h"

#include <sched.h>

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/urun-test-net-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

int main(void)
{
	struct container_spec spec;
	struct urun_error err = {0};
	char *join = NULL;

	spec_init(&spec);
	is_int(net_parse_mode("slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.5.0.0/16", &spec, &join, &err),
	       0, "slirp4netns options parse");
	ok(spec.net == NET_SLIRP && spec.allow_host_loopback && spec.mtu == 1500, "options applied");
	is_str(spec.cidr, "10.5.0.0/16", "cidr kept");
	ok(spec.ns_flags & CLONE_NEWNET, "a network namespace is made");
	ok(net_parse_mode("slirp4netns:mtu=70000", &spec, &join, &err) < 0, "mtu out of range refused");
	int pr = net_parse_mode("slirp4netns:bogus=1", &spec, &join, &err);
	ok(pr < 0 && strstr(err.msg, "bogus"), "unknown option named: %s", err.msg);
	ok(net_parse_mode("weird", &spec, &join, &err) < 0 && err.hint && strstr(err.hint, "none"),
	   "unknown mode: hint lists the modes");
	is_int(net_parse_mode("pasta:--mtu,1500", &spec, &join, &err), 0, "pasta with arguments");
	ok(spec.net == NET_PASTA && strv_len(spec.pasta_args) == 2 && !strcmp(spec.pasta_args[1], "1500"),
	   "pasta arguments kept");
	is_int(net_parse_mode("host", &spec, &join, &err), 0, "host");
	ok(!(spec.ns_flags & CLONE_NEWNET), "host: no network namespace");
	is_int(net_parse_mode("container:web", &spec, &join, &err), 0, "container:NAME");
	is_str(join, "web", "the name to join");
	ok(spec.net == NET_CONTAINER && !(spec.ns_flags & CLONE_NEWNET), "joined, not created");
	free(join);
	spec_free(&spec);

	spec_init(&spec);
	is_int(net_parse_publish("127.0.0.1:8080:80", &spec, &err), 0, "HOSTIP:HOST:CTR");
	is_int(net_parse_publish("5353:53/udp", &spec, &err), 0, "HOST:CTR/udp");
	is_int(net_parse_publish("9000-9002:7000-7002", &spec, &err), 0, "ranges");
	is_int(net_parse_publish("8443", &spec, &err), 0, "CTR alone: a free host port");
	is_int((long)spec.n_ports, 6, "six ports");
	ok(!strcmp(spec.ports[0].host_ip, "127.0.0.1") && spec.ports[0].host_port == 8080 && spec.ports[0].ctr_port == 80 &&
		   !spec.ports[0].udp,
	   "first port");
	ok(spec.ports[1].udp && spec.ports[1].host_port == 5353 && spec.ports[1].ctr_port == 53, "udp port");
	ok(spec.ports[4].host_port == 9002 && spec.ports[4].ctr_port == 7002, "range end");
	ok(spec.ports[5].ctr_port == 8443 && spec.ports[5].host_port > 0, "random host port %u", spec.ports[5].host_port);
	char *line = net_format_port(&spec.ports[0]);
	is_str(line, "80/tcp -> 127.0.0.1:8080", "urun port format");
	free(line);
	ok(net_parse_publish("8080-8081:80", &spec, &err) < 0 && strstr(err.msg, "differ"), "unequal ranges refused");
	ok(net_parse_publish("[::1]:8080:80", &spec, &err) < 0 && strstr(err.msg, "IPv4"), "IPv6 host address refused");
	ok(net_parse_publish("80/sctp", &spec, &err) < 0, "sctp refused");
	ok(net_parse_publish("99999:80", &spec, &err) < 0, "port out of range refused");
	spec_free(&spec);

	/* A privileged host port: the sysctl's value and both ways out. */
	spec_init(&spec);
	net_parse_publish("80:80", &spec, &err);
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	long start = 1024;
	if (f) {
		if (fscanf(f, "%ld", &start) != 1)
			start = 1024;
		fclose(f);
	}
	if (start > 80) {
		int cr = net_check_ports(&spec, &err);
		ok(cr < 0 && strstr(err.msg, "ip_unprivileged_port_start") && strstr(err.hint, "8080:80") &&
			   strstr(err.hint, "sysctl"),
		   "port 80 refused: %s / %s", err.msg, err.hint ? err.hint : "");
	} else {
		skip("this host lets users bind port 80 (ip_unprivileged_port_start is low)");
	}
	spec_free(&spec);

	/* resolv.conf: a loopback-only host resolver becomes slirp4netns's. */
	char *stub = write_tmp("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lab.example\n");
	char *real = write_tmp("nameserver 192.0.2.1\nnameserver ::1\n");
	spec_init(&spec);
	char *rc = net_resolv_conf_from(&spec, stub);
	is_str(rc, "search lab.example\noptions edns0 trust-ad\nnameserver 10.0.2.3\n", "stub resolver replaced");
	free(rc);
	rc = net_resolv_conf_from(&spec, real);
	is_str(rc, "nameserver 192.0.2.1\nnameserver ::1\n", "a real resolver is kept");
	free(rc);
	net_parse_mode("slirp4netns:cidr=10.9.0.0/24", &spec, &join, &err);
	rc = net_resolv_conf_from(&spec, stub);
	ok(strstr(rc, "nameserver 10.9.0.3\n") != NULL, "the forwarder follows the cidr");
	free(rc);
	strv_push(&spec.dns, xstrdup("1.1.1.1"));
	strv_push(&spec.dns_search, xstrdup("corp"));
	strv_push(&spec.dns_options, xstrdup("ndots:2"));
	rc = net_resolv_conf_from(&spec, stub);
	is_str(rc, "search corp\noptions ndots:2\nnameserver 1.1.1.1\n", "--dns, --dns-search, --dns-option");
	free(rc);
	spec_free(&spec);
	spec_init(&spec);
	net_parse_mode("none", &spec, &join, &err);
	rc = net_resolv_conf_from(&spec, stub);
	ok(strstr(rc, "nameserver 127.0.0.53\n") != NULL, "--network none keeps the host's file");
	free(rc);
	spec_free(&spec);

	/* hosts */
	spec_init(&spec);
	spec.hostname = xstrdup("box");
	strv_push(&spec.add_hosts, xstrdup("db:192.0.2.7"));
	char *h = net_hosts(&spec);
	ok(strstr(h, "127.0.0.1\tlocalhost\n") && strstr(h, "10.0.2.100\tbox\n") &&
		   strstr(h, "10.0.2.2\thost.containers.internal") && strstr(h, "192.0.2.7\tdb\n"),
	   "hosts: localhost, the container, the host, --add-host");
	free(h);
	spec_free(&spec);

	unlink(stub);
	unlink(real);
	free(stub);
	free(real);
	urun_error_clear(&err);
	return done_testing();
}
