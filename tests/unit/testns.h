/* SPDX-License-Identifier: GPL-2.0-or-later */
/* testns.h: a single-id user namespace for unit tests that need owners and
 * whiteouts, as urun makes one in single-id mode. */
#ifndef URUN_TEST_TESTNS_H
#define URUN_TEST_TESTNS_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline int testns_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Enter a user namespace (and `extra` namespaces) mapping only the caller,
 * to 0; setgroups must be denied before an unprivileged gid_map. */
static inline int enter_userns(int extra, uid_t uid, gid_t gid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | extra) < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (testns_write_file("/proc/self/uid_map", map) < 0 ||
	    testns_write_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return testns_write_file("/proc/self/gid_map", map);
}

#endif
