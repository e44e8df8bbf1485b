#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# load.bats: `urun load` (oci-archive and docker-archive, plain, compressed or on stdin) and
# `urun import` (a root filesystem tarball as a one-layer image), hostile archives included.

load lib/common
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] && return 0
	fixtures
	stores_begin load
}

teardown_file() {
	stores_end
}

setup() {
	require_unprivileged
	fixtures
	# a store per test: tests must not see each other's images
	store_per_test
	# archives are extracted under TMPDIR: keep it per test, to see what is left there
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir -p "$TMPDIR"
}

# mkarchive KIND OUT: a docker-archive or oci-archive made from the busybox fixtures.
#   evil       busybox.docker.tar plus a `../evil` member
#   multi      two images: one with two RepoTags (its layer listed through a symlink, as
#              old `docker save` deduplicates), one untagged
#   oci-link   an oci-archive holding a symlink
mkarchive() {
	python3 - "$IMAGES" "$1" "$2" <<'EOF'
import io, json, sys, tarfile
images, kind, out = sys.argv[1:4]

def add(o, name, data=b"", typ=tarfile.REGTYPE, link=""):
    t = tarfile.TarInfo(name)
    t.type, t.linkname, t.mtime = typ, link, 0
    t.size = len(data) if typ == tarfile.REGTYPE else 0
    o.addfile(t, io.BytesIO(data) if typ == tarfile.REGTYPE else None)

src = tarfile.open(images + "/busybox.docker.tar")
man = json.load(src.extractfile("manifest.json"))[0]
config = src.extractfile(man["Config"]).read()
layer = src.extractfile(man["Layers"][0]).read()
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as o:
    if kind == "evil":
        for m in src.getmembers():
            o.addfile(m, src.extractfile(m) if m.isfile() else None)
        add(o, "../evil", b"escaped\n")
    elif kind == "multi":
        add(o, "a/layer.tar", layer)
        add(o, "b/layer.tar", typ=tarfile.SYMTYPE, link="../a/layer.tar")
        add(o, "config.json", config)
        add(o, "manifest.json", json.dumps([
            {"Config": "config.json", "RepoTags": ["busybox:latest", "example.com/team/bb:2"],
             "Layers": ["a/layer.tar"]},
            {"Config": "config.json", "RepoTags": None, "Layers": ["b/layer.tar"]}]).encode())
    elif kind == "oci-link":
        add(o, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(o, "index.json", b'{"schemaVersion":2,"manifests":[]}')
        add(o, "blobs/sha256/" + "a" * 64, typ=tarfile.SYMTYPE, link="/etc/passwd")
EOF
}

# The number of layers of the image NAME, from the store's records.
layer_count() {
	python3 -c 'import json, sys
imgs = json.load(open(sys.argv[1]))["images"]
print([len(i["layers"]) for i in imgs if i["name"] == sys.argv[2]][0])' "$XDG_DATA_HOME/urun/images.json" "$1"
}

@test "load a docker-archive: named by its RepoTags, runs as root inside" {
	run "$URUN" load -i "$IMAGES/busybox.docker.tar"
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" "Loaded image: docker.io/urun-test/busybox:latest"
	run "$URUN" run docker.io/urun-test/busybox:latest id -u
	[ "$status" -eq 0 ]
	assert_eq "$output" "0"
	run "$URUN" images
	assert_contains "${lines[1]}" "docker.io/urun-test/busybox"
	assert_contains "${lines[1]}" "latest"
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "load an oci-archive (--input): named localhost/BASENAME, whiteouts give the right view" {
	run "$URUN" load -q --input "$IMAGES/layered.oci.tar"
	[ "$status" -eq 0 ]
	assert_eq "$output" "Loaded image: localhost/layered:latest"
	run "$URUN" run localhost/layered sh -c 'ls /data | tr "\n" " "; echo; ls -A /opaque | tr "\n" " "; echo; ls -d /gone 2>&1; true'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "added keep "
	assert_eq "${lines[1]}" "new "
	assert_contains "${lines[2]}" "No such file"
	[ -z "$(find "$XDG_DATA_HOME/urun/layers" -name '.wh.*')" ]
}

@test "load a gzip-compressed docker-archive" {
	gzip -c "$IMAGES/layered.docker.tar" >"$BATS_TEST_TMPDIR/layered.tar.gz"
	run "$URUN" load -i "$BATS_TEST_TMPDIR/layered.tar.gz"
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" "Loaded image: docker.io/urun-test/layered:latest"
	run "$URUN" run docker.io/urun-test/layered cat /data/keep /data/added
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "keep added"
}

@test "load from standard input, redirected or piped" {
	run "$URUN" load -q <"$IMAGES/config-image.docker.tar"
	[ "$status" -eq 0 ]
	assert_eq "$output" "Loaded image: docker.io/urun-test/config-image:latest"
	run "$URUN" run docker.io/urun-test/config-image
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "entrypoint-ran 1000 /work hello world"
	# a pipe is copied to a temp file first; an unnamed oci-archive gets localhost/stdin
	run bash -c 'cat "$IMAGES/busybox.oci.tar" | "$URUN" load -q'
	[ "$status" -eq 0 ]
	assert_eq "$output" "Loaded image: localhost/stdin:latest"
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "a docker-archive with several images and tags records every name" {
	mkarchive multi "$BATS_TEST_TMPDIR/multi.tar"
	run "$URUN" load -q -i "$BATS_TEST_TMPDIR/multi.tar"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "Loaded image: docker.io/library/busybox:latest"
	assert_eq "${lines[1]}" "Loaded image: example.com/team/bb:2"
	assert_eq "${lines[2]}" "Loaded image: localhost/multi:latest"
	run "$URUN" run example.com/team/bb:2 true
	[ "$status" -eq 0 ]
}

@test "a tar that is neither archive format: exit 125, says why, stores nothing" {
	mkdir -p "$BATS_TEST_TMPDIR/x"
	echo hello >"$BATS_TEST_TMPDIR/x/file"
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/x.tar" .
	cd "$BATS_TEST_TMPDIR"
	run "$URUN" load -i x.tar
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`x.tar\` is neither an oci-archive (no oci-layout) nor a docker-archive (no manifest.json)"
	assert_contains "$output" "hint: "
	assert_contains "$output" "urun import"
	run "$URUN" images -q
	assert_eq "$output" ""
	# not a tar at all, and a compression urun does not read
	run "$URUN" load -i /etc/passwd
	[ "$status" -eq 125 ]
	assert_contains "$output" "Unrecognized archive format"
	printf '\xfd7zXZ\0rest' >"$BATS_TEST_TMPDIR/x.tar.xz"
	run "$URUN" load -i "$BATS_TEST_TMPDIR/x.tar.xz"
	[ "$status" -eq 125 ]
	assert_contains "$output" "compressed with xz"
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "a docker-archive with a ../evil member is refused and writes nothing outside" {
	mkarchive evil "$BATS_TEST_TMPDIR/evil.tar"
	# ../evil from the extraction directory would land in TMPDIR itself
	export TMPDIR="$BATS_TEST_TMPDIR/tmp/deeper"
	mkdir -p "$TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	run "$URUN" load -i "$BATS_TEST_TMPDIR/evil.tar"
	[ "$status" -eq 125 ]
	assert_contains "$output" "\`../evil\`, which points outside the archive"
	[ -z "$(find "$BATS_TEST_TMPDIR" "$XDG_DATA_HOME" -name evil)" ]
	[ -z "$(ls -A "$TMPDIR")" ]
	run "$URUN" images -q
	assert_eq "$output" ""
}

@test "an oci-archive holding a link is refused" {
	mkarchive oci-link "$BATS_TEST_TMPDIR/link.tar"
	run "$URUN" load -i "$BATS_TEST_TMPDIR/link.tar"
	[ "$status" -eq 125 ]
	assert_contains "$output" "an oci-archive has none"
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "import a root filesystem tarball: one layer, localhost/BASENAME, runs" {
	tar -C "$ROOTFS" -c . >"$BATS_TEST_TMPDIR/rootfs.tar"
	run "$URUN" import "$BATS_TEST_TMPDIR/rootfs.tar"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^[0-9a-f]{64}$ ]]
	local id=${lines[-1]}
	run "$URUN" images --format json
	assert_contains "$output" "\"Id\":\"$id\""
	run "$URUN" images
	assert_contains "${lines[1]}" "localhost/rootfs"
	assert_contains "${lines[1]}" "${id:0:12}"
	assert_eq "$(layer_count localhost/rootfs:latest)" "1"
	run "$URUN" run localhost/rootfs cat /etc/passwd
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "root:x:0:0:root:/root:/bin/sh"
	# the image PATH docker and podman give imported images
	run "$URUN" run "${id:0:12}" sh -c 'echo $PATH'
	assert_eq "$output" "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

@test "import with a name, compressed, and from standard input" {
	tar -C "$ROOTFS" -c . | gzip >"$BATS_TEST_TMPDIR/rootfs.tgz"
	run "$URUN" import -q "$BATS_TEST_TMPDIR/rootfs.tgz" myimage:1.0
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	# a short name goes under localhost/, as podman names local images
	run "$URUN" run localhost/myimage:1.0 cat /etc/group
	[ "$status" -eq 0 ]
	assert_contains "$output" "app:x:1000:"
	assert_eq "$(layer_count localhost/myimage:1.0)" "1"
	run "$URUN" import -q - registry.example.com/team/rootfs:2 <"$BATS_TEST_TMPDIR/rootfs.tgz"
	[ "$status" -eq 0 ]
	run "$URUN" run registry.example.com/team/rootfs:2 true
	[ "$status" -eq 0 ]
}

@test "import refuses what is not a tarball and names that are not names" {
	run "$URUN" import /etc/passwd
	[ "$status" -eq 125 ]
	assert_contains "$output" "is not a tar archive"
	assert_contains "$output" "hint: "
	tar -C "$ROOTFS" -cf "$BATS_TEST_TMPDIR/rootfs.tar" etc
	run "$URUN" import "$BATS_TEST_TMPDIR/rootfs.tar" Bad
	[ "$status" -eq 125 ]
	assert_contains "$output" "must be lowercase"
	run "$URUN" images -q
	assert_eq "$output" ""
}

@test "load and import: --help, bad options and arguments" {
	run "$URUN" load --help
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "Usage: urun load"
	run "$URUN" import --help
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "Usage: urun import"
	run "$URUN" load --frobnicate
	[ "$status" -eq 125 ]
	assert_contains "$output" "unknown or incomplete option \`--frobnicate\`"
	assert_contains "$output" "urun load --help"
	run "$URUN" load some.tar
	[ "$status" -eq 125 ]
	assert_contains "$output" "-i FILE"
	run "$URUN" import
	[ "$status" -eq 125 ]
	assert_contains "$output" "Usage: urun import"
	run "$URUN" load -i "$BATS_TEST_TMPDIR/missing.tar"
	[ "$status" -eq 125 ]
	assert_contains "$output" "No such file or directory"
}
