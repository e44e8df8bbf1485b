#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Test fixtures: tests/lib/mkimages.sh images and the tests/lib/registry.sh registry.

bats_require_minimum_version 1.5.0

NAMES="busybox layered config-image"
IMG_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

setup_file() {
	export LIB="$BATS_TEST_DIRNAME/lib"
	export IMAGES="${URUN_TEST_CACHE:-$BATS_TMPDIR/urun-cache}/images"
	export REGDIR="$BATS_FILE_TMPDIR/registry"
	export AUTHREGDIR="$BATS_FILE_TMPDIR/registry-auth"
	export SKDIR="$BATS_FILE_TMPDIR/skopeo"
	mkdir -p "$SKDIR/home" "$SKDIR/tmp"
	mkdir -p -m 0700 "$SKDIR/run"
	"$LIB/mkimages.sh" "$IMAGES"
	REGISTRY=$("$LIB/registry.sh" start "$REGDIR")
	export REGISTRY
}

teardown_file() {
	"$LIB/registry.sh" stop "$AUTHREGDIR"
	"$LIB/registry.sh" stop "$REGDIR"
}

# skopeo with its state kept out of the (possibly unwritable) HOME.
sk() {
	HOME=$SKDIR/home XDG_RUNTIME_DIR=$SKDIR/run XDG_DATA_HOME=$SKDIR/home \
		XDG_CONFIG_HOME=$SKDIR/home TMPDIR=$SKDIR/tmp skopeo "$@"
}

# json EXPR: evaluate a python expression over the JSON document d on stdin.
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

manifest_digest() { json "d['manifests'][0]['digest']" <"$IMAGES/$1/index.json"; }

blob() { echo "$IMAGES/$1/blobs/sha256/${2#sha256:}"; }

# layer_digests NAME: compressed layer digests, one a line.
layer_digests() { json "'\n'.join(l['digest'] for l in d['layers'])" <"$(blob "$1" "$(manifest_digest "$1")")"; }

expected_arch() {
	case "$(uname -m)" in
	x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;;
	esac
}

registry_running() { # PID DIR
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ] && tr '\0' '\n' <"/proc/$1/cmdline" | grep -qxF "$2/config.yml"
}

@test "mkimages.sh: exact output set, cached re-run is a no-op" {
	run env LC_ALL=C ls -A "$IMAGES"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' .stamp busybox busybox-rootfs busybox.docker.tar busybox.oci.tar \
		config-image config-image.docker.tar config-image.oci.tar \
		layered layered.docker.tar layered.oci.tar)" ]
	local n want
	for n in $NAMES; do
		[ "$(LC_ALL=C ls -A "$IMAGES/$n")" = "$(printf '%s\n' blobs index.json oci-layout)" ]
		[ "$(cat "$IMAGES/$n/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ]
		[ "$(json "d['manifests'][0]['annotations']['org.opencontainers.image.ref.name']" <"$IMAGES/$n/index.json")" = latest ]
	done
	[ "$(ls "$IMAGES/busybox/blobs/sha256" | wc -l)" -eq 3 ]
	[ "$(ls "$IMAGES/config-image/blobs/sha256" | wc -l)" -eq 3 ]
	[ "$(ls "$IMAGES/layered/blobs/sha256" | wc -l)" -eq 5 ]
	want="busybox=$(sha256sum </bin/busybox | cut -d' ' -f1) script=$(sha256sum <"$LIB/mkimages.sh" | cut -d' ' -f1)"
	[ "$(cat "$IMAGES/.stamp")" = "$want" ]
	local inode
	inode=$(stat -c %i "$IMAGES")
	run "$LIB/mkimages.sh" "$IMAGES"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(stat -c %i "$IMAGES")" = "$inode" ]
}

@test "mkimages.sh: refuses a dynamic busybox, naming busybox-static" {
	run env MKIMAGES_BUSYBOX=/bin/bash "$LIB/mkimages.sh" "$BATS_TEST_TMPDIR/out/images"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a static binary: install package busybox-static"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/out/images" ]
}

@test "busybox-rootfs: applets, users, groups, modes" {
	local r=$IMAGES/busybox-rootfs a
	[ -f "$r/bin/busybox" ]
	[ ! -L "$r/bin/busybox" ]
	[ -x "$r/bin/busybox" ]
	cmp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || [ "$(readlink "$r/bin/$a")" = busybox ]
	done
	[ "$(readlink "$r/sbin")" = bin ]
	[ "$(readlink "$r/usr/bin")" = ../bin ]
	[ "$(readlink "$r/usr/sbin")" = ../bin ]
	[ "$(cat "$r/etc/passwd")" = "root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false" ]
	[ "$(cat "$r/etc/group")" = "root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:app
app:x:1000:
nogroup:x:65534:" ]
	[ "$(stat -c %a "$r/tmp")" = 1777 ]
	[ "$(stat -c %a "$r/root")" = 700 ]
	[ "$(stat -c %a "$r/bin/not-executable")" = 644 ]
	[ "$(head -n1 "$r/bin/not-executable")" = "#!/bin/sh" ]
	for a in proc sys dev tmp root home/app work; do
		[ -d "$r/$a" ]
		[ -z "$(ls -A "$r/$a")" ]
	done
	[ "$(LC_ALL=C ls -A "$r")" = "$(printf '%s\n' bin dev etc home proc root sbin sys tmp usr work)" ]
	[ "$(LC_ALL=C ls -A "$r/etc")" = "$(printf '%s\n' group hostname hosts passwd resolv.conf)" ]
}

@test "OCI layouts: skopeo inspect, digests, layer counts, blob integrity" {
	local n d layers f
	for n in $NAMES; do
		run sk inspect "oci:$IMAGES/$n:latest"
		[ "$status" -eq 0 ]
		[ "$(json "d['Digest']" <<<"$output")" = "$(manifest_digest "$n")" ]
		[ "$(json "d['Architecture']" <<<"$output")" = "$(expected_arch)" ]
		[ "$(json "d['Os']" <<<"$output")" = linux ]
		[ "$(json "d['Created']" <<<"$output")" = 1970-01-01T00:00:00Z ]
		layers=$(json "len(d['Layers'])" <<<"$output")
		case $n in layered) [ "$layers" -eq 3 ] ;; *) [ "$layers" -eq 1 ] ;; esac
		# every blob is named by its sha256
		for f in "$IMAGES/$n"/blobs/sha256/*; do
			[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ]
		done
	done
	# busybox and config-image share the identical layer
	[ "$(layer_digests busybox)" = "$(layer_digests config-image)" ]
}

@test "OCI layers: owners, mtimes, whiteouts, opaque markers" {
	local l1 l2 l3
	{ read -r l1; read -r l2; read -r l3; } < <(layer_digests layered)
	run python3 - "$(blob busybox "$(layer_digests busybox)")" <<'EOF'
import sys, tarfile
for m in tarfile.open(sys.argv[1]):
    want = (1000, 1000) if m.name == "home/app" else (0, 0)
    assert (m.uid, m.gid, m.mtime, m.uname, m.gname) == want + (0, "", ""), m.name
print("ok")
EOF
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	tar -tzf "$(blob layered "$l1")" >"$BATS_TEST_TMPDIR/l1"
	for f in data/keep data/remove-me opaque/old1 opaque/old2 opaque/sub/old3 gone/file bin/busybox etc/passwd; do
		grep -qxF "$f" "$BATS_TEST_TMPDIR/l1"
	done
	[ "$(tar -xOzf "$(blob layered "$l1")" data/keep)" = keep ]
	[ "$(tar -tzf "$(blob layered "$l2")")" = "$(printf '%s\n' data/ data/.wh.remove-me opaque/ opaque/.wh..wh..opq opaque/new)" ]
	[ "$(tar -xOzf "$(blob layered "$l2")" opaque/new)" = new ]
	[ "$(tar -xOzf "$(blob layered "$l2")" data/.wh.remove-me | wc -c)" -eq 0 ]
	[ "$(tar -tzf "$(blob layered "$l3")")" = "$(printf '%s\n' .wh.gone data/ data/added)" ]
	[ "$(tar -xOzf "$(blob layered "$l3")" data/added)" = added ]
}

@test "image configs: config-image User/WorkingDir/Entrypoint/Cmd/Env, busybox Cmd" {
	run sk inspect --config "oci:$IMAGES/config-image:latest"
	[ "$status" -eq 0 ]
	local c=$output
	[ "$(json "d['config']['User']" <<<"$c")" = app ]
	[ "$(json "d['config']['WorkingDir']" <<<"$c")" = /work ]
	[ "$(json "json.dumps(d['config']['Entrypoint'])" <<<"$c")" = '["/bin/sh", "-c"]' ]
	[ "$(json "json.dumps(d['config']['Cmd'])" <<<"$c")" = '["echo entrypoint-ran; id -u; pwd; echo $GREETING"]' ]
	[ "$(json "json.dumps(d['config']['Env'])" <<<"$c")" = "[\"PATH=$IMG_PATH\", \"URUN_FIXTURE=config-image\", \"GREETING=hello world\"]" ]
	[ "$(json "json.dumps(d['config']['ExposedPorts'])" <<<"$c")" = '{"80/tcp": {}}' ]
	local n
	for n in busybox layered; do
		run sk inspect --config "oci:$IMAGES/$n:latest"
		[ "$status" -eq 0 ]
		[ "$(json "json.dumps(d['config'], sort_keys=True)" <<<"$output")" = "{\"Cmd\": [\"sh\"], \"Env\": [\"PATH=$IMG_PATH\"]}" ]
		[ "$(json "len(d['rootfs']['diff_ids']) == len(d['history'])" <<<"$output")" = True ]
	done
}

@test "archives: docker-archive and oci-archive readable by skopeo" {
	local n layers
	for n in $NAMES; do
		case $n in layered) layers=3 ;; *) layers=1 ;; esac
		run sk inspect "docker-archive:$IMAGES/$n.docker.tar"
		[ "$status" -eq 0 ]
		[ "$(json "len(d['Layers'])" <<<"$output")" -eq "$layers" ]
		[ "$(tar -xOf "$IMAGES/$n.docker.tar" manifest.json | json "d[0]['RepoTags']")" = "['docker.io/urun-test/$n:latest']" ]
		run sk inspect "oci-archive:$IMAGES/$n.oci.tar:latest"
		[ "$status" -eq 0 ]
		[ "$(json "d['Digest']" <<<"$output")" = "$(manifest_digest "$n")" ]
	done
	run sk inspect --config "docker-archive:$IMAGES/config-image.docker.tar"
	[ "$status" -eq 0 ]
	[ "$(json "d['config']['User'] + ' ' + d['config']['WorkingDir']" <<<"$output")" = "app /work" ]
}

@test "registry: push all layouts, registry serves the same manifest digests" {
	[[ "$REGISTRY" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$(cat "$REGDIR/port")" = "${REGISTRY#127.0.0.1:}" ]
	registry_running "$(cat "$REGDIR/pid")" "$REGDIR"
	run "$LIB/registry.sh" push "$REGDIR" "$IMAGES"
	[ "$status" -eq 0 ]
	[ "$output" = "$(for n in $NAMES; do echo "$REGISTRY/urun-test/$n:latest"; done)" ]
	local n
	for n in $NAMES; do
		run sk inspect --tls-verify=false "docker://$REGISTRY/urun-test/$n:latest"
		[ "$status" -eq 0 ]
		[ "$(json "d['Digest']" <<<"$output")" = "$(manifest_digest "$n")" ]
	done
	run sk inspect --tls-verify=false --raw "docker://$REGISTRY/urun-test/layered:latest"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$(blob layered "$(manifest_digest layered)")")" ]
}

@test "registry: htpasswd auth and TLS" {
	command -v openssl >/dev/null || skip "openssl not installed"
	local d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	"$LIB/registry.sh" htpasswd "$d/htpasswd" tester 's3cret pw'
	run env REGISTRY_HTPASSWD="$d/htpasswd" REGISTRY_TLS_CERT="$d/cert.pem" REGISTRY_TLS_KEY="$d/key.pem" \
		"$LIB/registry.sh" start "$AUTHREGDIR"
	[ "$status" -eq 0 ]
	local addr=$output
	[ "$(cat "$AUTHREGDIR/url")" = "https://$addr" ]
	run python3 - "https://$addr/v2/" <<'EOF'
import ssl, sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], context=ssl._create_unverified_context()).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
	[ "$output" = 401 ]
	run "$LIB/registry.sh" push "$AUTHREGDIR" "$IMAGES"
	[ "$status" -ne 0 ]
	[[ "$output" == *"pushing busybox failed"* ]]
	run env REGISTRY_CREDS='tester:s3cret pw' "$LIB/registry.sh" push "$AUTHREGDIR" "$IMAGES"
	[ "$status" -eq 0 ]
	run sk inspect --tls-verify=false --creds 'tester:s3cret pw' "docker://$addr/urun-test/config-image:latest"
	[ "$status" -eq 0 ]
	[ "$(json "d['Digest']" <<<"$output")" = "$(manifest_digest config-image)" ]
	run sk inspect --tls-verify=false "docker://$addr/urun-test/config-image:latest"
	[ "$status" -ne 0 ]
	"$LIB/registry.sh" stop "$AUTHREGDIR"
}

@test "registry.sh stop: process gone, pid file removed, second stop is a no-op" {
	local pid
	pid=$(cat "$REGDIR/pid")
	registry_running "$pid" "$REGDIR"
	run "$LIB/registry.sh" stop "$REGDIR"
	[ "$status" -eq 0 ]
	[ ! -e "$REGDIR/pid" ]
	run ! registry_running "$pid" "$REGDIR"
	# gone, or at most a zombie not yet reaped by init
	if kill -0 "$pid" 2>/dev/null; then [ "$(cut -d' ' -f3 "/proc/$pid/stat")" = Z ]; fi
	run "$LIB/registry.sh" stop "$REGDIR"
	[ "$status" -eq 0 ]
}

# make check runs every suite through tests/lib/test-env.sh: what a test sees
# is that documented list (plus what bats and the suites set themselves),
# never the caller's shell. PYTHONUNBUFFERED in a CI root shell once hid a
# failure that every newcomer hit.
@test "the suites run in a clean environment, not the caller's" {
	local name bad=""
	for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
		case "$name" in
		HOME | USER | LOGNAME | PATH | LANG | TERM | XDG_RUNTIME_DIR) ;;
		top_srcdir | top_builddir | URUN | URUN_INIT | URUN_PROBE | URUN_TEST_CACHE) ;;
		BATS_* | PWD | OLDPWD | SHLVL | _) ;;        # bats and the shell
		LIB | IMAGES | REGDIR | AUTHREGDIR | SKDIR | REGISTRY | AUTHREGISTRY) ;; # this file's setup_file
		*) bad="$bad $name" ;;
		esac
	done
	[ -z "$bad" ] || { echo "# variables from outside the documented list:$bad" >&2; false; }
	[[ "$PATH" == *"/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" ]] # bats puts its own first
	[ "$HOME" = "$(getent passwd "$(id -u)" | cut -d: -f6)" ]
	[ "$LANG" = C.UTF-8 ]
	# the failure it hid: a Python print before os._exit, read through a pipe
	run bash -c "python3 -c 'import os; print(\"flushed?\"); os._exit(0)' | cat"
	[ -z "$output" ] || { echo "# python3 stdout on a pipe is not block-buffered, as for a newcomer" >&2; false; }
}
