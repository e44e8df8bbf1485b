#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# drivers.bats: the three rootfs drivers (overlay, fuse-overlayfs, vfs) give
# the same view of the same layers, keep writes out of the image, clean up,
# and start many containers at once; the auto choice and its errors.

load lib/common
bats_require_minimum_version 1.5.0

DRIVERS="overlay fuse-overlayfs vfs"

setup_file() { ctr_suite_begin drivers busybox layered; }
teardown_file() { ctr_suite_end; }
setup() { ctr_test_setup; }
teardown() { ctr_test_teardown; }

# Skip a driver this host cannot use, saying why.
need_driver() {
	if [ "$1" = fuse-overlayfs ]; then
		command -v fuse-overlayfs >/dev/null || skip "fuse-overlayfs is not installed"
		[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse is not usable by $(id -un) (tests/setup-host.sh opens it)"
	fi
	return 0
}

# Live fuse-overlayfs processes of ours (zombies do not count: where PID 1
# does not reap orphans they linger, whoever started them).
fuse_procs() {
	ps -u "$(id -u)" -o pid=,stat=,comm= | awk '$3 == "fuse-overlayfs" && $2 !~ /^Z/'
}

no_fuse_left() {
	local left
	left=$(fuse_procs)
	[ -z "$left" ] || { echo "# fuse-overlayfs left running: $left" >&2; return 1; }
}

# A kept container writes; the image and a second container do not see it;
# `start` sees it again (same upper dir); rm removes it.
check_isolation() {
	local d=$1 id
	need_driver "$d"
	run "$URUN" run --storage-driver "$d" --name w "localhost/busybox" sh -c 'cat /written 2>/dev/null || echo first; echo x > /written; rm /bin/ls && echo removed'
	[ "$status" -eq 0 ]
	assert_eq "${lines[*]}" "first removed"
	id=$("$URUN" ps -a -q --no-trunc)
	[ -z "$(find "$XDG_DATA_HOME/urun/layers" -name written)" ]
	[ -n "$(find "$XDG_DATA_HOME/urun/layers" -path '*/bin/ls')" ]
	run "$URUN" run --rm --storage-driver "$d" localhost/busybox sh -c 'test -e /written && echo leaked; test -e /bin/ls && echo ls-there'
	assert_eq "$output" "ls-there"
	run "$URUN" start -a w
	assert_eq "${lines[0]}" "x"
	run "$URUN" inspect --format '{{.Driver}}' w
	assert_eq "$output" "$d"
	"$URUN" rm w
	[ ! -e "$XDG_DATA_HOME/urun/containers/$id" ]
	no_fuse_left
}

check_whiteouts() {
	local d=$1
	need_driver "$d"
	run "$URUN" run --rm --storage-driver "$d" localhost/layered sh -c 'ls /data | tr "\n" " "; echo; ls -A /opaque | tr "\n" " "; echo; ls -d /gone 2>&1; true'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "added keep "
	assert_eq "${lines[1]}" "new "
	assert_contains "${lines[2]}" "No such file"
	# deleting a lower file inside the container works and stays private
	run "$URUN" run --rm --storage-driver "$d" localhost/layered sh -c 'rm /data/keep && ls /data'
	assert_eq "$output" "added"
	run "$URUN" run --rm --storage-driver "$d" localhost/layered ls /data
	assert_eq "${lines[*]}" "added keep"
}

check_rm_leaves_nothing() {
	local d=$1
	need_driver "$d"
	run "$URUN" run --rm --storage-driver "$d" localhost/busybox sh -c 'echo hi > /f; cat /f'
	assert_eq "$output" "hi"
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/containers")" ]
	[ -z "$(ls -A "$XDG_RUNTIME_DIR/urun/containers")" ]
	[ -z "$(grep "$XDG_DATA_HOME" /proc/self/mountinfo)" ]
	no_fuse_left
}

# 20 at once: kept ones (then rm) and --rm ones, all succeed, nothing left.
check_many() {
	local d=$1 i
	need_driver "$d"
	local pids=()
	for i in $(seq 10); do
		"$URUN" run --storage-driver "$d" --name "k$i" localhost/busybox sh -c "echo $i > /n; cat /n" >"$BATS_TEST_TMPDIR/out.k$i" 2>&1 &
		pids+=($!)
		"$URUN" run --rm --storage-driver "$d" localhost/busybox sh -c "echo $i" >"$BATS_TEST_TMPDIR/out.r$i" 2>&1 &
		pids+=($!)
	done
	local failed=0
	for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
	for i in $(seq 10); do
		assert_eq "$(cat "$BATS_TEST_TMPDIR/out.k$i")" "$i" "kept container $i"
		assert_eq "$(cat "$BATS_TEST_TMPDIR/out.r$i")" "$i" "--rm container $i"
	done
	assert_eq "$failed" 0 "failed runs"
	run "$URUN" ps -a --format '{{.Names}} {{.Status}}'
	assert_eq "${#lines[@]}" 10 "containers listed in [$output]"
	"$URUN" rm -a >/dev/null
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/containers")" ]
	[ -z "$(ls -A "$XDG_RUNTIME_DIR/urun/containers")" ]
	no_fuse_left
}

@test "overlay: writes stay in the container's upper dir" { check_isolation overlay; }
@test "fuse-overlayfs: writes stay in the container's upper dir" { check_isolation fuse-overlayfs; }
@test "vfs: writes stay in the container's copy" { check_isolation vfs; }

@test "overlay: whiteouts and opaque dirs are honoured" { check_whiteouts overlay; }
@test "fuse-overlayfs: whiteouts and opaque dirs are honoured" { check_whiteouts fuse-overlayfs; }
@test "vfs: whiteouts and opaque dirs are honoured" { check_whiteouts vfs; }

@test "overlay: --rm leaves no dir, record or mount" { check_rm_leaves_nothing overlay; }
@test "fuse-overlayfs: --rm leaves no dir, record, mount or fuse process" { check_rm_leaves_nothing fuse-overlayfs; }
@test "vfs: --rm leaves no copy or record" { check_rm_leaves_nothing vfs; }

@test "overlay: 20 containers at once" { check_many overlay; }
@test "fuse-overlayfs: 20 containers at once" { check_many fuse-overlayfs; }
@test "vfs: 20 containers at once" { check_many vfs; }

@test "fuse-overlayfs: runs outside the container's pid namespace and dies with a killed monitor" {
	need_driver fuse-overlayfs
	run "$URUN" run --rm --storage-driver fuse-overlayfs localhost/busybox sh -c 'ps -o comm | grep -c fuse-overlayfs'
	assert_eq "$output" "0"
	"$URUN" run -d --storage-driver fuse-overlayfs --name f localhost/busybox sleep 1000 >/dev/null
	[ -n "$(fuse_procs)" ]
	kill -9 "$("$URUN" inspect --format '{{.State.ConmonPid}}' f)"
	local i
	for i in $(seq 50); do [ -z "$(fuse_procs)" ] && break; sleep 0.1; done
	no_fuse_left
	run "$URUN" ps -a --format '{{.State}}'
	assert_eq "$output" "exited"
}

@test "auto: probed once, remembered per store, shown by urun info" {
	local store="$BATS_TEST_TMPDIR/s"
	URUN_STORAGE_ROOT=$store run "$URUN" info --format json
	[ "$status" -eq 0 ]
	assert_contains "$output" '"driver": "overlay"'
	assert_contains "$output" 'a test mount of kernel overlay (userxattr) in a user namespace succeeded'
	assert_contains "$output" '"driverSource": "probed"'
	assert_eq "$(head -1 "$store/driver")" "overlay"
	URUN_STORAGE_ROOT=$store run "$URUN" info --format '{{.store.driver}} {{.store.driverSource}}'
	assert_eq "$output" "overlay probed earlier"
	# a remembered choice is used as it is
	printf 'vfs\nset by a test\n' >"$store/driver"
	URUN_STORAGE_ROOT=$store run "$URUN" info --format '{{.store.driver}}: {{.store.driverReason}}'
	assert_eq "$output" "vfs: set by a test"
	URUN_DRIVER=overlay URUN_STORAGE_ROOT=$store run "$URUN" info --format '{{.store.driver}} {{.store.driverSource}}'
	assert_eq "$output" "overlay URUN_DRIVER"
}

@test "errors: unknown driver, fuse-overlayfs binary missing" {
	run "$URUN" run --rm --storage-driver zfs localhost/busybox true
	[ "$status" -eq 125 ]
	assert_contains "$output" "storage driver \`zfs\` is unknown"
	URUN_FUSE_OVERLAYFS=/nonexistent/fuse-overlayfs run "$URUN" run --rm --storage-driver fuse-overlayfs localhost/busybox true
	[ "$status" -eq 125 ]
	assert_contains "$output" "fuse-overlayfs is not usable: \`/nonexistent/fuse-overlayfs\`"
	assert_contains "$output" "apt-get install fuse-overlayfs"
	# nothing is left of the failed container
	run "$URUN" ps -a -q
	assert_eq "$output" ""
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/containers")" ]
}

@test "errors: fuse-overlayfs failing to mount gives its own message" {
	need_driver fuse-overlayfs
	printf '#!/bin/sh\necho "fuse: simulated failure" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/fake"
	chmod +x "$BATS_TEST_TMPDIR/fake"
	URUN_FUSE_OVERLAYFS="$BATS_TEST_TMPDIR/fake" run "$URUN" run --rm --storage-driver fuse-overlayfs localhost/busybox true
	[ "$status" -eq 125 ]
	assert_contains "$output" "fuse-overlayfs could not mount the container's root: fuse: simulated failure"
}
