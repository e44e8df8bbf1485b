#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# images.bats: pulling into the store (from OCI layouts here; registry.bats
# covers registries), running images, whiteouts, config, hostile layers.

load lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] && return 0
	fixtures
	stores_begin images
}

teardown_file() {
	stores_end
}

setup() {
	require_unprivileged
	fixtures
	# a store per test: tests must not see each other's images
	store_per_test
}

@test "pull oci:DIR, then images lists it; -q and --format json" {
	run "$URUN" pull oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^[0-9a-f]{64}$ ]]
	local id=${lines[-1]}
	run "$URUN" images
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "REPOSITORY"
	assert_contains "${lines[1]}" "localhost/busybox"
	assert_contains "${lines[1]}" "${id:0:12}"
	run "$URUN" images -q
	assert_eq "$output" "${id:0:12}"
	run "$URUN" images --format json
	assert_contains "$output" "\"Id\":\"$id\""
}

@test "run an image: root inside, writes stay in the container, the image is unchanged" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	run "$URUN" run localhost/busybox sh -c 'id -u; echo data >/written; cat /written'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 data"
	run "$URUN" run localhost/busybox cat /written
	[ "$status" -ne 0 ]
	[ -z "$(find "$XDG_DATA_HOME/urun/layers" -name written)" ]
}

@test "run by image id" {
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	run "$URUN" run "${id:0:12}" true
	[ "$status" -eq 0 ]
}

@test "run oci:DIR pulls it on the way" {
	run "$URUN" run oci:"$IMAGES/busybox" echo ran
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" "ran"
}

@test "whiteouts and opaque directories give the right view" {
	"$URUN" pull -q oci:"$IMAGES/layered" >/dev/null
	run "$URUN" run localhost/layered sh -c 'ls /data | tr "\n" " "; echo; ls -A /opaque | tr "\n" " "; echo; ls -d /gone 2>&1; true'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "added keep "
	assert_eq "${lines[1]}" "new "
	assert_contains "${lines[2]}" "No such file"
}

@test "the layer format keeps no whiteout or opaque marker files" {
	"$URUN" pull -q oci:"$IMAGES/layered" >/dev/null
	[ -z "$(find "$XDG_DATA_HOME/urun/layers" -name '.wh.*')" ]
}

@test "image config: Entrypoint, Cmd, User, WorkingDir, Env" {
	"$URUN" pull -q oci:"$IMAGES/config-image" >/dev/null
	run "$URUN" run localhost/config-image
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "entrypoint-ran 1000 /work hello world"
	# arguments replace Cmd, not Entrypoint
	run "$URUN" run localhost/config-image 'echo args; id -u'
	assert_eq "$(echo $output)" "args 1000"
	# -e overrides the image's Env; -u and -w override User and WorkingDir
	run "$URUN" run -e GREETING=bye -u 0 -w /tmp localhost/config-image
	assert_eq "$(echo $output)" "entrypoint-ran 0 /tmp bye"
	# --entrypoint replaces it and drops Cmd
	run "$URUN" run --entrypoint /bin/echo localhost/config-image direct
	assert_eq "$output" "direct"
}

@test "--pull=never with a missing image is a clear error" {
	run "$URUN" run --pull=never docker.io/library/nosuchimage true
	[ "$status" -eq 125 ]
	assert_contains "$output" "image \`docker.io/library/nosuchimage:latest\` is not in the local store"
	assert_contains "$output" "hint:"
}

@test "a tampered blob fails the pull, stores nothing, and a good pull works after" {
	cp -a "$IMAGES/busybox" "$BATS_TEST_TMPDIR/bad"
	local layer
	layer=$(ls -S "$BATS_TEST_TMPDIR/bad/blobs/sha256" | head -1)
	chmod u+w "$BATS_TEST_TMPDIR/bad/blobs/sha256/$layer"
	printf 'X' | dd of="$BATS_TEST_TMPDIR/bad/blobs/sha256/$layer" bs=1 seek=100 conv=notrunc 2>/dev/null
	run "$URUN" pull oci:"$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 125 ]
	assert_contains "$output" "does not match its digest"
	run "$URUN" images -q
	assert_eq "$output" ""
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/tmp")" ]
	run "$URUN" pull -q oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
}

@test "a layer whose content does not match the config's diffID is refused" {
	python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/img" wrong-diffid
	run "$URUN" pull oci:"$BATS_TEST_TMPDIR/img"
	[ "$status" -eq 125 ]
	assert_contains "$output" "does not match its diffID"
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
}

@test "hostile layers write nothing outside the layer" {
	local marker="$BATS_TEST_TMPDIR/outside/marker"
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	echo original >"$marker"
	for kind in traversal absolute symlink-escape hardlink-escape whiteout-traversal device proc-write setuid; do
		rm -rf "$BATS_TEST_TMPDIR/img"
		python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/img" "$kind" "$marker"
		run "$URUN" pull oci:"$BATS_TEST_TMPDIR/img"
		echo "# $kind: status $status: ${lines[*]}" >&3
		assert_eq "$(cat "$marker")" "original" "$kind: outside file"
		assert_eq "$(ls -A "$BATS_TEST_TMPDIR/outside")" "marker" "$kind: outside dir"
	done
}

@test "an image's /proc and /dev entries do not reach the container's /proc and /dev" {
	python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/img" proc-write
	"$URUN" pull -q oci:"$BATS_TEST_TMPDIR/img" >/dev/null
	cp "$ROOTFS/bin/busybox" "$BATS_TEST_TMPDIR/busybox"
	run "$URUN" run -v "$BATS_TEST_TMPDIR/busybox:/busybox:ro" localhost/img /busybox sh -c \
		'/busybox cat /proc/sys/kernel/hostname; /busybox head -c 3 /dev/null | /busybox wc -c'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "pwned" ]
	assert_eq "${lines[1]}" "0"
}

@test "two concurrent pulls of one image both succeed and unpack each layer once" {
	"$URUN" --log-level=info pull -q oci:"$IMAGES/layered" >"$BATS_TEST_TMPDIR/a" 2>&1 &
	"$URUN" --log-level=info pull -q oci:"$IMAGES/layered" >"$BATS_TEST_TMPDIR/b" 2>&1 &
	wait %1
	wait %2
	assert_eq "$(cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" | grep -c 'unpacking layer')" "3"
	run "$URUN" run localhost/layered cat /data/keep
	assert_eq "$output" "keep"
}

@test "unshare: a shell in the user namespace sees the store's files as their owners" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	run "$URUN" unshare sh -c 'id -u; stat -c %u "$XDG_DATA_HOME"/urun/layers/*/home/app'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "0"
	if has_subuid; then assert_eq "${lines[1]}" "1000"; fi
}

@test "tag, image inspect, rmi and image prune" {
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/config-image")
	run "$URUN" tag localhost/config-image 127.0.0.1:5000/mine/app:v1
	[ "$status" -eq 0 ]
	run "$URUN" image inspect 127.0.0.1:5000/mine/app:v1
	[ "$status" -eq 0 ]
	assert_contains "$output" "\"Id\":\"$id\""
	assert_contains "$output" "\"localhost/config-image:latest\""
	assert_contains "$output" "\"User\":\"app\""
	assert_contains "$output" "\"WorkingDir\":\"/work\""
	assert_contains "$output" "\"80/tcp\""
	run "$URUN" rmi localhost/config-image
	assert_eq "$output" "Untagged: localhost/config-image:latest"
	# still reachable under the other name; nothing to prune
	run "$URUN" image prune
	assert_eq "$output" "removed 0 unused layers and blobs"
	# the last name takes the layer and blobs with it: nothing left to prune
	run "$URUN" rmi 127.0.0.1:5000/mine/app:v1
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: 127.0.0.1:5000/mine/app:v1
Deleted: $id"
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
	run "$URUN" image prune
	assert_eq "$output" "removed 0 unused layers and blobs"
	run "$URUN" rmi nosuch/image
	[ "$status" -eq 1 ]
	assert_contains "$output" "urun: nosuch/image: image not known"
}

@test "rmi refuses an image a running container uses (status 2); -f removes the container and the layers" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" run localhost/busybox sh -c 'echo ready; sleep 30' >"$BATS_TEST_TMPDIR/out" &
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break; sleep 0.1; done
	run "$URUN" rmi localhost/busybox
	[ "$status" -eq 2 ]
	assert_contains "$output" "image is in use by a container"
	run "$URUN" rmi -f localhost/busybox
	[ "$status" -eq 0 ]
	assert_contains "$output" "Deleted: "
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
	wait %1 || true
}

@test "an image config with 10,000-deep nesting or a 10 MB string is refused cleanly" {
	python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/deep" deep-config
	run "$URUN" pull oci:"$BATS_TEST_TMPDIR/deep"
	[ "$status" -eq 125 ]
	assert_contains "$output" "image config is not valid JSON"
	python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/huge" huge-config
	run "$URUN" pull oci:"$BATS_TEST_TMPDIR/huge"
	[ "$status" -eq 125 ]
	assert_contains "$output" "is larger than 4194304 bytes"
	assert_eq "$("$URUN" images -q)" ""
}

@test "a decompression bomb stops at max_layer_size, cleanly" {
	python3 "$top_srcdir/tests/lib/mkbad.py" "$BATS_TEST_TMPDIR/bomb" bomb
	URUN_MAX_LAYER_SIZE=10M run "$URUN" pull oci:"$BATS_TEST_TMPDIR/bomb"
	[ "$status" -eq 125 ]
	assert_contains "$output" "limit"
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/layers")" ]
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/tmp")" ]
	# with the default limit the same layer (64 MiB) is fine
	run "$URUN" pull -q oci:"$BATS_TEST_TMPDIR/bomb"
	[ "$status" -eq 0 ]
}
