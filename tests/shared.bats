#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# shared.bats: what shared machines need: `urun info` names each cause of
# trouble with its fix (causes simulated through urun.conf settings and the
# environment), a home on NFS (declared) moves the store to node-local
# storage, and a read-only store an admin filled serves several users'
# stores without copying.

load lib/common
bats_require_minimum_version 1.5.0

setup_file() { ctr_suite_begin shared busybox; }
teardown_file() { ctr_suite_end; }
setup() { ctr_test_setup; }
teardown() { ctr_test_teardown; }

# The check named $1 of `urun info --format json` as "status|detail|fix".
info_check() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d["checks"]:
    if c["name"] == sys.argv[1]:
        print("%s|%s|%s" % (c["status"], c["detail"], c.get("fix", "")))
' "$1"
}

@test "urun info passes on this machine: no check is an error, json and template forms" {
	run "$URUN" info
	[ "$status" -eq 0 ]
	assert_contains "$output" "user namespaces: allowed"
	run "$URUN" info --format json
	[ "$status" -eq 0 ]
	run python3 -c 'import json,sys; d=json.load(sys.stdin); bad=[c["name"]+": "+c["detail"] for c in d["checks"] if c["status"]=="error"]; print("\n".join(bad)); sys.exit(1 if bad else 0)' <<<"$output"
	[ "$status" -eq 0 ]
	run "$URUN" info --format '{{.store.driver}}'
	[[ "$output" =~ ^(overlay|fuse-overlayfs|vfs)$ ]]
}

@test "info: no subuid entry is named with the usermod fix, a range free in both files" {
	URUN_SUBUID_FILE=/dev/null URUN_SUBGID_FILE=/dev/null run "$URUN" info --format json
	[ "$status" -eq 0 ]
	run info_check "subordinate ids" <<<"$output"
	assert_contains "$output" "warning|no range in /etc/subuid and /etc/subgid for you"
	assert_contains "$output" "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $(id -un)"
	# other users' ranges: the suggestion starts above the highest one of either file
	printf 'alice:100000:65536\n' >"$BATS_TEST_TMPDIR/subuid"
	printf 'alice:100000:65536\nbob:165536:65536\n' >"$BATS_TEST_TMPDIR/subgid"
	URUN_SUBUID_FILE="$BATS_TEST_TMPDIR/subuid" URUN_SUBGID_FILE="$BATS_TEST_TMPDIR/subgid" \
		run "$URUN" info --format json
	[ "$status" -eq 0 ]
	run info_check "subordinate ids" <<<"$output"
	assert_contains "$output" "usermod --add-subuids 231072-296607 --add-subgids 231072-296607 $(id -un)"
}

@test "info: missing helper binaries are named with how to install them" {
	URUN_NEWUIDMAP=/nonexistent/newuidmap URUN_SLIRP4NETNS=/nonexistent/slirp4netns \
		URUN_FUSE_OVERLAYFS=/nonexistent/fuse-overlayfs run "$URUN" info --format json
	[ "$status" -eq 0 ]
	local json=$output
	run info_check newuidmap <<<"$json"
	assert_contains "$output" "warning|\`/nonexistent/newuidmap\` is not installed"
	assert_contains "$output" "apt-get install uidmap"
	run info_check slirp4netns <<<"$json"
	assert_contains "$output" "error|\`/nonexistent/slirp4netns\` is not installed"
	assert_contains "$output" "--network none or host"
	run info_check fuse-overlayfs <<<"$json"
	assert_contains "$output" "warning|"
	assert_contains "$output" "apt-get install fuse-overlayfs"
}

@test "info: an unwritable runtime dir is an error with its fix; no XDG_RUNTIME_DIR is fine" {
	URUN_RUNTIME_DIR=/proc/urun-nope run "$URUN" info --format json
	run info_check "runtime dir" <<<"$output"
	assert_contains "$output" "error|creating the runtime dir \`/proc/urun-nope\`"
	assert_contains "$output" "runtime_dir"
	run env -u XDG_RUNTIME_DIR "$URUN" info --format json
	run info_check "runtime dir" <<<"$output"
	assert_contains "$output" "ok|\`/tmp/urun-$(id -u)\` (XDG_RUNTIME_DIR is not set"
	# and a container runs without one, leaving nothing behind
	run env -u XDG_RUNTIME_DIR "$URUN" run --rm --network none localhost/busybox true
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "/tmp/urun-$(id -u)/containers")" ]
}

@test "info: the store's filesystem is named; a declared NFS home moves the store to node-local storage" {
	URUN_STORAGE_ROOT=/dev/shm/urun-shared-test-$$ run "$URUN" info --format json
	run info_check "image store" <<<"$output"
	assert_contains "$output" "ok|\`/dev/shm/urun-shared-test-$$\` (tmpfs)"
	rm -rf "/dev/shm/urun-shared-test-$$"
	local home="$BATS_TEST_TMPDIR/nfs-home" local_dir="$BATS_TEST_TMPDIR/local"
	mkdir -p "$home" "$local_dir"
	run --separate-stderr env XDG_DATA_HOME="$home" URUN_STORAGE_FS=nfs TMPDIR="$local_dir" \
		"$URUN" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "\`$home/urun\` is on NFS, which cannot hold an image store for containers: using \`$local_dir/urun-$(id -u)\`"
	[ ! -e "$home/urun" ]
	[ -d "$local_dir/urun-$(id -u)/layers" ]
	run env XDG_DATA_HOME="$home" URUN_STORAGE_FS=nfs TMPDIR="$local_dir" "$URUN" run --rm --network none localhost/busybox echo ran
	assert_contains "$output" "ran"
	run --separate-stderr env XDG_DATA_HOME="$home" URUN_STORAGE_FS=nfs TMPDIR="$local_dir" "$URUN" info --format json
	run info_check "image store" <<<"$output"
	assert_contains "$output" "warning|\`$home/urun\` is on NFS, so the store is node-local: \`$local_dir/urun-$(id -u)\`"
	"$URUN" --root "$local_dir/urun-$(id -u)" unshare rm -rf "$local_dir/urun-$(id -u)"
}

@test "a read-only store filled with --root serves two users' stores without copying" {
	local shared="$BATS_TEST_TMPDIR/shared"
	run "$URUN" --root "$shared" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	# the admin makes it readable for everyone
	"$URUN" --root "$shared" unshare chmod -R a+rX "$shared"
	local u
	for u in alice bob; do
		local mine="$BATS_TEST_TMPDIR/$u"
		run env XDG_DATA_HOME="$mine" URUN_ADDITIONAL_STORES="$shared" "$URUN" images
		assert_contains "${lines[0]}" "R/O"
		assert_contains "${lines[1]}" "localhost/busybox"
		assert_contains "${lines[1]}" "true"
		run env XDG_DATA_HOME="$mine" URUN_ADDITIONAL_STORES="$shared" "$URUN" run --rm --network none localhost/busybox \
			sh -c 'echo written > /x && cat /x && ls /bin | wc -l'
		[ "$status" -eq 0 ]
		assert_eq "${lines[0]}" "written"
		[ "${lines[1]}" -gt 100 ]
		# nothing was copied into the user's own store
		[ -z "$(ls -A "$mine/urun/layers")" ]
		[ -z "$(ls -A "$mine/urun/blobs/sha256")" ]
	done
	# the shared store is never written: its images.json is unchanged by the runs
	run env XDG_DATA_HOME="$BATS_TEST_TMPDIR/alice" URUN_ADDITIONAL_STORES="$shared" "$URUN" images --format json
	assert_contains "$output" '"ReadOnly":true'
	"$URUN" --root "$shared" unshare rm -rf "$shared"
}
