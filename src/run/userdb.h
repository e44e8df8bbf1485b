/* SPDX-License-Identifier: GPL-2.0-or-later */
/* userdb.h: reading the container's /etc/passwd and /etc/group from the
 * child, safely against a hostile image: no NSS, no allocation, bounded. */
#ifndef URUN_RUN_USERDB_H
#define URUN_RUN_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Files larger than this are refused: a sparse 1 TB /etc/passwd must not
 * keep exec reading for minutes. */
#define USERDB_MAX_SIZE (16u << 20)

struct userdb {
	int fd;
	uint64_t total; /* bytes read so far, bounded by USERDB_MAX_SIZE */
	size_t len;	/* bytes in buf */
	size_t off;	/* start of the next line in buf */
	char buf[8192];
};

/* Open PATH (absolute, inside the current root) for reading. Returns 0, or
 * a negative errno: -ENOENT absent, -ELOOP a symbolic link, -EINVAL not a
 * regular file (a FIFO, a device), -EFBIG larger than USERDB_MAX_SIZE. */
int userdb_open(struct userdb *db, const char *path);
/* The next line split at ':' into at most n fields (the last one keeps any
 * further ':'); returns the number of fields, 0 at the end. Lines longer
 * than the buffer are skipped. */
int userdb_next(struct userdb *db, char **fields, int n);
void userdb_close(struct userdb *db);
/* Why userdb_open failed, as the end of a sentence ("is a FIFO or device"). */
const char *userdb_strerror(int r);

#endif
