/* SPDX-License-Identifier: GPL-2.0-or-later */
/* store.c: the image store on disk.
 *
 *   ROOT/FORMAT               what the layers' whiteouts look like (never changes silently)
 *   ROOT/blobs/sha256/HEX     manifests and configs, verified
 *   ROOT/layers/HEX/          an unpacked layer, named by its diffID; complete once present
 *   ROOT/locks/HEX            flock held while HEX is being unpacked
 *   ROOT/tmp/HEX.PID/         a layer being unpacked (stale ones are removed under the lock)
 *   ROOT/images.json          name -> manifest, config, layers (rewritten under ROOT/lock)
 *
 * A pull killed at any moment leaves the old state or the new: layers and
 * blobs appear by rename only after their digest was checked, and an image
 * record is written last. Layers hold files owned by subordinate ids, so
 * they are created and removed inside a user namespace with the same map. */
#include "image/store.h"
#include "image/store-int.h"
#include "image/manifest.h"
#include "image/unpack.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xdg.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

static const char *const subdirs[] = {"blobs", "blobs/sha256", "layers", "locks", "tmp", "mnt", "containers"};

/* Without HOME and XDG_DATA_HOME (env -i, some cron and batch jobs), a
 * per-user name in /var/tmp, where another user may have made it first
 * (*shared says so). */
static char *default_root(bool *shared)
{
	char *p = xdg_path("XDG_DATA_HOME", ".local/share", "urun");
	*shared = !p;
	return p ? p : xasprintf("/var/tmp/urun-%u", (unsigned)getuid());
}

/* Filesystems an image store must not live on: no user xattrs or
 * overlay upper dirs there, subordinate-id owners squashed or refused by
 * the server, and one home shared by every node. */
static const char *network_fs(unsigned long type)
{
	switch (type) {
	case 0x6969: return "NFS";
	case 0xFF534D42: case 0xFE534D42: case 0x517B: return "CIFS/SMB";
	case 0x47504653: return "GPFS";
	case 0x0BD00BD0: return "Lustre";
	case 0x00C36400: return "CephFS";
	case 0x5346414F: return "AFS";
	case 0x19830326: return "BeeGFS";
	case 0x65735546: return "a FUSE filesystem";
	default: return NULL;
	}
}

/* storage_fs in urun.conf: "auto" (ask statfs), or the type an admin
 * declares (and tests simulate). */
const char *store_network_fs(const struct urun_config *cfg, const char *path)
{
	static const char *const names[][2] = {{"nfs", "NFS"},	       {"nfs4", "NFS"},	     {"cifs", "CIFS/SMB"},
					       {"smb", "CIFS/SMB"},    {"smb3", "CIFS/SMB"}, {"gpfs", "GPFS"},
					       {"lustre", "Lustre"},   {"ceph", "CephFS"},   {"afs", "AFS"},
					       {"beegfs", "BeeGFS"},   {"fuse", "a FUSE filesystem"}};
	const char *declared = config_get(cfg, "storage_fs");
	if (declared && *declared && strcmp(declared, "auto") != 0) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(declared, names[i][0]) == 0)
				return names[i][1];
		return NULL;
	}
	/* The nearest existing ancestor says where the store would be made. */
	_cleanup_free_ char *p = xstrdup(path);
	struct statfs sfs;
	while (statfs(p, &sfs) < 0) {
		char *slash = strrchr(p, '/');
		if (!slash || slash == p)
			return statfs("/", &sfs) == 0 ? network_fs((unsigned long)sfs.f_type) : NULL;
		*slash = '\0';
	}
	return network_fs((unsigned long)sfs.f_type);
}

/* A per-user directory under local_storage_root (so one site-wide setting
 * serves every user), else under $TMPDIR or /var/tmp. */
static char *local_root(const struct urun_config *cfg)
{
	const char *conf = config_get(cfg, "local_storage_root");
	const char *tmp = getenv("TMPDIR");
	const char *parent = conf && *conf ? conf : tmp && *tmp == '/' ? tmp : "/var/tmp";
	return xasprintf("%s/urun-%u", parent, (unsigned)getuid());
}

static void refuse_store(struct store *s, const char *path, const char *why)
{
	log_warn("additional store `%s` is not used: %s", path, why);
	strv_push(&s->refused, xasprintf("`%s`: %s", path, why));
}

/* What an additional store holds must not be changeable by anyone but root
 * or the caller: its top entries are checked here (the walk checked the path
 * to it), and each layer directory when it is used (layer_home). */
static int check_store_entries(int fd, struct fs_trust *t, char **why)
{
	static const char *const names[] = {"layers", "blobs", "blobs/sha256", "images.json",
					    "FORMAT"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct stat st;
		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* missing: the format check or a lookup says so */
		const char *bad = fs_distrust(&st, t);
		if (bad) {
			*why = xasprintf("its `%s` is %s (owner uid %u, mode %04o)", names[i], bad,
					 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
	}
	return 0;
}

/* An additional store is trusted as much as the user's own: its layers run
 * without a check and a pull reuses them. So it must be owned by root or the
 * caller, on a path nobody else can change (a sticky /tmp on the way is
 * fine). A store that fails is left out with a warning, not an error: one
 * bad line in the site's urun.conf must not stop every user's urun, and
 * leaving it out only means its images must be pulled. */
static void open_extra_stores(struct store *s, const struct urun_config *cfg)
{
	const char *list = config_get(cfg, "additional_stores");
	if (!list || !*list)
		return;
	struct fs_trust trust = {.uid = geteuid(), .root_ok = true, .sticky_ok = true};
	/* A TOML-ish list ["/a", "/b"] or "/a:/b" or "/a,/b". */
	_cleanup_free_ char *buf = xstrdup(list);
	char *save = NULL;
	for (char *t = strtok_r(buf, "[]\", :\t", &save); t; t = strtok_r(NULL, "[]\", :\t", &save)) {
		if (*t != '/' || strcmp(t, s->root) == 0)
			continue;
		_cleanup_free_ char *why = NULL;
		int fd = fs_open_trusted(t, &trust, &why);
		trust.sticky_ok = false;
		if (fd >= 0 && check_store_entries(fd, &trust, &why) < 0) {
			close(fd);
			fd = -1;
		}
		trust.sticky_ok = true;
		if (fd < 0) {
			refuse_store(s, t, why);
			continue;
		}
		char *fmt = NULL;
		size_t flen;
		bool ok =
		    fs_read_at_bounded(fd, "FORMAT", O_NOFOLLOW, 4096, &fmt, &flen, NULL) == 0 &&
		    strcmp(fmt, STORE_FORMAT) == 0;
		free(fmt);
		if (!ok) {
			refuse_store(s, t, "it is not an urun store of this format");
			close(fd);
			continue;
		}
		s->extra = xrealloc(s->extra, (s->n_extra + 1) * sizeof(*s->extra));
		s->extra[s->n_extra++] = (struct store_ro){.root = xstrdup(t), .rootfd = fd};
	}
}

/* "64G", "500M", "1GiB", "0": bytes. */
static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	uint64_t mult = 1;
	switch (*end) {
	case 'T':
	case 't':
		mult = 1ULL << 40;
		end++;
		break;
	case 'G':
	case 'g':
		mult = 1ULL << 30;
		end++;
		break;
	case 'M':
	case 'm':
		mult = 1ULL << 20;
		end++;
		break;
	case 'K':
	case 'k':
		mult = 1ULL << 10;
		end++;
		break;
	}
	if (mult > 1 && *end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (end == v || *end || errno || !(d >= 0) || d * (double)mult >= 18e18)
		return -EINVAL;
	*out = (uint64_t)(d * (double)mult);
	return 0;
}

/* min_free_space: "1G", "2%", or both ("2%,1G": the larger); 0 turns it off. */
static int parse_min_free(struct store *s, const char *v, struct urun_error *err)
{
	_cleanup_free_ char *buf = xstrdup(v);
	char *save = NULL;
	int n = 0;
	s->min_free_bytes = 0;
	s->min_free_percent = 0;
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save), n++) {
		size_t len = strlen(t);
		char *end;
		if (t[len - 1] == '%') {
			double p = strtod(t, &end);
			if (end != t + len - 1 || !(p >= 0 && p < 100))
				n = -1;
			else if (p > s->min_free_percent)
				s->min_free_percent = p;
		} else {
			uint64_t b;
			if (parse_size(t, &b) < 0)
				n = -1;
			else if (b > s->min_free_bytes)
				s->min_free_bytes = b;
		}
		if (n < 0)
			break;
	}
	if (n <= 0) {
		int r = urun_error_set(
		    err, 0, "min_free_space `%s` is not a size or a share of the filesystem", v);
		urun_error_hint(
		    err,
		    "e.g. 1G, 500M, 2%%, or the larger of two: 2%%,1G (0 turns the reserve off)");
		return r;
	}
	s->min_free_conf = xstrdup(v);
	return 0;
}

/* The free space a layer must leave: the filesystem's share or the floor. */
static uint64_t free_reserve(struct store *s)
{
	struct statvfs v;
	uint64_t r = s->min_free_bytes;
	if (s->min_free_percent > 0 && fstatvfs(s->rootfd, &v) == 0) {
		double share = (double)v.f_blocks * (double)v.f_frsize * s->min_free_percent / 100;
		if (share > (double)r)
			r = (uint64_t)share;
	}
	return r;
}

/* Where to make the store and whom to blame when it is not ours. */
static char *own_store_hint(const char *root, bool shared, bool relocated)
{
	if (relocated)
		return xasprintf(
		    "set storage_root (URUN_STORAGE_ROOT, or --root) to a directory of yours; an "
		    "administrator should make local_storage_root sticky (chmod 1777), so no user "
		    "can take another's name there");
	if (shared)
		return xasprintf("HOME and XDG_DATA_HOME are not set, so the store is a per-user "
				 "name in /var/tmp, which anyone can make first: set XDG_DATA_HOME, "
				 "or storage_root (URUN_STORAGE_ROOT, or --root), to a directory of "
				 "yours");
	return xasprintf(
	    "use a directory of yours that nobody else can write (storage_root, URUN_STORAGE_ROOT "
	    "or --root); if `%s` is yours and you trust what is in it: chmod go-w '%s'",
	    root, root);
}

int store_open(struct store *s, const struct urun_config *cfg, struct urun_error *err)
{
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
	const char *conf = config_get(cfg, "storage_root");
	bool shared = false;
	s->root = conf && *conf ? xstrdup(conf) : default_root(&shared);
	bool relocated = false;
	const char *net = conf && *conf ? NULL : store_network_fs(cfg, s->root);
	if (net) {
		char *local = local_root(cfg);
		log_warn_once("`%s` is on %s, which cannot hold an image store for containers: using `%s` on this "
			      "machine instead (set storage_root in urun.conf, or an admin local_storage_root in "
			      CONFIG_SYSTEM_FILE ", to choose)",
			      s->root, net, local);
		s->moved_from = s->root;
		s->moved_why = net;
		s->root = local;
		relocated = shared = true;
	}
	/* In a directory other users share, only the store's own name is made, mode
	 * 0700: a local_storage_root made by the first user to come would be theirs. */
	int r = shared ? (mkdir(s->root, 0700) < 0 && errno != EEXIST ? -errno : 0)
		       : xdg_mkdir_p(s->root, 0700);
	if (r < 0) {
		r = urun_error_set(err, -r, "creating the image store `%s`", s->root);
		if (relocated && r == -ENOENT)
			urun_error_hint(
			    err, "an administrator creates local_storage_root (mode 1777), or set "
				 "storage_root to a local directory of yours");
		else
			urun_error_hint(err, "set storage_root in ~/.config/urun/urun.conf to a "
					     "writable local directory");
		return r;
	}
	/* Layers from it run as the user's containers: a store another user made
	 * or can write is theirs to change under the user (issue 15). */
	_cleanup_free_ char *hint = own_store_hint(s->root, shared, relocated);
	s->rootfd = fs_open_own_dir(s->root, "the image store", hint, err);
	if (s->rootfd < 0)
		return s->rootfd;
	open_extra_stores(s, cfg);
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(s->rootfd, subdirs[i], 0700) < 0 && errno != EEXIST)
			return urun_error_set(err, errno, "creating `%s/%s`", s->root, subdirs[i]);
	char *fmt = NULL;
	size_t flen;
	if (fs_read_at_bounded(s->rootfd, "FORMAT", O_NOFOLLOW, 4096, &fmt, &flen, NULL) == 0) {
		bool same = strcmp(fmt, STORE_FORMAT) == 0;
		free(fmt);
		if (!same) {
			r = urun_error_set(err, 0, "the image store `%s` has a format this urun does not know", s->root);
			urun_error_hint(err, "use a newer urun, or point storage_root at another directory");
			return r;
		}
	} else if ((r = fs_write_atomic(s->rootfd, "FORMAT", STORE_FORMAT, strlen(STORE_FORMAT),
					0600)) < 0) {
		return urun_error_set(err, -r, "writing `%s/FORMAT`", s->root);
	}
	const char *lim = config_get(cfg, "max_layer_size");
	if (parse_size(lim, &s->max_layer_bytes) < 0 || s->max_layer_bytes == 0)
		return urun_error_set(err, 0, "max_layer_size `%s` is not a size (e.g. 64G, 500M)",
				      lim);
	if ((r = parse_min_free(s, config_get(cfg, "min_free_space"), err)) < 0)
		return r;
	spec_init(&s->ids);
	/* The container's own plan warns about a single-id mapping, with what
	 * it means for the container. */
	s->ids.quiet = true;
	s->ids.newuidmap = xstrdup(config_get(cfg, "newuidmap"));
	s->ids.newgidmap = xstrdup(config_get(cfg, "newgidmap"));
	return userns_plan(&s->ids, err);
}

void store_close(struct store *s)
{
	for (size_t k = 0; k < s->n_extra; k++) {
		if (s->extra[k].rootfd >= 0)
			close(s->extra[k].rootfd);
		free(s->extra[k].root);
	}
	free(s->extra);
	strv_free(s->refused);
	free(s->min_free_conf);
	free(s->moved_from);
	if (s->rootfd >= 0)
		close(s->rootfd);
	spec_free(&s->ids);
	free(s->root);
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
}

/* ---- blobs ---- */

static char *blob_name(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest + 7);
}

int store_put_blob(struct store *s, const char *digest, const void *buf, size_t len, struct urun_error *err)
{
	char got[DIGEST_LEN + 1];
	if (!digest_is_valid(digest))
		return urun_error_set(err, 0, "`%s` is not a sha256 digest", digest);
	digest_sha256(buf, len, got);
	if (strcmp(got, digest) != 0)
		return urun_error_set(err, 0, "blob digest mismatch: expected `%s`, got `%s`", digest, got);
	_cleanup_close_ int dir = openat(s->rootfd, "blobs/sha256", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = dir < 0 ? -errno : fs_write_atomic(dir, digest + 7, buf, len, 0600);
	return r < 0 ? urun_error_set(err, -r, "storing blob `%s`", digest) : 0;
}

int store_get_blob(struct store *s, const char *digest, char **buf, size_t *len, struct urun_error *err)
{
	char got[DIGEST_LEN + 1];
	if (!digest_is_valid(digest))
		return urun_error_set(err, 0, "`%s` is not a sha256 digest", digest);
	_cleanup_free_ char *name = blob_name(digest);
	int r = fs_read_at_bounded(s->rootfd, name, O_NOFOLLOW, MANIFEST_MAX_BYTES, buf, len, NULL);
	for (size_t k = 0; r == -ENOENT && k < s->n_extra; k++)
		r = fs_read_at_bounded(s->extra[k].rootfd, name, O_NOFOLLOW, MANIFEST_MAX_BYTES,
				       buf, len, NULL);
	if (r < 0)
		return urun_error_set(err, -r, "reading blob `%s` from the store", digest);
	/* The store is the user's, but a damaged file must not be believed. */
	digest_sha256(*buf, *len, got);
	if (strcmp(got, digest) != 0) {
		free(*buf);
		*buf = NULL;
		r = urun_error_set(err, 0, "blob `%s` in the store is damaged", digest);
		urun_error_hint(err, "remove the image and pull it again");
		return r;
	}
	return 0;
}

/* ---- layers ---- */

/* Which store holds the layer: -1 yours, k the read-only store k, -2 none. */
static int layer_home(struct store *s, const char *diff_id)
{
	char name[128];
	struct stat st;
	if (!digest_is_valid(diff_id))
		return -2;
	snprintf(name, sizeof(name), "layers/%s", diff_id + 7);
	if (fstatat(s->rootfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		return -1;
	for (size_t k = 0; k < s->n_extra; k++) {
		if (fstatat(s->extra[k].rootfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		/* Anyone who can write the layer's top could replace what it holds. */
		struct fs_trust t = {.uid = geteuid(), .root_ok = true};
		const char *bad = fs_distrust(&st, &t);
		if (!bad)
			return (int)k;
		log_warn_once("layer %.12s of the additional store `%s` is not used: it is %s "
			      "(owner uid %u, mode %04o)",
			      diff_id + 7, s->extra[k].root, bad, (unsigned)st.st_uid,
			      (unsigned)(st.st_mode & 07777));
	}
	return -2;
}

bool store_has_layer(struct store *s, const char *diff_id)
{
	return layer_home(s, diff_id) != -2;
}

char *store_layer_path(struct store *s, const char *diff_id)
{
	int k = layer_home(s, diff_id);
	return xasprintf("%s/layers/%s", k >= 0 ? s->extra[k].root : s->root, diff_id + 7);
}

struct unpack_job {
	int in_fd;          /* compressed stream */
	int tmp_parent;     /* ROOT/tmp */
	int layers;         /* ROOT/layers */
	const char *tmp_name;
	const char *diff_id;
	bool squash;
	int report_fd;      /* child -> parent: struct unpack_report */
	uint64_t max_bytes;
	uint64_t min_free; /* bytes to leave free on the store's filesystem */
};

struct unpack_report {
	int code;
	char msg[480];
	char hint[256];
	struct unpack_result res;
};

/* Runs inside the user namespace: extract, check the diffID, and only then
 * rename into place, so a layer directory is never incomplete. */
static int unpack_in_userns(void *arg)
{
	struct unpack_job *j = arg;
	struct unpack_report rep = {0};
	/* Layers are pulled by several threads: this child was forked with every
	 * other layer's pipes too. Holding a write end would keep that layer's
	 * unpacker waiting for an end of stream that never comes. */
	int keep[] = {j->in_fd, j->tmp_parent, j->layers, j->report_fd};
	close_all_except(keep, ARRAY_SIZE(keep));
	struct urun_error e = {0};
	struct unpack_opts o = {.squash_owner = j->squash,
				.uid = 0,
				.gid = 0,
				.max_bytes = j->max_bytes,
				.min_free_bytes = j->min_free};
	int dir = openat(j->tmp_parent, j->tmp_name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int r = dir < 0 ? urun_error_set(&e, errno, "opening the unpack directory")
			: unpack_layer_fd(j->in_fd, dir, &o, &rep.res, &e);
	if (dir >= 0)
		close(dir);
	if (r == 0 && strcmp(rep.res.diff_id, j->diff_id) != 0)
		r = urun_error_set(&e, 0, "layer content does not match its diffID: expected `%s`, got `%s`", j->diff_id,
				   rep.res.diff_id);
	if (r == 0 && renameat(j->tmp_parent, j->tmp_name, j->layers, j->diff_id + 7) < 0)
		r = urun_error_set(&e, errno, "moving the layer into place");
	if (r < 0) {
		struct urun_error e2 = {0};
		unpack_remove_tree(j->tmp_parent, j->tmp_name, &e2);
		urun_error_clear(&e2);
	}
	rep.code = r;
	if (e.msg)
		snprintf(rep.msg, sizeof(rep.msg), "%s", e.msg);
	if (e.hint)
		snprintf(rep.hint, sizeof(rep.hint), "%s", e.hint);
	urun_error_clear(&e);
	ssize_t w = write(j->report_fd, &rep, sizeof(rep));
	(void)w;
	return 0;
}

struct remove_job {
	int dirfd;
	const char *name;
};

static int remove_in_userns(void *arg)
{
	struct remove_job *j = arg;
	struct urun_error e = {0};
	int r = unpack_remove_tree(j->dirfd, j->name, &e);
	urun_error_clear(&e);
	return r < 0 && r != -ENOENT ? r : 0;
}

int store_remove_tree(struct store *s, int dirfd, const char *name, struct urun_error *err)
{
	struct remove_job j = {.dirfd = dirfd, .name = name};
	return userns_call(&s->ids, remove_in_userns, &j, err);
}

/* Under the layer's lock nobody else unpacks it: any tmp/HEX.* is stale. */
static void remove_stale_tmp(struct store *s, int tmpfd, const char *hex)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	size_t hl = strlen(hex);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, hex, hl) == 0 && de->d_name[hl] == '.') {
			struct urun_error e = {0};
			log_debug("removing stale `%s`", de->d_name);
			store_remove_tree(s, tmpfd, de->d_name, &e);
			urun_error_clear(&e);
		}
}

static void tx_close(struct store_layer_tx *tx)
{
	int *fds[] = {&tx->lock, &tx->tmpfd, &tx->layersfd, &tx->data_fd, &tx->rep_fd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

int store_layer_begin(struct store *s, const char *diff_id, bool wait, struct store_layer_tx *tx,
		      struct urun_error *err)
{
	char path[128];
	memset(tx, 0, sizeof(*tx));
	tx->lock = tx->tmpfd = tx->layersfd = tx->data_fd = tx->rep_fd = -1;
	tx->s = s;
	if (!digest_is_valid(diff_id))
		return urun_error_set(err, 0, "`%s` is not a sha256 diffID", diff_id);
	snprintf(tx->diff_id, sizeof(tx->diff_id), "%s", diff_id);
	const char *hex = diff_id + 7;
	tx->present = store_has_layer(s, diff_id);
	if (tx->present)
		return 0;
	snprintf(path, sizeof(path), "locks/%s", hex);
	tx->lock = openat(s->rootfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (tx->lock < 0)
		return urun_error_set(err, errno, "locking layer `%.12s`", hex);
	if (flock(tx->lock, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		tx_close(tx);
		if (e == EWOULDBLOCK) {
			tx->busy = true;
			return 0;
		}
		return urun_error_set(err, e, "locking layer `%.12s`", hex);
	}
	/* Someone else may have finished it while we waited. */
	if ((tx->present = store_has_layer(s, diff_id))) {
		tx_close(tx);
		return 0;
	}
	tx->tmpfd = openat(s->rootfd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	tx->layersfd = openat(s->rootfd, "layers", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tx->tmpfd < 0 || tx->layersfd < 0) {
		int r = urun_error_set(err, errno, "opening the store `%s`", s->root);
		tx_close(tx);
		return r;
	}
	remove_stale_tmp(s, tx->tmpfd, hex);
	log_info("unpacking layer %.12s", hex);
	snprintf(tx->tmp_name, sizeof(tx->tmp_name), "%s.%d", hex, (int)getpid());
	if (mkdirat(tx->tmpfd, tx->tmp_name, 0755) < 0) {
		int r = urun_error_set(err, errno, "creating `%s/tmp/%s`", s->root, tx->tmp_name);
		tx_close(tx);
		return r;
	}
	int data[2], rep[2];
	if (pipe2(data, O_CLOEXEC) < 0) {
		tx_close(tx);
		return urun_error_set(err, errno, "creating a pipe");
	}
	if (pipe2(rep, O_CLOEXEC) < 0) {
		close(data[0]);
		close(data[1]);
		tx_close(tx);
		return urun_error_set(err, errno, "creating a pipe");
	}
	struct unpack_job j = {.in_fd = data[0],
			       .tmp_parent = tx->tmpfd,
			       .layers = tx->layersfd,
			       .tmp_name = tx->tmp_name,
			       .diff_id = tx->diff_id,
			       .squash = !s->ids.subid_ranges,
			       .report_fd = rep[1],
			       .max_bytes = s->max_layer_bytes,
			       .min_free = free_reserve(s)};
	int r = userns_spawn(&s->ids, unpack_in_userns, &j, &tx->pid, err);
	close(data[0]);
	close(rep[1]);
	if (r < 0) {
		close(data[1]);
		close(rep[0]);
		tx_close(tx);
		return r;
	}
	tx->data_fd = data[1];
	tx->rep_fd = rep[0];
	return 0;
}

int store_layer_finish(struct store_layer_tx *tx, int feed_r, struct urun_error *err)
{
	const char *hex = tx->diff_id + 7;
	if (tx->present || tx->busy)
		return feed_r;
	close(tx->data_fd);
	tx->data_fd = -1;
	struct unpack_report out = {0};
	ssize_t got = read(tx->rep_fd, &out, sizeof(out));
	struct urun_error e2 = {0};
	userns_wait(tx->pid, &e2);
	urun_error_clear(&e2);
	int r = 0;
	if (feed_r < 0) {
		/* The download failed: the child saw a short stream; make sure
		 * nothing of it stays. */
		struct urun_error e3 = {0};
		store_remove_tree(tx->s, tx->tmpfd, tx->tmp_name, &e3);
		urun_error_clear(&e3);
		r = feed_r;
	} else if (got != (ssize_t)sizeof(out)) {
		r = urun_error_set(err, 0, "unpacking layer `%.12s`: the unpacker died", hex);
	} else if (out.code < 0) {
		out.msg[sizeof(out.msg) - 1] = '\0';
		out.hint[sizeof(out.hint) - 1] = '\0';
		if (out.res.reserve_hit) {
			urun_error_set(err, 0, "unpacking layer `%.12s`: %s (min_free_space `%s`)",
				       hex, out.msg, tx->s->min_free_conf);
			urun_error_hint(
			    err,
			    "free some space on the filesystem of `%s`, or set min_free_space in "
			    "urun.conf; the reserve keeps a pull from filling a disk other users "
			    "share, and a layer that inflates this far may be a decompression bomb",
			    tx->s->root);
		} else {
			urun_error_set(err, 0, "unpacking layer `%.12s`: %s", hex, out.msg);
			if (out.hint[0])
				urun_error_hint(err, "%s", out.hint);
		}
		err->code = -out.code;
		r = out.code;
	} else if (out.res.skipped_devices) {
		log_warn("layer %.12s: %llu device nodes skipped (an unprivileged user cannot create them; "
			 "the container's /dev has the standard ones)",
			 hex, (unsigned long long)out.res.skipped_devices);
	}
	tx_close(tx);
	return r;
}

/* ---- image records ---- */

int store_lock_records(struct store *s, struct urun_error *err)
{
	int fd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return urun_error_set(err, e, "locking the image store `%s`", s->root);
	}
	return fd;
}

static char **json_strv(struct json_object *a)
{
	char **v = NULL;
	size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *str = json_object_get_string(json_object_array_get_idx(a, i));
		strv_push(&v, xstrdup(str ? str : ""));
	}
	if (!v)
		v = xcalloc(1, sizeof(char *));
	return v;
}

static int load_images_at(int rootfd, const char *root, struct store_image **out, size_t *n,
			  struct urun_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	*out = NULL;
	*n = 0;
	int r = fs_read_at_bounded(rootfd, "images.json", O_NOFOLLOW, 64u << 20, &buf, &len, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return urun_error_set(err, -r, "reading `%s/images.json`", root);
	struct json_object *o = json_tokener_parse(buf), *list;
	if (!o || !json_object_object_get_ex(o, "images", &list) || !json_object_is_type(list, json_type_array)) {
		if (o)
			json_object_put(o);
		r = urun_error_set(err, 0, "`%s/images.json` is damaged", root);
		urun_error_hint(err, "move it away and pull the images again");
		return r;
	}
	size_t cnt = json_object_array_length(list);
	*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
	for (size_t i = 0; i < cnt; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *v;
		struct store_image *img = &(*out)[*n];
		if (!json_object_object_get_ex(e, "name", &v))
			continue;
		img->name = xstrdup(json_object_get_string(v));
		img->manifest = xstrdup(json_object_object_get_ex(e, "manifest", &v) ? json_object_get_string(v) : "");
		img->config = xstrdup(json_object_object_get_ex(e, "config", &v) ? json_object_get_string(v) : "");
		img->layers = json_strv(json_object_object_get_ex(e, "layers", &v) ? v : NULL);
		img->size = json_object_object_get_ex(e, "size", &v) ? json_object_get_int64(v) : 0;
		img->created = json_object_object_get_ex(e, "created", &v) ? (time_t)json_object_get_int64(v) : 0;
		(*n)++;
	}
	json_object_put(o);
	return 0;
}

int store_load_records(struct store *s, struct store_image **out, size_t *n, struct urun_error *err)
{
	return load_images_at(s->rootfd, s->root, out, n, err);
}

/* Yours, then each read-only store's (an image there is marked with it). */
static int load_all_images(struct store *s, struct store_image **out, size_t *n, struct urun_error *err)
{
	int r = store_load_records(s, out, n, err);
	for (size_t k = 0; r == 0 && k < s->n_extra; k++) {
		struct store_image *v;
		size_t m;
		struct urun_error e = {0};
		if (load_images_at(s->extra[k].rootfd, s->extra[k].root, &v, &m, &e) < 0) {
			log_warn_once("the read-only store `%s` cannot be read: %s", s->extra[k].root, e.msg);
			urun_error_clear(&e);
			continue;
		}
		*out = xrealloc(*out, (*n + m + 1) * sizeof(**out));
		for (size_t i = 0; i < m; i++) {
			v[i].store = s->extra[k].root;
			(*out)[(*n)++] = v[i];
		}
		free(v);
	}
	return r;
}

int store_save_records(struct store *s, const struct store_image *v, size_t n, struct urun_error *err)
{
	struct json_object *o = json_object_new_object(), *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object(), *layers = json_object_new_array();
		json_object_object_add(e, "name", json_object_new_string(v[i].name));
		json_object_object_add(e, "manifest", json_object_new_string(v[i].manifest));
		json_object_object_add(e, "config", json_object_new_string(v[i].config));
		for (char **l = v[i].layers; l && *l; l++)
			json_object_array_add(layers, json_object_new_string(*l));
		json_object_object_add(e, "layers", layers);
		json_object_object_add(e, "size", json_object_new_int64(v[i].size));
		json_object_object_add(e, "created", json_object_new_int64((int64_t)v[i].created));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "images", list);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	int r = fs_write_atomic(s->rootfd, "images.json", text, strlen(text), 0600);
	json_object_put(o);
	return r < 0 ? urun_error_set(err, -r, "writing `%s/images.json`", s->root) : 0;
}

static void image_copy(struct store_image *dst, const struct store_image *src)
{
	dst->name = xstrdup(src->name);
	dst->manifest = xstrdup(src->manifest);
	dst->config = xstrdup(src->config);
	dst->layers = NULL;
	for (char **l = src->layers; l && *l; l++)
		strv_push(&dst->layers, xstrdup(*l));
	if (!dst->layers)
		dst->layers = xcalloc(1, sizeof(char *));
	dst->size = src->size;
	dst->created = src->created;
}

int store_record_image(struct store *s, const struct store_image *img, struct urun_error *err)
{
	_cleanup_close_ int lock = store_lock_records(s, err);
	if (lock < 0)
		return lock;
	struct store_image *v;
	size_t n;
	int r = store_load_records(s, &v, &n, err);
	if (r < 0)
		return r;
	size_t i;
	for (i = 0; i < n && strcmp(v[i].name, img->name) != 0; i++)
		;
	if (i == n)
		v = xrealloc(v, (n + 1) * sizeof(*v)), n++;
	else
		store_image_free(&v[i]);
	image_copy(&v[i], img);
	r = store_save_records(s, v, n, err);
	store_images_free(v, n);
	return r;
}

int store_list_images(struct store *s, struct store_image **out, size_t *n, struct urun_error *err)
{
	return load_all_images(s, out, n, err);
}

static bool id_matches(const struct store_image *img, const char *q)
{
	size_t ql = strlen(q);
	const char *hex = strncmp(q, "sha256:", 7) == 0 ? q + 7 : q;
	size_t hl = strlen(hex);
	if (hl < 4 || hl > 64 || strspn(hex, "0123456789abcdef") != hl)
		return false;
	(void)ql;
	return strncmp(img->config + 7, hex, hl) == 0 || strncmp(img->manifest + 7, hex, hl) == 0;
}

int store_find_image(struct store *s, const char *name, struct store_image *out, struct urun_error *err)
{
	struct store_image *v;
	size_t n;
	int r = load_all_images(s, &v, &n, err);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	size_t found = n;
	for (size_t i = 0; i < n && found == n; i++)
		if (strcmp(v[i].name, name) == 0)
			found = i;
	for (size_t i = 0; i < n && found == n; i++)
		if (id_matches(&v[i], name))
			found = i;
	if (found < n)
		image_copy(out, &v[found]);
	store_images_free(v, n);
	return found < n ? 0 : -ENOENT;
}

int store_remove_name(struct store *s, const char *name, struct urun_error *err)
{
	_cleanup_close_ int lock = store_lock_records(s, err);
	if (lock < 0)
		return lock;
	struct store_image *v;
	size_t n, kept = 0;
	int r = store_load_records(s, &v, &n, err);
	if (r < 0)
		return r;
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0) {
			store_image_free(&v[i]);
			found = true;
		} else {
			v[kept++] = v[i];
		}
	}
	r = found ? store_save_records(s, v, kept, err) : urun_error_set(err, ENOENT, "image `%s`", name);
	store_images_free(v, kept);
	return r;
}

int store_lock_file(struct store *s, const char *kind, const char *digest, int op)
{
	char name[128];
	snprintf(name, sizeof(name), "locks/%s%.64s", kind, digest + 7);
	int fd = openat(s->rootfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && flock(fd, op) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int store_hold_image(struct store *s, const struct store_image *img, int **fds, size_t *n, struct urun_error *err)
{
	size_t nl = strv_len(img->layers);
	*fds = xcalloc(nl + 1, sizeof(int));
	*n = 0;
	for (size_t i = 0; i <= nl; i++) {
		int fd = i == nl ? store_lock_file(s, "image-", img->config, LOCK_SH)
				 : store_lock_file(s, "", img->layers[i], LOCK_SH);
		if (fd < 0) {
			for (size_t k = 0; k < *n; k++)
				close((*fds)[k]);
			free(*fds);
			*fds = NULL;
			*n = 0;
			return urun_error_set(err, errno, "locking image `%s` for use", img->name);
		}
		(*fds)[(*n)++] = fd;
	}
	return 0;
}

bool store_image_in_use(struct store *s, const struct store_image *img)
{
	int fd = store_lock_file(s, "image-", img->config, LOCK_EX | LOCK_NB);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EWOULDBLOCK;
}

void store_image_free(struct store_image *img)
{
	free(img->name);
	free(img->manifest);
	free(img->config);
	strv_free(img->layers);
	memset(img, 0, sizeof(*img));
}

void store_images_free(struct store_image *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_image_free(&v[i]);
	free(v);
}
