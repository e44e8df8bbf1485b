/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-cache.c: compile once, load many times. The cache lives in the
 * user's own cache directory (mode 0700); an entry is used only if it is a
 * regular file owned by the user with a plausible BPF size, and it is
 * written as temp + rename so a crash never leaves half a filter. */
#include "run/seccomp-cache.h"
#include "run/seccomp-default.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xdg.h"

#include <fcntl.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static void cache_key(const char *bytes, size_t len, uint64_t caps, char out[65])
{
	struct utsname u;
	const struct scmp_version *v = seccomp_version();
	char extra[512], hex[DIGEST_LEN + 1];

	uname(&u);
	int n = snprintf(extra, sizeof(extra), "urun-seccomp-v2 caps=%llx kernel=%s machine=%s libseccomp=%u.%u.%u",
			 (unsigned long long)caps, u.release, u.machine, v ? v->major : 0, v ? v->minor : 0,
			 v ? v->micro : 0);
	_cleanup_free_ char *all = xmalloc(len + (size_t)n);
	memcpy(all, bytes, len);
	memcpy(all + len, extra, (size_t)n);
	digest_sha256(all, len + (size_t)n, hex);
	memcpy(out, hex + 7, 65);
}

static bool cache_load(const char *file, struct seccomp_program *out)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) != 0 || st.st_size > 4096 * (off_t)sizeof(struct sock_filter))
		return false;
	void *buf = xmalloc((size_t)st.st_size);
	if (read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size) {
		free(buf);
		return false;
	}
	out->bpf = buf;
	out->len = (size_t)st.st_size;
	return true;
}

static void cache_store(const char *dir, const char *file, const struct seccomp_program *p)
{
	_cleanup_free_ char *tmp = xasprintf("%s/.tmp-XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	bool good = write(fd, p->bpf, p->len) == (ssize_t)p->len;
	close(fd);
	if (!good || rename(tmp, file) < 0)
		unlink(tmp);
}

int seccomp_cache_compile(const char *path, uint64_t caps, struct seccomp_program *out, struct urun_error *err)
{
	_cleanup_free_ char *owned = NULL;
	const char *bytes = seccomp_default_profile;
	size_t len = seccomp_default_profile_len;
	char key[65];

	if (path) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		int r = fd < 0 ? urun_error_set(err, errno, "reading `%s`", path)
			       : fs_read_fd_bounded(fd, path, SECCOMP_PROFILE_MAX_BYTES, &owned, &len, err);
		if (r < 0) {
			urun_error_hint(err, "--security-opt seccomp=FILE takes a readable docker-format "
					     "JSON profile of at most 4 MiB");
			return r;
		}
		bytes = owned;
	}
	cache_key(bytes, len, caps, key);
	_cleanup_free_ char *dir = xdg_path("XDG_CACHE_HOME", ".cache", "urun/seccomp");
	_cleanup_free_ char *file = dir ? xasprintf("%s/%s.bpf", dir, key) : NULL;
	if (file && cache_load(file, out)) {
		log_debug("seccomp filter from cache `%s`", file);
		return 0;
	}
	_cleanup_free_ char *name = path ? xasprintf("`%s`", path) : xstrdup("built-in seccomp profile");
	int r = seccomp_compile_buffer(bytes, len, name, caps, out, err);
	if (r < 0)
		return r;
	if (dir && xdg_mkdir_p(dir, 0700) == 0)
		cache_store(dir, file, out);
	return 0;
}
