/* fs.c: bounded whole-file reads (files from users and images must not be
 * able to make urun allocate without limit). */
#include "util/fs.h"
#include "util/cleanup.h"

#include <stdint.h>
#include <sys/stat.h>

int fs_read_fd_bounded(int fd, const char *path, size_t max, char **buf, size_t *len, struct urun_error *err)
{
	struct stat st;
	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return urun_error_set(err, errno, "reading `%s`", path);
	if (!S_ISREG(st.st_mode))
		return urun_error_set(err, 0, "`%s` is not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return urun_error_set(err, EFBIG, "reading `%s`", path);
	_cleanup_free_ char *b = xmalloc(max + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, b + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return urun_error_set(err, errno, "reading `%s`", path);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return urun_error_set(err, EFBIG, "reading `%s`", path);
	}
	b[n] = '\0';
	*buf = steal_ptr(&b);
	*len = n;
	return 0;
}
