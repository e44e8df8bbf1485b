#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# run.bats: `urun run --rootfs`: namespaces, identity, exit codes, signals.

load lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] || fixtures
}

setup() {
	require_unprivileged
	fixtures
}

# A failed assertion must not leave a container behind to hang the suite.
teardown() {
	local j
	for j in $(jobs -p); do kill -KILL "$j" 2>/dev/null || true; done
}

@test "the command runs as root inside" {
	run "$URUN" run --rootfs "$ROOTFS" id -u
	[ "$status" -eq 0 ]
	assert_eq "$output" "0"
}

@test "PID 1 is the command" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'echo $$'
	[ "$status" -eq 0 ]
	assert_eq "$output" "1"
}

@test "exit status passes through" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'exit 42'
	[ "$status" -eq 42 ]
}

@test "death by signal gives 128+N" {
	# PID 1 cannot be killed by a signal from inside its namespace: kill it from the host.
	"$URUN" run --rootfs "$ROOTFS" sh -c 'echo ready; exec sleep 1002' >"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	kill -KILL "$(pgrep -f '^sleep 1002' -u "$(id -u)")"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
}

@test "a missing command gives 127" {
	run -127 "$URUN" run --rootfs "$ROOTFS" no-such-command
	[ "$status" -eq 127 ]
	assert_contains "$output" "urun: executable file \`no-such-command\` not found in \$PATH"
}

@test "a missing absolute path gives 127" {
	run -127 "$URUN" run --rootfs "$ROOTFS" /no/such/file
	[ "$status" -eq 127 ]
}

@test "a non-executable file gives 126" {
	run -126 "$URUN" run --rootfs "$ROOTFS" /bin/not-executable
	[ "$status" -eq 126 ]
	assert_contains "$output" "cannot execute"
}

@test "a directory as the command gives 126" {
	run -126 "$URUN" run --rootfs "$ROOTFS" /bin
	[ "$status" -eq 126 ]
}

@test "kill -TERM of urun reaches a command that handles it" {
	"$URUN" run --rootfs "$ROOTFS" sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 7 ]
}

@test "kill -TERM of urun ends a PID 1 that ignores it (SIGKILL after --stop-timeout)" {
	"$URUN" run --stop-timeout=1 --rootfs "$ROOTFS" sh -c 'echo ready; exec sleep 1004' \
		>"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
	# nothing of the container survives
	! pgrep -f '^sleep 1004' -u "$(id -u)"
}

@test "SIGKILL of urun takes the container with it" {
	"$URUN" run --rootfs "$ROOTFS" sh -c 'echo ready; exec sleep 1001' >"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	kill -KILL "$pid"
	wait "$pid" || true
	for _ in $(seq 20); do pgrep -f '^sleep 1001' -u "$(id -u)" >/dev/null || break; sleep 0.1; done
	! pgrep -f '^sleep 1001' -u "$(id -u)"
}

@test "SIGUSR1 is forwarded" {
	"$URUN" run --rootfs "$ROOTFS" sh -c 'trap "echo got-usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	kill -USR1 "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 3 ]
	grep -q got-usr1 "$BATS_TEST_TMPDIR/out"
}

@test "/proc lists only the container's processes" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'ls -d /proc/[0-9]* | wc -l'
	[ "$status" -eq 0 ]
	# sh (PID 1), ls and wc
	[ "$output" -le 3 ]
}

@test "the host name is the short container id" {
	run "$URUN" run --rootfs "$ROOTFS" hostname
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{12}$ ]]
	run "$URUN" run --hostname box1 --rootfs "$ROOTFS" cat /etc/hostname
	assert_eq "$output" "box1"
}

@test "stdin is /dev/null without -i and attached with -i" {
	run bash -c "echo hello | '$URUN' run --rootfs '$ROOTFS' cat"
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	run bash -c "echo hello | '$URUN' run -i --rootfs '$ROOTFS' cat"
	[ "$status" -eq 0 ]
	assert_eq "$output" "hello"
}

@test "only fds 0 1 2 reach the command" {
	run "$URUN" run --rootfs "$ROOTFS" ls /proc/self/fd
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 1 2 3"
}

@test "environment: -e, -e NAME from the caller, --env-file, defaults" {
	printf 'A=from-file\n# comment\nB=b\n' >"$BATS_TEST_TMPDIR/env"
	FROM_CALLER=yes run "$URUN" run -e X=1 -e FROM_CALLER -e UNSET_VAR_XYZ --env-file "$BATS_TEST_TMPDIR/env" \
		-e A=from-flag --rootfs "$ROOTFS" env
	[ "$status" -eq 0 ]
	assert_contains "$output" "X=1"
	assert_contains "$output" "FROM_CALLER=yes"
	assert_contains "$output" "A=from-flag"
	assert_contains "$output" "B=b"
	assert_contains "$output" "PATH=/usr/local/sbin"
	assert_contains "$output" "HOME=/root"
	[[ "$output" != *UNSET_VAR_XYZ* ]]
}
