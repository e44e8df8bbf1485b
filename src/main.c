/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c: the verb table, global options, and the one place that prints
 * errors and chooses the exit code (125 urun, 126/127 exec, else the
 * command's). `urun IMAGE [CMD...]` is `urun run IMAGE [CMD...]`. */
#include "cmd.h"
#include "run/keeper.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <getopt.h>
#include <signal.h>

struct verb {
	const char *name;
	cmd_fn fn;
	const char *summary;
};

static const struct verb verbs[] = {
	{"container", cmd_container, "container ls, rm, prune, ... (the container verbs, grouped)"},
	{"exec", cmd_exec, "run a command in a running container"},
	{"image", cmd_image, "image inspect, image prune (and ls, rm, pull, tag)"},
	{"images", cmd_images, "list the images in your store"},
	{"import", cmd_import, "make an image of a root filesystem tarball"},
	{"info", cmd_info, "show how urun is set up here, and what does not work"},
	{"inspect", cmd_inspect, "show a container (or an image) as JSON"},
	{"kill", cmd_kill, "send a signal to containers"},
	{"load", cmd_load, "copy the images of an oci-archive or docker-archive into your store"},
	{"login", cmd_login, "store credentials for a registry"},
	{"logout", cmd_logout, "remove stored credentials for a registry"},
	{"logs", cmd_logs, "show a detached container's output"},
	{"port", cmd_port, "list a container's published ports"},
	{"ps", cmd_ps, "list containers"},
	{"pull", cmd_pull, "copy an image from a registry into your store"},
	{"rm", cmd_rm, "remove containers"},
	{"rmi", cmd_rmi, "remove images from your store"},
	{"run", cmd_run, "run a command in a new container"},
	{"start", cmd_start, "start stopped containers again"},
	{"stop", cmd_stop, "stop containers (SIGTERM, then SIGKILL)"},
	{"system", cmd_system, "system df (disk usage), system reset (remove everything)"},
	{"tag", cmd_tag, "give an image another name"},
	{"unshare", cmd_unshare, "run a command in your user namespace (to manage the store's files)"},
};

/* Verbs podman or docker has and urun does not (yet). Without this list,
 * `urun wait abc` would be the shorthand for `urun run wait abc`: a pull of
 * docker.io/library/wait, and a run of whatever that is. A word listed here
 * is refused with what podman would have done; `urun run wait` still runs
 * an image called wait. */
static const struct missing_verb {
	const char *name, *does, *meanwhile;
} missing_verbs[] = {
	{"attach", "attaches to a running container's terminal", "`urun logs -f NAME`, or `urun exec -it NAME sh`"},
	{"auto-update", "updates containers to newer images", NULL},
	{"build", "builds an image from a Containerfile", NULL},
	{"builder", "manages builds", NULL},
	{"buildx", "builds images", NULL},
	{"checkpoint", "checkpoints a container", NULL},
	{"commit", "makes an image of a container's changes", NULL},
	{"compose", "runs a compose file", NULL},
	{"config", "manages swarm configs", NULL},
	{"context", "selects a docker daemon", NULL},
	{"cp", "copies files between a container and the host", "a volume: `urun run -v DIR:/dir ...`"},
	{"create", "creates a container without starting it", "`urun run -d`"},
	{"diff", "lists a container's changed files", NULL},
	{"events", "shows container and image events", NULL},
	{"export", "writes a container's filesystem as a tar", NULL},
	{"generate", "generates systemd units and kube YAML", NULL},
	{"healthcheck", "runs a container's healthcheck", NULL},
	{"history", "shows an image's layers", "`urun image inspect IMAGE`"},
	{"init", "prepares a created container", NULL},
	{"kube", "plays kube YAML", NULL},
	{"machine", "manages a virtual machine", NULL},
	{"manifest", "edits manifest lists", NULL},
	{"mount", "mounts a container's root filesystem", NULL},
	{"network", "manages networks", "`--network container:NAME` shares one container's network"},
	{"node", "manages swarm nodes", NULL},
	{"pause", "freezes a container's processes", "`urun kill -s STOP NAME`"},
	{"play", "plays kube YAML", NULL},
	{"plugin", "manages docker plugins", NULL},
	{"pod", "manages pods", "`--network container:NAME` shares one container's network"},
	{"push", "copies an image to a registry", NULL},
	{"rename", "renames a container", NULL},
	{"restart", "restarts containers", "`urun stop NAME && urun start NAME`"},
	{"save", "writes images to an archive", NULL},
	{"search", "searches a registry", NULL},
	{"secret", "manages secrets", NULL},
	{"service", "manages swarm services", NULL},
	{"stack", "manages swarm stacks", NULL},
	{"stats", "shows containers' resource use", NULL},
	{"swarm", "manages a swarm", NULL},
	{"top", "lists a container's processes", "`urun exec NAME ps`"},
	{"trust", "manages image signatures", NULL},
	{"unmount", "unmounts a container's root filesystem", NULL},
	{"unpause", "thaws a paused container", "`urun kill -s CONT NAME`"},
	{"untag", "removes a name from an image", "`urun rmi NAME`"},
	{"update", "changes a container's resource limits", NULL},
	{"version", "prints version information", "`urun --version`"},
	{"volume", "manages named volumes", "a host directory: `urun run -v DIR:/dir ...`"},
	{"wait", "waits for containers to stop and prints their exit codes", NULL},
};

static int refuse_missing_verb(const char *word, struct urun_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(missing_verbs); i++) {
		const struct missing_verb *m = &missing_verbs[i];
		if (strcmp(m->name, word) != 0)
			continue;
		int r = urun_error_set(err, 0, "`%s` is not a urun command yet", word);
		if (m->meanwhile)
			urun_error_hint(err, "`podman %s` %s; with urun, use %s (`urun run %s` runs an image called %s)",
					word, m->does, m->meanwhile, word, word);
		else
			urun_error_hint(err, "`podman %s` %s; urun cannot yet (`urun run %s` runs an image called %s)",
					word, m->does, word, word);
		return r;
	}
	return 0;
}

static const char usage_line[] = "Usage: urun [GLOBAL OPTIONS] COMMAND [ARG...]\n"
				 "       urun [GLOBAL OPTIONS] IMAGE [COMMAND [ARG...]]   (same as `urun run`)\n";

static void print_help(void)
{
	fputs("urun: run OCI and Docker images as an ordinary user, without a daemon.\n\n", stdout);
	fputs(usage_line, stdout);
	fputs("\nCommands:\n", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\nGlobal options:\n"
	      "      --config FILE      read FILE instead of ~/.config/urun/urun.conf (after\n"
	      "                         " CONFIG_SYSTEM_FILE ")\n"
	      "      --log-level LEVEL  error, warn (default), info or debug\n"
	      "      --root DIR         use DIR as the image store (e.g. to fill a shared one)\n"
	      "  -h, --help             show this help\n"
	      "  -v, --version          show the version\n"
	      "\nRun `urun COMMAND --help` for a command's options; see urun(1).\n",
	      stdout);
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int cmd_bad_option(struct urun_error *err, const char *verb, const char *usage, const char *opt)
{
	int r = urun_error_set(err, 0, "%s%sunknown or incomplete option `%s`", verb ? verb : "",
			       verb ? ": " : "", opt);
	urun_error_hint(err, "%s; see `urun %s%s--help`", usage, verb ? verb : "", verb ? " " : "");
	return r;
}

int cmd_bad_operands(struct urun_error *err, const char *verb, const char *usage, const char *what)
{
	int r = urun_error_set(err, 0, "%s: %s", verb, what);
	urun_error_hint(err, "%s", usage);
	return r;
}

/* Docker image names are lower case [a-z0-9._/:@-]; anything else cannot be
 * the shorthand's IMAGE, so it is reported as an unknown command. */
static bool looks_like_image(const char *s)
{
	size_t name_len = strcspn(s, ":@");
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool lower = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("._/:@-", c);
		bool upper = c >= 'A' && c <= 'Z';
		if (!lower && !(upper && i > name_len)) /* upper case only in a tag */
			return false;
	}
	return true;
}

static int run_main(int argc, char **argv, struct urun_error *err)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},     {"version", no_argument, NULL, 'v'},
		{"log-level", required_argument, NULL, 'L'}, {"config", required_argument, NULL, 'c'},
		{"root", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct urun_ctx ctx = {.argv0 = argv[0]};
	const char *config_path = NULL, *root = NULL;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help();
			return 0;
		case 'v':
			printf("urun version %s\n", PACKAGE_VERSION);
			return 0;
		case 'L': {
			int l = log_parse_level(optarg);
			if (l < 0)
				return urun_error_set(err, 0, "unknown log level `%s`: use error, warn, info or debug",
						      optarg);
			log_set_level((enum log_level)l);
			break;
		}
		case 'c':
			config_path = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		default:
			return cmd_bad_option(err, NULL, "Usage: urun [GLOBAL OPTIONS] COMMAND [ARG...]",
					      argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		r = urun_error_set(err, 0, "no command given");
		urun_error_hint(err, "try `urun run --rootfs DIR sh` or `urun --help`");
		return r;
	}
	const char *word = argv[optind];
	const struct verb *v = find_verb(word);
	if (!v && (r = refuse_missing_verb(word, err)) < 0)
		return r;
	if (!v && !looks_like_image(word)) {
		r = urun_error_set(err, 0, "unknown command `%s`", word);
		urun_error_hint(err, "Usage: urun [GLOBAL OPTIONS] COMMAND [ARG...]; see `urun --help`");
		return r;
	}
	if ((r = config_load(&ctx.cfg, config_path, err)) < 0 ||
	    (root && (r = config_set(&ctx.cfg, "storage_root", root, "--root", err)) < 0)) {
		config_free(&ctx.cfg);
		return r;
	}
	int vargc = argc - optind;
	char **vargv = argv + optind;
	_cleanup_free_ char **shifted = NULL;
	if (!v) {
		/* Shorthand: insert "run" so the verb sees argv[0] = "run". */
		v = find_verb("run");
		ctx.shorthand = true;
		shifted = xcalloc((size_t)vargc + 2, sizeof(char *));
		shifted[0] = (char *)"run";
		memcpy(shifted + 1, vargv, (size_t)vargc * sizeof(char *));
		vargv = shifted;
		vargc++;
	}
	optind = 0; /* reset getopt for the verb */
	r = v->fn(vargc, vargv, &ctx, err);
	config_free(&ctx.cfg);
	return r;
}

int main(int argc, char **argv)
{
	struct urun_error err = {0};
	if (argc > 0 && strcmp(argv[0], KEEPER_ARGV0) == 0)
		keeper_main(argc, argv);
	/* A closed pipe (an unpacker that gave up, a peer that hung up) is an
	 * error to report, not a reason to die; containers get SIG_DFL back. */
	signal(SIGPIPE, SIG_IGN);
	int r = run_main(argc, argv, &err);
	fflush(stdout);
	if (r >= 0)
		return r;
	urun_error_print(&err, log_get_level() >= LOG_DEBUG);
	int status = err.status ? err.status : EXIT_URUN;
	urun_error_clear(&err);
	return status;
}
