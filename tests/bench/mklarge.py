#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the benchmark's large 3-layer OCI image layout.

  mklarge.py base BASE.tar.gz             host fallback: a base layer from copies
                                           of the host's /usr/share and /usr/lib
                                           (plus busybox as /bin), ~230 MB
  mklarge.py layout BASE.tar.gz LAYOUTDIR  layout = BASE (layer 1) + two small
                                           generated layers, tag "latest"

Layer 2 adds /opt/bench-app (about 1,500 small text files and a 4 MiB binary
blob); layer 3 is tiny: a release file, a changed config and a whiteout.
Everything but the base tarball is deterministic (fixed seed, mtime 0).
"""
import gzip
import hashlib
import io
import json
import os
import platform
import random
import shutil
import stat
import sys
import tarfile
import zlib

ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
          "s390x": "s390x", "riscv64": "riscv64", "i686": "386"}
WORDS = ("container layer image overlay mount namespace user group kernel runtime "
         "registry manifest digest config rootless start pull unpack tar gzip file "
         "directory process signal memory network bench debian bookworm").split()


def tinfo(name, kind, mode, size=0, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.size, ti.linkname = kind, mode, size, linkname
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 0, 0, 0, "", ""
    return ti


def add_dir(t, name, mode=0o755):
    t.addfile(tinfo(name, tarfile.DIRTYPE, mode))


def add_file(t, name, data, mode=0o644):
    t.addfile(tinfo(name, tarfile.REGTYPE, mode, len(data)), io.BytesIO(data))


def layer2():
    rnd = random.Random(20240801)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        add_dir(t, "opt")
        add_dir(t, "opt/bench-app")
        for d in range(30):
            dname = "opt/bench-app/d%02d" % d
            add_dir(t, dname)
            for f in range(50):
                n = rnd.randint(200, 8000)
                words = []
                size = 0
                while size < n:
                    w = rnd.choice(WORDS)
                    words.append(w)
                    size += len(w) + 1
                add_file(t, "%s/f%04d.txt" % (dname, f), (" ".join(words) + "\n").encode())
        add_file(t, "opt/bench-app/blob.bin", rnd.randbytes(4 << 20))
        add_file(t, "opt/bench-app/config.json", b'{"version": 1}\n')
        add_dir(t, "opt/bench-app/bin")
        add_file(t, "opt/bench-app/bin/app", b"#!/bin/sh\necho bench-app\n", 0o755)
    return buf.getvalue()


def layer3():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        add_dir(t, "etc")
        add_file(t, "etc/bench-release", b"urun benchmark image, layer 3\n")
        add_dir(t, "opt")
        add_dir(t, "opt/bench-app")
        add_file(t, "opt/bench-app/config.json", b'{"version": 2}\n')
        add_dir(t, "opt/bench-app/d00")
        add_file(t, "opt/bench-app/d00/.wh.f0000.txt", b"")
    return buf.getvalue()


def sha256_file(path, decompress=False):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if decompress:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while chunk := f.read(1 << 20):
                h.update(d.decompress(chunk))
            h.update(d.flush())
        else:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return h.hexdigest()


def make_layout(base, out):
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    blobs = os.path.join(tmp, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        dg = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, dg), "wb") as f:
            f.write(data)
        return dg, len(data)

    layers, diffs = [], []
    # Layer 1: the base tarball as it is (already gzip).
    dg = sha256_file(base)
    shutil.copyfile(base, os.path.join(blobs, dg))
    layers.append((dg, os.path.getsize(base)))
    diffs.append(sha256_file(base, decompress=True))
    for raw in (layer2(), layer3()):
        diffs.append(hashlib.sha256(raw).hexdigest())
        layers.append(put(gzip.compress(raw, compresslevel=6, mtime=0)))

    arch = ARCHES.get(platform.machine(), platform.machine())
    cfg = {
        "created": "1970-01-01T00:00:00Z", "architecture": arch, "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diffs]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "urun bench layer %d" % i}
                    for i in (1, 2, 3)],
    }
    cdg, csize = put(json.dumps(cfg, separators=(",", ":")).encode())
    man = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + cdg, "size": csize},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": "sha256:" + d, "size": s} for d, s in layers],
    }
    mdg, msize = put(json.dumps(man, separators=(",", ":")).encode())
    idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": "sha256:" + mdg, "size": msize,
                          "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
    with open(os.path.join(tmp, "index.json"), "w") as f:
        json.dump(idx, f)
    with open(os.path.join(tmp, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    # What the image holds, for the report: entries and bytes once unpacked.
    entries = files = size = 0
    for dg, _ in layers:
        with tarfile.open(os.path.join(blobs, dg), "r|gz") as t:
            for m in t:
                entries += 1
                if m.isreg():
                    files += 1
                    size += m.size
    info = {"layers": len(layers), "compressed_bytes": sum(s for _, s in layers),
            "layer_bytes": [s for _, s in layers], "entries": entries,
            "regular_files": files, "file_bytes": size}
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    with open(out + ".info.json", "w") as f:
        json.dump(info, f)
    print("large image: %d layers, %.1f MB compressed, %d entries, %.1f MB in %d files"
          % (len(layers), info["compressed_bytes"] / 1e6, entries, size / 1e6, files))


def make_host_base(out, busybox="/bin/busybox", budget=230_000_000):
    """Fallback base layer: busybox as /bin plus host /usr/share, /usr/lib files
    (sorted, until about `budget` bytes), all owned by root."""
    total = 0
    tmp = out + ".tmp"
    with open(tmp, "wb") as fh:
        gz = gzip.GzipFile(fileobj=fh, mode="wb", compresslevel=6, mtime=0)
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as t:
            for d in ("bin", "dev", "etc", "proc", "sys", "tmp", "root", "usr", "var", "var/tmp"):
                add_dir(t, d, 0o1777 if d in ("tmp", "var/tmp") else 0o755)
            with open(busybox, "rb") as f:
                add_file(t, "bin/busybox", f.read(), 0o755)
            for applet in ("sh", "find", "wc", "true", "sleep", "mkdir", "seq", "cat", "ls", "rm"):
                t.addfile(tinfo("bin/" + applet, tarfile.SYMTYPE, 0o777, linkname="busybox"))
            add_file(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
            add_file(t, "etc/group", b"root:x:0:\n")
            for top in ("/usr/share", "/usr/lib"):
                for root, dirs, files in os.walk(top):
                    dirs.sort()
                    rel = root.lstrip("/")
                    st = os.lstat(root)
                    add_dir(t, rel, stat.S_IMODE(st.st_mode) | 0o700)
                    for name in sorted(files):
                        p = os.path.join(root, name)
                        try:
                            st = os.lstat(p)
                            if stat.S_ISLNK(st.st_mode):
                                t.addfile(tinfo(os.path.join(rel, name), tarfile.SYMTYPE, 0o777,
                                                linkname=os.readlink(p)))
                            elif stat.S_ISREG(st.st_mode):
                                with open(p, "rb") as f:
                                    add_file(t, os.path.join(rel, name), f.read(),
                                             stat.S_IMODE(st.st_mode))
                                total += st.st_size
                        except OSError:
                            continue
                        if total >= budget:
                            break
                    if total >= budget:
                        break
                if total >= budget:
                    break
        gz.close()
    os.rename(tmp, out)
    print("host fallback base: %.1f MB of host files" % (total / 1e6))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "base":
        make_host_base(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "layout":
        make_layout(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
