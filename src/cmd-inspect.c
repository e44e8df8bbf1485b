/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-inspect.c: `urun inspect` / `urun container inspect`: podman-shaped
 * JSON for containers (images fall through to `image inspect`). */
#include "cmd.h"
#include "run/state.h"
#include "util/cleanup.h"
#include "util/template.h"

#include <getopt.h>
#include <json-c/json.h>
#include <time.h>

static const char inspect_usage[] =
    "Usage: urun inspect [--format json|TEMPLATE] CONTAINER|IMAGE...";

static struct json_object *str_or_empty(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static struct json_object *strv_obj(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* RFC 3339 with nanoseconds, as podman prints times; the zero time when unset. */
static struct json_object *time_obj(int64_t ns)
{
	char buf[64], frac[16];
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	if (!ns)
		return json_object_new_string("0001-01-01T00:00:00Z");
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%09lldZ", (long long)(ns % 1000000000));
	char *s = xasprintf("%s%s", buf, frac);
	struct json_object *o = json_object_new_string(s);
	free(s);
	return o;
}

static struct json_object *inspect_json(const struct ctr_state *st)
{
	struct json_object *o = json_object_new_object(), *state = json_object_new_object(),
			   *config = json_object_new_object(), *host = json_object_new_object(),
			   *gd = json_object_new_object(), *gdd = json_object_new_object();
	json_object_object_add(o, "Id", json_object_new_string(st->id));
	json_object_object_add(o, "Created", time_obj(st->created));
	json_object_object_add(o, "Path", str_or_empty(st->command ? st->command[0] : NULL));
	json_object_object_add(o, "Args",
			       strv_obj(st->command && st->command[0] ? st->command + 1 : NULL));
	json_object_object_add(state, "Status",
			       json_object_new_string(state_status_name(st->status)));
	json_object_object_add(state, "Running",
			       json_object_new_boolean(st->status == CTR_RUNNING));
	json_object_object_add(state, "Paused", json_object_new_boolean(false));
	json_object_object_add(state, "Restarting", json_object_new_boolean(false));
	json_object_object_add(state, "OOMKilled", json_object_new_boolean(false));
	json_object_object_add(state, "Dead", json_object_new_boolean(false));
	json_object_object_add(state, "Pid",
			       json_object_new_int(st->status == CTR_RUNNING ? st->pid : 0));
	json_object_object_add(state, "ConmonPid",
			       json_object_new_int(st->status == CTR_RUNNING ? st->monitor : 0));
	json_object_object_add(state, "ExitCode", json_object_new_int(st->exit_code));
	json_object_object_add(state, "Error", str_or_empty(st->error));
	json_object_object_add(state, "StartedAt", time_obj(st->started));
	json_object_object_add(state, "FinishedAt", time_obj(st->finished));
	json_object_object_add(o, "State", state);
	json_object_object_add(o, "Image",
			       str_or_empty(st->image_id && !strncmp(st->image_id, "sha256:", 7)
						? st->image_id + 7
						: st->image_id));
	json_object_object_add(o, "ImageName", str_or_empty(st->image));
	json_object_object_add(o, "Name", json_object_new_string(st->name));
	json_object_object_add(o, "RestartCount", json_object_new_int(0));
	json_object_object_add(o, "Driver", str_or_empty(st->driver));
	json_object_object_add(o, "LogPath", str_or_empty(st->log_path));
	json_object_object_add(gd, "Name", str_or_empty(st->driver));
	if (st->ctr_dir && st->driver && strcmp(st->driver, "vfs") == 0) {
		char *p = xasprintf("%s/rootfs", st->ctr_dir);
		json_object_object_add(gdd, "MergedDir", json_object_new_string(p));
		free(p);
	} else if (st->ctr_dir) {
		static const char *const keys[][2] = {
		    {"UpperDir", "upper"}, {"WorkDir", "work"}, {"MergedDir", "merged"}};
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			char *p = xasprintf("%s/%s", st->ctr_dir, keys[i][1]);
			json_object_object_add(gdd, keys[i][0], json_object_new_string(p));
			free(p);
		}
	}
	json_object_object_add(gd, "Data", gdd);
	json_object_object_add(o, "GraphDriver", gd);
	json_object_object_add(config, "Hostname", str_or_empty(st->hostname));
	json_object_object_add(config, "User", str_or_empty(st->user));
	json_object_object_add(config, "Env", strv_obj(st->env));
	json_object_object_add(config, "Cmd", strv_obj(st->command));
	json_object_object_add(config, "Image", str_or_empty(st->image));
	json_object_object_add(config, "WorkingDir",
			       json_object_new_string(st->workdir ? st->workdir : "/"));
	json_object_object_add(config, "Tty", json_object_new_boolean(st->tty));
	json_object_object_add(config, "OpenStdin", json_object_new_boolean(st->interactive));
	json_object_object_add(o, "Config", config);
	json_object_object_add(host, "AutoRemove", json_object_new_boolean(st->auto_remove));
	json_object_object_add(host, "Privileged", json_object_new_boolean(st->privileged));
	char caps[24];
	snprintf(caps, sizeof(caps), "0x%016llx", (unsigned long long)st->caps);
	json_object_object_add(host, "CapBnd", json_object_new_string(caps));
	json_object_object_add(o, "HostConfig", host);
	/* podman: NetworkSettings.Ports {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
	struct json_object *ns = json_object_new_object(), *ports = json_object_new_object();
	for (size_t i = 0; i < st->n_ports; i++) {
		char key[32], hp[8];
		snprintf(key, sizeof(key), "%u/%s", st->ports[i].ctr_port,
			 st->ports[i].udp ? "udp" : "tcp");
		snprintf(hp, sizeof(hp), "%u", st->ports[i].host_port);
		struct json_object *list;
		if (!json_object_object_get_ex(ports, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(ports, key, list);
		}
		struct json_object *b = json_object_new_object();
		json_object_object_add(b, "HostIp", json_object_new_string(st->ports[i].host_ip));
		json_object_object_add(b, "HostPort", json_object_new_string(hp));
		json_object_array_add(list, b);
	}
	json_object_object_add(ns, "Ports", ports);
	static const char *const modes[] = {"slirp4netns", "none", "host", "container", "pasta"};
	json_object_object_add(host, "NetworkMode", json_object_new_string(modes[st->net]));
	json_object_object_add(o, "NetworkSettings", ns);
	return o;
}

int cmd_container_inspect(int argc, char **argv, struct urun_ctx *ctx, bool images_too,
			  struct urun_error *err)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"type", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *format = NULL;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 't') {
			images_too = strcmp(optarg, "container") != 0;
		} else if (c == 'h') {
			printf(
			    "%s\n\nShow containers' configuration and state as JSON.\n\nOptions:\n"
			    "  -f, --format F   json, or a Go template such as "
			    "'{{.State.Status}}'\n",
			    inspect_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "inspect", inspect_usage, argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cmd_bad_operands(err, "inspect", inspect_usage, "nothing given to inspect");
	struct state_dir sd;
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) < 0) {
		state_dir_close(&sd);
		return r;
	}
	struct json_object *all = json_object_new_array();
	int first = optind;
	for (int i = first; i < argc && r == 0; i++) {
		struct ctr_state st;
		struct urun_error e = {0};
		if (state_find(&sd, argv[i], &st, &e) == 0) {
			json_object_array_add(all, inspect_json(&st));
			ctr_state_free(&st);
		} else if (images_too && argc - first == 1) {
			/* Not a container: podman's inspect tries images next. */
			urun_error_clear(&e);
			json_object_put(all);
			state_dir_close(&sd);
			if (format) {
				r = urun_error_set(err, 0,
						   "inspect: --format is supported for containers; "
						   "`%s` is not one",
						   argv[i]);
				urun_error_hint(err,
						"`urun image inspect %s` shows the image as JSON",
						argv[i]);
				return r;
			}
			char *args[] = {(char *)"image", (char *)"inspect", argv[i], NULL};
			optind = 0;
			return cmd_image(3, args, ctx, err);
		} else {
			*err = e;
			r = -ENOENT;
		}
	}
	state_dir_close(&sd);
	if (r == 0 && format && strcmp(format, "json") != 0) {
		for (size_t i = 0; i < json_object_array_length(all) && r == 0; i++) {
			char *line =
			    template_render(format, json_object_array_get_idx(all, i), err);
			if (!line)
				r = -EINVAL;
			else
				printf("%s\n", line);
			free(line);
		}
	} else if (r == 0) {
		printf("%s\n", json_object_to_json_string_ext(
				   all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
					    JSON_C_TO_STRING_SPACED));
	}
	json_object_put(all);
	return r;
}

int cmd_inspect(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	return cmd_container_inspect(argc, argv, ctx, true, err);
}
