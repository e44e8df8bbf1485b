/* fs.h: small file helpers shared by the modules. */
#ifndef URUN_UTIL_FS_H
#define URUN_UTIL_FS_H

#include <stddef.h>

#include "util/error.h"

/* Read a whole regular file from fd into a NUL-terminated buffer, refusing
 * one larger than max (EFBIG) before and while reading; path names it in
 * errors. */
int fs_read_fd_bounded(int fd, const char *path, size_t max, char **buf, size_t *len, struct urun_error *err);

#endif
