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

# A copy of fixture layout $1 at $BATS_TEST_TMPDIR/$2 that tests may edit.
layout_copy() {
	cp -a "$IMAGES/$1" "$BATS_TEST_TMPDIR/$2"
	chmod -R u+w "$BATS_TEST_TMPDIR/$2"
}

@test "an image already in the store: run says nothing about pulling; pull says it is up to date" {
	run --separate-stderr "$URUN" run --rm oci:"$IMAGES/busybox" true
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "pulled localhost/busybox:latest: 1 layers, "
	run --separate-stderr "$URUN" run --rm oci:"$IMAGES/busybox" true
	[ "$status" -eq 0 ]
	assert_eq "$stderr" ""
	# on a terminal: no progress bar either
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" run --rm oci:"$IMAGES/busybox" true
	assert_eq "$output" "restored 0"
	# the pull verb: the id on stdout, as podman prints it each time, and one line
	run --separate-stderr "$URUN" pull oci:"$IMAGES/busybox"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "localhost/busybox:latest is up to date"
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	run --separate-stderr "$URUN" pull -q oci:"$IMAGES/busybox"
	assert_eq "$stderr" ""
	# a layout that changed is read again: a new config, nothing else to transfer
	layout_copy busybox busybox2
	python3 "$top_srcdir/tests/lib/oci-edit.py" "$BATS_TEST_TMPDIR/busybox2" --created 2001-02-03T04:05:06Z
	mv "$BATS_TEST_TMPDIR/busybox2" "$BATS_TEST_TMPDIR/busybox"
	run --separate-stderr "$URUN" run --rm oci:"$BATS_TEST_TMPDIR/busybox" true
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "pulled localhost/busybox:latest: 1 layers (1 already in the store), 0.0 MB in "
}

@test "a pull's summary and progress count only the layers it transfers" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	# busybox's layer, then layered's three
	layout_copy busybox combo
	python3 "$top_srcdir/tests/lib/oci-edit.py" "$BATS_TEST_TMPDIR/combo" --append-layers "$IMAGES/layered"
	local sizes want all
	sizes=$(python3 -c 'import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]["digest"][7:]
print(" ".join(str(l["size"]) for l in json.load(open(d + "/blobs/sha256/" + m))["layers"]))' "$BATS_TEST_TMPDIR/combo")
	read -r -a sizes <<<"$sizes"
	want=$(awk -v a="${sizes[1]}" -v b="${sizes[2]}" -v c="${sizes[3]}" 'BEGIN { printf "%.1f", (a + b + c) / 1e6 }')
	all=$(awk -v a="${sizes[0]}" -v b="$want" 'BEGIN { printf "%.1f", a / 1e6 + b }')
	[ "$want" != "$all" ]
	run --separate-stderr "$URUN" pull oci:"$BATS_TEST_TMPDIR/combo"
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "pulled localhost/combo:latest: 4 layers (1 already in the store), $want MB in "
	# on a terminal: the layer already there has a line without bytes or rate
	export XDG_DATA_HOME="$BATS_TEST_TMPDIR/store2"
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	local base
	base=$(python3 -c 'import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]["digest"][7:]
print(json.load(open(d + "/blobs/sha256/" + m))["layers"][0]["digest"][:19])' "$IMAGES/busybox")
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" pull oci:"$BATS_TEST_TMPDIR/combo"
	assert_contains "$output" "$base already in the store"
	assert_contains "$output" "MB/s done"
	[ "$(grep -c "^.*$base.*MB" <<<"$output")" = 0 ]
	assert_contains "$output" "pulled localhost/combo:latest: 4 layers (1 already in the store), $want MB in "
}

@test "images shows when the image was built (the config's created, as podman); inspect keeps when it was stored" {
	local t0 sec created
	t0=$(date +%s)
	# 3 years and 100 days ago, written at +02:00 with a fraction
	sec=$((t0 - (3 * 365 + 100) * 86400))
	created="$(date -u -d "@$((sec + 7200))" +%Y-%m-%dT%H:%M:%S).250000000+02:00"
	layout_copy busybox dated
	python3 "$top_srcdir/tests/lib/oci-edit.py" "$BATS_TEST_TMPDIR/dated" --created "$created"
	"$URUN" pull -q oci:"$BATS_TEST_TMPDIR/dated" >/dev/null
	# the fixture's created is the epoch
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	run "$URUN" images
	[ "$status" -eq 0 ]
	assert_contains "$(grep localhost/dated <<<"$output")" " 3 years ago "
	assert_contains "$(grep localhost/busybox <<<"$output")" " $((t0 / 86400 / 365)) years ago "
	run "$URUN" images --format json
	local json
	json=$(python3 -c 'import json, sys
for i in json.load(sys.stdin):
    print(i["Names"][0], i["Created"], i["CreatedAt"])' <<<"$output")
	assert_contains "$json" "localhost/dated:latest $sec $(date -u -d "@$sec" +%Y-%m-%dT%H:%M:%SZ)"
	assert_contains "$json" "localhost/busybox:latest 0 1970-01-01T00:00:00Z"
	# inspect: the config's time as it is written (Go drops the zeros), and when stored
	run "$URUN" image inspect localhost/dated
	[ "$status" -eq 0 ]
	assert_contains "$output" "\"Created\":\"${created%.*}.25+02:00\""
	[[ "$output" =~ \"Stored\":([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge "$t0" ]
}

@test "an image config without created, or with garbage in it: listed with when it was stored, never an error" {
	local t0 kind
	t0=$(date +%s)
	for kind in none garbage; do
		layout_copy busybox "$kind"
		if [ "$kind" = none ]; then
			python3 "$top_srcdir/tests/lib/oci-edit.py" "$BATS_TEST_TMPDIR/$kind" --no-created
		else
			python3 "$top_srcdir/tests/lib/oci-edit.py" "$BATS_TEST_TMPDIR/$kind" --created "last tuesday"
		fi
		run "$URUN" pull -q oci:"$BATS_TEST_TMPDIR/$kind"
		[ "$status" -eq 0 ]
		run "$URUN" image inspect "localhost/$kind"
		[ "$status" -eq 0 ]
		assert_contains "$output" "\"Created\":null"
	done
	run "$URUN" images
	[ "$status" -eq 0 ]
	assert_eq "$(grep -c ' ago ' <<<"$output")" 2
	run "$URUN" images --format json
	[ "$status" -eq 0 ]
	python3 -c 'import json, sys
t0 = int(sys.argv[1])
assert all(t0 <= i["Created"] <= t0 + 600 for i in json.load(sys.stdin))' "$t0" <<<"$output"
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

# busybox_with_env OUT PY-EXPR: a copy of the busybox layout whose config's Env
# gets the entries of the Python list PY-EXPR appended.
busybox_with_env() {
	python3 - "$IMAGES/busybox" "$1" "$2" <<'EOF'
import hashlib, json, shutil, sys
src, out, expr = sys.argv[1:]
shutil.copytree(src, out)
def rd(d):
    return open(f"{out}/blobs/sha256/{d[7:]}", "rb").read()
def wr(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return "sha256:" + d, len(data)
idx = json.load(open(f"{out}/index.json"))
man = json.loads(rd(idx["manifests"][0]["digest"]))
cfg = json.loads(rd(man["config"]["digest"]))
cfg["config"]["Env"] += eval(expr)
man["config"]["digest"], man["config"]["size"] = wr(json.dumps(cfg).encode())
idx["manifests"][0]["digest"], idx["manifests"][0]["size"] = wr(json.dumps(man).encode())
json.dump(idx, open(f"{out}/index.json", "w"))
EOF
}

@test "an image Env of 1,500 entries arrives whole; --env-file and -e win by name, the later one" {
	busybox_with_env "$BATS_TEST_TMPDIR/img" '[f"E{i}=image{i}" for i in range(1, 1501)]'
	printf 'E1500=file\nE7=file\n' >"$BATS_TEST_TMPDIR/env"
	run "$URUN" run -e MINE=one --env-file "$BATS_TEST_TMPDIR/env" -e E7=cli -e MINE=two \
		oci:"$BATS_TEST_TMPDIR/img" sh -c 'echo $E1 $E7 $E1499 $E1500 $MINE; env | grep -c "^E[0-9]*="'
	[ "$status" -eq 0 ]
	assert_eq "${lines[-2]}" "image1 cli image1499 file two"
	assert_eq "${lines[-1]}" "1500"
}

@test "a 3 MB Env value is reported as the kernel's E2BIG, exit 126, not as a missing command" {
	busybox_with_env "$BATS_TEST_TMPDIR/img" '["BIG=" + "a" * 3000000]'
	"$URUN" pull -q oci:"$BATS_TEST_TMPDIR/img" >/dev/null
	local cmd
	for cmd in sh /bin/sh; do
		run -126 "$URUN" run localhost/img "$cmd" -c true
		assert_contains "$output" "urun: the environment and arguments are too large for the kernel (E2BIG): "
		assert_contains "$output" "the longest, \`BIG\`, has 3000005"
		assert_contains "$output" "hint: one variable or argument may hold 128 KiB"
	done
}
