/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-port.c: `urun port`: a container's published ports, as podman prints
 * them ("80/tcp -> 0.0.0.0:8080"). */
#include "cmd.h"
#include "run/net.h"
#include "run/state.h"
#include "util/cleanup.h"

#include <getopt.h>

static const char port_usage[] = "Usage: urun port CONTAINER [PORT[/PROTO]]";

int cmd_port(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("%s\n\nList a container's published ports, or the host address of "
			       "one.\n",
			       port_usage);
			return 0;
		}
		return cmd_bad_option(err, "port", port_usage, argv[optind - 1]);
	}
	if (optind >= argc || argc - optind > 2)
		return cmd_bad_operands(err, "port", port_usage,
					"give a container, and optionally a port");
	unsigned want = 0;
	bool want_udp = false;
	if (argc - optind == 2) {
		char *end;
		want = (unsigned)strtoul(argv[optind + 1], &end, 10);
		want_udp = strcmp(end, "/udp") == 0;
		if (!want || want > 65535 || (*end && !want_udp && strcmp(end, "/tcp") != 0)) {
			r = urun_error_set(err, 0, "port: `%s` is not a port (80, 80/tcp, 53/udp)",
					   argv[optind + 1]);
			return r;
		}
	}
	struct state_dir sd;
	struct ctr_state st = {0};
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) == 0 &&
	    (r = state_find(&sd, argv[optind], &st, err)) == 0) {
		bool found = false;
		for (size_t i = 0; i < st.n_ports; i++) {
			const struct port_map *p = &st.ports[i];
			if (want && (p->ctr_port != want || p->udp != want_udp))
				continue;
			found = true;
			if (want) {
				printf("%s:%u\n", *p->host_ip ? p->host_ip : "0.0.0.0",
				       p->host_port);
			} else {
				char *line = net_format_port(p);
				printf("%s\n", line);
				free(line);
			}
		}
		if (want && !found)
			r = urun_error_set(err, 0, "container %s does not publish port %u/%s",
					   st.name, want, want_udp ? "udp" : "tcp");
		ctr_state_free(&st);
	}
	state_dir_close(&sd);
	return r;
}
