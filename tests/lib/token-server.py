#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""token-server.py: a docker token-auth server (distribution's token spec) for tests.

    token-server.py STATEDIR KEY.pem CERT.pem ISSUER SERVICE [USER PASSWORD [REFRESH_TOKEN]]

Listens on 127.0.0.1 (port written to STATEDIR/port) and answers GET /token?service=&scope=
with an RS256 JWT that docker-registry's `auth: token:` accepts: signed with KEY through
`openssl dgst -sha256 -sign` (the stdlib has no RSA), the certificate in the `x5c` header
(docker-registry checks it against its rootcertbundle). With USER and PASSWORD, requests must
carry them as Basic auth, else 401; POST /token with grant_type=refresh_token and
REFRESH_TOKEN is accepted too (OAuth2, as for an auth.json identitytoken). Every request is
logged to STATEDIR/requests.log as a JSON line (method, user, scopes, granted). Stdlib only.
"""
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE, KEY, CERT, ISSUER, SERVICE = sys.argv[1:6]
USER = sys.argv[6] if len(sys.argv) > 6 else None
PASSWORD = sys.argv[7] if len(sys.argv) > 7 else None
REFRESH = sys.argv[8] if len(sys.argv) > 8 else None
LOCK = threading.Lock()

with open(CERT) as f:
    pem = f.read()
X5C = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(subject, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [X5C]}
    claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY],
                         input=signing_input.encode(), capture_output=True, check=True).stdout
    return signing_input + "." + b64url(sig)


def log(rec):
    with LOCK, open(os.path.join(STATE, "requests.log"), "a") as f:
        f.write(json.dumps(rec) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def basic_user(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None, None
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return None, None
        return user, pw

    def grant(self, subject, scopes, method):
        access = []
        for s in scopes:
            parts = s.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                actions = [a for a in parts[-1].split(",") if a == "pull"]
                access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                               "actions": actions})
        log({"method": method, "user": subject, "scopes": scopes, "granted": True})
        tok = jwt(subject, access)
        self.reply(200, {"token": tok, "access_token": tok, "expires_in": 300,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def deny(self, method, user, scopes):
        log({"method": method, "user": user, "scopes": scopes, "granted": False})
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                   {"WWW-Authenticate": 'Basic realm="token-server"'})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        scopes = q.get("scope", [])
        if url.path != "/token" or q.get("service", [None])[0] != SERVICE:
            log({"method": "GET", "path": url.path, "granted": False})
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no"}]})
        user, pw = self.basic_user()
        if USER is not None and (user, pw) != (USER, PASSWORD):
            return self.deny("GET", user, scopes)
        self.grant(user or "", scopes, "GET")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        scopes = form.get("scope", [])
        if (form.get("grant_type", [None])[0] != "refresh_token" or REFRESH is None
                or form.get("refresh_token", [None])[0] != REFRESH
                or form.get("service", [None])[0] != SERVICE):
            return self.deny("POST", None, scopes)
        self.grant(USER or "", scopes, "POST")


class Server(ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(os.path.join(STATE, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(STATE, "port.tmp"), os.path.join(STATE, "port"))
srv.serve_forever()
