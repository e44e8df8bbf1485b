/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-userns.c: /etc/subuid parsing (names and numeric ids, several
 * ranges, malformed lines), the maps urun derives from it, and the free
 * range its hint suggests. */
#include "run/userns.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static uint32_t free_start(const char *uid_text, const char *gid_text, uint32_t count)
{
	FILE *u = uid_text ? fmemopen((void *)uid_text, strlen(uid_text), "r") : NULL;
	FILE *g = gid_text ? fmemopen((void *)gid_text, strlen(gid_text), "r") : NULL;
	uint32_t start = subid_free_start(u, g, count);
	if (u)
		fclose(u);
	if (g)
		fclose(g);
	return start;
}

static void test_free_range(void)
{
	is_int(free_start(NULL, NULL, 65536), 100000, "no files: shadow's SUB_UID_MIN");
	is_int(free_start("", "# only a comment\n", 65536), 100000, "empty files: 100000");
	is_int(free_start("alice:100000:65536\n", "alice:100000:65536\n", 65536), 165536,
	       "the next range after the usual first one");
	is_int(free_start("alice:100000:65536\nbob:165536:65536\n", "alice:100000:65536\n", 65536),
	       231072, "above the highest range of any user");
	is_int(free_start("alice:100000:65536\n", "carol:500000:1000\n", 65536), 501000,
	       "above the subgid file's ranges too: free in both");
	is_int(free_start("low:1000:10\n", NULL, 65536), 100000,
	       "a range below 100000 keeps 100000");
	is_int(free_start("alice:100000:65536\nbroken line\nx:notanumber:5\nbad:4294967295:2\n",
			  NULL, 65536),
	       165536, "malformed lines are ignored");
	is_int(free_start("top:4294901760:1\n", NULL, 65536), 0,
	       "65536 ids do not fit below 2^32 - 1");
	is_int(free_start("top:4294901760:65535\n", NULL, 1), 0, "(uid_t)-1 is never free");
	is_int(free_start("top:4294901760:65534\n", NULL, 1), 4294967294LL,
	       "the id right below (uid_t)-1 is");

	char uf[] = "/tmp/urun-test-subuid-XXXXXX", gf[] = "/tmp/urun-test-subgid-XXXXXX";
	int fu = mkstemp(uf), fg = mkstemp(gf);
	const char *u = "alice:100000:65536\nbob:165536:65536\n", *g = "bob:400000:65536\n";
	ok(fu >= 0 && fg >= 0 && write(fu, u, strlen(u)) == (ssize_t)strlen(u) &&
	       write(fg, g, strlen(g)) == (ssize_t)strlen(g),
	   "wrote subuid and subgid files");
	close(fu);
	close(fg);
	setenv("URUN_SUBUID_FILE", uf, 1);
	setenv("URUN_SUBGID_FILE", gf, 1);
	char *hint = userns_add_range_hint("dave");
	is_str(hint, "usermod --add-subuids 465536-531071 --add-subgids 465536-531071 dave",
	       "the hint names a range free in both files");
	free(hint);
	unsetenv("URUN_SUBUID_FILE");
	unsetenv("URUN_SUBGID_FILE");
	unlink(uf);
	unlink(gf);
}

static size_t parse(const char *text, const char *user, uint32_t id, struct idmap *out, size_t max)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	size_t n = 0;
	subid_parse(f, user, id, out, max, &n);
	fclose(f);
	return n;
}

int main(void)
{
	struct idmap r[8];
	const char *file = "# comment\n"
			   "alice:100000:65536\n"
			   "bob:200000:65536\n"
			   "1001:300000:1000\n"
			   "alice:400000:10\n"
			   "broken line\n"
			   "alice:notanumber:5\n"
			   "alice:5:0\n"
			   "alice:4294967295:2\n"
			   "carol:1:2:3\n";

	is_int((long long)parse(file, "alice", 1000, r, 8), 2, "alice has two ranges, bad lines skipped");
	is_int(r[0].outside, 100000, "first range start");
	is_int(r[0].count, 65536, "first range count");
	is_int(r[1].outside, 400000, "second range start");
	is_int((long long)parse(file, "dave", 1001, r, 8), 1, "numeric uid key matches");
	is_int(r[0].outside, 300000, "numeric range start");
	is_int((long long)parse(file, "nobody", 9999, r, 8), 0, "no entry: no ranges");
	is_int((long long)parse(file, NULL, 1001, r, 8), 1, "no user name: uid still matches");
	is_int((long long)parse(file, "alice", 1000, r, 1), 1, "max respected");
	is_int((long long)parse("carol:1:2:3\n", "carol", 5, r, 8), 0, "four fields rejected");
	test_free_range();

	/* Plans from files given through the test hooks. */
	char uf[] = "/tmp/urun-test-subuid-XXXXXX";
	int fd = mkstemp(uf);
	char line[128];
	int len = snprintf(line, sizeof(line), "%u:100000:65536\n", (unsigned)getuid());
	ok(fd >= 0 && write(fd, line, (size_t)len) == len, "wrote a subuid file");
	close(fd);
	setenv("URUN_SUBUID_FILE", uf, 1);
	setenv("URUN_SUBGID_FILE", uf, 1);

	struct container_spec spec;
	struct urun_error err = {0};
	spec_init(&spec);
	spec.newuidmap = strdup("/bin/sh"); /* exists, not setuid: falls back */
	spec.newgidmap = strdup("/bin/sh");
	userns_plan(&spec, &err);
	ok(!spec.subid_ranges, "helpers without setuid: single-id fallback");
	is_int((long long)spec.n_uidmap, 1, "single uid line");
	is_int(spec.uidmap[0].inside, 0, "root inside");
	is_int(spec.uidmap[0].outside, getuid(), "is the caller");
	spec_free(&spec);

	spec_init(&spec);
	spec.newuidmap = strdup("/usr/bin/newuidmap");
	spec.newgidmap = strdup("/usr/bin/newgidmap");
	if (access("/usr/bin/newuidmap", X_OK) == 0) {
		userns_plan(&spec, &err);
		ok(spec.subid_ranges, "range and helpers: subordinate mapping");
		is_int((long long)spec.n_uidmap, 2, "two uid lines");
		char *m = userns_format_map(spec.uidmap, spec.n_uidmap);
		char want[64];
		snprintf(want, sizeof(want), "0 %u 1 1 100000 65536", (unsigned)getuid());
		is_str(m, want, "map is 0->caller, 1..65536->range");
		free(m);
	} else {
		skip("newuidmap not installed");
		skip("newuidmap not installed");
		skip("newuidmap not installed");
	}
	spec_free(&spec);

	spec_init(&spec);
	spec.newuidmap = strdup("/usr/bin/newuidmap");
	spec.newgidmap = strdup("/usr/bin/newgidmap");
	spec.userns = USERNS_KEEP_ID;
	spec.host_uid = 1000;
	if (access("/usr/bin/newuidmap", X_OK) == 0) {
		unlink(uf);
		fd = open(uf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		len = snprintf(line, sizeof(line), "1000:100000:65536\n");
		ok(write(fd, line, (size_t)len) == len, "rewrote the subuid file");
		close(fd);
		userns_plan(&spec, &err);
		char *m = userns_format_map(spec.uidmap, spec.n_uidmap);
		is_str(m, "0 100000 1000 1000 1000 1 1001 101000 64536", "keep-id map for uid 1000");
		free(m);
	} else {
		skip("newuidmap not installed");
		skip("newuidmap not installed");
	}
	spec_free(&spec);

	unsetenv("URUN_SUBUID_FILE");
	setenv("URUN_SUBUID_FILE", "/nonexistent", 1);
	spec_init(&spec);
	spec.newuidmap = strdup("/usr/bin/newuidmap");
	spec.newgidmap = strdup("/usr/bin/newgidmap");
	userns_plan(&spec, &err);
	ok(!spec.subid_ranges && spec.n_uidmap == 1 && spec.n_gidmap == 1, "no subuid file: single-id map");
	spec_free(&spec);
	unlink(uf);
	urun_error_clear(&err);
	return done_testing();
}
