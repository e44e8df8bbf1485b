#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# registry.bats: the registry client (src/image/registry.c, registry-http.c, auth.c) driven by
# tests/helper/registry-fetch, against docker-registry (plain HTTP, TLS, htpasswd, token auth)
# and tests/lib/bad-registry.py, which misbehaves on purpose. Every fetch runs under
# `timeout 60`: a client that hangs fails its test instead of hanging the suite.

load lib/common
bats_require_minimum_version 1.5.0

: "${REGISTRY_FETCH:=$top_builddir/tests/helper/registry-fetch}"
LIB="$BATS_TEST_DIRNAME/lib"

setup_file() {
	[ "$(id -u)" != 0 ] || return 0 # every test skips as root
	fixtures
	export PLAIN="$BATS_FILE_TMPDIR/plain"
	REG=$("$LIB/registry.sh" start "$PLAIN")
	export REG
	"$LIB/registry.sh" push "$PLAIN" "$IMAGES" >/dev/null
}

teardown_file() {
	[ -z "${PLAIN:-}" ] || "$LIB/registry.sh" stop "$PLAIN"
}

setup() {
	require_unprivileged
	if [ ! -x "$REGISTRY_FETCH" ]; then
		echo "# $REGISTRY_FETCH is not built" >&2
		return 1
	fi
	# A private home: the user's own auth files and certs.d must not take part.
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_CONFIG_HOME="$HOME/.config" XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -p "$HOME"
	mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
	unset REGISTRY_AUTH_FILE DOCKER_CONFIG
}

teardown() {
	local p d
	if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
		while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/pids"
	fi
	if [ -f "$BATS_TEST_TMPDIR/registries" ]; then
		while read -r d; do "$LIB/registry.sh" stop "$d" || true; done <"$BATS_TEST_TMPDIR/registries"
	fi
}

# ---- helpers ----

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
manifest_digest() { json "d['manifests'][0]['digest']" <"$IMAGES/$1/index.json"; }
blob() { echo "$IMAGES/$1/blobs/sha256/${2#sha256:}"; }
manifest_of() { blob "$1" "$(manifest_digest "$1")"; }
layer_digest() { json "d['layers'][0]['digest']" <"$(manifest_of "$1")"; }
# What registry-fetch prints for an image: the manifest, then config and layers.
expected_output() {
	echo "manifest application/vnd.oci.image.manifest.v1+json $(manifest_digest "$1")"
	json "'\n'.join('ok %s %d' % (x['digest'], x['size']) for x in [d['config']] + d['layers'])" \
		<"$(manifest_of "$1")"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# refute CMD...: fail when CMD succeeds (a bare `! CMD` does not fail a bats test).
refute() {
	if "$@"; then
		echo "# unexpectedly true: $*" >&2
		return 1
	fi
}
host_arch() {
	case "$(uname -m)" in
	x86_64) echo amd64 ;; aarch64) echo arm64 ;; armv7*) echo arm ;; i?86) echo 386 ;; *) uname -m ;;
	esac
}

# fetch ARGS...: registry-fetch, bounded; stdout in $output, stderr in $stderr, seconds in $TOOK.
fetch() {
	local start=$SECONDS
	run --separate-stderr timeout 60 "$REGISTRY_FETCH" "$@"
	TOOK=$((SECONDS - start))
	# Shown when the test fails.
	printf '# status %s after %ss\n# stdout: %s\n# stderr: %s\n' "$status" "$TOOK" "$output" "$stderr"
}

# bg NAME CMD...: a server in the background (killed in teardown); waits for $BATS_TEST_TMPDIR/NAME/port.
bg() {
	local name=$1 d="$BATS_TEST_TMPDIR/$1" i
	shift
	mkdir -p "$d"
	"$@" >"$d/out" 2>&1 </dev/null 3>&- &
	disown $!
	echo $! >>"$BATS_TEST_TMPDIR/pids"
	for i in $(seq 100); do
		[ -s "$d/port" ] && return 0
		sleep 0.1
	done
	cat "$d/out" >&2
	return 1
}

# copy_registry NAME [VAR=VALUE...]: a docker-registry on a copy of the plain registry's storage
# (the images are pushed once); sets COPY=127.0.0.1:PORT and COPYDIR.
copy_registry() {
	COPYDIR="$BATS_TEST_TMPDIR/$1"
	shift
	mkdir -p "$COPYDIR"
	cp -a "$PLAIN/storage" "$COPYDIR/storage"
	echo "$COPYDIR" >>"$BATS_TEST_TMPDIR/registries"
	COPY=$(env "$@" "$LIB/registry.sh" start "$COPYDIR")
}

# bad MODE: start bad-registry.py; sets BAD (its state dir) and BADREG.
bad() {
	BAD="$BATS_TEST_TMPDIR/bad"
	bg bad python3 "$LIB/bad-registry.py" "$1" "$IMAGES/busybox" "$BAD"
	BADREG=127.0.0.1:$(cat "$BAD/port")
}

# requests FILTER: how many logged requests of the bad registry match the python FILTER on r.
requests() {
	python3 - "$BAD/requests.log" "$1" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    n += bool(eval(sys.argv[2], {"r": r}))
print(n)
EOF
}

# Plain HTTP through python (curl is not among the test dependencies).
http_put() { # URL CONTENT-TYPE FILE
	python3 - "$@" <<'EOF'
import sys, urllib.request
url, ctype, path = sys.argv[1:]
req = urllib.request.Request(url, data=open(path, "rb").read(), method="PUT",
                             headers={"Content-Type": ctype})
urllib.request.urlopen(req, timeout=30)
EOF
}
http_get() { # URL ACCEPT: the body on stdout
	python3 - "$@" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Accept": sys.argv[2]})
sys.stdout.buffer.write(urllib.request.urlopen(req, timeout=30).read())
EOF
}
http_status() { # URL: the status, 000 without an answer
	python3 - "$1" <<'EOF'
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
}

# skopeo with its state in the test's directory.
sk() {
	mkdir -p "$BATS_TEST_TMPDIR/sk/tmp"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$BATS_TEST_TMPDIR/sk/policy.json"
	TMPDIR="$BATS_TEST_TMPDIR/sk/tmp" skopeo --policy "$BATS_TEST_TMPDIR/sk/policy.json" "$@"
}

# make_ca DIR: a CA (DIR/ca/ca.crt) and a server certificate for IP 127.0.0.1 (DIR/srv.*).
make_ca() {
	local d=$1
	mkdir -p "$d/ca"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca/ca.crt" -days 2 \
		-subj /CN=urun-test-ca -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$d/srv.key" -out "$d/srv.csr" \
		-subj /CN=127.0.0.1 2>/dev/null
	printf '%s\n' subjectAltName=IP:127.0.0.1 basicConstraints=CA:FALSE \
		keyUsage=digitalSignature,keyEncipherment extendedKeyUsage=serverAuth >"$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/srv.crt" -days 2 -extfile "$d/ext" 2>/dev/null
}

# ---- docker-registry ----

@test "plain HTTP on loopback: manifest, config and every layer verified" {
	local name
	for name in busybox layered config-image; do
		fetch --debug "$REG" "urun-test/$name" latest
		[ "$status" -eq 0 ]
		assert_eq "$output" "$(expected_output "$name")" "registry-fetch output for $name"
		# Loopback without a configured CA: plain HTTP, no TLS attempt first.
		assert_contains "$stderr" "GET http://$REG/v2/: 200"
		refute grep -q "https://" <<<"$stderr"
	done
}

@test "by digest; unknown tag, digest and repository give clear errors" {
	local d
	d=$(manifest_digest busybox)
	fetch "$REG" urun-test/busybox "$d"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"

	fetch "$REG" urun-test/busybox nope
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: manifest \`nope\` not found in \`$REG/urun-test/busybox\`"

	fetch "$REG" urun-test/busybox "sha256:$(printf 0%.0s {1..64})"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "not found in \`$REG/urun-test/busybox\`"

	fetch "$REG" urun-test/no-such-repo latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "not found"
	assert_contains "$stderr" "urun-test/no-such-repo"

	fetch "$REG" urun-test/busybox 'bad tag!'
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "invalid tag or digest"
	fetch "$REG" urun-test/busybox sha512:abcd
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "sha256 digests only"
	fetch "$REG" ../etc latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "invalid repository name"
}

@test "an index leads to this platform's manifest; docker schema 2 and manifest lists too" {
	local arch other a b idx d2 list
	arch=$(host_arch)
	other=s390x
	[ "$arch" != s390x ] || other=riscv64
	sk copy -q --dest-tls-verify=false --preserve-digests "oci:$IMAGES/busybox:latest" \
		"docker://$REG/urun-test/multi:a"
	sk copy -q --dest-tls-verify=false --preserve-digests "oci:$IMAGES/config-image:latest" \
		"docker://$REG/urun-test/multi:b"
	a=$(manifest_digest busybox)
	b=$(manifest_digest config-image)
	# An attestation-like entry and another platform first: both must be skipped.
	python3 - "$a" "$(stat -c %s "$(manifest_of busybox)")" "$b" \
		"$(stat -c %s "$(manifest_of config-image)")" "$arch" "$other" >"$BATS_TEST_TMPDIR/index.json" <<'EOF'
import json, sys
a, asz, b, bsz, arch, other = sys.argv[1:]
m = "application/vnd.oci.image.manifest.v1+json"
print(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": m, "digest": b, "size": int(bsz), "platform": {"architecture": "unknown", "os": "unknown"}},
        {"mediaType": m, "digest": b, "size": int(bsz), "platform": {"architecture": other, "os": "linux"}},
        {"mediaType": m, "digest": a, "size": int(asz), "platform": {"architecture": arch, "os": "linux"}}]}))
EOF
	http_put "http://$REG/v2/urun-test/multi/manifests/multi" \
		application/vnd.oci.image.index.v1+json "$BATS_TEST_TMPDIR/index.json"
	idx=sha256:$(sha256sum <"$BATS_TEST_TMPDIR/index.json" | cut -d' ' -f1)
	fetch "$REG" urun-test/multi multi
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(echo "manifest application/vnd.oci.image.index.v1+json $idx"; expected_output busybox)"

	# Docker schema 2 (skopeo converts) and a Docker manifest list over it.
	sk copy -q --dest-tls-verify=false --format v2s2 "oci:$IMAGES/busybox:latest" \
		"docker://$REG/urun-test/v2s2:latest"
	fetch "$REG" urun-test/v2s2 latest
	[ "$status" -eq 0 ]
	assert_contains "$output" "manifest application/vnd.docker.distribution.manifest.v2+json sha256:"
	[ "$(grep -c '^ok ' <<<"$output")" -eq 2 ]
	d2=$(sed -n 's/^manifest [^ ]* //p' <<<"$output")
	http_get "http://$REG/v2/urun-test/v2s2/manifests/latest" \
		application/vnd.docker.distribution.manifest.v2+json >"$BATS_TEST_TMPDIR/v2s2.json"
	list=$(python3 -c 'import json, sys; print(json.dumps({"schemaVersion": 2,
		"mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
		"manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
		"digest": sys.argv[1], "size": int(sys.argv[2]),
		"platform": {"architecture": sys.argv[3], "os": "linux"}}]}))' \
		"$d2" "$(stat -c %s "$BATS_TEST_TMPDIR/v2s2.json")" "$arch")
	printf '%s' "$list" >"$BATS_TEST_TMPDIR/list.json"
	http_put "http://$REG/v2/urun-test/v2s2/manifests/list" \
		application/vnd.docker.distribution.manifest.list.v2+json "$BATS_TEST_TMPDIR/list.json"
	fetch "$REG" urun-test/v2s2 list
	[ "$status" -eq 0 ]
	assert_contains "$output" "manifest application/vnd.docker.distribution.manifest.list.v2+json sha256:"
	assert_contains "$output" "manifest application/vnd.docker.distribution.manifest.v2+json $d2"
}

@test "HTTPS with a test CA: --ca-dir, certs.d, --tls-verify=false; a clear TLS error otherwise" {
	make_ca "$BATS_TEST_TMPDIR/pki"
	make_ca "$BATS_TEST_TMPDIR/other-pki"
	copy_registry tls REGISTRY_TLS_CERT="$BATS_TEST_TMPDIR/pki/srv.crt" \
		REGISTRY_TLS_KEY="$BATS_TEST_TMPDIR/pki/srv.key"

	fetch --debug --ca-dir "$BATS_TEST_TMPDIR/pki/ca" "$COPY" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	# A configured CA means TLS: no plain-HTTP attempt, even on loopback.
	assert_contains "$stderr" "GET https://$COPY/v2/: 200 (HTTP/2)"
	refute grep -q "http://$COPY" <<<"$stderr"

	fetch --retries 0 "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: TLS certificate of \`$COPY\` is not trusted"
	assert_contains "$stderr" "hint: use --tls-verify=false for this registry or add its CA to ~/.config/containers/certs.d/$COPY/"
	[ "$TOOK" -lt 10 ]

	fetch --retries 0 --ca-dir "$BATS_TEST_TMPDIR/other-pki/ca" "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "is not trusted"

	fetch --tls-verify=false "$COPY" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"

	local dir
	for dir in "$XDG_CONFIG_HOME/containers/certs.d" "$XDG_CONFIG_HOME/urun/certs.d"; do
		mkdir -p "$dir/$COPY"
		cp "$BATS_TEST_TMPDIR/pki/ca/ca.crt" "$dir/$COPY/"
		fetch "$COPY" urun-test/busybox latest
		[ "$status" -eq 0 ]
		assert_eq "$output" "$(expected_output busybox)"
		rm -r "${dir:?}/$COPY"
	done

	mkdir -p "$BATS_TEST_TMPDIR/junk"
	echo "not a certificate" >"$BATS_TEST_TMPDIR/junk/bad.crt"
	fetch --ca-dir "$BATS_TEST_TMPDIR/junk" "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "junk/bad.crt\` holds no PEM certificate"
	fetch --ca-dir "$BATS_TEST_TMPDIR/missing" "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "missing"
}

@test "htpasswd Basic auth: required, wrong, --creds, REGISTRY_AUTH_FILE, default auth.json" {
	local pass='pa ss:wörd' b64
	"$LIB/registry.sh" htpasswd "$BATS_TEST_TMPDIR/htpasswd" bob "$pass"
	copy_registry basic REGISTRY_HTPASSWD="$BATS_TEST_TMPDIR/htpasswd"

	fetch "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: authentication required: run \`urun login $COPY\`"

	fetch --creds bob:wrong "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: \`$COPY\` rejected the credentials of \`bob\`"
	assert_contains "$stderr" "hint: check the user name and password"

	fetch --creds "bob:$pass" "$COPY" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"

	b64=$(printf '%s' "bob:$pass" | base64 -w0)
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$COPY" "$b64" >"$BATS_TEST_TMPDIR/auth.json"
	REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/auth.json" fetch --debug "$COPY" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	assert_contains "$stderr" "credentials for \`$COPY\` from \`$BATS_TEST_TMPDIR/auth.json\`"
	# Debug output names the source, never the secret.
	refute grep -qF -e "$pass" -e "$b64" <<<"$stderr"

	mkdir -p "$XDG_RUNTIME_DIR/containers"
	cp "$BATS_TEST_TMPDIR/auth.json" "$XDG_RUNTIME_DIR/containers/auth.json"
	fetch "$COPY" urun-test/busybox latest
	[ "$status" -eq 0 ]
	REGISTRY_AUTH_FILE="$BATS_TEST_TMPDIR/missing.json" fetch "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "missing.json\` does not exist"

	fetch --login --creds "bob:$pass" "$COPY"
	[ "$status" -eq 0 ]
	fetch --login --creds bob:nope "$COPY"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "rejected the credentials of \`bob\`"
}

# docker-registry with `auth: token:` and tests/lib/token-server.py as its token service; sets
# TOKREG and TS (the token server's state dir, with requests.log).
token_registry() {
	local d="$BATS_TEST_TMPDIR/tokreg" port attempt code i v clean=(env)
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/token.key" -out "$d/token.crt" \
		-days 2 -subj /CN=urun-test-token 2>/dev/null
	TS="$BATS_TEST_TMPDIR/ts"
	bg ts python3 "$LIB/token-server.py" "$TS" "$d/token.key" "$d/token.crt" \
		urun-test-issuer urun-test-registry alice 'sec ret' refresh-xyz
	cp -a "$PLAIN/storage" "$d/storage"
	# docker-registry reads REGISTRY_* variables as configuration: drop ours.
	for v in $(compgen -e); do
		case $v in REGISTRY_*) clean+=(-u "$v") ;; esac
	done
	for attempt in 1 2 3; do
		port=$(free_port)
		cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $d/storage
http:
  addr: 127.0.0.1:$port
  secret: urun-test-only
auth:
  token:
    realm: http://127.0.0.1:$(cat "$TS/port")/token
    service: urun-test-registry
    issuer: urun-test-issuer
    rootcertbundle: $d/token.crt
EOF
		"${clean[@]}" docker-registry serve "$d/config.yml" >"$d/log" 2>&1 </dev/null 3>&- &
		disown $!
		echo $! >>"$BATS_TEST_TMPDIR/pids"
		for i in $(seq 100); do
			code=$(http_status "http://127.0.0.1:$port/v2/")
			if [ "$code" = 401 ]; then
				TOKREG=127.0.0.1:$port
				return 0
			fi
			kill -0 $! 2>/dev/null || break
			sleep 0.1
		done
	done
	cat "$d/log" >&2
	return 1
}

@test "token auth (docker-registry + token server): anonymous refused, credentials get a pull token" {
	token_registry
	fetch "$TOKREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: authentication required: run \`urun login $TOKREG\`"

	fetch --creds 'alice:sec ret' "$TOKREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	# One token, for exactly our pull scope, asked with the credentials.
	[ "$(grep -c '"user": "alice", "scopes": \["repository:urun-test/busybox:pull"\], "granted": true' "$TS/requests.log")" -eq 1 ]

	fetch --creds alice:wrong "$TOKREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "rejected the credentials of \`alice\`"

	# An auth.json identitytoken is an OAuth2 refresh token: POSTed to the realm.
	printf '{"auths":{"%s":{"auth":"YWxpY2U6","identitytoken":"refresh-xyz"}}}\n' "$TOKREG" \
		>"$BATS_TEST_TMPDIR/idtoken.json"
	fetch --authfile "$BATS_TEST_TMPDIR/idtoken.json" "$TOKREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	grep -q '"method": "POST", .*"granted": true' "$TS/requests.log"

	fetch --login --creds 'alice:sec ret' "$TOKREG"
	[ "$status" -eq 0 ]
	fetch --login --creds alice:nope "$TOKREG"
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "rejected the credentials of \`alice\`"
}

@test "a layer modified in the registry's storage fails with a digest mismatch naming it" {
	local layer hex data
	copy_registry tamper
	layer=$(layer_digest busybox)
	hex=${layer#sha256:}
	data="$COPYDIR/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
	[ -f "$data" ]
	# Same size, one byte flipped: only the digest can tell.
	python3 - "$data" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(b)
EOF
	fetch "$COPY" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: digest mismatch for blob \`$layer\` from \`$COPY/urun-test/busybox\`"
	refute grep -q "^ok $layer" <<<"$output"
}

# ---- a misbehaving registry: each failure is clear and bounded ----

@test "endless manifest: refused at 4 MiB" {
	bad endless-manifest
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "manifest \`latest\` is larger than the 4194304 bytes urun accepts"
	[ "$TOOK" -lt 20 ]
}

@test "endless layer: refused past its descriptor's size" {
	bad endless-blob
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "the registry sent more than the"
	assert_contains "$stderr" "bytes of blob \`$(layer_digest busybox)\`"
	[ "$TOOK" -lt 20 ]
}

@test "slow trickle and silence: the stall timeout fires, retries are bounded" {
	local mode
	for mode in trickle silent; do
		bad "$mode"
		fetch --timeout 2 --retries 1 "$BADREG" urun-test/busybox latest
		[ "$status" -eq 1 ]
		assert_contains "$stderr" "urun: \`$BADREG\` stopped responding while sending manifest \`latest\`"
		assert_contains "$stderr" "retrying in 1 s (1 of 1)"
		[ "$TOOK" -lt 30 ]
		[ "$(requests "'manifests' in r['path']")" -eq 2 ]
		kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
		rm -rf "$BAD"
	done
}

@test "redirect loop: stops after 5 redirects" {
	bad redirect-loop
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: too many redirects (more than 5) fetching manifest \`latest\` from \`$BADREG\`"
	[ "$(requests "'manifests' in r['path']")" -eq 6 ]
}

@test "401 loop: one token renewal, then a clear error" {
	bad auth-loop
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: authentication required: run \`urun login $BADREG\`"
	[ "$(requests "r['path'].startswith('/token')")" -eq 2 ]
	[ "$(requests "'manifests' in r['path']")" -eq 2 ]
	[ "$TOOK" -lt 20 ]
	# With credentials the token server accepted, the refusal is about this repository.
	fetch --creds u:p "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: access to \`$BADREG/urun-test/busybox\` denied for \`u\`"
	[ "$(requests "r['path'].startswith('/token')")" -eq 4 ]
}

@test "oversized manifest: refused from its Content-Length, before the body" {
	bad big-manifest
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "manifest \`latest\` is 5242880 bytes, more than the 4194304 urun accepts"
	# The server would keep the connection open for 30 s: we did not wait for it.
	[ "$TOOK" -lt 10 ]
}

@test "wrong Content-Length for a layer: refused before reading it" {
	local layer size
	layer=$(layer_digest busybox)
	size=$(stat -c %s "$(blob busybox "$layer")")
	bad wrong-length
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "the registry announced $((size + 1000)) bytes for blob \`$layer\`, its descriptor says $size"
}

@test "connection cut mid-layer: resumed with Range when offered, restarted (sink reset) when not" {
	local layer
	layer=$(layer_digest busybox)
	bad resume
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	[ "$(requests "r['range'] is not None and r['range'].startswith('bytes=') and r['range'] != 'bytes=0-'")" -eq 1 ]
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad restart
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_contains "$output" "reset $layer"
	assert_contains "$output" "ok $layer"
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad short-body
	fetch --retries 2 "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: connection to \`$BADREG\` broken while fetching blob \`$layer\`"
	[ "$(grep -c "^reset $layer" <<<"$output")" -eq 2 ]
	[ "$TOOK" -lt 30 ]
}

@test "redirect to another host: no Authorization there; same host: kept" {
	python3 -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' ||
		skip "127.0.0.2 is not a usable loopback address here"
	bad redirect-other-host
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	# The registry got the token; the other host was asked, without it.
	[ "$(requests "r['host'] == '127.0.0.1' and '/blobs/' in r['path'] and r['auth']")" -ge 2 ]
	[ "$(requests "r['host'] == '127.0.0.2' and r['path'].startswith('/cdn/')")" -eq 1 ]
	[ "$(requests "r['host'] == '127.0.0.2' and r['auth']")" -eq 0 ]
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad redirect-same-host
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	[ "$(requests "r['path'].startswith('/cdn/') and r['auth']")" -eq 1 ]
}

@test "expired token mid-pull: renewed once, the pull goes on" {
	bad token-expiry
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(expected_output busybox)"
	[ "$(requests "r['path'].startswith('/token')")" -eq 2 ]
}

@test "schema 1 and a lying Docker-Content-Digest are refused" {
	bad schema1
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "is in docker's schema 1 manifest format, which urun does not support"
	assert_contains "$stderr" "hint: push the image again"
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad digest-header
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: digest mismatch for manifest \`latest\`"
}

@test "5xx and 429 are retried with backoff and Retry-After; a long Retry-After fails at once" {
	bad flaky
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "answered HTTP 503 for manifest \`latest\`; retrying in 1 s (1 of 3)"
	assert_contains "$stderr" "retrying in 2 s (2 of 3)"
	[ "$TOOK" -ge 3 ]
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad rate-limit
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "answered HTTP 429"
	kill "$(tail -n1 "$BATS_TEST_TMPDIR/pids")"
	rm -rf "$BAD"

	bad rate-limit-hard
	fetch "$BADREG" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: too many requests to \`$BADREG\` (rate limit 100;w=21600, remaining 0;w=21600)"
	assert_contains "$stderr" "wait 3600 s"
	[ "$TOOK" -lt 10 ]
}

@test "connection refused and unknown hosts are named, with a hint" {
	local port
	port=$(free_port)
	fetch --retries 0 "127.0.0.1:$port" urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: cannot connect to \`127.0.0.1:$port\`"
	assert_contains "$stderr" "hint: check that a registry runs at \`127.0.0.1:$port\`"

	fetch --retries 0 --timeout 10 no-such-host.invalid urun-test/busybox latest
	[ "$status" -eq 1 ]
	assert_contains "$stderr" "urun: cannot resolve host \`no-such-host.invalid\`"
}
