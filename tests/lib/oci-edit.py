#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# oci-edit.py LAYOUT EDIT...: change the image of an OCI layout (its first
# manifest) in place; new blobs are added, index.json follows the new digest.
#   --created VALUE        the config's "created" (any string, valid or not)
#   --no-created           drop the config's "created"
#   --append-layers OTHER  add the layers of layout OTHER on top (blobs copied)
import hashlib
import json
import os
import shutil
import sys


def blob_path(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def read_json(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return json.load(f)


def first_manifest(layout):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    return index, read_json(layout, index["manifests"][0]["digest"])


def put(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return digest, len(data)


layout, edits = sys.argv[1], sys.argv[2:]
index, manifest = first_manifest(layout)
config = read_json(layout, manifest["config"]["digest"])
while edits:
    op = edits.pop(0)
    if op == "--created":
        config["created"] = edits.pop(0)
    elif op == "--no-created":
        config.pop("created", None)
    elif op == "--append-layers":
        other = edits.pop(0)
        _, om = first_manifest(other)
        oc = read_json(other, om["config"]["digest"])
        for layer in om["layers"]:
            if not os.path.exists(blob_path(layout, layer["digest"])):
                shutil.copyfile(blob_path(other, layer["digest"]), blob_path(layout, layer["digest"]))
        manifest["layers"] += om["layers"]
        config["rootfs"]["diff_ids"] += oc["rootfs"]["diff_ids"]
        config["history"] = config.get("history", []) + oc.get("history", [])
    else:
        sys.exit("oci-edit.py: unknown edit " + op)
manifest["config"]["digest"], manifest["config"]["size"] = put(layout, json.dumps(config).encode())
index["manifests"][0]["digest"], index["manifests"][0]["size"] = put(layout, json.dumps(manifest).encode())
with open(os.path.join(layout, "index.json"), "w") as f:
    json.dump(index, f)
