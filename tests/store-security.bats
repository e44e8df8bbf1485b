#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# store-security.bats: nothing another user owns or could change is used as an
# image store (own, fallback, node-local, additional), and a pull cannot take
# the store's filesystem below its free-space reserve (issue 15, items 2, 3, 9).
# "Another user's" directories are simulated by modes the test user can set
# (0777, a 0777 parent); other owners are covered by tests/unit/test-fs.

load lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] && return 0
	fixtures
	stores_begin store-security
}

teardown_file() {
	stores_end
}

setup() {
	require_unprivileged
	fixtures
	store_per_test
}

teardown() {
	# the fallback store's mode, if a test loosened it
	if [ -n "${FALLBACK_MODE:-}" ]; then chmod "$FALLBACK_MODE" "/var/tmp/urun-$(id -u)"; fi
	local d
	for d in "$BATS_TEST_TMPDIR"/open "$BATS_TEST_TMPDIR"/scratch; do
		[ ! -d "$d" ] || chmod 0755 "$d"
	done
}

# The check named $1 of `urun info --format json` as "status|detail" lines.
info_checks() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d["checks"]:
    if c["name"] == sys.argv[1]:
        print("%s|%s" % (c["status"], c["detail"]))
' "$1"
}

@test "a store others could write is refused, as --root, storage_root, the default place or through a symlink" {
	local open="$BATS_TEST_TMPDIR/open-store" me
	me=$(id -u)
	mkdir -m 0777 "$open"
	chmod 0777 "$open"
	local want="the image store \`$open\` is writable by other users (owner uid $me, mode 0777)"
	run "$URUN" --root "$open" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: $want"
	assert_contains "$output" "chmod go-w '$open'"
	URUN_STORAGE_ROOT="$open" run "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: $want"
	mkdir -p "$BATS_TEST_TMPDIR/data"
	ln -s "$open" "$BATS_TEST_TMPDIR/data/urun"
	XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" run "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "the image store \`$BATS_TEST_TMPDIR/data/urun\` is writable by other users (owner uid $me, mode 0777)"
	# nothing was made in it
	[ -z "$(ls -A "$open")" ]
	# urun info names it, with the fix
	URUN_STORAGE_ROOT="$open" run "$URUN" info --format json
	run info_checks "image store" <<<"$output"
	assert_contains "$output" "error|$want"
	# a directory of another user (here root's /) is refused too
	run "$URUN" --root / images
	[ "$status" -eq 125 ]
	assert_contains "$output" "the image store \`/\` is owned by another user (owner uid 0, mode"
	# once nobody else can write it, it is used; a new store is made 0700
	chmod go-w "$open"
	run "$URUN" --root "$open" images
	[ "$status" -eq 0 ]
	run "$URUN" --root "$BATS_TEST_TMPDIR/new/store" images
	[ "$status" -eq 0 ]
	assert_eq "$(stat -c %a "$BATS_TEST_TMPDIR/new/store")" 700
}

@test "without HOME and XDG_DATA_HOME, the store in /var/tmp gets the same checks" {
	local fb="/var/tmp/urun-$(id -u)"
	run env -i "$URUN" images
	[ "$status" -eq 0 ]
	[ -d "$fb" ] && [ ! -L "$fb" ]
	assert_eq "$(stat -c %u "$fb")" "$(id -u)"
	FALLBACK_MODE=$(stat -c %a "$fb")
	chmod 0777 "$fb"
	run env -i "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: the image store \`$fb\` is writable by other users (owner uid $(id -u), mode 0777)"
	assert_contains "$output" "HOME and XDG_DATA_HOME are not set, so the store is a per-user name in /var/tmp"
}

@test "local_storage_root: only the per-user store is made, and one others could write is refused" {
	local home="$BATS_TEST_TMPDIR/nfs-home" scratch="$BATS_TEST_TMPDIR/scratch" me
	me=$(id -u)
	mkdir -p "$home"
	export XDG_DATA_HOME="$home" URUN_STORAGE_FS=nfs URUN_LOCAL_STORAGE_ROOT="$scratch"
	# the first user to come must not make (and own) the shared parent
	run "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "creating the image store \`$scratch/urun-$me\`: No such file or directory"
	assert_contains "$output" "an administrator creates local_storage_root (mode 1777)"
	[ ! -e "$scratch" ]
	mkdir -m 1777 "$scratch"
	mkdir -m 0777 "$scratch/urun-$me"
	chmod 0777 "$scratch/urun-$me"
	run "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "the image store \`$scratch/urun-$me\` is writable by other users (owner uid $me, mode 0777)"
	assert_contains "$output" "local_storage_root sticky (chmod 1777)"
	# it was not made private behind the user's back: its contents are suspect
	assert_eq "$(stat -c %a "$scratch/urun-$me")" 777
	rmdir "$scratch/urun-$me"
	run "$URUN" images
	[ "$status" -eq 0 ]
	assert_eq "$(stat -c %a "$scratch/urun-$me")" 700
}

@test "an additional store on a path others could write is refused, shown by info, and its layers are not reused" {
	local open="$BATS_TEST_TMPDIR/open" mine="$BATS_TEST_TMPDIR/mine"
	local shared="$open/shared"
	mkdir -m 0755 "$open"
	run "$URUN" --root "$shared" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	"$URUN" --root "$shared" unshare chmod -R a+rX "$shared"
	chmod 0777 "$open"
	export XDG_DATA_HOME="$mine" URUN_ADDITIONAL_STORES="$shared"
	run --separate-stderr "$URUN" images
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "warning: additional store \`$shared\` is not used: \`$open\` is writable by other users (owner uid $(id -u), mode 0777)"
	[[ "$output" != *localhost/busybox* ]]
	run --separate-stderr "$URUN" info --format json
	run info_checks "additional store" <<<"$output"
	assert_eq "$output" "error|refused, not used: \`$shared\`: \`$open\` is writable by other users (owner uid $(id -u), mode 0777)"
	# the user's own pull fetches and verifies every layer itself
	run --separate-stderr "$URUN" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	[ -n "$(ls -A "$mine/urun/layers")" ]
	# below a sticky directory (as /tmp) the same store is used
	chmod 1777 "$open"
	run --separate-stderr env XDG_DATA_HOME="$BATS_TEST_TMPDIR/other" "$URUN" images
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	assert_contains "${lines[1]}" "localhost/busybox"
	run "$URUN" info --format json
	run info_checks "additional store" <<<"$output"
	assert_eq "$output" "ok|\`$shared\` (read-only)"
	chmod 0755 "$open"
	"$URUN" --root "$shared" unshare rm -rf "$shared"
}

@test "a layer of an additional store that others could write is not used" {
	local shared="$BATS_TEST_TMPDIR/shared" mine="$BATS_TEST_TMPDIR/mine"
	run "$URUN" --root "$shared" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	"$URUN" --root "$shared" unshare chmod -R a+rX "$shared"
	local layer
	layer=$(ls "$shared/layers" | head -n1)
	"$URUN" --root "$shared" unshare chmod 0777 "$shared/layers/$layer"
	export XDG_DATA_HOME="$mine" URUN_ADDITIONAL_STORES="$shared"
	run --separate-stderr "$URUN" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "layer ${layer:0:12} of the additional store \`$shared\` is not used: it is writable by other users"
	[ -d "$mine/urun/layers/$layer" ]
	run "$URUN" run --rm --network none localhost/busybox echo ran
	assert_eq "$output" "ran"
	"$URUN" --root "$shared" unshare rm -rf "$shared"
}

@test "a layer that would take the store's filesystem below min_free_space stops, naming image, layer and reserve" {
	local bomb="$BATS_TEST_TMPDIR/bomb"
	python3 "$top_srcdir/tests/lib/mkbad.py" "$bomb" big-bomb 256
	local diff
	diff=$(python3 -c '
import json, sys
b = sys.argv[1] + "/blobs/sha256/"
m = json.load(open(b + json.load(open(sys.argv[1] + "/index.json"))["manifests"][0]["digest"][7:]))
print(json.load(open(b + m["config"]["digest"][7:]))["rootfs"]["diff_ids"][0][7:])' "$bomb")
	mkdir -p "$XDG_DATA_HOME"
	# a reserve 5 MiB below what is free now: the 256 MiB of zeros must stop soon
	local free reserve
	free=$(( $(stat -f -c '%a * %S' "$XDG_DATA_HOME") ))
	reserve=$(( free - (5 << 20) ))
	URUN_MIN_FREE_SPACE=$reserve run "$URUN" pull oci:"$bomb"
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: pulling \`oci:$bomb\`: layer 1 of 1: unpacking layer \`${diff:0:12}\`: stopped after"
	assert_contains "$output" "less than its free-space reserve of"
	assert_contains "$output" "(min_free_space \`$reserve\`)"
	assert_contains "$output" "hint: free some space on the filesystem of \`$XDG_DATA_HOME/urun\`, or set min_free_space"
	# nothing partial is kept: no temp dir, no layer, no image
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/tmp")" ]
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
	assert_eq "$("$URUN" images -q)" ""
	# a reserve above what is free stops before the first byte
	URUN_MIN_FREE_SPACE=$(( free + (1 << 30) )) run "$URUN" pull oci:"$IMAGES/busybox"
	[ "$status" -eq 125 ]
	assert_contains "$output" "stopped after 0.0 MiB written"
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/tmp")" ]
	# a value that is neither a size nor a share is an error
	URUN_MIN_FREE_SPACE=lots run "$URUN" images
	[ "$status" -eq 125 ]
	assert_contains "$output" "min_free_space \`lots\` is not a size or a share of the filesystem"
	# with the default reserve a normal pull works
	run "$URUN" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	run "$URUN" info
	assert_contains "$output" "min_free_space: 2%,1G (default)"
}
