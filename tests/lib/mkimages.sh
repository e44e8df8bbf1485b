#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build small, deterministic test images from the host's static busybox.
# Usage: mkimages.sh OUTDIR   (see tests/fixtures.bats for what it produces)
set -euo pipefail
umask 022
export LC_ALL=C

die() { printf 'mkimages.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkimages.sh OUTDIR"
BUSYBOX=${MKIMAGES_BUSYBOX:-/bin/busybox} # override only to test the static check
SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
NAMES=(busybox layered config-image)
CREATED=1970-01-01T00:00:00Z
IMG_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

for tool in python3 skopeo gzip sha256sum flock; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: install package busybox-static"

# A dynamic busybox would not run inside the images: look for PT_INTERP.
python3 - "$BUSYBOX" <<'EOF' || die "$BUSYBOX is not a static binary: install package busybox-static"
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] != b"\x7fELF":
    sys.exit(1)
is64, end = d[4] == 2, "<" if d[5] == 1 else ">"
if is64:
    phoff, = struct.unpack_from(end + "Q", d, 0x20)
    phentsize, phnum = struct.unpack_from(end + "HH", d, 0x36)
else:
    phoff, = struct.unpack_from(end + "I", d, 0x1c)
    phentsize, phnum = struct.unpack_from(end + "HH", d, 0x2a)
for i in range(phnum):
    if struct.unpack_from(end + "I", d, phoff + i * phentsize)[0] == 3:  # PT_INTERP
        sys.exit(1)
EOF

case "$(uname -m)" in
x86_64) ARCH=amd64 ;;
aarch64 | arm64) ARCH=arm64 ;;
armv7* | armv6* | armhf) ARCH=arm ;;
i?86) ARCH=386 ;;
ppc64le) ARCH=ppc64le ;;
s390x) ARCH=s390x ;;
riscv64) ARCH=riscv64 ;;
*) die "unsupported architecture $(uname -m)" ;;
esac

mkdir -p "$(dirname -- "$1")"
OUTDIR=$(readlink -f -- "$1")
PARENT=$(dirname -- "$OUTDIR")
STAMP_WANT="busybox=$(sha256sum <"$BUSYBOX" | cut -d' ' -f1) script=$(sha256sum <"$SCRIPT" | cut -d' ' -f1)"

stamp_ok() {
	local n
	[ -f "$OUTDIR/.stamp" ] && [ "$(cat "$OUTDIR/.stamp")" = "$STAMP_WANT" ] || return 1
	[ -x "$OUTDIR/busybox-rootfs/bin/busybox" ] || return 1
	for n in "${NAMES[@]}"; do
		[ -f "$OUTDIR/$n/index.json" ] && [ -f "$OUTDIR/$n.docker.tar" ] && [ -f "$OUTDIR/$n.oci.tar" ] || return 1
	done
}
stamp_ok && exit 0

# Serialise concurrent builders (parallel test files share one cache).
exec 9>"$PARENT/.$(basename -- "$OUTDIR").lock"
flock 9
stamp_ok && exit 0

# Under the lock, leftovers of killed builds of this OUTDIR are stale.
rm -rf -- "$PARENT/.$(basename -- "$OUTDIR").tmp."*
TMP=$(mktemp -d "$PARENT/.$(basename -- "$OUTDIR").tmp.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
OUT=$TMP/out WORK=$TMP/work
mkdir -p "$OUT" "$WORK" "$TMP/tmp" "$TMP/home" "$TMP/xdg-data" "$TMP/xdg-config"
mkdir -m 0700 "$TMP/xdg-run"

# --- root filesystem -------------------------------------------------------
ROOTFS=$OUT/busybox-rootfs
mkdir -p "$ROOTFS"/{bin,etc,proc,sys,dev,tmp,root,home/app,work,usr}
chmod 1777 "$ROOTFS/tmp"
chmod 0700 "$ROOTFS/root"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
chmod 0755 "$ROOTFS/bin/busybox"
"$BUSYBOX" --list | while IFS= read -r applet; do
	[ "$applet" = busybox ] || ln -s busybox "$ROOTFS/bin/$applet"
done
ln -s bin "$ROOTFS/sbin"
ln -s ../bin "$ROOTFS/usr/bin"
ln -s ../bin "$ROOTFS/usr/sbin"
printf '#!/bin/sh\necho this file is not executable\n' >"$ROOTFS/bin/not-executable"
chmod 0644 "$ROOTFS/bin/not-executable"
cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:app
app:x:1000:
nogroup:x:65534:
EOF

# Mount points for the files a runtime writes per container, as images have them.
: >"$ROOTFS/etc/hostname"
: >"$ROOTFS/etc/hosts"
: >"$ROOTFS/etc/resolv.conf"

# --- layer tarballs ---------------------------------------------------------
# python3 tarfile instead of GNU tar: exact owners (home/app is 1000:1000)
# without root, mtime 0, no user/group names, sorted entries.
mktar() { # SRCDIR OUT.tar
	python3 - "$1" "$2" <<'EOF'
import os, stat, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
owners = {"home/app": (1000, 1000)}
with open(out, "wb") as f, tarfile.open(fileobj=f, mode="w", format=tarfile.GNU_FORMAT) as t:
    def walk(rel):
        for name in sorted(os.listdir(os.path.join(src, rel))):
            r = os.path.join(rel, name) if rel else name
            p = os.path.join(src, r)
            st = os.lstat(p)
            ti = tarfile.TarInfo(r)
            ti.mtime, ti.uname, ti.gname = 0, "", ""
            ti.uid, ti.gid = owners.get(r, (0, 0))
            ti.mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, os.readlink(p), 0o777
                t.addfile(ti)
            elif stat.S_ISDIR(st.st_mode):
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
                walk(r)
            elif stat.S_ISREG(st.st_mode):
                ti.size = st.st_size
                with open(p, "rb") as fh:
                    t.addfile(ti, fh)
            else:
                sys.exit("unsupported file type: " + p)
    walk("")
EOF
}

mktar "$ROOTFS" "$WORK/base.tar"

L1=$WORK/layer1 L2=$WORK/layer2 L3=$WORK/layer3
cp -a "$ROOTFS" "$L1"
mkdir -p "$L1"/{data,opaque/sub,gone} "$L2"/{data,opaque} "$L3/data"
printf 'keep\n' >"$L1/data/keep"
printf 'remove\n' >"$L1/data/remove-me"
printf 'old1\n' >"$L1/opaque/old1"
printf 'old2\n' >"$L1/opaque/old2"
printf 'old3\n' >"$L1/opaque/sub/old3"
printf 'gone\n' >"$L1/gone/file"
: >"$L2/data/.wh.remove-me"
: >"$L2/opaque/.wh..wh..opq"
printf 'new\n' >"$L2/opaque/new"
printf 'added\n' >"$L3/data/added"
: >"$L3/.wh.gone"
for l in 1 2 3; do mktar "$WORK/layer$l" "$WORK/layer$l.tar"; done

# --- OCI layouts --------------------------------------------------------------
sha() { sha256sum <"$1" | cut -d' ' -f1; }
jstr() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
jarr() {
	local sep='' a
	printf '['
	for a in "$@"; do printf '%s%s' "$sep" "$(jstr "$a")"; sep=,; done
	printf ']'
}

# add_blob LAYOUT FILE: move FILE into the layout; sets DIGEST and SIZE.
add_blob() {
	DIGEST=sha256:$(sha "$2")
	SIZE=$(stat -c %s "$2")
	mv -f "$2" "$1/blobs/sha256/${DIGEST#sha256:}"
}

# make_layout NAME CONFIG_JSON LAYER.tar...
make_layout() {
	local name=$1 cfg=$2 dir=$OUT/$1 tarball diffs='' layers='' history='' sep='' n=0
	shift 2
	mkdir -p "$dir/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	for tarball in "$@"; do
		n=$((n + 1))
		diffs+="$sep\"sha256:$(sha "$tarball")\""
		gzip -n -c "$tarball" >"$WORK/blob"
		add_blob "$dir" "$WORK/blob"
		layers+="$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$DIGEST\",\"size\":$SIZE}"
		history+="$sep{\"created\":\"$CREATED\",\"created_by\":\"tests/lib/mkimages.sh $name layer $n\"}"
		sep=,
	done
	printf '{"created":"%s","architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
		"$CREATED" "$ARCH" "$cfg" "$diffs" "$history" >"$WORK/blob"
	add_blob "$dir" "$WORK/blob"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
		"$DIGEST" "$SIZE" "$layers" >"$WORK/blob"
	add_blob "$dir" "$WORK/blob"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$DIGEST" "$SIZE" >"$dir/index.json"
}

make_layout busybox "{\"Env\":$(jarr "PATH=$IMG_PATH"),\"Cmd\":[\"sh\"]}" "$WORK/base.tar"
make_layout layered "{\"Env\":$(jarr "PATH=$IMG_PATH"),\"Cmd\":[\"sh\"]}" \
	"$WORK/layer1.tar" "$WORK/layer2.tar" "$WORK/layer3.tar"
cfg="{\"User\":\"app\",\"WorkingDir\":\"/work\",\"ExposedPorts\":{\"80/tcp\":{}}"
cfg+=",\"Env\":$(jarr "PATH=$IMG_PATH" URUN_FIXTURE=config-image "GREETING=hello world")"
cfg+=",\"Entrypoint\":$(jarr /bin/sh -c)"
cfg+=",\"Cmd\":$(jarr 'echo entrypoint-ran; id -u; pwd; echo $GREETING')}"
make_layout config-image "$cfg" "$WORK/base.tar"

# --- archives via skopeo (offline); keep its state inside TMP ------------------
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$TMP/policy.json"
skopeo_copy() {
	HOME=$TMP/home TMPDIR=$TMP/tmp XDG_RUNTIME_DIR=$TMP/xdg-run XDG_DATA_HOME=$TMP/xdg-data \
		XDG_CONFIG_HOME=$TMP/xdg-config \
		skopeo --policy "$TMP/policy.json" --tmpdir "$TMP/tmp" copy -q "$@" >/dev/null
}
for name in "${NAMES[@]}"; do
	skopeo_copy "oci:$OUT/$name:latest" "docker-archive:$OUT/$name.docker.tar:urun-test/$name:latest" ||
		die "skopeo copy to docker-archive failed for $name"
	skopeo_copy "oci:$OUT/$name:latest" "oci-archive:$WORK/$name.oci.tar:latest" ||
		die "skopeo copy to oci-archive failed for $name"
	# skopeo stamps the current time on oci-archive entries: repack.
	mkdir "$WORK/oci-$name"
	tar -C "$WORK/oci-$name" -xf "$WORK/$name.oci.tar"
	tar -C "$WORK/oci-$name" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$OUT/$name.oci.tar" blobs index.json oci-layout
done

printf '%s\n' "$STAMP_WANT" >"$OUT/.stamp"

# Swap into place: readers see the old set, nothing, or the complete new set.
if [ -e "$OUTDIR" ]; then
	mv -- "$OUTDIR" "$TMP/old"
fi
mv -- "$OUT" "$OUTDIR"
