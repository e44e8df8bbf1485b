/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store-gc.c: giving space back and measuring it: an image's layers and
 * blobs (rmi), everything unused (prune), the whole store (system reset),
 * and sizes (system df).
 *
 * A layer is renamed into tmp/ before its tree is removed: a removal cut
 * short never leaves a half layer under layers/, where it would count as
 * complete. The leftover tmp/HEX.rmPID is removed by prune or by the next
 * unpack of HEX (both under the layer's lock). Layers hold files of
 * subordinate ids: trees are removed and measured inside the user
 * namespace. */
#include "image/manifest.h"
#include "image/store-int.h"
#include "image/store.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/log.h"

#include <fcntl.h>
#include <search.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* The hex part of a recorded digest; "" for a malformed one (images.json
 * is ours, but a damaged one must not make us index past a string). */
static const char *hex_of(const char *digest)
{
	return digest && digest_is_valid(digest) ? digest + 7 : "";
}

static bool referenced(const struct store_image *v, size_t n, const char *hex, bool layer)
{
	for (size_t i = 0; i < n; i++) {
		if (!layer && (strcmp(hex_of(v[i].manifest), hex) == 0 ||
			       strcmp(hex_of(v[i].config), hex) == 0))
			return true;
		for (char **l = v[i].layers; layer && l && *l; l++)
			if (strcmp(hex_of(*l), hex) == 0)
				return true;
	}
	return false;
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A failed helper reports only its code: say what failed. */
static int removal_error(struct urun_error *err, int r, const char *what, const char *name)
{
	if (err && !err->msg)
		urun_error_set(err, r < 0 ? -r : EIO, "removing %s `%.12s`", what, name);
	return r;
}

/* Remove layers/HEX unless a container holds it (shared lock) or it is
 * being unpacked (exclusive): 1 kept, 0 removed or already gone, <0 error. */
static int remove_layer(struct store *s, int layersfd, int tmpfd, const char *hex,
			struct urun_error *err)
{
	char dg[DIGEST_LEN + 1], tmp[96];
	snprintf(dg, sizeof(dg), "sha256:%.64s", hex);
	_cleanup_close_ int lk = store_lock_file(s, "", dg, LOCK_EX | LOCK_NB);
	if (lk < 0)
		return 1;
	snprintf(tmp, sizeof(tmp), "%.64s.rm%d", hex, (int)getpid());
	if (renameat(layersfd, hex, tmpfd, tmp) < 0)
		return errno == ENOENT
			   ? 0
			   : urun_error_set(err, errno, "moving layer `%.12s` out of `%s/layers`",
					    hex, s->root);
	int r = store_remove_tree(s, tmpfd, tmp, err);
	return r < 0 ? removal_error(err, r, "layer", hex) : 0;
}

static int remove_blob(int blobsfd, const char *hex, struct urun_error *err)
{
	if (unlinkat(blobsfd, hex, 0) < 0 && errno != ENOENT)
		return urun_error_set(err, errno, "removing blob `%.12s`", hex);
	return 0;
}

/* The entries of a directory, read before anything in it is renamed or
 * removed (readdir may skip entries of a directory that changes). */
static char **list_dir(int dirfd)
{
	char **v = xcalloc(1, sizeof(char *));
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return v;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(&v, xstrdup(de->d_name));
	closedir(d);
	return v;
}

struct gc_dirs {
	int layers, blobs, tmp;
};

static void gc_dirs_close(struct gc_dirs *g)
{
	int *fds[] = {&g->layers, &g->blobs, &g->tmp};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

static int gc_dirs_open(struct store *s, struct gc_dirs *g, struct urun_error *err)
{
	g->layers = openat(s->rootfd, "layers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	g->blobs = openat(s->rootfd, "blobs/sha256", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	g->tmp = openat(s->rootfd, "tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (g->layers < 0 || g->blobs < 0 || g->tmp < 0) {
		int r = urun_error_set(err, errno, "opening the image store `%s`", s->root);
		gc_dirs_close(g);
		return r;
	}
	return 0;
}

/* tmp/HEX.* whose layer lock is free: nobody unpacks or removes HEX, so
 * it is what a killed pull or removal left. */
static int remove_stale_tmp(struct store *s, int tmpfd, struct urun_error *err)
{
	_cleanup_strv_ char **names = list_dir(tmpfd);
	for (char **p = names; *p; p++) {
		char dg[DIGEST_LEN + 1];
		if (strlen(*p) < 66 || (*p)[64] != '.' || strspn(*p, "0123456789abcdef") != 64)
			continue;
		snprintf(dg, sizeof(dg), "sha256:%.64s", *p);
		_cleanup_close_ int lk = store_lock_file(s, "", dg, LOCK_EX | LOCK_NB);
		if (lk < 0)
			continue;
		int r = store_remove_tree(s, tmpfd, *p, err);
		if (r < 0)
			return removal_error(err, r, "stale temporary layer", *p);
	}
	return 0;
}

int store_prune(struct store *s, uint64_t *removed, struct urun_error *err)
{
	*removed = 0;
	_cleanup_close_ int lock = store_lock_records(s, err);
	if (lock < 0)
		return lock;
	struct store_image *v;
	size_t n;
	int r = store_load_records(s, &v, &n, err);
	if (r < 0)
		return r;
	struct gc_dirs g;
	if ((r = gc_dirs_open(s, &g, err)) < 0) {
		store_images_free(v, n);
		return r;
	}
	_cleanup_strv_ char **layers = list_dir(g.layers);
	_cleanup_strv_ char **blobs = list_dir(g.blobs);
	for (char **p = layers; *p && r == 0; p++) {
		if (!is_hex64(*p) || referenced(v, n, *p, true))
			continue;
		/* A layer held by a running container (of an image removed since) stays. */
		if ((r = remove_layer(s, g.layers, g.tmp, *p, err)) == 0)
			(*removed)++;
		r = r > 0 ? 0 : r;
	}
	for (char **p = blobs; *p && r == 0; p++) {
		if (!is_hex64(*p) || referenced(v, n, *p, false))
			continue;
		if ((r = remove_blob(g.blobs, *p, err)) == 0)
			(*removed)++;
	}
	if (r == 0)
		r = remove_stale_tmp(s, g.tmp, err);
	gc_dirs_close(&g);
	store_images_free(v, n);
	return r;
}

int store_remove_image(struct store *s, const char *config, char ***names, struct urun_error *err)
{
	*names = xcalloc(1, sizeof(char *));
	_cleanup_close_ int lock = store_lock_records(s, err);
	if (lock < 0)
		return lock;
	struct store_image *v;
	size_t n, kept = 0, ngone = 0;
	int r = store_load_records(s, &v, &n, err);
	if (r < 0)
		return r;
	struct store_image *gone = xcalloc(n ? n : 1, sizeof(*gone));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].config, config) == 0) {
			strv_push(names, xstrdup(v[i].name));
			gone[ngone++] = v[i];
		} else {
			v[kept++] = v[i];
		}
	}
	/* The records go first: from then on nothing refers to what follows. */
	struct gc_dirs g = {-1, -1, -1};
	if (ngone > 0 && (r = store_save_records(s, v, kept, err)) == 0)
		r = gc_dirs_open(s, &g, err);
	for (size_t i = 0; i < ngone && r == 0; i++) {
		for (char **l = gone[i].layers; l && *l && r == 0; l++) {
			const char *hex = hex_of(*l);
			int k = *hex && !referenced(v, kept, hex, true)
				    ? remove_layer(s, g.layers, g.tmp, hex, err)
				    : 0;
			r = k < 0 ? k : 0; /* a layer a container holds stays */
		}
		const char *blobs[] = {hex_of(gone[i].manifest), hex_of(gone[i].config)};
		for (size_t k = 0; k < ARRAY_SIZE(blobs) && r == 0; k++)
			if (*blobs[k] && !referenced(v, kept, blobs[k], false))
				r = remove_blob(g.blobs, blobs[k], err);
	}
	gc_dirs_close(&g);
	store_images_free(gone, ngone);
	store_images_free(v, kept);
	return r;
}

/* ---- sizes ---- */

struct size_job {
	int dirfd;
	char *const *names;
	size_t n;
	uint64_t *out; /* shared with the caller */
};

struct ino_key {
	dev_t dev;
	ino_t ino;
};

static int ino_cmp(const void *a, const void *b)
{
	const struct ino_key *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* Depth is bounded so that a hostile, deeply nested layer cannot exhaust
 * fds or the stack: what lies deeper is not counted. */
#define SIZE_MAX_DEPTH 256

static void tree_size(int parent, const char *name, dev_t dev, int depth, void **seen,
		      uint64_t *sum)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			return;
		if (st.st_nlink > 1) {
			struct ino_key *k = xmalloc(sizeof(*k));
			*k = (struct ino_key){st.st_dev, st.st_ino};
			void *got = tsearch(k, seen, ino_cmp);
			if (got && *(struct ino_key **)got != k) {
				free(k);
				return;
			}
		}
		*sum += (uint64_t)st.st_size;
		return;
	}
	/* Another filesystem mounted here (a running container's root) is not ours to count. */
	if (st.st_dev != dev || depth > SIZE_MAX_DEPTH)
		return;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			tree_size(dirfd(d), de->d_name, dev, depth + 1, seen, sum);
	closedir(d);
}

static int size_in_userns(void *arg)
{
	struct size_job *j = arg;
	void *seen = NULL;
	struct stat top;
	if (fstat(j->dirfd, &top) < 0)
		return -errno;
	for (size_t i = 0; i < j->n; i++) {
		const char *name = j->names[i];
		/* one entry of this directory, nothing else */
		if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0)
			continue;
		tree_size(j->dirfd, name, top.st_dev, 0, &seen, &j->out[i]);
	}
	return 0; /* the process ends here: no need to free the inode set */
}

int store_tree_sizes(struct store *s, const char *subdir, char *const *names, size_t n,
		     uint64_t *sizes, struct urun_error *err)
{
	memset(sizes, 0, n * sizeof(*sizes));
	if (n == 0)
		return 0;
	_cleanup_close_ int d =
	    openat(s->rootfd, subdir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return errno == ENOENT
			   ? 0
			   : urun_error_set(err, errno, "opening `%s/%s`", s->root, subdir);
	/* The measuring child writes its answer here. */
	uint64_t *out =
	    mmap(NULL, n * sizeof(*out), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED)
		return urun_error_set(err, errno, "measuring `%s/%s`", s->root, subdir);
	struct size_job j = {.dirfd = d, .names = names, .n = n, .out = out};
	int r = userns_call(&s->ids, size_in_userns, &j, err);
	if (r == 0)
		memcpy(sizes, out, n * sizeof(*out));
	else if (err && !err->msg)
		urun_error_set(err, -r, "measuring `%s/%s`", s->root, subdir);
	munmap(out, n * sizeof(*out));
	return r;
}

int64_t store_blob_size(struct store *s, const char *digest)
{
	char name[128];
	struct stat st;
	if (!digest || !digest_is_valid(digest))
		return -1;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	if (fstatat(s->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return (int64_t)st.st_size;
}

/* ---- reset ---- */

int store_reset(struct store *s, struct urun_error *err)
{
	/* images.json first; FORMAT and the lock last. */
	static const char *const entries[] = {"images.json", "containers", "mnt",
					      "tmp",	     "layers",	   "blobs",
					      "driver",	     "locks",	   "FORMAT"};
	_cleanup_close_ int lock = store_lock_records(s, err);
	if (lock < 0)
		return lock;
	_cleanup_strv_ char **all = list_dir(s->rootfd);
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		int r = store_remove_tree(s, s->rootfd, entries[i], err);
		if (r < 0)
			return urun_error_wrap(err, "removing `%s/%s`", s->root, entries[i]), r;
	}
	/* fs_write_atomic's temp files (.NAME.tmpPID) of a killed writer */
	for (char **p = all; *p; p++)
		if ((*p)[0] == '.' && strstr(*p, ".tmp") && unlinkat(s->rootfd, *p, 0) < 0 &&
		    errno != ENOENT)
			return urun_error_set(err, errno, "removing `%s/%s`", s->root, *p);
	if (unlinkat(s->rootfd, "lock", 0) < 0 && errno != ENOENT)
		return urun_error_set(err, errno, "removing `%s/lock`", s->root);
	/* storage_root may name a directory that holds other things too: those
	 * stay, and so does the directory. */
	if (rmdir(s->root) < 0 && errno != ENOENT) {
		if (errno != ENOTEMPTY && errno != EEXIST)
			return urun_error_set(err, errno, "removing `%s`", s->root);
		log_warn("`%s` is kept: it holds files urun did not put there", s->root);
	}
	return 0;
}
