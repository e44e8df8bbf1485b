#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bad-registry.py: a small registry that misbehaves on purpose, for tests/registry.bats.

    bad-registry.py MODE LAYOUT STATEDIR

Serves the OCI layout LAYOUT (a tests/lib/mkimages.sh image) as REPO:latest for any REPO on
127.0.0.1, and misbehaves as MODE says. Writes STATEDIR/port when listening (and
STATEDIR/other-port for the second host of redirect-other-host) and logs one JSON line per
request to STATEDIR/requests.log: host, method, path, whether Authorization was sent, Range.
Stdlib only. Modes:

  ok                   a correct registry (control)
  endless-manifest     the manifest never ends (no Content-Length)
  endless-blob         layer blobs never end (no Content-Length)
  trickle              the manifest comes one byte every half second
  silent               requests are read and never answered
  redirect-loop        the manifest redirects to itself
  auth-loop            token auth whose tokens the registry always refuses
  big-manifest         the manifest announces 5 MiB (Content-Length) and sends little
  wrong-length         blobs announce more bytes than their descriptor says
  short-body           blobs stop halfway and the connection closes; no ranges
  resume               the first blob answer stops halfway; ranges are honoured (206)
  restart              like resume, but the server ignores the Range header (200 again)
  redirect-other-host  token auth; blobs redirect to 127.0.0.2, which logs the Authorization
  redirect-same-host   token auth; blobs redirect to /cdn/ on this host, which demands it
  token-expiry         token auth; each token is accepted for two requests only
  schema1              the manifest is docker schema 1
  digest-header        Docker-Content-Digest does not match the manifest
  flaky                the first two manifest requests answer 503
  rate-limit           the first manifest request answers 429 with Retry-After: 1
  rate-limit-hard      every manifest request answers 429 with Retry-After: 3600
"""
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE, LAYOUT, STATE = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
COUNTS = {}
TOKENS = {}  # token -> uses left (None: unlimited)
TOKEN_SEQ = [0]
PORTS = {}


def count(key):
    with LOCK:
        COUNTS[key] = COUNTS.get(key, 0) + 1
        return COUNTS[key]


def log(handler, extra=None):
    rec = {
        "host": handler.server.server_address[0],
        "method": handler.command,
        "path": handler.path,
        "auth": handler.headers.get("Authorization") is not None,
        "range": handler.headers.get("Range"),
    }
    if extra:
        rec.update(extra)
    with LOCK, open(os.path.join(STATE, "requests.log"), "a") as f:
        f.write(json.dumps(rec) + "\n")


def blob_path(digest):
    algo, _, hexd = digest.partition(":")
    if algo != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", hexd):
        return None
    p = os.path.join(LAYOUT, "blobs", "sha256", hexd)
    return p if os.path.exists(p) else None


with open(os.path.join(LAYOUT, "index.json")) as f:
    MANIFEST_DIGEST = json.load(f)["manifests"][0]["digest"]
with open(blob_path(MANIFEST_DIGEST), "rb") as f:
    MANIFEST = f.read()
MANIFEST_TYPE = json.loads(MANIFEST).get("mediaType", "application/vnd.oci.image.manifest.v1+json")

SCHEMA1 = json.dumps({
    "schemaVersion": 1, "name": "urun-test/busybox", "tag": "latest", "architecture": "amd64",
    "fsLayers": [{"blobSum": "sha256:" + "0" * 64}], "history": [{"v1Compatibility": "{}"}],
    "signatures": [],
}).encode()

TOKEN_MODES = ("auth-loop", "redirect-other-host", "redirect-same-host", "token-expiry")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=None, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, ecode, msg, headers=None):
        body = json.dumps({"errors": [{"code": ecode, "message": msg}]}).encode()
        self.send(code, body, headers)

    def challenge(self):
        port = self.server.server_address[1]
        self.error(401, "UNAUTHORIZED", "authentication required", {
            "WWW-Authenticate":
                f'Bearer realm="http://127.0.0.1:{port}/token",service="bad-registry"'})

    def token_ok(self):
        """Check the bearer token; False after answering 401."""
        if MODE not in TOKEN_MODES:
            return True
        h = self.headers.get("Authorization", "")
        tok = h[len("Bearer "):] if h.startswith("Bearer ") else None
        with LOCK:
            ok = tok in TOKENS and MODE != "auth-loop"
            if ok and TOKENS[tok] is not None:
                ok = TOKENS[tok] > 0
                TOKENS[tok] -= 1
        if not ok:
            self.challenge()
        return ok

    def stream_forever(self, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b" " * 65536
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:
            pass

    def do_GET(self):
        log(self)
        path = self.path.split("?", 1)[0]
        if path == "/token":
            return self.do_token()
        if path == "/v2/" or path == "/v2":
            if MODE in TOKEN_MODES and not self.token_ok():
                return
            return self.send(200, b"{}")
        m = re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", path)
        if m:
            return self.do_manifest(m.group(2))
        m = re.fullmatch(r"/v2/(.+)/blobs/([^/]+)", path)
        if m:
            return self.do_blob(m.group(2))
        m = re.fullmatch(r"/cdn/([^/]+)", path)
        if m:
            if MODE == "redirect-same-host" and not self.headers.get("Authorization"):
                return self.error(401, "UNAUTHORIZED", "the CDN wants the token too")
            return self.do_blob(m.group(1), direct=True)
        self.error(404, "NOT_FOUND", "no such path")

    def do_token(self):
        with LOCK:
            TOKEN_SEQ[0] += 1
            tok = f"tok-{TOKEN_SEQ[0]}"
            TOKENS[tok] = 2 if MODE == "token-expiry" else None
        self.send(200, json.dumps({"token": tok, "expires_in": 300}).encode())

    def do_manifest(self, ref):
        if not self.token_ok():
            return
        n = count("manifest")
        if MODE == "endless-manifest":
            return self.stream_forever(MANIFEST_TYPE)
        if MODE == "silent":
            time.sleep(3600)
            return
        if MODE == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", MANIFEST_TYPE)
            self.send_header("Content-Length", str(len(MANIFEST)))
            self.end_headers()
            try:
                for b in MANIFEST:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
            return
        if MODE == "redirect-loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if MODE == "big-manifest":
            self.send_response(200)
            self.send_header("Content-Type", MANIFEST_TYPE)
            self.send_header("Content-Length", str(5 << 20))
            self.end_headers()
            try:
                self.wfile.write(b"{")
                self.wfile.flush()
                time.sleep(30)
            except OSError:
                pass
            self.close_connection = True
            return
        if MODE == "schema1":
            return self.send(200, SCHEMA1,
                             ctype="application/vnd.docker.distribution.manifest.v1+prettyjws")
        if MODE == "flaky" and n <= 2:
            return self.error(503, "UNAVAILABLE", "try again")
        if (MODE == "rate-limit" and n == 1) or MODE == "rate-limit-hard":
            return self.error(429, "TOOMANYREQUESTS", "You have reached your pull rate limit", {
                "Retry-After": "1" if MODE == "rate-limit" else "3600",
                "RateLimit-Limit": "100;w=21600", "RateLimit-Remaining": "0;w=21600"})
        if ref == "latest" or ref == MANIFEST_DIGEST:
            digest = MANIFEST_DIGEST
            if MODE == "digest-header":
                digest = "sha256:" + hashlib.sha256(b"something else").hexdigest()
            return self.send(200, MANIFEST, {"Docker-Content-Digest": digest},
                             ctype=MANIFEST_TYPE)
        self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")

    def do_blob(self, digest, direct=False):
        if not direct and not self.token_ok():
            return
        p = blob_path(digest)
        if not p:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        with open(p, "rb") as f:
            data = f.read()
        is_layer = digest != MANIFEST_DIGEST and len(data) > 4096  # configs are small
        if not direct and is_layer and MODE == "redirect-other-host":
            port = PORTS["other"]
            return self.send(307, b"", {"Location": f"http://127.0.0.2:{port}/cdn/{digest}"})
        if not direct and is_layer and MODE == "redirect-same-host":
            return self.send(307, b"", {"Location": f"/cdn/{digest}"})
        if is_layer and MODE == "endless-blob":
            return self.stream_forever("application/octet-stream")
        if is_layer and MODE == "wrong-length":
            return self.send(200, data + b"\0" * 1000, ctype="application/octet-stream")
        n = count("blob " + digest) if is_layer else 0
        half = len(data) // 2
        rng = self.headers.get("Range")
        if is_layer and MODE in ("short-body", "resume", "restart") and (
                MODE == "short-body" or n == 1):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            if MODE != "short-body":
                self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(data[:half])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if rng and MODE == "resume":
            m = re.fullmatch(r"bytes=(\d+)-", rng)
            start = int(m.group(1)) if m else 0
            body = data[start:]
            return self.send(206, body, {
                "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                ctype="application/octet-stream")
        self.send(200, data, ctype="application/octet-stream")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients hanging up on misbehaviour is the point, not news


def serve(host, name):
    srv = Server((host, 0), Handler)
    PORTS[name] = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    if MODE == "redirect-other-host":
        serve("127.0.0.2", "other")
        with open(os.path.join(STATE, "other-port.tmp"), "w") as f:
            f.write(str(PORTS["other"]))
        os.rename(os.path.join(STATE, "other-port.tmp"), os.path.join(STATE, "other-port"))
    serve("127.0.0.1", "main")
    with open(os.path.join(STATE, "port.tmp"), "w") as f:
        f.write(str(PORTS["main"]))
    os.rename(os.path.join(STATE, "port.tmp"), os.path.join(STATE, "port"))
    while True:
        time.sleep(3600)


main()
