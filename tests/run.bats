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

# A rootfs copy with a command that fails in each way execve can (bad_commands DIR).
bad_commands() {
	local r=$1
	ln -s /nonexistent/target "$r/bin/dangling"
	printf '#!/no/such/interp\necho hi\n' >"$r/bin/badinterp"
	printf '#!/bin/sh\r\necho hi\n' >"$r/bin/crlf"
	printf 'echo no shebang\n' >"$r/bin/noshebang"
	# an ELF header for another machine (aarch64, or x86_64 on aarch64)
	local m='\267'
	[ "$(uname -m)" = aarch64 ] && m='\076'
	{ printf "\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000$m\000"; head -c 46 /dev/zero; } >"$r/bin/foreign"
	chmod 0755 "$r/bin/badinterp" "$r/bin/crlf" "$r/bin/noshebang" "$r/bin/foreign"
}

@test "a non-executable file gives 126, saying why, with a hint" {
	run -126 "$URUN" run --rootfs "$ROOTFS" /bin/not-executable
	assert_contains "$output" "urun: cannot execute \`/bin/not-executable\`: permission denied: it is not executable (mode 0644)"
	assert_contains "$output" "hint: make it executable in the image (chmod +x), or run it through its interpreter, e.g. \`sh /bin/not-executable\`"
	# found through $PATH: the same
	run -126 "$URUN" run --rootfs "$ROOTFS" not-executable
	assert_contains "$output" "urun: cannot execute \`/usr/sbin/not-executable\`: permission denied: it is not executable (mode 0644)"
}

@test "a directory as the command gives 126: it is a directory" {
	run -126 "$URUN" run --rootfs "$ROOTFS" /bin
	assert_contains "$output" "urun: cannot execute \`/bin\`: it is a directory"
	assert_contains "$output" "hint: give the path of a program inside it"
}

@test "a dangling symlink as the command gives 127, naming its target" {
	local r
	r=$(rootfs_copy)
	bad_commands "$r"
	run -127 "$URUN" run --rootfs "$r" /bin/dangling
	assert_contains "$output" "urun: executable file \`/bin/dangling\` not found: it is a symbolic link to \`/nonexistent/target\`, which does not exist in the container"
	assert_contains "$output" "hint: the image's link is broken"
	run -127 "$URUN" run --rootfs "$r" dangling
	assert_contains "$output" "urun: executable file \`dangling\` not found in \$PATH: \`/usr/sbin/dangling\` is a symbolic link to \`/nonexistent/target\`"
}

@test "a script whose #! interpreter is missing gives 1 (as podman), naming the interpreter" {
	local r
	r=$(rootfs_copy)
	bad_commands "$r"
	run -1 "$URUN" run --rootfs "$r" /bin/badinterp
	assert_contains "$output" "urun: cannot execute \`/bin/badinterp\`: its interpreter \`/no/such/interp\` (from its #! line) does not exist in the container"
	assert_contains "$output" "hint: install \`/no/such/interp\` in the image, or change the script's #! line"
	run -1 "$URUN" run --rootfs "$r" badinterp
	assert_contains "$output" "urun: cannot execute \`/usr/sbin/badinterp\`: its interpreter \`/no/such/interp\`"
	run -1 "$URUN" run --rootfs "$r" /bin/crlf
	assert_contains "$output" "its #! line ends in a carriage return, so its interpreter is \`/bin/sh\\r\`"
	assert_contains "$output" "hint: the script has Windows (CRLF) line endings"
}

@test "a bad executable format gives 1 (as podman): no #! line, another architecture" {
	local r
	r=$(rootfs_copy)
	bad_commands "$r"
	run -1 "$URUN" run --rootfs "$r" /bin/noshebang
	assert_contains "$output" "urun: cannot execute \`/bin/noshebang\`: exec format error: it is neither an ELF binary nor a script starting with #!"
	assert_contains "$output" "hint: if it is a shell script, make \`#!/bin/sh\` its first line"
	run -1 "$URUN" run --rootfs "$r" /bin/foreign
	assert_contains "$output" "urun: cannot execute \`/bin/foreign\`: exec format error: it is a binary for"
	assert_contains "$output" "hint: use an image built for this machine's platform"
}

@test "a dynamic binary without its loader gives 1 (as podman), naming the loader" {
	local r interp
	interp=$(python3 -c '
import struct, sys
d = open("/bin/true", "rb").read()
phoff, = struct.unpack_from("<Q", d, 0x20); n, = struct.unpack_from("<H", d, 0x38)
for i in range(n):
    t, = struct.unpack_from("<I", d, phoff + i * 56)
    if t == 3:
        off, = struct.unpack_from("<Q", d, phoff + i * 56 + 8); sz, = struct.unpack_from("<Q", d, phoff + i * 56 + 32)
        print(d[off:off + sz].rstrip(b"\0").decode())
') || true
	[ -n "$interp" ] || skip "the host's /bin/true is not a dynamic 64-bit binary"
	r=$(rootfs_copy)
	cp /bin/true "$r/bin/dyntrue"
	run -1 "$URUN" run --rootfs "$r" /bin/dyntrue
	assert_contains "$output" "urun: cannot execute \`/bin/dyntrue\`: its dynamic loader \`$interp\` does not exist in the container"
	assert_contains "$output" "hint: it was linked against a C library the image does not have"
}

@test "the container's /etc/passwd is read safely: a FIFO never blocks, a symlink is not followed" {
	local r
	r=$(rootfs_copy)
	rm "$r/etc/passwd"
	mkfifo "$r/etc/passwd"
	# (timeout only turns a hang of the old code into a failure)
	run -0 timeout 60 "$URUN" run --rootfs "$r" sh -c 'echo $HOME'
	assert_eq "$output" "/root"
	run -125 timeout 60 "$URUN" run -u app --rootfs "$r" true
	assert_contains "$output" "urun: unable to find user \`app\`: the container's /etc/passwd is not a regular file"
	rm "$r/etc/passwd"
	echo 'alice:x:1000:1000::/home/alice:/bin/sh' >"$r/etc/passwd.real"
	ln -s passwd.real "$r/etc/passwd"
	run -125 "$URUN" run -u alice --rootfs "$r" true
	assert_contains "$output" "urun: unable to find user \`alice\`: the container's /etc/passwd is a symbolic link (not followed)"
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
