/* overlay.c: the kernel overlay driver. Layers stay as pulled (lower
 * dirs); writes go to an upper dir on a tmpfs that exists only in the
 * container's mount namespace, so the image never changes and nothing
 * needs removing when the container ends. */
#include "rootfs/rootfs.h"
#include "util/cleanup.h"

int rootfs_overlay_prepare(struct store *s, const struct store_image *img, struct container_spec *spec,
			   struct urun_error *err)
{
	size_t n = strv_len(img->layers);
	if (n == 0)
		return urun_error_set(err, 0, "image `%s` has no layers", img->name);
	/* lowerdir lists the top layer first. */
	char *lower = xstrdup("");
	for (size_t i = n; i-- > 0;) {
		if (!store_has_layer(s, img->layers[i])) {
			free(lower);
			int r = urun_error_set(err, 0, "layer `%.19s` of `%s` is missing from the store", img->layers[i],
					       img->name);
			urun_error_hint(err, "pull the image again: urun pull %s", img->name);
			return r;
		}
		char *p = store_layer_path(s, img->layers[i]);
		char *t = xasprintf("%s%s%s", lower, *lower ? ":" : "", p);
		free(p);
		free(lower);
		lower = t;
	}
	free(spec->rootfs_overlay_lower);
	spec->rootfs_overlay_lower = lower;
	free(spec->rootfs_scratch);
	spec->rootfs_scratch = xasprintf("%s/mnt", s->root);
	/* For a single layer the lowerdir needs a second entry or no upper;
	 * overlay accepts a single lower with an upper, so nothing special. */
	return 0;
}
