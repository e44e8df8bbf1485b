#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkbad.py OUTDIR KIND: write an OCI layout whose one layer is hostile.

KINDs: traversal, absolute, symlink-escape, hardlink-escape, device,
whiteout-traversal, proc-write, setuid, bomb, tampered-config, wrong-diffid,
big-bomb (mkbad.py OUTDIR big-bomb MIB: one file of MIB MiB of zeros, default
256, made as a stream so the test needs no memory of that size).
The layer also carries a busybox-free marker file so a contained result
is visible. Deterministic, stdlib only."""
import gzip, hashlib, io, json, os, sys, tarfile, zlib

out, kind = sys.argv[1], sys.argv[2]
outside = sys.argv[3] if len(sys.argv) > 3 else "/tmp/urun-outside-marker"


def ti(name, typ=tarfile.REGTYPE, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.type = typ
    t.size = len(data) if typ == tarfile.REGTYPE else 0
    t.mode = kw.pop("mode", 0o644)
    t.mtime = 0
    for k, v in kw.items():
        setattr(t, k, v)
    return t, (io.BytesIO(data) if typ == tarfile.REGTYPE else None)


entries = [ti("marker", data=b"contained\n")]
if kind == "traversal":
    entries.append(ti("../../../../../../.." + outside, data=b"escaped\n"))
elif kind == "absolute":
    entries.append(ti(outside, data=b"escaped\n"))
elif kind == "symlink-escape":
    entries.append(ti("esc", tarfile.SYMTYPE, linkname=os.path.dirname(outside)))
    entries.append(ti("esc/" + os.path.basename(outside), data=b"escaped\n"))
elif kind == "hardlink-escape":
    entries.append(ti("hl", tarfile.LNKTYPE, linkname=outside))
elif kind == "device":
    entries.append(ti("dev-null", tarfile.CHRTYPE, devmajor=1, devminor=3))
    entries.append(ti("dev-sda", tarfile.BLKTYPE, devmajor=8, devminor=0))
elif kind == "whiteout-traversal":
    entries.append(ti("x/.wh.../../..", data=b""))
elif kind == "proc-write":
    entries.append(ti("proc/sys/kernel/hostname", data=b"pwned\n"))
    entries.append(ti("dev/null", data=b"not a device\n"))
elif kind == "setuid":
    entries.append(ti("suid", data=b"#!/bin/sh\n", mode=0o4755))
elif kind == "bomb":
    entries.append(ti("zeros", data=b"\0" * (64 << 20)))
os.makedirs(out + "/blobs/sha256", exist_ok=True)


class Zeros:
    def __init__(self, n):
        self.n = n

    def read(self, k=-1):
        k = self.n if k < 0 else min(k, self.n)
        self.n -= k
        return bytes(k)


class GzipHashWriter:
    """Compresses (gzip, mtime 0) into a file, hashing what goes in and out."""
    def __init__(self, f):
        self.f, self.z = f, zlib.compressobj(9, zlib.DEFLATED, 31)
        self.raw, self.gz = hashlib.sha256(), hashlib.sha256()
        self.size = 0

    def put(self, c):
        self.gz.update(c)
        self.size += len(c)
        self.f.write(c)

    def write(self, b):
        self.raw.update(b)
        self.put(self.z.compress(b))
        return len(b)

    def close(self):
        self.put(self.z.flush())


if kind == "big-bomb":
    size = int(sys.argv[3] if len(sys.argv) > 3 else 256) << 20
    tmp = out + "/blobs/layer.tmp"
    with open(tmp, "wb") as f:
        w = GzipHashWriter(f)
        with tarfile.open(fileobj=w, mode="w|", format=tarfile.PAX_FORMAT) as tf:
            for t, fo in entries:
                tf.addfile(t, fo)
            t = tarfile.TarInfo("zeros")
            t.size, t.mode, t.mtime = size, 0o644, 0
            tf.addfile(t, Zeros(size))
        w.close()
    diff_id = "sha256:" + w.raw.hexdigest()
    os.rename(tmp, out + "/blobs/sha256/" + w.gz.hexdigest())
    layer_blob = ("sha256:" + w.gz.hexdigest(), w.size)
else:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, f in entries:
            tf.addfile(t, f)
    tar = buf.getvalue()
    gz = gzip.compress(tar, mtime=0)
    diff_id = "sha256:" + hashlib.sha256(tar).hexdigest()
    layer_blob = None
if kind == "wrong-diffid":
    diff_id = "sha256:" + "0" * 64


def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


ld, ls = layer_blob or blob(gz)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/marker"]},
                     "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
if kind == "deep-config":
    config = config[:-1] + b', "x": ' + b"[" * 10000 + b"]" * 10000 + b"}"
elif kind == "huge-config":
    config = config[:-1] + b', "x": "' + b"A" * (10 << 20) + b'"}'
elif kind == "deep-manifest":
    pass
cd, cs = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                   "digest": ld, "size": ls}]}).encode()
md, ms = blob(manifest)
if kind == "tampered-config":
    with open(f"{out}/blobs/sha256/{cd[7:]}", "ab") as f:
        f.write(b" ")
with open(out + "/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(out + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                   "digest": md, "size": ms,
                                                   "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
