/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd-images.c: `urun images`: what the store holds. */
#include "cmd.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/timefmt.h"

#include <getopt.h>
#include <json-c/json.h>
#include <time.h>

static const char images_usage[] = "Usage: urun images [OPTIONS]";

static void split_name(const char *name, char *repo, size_t rl, char *tag, size_t tl)
{
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		snprintf(repo, rl, "%.*s", (int)(colon - name), name);
		snprintf(tag, tl, "%s", colon + 1);
	} else {
		snprintf(repo, rl, "%s", name);
		snprintf(tag, tl, "<none>");
	}
}

static void human_size(int64_t b, char *out, size_t len)
{
	if (b >= 1000LL * 1000 * 1000)
		snprintf(out, len, "%.2f GB", (double)b / 1e9);
	else if (b >= 1000 * 1000)
		snprintf(out, len, "%.1f MB", (double)b / 1e6);
	else
		snprintf(out, len, "%.1f kB", (double)b / 1e3);
}

/* When the image was built (its config's `created`), as podman shows it;
 * when the config has none that reads, when it was stored, as podman falls
 * back to. A record from before urun kept anything else works the same:
 * the config blob is read here. Listing never fails on one image. */
static struct timefmt_time image_created(struct store *s, const struct store_image *img)
{
	struct timefmt_time t = {.sec = (int64_t)img->created};
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct image_config cfg;
	if (store_get_blob(s, img->config, &buf, &len, NULL) == 0 &&
	    image_config_parse(buf, len, &cfg, NULL) == 0) {
		if (cfg.has_created)
			t = cfg.created;
		image_config_free(&cfg);
	}
	return t;
}

int cmd_images(int argc, char **argv, struct urun_ctx *ctx, struct urun_error *err)
{
	static const struct option opts[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool quiet = false, json = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case 'f':
			if (strcmp(optarg, "json") != 0)
				return urun_error_set(err, 0, "--format `%s`: only json is supported", optarg);
			json = true;
			break;
		case 'h':
			printf("%s\n\nList the images in your store (and in the read-only additional_stores).\n\nOptions:\n"
			       "      --format json   machine-readable output\n"
			       "  -q, --quiet         only image ids\n"
			       "      --help          show this help\n",
			       images_usage);
			return 0;
		default:
			return cmd_bad_option(err, "images", images_usage, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_bad_option(err, "images", images_usage, argv[optind]);
	struct store s;
	struct store_image *v = NULL;
	size_t n = 0;
	if ((r = store_open(&s, &ctx->cfg, err)) < 0 || (r = store_list_images(&s, &v, &n, err)) < 0) {
		store_close(&s);
		return r;
	}
	struct json_object *arr = json ? json_object_new_array() : NULL;
	/* podman's R/O column, when a read-only store is configured */
	bool ro_col = s.n_extra > 0;
	_cleanup_free_ struct timefmt_time *created = xcalloc(n + 1, sizeof(*created));
	_cleanup_free_ char *ages = xcalloc(n + 1, 64);
	int age_w = (int)strlen("CREATED");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct timefmt_time now = {.sec = ts.tv_sec, .nsec = (int32_t)ts.tv_nsec};
	for (size_t i = 0; i < n && !quiet; i++) {
		char *age = ages + 64 * i;
		created[i] = image_created(&s, &v[i]);
		timefmt_human_since(&created[i], &now, age, 64 - sizeof(" ago"));
		strcat(age, " ago");
		if ((int)strlen(age) > age_w)
			age_w = (int)strlen(age);
	}
	if (!quiet && !json)
		printf("%-40s %-10s %-14s %-*s %-10s%s\n", "REPOSITORY", "TAG", "IMAGE ID", age_w,
		       "CREATED", "SIZE", ro_col ? " R/O" : "");
	for (size_t i = 0; i < n; i++) {
		char repo[512], tag[256], size[32];
		split_name(v[i].name, repo, sizeof(repo), tag, sizeof(tag));
		if (quiet) {
			printf("%.12s\n", v[i].config + 7);
		} else if (json) {
			struct json_object *o = json_object_new_object(), *names = json_object_new_array();
			/* podman: Created in seconds, CreatedAt the same in UTC */
			struct timefmt_time utc = {.sec = created[i].sec};
			char at[64];
			timefmt_rfc3339(&utc, at, sizeof(at));
			json_object_object_add(o, "Id", json_object_new_string(v[i].config + 7));
			json_object_object_add(o, "Digest", json_object_new_string(v[i].manifest));
			json_object_array_add(names, json_object_new_string(v[i].name));
			json_object_object_add(o, "Names", names);
			json_object_object_add(o, "Size", json_object_new_int64(v[i].size));
			json_object_object_add(o, "Created", json_object_new_int64(created[i].sec));
			json_object_object_add(o, "CreatedAt", json_object_new_string(at));
			json_object_object_add(o, "ReadOnly", json_object_new_boolean(v[i].store != NULL));
			json_object_array_add(arr, o);
		} else {
			human_size(v[i].size, size, sizeof(size));
			const char *ro = !ro_col ? "" : v[i].store ? " true" : " false";
			printf("%-40s %-10s %-14.12s %-*s %-10s%s\n", repo, tag, v[i].config + 7,
			       age_w, ages + 64 * i, size, ro);
		}
	}
	if (json) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	store_images_free(v, n);
	store_close(&s);
	return 0;
}
