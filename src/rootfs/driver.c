/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.c: which rootfs driver a container gets, and the container's
 * directory in the store. The auto choice is probed once per store and
 * remembered in $STORE/driver, so later runs pay nothing for it. */
#include "rootfs/rootfs-int.h"
#include "image/unpack.h"
#include "rootfs/vfs.h"
#include "run/userns.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <fcntl.h>
#include <sys/stat.h>

static const char *const names[] = {
    [ROOTFS_OVERLAY] = "overlay", [ROOTFS_FUSE_OVERLAYFS] = "fuse-overlayfs", [ROOTFS_VFS] = "vfs"};

const char *rootfs_driver_name(enum rootfs_driver d)
{
	return names[d];
}

int rootfs_driver_parse(const char *s, enum rootfs_driver *d, bool *is_auto, struct urun_error *err)
{
	*is_auto = strcmp(s, "auto") == 0 || !*s;
	if (*is_auto)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*d = (enum rootfs_driver)i;
			return 0;
		}
	int r = urun_error_set(err, 0, "storage driver `%s` is unknown", s);
	urun_error_hint(err, "use auto, overlay, fuse-overlayfs or vfs");
	return r;
}

void rootfs_choice_free(struct rootfs_choice *c)
{
	free(c->reason);
	free(c->source);
	c->reason = c->source = NULL;
}

int rootfs_probe(struct store *s, const struct urun_config *cfg, struct rootfs_choice *c)
{
	char why[600];
	if (rootfs_probe_overlay(s, why, sizeof(why)) == 0) {
		c->driver = ROOTFS_OVERLAY;
		c->reason = xstrdup(why);
		return 0;
	}
	struct urun_error e = {0};
	if (rootfs_fuse_usable(config_get(cfg, "fuse_overlayfs"), &e) == 0) {
		c->driver = ROOTFS_FUSE_OVERLAYFS;
		c->reason = xasprintf("%s; fuse-overlayfs and /dev/fuse are usable", why);
		return 0;
	}
	c->driver = ROOTFS_VFS;
	c->reason = xasprintf(
	    "%s; and fuse-overlayfs cannot be used: %s%s%s: each container gets a full copy of "
	    "its image",
	    why, e.msg, e.hint ? "; " : "", e.hint ? e.hint : "");
	urun_error_clear(&e);
	return 0;
}

/* $STORE/driver: "NAME\nREASON\n". */
static bool read_remembered(struct store *s, struct rootfs_choice *c)
{
	_cleanup_close_ int fd = openat(s->rootfd, "driver", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct urun_error e = {0};
	if (fd < 0 || fs_read_fd_bounded(fd, "driver", 8192, &buf, &len, &e) < 0) {
		urun_error_clear(&e);
		return false;
	}
	char *nl = strchr(buf, '\n');
	if (!nl)
		return false;
	*nl = '\0';
	bool a;
	if (rootfs_driver_parse(buf, &c->driver, &a, &e) < 0 || a) {
		urun_error_clear(&e);
		return false;
	}
	char *reason = nl + 1;
	reason[strcspn(reason, "\n")] = '\0';
	c->reason = xstrdup(reason);
	return true;
}

static void remember(struct store *s, const struct rootfs_choice *c)
{
	_cleanup_free_ char *text = xasprintf("%s\n%s\n", rootfs_driver_name(c->driver), c->reason);
	fs_write_atomic(s->rootfd, "driver", text, strlen(text),
			0600); /* best effort: probed again next time */
}

int rootfs_choose(struct store *s, const struct urun_config *cfg, const char *override,
		  struct rootfs_choice *c, struct urun_error *err)
{
	memset(c, 0, sizeof(*c));
	const char *want = override ? override : config_get(cfg, "driver");
	bool is_auto;
	int r = rootfs_driver_parse(want, &c->driver, &is_auto, err);
	if (r < 0)
		return r;
	if (!is_auto) {
		c->source = xstrdup(override ? "--storage-driver" : config_source(cfg, "driver"));
		c->reason = xasprintf("set by %s", c->source);
		if (c->driver == ROOTFS_FUSE_OVERLAYFS &&
		    (r = rootfs_fuse_usable(config_get(cfg, "fuse_overlayfs"), err)) < 0)
			rootfs_choice_free(c);
		return r;
	}
	if (read_remembered(s, c)) {
		c->source = xstrdup("probed earlier");
		return 0;
	}
	rootfs_probe(s, cfg, c);
	c->source = xstrdup("probed");
	if (c->driver == ROOTFS_VFS)
		log_warn("%s: using vfs", c->reason);
	else
		log_debug("storage driver %s: %s", rootfs_driver_name(c->driver), c->reason);
	remember(s, c);
	return 0;
}

char *rootfs_ctr_dir(struct store *s, const char *id)
{
	return xasprintf("%s/containers/%s", s->root, id);
}

int rootfs_prepare(struct store *s, const struct urun_config *cfg, const struct store_image *img,
		   enum rootfs_driver d, const char *ctr_dir, struct container_spec *spec,
		   struct urun_error *err)
{
	if (d == ROOTFS_VFS)
		return rootfs_vfs_prepare(s, img, ctr_dir, spec, err);
	int r = rootfs_layered_prepare(s, img, ctr_dir, spec, err);
	if (r == 0 && d == ROOTFS_FUSE_OVERLAYFS) {
		spec->rootfs_fuse = true;
		spec->fuse_overlayfs = xstrdup(config_get(cfg, "fuse_overlayfs"));
	}
	return r;
}

int rootfs_remove(struct store *s, const char *id, struct urun_error *err)
{
	_cleanup_close_ int d =
	    openat(s->rootfd, "containers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0 || faccessat(d, id, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	/* Files a container wrote belong to its subordinate ids: only inside
	 * the user namespace can we remove them. */
	int r = store_remove_tree(s, d, id, err);
	if (r < 0)
		return urun_error_wrap(err, "removing `%s/containers/%s`", s->root, id);
	return 0;
}

struct vfs_job {
	int dirfd;
	char **layers;
};

static int vfs_copy_in_userns(void *arg)
{
	struct vfs_job *j = arg;
	struct urun_error e = {0};
	if (mkdirat(j->dirfd, "rootfs.tmp", 0755) < 0 && errno != EEXIST)
		return -errno;
	int d = openat(j->dirfd, "rootfs.tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return -errno;
	int r = vfs_copy_layers(d, j->layers, &e);
	close(d);
	if (r < 0) {
		fprintf(stderr, "urun: %s\n", e.msg ? e.msg : "copying the layers failed");
		urun_error_clear(&e);
		return r;
	}
	/* Complete copies only: a crash leaves rootfs.tmp, never a half rootfs. */
	return renameat(j->dirfd, "rootfs.tmp", j->dirfd, "rootfs") < 0 ? -errno : 0;
}

int rootfs_vfs_prepare(struct store *s, const struct store_image *img, const char *ctr_dir,
		       struct container_spec *spec, struct urun_error *err)
{
	if (!ctr_dir)
		return urun_error_set(err, 0, "the vfs driver needs a container directory");
	_cleanup_close_ int d = open(ctr_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return urun_error_set(err, errno, "opening the container's directory `%s`",
				      ctr_dir);
	free(spec->rootfs);
	spec->rootfs = xasprintf("%s/rootfs", ctr_dir);
	if (faccessat(d, "rootfs", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0; /* `start` of a container copied earlier */
	_cleanup_strv_ char **layers = NULL;
	for (char **l = img->layers; l && *l; l++) {
		if (!store_has_layer(s, *l)) {
			int r = urun_error_set(err, 0,
					       "layer `%.19s` of `%s` is missing from the store",
					       *l, img->name);
			urun_error_hint(err, "pull the image again: urun pull %s", img->name);
			return r;
		}
		strv_push(&layers, store_layer_path(s, *l));
	}
	struct vfs_job j = {.dirfd = d, .layers = layers};
	int r = userns_call(&s->ids, vfs_copy_in_userns, &j, err);
	if (r < 0)
		return urun_error_wrap(err, "copying the image's layers to `%s` (vfs driver)",
				       ctr_dir);
	return 0;
}
