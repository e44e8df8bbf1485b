#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# mounts.bats: the container's filesystem: /dev, /proc, /etc files,
# volumes, tmpfs, read-only modes and containment of mount targets.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	require_unprivileged
	fixtures
	# These tests add mount points: each gets its own copy of the rootfs.
	ROOTFS=$(rootfs_copy)
}

@test "/dev has the standard nodes and links, and nothing of the host" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'ls /dev | sort | tr "\n" " "'
	[ "$status" -eq 0 ]
	assert_eq "$output" "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'echo hi >/dev/null && head -c 4 /dev/zero | wc -c && readlink /dev/ptmx'
	assert_eq "$(echo $output)" "4 pts/ptmx"
}

@test "/dev/pts is a private devpts instance, /dev/shm and /dev/mqueue are mounted" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'grep -E " /dev/(pts|shm|mqueue) " /proc/self/mountinfo | awk "{print \$5, \$9}"'
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/pts devpts"
	assert_contains "$output" "/dev/shm tmpfs"
	assert_contains "$output" "/dev/mqueue mqueue"
}

@test "/etc/hostname, /etc/hosts and /etc/resolv.conf are the container's" {
	run "$URUN" run --hostname web1 --rootfs "$ROOTFS" sh -c 'cat /etc/hostname; grep web1 /etc/hosts; grep -c localhost /etc/hosts'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "web1"
	assert_contains "${lines[1]}" "web1"
	# nothing is left in the rootfs or /dev
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'ls -a /dev | grep -c urun-file'
	assert_eq "$output" "0"
}

@test "a volume: files the container creates belong to the caller on the host" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run "$URUN" run -v "$BATS_TEST_TMPDIR/vol:/data" --rootfs "$ROOTFS" sh -c 'echo hello >/data/f; mkdir /data/d'
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$BATS_TEST_TMPDIR/vol/f")" "hello"
	assert_eq "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/f")" "$(id -u):$(id -g)"
	assert_eq "$(stat -c %u "$BATS_TEST_TMPDIR/vol/d")" "$(id -u)"
}

@test "a :ro volume refuses writes" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run "$URUN" run -v "$BATS_TEST_TMPDIR/vol:/data:ro" --rootfs "$ROOTFS" sh -c 'echo x >/data/f'
	[ "$status" -ne 0 ]
	assert_contains "$output" "Read-only file system"
	[ ! -e "$BATS_TEST_TMPDIR/vol/f" ]
}

@test "--mount type=bind,readonly and type=tmpfs" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo content >"$BATS_TEST_TMPDIR/vol/f"
	run "$URUN" run --mount "type=bind,source=$BATS_TEST_TMPDIR/vol,target=/data,readonly" \
		--mount type=tmpfs,target=/scratch,tmpfs-size=1m --rootfs "$ROOTFS" \
		sh -c 'cat /data/f; echo y >/scratch/y && cat /scratch/y; echo z >/data/z'
	[ "$status" -ne 0 ]
	assert_eq "${lines[0]}" "content"
	assert_eq "${lines[1]}" "y"
	assert_contains "$output" "Read-only file system"
}

@test "--tmpfs mounts a tmpfs" {
	run "$URUN" run --tmpfs /cache:size=2m --rootfs "$ROOTFS" sh -c 'grep " /cache " /proc/self/mountinfo | cut -d" " -f9'
	[ "$status" -eq 0 ]
	assert_eq "$output" "tmpfs"
}

@test "--read-only: the root refuses writes, /dev/shm and volumes do not" {
	mkdir "$BATS_TEST_TMPDIR/vol"
	run "$URUN" run --read-only -v "$BATS_TEST_TMPDIR/vol:/data" --rootfs "$ROOTFS" \
		sh -c 'touch /newfile; echo $?; touch /dev/shm/x && echo shm-ok; touch /data/x && echo vol-ok'
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "shm-ok"
	assert_contains "$output" "vol-ok"
	[ ! -e "$ROOTFS/newfile" ]
}

@test "a missing host path is a clear error, and nothing starts" {
	run "$URUN" run -v /nonexistent/path:/data --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "--volume: host path \`/nonexistent/path\`: No such file or directory"
	assert_contains "$output" "hint:"
}

@test "named and anonymous volumes are refused with a way out" {
	run "$URUN" run -v myvol:/data --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "named volumes are not supported"
	run "$URUN" run -v /data --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
}

@test "a symlink in the rootfs cannot send a volume outside it (CVE-2021-30465 class)" {
	local r=$ROOTFS
	mkdir "$BATS_TEST_TMPDIR/vol" "$BATS_TEST_TMPDIR/outside"
	echo marker >"$BATS_TEST_TMPDIR/vol/marker"
	# /evil climbs far above the root to the host's /tmp: it must resolve to
	# the rootfs's own /tmp instead.
	ln -s ../../../../../../../../../../tmp "$r/evil"
	run "$URUN" run -v "$BATS_TEST_TMPDIR/vol:/evil/target" --rootfs "$r" cat /tmp/target/marker
	[ "$status" -eq 0 ]
	assert_eq "$output" "marker"
	[ ! -e /tmp/target ]
	# a link to a directory that exists only on the host is an error, not an escape
	ln -s "../../../../../../../..$BATS_TEST_TMPDIR/outside" "$r/evil2"
	run "$URUN" run -v "$BATS_TEST_TMPDIR/vol:/evil2/target" --rootfs "$r" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "creating mount point \`/evil2/target\`"
	assert_eq "$(ls -A "$BATS_TEST_TMPDIR/outside")" ""
}

@test "masked paths cannot be redirected by a symlink in the image (CVE-2019-16884 class)" {
	local r=$ROOTFS
	# A symlinked /proc would carry the proc mount, and the masks, elsewhere.
	rmdir "$r/proc" && mkdir "$r/realproc" && ln -s /realproc "$r/proc"
	run "$URUN" run --rootfs "$r" cat /proc/keys
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`/proc\` in the root filesystem is or passes through a symlink"
	rm "$r/proc" && mkdir "$r/proc" && rmdir "$r/realproc"
	rmdir "$r/sys" && ln -s /tmp "$r/sys"
	run "$URUN" run --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`/sys\`"
}

@test "masks are mount points over the real paths" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'for p in /proc/keys /proc/timer_list /proc/interrupts /sys/firmware /proc/acpi; do grep -c " $p " /proc/self/mountinfo; done'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "1 1 1 1 1"
}

@test "/proc is fresh: it shows the new pid namespace" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'cat /proc/1/comm; readlink /proc/self; true'
	assert_eq "${lines[0]}" "sh"
}
