/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-ref.c: image reference parsing and normalisation, registries.conf, and short-name
 * resolution, with the error messages users see. */
#include "image/ref.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "tap.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" HEX

struct good {
	const char *in;
	enum image_transport transport;
	const char *registry, *repository, *tag, *digest, *path, *archive_ref;
	bool short_name;
	const char *name; /* image_ref_name() */
};

static const struct good goods[] = {
    {"alpine", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", "latest", NULL, NULL, NULL,
     true, "docker.io/library/alpine:latest"},
    {"library/alpine", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", "latest", NULL, NULL,
     NULL, true, "docker.io/library/alpine:latest"},
    {"user/app", IMAGE_TRANSPORT_DOCKER, "docker.io", "user/app", "latest", NULL, NULL, NULL, true,
     "docker.io/user/app:latest"},
    {"user/app:tag", IMAGE_TRANSPORT_DOCKER, "docker.io", "user/app", "tag", NULL, NULL, NULL, true,
     "docker.io/user/app:tag"},
    {"ghcr.io/a/b:1.0", IMAGE_TRANSPORT_DOCKER, "ghcr.io", "a/b", "1.0", NULL, NULL, NULL, false,
     "ghcr.io/a/b:1.0"},
    {"localhost/x", IMAGE_TRANSPORT_DOCKER, "localhost", "x", "latest", NULL, NULL, NULL, false,
     "localhost/x:latest"},
    {"localhost:5000/x", IMAGE_TRANSPORT_DOCKER, "localhost:5000", "x", "latest", NULL, NULL, NULL,
     false, "localhost:5000/x:latest"},
    {"127.0.0.1:5000/urun-test/busybox:latest", IMAGE_TRANSPORT_DOCKER, "127.0.0.1:5000",
     "urun-test/busybox", "latest", NULL, NULL, NULL, false,
     "127.0.0.1:5000/urun-test/busybox:latest"},
    {"index.docker.io/library/alpine", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine",
     "latest", NULL, NULL, NULL, false, "docker.io/library/alpine:latest"},
    {"docker.io/alpine", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", "latest", NULL,
     NULL, NULL, false, "docker.io/library/alpine:latest"},
    {"alpine@" DIG, IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", NULL, DIG, NULL, NULL,
     true, "docker.io/library/alpine@" DIG},
    {"alpine:3.19@" DIG, IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", "3.19", DIG, NULL,
     NULL, true, "docker.io/library/alpine:3.19@" DIG},
    {"docker://alpine", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/alpine", "latest", NULL, NULL,
     NULL, false, "docker.io/library/alpine:latest"},
    {"docker://ghcr.io/a/b@" DIG, IMAGE_TRANSPORT_DOCKER, "ghcr.io", "a/b", NULL, DIG, NULL, NULL,
     false, "ghcr.io/a/b@" DIG},
    {"docker:latest", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/docker", "latest", NULL, NULL,
     NULL, true, "docker.io/library/docker:latest"},
    {"localhost:5000", IMAGE_TRANSPORT_DOCKER, "docker.io", "library/localhost", "5000", NULL, NULL,
     NULL, true, "docker.io/library/localhost:5000"},
    {"[::1]:5000/a/b", IMAGE_TRANSPORT_DOCKER, "[::1]:5000", "a/b", "latest", NULL, NULL, NULL,
     false, "[::1]:5000/a/b:latest"},
    {"a__b/c-d---e/f.g_h:_V1.x-y", IMAGE_TRANSPORT_DOCKER, "docker.io", "a__b/c-d---e/f.g_h",
     "_V1.x-y", NULL, NULL, NULL, true, "docker.io/a__b/c-d---e/f.g_h:_V1.x-y"},
    {"oci:/tmp/dir:tag", IMAGE_TRANSPORT_OCI, NULL, NULL, NULL, NULL, "/tmp/dir", "tag", false,
     "oci:/tmp/dir:tag"},
    {"oci:/tmp/dir", IMAGE_TRANSPORT_OCI, NULL, NULL, NULL, NULL, "/tmp/dir", NULL, false,
     "oci:/tmp/dir"},
    {"oci:/tmp/a:b/c", IMAGE_TRANSPORT_OCI, NULL, NULL, NULL, NULL, "/tmp/a:b/c", NULL, false,
     "oci:/tmp/a:b/c"},
    {"oci:rel:dir:v2", IMAGE_TRANSPORT_OCI, NULL, NULL, NULL, NULL, "rel:dir", "v2", false,
     "oci:rel:dir:v2"},
    {"oci-archive:/x.tar", IMAGE_TRANSPORT_OCI_ARCHIVE, NULL, NULL, NULL, NULL, "/x.tar", NULL,
     false, "oci-archive:/x.tar"},
    {"oci-archive:/x.tar:v1", IMAGE_TRANSPORT_OCI_ARCHIVE, NULL, NULL, NULL, NULL, "/x.tar", "v1",
     false, "oci-archive:/x.tar:v1"},
    {"docker-archive:/x.tar:foo/bar:1", IMAGE_TRANSPORT_DOCKER_ARCHIVE, NULL, NULL, NULL, NULL,
     "/x.tar", "foo/bar:1", false, "docker-archive:/x.tar:foo/bar:1"},
    {"docker-archive:/x.tar", IMAGE_TRANSPORT_DOCKER_ARCHIVE, NULL, NULL, NULL, NULL, "/x.tar",
     NULL, false, "docker-archive:/x.tar"},
    {"docker-archive:/x.tar:@1", IMAGE_TRANSPORT_DOCKER_ARCHIVE, NULL, NULL, NULL, NULL, "/x.tar",
     "@1", false, "docker-archive:/x.tar:@1"},
};

static void test_good(const struct good *g)
{
	struct image_ref r;
	struct urun_error err = {0};
	char what[160];

	int rc = image_ref_parse(g->in, &r, &err);
	snprintf(what, sizeof(what), "`%.100s` parses", g->in);
	if (!is_int(rc, 0, what))
		printf("# %s\n", err.msg ? err.msg : "(no message)");
#define FIELD(f)                                                                                   \
	snprintf(what, sizeof(what), "`%.100s` " #f, g->in);                                       \
	is_str(r.f, g->f, what)
	snprintf(what, sizeof(what), "`%.100s` transport", g->in);
	is_int(r.transport, g->transport, what);
	FIELD(registry);
	FIELD(repository);
	FIELD(tag);
	FIELD(digest);
	FIELD(path);
	FIELD(archive_ref);
#undef FIELD
	snprintf(what, sizeof(what), "`%.100s` short_name", g->in);
	is_int(r.short_name, g->short_name, what);
	_cleanup_free_ char *name = image_ref_name(&r);
	snprintf(what, sizeof(what), "`%.100s` name", g->in);
	is_str(name, g->name, what);

	/* The canonical name must parse back to itself (the store keys on it). */
	struct image_ref again;
	snprintf(what, sizeof(what), "`%.100s` name round-trips", g->in);
	if (image_ref_parse(name, &again, &err) == 0) {
		_cleanup_free_ char *name2 = image_ref_name(&again);
		is_str(name2, name, what);
		image_ref_free(&again);
	} else {
		ok(0, "%s: %s", what, err.msg);
	}
	image_ref_free(&r);
	urun_error_clear(&err);
}

struct bad {
	const char *in;
	const char *msg;  /* substring of err.msg */
	const char *hint; /* substring of err.hint, or NULL */
};

static void test_bad(const struct bad *b, const char *label)
{
	struct image_ref r;
	struct urun_error err = {0};

	int rc = image_ref_parse(b->in, &r, &err);
	ok(rc == -EINVAL && err.msg && strstr(err.msg, b->msg), "%s rejected: %s", label,
	   err.msg ? err.msg : "(no message)");
	if (b->hint)
		ok(err.hint && strstr(err.hint, b->hint), "%s hint: %s", label,
		   err.hint ? err.hint : "(none)");
	ok(!r.registry && !r.repository && !r.path, "%s leaves the ref zeroed", label);
	image_ref_free(&r);
	urun_error_clear(&err);
}

static void test_invalid(void)
{
	static const struct bad bads[] = {
	    {"Alpine", "invalid reference `Alpine`: repository name must be lowercase", "alpine"},
	    {"foo/Bar:1", "repository name must be lowercase", "foo/bar"},
	    {"", "invalid reference ``: the name is empty", "docker.io/library/alpine"},
	    {":tag", "invalid reference `:tag`: the repository name is missing", NULL},
	    {"alpine@sha256:short", "only hexadecimal digits", NULL},
	    {"alpine@sha256:abc", "64 hexadecimal digits, not 3", NULL},
	    {"alpine@sha512:" HEX HEX, "unsupported digest algorithm `sha512`", "only sha256"},
	    {"alpine@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	     "lowercase hexadecimal", NULL},
	    {"alpine@", "a digest is written", NULL},
	    {"a//b", "invalid reference `a//b`: empty path component", NULL},
	    {"/a", "empty path component", NULL},
	    {"a/", "empty path component", NULL},
	    {"a..b", "invalid repository component `a..b`", "separated by"},
	    {"-a", "invalid repository component `-a`", NULL},
	    {"alpine tag", "invalid repository component", NULL},
	    {"containers-storage:x", "the `containers-storage` transport is not supported",
	     "oci-archive"},
	    {"dir:/tmp/x", "the `dir` transport is not supported", "docker://dir:/tmp/x"},
	    {"ghcr.io/a:b/c", "invalid tag `b/c` in `ghcr.io/a:b/c`: a tag cannot contain `/`",
	     NULL},
	    {"alpine:.x", "invalid tag `.x`", NULL},
	    {"alpine:a+b", "a tag holds only letters", NULL},
	    {"a:b:c", "invalid reference `a:b:c`: too many `:`", "localhost:5000/app"},
	    {"alpine:", "invalid reference `alpine:`: empty tag", NULL},
	    {"ex_ample.com/x", "invalid registry `ex_ample.com`", NULL},
	    {"-bad.com/x", "cannot start or end with `-`", NULL},
	    {"localhost:99999/x", "between 1 and 65535", NULL},
	    {"localhost:/x", "empty port", NULL},
	    {"[::1/x", "no `]` closes", NULL},
	    {"[zz]:5000/x", "invalid IPv6 address", NULL},
	    {"https://ghcr.io/a/b", "`https://` is not a transport urun knows", "`ghcr.io/a/b`"},
	    {HEX, "is an image ID", "@sha256:"},
	    {"oci:", "the directory path is missing", "oci:DIR[:TAG]"},
	    {"oci:/tmp/dir:", "empty tag after the last `:`", NULL},
	    {"oci-archive::v1", "the archive path is missing", "oci-archive:FILE[:TAG]"},
	    {"docker-archive:", "the archive path is missing", NULL},
	    {"docker-archive:/x.tar:", "empty image name", NULL},
	    {"docker-archive:/x.tar:foo@" DIG, "by tag, not by digest", NULL},
	    {"docker-archive:/x.tar:Foo", "repository name must be lowercase", NULL},
	    {"docker-archive:/x.tar:@x", "index of an image", NULL},
	    {"docker://", "the name is empty", NULL},
	};
	char label[64];

	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		snprintf(label, sizeof(label), "`%.40s`", bads[i].in);
		test_bad(&bads[i], label);
	}

	/* Length limits: the normalised name (docker.io/library/...) counts. */
	char name[301], tag[140];
	memset(name, 'a', 300);
	name[300] = '\0';
	test_bad(&(struct bad){name, "the name is 318 characters long; the limit is 255", NULL},
		 "300-character name");
	memset(name, 'a', 300);
	name[238] = '\0';
	test_bad(&(struct bad){name, "the name is 256 characters long", NULL},
		 "256-character normalised name");
	struct image_ref r;
	struct urun_error err = {0};
	name[237] = '\0';
	is_int(image_ref_parse(name, &r, &err), 0, "255-character normalised name accepted");
	image_ref_free(&r);
	memset(tag, 'x', 129);
	tag[129] = '\0';
	_cleanup_free_ char *long_tag = xasprintf("alpine:%s", tag);
	test_bad(&(struct bad){long_tag, "a tag is at most 128 characters", NULL}, "129-char tag");
	tag[128] = '\0';
	_cleanup_free_ char *max_tag = xasprintf("alpine:%s", tag);
	is_int(image_ref_parse(max_tag, &r, &err), 0, "128-character tag accepted");
	image_ref_free(&r);

	/* A name from a file must not reach the terminal with its escape sequences. */
	int ret = image_ref_parse("alpine\x1b[2J", &r, &err);
	ok(ret < 0 && err.msg && !strchr(err.msg, '\x1b'), "control characters are not echoed: %s",
	   err.msg ? err.msg : "(accepted)");
	urun_error_clear(&err);
}

static void test_hosts(void)
{
	struct image_ref r;
	struct urun_error err = {0};

	image_ref_parse("alpine", &r, &err);
	is_str(image_ref_api_host(&r), "registry-1.docker.io",
	       "docker.io is reached at registry-1");
	image_ref_free(&r);
	image_ref_parse("index.docker.io/user/app", &r, &err);
	is_str(image_ref_api_host(&r), "registry-1.docker.io", "index.docker.io too");
	image_ref_free(&r);
	image_ref_parse("ghcr.io/a/b", &r, &err);
	is_str(image_ref_api_host(&r), "ghcr.io", "other registries are reached as named");
	image_ref_free(&r);
	image_ref_parse("127.0.0.1:5000/x", &r, &err);
	is_str(image_ref_api_host(&r), "127.0.0.1:5000", "the port is kept");
	image_ref_free(&r);
	image_ref_parse("oci:/tmp/dir", &r, &err);
	ok(image_ref_api_host(&r) == NULL, "oci has no API host");
	image_ref_free(&r);

	static const char *const yes[] = {"127.0.0.1:5000", "127.1.2.3", "localhost:5000",
					  "localhost",	    "LocalHost", "[::1]:5000",
					  "[::1]",	    "::1",	 "[::ffff:127.0.0.1]:80"};
	static const char *const no[] = {"128.0.0.1",
					 "example.com",
					 "localhost.example.com",
					 "127.0.0.1.example.com",
					 "10.0.0.1:5000",
					 "[::2]:5000",
					 "localhost:",
					 "localhost:50x",
					 "[::1",
					 "",
					 "126.255.255.255"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		ok(image_ref_is_loopback(yes[i]), "`%s` is loopback", yes[i]);
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		ok(!image_ref_is_loopback(no[i]), "`%s` is not loopback", no[i]);
	ok(!image_ref_is_loopback(NULL), "NULL is not loopback");
}

static const char conf_text[] =
    "# urun test registries.conf\n"
    "unqualified-search-registries = [\"docker.io\", \"quay.io\"]  # two: ambiguous\n"
    "short-name-mode = \"enforcing\"\n"
    "\n"
    "[aliases]\n"
    "\"busybox\" = \"docker.io/library/busybox\"\n"
    "fedora = 'registry.fedoraproject.org/fedora'\n"
    "\"tools/x\" = \"ghcr.io/acme/x\" # with a namespace\n"
    "\n"
    "[[registry]]\n"
    "location = \"127.0.0.1:5000\"\n"
    "insecure = true\n"
    "\n"
    "[[registry]]\n"
    "insecure = false\n"
    "location = \"ghcr.io\"\n"
    "\n"
    "[[registry]]\n"
    "insecure = true   # before location: order does not matter\n"
    "prefix = \"*.corp.example\"\n"
    "blocked = false\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"mirror.example:5000\"\n"
    "insecure = true\n";

static void test_conf(void)
{
	struct registries_conf rc;
	struct urun_error err = {0};

	is_int(registries_conf_parse(conf_text, "t.conf", &rc, &err), 0, "registries.conf parses");
	if (err.msg)
		printf("# %s\n", err.msg);
	is_str(rc.search[0], "docker.io", "first search registry");
	is_str(rc.search[1], "quay.io", "second search registry");
	ok(rc.search[2] == NULL, "two search registries");
	is_str(rc.alias_names[0], "busybox", "quoted alias name");
	is_str(rc.alias_targets[0], "docker.io/library/busybox", "alias target");
	is_str(rc.alias_names[1], "fedora", "bare alias name");
	is_str(rc.alias_targets[1], "registry.fedoraproject.org/fedora", "literal-string target");
	is_str(rc.alias_names[2], "tools/x", "alias with a namespace");
	ok(rc.alias_names[3] == NULL && rc.alias_targets[3] == NULL, "three aliases");
	ok(registries_conf_is_insecure(&rc, "127.0.0.1:5000"), "[[registry]] insecure = true");
	ok(!registries_conf_is_insecure(&rc, "127.0.0.1:5001"), "only that port");
	ok(!registries_conf_is_insecure(&rc, "ghcr.io"), "insecure = false");
	ok(registries_conf_is_insecure(&rc, "a.corp.example"),
	   "wildcard prefix matches a subdomain");
	ok(!registries_conf_is_insecure(&rc, "corp.example"), "wildcard does not match the domain");
	ok(!registries_conf_is_insecure(&rc, "mirror.example:5000"), "mirrors are not read");
	ok(!registries_conf_is_insecure(&rc, "docker.io"), "docker.io stays secure");
	registries_conf_free(&rc);

	is_int(registries_conf_parse("", "empty.conf", &rc, &err), 0, "empty file parses");
	is_str(rc.search[0], "docker.io", "default search registry is docker.io");
	ok(rc.search[1] == NULL && rc.alias_names[0] == NULL && rc.insecure[0] == NULL,
	   "empty file: no aliases, nothing insecure");
	registries_conf_free(&rc);

	is_int(registries_conf_parse("unqualified-search-registries = [\r\n"
				     "  \"registry.example:5000\", # first\n"
				     "  'quay.io',\n"
				     "]\r\n",
				     "multi.conf", &rc, &err),
	       0, "multi-line array with comments, trailing comma and CRLF");
	is_str(rc.search[0], "registry.example:5000", "multi-line array: first");
	is_str(rc.search[1], "quay.io", "multi-line array: second");
	registries_conf_free(&rc);

	is_int(
	    registries_conf_parse("[registries.search]\nregistries = ['r1.example', 'r2.example']\n"
				  "[registries.insecure]\nregistries = ['r3.example']\n"
				  "[registries.block]\nregistries = ['r4.example']\n",
				  "v1.conf", &rc, &err),
	    0, "version 1 format parses");
	ok(rc.search[0] && !strcmp(rc.search[0], "r1.example") && rc.search[1] &&
	       !strcmp(rc.search[1], "r2.example") && !rc.search[2],
	   "version 1 search list");
	ok(registries_conf_is_insecure(&rc, "r3.example"), "version 1 insecure list");
	registries_conf_free(&rc);

	struct bad {
		const char *text, *msg;
	} bads[] = {
	    {"a = 1\n\nfoo bar\n", "`t.conf` line 3: expected `=` after `foo`"},
	    {"unqualified-search-registries = [\"docker.io\"\n\n[aliases]\n",
	     "`t.conf` line 3: expected `,` or `]` in the array"},
	    {"# c\nx = \"unterminated\n", "`t.conf` line 2: unterminated string"},
	    {"x = \"\"\"multi\"\"\"\n", "line 1: multi-line strings are not supported"},
	    {"x = \"a\\qb\"\n", "line 1: unsupported escape"},
	    {"x = {a = 1}\n", "inline tables are not supported"},
	    {"x = nope\n", "line 1: expected a value"},
	    {"x = 1 2\n", "line 1: expected the end of the line, found `2`"},
	    {"[aliases\n", "line 1: expected `]` to close the table name"},
	    {"[registry]\nlocation = \"x.io\"\n", "line 1: write `[[registry]]`"},
	    {"[[aliases]]\n", "write `[aliases]`"},
	    {"[aliases]\n\"busybox\" = \"busybox\"\n", "line 2: alias `busybox` must point at a "
						       "fully qualified name"},
	    {"[aliases]\n\"busybox\" = \"docker.io/library/busybox:1\"\n",
	     "line 2: alias `busybox` must point at a fully qualified name"},
	    {"[aliases]\n\"quay.io/x\" = \"quay.io/y\"\n", "line 2: alias name `quay.io/x` must be "
							   "a short name"},
	    {"[aliases]\n\"Busy\" = \"docker.io/library/busybox\"\n",
	     "`t.conf` line 2: invalid reference `Busy`: repository name must be lowercase"},
	    {"[aliases]\na = \"docker.io/x/a\"\na = \"docker.io/x/b\"\n",
	     "line 3: alias `a` is defined twice"},
	    {"[aliases]\na.b = \"docker.io/x/a\"\n", "line 2: quote the alias name"},
	    {"\n[[registry]]\ninsecure = \"yes\"\nlocation = \"x.io\"\n",
	     "line 3: `insecure` must be true or false"},
	    {"[[registry]]\ninsecure = true\n[aliases]\n",
	     "line 1: `[[registry]]` has neither `location` nor `prefix`"},
	    {"[[registry]]\ninsecure = true\n", "line 1: `[[registry]]` has neither"},
	    {"unqualified-search-registries = [\"bad host\"]\n",
	     "line 1: invalid registry `bad host` in `unqualified-search-registries`"},
	    {"unqualified-search-registries = \"docker.io\"\n", "must be an array"},
	    {"unqualified-search-registries = [1]\n", "holds only quoted strings"},
	    {"unqualified-search-registries = [[\"a\"]]\n", "nested arrays"},
	    {"unqualified-search-registries = []\nunqualified-search-registries = []\n",
	     "line 2: the search registries are set twice"},
	    {"x = \"tab\tok, bell \a not\"\n", "byte 0x07 in a string"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		int r = registries_conf_parse(bads[i].text, "t.conf", &rc, &err);
		ok(r < 0 && err.msg && strstr(err.msg, bads[i].msg), "conf error %zu: %s", i,
		   err.msg ? err.msg : "(accepted)");
		ok(!rc.search && !rc.alias_names && !rc.insecure, "conf error %zu leaves rc zeroed",
		   i);
		registries_conf_free(&rc);
	}
	int ret = registries_conf_parse("x = ]\n", "t.conf", &rc, &err);
	ok(ret < 0 && err.hint && strstr(err.hint, "containers-registries.conf(5)"),
	   "syntax errors point at the man page");

	is_int(registries_conf_parse("[aliases]\n\"busybox\" = \"\"\n[[registry]]\n"
				     "location = \"esc\\\\aped\\\"\\t\"\ninsecure = true\n",
				     "t.conf", &rc, &err),
	       0, "empty alias and escapes parse");
	ok(rc.alias_names && !rc.alias_names[0], "an empty alias target defines no alias");
	ok(registries_conf_is_insecure(&rc, "esc\\aped\"\t"), "string escapes are decoded");
	registries_conf_free(&rc);
	ret =
	    registries_conf_parse("unqualified-search-registries = [\"\"]\n", "t.conf", &rc, &err);
	ok(ret < 0 && err.msg && strstr(err.msg, "the registry is empty"),
	   "empty search registry: %s", err.msg ? err.msg : "(accepted)");

	/* Keys podman knows and urun does not use are accepted. */
	is_int(registries_conf_parse("credential-helpers = [\"containers-auth.json\"]\n"
				     "some-future-key = 42\nother = -1_000\nflag = true\n"
				     "[engine]\nanything = 'goes'\n",
				     "t.conf", &rc, &err),
	       0, "unknown keys and tables are ignored");
	registries_conf_free(&rc);

	is_int(registries_conf_load("/nonexistent/registries.conf", &rc, &err), 0,
	       "missing file means defaults");
	is_str(rc.search ? rc.search[0] : NULL, "docker.io", "defaults after a missing file");
	registries_conf_free(&rc);
	char path[] = "/tmp/test-ref-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "temporary file");
	if (fd >= 0) {
		static const char text[] = "unqualified-search-registries = ['quay.io']\n";
		ok(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1), "written");
		close(fd);
		is_int(registries_conf_load(path, &rc, &err), 0, "file loads");
		is_str(rc.search ? rc.search[0] : NULL, "quay.io", "file's search list");
		registries_conf_free(&rc);
		unlink(path);
	}
	ret = registries_conf_load("/", &rc, &err);
	ok(ret < 0 && err.msg && strstr(err.msg, "reading `/`"), "unreadable file is an error: %s",
	   err.msg ? err.msg : "(accepted)");
	registries_conf_free(&rc);
	urun_error_clear(&err);
}

static void resolve_is(const struct registries_conf *rc, const char *in, const char *want,
		       bool want_short)
{
	struct image_ref r;
	struct urun_error err = {0};
	int ret = image_ref_resolve(in, rc, &r, &err);
	_cleanup_free_ char *name = ret == 0 ? image_ref_name(&r) : NULL;
	ok(ret == 0 && name && strcmp(name, want) == 0 && r.short_name == want_short,
	   "`%s` resolves to `%s`%s", in, want, ret < 0 ? err.msg : "");
	image_ref_free(&r);
	urun_error_clear(&err);
}

static void test_resolve(void)
{
	struct registries_conf two, one, none;
	struct urun_error err = {0};
	struct image_ref r;

	registries_conf_parse(conf_text, "t.conf", &two, &err);
	registries_conf_parse("unqualified-search-registries = ['quay.io']\n", "one.conf", &one,
			      &err);
	registries_conf_parse("unqualified-search-registries = []\n", "none.conf", &none, &err);

	resolve_is(&two, "busybox", "docker.io/library/busybox:latest", true);
	resolve_is(&two, "busybox:1.36", "docker.io/library/busybox:1.36", true);
	resolve_is(&two, "busybox@" DIG, "docker.io/library/busybox@" DIG, true);
	resolve_is(&two, "tools/x:2", "ghcr.io/acme/x:2", true);
	resolve_is(&one, "alpine", "quay.io/alpine:latest", true);
	resolve_is(&one, "user/app:1", "quay.io/user/app:1", true);
	resolve_is(NULL, "alpine", "docker.io/library/alpine:latest", true);
	resolve_is(&two, "ghcr.io/a/b:1.0", "ghcr.io/a/b:1.0", false);
	resolve_is(&two, "docker.io/alpine", "docker.io/library/alpine:latest", false);
	resolve_is(&two, "docker://alpine", "docker.io/library/alpine:latest", false);
	resolve_is(&two, "oci:/tmp/dir:tag", "oci:/tmp/dir:tag", false);

	int ret = image_ref_resolve("alpine", &two, &r, &err);
	ok(ret < 0 && err.msg && strstr(err.msg, "short name `alpine` is ambiguous") &&
	       strstr(err.msg, "`docker.io/library/alpine`") && strstr(err.msg, "`quay.io/alpine`"),
	   "ambiguous short name lists both candidates: %s", err.msg ? err.msg : "(resolved)");
	ok(err.hint && strstr(err.hint, "[aliases] \"alpine\" = \"docker.io/library/alpine\""),
	   "ambiguity hint suggests an alias: %s", err.hint ? err.hint : "(none)");
	ok(!r.registry, "ambiguous: ref left zeroed");
	ret = image_ref_resolve("alpine:3.19", &two, &r, &err);
	ok(ret < 0 && err.msg &&
	       strstr(err.msg, "`docker.io/library/alpine:3.19` or `quay.io/alpine:3.19`"),
	   "candidates keep the tag: %s", err.msg ? err.msg : "(resolved)");
	ret = image_ref_resolve("alpine", &none, &r, &err);
	ok(ret < 0 && err.msg && strstr(err.msg, "lists no `unqualified-search-registries`"),
	   "no search registries: %s", err.msg ? err.msg : "(resolved)");
	ret = image_ref_resolve("Alpine", &one, &r, &err);
	ok(ret < 0 && err.msg && strstr(err.msg, "must be lowercase"),
	   "parse errors pass through: %s", err.msg ? err.msg : "(resolved)");

	registries_conf_free(&two);
	registries_conf_free(&one);
	registries_conf_free(&none);
	urun_error_clear(&err);
}

int main(void)
{
	/* Silence the remap warning and debug notes: TAP owns stdout, stderr stays readable. */
	log_set_level(LOG_ERROR);
	for (size_t i = 0; i < ARRAY_SIZE(goods); i++)
		test_good(&goods[i]);
	test_invalid();
	test_hosts();
	test_conf();
	test_resolve();
	return done_testing();
}
