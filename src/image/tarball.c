/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tarball.c: image tarballs read with bounds (entries, bytes produced, member sizes) and
 * chosen members extracted into a private temp directory under names urun makes (sha256
 * digests, fixed names), never under names from the archive: nothing lands outside it. */
#include "image/tarball.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/text.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

/* ---- input ----------------------------------------------------------------------------- */

/* A name from an archive, safe to print: no escape sequences reach the terminal. */
char *tarball_shown(const char *s)
{
	return text_shown(s, 200);
}

const char *tarball_tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	return t && t[0] == '/' ? t : "/var/tmp";
}

static int tmp_hint(int r, struct urun_error *err)
{
	urun_error_hint(
	    err, "set TMPDIR to a writable directory with room for the archive (default /var/tmp)");
	return r;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Copy `in` into an unlinked temp file: archives are read more than once (names first,
 * then data), which a pipe cannot do. */
static int spool(int in, const char *label, int *out, struct urun_error *err)
{
	const char *base = tarball_tmp_base();
	_cleanup_close_ int fd = open(base, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == ENOENT)) {
		_cleanup_free_ char *path = xasprintf("%s/urun-spool-XXXXXX", base);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return tmp_hint(urun_error_set(err, errno, "creating a temp file in `%s`", base),
				err);
	char buf[65536];
	uint64_t total = 0;
	for (;;) {
		ssize_t k = read(in, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return urun_error_set(err, errno, "reading %s", label);
		if (k == 0)
			break;
		total += (uint64_t)k;
		if (total > TARBALL_MAX_BYTES)
			return urun_error_set(err, EFBIG, "%s is larger than %llu bytes", label,
					      (unsigned long long)TARBALL_MAX_BYTES);
		int r = write_all(fd, buf, (size_t)k);
		if (r < 0)
			return tmp_hint(urun_error_set(err, -r, "copying %s to `%s`", label, base),
					err);
	}
	*out = steal_fd(&fd);
	return 0;
}

int tarball_open_input(const char *file, int *fdp, char **label, struct urun_error *err)
{
	bool is_stdin = strcmp(file, "-") == 0;
	_cleanup_free_ char *l = is_stdin ? xstrdup("standard input") : xasprintf("`%s`", file);
	_cleanup_close_ int fd =
	    is_stdin ? fcntl(0, F_DUPFD_CLOEXEC, 3) : open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return urun_error_set(err, errno, "opening %s", l);
	if (S_ISDIR(st.st_mode)) {
		r = urun_error_set(err, 0, "%s is a directory, not an archive", l);
		err->code = EISDIR;
		urun_error_hint(err, "for an OCI layout directory use `urun pull oci:%s`", file);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		int copy;
		if ((r = spool(fd, l, &copy, err)) < 0)
			return r;
		close(fd);
		fd = copy;
	}
	*fdp = steal_fd(&fd);
	*label = steal_ptr(&l);
	return 0;
}

int tarball_check_magic(int fd, const char *label, struct urun_error *err)
{
	static const struct {
		const char *name, *magic;
		size_t len;
		const char *tool;
	} other[] = {
	    {"xz",
	     "\xfd"
	     "7zXZ\0",
	     6, "xz -dc"},
	    {"bzip2", "BZh", 3, "bzip2 -dc"},
	    {"lz4", "\x04\x22\x4d\x18", 4, "lz4 -dc"},
	    {"zip", "PK\x03\x04", 4, NULL},
	};
	unsigned char m[8] = {0};
	ssize_t k = pread(fd, m, sizeof(m), 0);
	if (k < 0)
		return urun_error_set(err, errno, "reading %s", label);
	if (k == 0) {
		int r = urun_error_set(err, 0, "%s is empty", label);
		urun_error_hint(
		    err, "an image archive comes from `podman save` or `docker save`; a root "
			 "filesystem tarball from `tar -C DIR -c .`");
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		if ((size_t)k < other[i].len || memcmp(m, other[i].magic, other[i].len) != 0)
			continue;
		int r =
		    urun_error_set(err, 0,
				   "%s is %s %s; urun reads tar archives, plain or compressed with "
				   "gzip or zstd",
				   label, other[i].tool ? "compressed with" : "a", other[i].name);
		if (other[i].tool)
			urun_error_hint(err, "decompress it first: `%s FILE > FILE.tar`",
					other[i].tool);
		return r;
	}
	return 0;
}

const char *tarball_layer_type(const unsigned char *m, size_t len)
{
	if (len >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return "application/vnd.oci.image.layer.v1.tar";
}

/* ---- names ----------------------------------------------------------------------------- */

char *tarball_normalise_name(const char *name)
{
	struct image_ref r;
	struct urun_error e = {0};
	if (image_ref_parse(name, &r, &e) < 0) {
		urun_error_clear(&e);
		return NULL;
	}
	char *full =
	    r.transport == IMAGE_TRANSPORT_DOCKER && r.tag && !r.digest ? image_ref_name(&r) : NULL;
	image_ref_free(&r);
	return full;
}

/* A basename as one repository component, [a-z0-9]+((.|_|-)[a-z0-9]+)*: other characters
 * become `-`, runs of separators one, none at either end. */
static char *name_component(const char *file)
{
	static const char *const exts[] = {".tar",  ".gz",   ".tgz", ".zst",
					   ".zstd", ".tzst", ".oci", ".docker"};
	const char *b = strrchr(file, '/');
	_cleanup_free_ char *s = xstrdup(b ? b + 1 : file);
	for (bool again = true; again;) {
		again = false;
		size_t n = strlen(s);
		for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
			size_t el = strlen(exts[i]);
			if (n > el && strcmp(s + n - el, exts[i]) == 0) {
				s[n - el] = '\0';
				again = true;
				break;
			}
		}
	}
	char *o = xmalloc(strlen(s) + 1);
	size_t n = 0, run = 0;
	char sep = 0;
	for (const char *c = s; *c && n < 100; c++) {
		char ch = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (run && n)
				o[n++] = run == 1 ? sep : '-';
			run = 0;
			o[n++] = ch;
		} else {
			sep = ch == '.' || ch == '_' ? ch : '-';
			run++;
		}
	}
	o[n] = '\0';
	if (!n) {
		free(o);
		return xstrdup("image");
	}
	return o;
}

char *tarball_default_name(const char *file, const char *base, const char *tag)
{
	_cleanup_free_ char *comp = name_component(base ? base : file);
	_cleanup_free_ char *s = xasprintf("localhost/%s:%s", comp, tag ? tag : "latest");
	char *full = tarball_normalise_name(s);
	if (!full) {
		_cleanup_free_ char *t = tag ? tarball_shown(tag) : NULL;
		log_warn("`%s` is not a valid tag: naming the image localhost/%s:latest",
			 t ? t : "", comp);
		full = xasprintf("localhost/%s:latest", comp);
	}
	return full;
}

/* ---- the tar stream --------------------------------------------------------------------- */

static int tarball_error(struct tarball *t, struct urun_error *err)
{
	const char *why = archive_error_string(t->a);
	int r = urun_error_set(err, 0, "reading %s (compression: %s): %s", t->label,
			       archive_filter_name(t->a, 0), why ? why : "unknown error");
	if (t->entries == 0)
		urun_error_hint(
		    err,
		    "is it a tar archive (plain, gzip or zstd)? `podman save`, `docker save` and "
		    "`skopeo copy` write such archives");
	return r;
}

void tarball_close(struct tarball *t)
{
	if (t->a)
		archive_read_free(t->a);
	t->a = NULL;
}

int tarball_open(struct tarball *t, int fd, const char *label, struct urun_error *err)
{
	memset(t, 0, sizeof(*t));
	t->label = label;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return urun_error_set(err, errno, "rewinding %s", label);
	t->a = archive_read_new();
	if (!t->a)
		abort();
	/* Compression is recognised by its magic bytes: gzip and zstd, built in only.
	 * archive_read_support_filter_all() would also run external programs (lrzip, lzop...)
	 * on input that merely starts with their magic. */
	if (archive_read_support_filter_gzip(t->a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(t->a) != ARCHIVE_OK)
		return urun_error_set(err, ENOTSUP,
				      "libarchive lacks built-in gzip or zstd support");
	archive_read_support_format_tar(t->a);
	if (archive_read_open_fd(t->a, fd, 65536) != ARCHIVE_OK)
		return tarball_error(t, err);
	return 0;
}

/* Member names as tar writers spell them ("./index.json", "blobs//sha256/x", "blobs/"),
 * reduced to "index.json", "blobs/sha256/x", "blobs"; the root is "". An absolute name
 * or a `..` component never occurs in an honest archive: -EPERM (the tar-slip class). */
int tarball_clean_name(const char *raw, char *out, size_t cap)
{
	size_t o = 0;
	if (raw[0] == '/')
		return -EPERM;
	for (const char *p = raw; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EPERM;
		if (len && !(len == 1 && p[0] == '.')) {
			if (o + 1 + len >= cap)
				return -ENAMETOOLONG;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}

/* Next entry: 1 with its cleaned name ("" when it has none usable), 0 at the end. */
int tarball_next(struct tarball *t, struct archive_entry **e, char name[TARBALL_NAME_CAP],
		 struct urun_error *err)
{
	int r = archive_read_next_header(t->a, e);
	if (r == ARCHIVE_EOF)
		return 0;
	/* ARCHIVE_WARN: typically a name that does not fit the locale; no name we use is
	 * outside ASCII, so such an entry simply matches nothing. */
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return tarball_error(t, err);
	if (++t->entries > TARBALL_MAX_ENTRIES) {
		r = urun_error_set(err, 0, "%s has more than %u entries", t->label,
				   TARBALL_MAX_ENTRIES);
		err->code = EFBIG;
		return r;
	}
	const char *raw = archive_entry_pathname(*e);
	int c = raw ? tarball_clean_name(raw, name, TARBALL_NAME_CAP) : -ENAMETOOLONG;
	if (c == -EPERM) {
		_cleanup_free_ char *s = tarball_shown(raw);
		r = urun_error_set(
		    err, 0,
		    "%s holds the member `%s`, which points outside the archive: refusing it",
		    t->label, s);
		urun_error_hint(
		    err, "image archives never hold absolute names or `..`; this one was made by "
			 "hand or tampered with");
		err->code = EPERM;
		return r;
	}
	if (c < 0)
		name[0] = '\0';
	return 1;
}

/* A small member (manifest.json, index.json) into memory, NUL-terminated. */
int tarball_read_member(struct tarball *t, const char *what, char **out, size_t *len,
			struct urun_error *err)
{
	size_t cap = 8192, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 4096)
			buf = xrealloc(buf, cap *= 2);
		la_ssize_t k = archive_read_data(t->a, buf + n, cap - n - 1);
		if (k < 0) {
			free(buf);
			return tarball_error(t, err);
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > MANIFEST_MAX_BYTES) {
			free(buf);
			return urun_error_set(err, EFBIG, "%s of %s is larger than %u bytes", what,
					      t->label, MANIFEST_MAX_BYTES);
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The current member's data into blobs_fd/<its sha256>, hashed on the way; when want_hex
 * is given (an oci-archive blob's name), the content must match it. */
int tarball_extract_blob(struct tarball *t, int blobs_fd, const char *want_hex, char hex[65],
			 int64_t *size, unsigned char magic[8], struct urun_error *err)
{
	static const char partial[] = ".partial";
	_cleanup_close_ int fd =
	    openat(blobs_fd, partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return tmp_hint(urun_error_set(err, errno,
					       "writing into the temp directory under `%s`",
					       tarball_tmp_base()),
				err);
	struct digest md;
	digest_init(&md);
	char buf[65536];
	int64_t total = 0;
	int r = 0;
	memset(magic, 0, 8);
	for (;;) {
		la_ssize_t k = archive_read_data(t->a, buf, sizeof(buf));
		if (k == 0)
			break;
		if (k < 0) {
			r = tarball_error(t, err);
			break;
		}
		if (total < 8)
			memcpy(magic + total, buf, (size_t)(8 - total < k ? 8 - total : k));
		total += k;
		t->bytes += (uint64_t)k;
		if (t->bytes > TARBALL_MAX_BYTES) {
			r = urun_error_set(err, 0, "%s unpacks to more than %llu bytes", t->label,
					   (unsigned long long)TARBALL_MAX_BYTES);
			err->code = EFBIG;
			break;
		}
		digest_update(&md, buf, (size_t)k);
		if ((r = write_all(fd, buf, (size_t)k)) < 0) {
			r = tmp_hint(urun_error_set(err, -r,
						    "writing into the temp directory under `%s`",
						    tarball_tmp_base()),
				     err);
			break;
		}
	}
	char full[DIGEST_LEN + 1];
	digest_final(&md, full);
	memcpy(hex, full + 7, 65);
	if (r == 0 && want_hex && strcmp(hex, want_hex) != 0)
		r = urun_error_set(err, 0, "blob `sha256:%s` of %s does not match its digest",
				   want_hex, t->label);
	if (r == 0 && renameat(blobs_fd, partial, blobs_fd, hex) < 0)
		r = urun_error_set(err, errno, "renaming a blob in the temp directory");
	if (r < 0) {
		unlinkat(blobs_fd, partial, 0);
		return r;
	}
	*size = total;
	return 0;
}

/* ---- the temp directory ---------------------------------------------------------------- */

void tarball_tmp_remove(struct tarball_tmp *d)
{
	if (d->blobs >= 0)
		close(d->blobs);
	if (d->fd >= 0)
		close(d->fd);
	if (d->name) {
		struct urun_error e = {0};
		if (unpack_remove_tree(d->parent, d->name, &e) < 0)
			log_warn("could not remove the temp directory `%s`: %s", d->path, e.msg);
		urun_error_clear(&e);
	}
	if (d->parent >= 0)
		close(d->parent);
	free(d->path);
	free(d->name);
	memset(d, 0, sizeof(*d));
	d->parent = d->fd = d->blobs = -1;
}

/* A private (0700, mkdtemp) directory holding an empty layout: blobs/sha256/. */
int tarball_tmp_create(struct tarball_tmp *d, struct urun_error *err)
{
	const char *base = tarball_tmp_base();
	memset(d, 0, sizeof(*d));
	d->fd = d->blobs = -1;
	d->parent = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->parent < 0)
		return tmp_hint(urun_error_set(err, errno, "opening the temp directory `%s`", base),
				err);
	d->path = xasprintf("%s/urun-archive-XXXXXX", base);
	if (!mkdtemp(d->path))
		return tmp_hint(
		    urun_error_set(err, errno, "creating a temp directory in `%s`", base), err);
	d->name = xstrdup(strrchr(d->path, '/') + 1);
	d->fd = openat(d->parent, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0 || mkdirat(d->fd, "blobs", 0700) < 0)
		return urun_error_set(err, errno, "preparing `%s`", d->path);
	_cleanup_close_ int b =
	    openat(d->fd, "blobs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b < 0 || mkdirat(b, "sha256", 0700) < 0)
		return urun_error_set(err, errno, "preparing `%s`", d->path);
	d->blobs = openat(b, "sha256", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->blobs < 0)
		return urun_error_set(err, errno, "preparing `%s`", d->path);
	return 0;
}

int tarball_write_file_at(int dirfd, const char *name, const char *buf, size_t len,
			  struct urun_error *err)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	int r = fd < 0 ? -errno : write_all(fd, buf, len);
	return r < 0
		   ? tmp_hint(urun_error_set(err, -r, "writing `%s` into the temp directory", name),
			      err)
		   : 0;
}
