/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-logs.c: `urun logs`: what a detached container wrote (stdout and
 * stderr, as one stream, like docker's terminal output); -f follows until
 * the container stops. */
#include "cmd.h"
#include "run/state.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/stat.h>

static const char logs_usage[] = "Usage: urun logs [-f] [-n|--tail N] CONTAINER";

/* Offset where the last n lines start: after the n-th newline from the
 * end, not counting one that ends the file. */
static off_t tail_offset(int fd, long n)
{
	struct stat st;
	if (n < 0 || fstat(fd, &st) < 0)
		return 0;
	if (n == 0)
		return st.st_size;
	off_t pos = st.st_size;
	char buf[8192];
	long lines = 0;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		pos -= (off_t)chunk;
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;)
			if (buf[i] == '\n' && pos + (off_t)i != st.st_size - 1 && ++lines == n)
				return pos + (off_t)i + 1;
	}
	return 0;
}

static int copy_from(int fd, off_t *off)
{
	char buf[65536];
	ssize_t k;
	while ((k = pread(fd, buf, sizeof(buf), *off)) > 0) {
		if (fwrite(buf, 1, (size_t)k, stdout) != (size_t)k)
			return -EIO;
		*off += k;
	}
	fflush(stdout);
	return 0;
}

int cmd_logs(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
					     {"tail", required_argument, NULL, 'n'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool follow = false;
	long tail = -1;
	int c, r;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fn:", opts, NULL)) != -1) {
		if (c == 'f') {
			follow = true;
		} else if (c == 'n') {
			char *end;
			tail = strcmp(optarg, "all") == 0 ? -1 : strtol(optarg, &end, 10);
			if (strcmp(optarg, "all") != 0 && (!*optarg || *end || tail < 0)) {
				r = urun_error_set(
				    err, 0, "logs: --tail `%s` is not a number of lines", optarg);
				urun_error_hint(err, "%s", logs_usage);
				return r;
			}
		} else if (c == 'h') {
			printf("%s\n\nShow what a detached container wrote to stdout and "
			       "stderr.\n\nOptions:\n"
			       "  -f, --follow     keep printing new output until the container "
			       "stops\n"
			       "  -n, --tail N     only the last N lines\n",
			       logs_usage);
			return 0;
		} else {
			return cmd_bad_option(err, "logs", logs_usage, argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cmd_bad_operands(err, "logs", logs_usage, "give one container");
	struct state_dir sd;
	struct ctr_state st = {0};
	if ((r = state_dir_open(&sd, &ctx->cfg, err)) == 0)
		r = state_find(&sd, argv[optind], &st, err);
	if (r == 0 && !st.log_path) {
		r = urun_error_set(err, 0, "container %s has no log: it ran in the foreground",
				   st.name);
		urun_error_hint(err, "its output went to the terminal; run -d keeps a log");
	}
	_cleanup_close_ int fd = r == 0 ? open(st.log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		r = urun_error_set(err, errno, "opening the log of container %s", st.name);
	off_t off = fd >= 0 ? tail_offset(fd, tail) : 0;
	if (r == 0)
		r = copy_from(fd, &off);
	while (r == 0 && follow) {
		/* Until the record says it stopped; then one last read. */
		struct ctr_state now;
		struct urun_error e = {0};
		bool running = state_read(&sd, st.id, &now, &e) == 0 && now.status == CTR_RUNNING;
		if (e.msg == NULL)
			ctr_state_free(&now);
		urun_error_clear(&e);
		r = copy_from(fd, &off);
		if (!running)
			break;
		poll(NULL, 0, 100);
	}
	ctr_state_free(&st);
	state_dir_close(&sd);
	return r < 0 && !err->msg ? urun_error_set(err, -r, "writing the log") : r;
}
