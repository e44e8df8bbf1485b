/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lazy-archive.c: libarchive's functions as urun uses them, loaded on first
 * use (see lazylib.h). Keep to libarchive's prototypes. */
#include "image/lazylib.h"

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

enum {
	F_archive_entry_atime,
	F_archive_entry_atime_is_set,
	F_archive_entry_atime_nsec,
	F_archive_entry_filetype,
	F_archive_entry_gid,
	F_archive_entry_hardlink,
	F_archive_entry_mtime,
	F_archive_entry_mtime_is_set,
	F_archive_entry_mtime_nsec,
	F_archive_entry_pathname,
	F_archive_entry_perm,
	F_archive_entry_rdev,
	F_archive_entry_symlink,
	F_archive_entry_uid,
	F_archive_entry_xattr_next,
	F_archive_entry_xattr_reset,
	F_archive_error_string,
	F_archive_filter_count,
	F_archive_filter_name,
	F_archive_read_data,
	F_archive_read_data_block,
	F_archive_read_free,
	F_archive_read_new,
	F_archive_read_next_header,
	F_archive_read_open,
	F_archive_read_open_fd,
	F_archive_read_support_filter_all,
	F_archive_read_support_filter_gzip,
	F_archive_read_support_filter_zstd,
	F_archive_read_support_format_raw,
	F_archive_read_support_format_tar,
	F_archive_set_error,
	F_COUNT
};

static const char *const names[F_COUNT] = {"archive_entry_atime", "archive_entry_atime_is_set", "archive_entry_atime_nsec", "archive_entry_filetype", "archive_entry_gid", "archive_entry_hardlink", "archive_entry_mtime", "archive_entry_mtime_is_set", "archive_entry_mtime_nsec", "archive_entry_pathname", "archive_entry_perm", "archive_entry_rdev", "archive_entry_symlink", "archive_entry_uid", "archive_entry_xattr_next", "archive_entry_xattr_reset", "archive_error_string", "archive_filter_count", "archive_filter_name", "archive_read_data", "archive_read_data_block", "archive_read_free", "archive_read_new", "archive_read_next_header", "archive_read_open", "archive_read_open_fd", "archive_read_support_filter_all", "archive_read_support_filter_gzip", "archive_read_support_filter_zstd", "archive_read_support_format_raw", "archive_read_support_format_tar", "archive_set_error"};
static void *fns[F_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lazylib_load("libarchive.so.13", "libarchive13", names, fns, F_COUNT);
}

#define FN(name) (pthread_once(&once, load), (__typeof__(&name))fns[F_##name])

time_t archive_entry_atime(struct archive_entry *e)
{
	return FN(archive_entry_atime)(e);
}

int archive_entry_atime_is_set(struct archive_entry *e)
{
	return FN(archive_entry_atime_is_set)(e);
}

long archive_entry_atime_nsec(struct archive_entry *e)
{
	return FN(archive_entry_atime_nsec)(e);
}

__LA_MODE_T archive_entry_filetype(struct archive_entry *e)
{
	return FN(archive_entry_filetype)(e);
}

la_int64_t archive_entry_gid(struct archive_entry *e)
{
	return FN(archive_entry_gid)(e);
}

const char * archive_entry_hardlink(struct archive_entry *e)
{
	return FN(archive_entry_hardlink)(e);
}

time_t archive_entry_mtime(struct archive_entry *e)
{
	return FN(archive_entry_mtime)(e);
}

int archive_entry_mtime_is_set(struct archive_entry *e)
{
	return FN(archive_entry_mtime_is_set)(e);
}

long archive_entry_mtime_nsec(struct archive_entry *e)
{
	return FN(archive_entry_mtime_nsec)(e);
}

const char * archive_entry_pathname(struct archive_entry *e)
{
	return FN(archive_entry_pathname)(e);
}

__LA_MODE_T archive_entry_perm(struct archive_entry *e)
{
	return FN(archive_entry_perm)(e);
}

dev_t archive_entry_rdev(struct archive_entry *e)
{
	return FN(archive_entry_rdev)(e);
}

const char * archive_entry_symlink(struct archive_entry *e)
{
	return FN(archive_entry_symlink)(e);
}

la_int64_t archive_entry_uid(struct archive_entry *e)
{
	return FN(archive_entry_uid)(e);
}

int archive_entry_xattr_next(struct archive_entry *e, const char **n, const void **v, size_t *s)
{
	return FN(archive_entry_xattr_next)(e, n, v, s);
}

int archive_entry_xattr_reset(struct archive_entry *e)
{
	return FN(archive_entry_xattr_reset)(e);
}

const char * archive_error_string(struct archive *a)
{
	return FN(archive_error_string)(a);
}

int archive_filter_count(struct archive *a)
{
	return FN(archive_filter_count)(a);
}

const char * archive_filter_name(struct archive *a, int i)
{
	return FN(archive_filter_name)(a, i);
}

la_ssize_t archive_read_data(struct archive *a, void *b, size_t n)
{
	return FN(archive_read_data)(a, b, n);
}

int archive_read_data_block(struct archive *a, const void **b, size_t *n, la_int64_t *o)
{
	return FN(archive_read_data_block)(a, b, n, o);
}

int archive_read_free(struct archive *a)
{
	return FN(archive_read_free)(a);
}

struct archive * archive_read_new(void)
{
	return FN(archive_read_new)();
}

int archive_read_next_header(struct archive *a, struct archive_entry **e)
{
	return FN(archive_read_next_header)(a, e);
}

int archive_read_open(struct archive *a, void *c, archive_open_callback *o, archive_read_callback *r, archive_close_callback *cl)
{
	return FN(archive_read_open)(a, c, o, r, cl);
}

int archive_read_open_fd(struct archive *a, int fd, size_t bs)
{
	return FN(archive_read_open_fd)(a, fd, bs);
}

int archive_read_support_filter_all(struct archive *a)
{
	return FN(archive_read_support_filter_all)(a);
}

int archive_read_support_filter_gzip(struct archive *a)
{
	return FN(archive_read_support_filter_gzip)(a);
}

int archive_read_support_filter_zstd(struct archive *a)
{
	return FN(archive_read_support_filter_zstd)(a);
}

int archive_read_support_format_raw(struct archive *a)
{
	return FN(archive_read_support_format_raw)(a);
}

int archive_read_support_format_tar(struct archive *a)
{
	return FN(archive_read_support_format_tar)(a);
}

void archive_set_error(struct archive *a, int e, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	FN(archive_set_error)(a, e, "%s", msg);
}
