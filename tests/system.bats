#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# system.bats: giving space back: rmi (podman's output, statuses and what
# goes from the store), system df (the numbers against the store) and
# system reset (everything goes, even files of subordinate ids).

load lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] && return 0
	fixtures
	stores_begin system
}

teardown_file() {
	stores_end
}

setup() {
	require_unprivileged
	fixtures
	store_per_test
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	STORE="$XDG_DATA_HOME/urun"
}

teardown() {
	"$URUN" rm -af >/dev/null 2>&1 || true
}

count() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

# Content bytes of the store's files (regular files and symlinks), as the
# user namespace sees them.
content_bytes() {
	"$URUN" unshare sh -c 'find "$@" \( -type f -o -type l \) -printf "%s\n"' sh "$@" |
		awk '{ s += $1 } END { print s + 0 }'
}

@test "rmi prints Untagged and Deleted; the image's layers and blobs leave the store" {
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	assert_eq "$(count "$STORE/layers")" 1
	assert_eq "$(count "$STORE/blobs/sha256")" 2
	run "$URUN" rmi localhost/busybox
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: localhost/busybox:latest
Deleted: $id"
	assert_eq "$(count "$STORE/layers")" 0
	assert_eq "$(count "$STORE/blobs/sha256")" 0
	assert_eq "$(count "$STORE/tmp")" 0
	assert_eq "$("$URUN" images -q)" ""
}

@test "rmi keeps a layer another image shares" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/config-image")
	# the same base layer: one directory
	assert_eq "$(count "$STORE/layers")" 1
	run "$URUN" rmi localhost/config-image
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: localhost/config-image:latest
Deleted: $id"
	assert_eq "$(count "$STORE/layers")" 1
	assert_eq "$(count "$STORE/blobs/sha256")" 2
	run "$URUN" run --rm localhost/busybox echo still-runs
	[ "$status" -eq 0 ]
	assert_eq "$output" "still-runs"
}

@test "rmi of one name of several untags it; by id it needs -f, then every name goes" {
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	"$URUN" tag localhost/busybox localhost/second:v1
	run "$URUN" rmi localhost/second:v1
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: localhost/second:v1"
	assert_eq "$(count "$STORE/layers")" 1
	"$URUN" tag localhost/busybox localhost/second:v1
	run "$URUN" rmi "${id:0:12}"
	[ "$status" -eq 125 ]
	assert_eq "${lines[0]}" "urun: unable to delete image \"$id\" by ID with more than one tag ([localhost/busybox:latest localhost/second:v1]): please force removal"
	run "$URUN" rmi -f "${id:0:12}"
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: localhost/busybox:latest
Untagged: localhost/second:v1
Deleted: $id"
	assert_eq "$(count "$STORE/layers")" 0
}

@test "rmi refuses (status 2) an image a kept container uses; -f removes the container too" {
	local id cid
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	"$URUN" run --name keep localhost/busybox true
	cid=$("$URUN" inspect --format '{{.Id}}' keep)
	run "$URUN" rmi localhost/busybox
	[ "$status" -eq 2 ]
	assert_eq "${lines[0]}" "urun: image used by $cid: image is in use by a container"
	assert_eq "$(count "$STORE/layers")" 1
	# a container holds the image's names too: still there
	run "$URUN" images -q
	assert_eq "$output" "${id:0:12}"
	run "$URUN" rmi -f localhost/busybox
	[ "$status" -eq 0 ]
	assert_eq "$output" "Untagged: localhost/busybox:latest
Deleted: $id"
	assert_eq "$("$URUN" ps -aq)" ""
	assert_eq "$(count "$STORE/layers")" 0
	assert_eq "$(count "$STORE/containers")" 0
}

@test "rmi -f kills a running container of the image, then frees the layer" {
	local id
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	"$URUN" run -d --name bg localhost/busybox sleep 300 >/dev/null
	run "$URUN" rmi localhost/busybox
	[ "$status" -eq 2 ]
	run "$URUN" rmi -f localhost/busybox
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" "Deleted: $id"
	assert_eq "$("$URUN" ps -aq)" ""
	assert_eq "$(count "$STORE/layers")" 0
}

@test "rmi of a missing image: status 1; -i and -f ignore it; every image is tried" {
	local id
	run "$URUN" rmi nosuch
	[ "$status" -eq 1 ]
	assert_eq "${lines[0]}" "urun: nosuch: image not known"
	run "$URUN" rmi -i nosuch
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	run "$URUN" rmi -f nosuch
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	id=$("$URUN" pull -q oci:"$IMAGES/busybox")
	run "$URUN" rmi nosuch localhost/busybox
	[ "$status" -eq 1 ]
	assert_eq "${lines[0]}" "Untagged: localhost/busybox:latest"
	assert_eq "${lines[1]}" "Deleted: $id"
	assert_eq "${lines[2]}" "urun: nosuch: image not known"
	run "$URUN" rmi one two
	[ "$status" -eq 1 ]
	assert_eq "$output" "urun: 2 errors occurred:
	* one: image not known
	* two: image not known"
	run "$URUN" rmi
	[ "$status" -eq 125 ]
	assert_eq "${lines[0]}" "urun: rmi: image name or ID must be specified"
}

@test "rmi -a removes every image and its layers; not with names" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" pull -q oci:"$IMAGES/layered" >/dev/null
	run "$URUN" rmi -a localhost/busybox
	[ "$status" -eq 125 ]
	assert_contains "$output" "when using the --all switch, you may not pass any images names or IDs"
	run "$URUN" rmi -a
	[ "$status" -eq 0 ]
	assert_eq "$(grep -c '^Deleted: ' <<<"$output")" 2
	assert_eq "$(count "$STORE/layers")" 0
	assert_eq "$(count "$STORE/blobs/sha256")" 0
}

@test "rmi never touches an image of a read-only store; rmi -a and system df leave it out" {
	local shared="$BATS_TEST_TMPDIR/shared" id
	id=$("$URUN" --root "$shared" pull -q oci:"$IMAGES/busybox")
	export URUN_ADDITIONAL_STORES="$shared"
	run "$URUN" rmi localhost/busybox
	[ "$status" -eq 125 ]
	assert_eq "${lines[0]}" "urun: cannot remove read-only image \"$id\""
	run "$URUN" rmi -a
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	run "$URUN" system df --format '{{.Type}} {{.Total}} {{.RawSize}}'
	assert_eq "${lines[0]}" "Images 0 0"
	assert_eq "$(count "$shared/layers")" 1
	run "$URUN" images -q
	assert_eq "$output" "${id:0:12}"
	"$URUN" --root "$shared" unshare rm -rf "$shared"
}

@test "prune removes what an interrupted removal left in tmp/" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	local hex
	hex=$(ls "$STORE/layers")
	# a layer renamed out of layers/ by a removal that was killed
	mkdir -p "$STORE/tmp/$hex.rm99999/sub"
	echo x >"$STORE/tmp/$hex.rm99999/sub/f"
	run "$URUN" image prune
	[ "$status" -eq 0 ]
	assert_eq "$(count "$STORE/tmp")" 0
	assert_eq "$(count "$STORE/layers")" 1
}

@test "system df: podman's table, and numbers that match the store" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" pull -q oci:"$IMAGES/config-image" >/dev/null
	local layers blobs total
	layers=$(content_bytes "$STORE/layers")
	blobs=$(content_bytes "$STORE/blobs/sha256")
	total=$((layers + blobs))
	run "$URUN" system df --format '{{.Type}} {{.Total}} {{.Active}} {{.RawSize}} {{.RawReclaimable}}'
	[ "$status" -eq 0 ]
	assert_eq "$output" "Images 2 0 $total $total
Containers 0 0 0 0
Local Volumes 0 0 0 0"
	# a kept container of busybox: busybox's layer (shared) and blobs are in use
	"$URUN" run --name keep localhost/busybox sh -c 'head -c 5000 /dev/zero >/data; chown 1000:1000 /data'
	local cfg_blobs ctr ids
	# what would go: config-image's manifest and config (its layer is busybox's too)
	ids=$("$URUN" image inspect localhost/config-image |
		python3 -c 'import json, sys; d = json.load(sys.stdin)[0]; print(d["Id"], d["Digest"][7:])')
	cfg_blobs=$(content_bytes $(for h in $ids; do echo "$STORE/blobs/sha256/$h"; done))
	ctr=$(content_bytes "$STORE/containers")
	[ "$ctr" -ge 5000 ]
	run "$URUN" system df --format '{{.Type}} {{.Total}} {{.Active}} {{.RawSize}} {{.RawReclaimable}}'
	[ "$status" -eq 0 ]
	assert_eq "$output" "Images 2 1 $total $cfg_blobs
Containers 1 0 $ctr $ctr
Local Volumes 0 0 0 0"
	run "$URUN" system df
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE"
	[[ "${lines[1]}" =~ ^Images\ {9}2\ {11}1\ {11}[0-9.]+MB\ +[0-9.]+k?B\ \([0-9]+%\)$ ]]
	[[ "${lines[2]}" =~ ^Containers\ {5}1\ {11}0\ {11}[0-9.]+kB\ +[0-9.]+kB\ \(100%\)$ ]]
	assert_eq "${lines[3]}" "Local Volumes  0           0           0B          0B (0%)"
}

@test "system df -v and --format json" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" run --name keep localhost/busybox true
	run "$URUN" system df -v
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "Images space usage:"
	[[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
	[[ "${lines[2]}" =~ ^localhost/busybox\ +latest\ +[0-9a-f]{12}\ .*\ 1$ ]]
	assert_eq "${lines[3]}" "Containers space usage:"
	[[ "${lines[5]}" =~ ^[0-9a-f]{12}\ +[0-9a-f]{12}\ +true\ +0\ .*\ exited\ +keep$ ]]
	assert_eq "${lines[6]}" "Local Volumes space usage:"
	assert_eq "${lines[7]}" "VOLUME NAME  LINKS       SIZE"
	run "$URUN" system df --format json
	[ "$status" -eq 0 ]
	run python3 -c 'import json, sys; d = json.load(sys.stdin); print(" ".join("%s:%d:%d" % (r["Type"], r["Total"], r["TotalCount"]) for r in d))' <<<"$output"
	assert_eq "$output" "Images:1:1 Containers:1:1 Local Volumes:0:0"
	run "$URUN" system df -v --format json
	[ "$status" -eq 125 ]
	assert_contains "$output" "cannot combine --format and --verbose flags"
	run "$URUN" system df extra
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`urun system df\` takes no arguments"
}

@test "system reset --force: no store, no runtime dir, no container left, even with files of subordinate ids" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" run --name keep localhost/busybox sh -c 'mkdir /d; echo x >/d/f; chown -R 1000:1000 /d; chmod 700 /d'
	"$URUN" run -d --name bg localhost/busybox sleep 300 >/dev/null
	local pid
	pid=$("$URUN" inspect --format '{{.State.Pid}}' bg)
	kill -0 "$pid"
	if has_subuid; then
		# files the user cannot remove directly: rm -rf fails on them
		[ "$(stat -c %u "$STORE"/layers/*/home/app)" != "$(id -u)" ]
		run rm -rf "$STORE/containers"
		[ "$status" -ne 0 ]
	fi
	run "$URUN" system reset --force
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
	[ ! -e "$STORE" ]
	[ ! -e "$XDG_RUNTIME_DIR/urun" ]
	! kill -0 "$pid" 2>/dev/null
	# and urun starts from nothing again
	run "$URUN" images -q
	[ "$status" -eq 0 ]
	assert_eq "$output" ""
}

@test "system reset asks: n keeps everything, no answer is status 1, y removes" {
	"$URUN" pull -q oci:"$IMAGES/busybox" >/dev/null
	"$URUN" run --name keep localhost/busybox true
	local prompt="WARNING! This will remove:
        - all containers
        - all images
        - the image store: \"$STORE\"
        - the runtime directory: \"$XDG_RUNTIME_DIR/urun\"
Are you sure you want to continue? [y/N] "
	run bash -c "echo n | '$URUN' system reset"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$prompt"
	assert_eq "$(count "$STORE/layers")" 1
	assert_eq "$("$URUN" ps -a --format '{{.Names}}')" "keep"
	run bash -c "'$URUN' system reset </dev/null"
	[ "$status" -eq 1 ]
	assert_contains "$output" "urun: system reset: no answer on standard input: nothing was removed"
	assert_eq "$(count "$STORE/layers")" 1
	run bash -c "echo y | '$URUN' system reset"
	[ "$status" -eq 0 ]
	[ ! -e "$STORE" ]
	[ ! -e "$XDG_RUNTIME_DIR/urun" ]
}

@test "system: usage errors as podman's" {
	run "$URUN" system
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: missing command 'urun system COMMAND'"
	run "$URUN" system bogus
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: unrecognized command \`urun system bogus\`"
	run "$URUN" system reset extra
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`urun system reset\` takes no arguments"
	run "$URUN" system reset --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "Usage: urun system reset [-f]"
}
