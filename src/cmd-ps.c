/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-ps.c: `urun ps`: the containers, as podman lists them (a table,
 * --format json, a Go template, or -q ids). */
#include "cmd.h"
#include "run/net.h"
#include "run/state.h"
#include "util/cleanup.h"
#include "util/template.h"

#include <getopt.h>
#include <json-c/json.h>
#include <time.h>

static const char ps_usage[] =
    "Usage: urun ps [-a] [-q] [-l] [--no-trunc] [--format json|TEMPLATE]";

static char *join_argv(char *const *v)
{
	char *s = xstrdup("");
	for (; v && *v; v++) {
		char *t = xasprintf("%s%s%s", s, *s ? " " : "", *v);
		free(s);
		s = t;
	}
	return s;
}

/* podman's PORTS column: 0.0.0.0:8080->80/tcp, ... */
static char *ports_text(const struct ctr_state *st)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < st->n_ports; i++) {
		const struct port_map *p = &st->ports[i];
		char *t = xasprintf("%s%s%s:%u->%u/%s", s, *s ? ", " : "",
				    *p->host_ip ? p->host_ip : "0.0.0.0", p->host_port, p->ctr_port,
				    p->udp ? "udp" : "tcp");
		free(s);
		s = t;
	}
	return s;
}

static char *created_text(int64_t ns)
{
	int64_t s = (state_now() - ns) / 1000000000;
	if (s < 60)
		return xasprintf("%lld second%s ago", (long long)s, s == 1 ? "" : "s");
	if (s < 3600)
		return xasprintf("%lld minute%s ago", (long long)(s / 60), s / 60 == 1 ? "" : "s");
	if (s < 86400 * 2)
		return xasprintf("%lld hour%s ago", (long long)(s / 3600),
				 s / 3600 == 1 ? "" : "s");
	return xasprintf("%lld days ago", (long long)(s / 86400));
}

/* podman ps --format json: one object per container. */
static struct json_object *ps_json(const struct ctr_state *st)
{
	struct json_object *o = json_object_new_object(), *names = json_object_new_array(),
			   *cmd = json_object_new_array();
	_cleanup_free_ char *status = state_status_text(st);
	json_object_object_add(o, "AutoRemove", json_object_new_boolean(st->auto_remove));
	for (char **c = st->command; c && *c; c++)
		json_object_array_add(cmd, json_object_new_string(*c));
	json_object_object_add(o, "Command", cmd);
	json_object_object_add(o, "Created", json_object_new_int64(st->created / 1000000000));
	json_object_object_add(o, "Exited", json_object_new_boolean(st->status == CTR_EXITED));
	json_object_object_add(o, "ExitedAt", json_object_new_int64(st->finished / 1000000000));
	json_object_object_add(o, "ExitCode", json_object_new_int(st->exit_code));
	json_object_object_add(o, "Id", json_object_new_string(st->id));
	json_object_object_add(o, "Image", json_object_new_string(st->image ? st->image : ""));
	json_object_object_add(
	    o, "ImageID",
	    json_object_new_string(
		st->image_id && !strncmp(st->image_id, "sha256:", 7) ? st->image_id + 7 : ""));
	json_object_array_add(names, json_object_new_string(st->name));
	json_object_object_add(o, "Names", names);
	json_object_object_add(o, "Pid",
			       json_object_new_int(st->status == CTR_RUNNING ? st->pid : 0));
	json_object_object_add(o, "StartedAt", json_object_new_int64(st->started / 1000000000));
	struct json_object *ports = json_object_new_array();
	for (size_t i = 0; i < st->n_ports; i++) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "host_ip", json_object_new_string(st->ports[i].host_ip));
		json_object_object_add(p, "container_port",
				       json_object_new_int(st->ports[i].ctr_port));
		json_object_object_add(p, "host_port", json_object_new_int(st->ports[i].host_port));
		json_object_object_add(p, "range", json_object_new_int(1));
		json_object_object_add(p, "protocol",
				       json_object_new_string(st->ports[i].udp ? "udp" : "tcp"));
		json_object_array_add(ports, p);
	}
	json_object_object_add(o, "Ports", ports);
	json_object_object_add(o, "State", json_object_new_string(state_status_name(st->status)));
	json_object_object_add(o, "Status", json_object_new_string(status));
	return o;
}

/* For templates podman flattens a few fields: ID is the short id, Names
 * and Command are strings. */
static struct json_object *ps_template_obj(const struct ctr_state *st, bool trunc)
{
	struct json_object *o = ps_json(st);
	_cleanup_free_ char *cmd = join_argv(st->command);
	_cleanup_free_ char *created = created_text(st->created);
	_cleanup_free_ char *ports = ports_text(st);
	json_object_object_add(o, "ID", json_object_new_string_len(st->id, trunc ? 12 : 64));
	json_object_object_add(o, "Names", json_object_new_string(st->name));
	json_object_object_add(o, "Command", json_object_new_string(cmd));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created));
	json_object_object_add(o, "Ports", json_object_new_string(ports));
	return o;
}

static void print_table(struct ctr_state *v, size_t n, bool trunc)
{
	static const char *const head[] = {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					   "STATUS",	   "PORTS", "NAMES"};
	enum { NCOL = 7 };
	char ***cells = xcalloc(n + 1, sizeof(*cells));
	size_t w[NCOL] = {0};
	for (size_t i = 0; i <= n; i++) {
		cells[i] = xcalloc(NCOL, sizeof(char *));
		if (i == 0) {
			for (int c = 0; c < NCOL; c++)
				cells[0][c] = xstrdup(head[c]);
		} else {
			const struct ctr_state *st = &v[i - 1];
			_cleanup_free_ char *cmd = join_argv(st->command);
			cells[i][0] = xstrndup(st->id, trunc ? 12 : 64);
			cells[i][1] = xstrdup(st->image ? st->image : "");
			cells[i][2] =
			    trunc && strlen(cmd) > 20 ? xasprintf("%.17s...", cmd) : xstrdup(cmd);
			cells[i][3] = created_text(st->created);
			cells[i][4] = state_status_text(st);
			cells[i][5] = ports_text(st);
			cells[i][6] = xstrdup(st->name);
		}
		for (int c = 0; c < NCOL; c++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
	}
	for (size_t i = 0; i <= n; i++) {
		for (int c = 0; c < NCOL; c++) {
			if (c == NCOL - 1)
				printf("%s\n", cells[i][c]);
			else
				printf("%-*s  ", (int)w[c], cells[i][c]);
			free(cells[i][c]);
		}
		free(cells[i]);
	}
	free(cells);
}

int cmd_ps(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"latest", no_argument, NULL, 'l'},
					     {"no-trunc", no_argument, NULL, 'T'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool all = false, quiet = false, latest = false, trunc = true;
	const char *format = NULL;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+aql", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'l':
			latest = true;
			all = true;
			break;
		case 'T':
			trunc = false;
			break;
		case 'f':
			format = optarg;
			break;
		case 'h':
			printf("%s\n\nList containers (running ones; -a: all).\n\nOptions:\n"
			       "  -a, --all          also created and exited containers\n"
			       "  -l, --latest       only the newest container\n"
			       "  -q, --quiet        only ids\n"
			       "      --no-trunc     full ids and commands\n"
			       "      --format F     json, or a Go template such as '{{.ID}} "
			       "{{.Status}}'\n",
			       ps_usage);
			return 0;
		default:
			return cmd_bad_option(err, "ps", ps_usage, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_bad_option(err, "ps", ps_usage, argv[optind]);
	struct state_dir sd;
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) < 0) {
		state_dir_close(&sd);
		return r;
	}
	struct ctr_state *v;
	size_t n;
	r = state_list(&sd, &v, &n, err);
	state_dir_close(&sd);
	if (r < 0)
		return r;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (all || v[i].status == CTR_RUNNING) {
			struct ctr_state t = v[k];
			v[k++] = v[i];
			v[i] = t;
		}
	}
	if (latest && k > 1)
		k = 1;
	if (quiet) {
		for (size_t i = 0; i < k; i++)
			printf("%.*s\n", trunc ? 12 : 64, v[i].id);
	} else if (format && strcmp(format, "json") == 0) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < k; i++)
			json_object_array_add(a, ps_json(&v[i]));
		printf("%s\n", json_object_to_json_string_ext(
				   a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
					  JSON_C_TO_STRING_SPACED));
		json_object_put(a);
	} else if (format && *format && strcmp(format, "table") != 0) {
		for (size_t i = 0; i < k && r == 0; i++) {
			struct json_object *o = ps_template_obj(&v[i], trunc);
			char *line = template_render(format, o, err);
			json_object_put(o);
			if (!line) {
				r = -EINVAL;
				break;
			}
			printf("%s\n", line);
			free(line);
		}
	} else {
		print_table(v, k, trunc);
	}
	ctr_states_free(v, n);
	return r;
}
