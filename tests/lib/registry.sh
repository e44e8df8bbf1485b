#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Throwaway local docker-registry for tests (no root needed).
#   registry.sh start DIR             start, print 127.0.0.1:PORT
#   registry.sh push DIR IMAGESDIR    push mkimages.sh layouts, print references
#   registry.sh stop DIR              stop the registry started in DIR
#   registry.sh htpasswd FILE USER PASSWORD   append a bcrypt htpasswd entry
# Optional for start: REGISTRY_HTPASSWD=FILE (Basic auth),
#   REGISTRY_TLS_CERT=FILE REGISTRY_TLS_KEY=FILE (https).
# Optional for push: REGISTRY_CREDS=USER:PASSWORD.
set -euo pipefail
export LC_ALL=C

IMAGES=(busybox layered config-image)
die() { printf 'registry.sh: %s\n' "$*" >&2; exit 1; }
usage() { die "usage: registry.sh start|push|stop DIR [IMAGESDIR] | htpasswd FILE USER PASSWORD"; }

[ $# -ge 2 ] || usage
CMD=$1

if [ "$CMD" = htpasswd ]; then
	[ $# -eq 4 ] || usage
	if command -v htpasswd >/dev/null; then
		htpasswd -nbB "$3" "$4" | sed '/^$/d' >>"$2"
	else
		# Debian's python3 (3.11) crypt module does bcrypt via libxcrypt.
		python3 -W ignore - "$3" "$4" >>"$2" <<'EOF' || die "no bcrypt available: install apache2-utils"
import crypt, sys
h = crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
if not h or not h.startswith("$2"):
    sys.exit(1)
print(f"{sys.argv[1]}:{h}")
EOF
	fi
	exit 0
fi

mkdir -p -- "$2"
DIR=$(cd -- "$2" && pwd -P)

# alive PID: true if PID is our registry (not a zombie, not a reused PID).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ] || return 1
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qxF -- "$DIR/config.yml"
}

yq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; } # YAML single-quoted scalar

write_config() { # PORT
	{
		printf 'version: 0.1\n'
		printf 'log:\n  level: warn\n  fields:\n    service: registry\n'
		printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$(yq "$DIR/storage")"
		printf '  delete:\n    enabled: true\n'
		printf 'http:\n  addr: 127.0.0.1:%s\n  secret: urun-test-only\n' "$1"
		if [ -n "${REGISTRY_TLS_CERT:-}" ]; then
			printf '  tls:\n    certificate: %s\n    key: %s\n' \
				"$(yq "$(readlink -f -- "$REGISTRY_TLS_CERT")")" \
				"$(yq "$(readlink -f -- "$REGISTRY_TLS_KEY")")"
		fi
		if [ -n "${REGISTRY_HTPASSWD:-}" ]; then
			printf 'auth:\n  htpasswd:\n    realm: urun-test\n    path: %s\n' \
				"$(yq "$(readlink -f -- "$REGISTRY_HTPASSWD")")"
		fi
	} >"$DIR/config.yml"
}

# wait_ready PID URL AUTH: 0 ready, 2 process died, 1 timeout (10 s).
wait_ready() {
	python3 - "$@" <<'EOF'
import os, ssl, sys, time, urllib.error, urllib.request
pid, url, auth = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
ctx = ssl._create_unverified_context()  # self-signed test certs
def dead():
    try:
        st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return st == "Z"
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    code, api = 0, None  # api header: it is a registry, not some other server
    try:
        r = urllib.request.urlopen(url, timeout=1, context=ctx)
        code, api = r.status, r.headers.get("Docker-Distribution-Api-Version")
    except urllib.error.HTTPError as e:
        code, api = e.code, e.headers.get("Docker-Distribution-Api-Version")
    except Exception:
        pass
    if api != "registry/2.0":
        code = 0
    if code == 200 or (auth and code == 401):
        sys.exit(0)
    if dead():
        sys.exit(2)
    time.sleep(0.05)
sys.exit(1)
EOF
}

start() {
	[ $# -eq 0 ] || usage
	command -v docker-registry >/dev/null || die "docker-registry not found: install package docker-registry"
	if [ -f "$DIR/pid" ] && alive "$(cat "$DIR/pid")"; then
		die "already running in $DIR (pid $(cat "$DIR/pid"))"
	fi
	if [ -n "${REGISTRY_TLS_CERT:-}${REGISTRY_TLS_KEY:-}" ]; then
		[ -r "${REGISTRY_TLS_CERT:-}" ] && [ -r "${REGISTRY_TLS_KEY:-}" ] ||
			die "REGISTRY_TLS_CERT and REGISTRY_TLS_KEY must both name readable files"
	fi
	if [ -n "${REGISTRY_HTPASSWD:-}" ]; then
		[ -r "$REGISTRY_HTPASSWD" ] || die "REGISTRY_HTPASSWD=$REGISTRY_HTPASSWD is not readable"
	fi
	local scheme=http auth=0 attempt port pid rc v
	[ -z "${REGISTRY_TLS_CERT:-}" ] || scheme=https
	[ -z "${REGISTRY_HTPASSWD:-}" ] || auth=1
	# docker-registry reads REGISTRY_* env vars as config overrides: drop ours.
	local clean=(env)
	for v in $(compgen -e); do
		case $v in REGISTRY_*) clean+=(-u "$v") ;; esac
	done
	mkdir -p "$DIR/storage"
	rm -f "$DIR/pid" "$DIR/port" "$DIR/url"
	for attempt in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		write_config "$port"
		: >"$DIR/registry.log"
		(
			# Close inherited fds (bats waits on its fd 3 otherwise).
			for fd in $(ls "/proc/$BASHPID/fd"); do
				[ "$fd" -le 2 ] || eval "exec $fd>&-"
			done
			cd "$DIR"
			exec setsid "${clean[@]}" docker-registry serve "$DIR/config.yml"
		) >>"$DIR/registry.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$DIR/pid" # early, so stop works even if start is killed
		rc=0
		wait_ready "$pid" "$scheme://127.0.0.1:$port/v2/" "$auth" || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "$port" >"$DIR/port"
			echo "$scheme://127.0.0.1:$port" >"$DIR/url"
			echo "127.0.0.1:$port"
			return 0
		fi
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rm -f "$DIR/pid"
		# Port taken between probe and bind: try another one.
		[ "$rc" -eq 2 ] && grep -q 'address already in use' "$DIR/registry.log" && continue
		break
	done
	tail -n 20 "$DIR/registry.log" >&2
	die "registry did not come up (see $DIR/registry.log)"
}

push() {
	[ $# -eq 1 ] || usage
	local images port name src ref
	images=$(cd -- "$1" && pwd -P) || die "no such directory: $1"
	[ -f "$DIR/port" ] || die "no registry started in $DIR"
	port=$(cat "$DIR/port")
	# Keep skopeo's state (auth file, blob-info cache, temp files) inside DIR
	# and ignore the host trust policy: works with an unwritable HOME.
	mkdir -p "$DIR/skopeo/home" "$DIR/skopeo/data" "$DIR/skopeo/config" "$DIR/skopeo/tmp"
	mkdir -p -m 0700 "$DIR/skopeo/run"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$DIR/skopeo/policy.json"
	local creds=()
	[ -z "${REGISTRY_CREDS:-}" ] || creds=(--dest-creds "$REGISTRY_CREDS")
	for name in "${IMAGES[@]}"; do
		src=$images/$name
		[ -f "$src/index.json" ] || die "$src is not an OCI layout (run mkimages.sh first)"
		ref=127.0.0.1:$port/urun-test/$name:latest
		HOME=$DIR/skopeo/home XDG_DATA_HOME=$DIR/skopeo/data XDG_CONFIG_HOME=$DIR/skopeo/config \
			XDG_RUNTIME_DIR=$DIR/skopeo/run TMPDIR=$DIR/skopeo/tmp \
			skopeo --policy "$DIR/skopeo/policy.json" --tmpdir "$DIR/skopeo/tmp" copy -q \
			--preserve-digests --dest-tls-verify=false "${creds[@]}" \
			"oci:$src:latest" "docker://$ref" >/dev/null ||
			die "pushing $name failed"
		echo "$ref"
	done
}

stop() {
	[ $# -eq 0 ] || usage
	[ -f "$DIR/pid" ] || return 0
	local pid i
	pid=$(cat "$DIR/pid")
	if alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 50); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			for i in $(seq 20); do
				alive "$pid" || break
				sleep 0.1
			done
		fi
		! alive "$pid" || die "registry pid $pid did not exit"
	fi
	rm -f "$DIR/pid"
}

shift 2
case $CMD in
start) start "$@" ;;
push) push "$@" ;;
stop) stop "$@" ;;
*) usage ;;
esac
