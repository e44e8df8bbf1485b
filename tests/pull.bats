#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# pull.bats: `urun pull`, `urun run` and `urun login` against a real
# docker-registry on loopback: end to end, with auth, and killed mid-pull.

load lib/common
bats_require_minimum_version 1.5.0

LIB="$BATS_TEST_DIRNAME/lib"

setup_file() {
	[ "$(id -u)" != 0 ] || return 0
	fixtures
	export PLAIN="$BATS_FILE_TMPDIR/plain"
	REG=$("$LIB/registry.sh" start "$PLAIN")
	export REG
	"$LIB/registry.sh" push "$PLAIN" "$IMAGES" >/dev/null
	stores_begin pull
}

teardown_file() {
	[ -z "${PLAIN:-}" ] || "$LIB/registry.sh" stop "$PLAIN"
	stores_end
}

setup() {
	require_unprivileged
	store_per_test
	export HOME="$BATS_TEST_TMPDIR/home" XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	export XDG_CONFIG_HOME="$HOME/.config"
	mkdir -p "$HOME" && mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
	unset REGISTRY_AUTH_FILE DOCKER_CONFIG
}

teardown() {
	local d
	for j in $(jobs -p); do kill -KILL "$j" 2>/dev/null || true; done
	if [ -f "$BATS_TEST_TMPDIR/registries" ]; then
		while read -r d; do "$LIB/registry.sh" stop "$d" || true; done <"$BATS_TEST_TMPDIR/registries"
	fi
}

@test "pull from a registry on loopback (plain HTTP), then run it" {
	run "$URUN" pull "$REG/urun-test/busybox"
	[ "$status" -eq 0 ]
	assert_contains "$output" "pulled $REG/urun-test/busybox:latest: 1 layers"
	run "$URUN" run "$REG/urun-test/busybox" sh -c 'echo $((6*7))'
	[ "$status" -eq 0 ]
	assert_eq "$output" "42"
	run "$URUN" images --format json
	assert_contains "$output" "$REG/urun-test/busybox:latest"
}

@test "run pulls a missing image by itself; layered whiteouts over the registry too" {
	run "$URUN" run "$REG/urun-test/layered" sh -c 'ls /data | tr "\n" " "; ls -A /opaque'
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" "added keep new"
}

@test "a pull counts the bytes it transfers; an image already there is up to date, and run says nothing" {
	local mb
	mb=$(python3 -c 'import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]["digest"][7:]
print("%.1f" % (json.load(open(d + "/blobs/sha256/" + m))["layers"][0]["size"] / 1e6))' "$IMAGES/busybox")
	[ "$mb" != 0.0 ]
	run --separate-stderr "$URUN" pull "$REG/urun-test/busybox"
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "pulled $REG/urun-test/busybox:latest: 1 layers, $mb MB in "
	# config-image has busybox's one layer: its config and manifest are all that move
	run --separate-stderr "$URUN" pull "$REG/urun-test/config-image"
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "pulled $REG/urun-test/config-image:latest: 1 layers (1 already in the store), 0.0 MB in "
	local id
	id=$output
	run --separate-stderr "$URUN" pull "$REG/urun-test/config-image"
	[ "$status" -eq 0 ]
	assert_eq "$stderr" "$REG/urun-test/config-image:latest is up to date"
	assert_eq "$output" "$id"
	run --separate-stderr "$URUN" run --rm --pull=always "$REG/urun-test/busybox" true
	[ "$status" -eq 0 ]
	assert_eq "$stderr" ""
}

@test "pull by digest; a wrong digest is refused" {
	local d
	d=$(python3 -c "import json; print(json.load(open('$IMAGES/busybox/index.json'))['manifests'][0]['digest'])")
	run "$URUN" pull -q "$REG/urun-test/busybox@$d"
	[ "$status" -eq 0 ]
	run "$URUN" pull "$REG/urun-test/busybox@sha256:$(printf '%064d' 0)"
	[ "$status" -eq 125 ]
}

@test "an unknown image is a clear error and leaves the store empty" {
	run "$URUN" pull "$REG/urun-test/nosuch:1"
	[ "$status" -eq 125 ]
	assert_contains "$output" "not found"
	assert_eq "$("$URUN" images -q)" ""
}

@test "login with htpasswd Basic auth, pull, logout" {
	"$LIB/registry.sh" htpasswd "$BATS_TEST_TMPDIR/htpasswd" alice s3cret
	local dir="$BATS_TEST_TMPDIR/basic"
	mkdir -p "$dir" && cp -a "$PLAIN/storage" "$dir/storage"
	echo "$dir" >>"$BATS_TEST_TMPDIR/registries"
	local reg
	reg=$(REGISTRY_HTPASSWD="$BATS_TEST_TMPDIR/htpasswd" "$LIB/registry.sh" start "$dir")
	run "$URUN" pull "$reg/urun-test/busybox"
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun login $reg"
	run "$URUN" login -u alice -p wrong "$reg"
	[ "$status" -eq 125 ]
	run bash -c "echo s3cret | '$URUN' login -u alice --password-stdin $reg"
	[ "$status" -eq 0 ]
	assert_contains "$output" "Login Succeeded"
	[ "$(stat -c %a "$XDG_RUNTIME_DIR/containers/auth.json")" = 600 ]
	run "$URUN" pull -q "$reg/urun-test/busybox"
	[ "$status" -eq 0 ]
	run "$URUN" logout "$reg"
	[ "$status" -eq 0 ]
	run "$URUN" rmi "$reg/urun-test/busybox"
	[ "$status" -eq 0 ]
	run "$URUN" pull "$reg/urun-test/busybox"
	[ "$status" -eq 125 ]
	assert_contains "$output" "authentication required"
}

@test "a pull killed with SIGKILL at random points leaves a consistent store; the next pull completes" {
	local i
	for i in 1 2 3 4 5 6; do
		"$URUN" pull -q "$REG/urun-test/layered" >/dev/null 2>&1 &
		local pid=$!
		sleep "0.0$((RANDOM % 9))"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		# whatever happened, the store reads back, and every listed image runs
		run "$URUN" images -q
		[ "$status" -eq 0 ]
		if [ -n "$output" ]; then
			run "$URUN" run --pull=never "$REG/urun-test/layered" cat /data/keep
			assert_eq "$output" "keep"
		fi
	done
	run "$URUN" pull -q "$REG/urun-test/layered"
	[ "$status" -eq 0 ]
	run "$URUN" run --pull=never "$REG/urun-test/layered" cat /data/added
	assert_eq "$output" "added"
	# no half-unpacked layer is left once a pull finished
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/tmp")" ]
}

@test "progress bars on a terminal, one line per image otherwise, only the id with -q" {
	command -v script >/dev/null || skip "script(1) missing"
	run script -qc "'$URUN' pull $REG/urun-test/layered" /dev/null
	[ "$status" -eq 0 ]
	assert_contains "$output" "MB/s"
	"$URUN" rmi "$REG/urun-test/layered" >/dev/null
	run --separate-stderr "$URUN" pull "$REG/urun-test/layered"
	[[ "$stderr" != *"MB/s"* ]]
	assert_eq "$(printf '%s\n' "$stderr" | grep -c .)" "1"
	run --separate-stderr "$URUN" pull -q "$REG/urun-test/layered"
	assert_eq "$stderr" ""
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
}

@test "an index with two platforms: the host's by default, another with --platform" {
	local arch a b asz bsz
	case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	local sk=(skopeo --policy "$PLAIN/policy.json" --tmpdir "$BATS_TEST_TMPDIR")
	[ -f "$PLAIN/policy.json" ] || echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$PLAIN/policy.json"
	"${sk[@]}" copy -q --dest-tls-verify=false --preserve-digests "oci:$IMAGES/busybox:latest" "docker://$REG/urun-test/multi:a"
	"${sk[@]}" copy -q --dest-tls-verify=false --preserve-digests "oci:$IMAGES/config-image:latest" "docker://$REG/urun-test/multi:b"
	python3 - "$IMAGES" "$REG" "$arch" <<'PY'
import json, os, sys, urllib.request
images, reg, arch = sys.argv[1:]
def desc(name):
    d = json.load(open(f"{images}/{name}/index.json"))["manifests"][0]["digest"]
    return d, os.path.getsize(f"{images}/{name}/blobs/sha256/{d[7:]}")
(a, asz), (b, bsz) = desc("busybox"), desc("config-image")
m = "application/vnd.oci.image.manifest.v1+json"
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": m, "digest": b, "size": bsz, "platform": {"architecture": "s390x", "os": "linux"}},
    {"mediaType": m, "digest": a, "size": asz, "platform": {"architecture": arch, "os": "linux"}}]}).encode()
req = urllib.request.Request(f"http://{reg}/v2/urun-test/multi/manifests/multi", data=idx, method="PUT",
                             headers={"Content-Type": "application/vnd.oci.image.index.v1+json"})
urllib.request.urlopen(req).read()
PY
	run "$URUN" pull -q "$REG/urun-test/multi:multi"
	[ "$status" -eq 0 ]
	run "$URUN" image inspect "$REG/urun-test/multi:multi"
	assert_contains "$output" "\"User\":\"\""
	run "$URUN" pull -q --platform linux/s390x "$REG/urun-test/multi:multi"
	[ "$status" -eq 0 ]
	run "$URUN" image inspect "$REG/urun-test/multi:multi"
	assert_contains "$output" "\"User\":\"app\""
	run "$URUN" pull --platform linux/mips64le "$REG/urun-test/multi:multi"
	[ "$status" -eq 125 ]
	assert_contains "$output" "no image for linux/mips64le in the index (it has: linux/s390x, linux/$arch)"
}
