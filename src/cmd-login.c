/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-login.c: `urun login` and `urun logout`: credentials in the
 * containers auth.json ($XDG_RUNTIME_DIR/containers/auth.json, else
 * ~/.config/containers/auth.json), shared with podman, skopeo and buildah. */
#include "cmd.h"
#include "image/auth.h"
#include "image/registry.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <termios.h>

static const char login_usage[] = "Usage: urun login [-u USER] [-p PASSWORD | --password-stdin] REGISTRY";
static const char logout_usage[] = "Usage: urun logout REGISTRY";

static char *read_line(FILE *f, bool echo_off)
{
	struct termios old, quiet;
	bool tty = echo_off && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(f), TCSAFLUSH, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	if (tty) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

int cmd_login(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"username", required_argument, NULL, 'u'}, {"password", required_argument, NULL, 'p'},
		{"password-stdin", no_argument, NULL, 's'}, {"authfile", required_argument, NULL, 'a'},
		{"tls-verify", optional_argument, NULL, 'T'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	_cleanup_free_ char *user = NULL, *pass = NULL;
	const char *authfile = NULL;
	struct registry_opts ro = {.tls_verify = true, .timeout_s = 30, .max_retries = 1};
	bool from_stdin = false;
	int c, r;
	(void)ctx;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': free(user); user = xstrdup(optarg); break;
		case 'p': free(pass); pass = xstrdup(optarg); break;
		case 's': from_stdin = true; break;
		case 'a': authfile = optarg; break;
		case 'T': ro.tls_verify = !optarg || strcmp(optarg, "true") == 0; break;
		case 'h':
			printf("%s\n\nCheck credentials against REGISTRY and store them in auth.json.\n\nOptions:\n"
			       "  -u, --username USER      (asked for when missing)\n"
			       "  -p, --password PASSWORD  (asked for without echo when missing)\n"
			       "      --password-stdin     read the password from standard input\n"
			       "      --authfile FILE      store in FILE instead\n"
			       "      --tls-verify=false   allow plain HTTP and unverified TLS\n",
			       login_usage);
			return 0;
		default:
			return cmd_bad_option(err, "login", login_usage, argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_operands(err, "login", login_usage, "expected one registry");
	const char *registry = argv[optind];
	if (!user) {
		fprintf(stderr, "Username: ");
		user = read_line(stdin, false);
	}
	if (!pass && from_stdin)
		pass = read_line(stdin, false);
	else if (!pass) {
		fprintf(stderr, "Password: ");
		pass = read_line(stdin, true);
	}
	if (!user || !*user || !pass)
		return urun_error_set(err, 0, "login: a user name and a password are needed");
	ro.username = user;
	ro.password = pass;
	ro.auth_file = authfile;
	if ((r = registry_check_login(registry, &ro, err)) < 0)
		return r;
	if ((r = auth_store(authfile, registry, user, pass, err)) < 0)
		return r;
	puts("Login Succeeded!");
	return 0;
}

int cmd_logout(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"authfile", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *authfile = NULL;
	int c, r;
	(void)ctx;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'a') {
			authfile = optarg;
		} else if (c == 'h') {
			printf("%s\n\nRemove the credentials for REGISTRY from auth.json.\n", logout_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "logout", logout_usage, argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cmd_bad_operands(err, "logout", logout_usage, "expected one registry");
	if ((r = auth_remove(authfile, argv[optind], err)) < 0)
		return r;
	printf("Removed login credentials for %s\n", argv[optind]);
	return 0;
}
