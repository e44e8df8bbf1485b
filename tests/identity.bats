#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# identity.bats: id maps (subuid ranges, single-id fallback, keep-id),
# users and groups, working directory, namespaces shared with the host.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	require_unprivileged
	fixtures
}

@test "uid_map and gid_map have the caller and the full subuid range" {
	has_subuid || skip "the test user has no /etc/subuid range"
	local u start count
	u=$(id -un)
	IFS=: read -r _ start count < <(grep -E "^($u|$(id -u)):" /etc/subuid | head -1)
	run "$URUN" run --rootfs "$ROOTFS" cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 $(id -u) 1 1 $start $count"
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'cat /proc/self/gid_map | wc -l'
	assert_eq "$output" "2"
}

@test "no subuid entry: single-id mapping with one warning line" {
	URUN_SUBUID_FILE=/dev/null run --separate-stderr "$URUN" run --rootfs "$ROOTFS" cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 $(id -u) 1"
	assert_eq "$(printf '%s\n' "$stderr" | grep -c warning)" "1"
	assert_contains "$stderr" "no subordinate uid range"
	assert_contains "$stderr" "usermod --add-subuids"
}

@test "no subuid entry: the usermod hint names a range no entry of /etc/subuid or /etc/subgid holds" {
	printf 'alice:100000:65536\nbob:165536:65536\n' >"$BATS_TEST_TMPDIR/subuid"
	printf 'alice:100000:65536\ncarol:300000:1000\n' >"$BATS_TEST_TMPDIR/subgid"
	URUN_SUBUID_FILE="$BATS_TEST_TMPDIR/subuid" URUN_SUBGID_FILE="$BATS_TEST_TMPDIR/subgid" \
		run --separate-stderr "$URUN" run --rootfs "$ROOTFS" true
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "no subordinate uid range for \`$(id -un)\`"
	assert_contains "$stderr" "an admin can add one: usermod --add-subuids 301000-366535 --add-subgids 301000-366535 $(id -un)"
}

@test "no subuid entry: chown, chgrp and su succeed as no-ops (fakeroot); fakeroot=off gives the real errors" {
	local root
	root=$(rootfs_copy)
	run --separate-stderr env URUN_SUBUID_FILE=/dev/null URUN_SUBGID_FILE=/dev/null "$URUN" run --network none \
		--rootfs "$root" sh -c 'echo "bob:x:1000:1000::/home/bob:/bin/sh" >> /etc/passwd; echo "bob:x:1000:" >> /etc/group
			mkdir -p /home/bob && chown bob:bob /home/bob && chgrp 1000 /home/bob && su bob -c "echo as-bob"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "as-bob"
	assert_eq "$(printf '%s\n' "$stderr" | grep -c warning)" "1"
	assert_contains "$stderr" "chown and setuid calls in the container succeed without effect"
	run env URUN_SUBUID_FILE=/dev/null URUN_SUBGID_FILE=/dev/null "$URUN" run --network none \
		--security-opt fakeroot=off --rootfs "$root" chown 1000 /home/bob
	[ "$status" -eq 1 ]
	assert_contains "$output" "Invalid argument"
	# with a subuid range nothing of this: chown to an unmapped id fails
	has_subuid || return 0
	run "$URUN" run --network none --rootfs "$root" chown 4000000000 /home/bob
	[ "$status" -ne 0 ]
}

@test "ranges from NSS (subid: in nsswitch.conf) are read through getsubids" {
	has_subuid || skip "needs a subuid range newuidmap accepts"
	local u start count
	u=$(id -un)
	IFS=: read -r _ start count < <(grep -E "^($u|$(id -u)):" /etc/subuid | head -1)
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho "0: %s %s %s"\n' "$u" "$start" "$count" >"$BATS_TEST_TMPDIR/bin/getsubids"
	chmod +x "$BATS_TEST_TMPDIR/bin/getsubids"
	printf 'passwd: files\nsubid: sss\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" URUN_NSSWITCH_FILE="$BATS_TEST_TMPDIR/nsswitch.conf" \
		URUN_SUBUID_FILE=/dev/null URUN_SUBGID_FILE=/dev/null URUN_USERNS_KEEPER=false \
		"$URUN" run --network none --rootfs "$ROOTFS" cat /proc/self/uid_map
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[1]}" | awk '{print $1, $2, $3}')" "1 $start $count"
}

@test "a user that does not exist in the rootfs is an error" {
	run "$URUN" run -u nosuchuser --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "unable to find user \`nosuchuser\`"
}

@test "-u by name takes uid, gid, home and groups from the container's files" {
	has_subuid || skip "needs a subuid range to map uid 1000"
	run "$URUN" run -u app --rootfs "$ROOTFS" sh -c 'id -u; id -g; echo $HOME; id -G'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "1000"
	assert_eq "${lines[1]}" "1000"
	assert_eq "${lines[2]}" "/home/app"
	assert_eq "${lines[3]}" "1000 100"
}

@test "-u UID:GID by number, and --group-add" {
	has_subuid || skip "needs a subuid range"
	run "$URUN" run -u 1234:5678 --group-add 42 --rootfs "$ROOTFS" sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "1234"
	assert_eq "${lines[1]}" "5678"
	assert_eq "${lines[2]}" "5678 42"
}

@test "--userns=keep-id keeps the caller's uid inside" {
	has_subuid || skip "needs a subuid range"
	run "$URUN" run --userns=keep-id -u "$(id -u)" --rootfs "$ROOTFS" sh -c 'id -u; grep -c . /proc/self/uid_map'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$(id -u)"
	assert_eq "${lines[1]}" "3"
}

@test "-w sets the working directory; a missing one is an error (as podman)" {
	run "$URUN" run -w /etc --rootfs "$ROOTFS" pwd
	assert_eq "$output" "/etc"
	run "$URUN" run -w /no/such/dir --rootfs "$ROOTFS" pwd
	[ "$status" -eq 125 ]
	assert_contains "$output" "workdir \`/no/such/dir\` does not exist"
}

@test "--ulimit sets soft and hard limits" {
	run "$URUN" run --ulimit nofile=100:200 --rootfs "$ROOTFS" sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "100 200"
	run "$URUN" run --ulimit nofile=300:200 --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
}

@test "--memory on a host without cgroup v2 delegation: one warning, the container runs" {
	run --separate-stderr "$URUN" run --memory 64m --pids-limit 100 --rootfs "$ROOTFS" echo ran
	[ "$status" -eq 0 ]
	assert_eq "$output" "ran"
	if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		assert_eq "$(printf '%s\n' "$stderr" | grep -c warning)" "1"
		assert_contains "$stderr" "cgroup v1"
	fi
}

@test "--network none has only lo, up; --network host sees the host's interfaces" {
	run "$URUN" run --network none --rootfs "$ROOTFS" sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate'
	assert_eq "$(echo $output)" "lo unknown"
	run "$URUN" run --network host --rootfs "$ROOTFS" ls /sys/class/net
	assert_eq "$(echo $output)" "$(echo $(ls /sys/class/net))"
}

@test "--pid=host sees host processes; --uts=host the host name" {
	run "$URUN" run --pid=host --rootfs "$ROOTFS" sh -c 'ls -d /proc/[0-9]* 2>/dev/null | wc -l'
	[ "$output" -gt 10 ]
	run "$URUN" run --uts=host --rootfs "$ROOTFS" hostname
	assert_eq "$output" "$(hostname)"
}

@test "--init: PID 1 is urun-init, the command its child, orphans are reaped" {
	run "$URUN" run --init --rootfs "$ROOTFS" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "/dev/init -- sh"
	[ "${lines[1]}" != "1" ]
	# an orphan that exits is reaped by PID 1: no zombie remains
	run "$URUN" run --init --rootfs "$ROOTFS" sh -c '(sleep 0.2 &) ; sleep 1; grep -l "^State:.Z" /proc/[0-9]*/status | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "$output" "0"
	run "$URUN" run --init --rootfs "$ROOTFS" sh -c 'exit 9'
	[ "$status" -eq 9 ]
}

@test "-t gives a terminal and restores the caller's termios" {
	command -v python3 >/dev/null || skip "python3 missing"
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" run -it --rootfs "$ROOTFS" sh -c \
		"tty; test -t 0 && echo stdin-is-tty; stty size"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "stdin-is-tty"
	assert_contains "$output" "33 77"
	assert_contains "$output" "restored 0"
}

@test "-t without a terminal on urun's side still works (piped)" {
	run bash -c "echo 'echo piped-in; exit 3' | '$URUN' run -i -t --rootfs '$ROOTFS' sh"
	[ "$status" -eq 3 ]
	assert_contains "$output" "piped-in"
}

@test "a range newuidmap refuses: its own message is shown" {
	has_subuid || skip "needs newuidmap to be consulted"
	echo "$(id -un):900000000:65536" >"$BATS_TEST_TMPDIR/subuid"
	URUN_SUBUID_FILE="$BATS_TEST_TMPDIR/subuid" run "$URUN" run --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "newuidmap\` refused the id mapping: newuidmap:"
	assert_contains "$output" "hint:"
}
