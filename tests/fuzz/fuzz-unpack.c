/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-unpack.c: libFuzzer target for the layer unpacker. Each input is unpacked into a
 * fresh root three levels below a per-process directory; anything that appears beside
 * the root or its ancestors there (a `..` escape, a write through a symlink, a hardlink
 * out) aborts. Memory errors are left to the sanitizers.
 *
 * clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src tests/fuzz/fuzz-unpack.c \
 *   src/image/unpack.c src/util/error.c src/util/cleanup.c src/util/log.c \
 *   $(pkg-config --cflags --libs libarchive libcrypto) -o /tmp/fuzz-unpack
 * /tmp/fuzz-unpack -max_total_time=60 tests/fuzz/corpus/unpack */
#include "image/unpack.h"
#include "util/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* <top>/a/b/c/root: escapes of up to three levels land somewhere we look. */
static const char *const chain[] = {"a", "b", "c", "root"};
static char top[PATH_MAX];
static int top_fd = -1, c_fd = -1;

static void cleanup(void)
{
	struct urun_error err = {0};
	char *slash = strrchr(top, '/');
	*slash = '\0';
	int dfd = open(top[0] ? top : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	unpack_remove_tree(dfd, slash + 1, &err);
	urun_error_clear(&err);
	close(dfd);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd;

	snprintf(top, sizeof(top), "%s/fuzz-unpack-XXXXXX", tmp);
	if (!mkdtemp(top))
		abort();
	top_fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = top_fd;
	for (int i = 0; i < 3; i++) {
		if (mkdirat(fd, chain[i], 0755) < 0)
			abort();
		int next = openat(fd, chain[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			abort();
		if (fd != top_fd)
			close(fd);
		fd = next;
	}
	c_fd = fd;
	log_set_level(LOG_ERROR);
	atexit(cleanup);
}

/* Each level of the chain must hold exactly the next name, still a real directory. */
static void check_nothing_outside(void)
{
	int fd = openat(top_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (int level = 0; level < 4; level++) {
		DIR *d = fdopendir(fd);
		struct dirent *de;
		int seen = 0;

		if (!d)
			abort();
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (strcmp(de->d_name, chain[level]) != 0) {
				fprintf(stderr, "ESCAPE: `%s` appeared at level %d of %s\n",
					de->d_name, level, top);
				abort();
			}
			seen = 1;
		}
		struct stat st;
		if (!seen || fstatat(dirfd(d), chain[level], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "ESCAPE: `%s` was replaced at level %d\n", chain[level],
				level);
			abort();
		}
		fd = level < 3 ? openat(dirfd(d), chain[level],
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			       : -1;
		closedir(d);
		if (level < 3 && fd < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack_opts o = {.squash_owner = true,
				.uid = getuid(),
				.gid = getgid(),
				.max_bytes = 64 << 20,
				.max_entries = 10000};
	struct unpack_result res;
	struct urun_error err = {0};

	if (top_fd < 0)
		setup();
	if (mkdirat(c_fd, "root", 0755) < 0)
		abort();
	int root = openat(c_fd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		abort();
	unpack_layer_mem(data, size, root, &o, &res, &err);
	urun_error_clear(&err);
	close(root);
	check_nothing_outside();
	if (unpack_remove_tree(c_fd, "root", &err) < 0) {
		fprintf(stderr, "cannot remove the layer root: %s\n", err.msg);
		abort();
	}
	return 0;
}
