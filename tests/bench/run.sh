#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# urun against the rootless peers (issue 8): podman, crun, bwrap, ch-run,
# skopeo+umoci, and the tar -xzf floor.
#
#   sudo tests/bench/run.sh [OPTIONS] [OUTDIR]
#
# As root it installs what is missing from Debian (podman, crun, bubblewrap,
# charliecloud-runtime, hyperfine, iperf3, docker-registry, skopeo, debootstrap,
# umoci, ...), mounts the cgroup v1 hugetlb controller crun 1.8 needs on a
# hybrid host, debootstraps the large image once (cached), then runs every
# measurement as the unprivileged user (--user, default urun-test). Run as
# that user directly it skips the root steps (and uses the host fallback
# for the large image if no debootstrap tarball is cached).
#
# Writes OUTDIR/results.md (the table and the environment) and OUTDIR/raw/
# (hyperfine JSON per group and per round, rss.py and iperf3 JSON, logs,
# summary.json). OUTDIR defaults to tests/bench, or BENCH_DIR/smoke with --smoke.
#
# Options:
#   --smoke          one iteration of rows 1 and 4, busybox image only (CI)
#   --runs N         timed runs per command (default 20; env BENCH_RUNS)
#   --pull-runs N    timed runs for the pull rows (default 5)
#   --rounds N       split the runs into N hyperfine invocations, one after
#                    another, so slow drift hits every command alike (default 4)
#   --user NAME      the unprivileged user (default urun-test)
#   --bench-dir DIR  work and cache directory (default /var/tmp/urun-bench)
#   --no-install     do not apt-get install missing tools
# Env: URUN=/path/to/urun (default: the in-tree build src/urun; copied into the
#      run's directory first, so a rebuild during the run changes nothing),
#      URUN_INIT (default: helpers/urun-init next to it; not used by any row yet),
#      BENCH_MIRROR (debootstrap mirror, default http://deb.debian.org/debian).
set -euo pipefail
export LC_ALL=C
umask 022

SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
HERE=$(dirname -- "$SELF")
SRC=$(cd -- "$HERE/../.." && pwd -P)

SMOKE=0
RUNS=${BENCH_RUNS:-20}
PULL_RUNS=${BENCH_PULL_RUNS:-5}
ROUNDS=${BENCH_ROUNDS:-4}
BUSER=${BENCH_USER:-urun-test}
BENCH=${BENCH_DIR:-/var/tmp/urun-bench}
INSTALL=1
PHASE=root
OUT=
SRC_REV=${BENCH_SRC_REV:-}
MIRROR=${BENCH_MIRROR:-http://deb.debian.org/debian}

die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--runs) RUNS=$2; shift ;;
	--runs=*) RUNS=${1#*=} ;;
	--pull-runs) PULL_RUNS=$2; shift ;;
	--pull-runs=*) PULL_RUNS=${1#*=} ;;
	--rounds) ROUNDS=$2; shift ;;
	--rounds=*) ROUNDS=${1#*=} ;;
	--user) BUSER=$2; shift ;;
	--user=*) BUSER=${1#*=} ;;
	--bench-dir) BENCH=$2; shift ;;
	--bench-dir=*) BENCH=${1#*=} ;;
	--no-install) INSTALL=0 ;;
	--user-phase) PHASE=user ;;
	--src-rev) SRC_REV=$2; shift ;;
	-h | --help) usage 0 ;;
	-*) printf 'run.sh: unknown option %s\n' "$1" >&2; usage 2 >&2 ;;
	*) [ -z "$OUT" ] || die "one OUTDIR only"; OUT=$1 ;;
	esac
	shift
done
for v in RUNS PULL_RUNS ROUNDS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--${v,,} wants a positive number, not '${!v}'"
done
# Paths end up unquoted inside hyperfine command strings: keep them plain.
[[ $BENCH =~ ^/[A-Za-z0-9/._-]+$ ]] || die "--bench-dir must be an absolute path of [A-Za-z0-9/._-]"
if [ "$SMOKE" = 1 ]; then
	RUNS=1 PULL_RUNS=1 ROUNDS=1
fi

# ============================================================================
# Root phase: packages, host fixes, the debootstrap tarball; then the user.
# ============================================================================
# tool -> Debian package (podman's Recommends are installed explicitly, since
# we install without recommends).
TOOLS=(podman:podman crun:crun bwrap:bubblewrap ch-run:charliecloud-runtime
	hyperfine:hyperfine iperf3:iperf3 docker-registry:docker-registry skopeo:skopeo
	umoci:umoci debootstrap:debootstrap conmon:conmon slirp4netns:slirp4netns
	fuse-overlayfs:fuse-overlayfs newuidmap:uidmap python3:python3 flock:util-linux
	gzip:gzip busybox:busybox-static)

install_tools() {
	local t tool pkg missing=()
	for t in "${TOOLS[@]}"; do
		tool=${t%%:*} pkg=${t#*:}
		case $tool in
		busybox) [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 && continue ;;
		debootstrap) [ "$SMOKE" = 1 ] && continue ;;
		esac
		command -v "$tool" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	say "installing from Debian: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || say "apt-get update failed; trying with the lists we have"
	local avail=()
	for pkg in "${missing[@]}"; do
		if apt-cache show "$pkg" >/dev/null 2>&1; then
			avail+=("$pkg")
		else
			say "package $pkg is not in the archive: its rows will say so"
		fi
	done
	[ ${#avail[@]} -gt 0 ] || return 0
	if ! apt-get install -y -qq --no-install-recommends "${avail[@]}" >/dev/null; then
		for pkg in "${avail[@]}"; do # one broken package must not block the others
			apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null ||
				say "could not install $pkg: its rows will say so"
		done
	fi
}

# crun 1.8 refuses a cgroup v1/v2 hybrid host ("cgroups in hybrid mode not
# supported") until the hugetlb controller has a v1 hierarchy.
hugetlb_fix() {
	[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] || return 0 # pure v2 (or none)
	awk '$1 == "hugetlb" && $4 == 1 { f = 1 } END { exit !f }' /proc/cgroups 2>/dev/null || return 0
	if awk '$3 == "cgroup" && $4 ~ /(^|,)hugetlb(,|$)/ { f = 1 } END { exit !f }' /proc/self/mounts; then
		return 0
	fi
	say "mounting the cgroup v1 hugetlb controller on /sys/fs/cgroup/hugetlb (for crun 1.8)"
	mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null || true
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb ||
		say "mounting hugetlb failed: crun and podman may refuse to start"
}

# The large image's base layer: debootstrap --variant=minbase bookworm as a
# gzip tarball, built once into BENCH/cache.
make_base_tarball() {
	local cache=$BENCH/cache tb=$BENCH/cache/bookworm-minbase.tar.gz tmp rc=0
	[ -s "$tb" ] && [ -s "$tb.source" ] && return 0
	command -v debootstrap >/dev/null || { say "debootstrap missing: the large image will use the host fallback"; return 0; }
	tmp=$(mktemp -d /var/tmp/urun-bench-debootstrap.XXXXXX)
	say "debootstrap --variant=minbase bookworm from $MIRROR (once; cached in $tb)"
	if debootstrap --variant=minbase bookworm "$tmp/root" "$MIRROR" >"$tmp/log" 2>&1; then
		# No device nodes (images do not carry them; rootless unpackers cannot create them).
		tar -C "$tmp/root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' \
			--exclude='./sys/*' -cf - . | gzip -n -6 >"$tmp/base.tar.gz" || rc=$?
		if [ "$rc" = 0 ]; then
			mv "$tmp/base.tar.gz" "$tb"
			printf 'debootstrap --variant=minbase bookworm %s (debootstrap %s, built %s)\n' "$MIRROR" \
				"$(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null)" "$(date -u +%F)" >"$tb.source"
			chown "$BUSER:" "$tb" "$tb.source"
		fi
	else
		say "debootstrap failed (last lines below): the large image will use the host fallback"
		tail -n 5 "$tmp/log" >&2 || true
		cp "$tmp/log" "$cache/debootstrap.log" 2>/dev/null || true
	fi
	rm -rf -- "$tmp"
}

root_phase() {
	if [ "$(id -u)" = 0 ]; then
		id "$BUSER" >/dev/null 2>&1 || die "user $BUSER does not exist (tests/setup-host.sh creates urun-test)"
		grep -q "^$BUSER:" /etc/subuid || say "warning: $BUSER has no /etc/subuid range"
		[ "$INSTALL" = 1 ] && install_tools
		hugetlb_fix
		mkdir -p "$BENCH/cache"
		# Measured as another user before: the results and cache become BUSER's.
		if [ -n "$(find "$BENCH" -maxdepth 2 ! -user "$BUSER" -print -quit)" ]; then
			chown -R "$BUSER:" "$BENCH"
		fi
		chmod 755 "$BENCH"
		[ "$SMOKE" = 1 ] || make_base_tarball
		[ -n "$SRC_REV" ] || SRC_REV=$(GIT_OPTIONAL_LOCKS=0 git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
		if [ "$SRC_REV" != unknown ] && ! GIT_OPTIONAL_LOCKS=0 git -C "$SRC" diff --quiet HEAD 2>/dev/null; then
			SRC_REV+="+local changes"
		fi
		local home args=(--user-phase --src-rev "$SRC_REV" --runs "$RUNS" --pull-runs "$PULL_RUNS"
			--rounds "$ROUNDS" --bench-dir "$BENCH" --user "$BUSER")
		[ "$SMOKE" = 1 ] && args+=(--smoke)
		home=$(getent passwd "$BUSER" | cut -d: -f6)
		# XDG_RUNTIME_DIR is a tmpfs in a login session (logind's
		# /run/user/UID): the same here, so the tools' per-container state is
		# not written to this VM's disk (ext4's inode allocator, after the
		# previous run's deletions, would cost every tool ~1.5 ms a start).
		local rt uid
		uid=$(id -u "$BUSER") rt=/tmp/ub$(id -u "$BUSER")
		if ! mountpoint -q "$rt"; then
			if [ -e "$rt" ]; then
				[ "$(stat -c %u "$rt")" = "$uid" ] || die "$rt belongs to someone else"
				setpriv --reuid="$BUSER" --regid="$(id -g "$BUSER")" --init-groups \
					"${URUN:-$SRC/src/urun}" unshare rm -rf -- "$rt" 2>/dev/null
				rm -rf -- "$rt"
			fi
			mkdir -m 0700 "$rt"
			mount -t tmpfs -o "mode=0700,uid=$uid,gid=$(id -g "$BUSER"),size=512m" urun-bench-rt "$rt" ||
				die "cannot mount a tmpfs on $rt"
			RT_MOUNT=$rt
		fi
		say "measuring as $BUSER"
		local rc=0 pid
		# setpriv rather than su: no PAM session process in between, so a
		# signal reaches the user phase and its cleanup is not cut short
		# (su SIGKILLs its child 2 s after a SIGTERM).
		(cd / && exec setpriv --reuid="$BUSER" --regid="$(id -g "$BUSER")" --init-groups \
			env -i HOME="$home" USER="$BUSER" LOGNAME="$BUSER" LANG=C.UTF-8 TERM=dumb \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${URUN:+URUN="$URUN"} ${URUN_INIT:+URUN_INIT="$URUN_INIT"} BENCH_MIRROR="$MIRROR" \
			bash "$SELF" "${args[@]}") &
		pid=$!
		trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 143' TERM INT HUP
		wait "$pid" || rc=$?
		trap - TERM INT HUP
		if [ -n "${RT_MOUNT:-}" ]; then
			umount "$RT_MOUNT" 2>/dev/null || umount -l "$RT_MOUNT"
			rmdir "$RT_MOUNT" 2>/dev/null
		fi
	else
		say "not root: no package installs, no hugetlb mount, measuring as $(id -un)"
		BUSER=$(id -un)
		mkdir -p "$BENCH/cache"
		local rc=0 args=(--user-phase --src-rev "${SRC_REV:-unknown}" --runs "$RUNS" --pull-runs "$PULL_RUNS"
			--rounds "$ROUNDS" --bench-dir "$BENCH" --user "$BUSER")
		[ "$SMOKE" = 1 ] && args+=(--smoke)
		bash "$SELF" "${args[@]}" || rc=$?
	fi
	[ -f "$BENCH/results/results.md" ] || die "no results (exit status $rc)"
	if [ -z "$OUT" ]; then
		if [ "$SMOKE" = 1 ]; then OUT=$BENCH/smoke; else OUT=$HERE; fi
	fi
	mkdir -p "$OUT"
	rm -rf -- "$OUT/raw"
	cp "$BENCH/results/results.md" "$OUT/results.md"
	cp -r "$BENCH/results/raw" "$OUT/raw"
	say "wrote $OUT/results.md and $OUT/raw/ (exit status $rc)"
	return "$rc"
}

# ============================================================================
# User phase: everything measured, as the unprivileged user.
# ============================================================================
have() { command -v "$1" >/dev/null 2>&1; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Processes and stores this run made; undone on any exit.
cleanup() {
	local rc=$? p
	trap - EXIT INT TERM HUP
	set +e
	say "cleaning up"
	if [ -n "${CHILD:-}" ]; then # the hyperfine or rss.py run we were waiting for
		kill -TERM -- "-$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
		CHILD=
	fi
	[ -f "$RT/iperf-host.pid" ] && kill "$(cat "$RT/iperf-host.pid")" 2>/dev/null
	for p in "${PODMANS[@]}"; do
		$p ps -aq >/dev/null 2>&1 && $p rm -af -t 0 >/dev/null 2>&1
	done
	[ -d "$RUN/registry" ] && "$SRC/tests/lib/registry.sh" stop "$RUN/registry" >/dev/null 2>&1
	# podman's rootless pause process holds the user namespace the stores live in.
	if [ -f "$RT/libpod/tmp/pause.pid" ]; then
		p=$(cat "$RT/libpod/tmp/pause.pid")
		[ -n "$p" ] && [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$(id -u)" ] && kill -KILL "$p" 2>/dev/null
	fi
	# Store files belong to subordinate ids: remove them from inside the mapping.
	if [ -n "${RUN:-}" ] && [ -d "$RUN" ]; then
		"${URUN:-false}" unshare rm -rf -- "$RUN" "$RT" 2>/dev/null ||
			podman unshare rm -rf -- "$RUN" "$RT" 2>/dev/null
		rm -rf -- "$RUN" "$RT" 2>/dev/null
		[ ! -e "$RUN" ] || say "could not remove $RUN entirely"
	fi
	exit "$rc"
}

declare -A CMD PREP STATUS
G_NAMES=()
PODMANS=()
CHILD=

# run_bg OUT ERR COMMAND...: run it in its own process group (stdout and
# stderr appended to OUT and ERR) and wait; a signal then interrupts the wait
# at once, and cleanup ends the whole group.
run_bg() {
	local rc=0 out=$1 err=$2
	shift 2
	setsid -w "$@" >>"$out" 2>>"$err" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

# add_cmd NAME TOOL COMMAND [PREPARE]: a command for the next group.
add_cmd() {
	local name=$1 tool=$2
	CMD[$name]=$3 PREP[$name]=${4:-}
	if [ -n "${STATUS[$name]:-}" ] && [ "${STATUS[$name]}" != ok ]; then
		return 0 # a setup step failed already; the row says why
	fi
	if ! have "$tool"; then
		STATUS[$name]="missing: $tool is not installed"
		return 0
	fi
	G_NAMES+=("$name")
}

# probe NAME: run the command once (after its prepare); a failure takes it out
# of the group with the reason, instead of aborting the others.
probe() {
	local name=$1 err=$LOGS/probe.${1//[^A-Za-z0-9._-]/_}.err
	if { [ -z "${PREP[$name]}" ] || timeout 600 sh -c "${PREP[$name]}"; } >/dev/null 2>"$err" &&
		timeout 600 sh -c "${CMD[$name]}" >/dev/null 2>>"$err" </dev/null; then
		STATUS[$name]=ok
	else
		STATUS[$name]="failed: $(grep -v '^$' "$err" | tail -n 1 | cut -c1-160)"
		say "$name ${STATUS[$name]}"
	fi
}

# run_group ID RUNS WARMUP SHELL: probe, then hyperfine over the group's
# commands in ROUNDS invocations (SHELL: "none" for -N, or "sh"), merged
# into RAW/ID.json.
run_group() {
	local id=$1 runs=$2 warmup=$3 shell=$4 name ok=() rounds r n w extra prep=0 files=()
	for name in "${G_NAMES[@]}"; do
		probe "$name"
		[ "${STATUS[$name]}" = ok ] && ok+=("$name")
	done
	G_NAMES=()
	[ ${#ok[@]} -gt 0 ] || return 0
	if [ "$SMOKE" = 1 ]; then warmup=0; fi
	local hf=(hyperfine --style basic -i)
	[ "$shell" = none ] && hf+=(-N)
	for name in "${ok[@]}"; do [ -n "${PREP[$name]}" ] && prep=1; done
	for name in "${ok[@]}"; do
		hf+=(-n "$name")
		[ "$prep" = 1 ] && hf+=(--prepare "${PREP[$name]:-true}")
	done
	for name in "${ok[@]}"; do hf+=("${CMD[$name]}"); done
	rounds=$((ROUNDS < runs ? ROUNDS : runs))
	say "group $id: ${ok[*]} ($runs runs in $rounds rounds, warmup $warmup)"
	for ((r = 1; r <= rounds; r++)); do
		n=$((runs / rounds)) extra=$((runs % rounds))
		[ "$r" -le "$extra" ] && n=$((n + 1))
		w=$warmup
		[ "$r" -gt 1 ] && w=$((warmup < 1 ? warmup : 1))
		if run_bg "$LOGS/$id.log" "$LOGS/$id.log" "${hf[@]}" --warmup "$w" --runs "$n" --export-json "$RAW/$id.r$r.json"; then
			files+=("$RAW/$id.r$r.json")
		else
			say "hyperfine failed in group $id round $r (see raw/logs/$id.log)"
			for name in "${ok[@]}"; do STATUS[$name]="failed: hyperfine error (raw/logs/$id.log)"; done
			return 0
		fi
	done
	python3 "$HERE/report.py" merge "$RAW/$id.json" "${files[@]}"
}

# cell NAME: empty when the command produced numbers, else why not.
why() { [ "${STATUS[$1]:-}" = ok ] && return 0; printf '%s' "${STATUS[$1]:-not run}"; }

# pair LABEL GROUP URUN_NAME PEER_NAME
pair() {
	python3 "$HERE/report.py" pair "$ROWS" "$RAW/$2.json" "$1" "$3" "$4" "$(why "$3")" "$(why "$4")"
}
text_row() { python3 "$HERE/report.py" text "$ROWS" "$@"; }

# Layer blob paths of an OCI layout's "latest" manifest, in order.
layer_blobs() {
	python3 - "$1" <<'EOF'
import json, os, sys
d = sys.argv[1]
blob = lambda dg: os.path.join(d, "blobs", *dg.split(":", 1))
m = json.load(open(os.path.join(d, "index.json")))["manifests"][0]
for l in json.load(open(blob(m["digest"])))["layers"]:
    print(blob(l["digest"]))
EOF
}

versions() { # tool: Debian package version (or its --version where no package owns it)
	local t tool pkg path v
	for t in podman:podman crun:crun bwrap:bubblewrap ch-run:charliecloud-runtime conmon:conmon \
		slirp4netns:slirp4netns fuse-overlayfs:fuse-overlayfs hyperfine:hyperfine skopeo:skopeo \
		umoci:umoci iperf3:iperf3 docker-registry:docker-registry debootstrap:debootstrap \
		newuidmap:uidmap tar:tar gzip:gzip; do
		tool=${t%%:*} pkg=${t#*:}
		if ! path=$(command -v "$tool"); then
			printf -- '- %s: **missing** (not installed; package %s)\n' "$tool" "$pkg"
			continue
		fi
		v=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || v=
		if [ -n "$v" ] && { dpkg -S "$path" || dpkg -S "$(readlink -f "$path")" ||
			dpkg -S "/bin/$tool" || dpkg -S "/sbin/$tool"; } >/dev/null 2>&1; then
			printf -- '- %s: %s %s\n' "$tool" "$pkg" "$v"
		else
			v=$({ "$tool" --version 2>&1 || true; } | grep -m 1 -i version) || v=installed
			printf -- '- %s: %s (%s)\n' "$tool" "$v" "$path"
		fi
	done
}

user_phase() {
	have python3 || die "python3 is needed"
	have hyperfine || die "hyperfine is needed (apt-get install hyperfine, or run as root)"
	local t0=$SECONDS
	local mode=full
	[ "$SMOKE" = 1 ] && mode=smoke
	mkdir -p "$BENCH/cache"
	RUN=$(mktemp -d "$BENCH/run.XXXXXX")
	# Short: podman's port forwarding breaks on a long XDG_RUNTIME_DIR
	# (unix socket paths below it are limited to 108 bytes).
	# A tmpfs when the root phase mounted one there (see root_phase).
	RT=/tmp/ub$(id -u) RT_KIND="a directory on disk (not run as root: no tmpfs mounted)"
	if [ -e "$RT" ]; then # a killed earlier run: its pause process and files
		if [ -f "$RT/libpod/tmp/pause.pid" ]; then
			local p
			p=$(cat "$RT/libpod/tmp/pause.pid")
			[ -n "$p" ] && [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$(id -u)" ] && kill -KILL "$p" 2>/dev/null
		fi
		[ "$(stat -c %u "$RT")" = "$(id -u)" ] || die "$RT belongs to someone else"
		if mountpoint -q "$RT"; then
			RT_KIND="a tmpfs, as logind's /run/user/UID"
			find "$RT" -mindepth 1 -delete 2>/dev/null || true
		else
			rm -rf -- "$RT" 2>/dev/null || true
		fi
	fi
	[ -d "$RT" ] || mkdir -m 0700 "$RT"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	local RES=$BENCH/results
	rm -rf -- "$RES"
	RAW=$RES/raw LOGS=$RES/raw/logs ROWS=$RES/raw/rows.jsonl
	mkdir -p "$RAW" "$LOGS" "$RUN/bin" "$RUN/helpers" "$RUN/tmp" "$RUN/config" "$RUN/cache"
	: >"$ROWS"

	# A snapshot of urun: others may rebuild the tree while we measure.
	local urun_src=${URUN:-$SRC/src/urun}
	[ -x "$urun_src" ] || die "no urun at $urun_src (build it first: make -j2)"
	cp "$urun_src" "$RUN/bin/urun"
	local init_src=${URUN_INIT:-$(dirname -- "$urun_src")/../helpers/urun-init}
	if [ -x "$init_src" ]; then cp "$init_src" "$RUN/helpers/urun-init"; fi
	URUN=$RUN/bin/urun

	export XDG_RUNTIME_DIR=$RT XDG_DATA_HOME=$RUN/urun-data XDG_CACHE_HOME=$RUN/cache
	export XDG_CONFIG_HOME=$RUN/config TMPDIR=$RUN/tmp
	export CONTAINERS_CONF=$RUN/containers.conf CONTAINERS_STORAGE_CONF=$RUN/storage.conf
	cat >"$CONTAINERS_CONF" <<-'EOF'
		[containers]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		runtime = "crun"
	EOF
	printf '[storage]\ndriver = "overlay"\n' >"$CONTAINERS_STORAGE_CONF"
	printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$RUN/policy.json"

	# podman, once per storage driver, each with its own store.
	local P_OV="podman --root $RUN/podman/overlay --runroot $RT/po --storage-driver overlay"
	local P_FUSE="podman --root $RUN/podman/fuse --runroot $RT/pf --storage-driver overlay --storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs"
	local P_VFS="podman --root $RUN/podman/vfs --runroot $RT/pv --storage-driver vfs"
	PODMANS=("$P_OV" "$P_FUSE" "$P_VFS")

	local load0
	load0=$(cut -d' ' -f1-3 /proc/loadavg)

	# ---- images -------------------------------------------------------------
	say "building the busybox fixture (tests/lib/mkimages.sh, cached)"
	"$SRC/tests/lib/mkimages.sh" "$BENCH/cache/images" >"$LOGS/mkimages.log" 2>&1 ||
		{ tail -n 5 "$LOGS/mkimages.log" >&2; die "mkimages.sh failed"; }
	local ROOTFS=$BENCH/cache/images/busybox-rootfs
	local large_note="" LARGE_LAYOUT=$BENCH/cache/large
	if [ "$SMOKE" = 0 ]; then
		local base=$BENCH/cache/bookworm-minbase.tar.gz
		if [ -s "$base" ] && [ -s "$base.source" ]; then
			large_note="base layer: $(cat "$base.source")"
		else
			base=$BENCH/cache/host-fallback.tar.gz
			large_note="base layer: **host fallback** (debootstrap unavailable or failed): copies of the host's /usr/share and /usr/lib (about 230 MB) plus busybox"
			if [ ! -s "$base" ]; then
				say "building the host-fallback base layer"
				python3 "$HERE/mklarge.py" base "$base" >>"$LOGS/mklarge.log" 2>&1 || die "mklarge.py base failed"
			fi
		fi
		local stamp
		stamp="$(stat -c '%s %Y' "$base") $(sha256sum <"$HERE/mklarge.py" | cut -c1-16) $base"
		if [ ! -f "$LARGE_LAYOUT.stamp" ] || [ "$(cat "$LARGE_LAYOUT.stamp")" != "$stamp" ] ||
			[ ! -f "$LARGE_LAYOUT/index.json" ]; then
			say "building the large 3-layer image"
			python3 "$HERE/mklarge.py" layout "$base" "$LARGE_LAYOUT" >>"$LOGS/mklarge.log" 2>&1 ||
				die "mklarge.py layout failed (raw/logs/mklarge.log)"
			printf '%s\n' "$stamp" >"$LARGE_LAYOUT.stamp"
		fi
	fi

	say "starting a loopback docker-registry and pushing the images"
	local hostport BB_REF LARGE_REF=""
	hostport=$("$SRC/tests/lib/registry.sh" start "$RUN/registry") || die "registry did not start"
	"$SRC/tests/lib/registry.sh" push "$RUN/registry" "$BENCH/cache/images" >"$LOGS/push.log" 2>&1 ||
		die "pushing the busybox fixture failed"
	BB_REF=$hostport/urun-test/busybox:latest
	if [ "$SMOKE" = 0 ]; then
		LARGE_REF=$hostport/bench/large:latest
		skopeo --policy "$RUN/policy.json" --tmpdir "$RUN/tmp" copy -q --preserve-digests \
			--dest-tls-verify=false "oci:$LARGE_LAYOUT:latest" "docker://$LARGE_REF" >>"$LOGS/push.log" 2>&1 ||
			die "pushing the large image failed"
	fi

	# Pre-pull what the start rows run (pull cost is row 4's business).
	say "pre-pulling into the urun and podman stores"
	local ref
	for ref in $BB_REF $LARGE_REF; do
		"$URUN" pull -q "$ref" >>"$LOGS/prepull.log" 2>&1 || STATUS[urun-pull-$ref]=failed
	done
	[ -z "${STATUS[urun-pull-$BB_REF]:-}" ] || STATUS[urun]="failed: urun pull of the busybox image failed"
	[ -z "$LARGE_REF" ] || [ -z "${STATUS[urun-pull-$LARGE_REF]:-}" ] ||
		STATUS[urun-large]="failed: urun pull of the large image failed"
	if have podman; then
		local p err
		for p in "$P_OV" "$P_FUSE" "$P_VFS"; do
			if ! $p pull -q --tls-verify=false "$BB_REF" >>"$LOGS/prepull.log" 2>&1; then
				err="failed: podman pull: $(grep -v '^$' "$LOGS/prepull.log" | tail -n 1 | cut -c1-120)"
				case $p in
				"$P_OV") STATUS["podman run"]=$err STATUS["podman run (slirp4netns)"]=$err STATUS["podman exec"]=$err ;;
				"$P_FUSE") STATUS["podman fuse-overlayfs"]=$err ;;
				"$P_VFS") STATUS["podman vfs"]=$err ;;
				esac
			fi
		done
		if [ -n "$LARGE_REF" ] && ! $P_OV pull -q --tls-verify=false "$LARGE_REF" >>"$LOGS/prepull.log" 2>&1; then
			STATUS[podman-large]="failed: podman pull of the large image failed"
		fi
		# row 5 per driver
		if [ -n "$LARGE_REF" ] && [ "$SMOKE" = 0 ]; then
			$P_FUSE pull -q --tls-verify=false "$LARGE_REF" >>"$LOGS/prepull.log" 2>&1 ||
				STATUS[podman-fuse-large]="failed: podman pull of the large image (fuse-overlayfs store) failed"
			$P_VFS pull -q --tls-verify=false "$LARGE_REF" >>"$LOGS/prepull.log" 2>&1 ||
				STATUS[podman-vfs-large]="failed: podman pull of the large image (vfs store) failed"
		fi
	fi

	# crun: a rootless bundle of the same busybox rootfs.
	local BUNDLE=$RUN/crun-bundle
	if have crun; then
		mkdir -p "$BUNDLE"
		if (cd "$BUNDLE" && crun spec --rootless) >>"$LOGS/crun-spec.log" 2>&1; then
			python3 - "$BUNDLE/config.json" "$ROOTFS" <<-'EOF'
				import json, sys
				p, rootfs = sys.argv[1], sys.argv[2]
				c = json.load(open(p))
				c["process"]["args"] = ["true"]
				c["process"]["terminal"] = False
				c["root"] = {"path": rootfs, "readonly": True}
				ns = c["linux"]["namespaces"]
				if not any(n["type"] == "network" for n in ns):
				    ns.append({"type": "network"})
				json.dump(c, open(p, "w"), indent=1)
			EOF
		else
			STATUS["crun run (bundle)"]="failed: crun spec --rootless failed"
		fi
	fi

	# ---- 1. start, no network ------------------------------------------------
	add_cmd "urun" "$URUN" "$URUN run --rm --network=none $BB_REF true"
	add_cmd "podman run" podman "$P_OV run --rm --network=none $BB_REF true"
	add_cmd "crun run (bundle)" crun "crun --root $RT/crun run -b $BUNDLE urun-bench-crun"
	add_cmd "bwrap" bwrap "bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev true"
	add_cmd "ch-run" ch-run "ch-run $ROOTFS -- true"
	if have fuse-overlayfs; then
		add_cmd "podman fuse-overlayfs" podman "$P_FUSE run --rm --network=none $BB_REF true"
	else
		STATUS["podman fuse-overlayfs"]="missing: fuse-overlayfs is not installed"
	fi
	add_cmd "podman vfs" podman "$P_VFS run --rm --network=none $BB_REF true"
	if have fuse-overlayfs; then
		add_cmd "urun fuse-overlayfs" "$URUN" "$URUN run --rm --network=none --storage-driver fuse-overlayfs $BB_REF true"
	else
		STATUS["urun fuse-overlayfs"]="missing: fuse-overlayfs is not installed"
	fi
	add_cmd "urun vfs" "$URUN" "$URUN run --rm --network=none --storage-driver vfs $BB_REF true"
	run_group start "$RUNS" 3 none
	local L="1. start \`run --rm --network=none busybox true\`"
	pair "$L, overlay" start urun "podman run"
	pair "$L, overlay" start urun "crun run (bundle)"
	pair "$L, overlay" start urun bwrap
	pair "$L, overlay" start urun ch-run
	pair "$L, fuse-overlayfs" start "urun fuse-overlayfs" "podman fuse-overlayfs"
	pair "$L, vfs" start "urun vfs" "podman vfs"

	if [ "$SMOKE" = 0 ]; then
		# ---- 2. start with the default network (slirp4netns) -----------------
		add_cmd "urun (slirp4netns)" "$URUN" "$URUN run --rm $BB_REF true"
		add_cmd "podman run (slirp4netns)" podman "$P_OV run --rm --network=slirp4netns $BB_REF true"
		if ! have slirp4netns; then
			STATUS["podman run (slirp4netns)"]="missing: slirp4netns is not installed"
			STATUS["urun (slirp4netns)"]="missing: slirp4netns is not installed"
		fi
		run_group start-net "$RUNS" 3 none
		pair "2. start with the default network (slirp4netns)" start-net "urun (slirp4netns)" "podman run (slirp4netns)"

		# ---- 3. exec ----------------------------------------------------------
		if $URUN run -d --name urun-bench-exec --network=none "$BB_REF" sleep 3600 >>"$LOGS/exec.log" 2>&1; then
			add_cmd "urun exec" "$URUN" "$URUN exec urun-bench-exec true"
		else
			STATUS["urun exec"]="failed: urun run -d: $(tail -n 1 "$LOGS/exec.log")"
		fi
		if have podman && [ -z "${STATUS[podman exec]:-}" ]; then
			if $P_OV run -d --name urun-bench-exec --network=none "$BB_REF" sleep 3600 >>"$LOGS/exec.log" 2>&1; then
				add_cmd "podman exec" podman "$P_OV exec urun-bench-exec true"
			else
				STATUS["podman exec"]="failed: podman run -d: $(tail -n 1 "$LOGS/exec.log")"
			fi
		else
			have podman || STATUS["podman exec"]="missing: podman is not installed"
		fi
		run_group exec "$RUNS" 3 none
		$URUN rm -f urun-bench-exec >>"$LOGS/exec.log" 2>&1 || true
		have podman && { $P_OV rm -f -t 0 urun-bench-exec >>"$LOGS/exec.log" 2>&1 || true; }
		pair "3. \`exec true\` into a running container" exec "urun exec" "podman exec"
	fi

	# ---- 4. pull + unpack into an empty store --------------------------------
	local PULL_REF=${LARGE_REF:-$BB_REF} PULL_LAYOUT=$LARGE_LAYOUT D=$RUN/pull
	[ "$SMOKE" = 1 ] && PULL_LAYOUT=$BENCH/cache/images/busybox
	mkdir -p "$D"
	local blobs=() b i seq="" par="" gz="" dirs="" waits=""
	mapfile -t blobs < <(layer_blobs "$PULL_LAYOUT")
	for i in "${!blobs[@]}"; do
		b=${blobs[$i]}
		dirs+=" $D/tar/$i"
		seq+=" && tar -C $D/tar/$i -xzf $b"
		par+="tar -C $D/tar/$i -xzf $b & p$i=\$!; "
		waits+=" && wait \$p$i"
		gz+=" && gzip -dc $b >/dev/null"
	done
	# Each run's store is moved aside, not deleted, before the next: ext4
	# skips inodes deleted in the last minute when it allocates new ones, so
	# after an rm -rf of the previous 7,000 files every file created costs
	# a scan of the inode table (measured: a pull 1.0 s -> 5.7 s in sys time,
	# for every tool alike). A pull lands on a filesystem in use, not on
	# one that just deleted as much; the trash goes with $RUN at the end.
	local trash="mkdir -p $D/trash && t=\$(mktemp -d $D/trash/r.XXXXXX) && for d in"
	local rmu="$trash $D/umoci $D/tar; do [ ! -e \$d ] || mv \$d \$t/; done"
	add_cmd "urun pull" "$URUN" "XDG_DATA_HOME=$D/urun $URUN pull -q $PULL_REF" \
		"$trash $D/urun; do [ ! -e \$d ] || mv \$d \$t/; done"
	add_cmd "podman pull" podman \
		"podman --root $D/podman --runroot $RT/pp --storage-driver overlay pull -q --tls-verify=false $PULL_REF" \
		"$trash $D/podman; do [ ! -e \$d ] || mv \$d \$t/; done; podman --root $D/podman-unshare --runroot $RT/pu --storage-driver overlay unshare rm -rf $RT/pp"
	if have skopeo; then
		add_cmd "skopeo copy + umoci unpack" umoci \
			"mkdir -p $D/umoci && skopeo --policy $RUN/policy.json copy -q --src-tls-verify=false docker://$PULL_REF oci:$D/umoci/layout:bench && umoci unpack --rootless --image $D/umoci/layout:bench $D/umoci/bundle" \
			"$rmu"
	else
		STATUS["skopeo copy + umoci unpack"]="missing: skopeo is not installed"
	fi
	add_cmd "tar -xzf, layers one after another" tar "mkdir -p$dirs$seq" "$rmu"
	add_cmd "tar -xzf, all layers in parallel" tar "mkdir -p$dirs && { $par}$waits" "$rmu"
	add_cmd "gzip -dc only, one after another" gzip "true$gz" "$rmu"
	run_group pull "$PULL_RUNS" 1 sh
	local img="large image"
	[ "$SMOKE" = 1 ] && img="busybox image"
	L="4. pull + unpack, $img, empty store"
	pair "$L" pull "urun pull" "podman pull"
	pair "$L" pull "urun pull" "skopeo copy + umoci unpack"
	pair "$L" pull "urun pull" "tar -xzf, layers one after another"
	pair "$L" pull "urun pull" "tar -xzf, all layers in parallel"
	pair "$L" pull "urun pull" "gzip -dc only, one after another"
	podman --root "$D/podman-unshare" --runroot "$RT/pu" --storage-driver overlay unshare rm -rf "$RT/pp" 2>/dev/null || true

	if [ "$SMOKE" = 0 ]; then
		# ---- 5. file-tree walk and small-file writes (large image) -----------
		local WALK="sh -c 'find / -xdev | wc -l'"
		local WRITE="sh -c 'mkdir /var/bench && i=0 && while [ \$i -lt 2000 ]; do echo \$i > /var/bench/f\$i; i=\$((i+1)); done'"
		for t in urun podman; do
			local run
			if [ "$t" = urun ]; then run="$URUN run --rm --network=none $LARGE_REF"; else run="$P_OV run --rm --network=none $LARGE_REF"; fi
			local why_large=${STATUS[$t-large]:-}
			local tool=$URUN
			[ "$t" = podman ] && tool=podman
			[ -z "$why_large" ] || STATUS["$t true"]=$why_large STATUS["$t walk"]=$why_large STATUS["$t write"]=$why_large
			add_cmd "$t true" "$tool" "$run true"
			add_cmd "$t walk" "$tool" "$run $WALK"
			add_cmd "$t write" "$tool" "$run $WRITE"
		done
		run_group fs "$RUNS" 3 none
		pair "5. start, large image (\`true\`: the baseline of the next two rows), overlay" fs "urun true" "podman true"
		pair "5. file-tree walk \`find / -xdev | wc -l\`, large image, overlay" fs "urun walk" "podman walk"
		pair "5. write 2,000 small files under /var (container root), overlay" fs "urun write" "podman write"
		# the same per driver: fuse-overlayfs, then vfs (which copies the
		# whole image for every container, so fewer runs)
		local d pd
		for d in fuse-overlayfs vfs; do
			pd=$P_FUSE
			[ "$d" = vfs ] && pd=$P_VFS
			local ur="$URUN run --rm --network=none --storage-driver $d $LARGE_REF" pr="$pd run --rm --network=none $LARGE_REF"
			add_cmd "urun $d walk" "$URUN" "$ur $WALK"
			add_cmd "podman $d walk" podman "$pr $WALK"
			add_cmd "urun $d write" "$URUN" "$ur $WRITE"
			add_cmd "podman $d write" podman "$pr $WRITE"
			local pk=podman-fuse-large
			[ "$d" = vfs ] && pk=podman-vfs-large
			if [ -n "${STATUS[$pk]:-}" ]; then
				STATUS["podman $d walk"]=${STATUS[$pk]} STATUS["podman $d write"]=${STATUS[$pk]}
			fi
			if [ "$d" = fuse-overlayfs ] && ! have fuse-overlayfs; then
				STATUS["urun $d walk"]="missing: fuse-overlayfs" STATUS["urun $d write"]="missing: fuse-overlayfs"
			fi
			run_group "fs-$d" "$([ "$d" = vfs ] && echo 5 || echo "$RUNS")" 1 none
			pair "5. file-tree walk, large image, $d" "fs-$d" "urun $d walk" "podman $d walk"
			pair "5. write 2,000 small files, large image, $d" "fs-$d" "urun $d write" "podman $d write"
		done

		# ---- 6. TCP throughput through a published port ---------------------
		local T6="6. TCP throughput, iperf3 through a published port (5 s)"
		if ! have iperf3; then
			text_row "$T6" "–" "missing: iperf3 is not installed" "–"
		else
			local ldso libdirs="" lib hport
			ldso=$(readlink -f "$(ldd "$(command -v iperf3)" | awk '/ld-linux|ld64|ld\.so/ { for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; exit } }')")
			for lib in $(ldd "$(command -v iperf3)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
				libdirs+=":/host$(dirname "$(readlink -f "$lib")")"
			done
			hport=$(free_port)
			iperf3 -s -p "$hport" -D -I "$RT/iperf-host.pid" --logfile "$LOGS/iperf-host-server.log"
			sleep 0.5
			iperf3 -c 127.0.0.1 -p "$hport" -t 5 -J >"$RAW/iperf-host.json" 2>>"$LOGS/iperf.log" || true
			kill "$(cat "$RT/iperf-host.pid")" 2>/dev/null || true
			rm -f "$RT/iperf-host.pid"
			hport=$(free_port)
			if $URUN run -d --name urun-bench-iperf -p "127.0.0.1:$hport:5201" -v /usr:/host/usr:ro --tmpfs /tmp "$BB_REF" \
				"/host$ldso" --library-path "${libdirs#:}" /host/usr/bin/iperf3 -s >>"$LOGS/iperf.log" 2>&1; then
				for i in $(seq 100); do
					$URUN logs urun-bench-iperf 2>&1 | grep -q 'Server listening' && break
					sleep 0.1
				done
				iperf3 -c 127.0.0.1 -p "$hport" -t 5 -J >"$RAW/iperf-urun.json" 2>>"$LOGS/iperf.log" || true
				$URUN rm -f urun-bench-iperf >>"$LOGS/iperf.log" 2>&1 || true
			fi
			python3 "$HERE/report.py" iperf "$ROWS" "$T6 (urun: its splice forwarder), reference" \
				"host loopback, no container" "$RAW/iperf-host.json" "$RAW/iperf-urun.json"
			if have podman; then
				local h
				for h in rootlesskit slirp4netns; do
					hport=$(free_port)
					if $P_OV run -d --name "urun-bench-iperf-$h" --network "slirp4netns:port_handler=$h" \
						-p "127.0.0.1:$hport:5201" -v /usr:/host/usr:ro "$BB_REF" \
						"/host$ldso" --library-path "${libdirs#:}" /host/usr/bin/iperf3 -s >>"$LOGS/iperf.log" 2>&1; then
						for i in $(seq 100); do
							$P_OV logs "urun-bench-iperf-$h" 2>&1 | grep -q 'Server listening' && break
							sleep 0.1
						done
						iperf3 -c 127.0.0.1 -p "$hport" -t 5 -J >"$RAW/iperf-podman-$h.json" 2>>"$LOGS/iperf.log" || true
						$P_OV rm -f -t 0 "urun-bench-iperf-$h" >>"$LOGS/iperf.log" 2>&1 || true
					fi
					python3 "$HERE/report.py" iperf "$ROWS" "$T6" "podman, slirp4netns, port_handler=$h" \
						"$RAW/iperf-podman-$h.json" "$RAW/iperf-urun.json"
				done
			else
				text_row "$T6" "–" "missing: podman is not installed" "–"
			fi
		fi

		# ---- 7. memory; 50 containers at once ---------------------------------
		local R7="$RAW/rss"
		local ut="" pt=""
		[ "${STATUS[urun]:-}" = ok ] || ut="${STATUS[urun]:-not run}"
		[ "${STATUS[podman run]:-}" = ok ] || pt="${STATUS[podman run]:-not run}"
		if [ -z "$ut" ]; then
			run_bg "$R7-urun-1.json" "$LOGS/rss.log" python3 "$HERE/rss.py" -- \
				$URUN run --rm --network=none "$BB_REF" sleep 2 || true
			run_bg "$R7-urun-50.json" "$LOGS/rss.log" python3 "$HERE/rss.py" -n 50 -- \
				$URUN run --rm --network=none "$BB_REF" sleep 3 || true
		fi
		if [ -z "$pt" ]; then
			run_bg "$R7-podman-1.json" "$LOGS/rss.log" python3 "$HERE/rss.py" --pidfile "$RT/conmon.{i}.pid" -- \
				$P_OV run --rm --network=none --conmon-pidfile "$RT/conmon.{i}.pid" "$BB_REF" sleep 2 || true
			run_bg "$R7-podman-50.json" "$LOGS/rss.log" python3 "$HERE/rss.py" -n 50 --pidfile "$RT/conmon.{i}.pid" -- \
				$P_OV run --rm --network=none --conmon-pidfile "$RT/conmon.{i}.pid" "$BB_REF" sleep 3 || true
		fi
		python3 "$HERE/report.py" rss "$ROWS" "7. peak RSS (VmHWM) of the launcher while \`sleep 2\` runs" max_kib \
			"$R7-urun-1.json" "$R7-podman-1.json" "$ut" "$pt"
		python3 "$HERE/report.py" rss "$ROWS" "7. 50 containers (\`sleep 3\`) at once: sum of launcher peak RSS" sum_kib \
			"$R7-urun-50.json" "$R7-podman-50.json" "$ut" "$pt"
		local burst=$((RUNS < 3 ? RUNS : 3))
		[ -n "$ut" ] || add_cmd "urun x50" "$URUN" "$HERE/par.sh 50 $URUN run --rm --network=none $BB_REF true"
		[ -n "$pt" ] || add_cmd "podman x50" podman "$HERE/par.sh 50 $P_OV run --rm --network=none $BB_REF true"
		[ -z "$ut" ] || STATUS["urun x50"]=$ut
		[ -z "$pt" ] || STATUS["podman x50"]=$pt
		run_group burst "$burst" 1 none
		pair "7. 50 containers \`run --rm true\` at once: total wall time" burst "urun x50" "podman x50"
	fi

	# ---- report ---------------------------------------------------------------
	local load1 ENV=$RUN/env.md repro=""
	if [ "$SMOKE" = 1 ]; then
		repro=" --smoke"
	else
		[ "$RUNS" = 20 ] || repro+=" --runs $RUNS"
		[ "$PULL_RUNS" = 5 ] || repro+=" --pull-runs $PULL_RUNS"
		[ "$ROUNDS" = 4 ] || repro+=" --rounds $ROUNDS"
	fi
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	local img_info=""
	if [ "$SMOKE" = 0 ] && [ -f "$LARGE_LAYOUT.info.json" ]; then
		img_info=$(python3 - "$LARGE_LAYOUT.info.json" <<-'EOF'
			import json, sys
			i = json.load(open(sys.argv[1]))
			print("%d layers, %.1f MB compressed (layers: %s), %d tar entries, %.1f MB in %d regular files"
			      % (i["layers"], i["compressed_bytes"] / 1e6,
			         " + ".join("%.1f MB" % (b / 1e6) for b in i["layer_bytes"]),
			         i["entries"], i["file_bytes"] / 1e6, i["regular_files"]))
		EOF
		)
	fi
	{
		printf '# urun benchmarks (%s mode)\n\n' "$mode"
		printf 'Produced by `sudo tests/bench/run.sh%s` on %s: %s timed run(s) per command (%s for the pull rows, 3 for the 50-container burst), ' \
			"$repro" "$(date -u '+%F %H:%M UTC')" "$RUNS" "$PULL_RUNS"
		if [ "$SMOKE" = 1 ]; then
			printf 'no warm-up, one hyperfine invocation per group. '
		else
			printf 'after 3 warm-up runs (1 for pulls and the burst), split into %s hyperfine invocations (rounds) per group. ' "$ROUNDS"
		fi
		printf 'Every measurement ran as the unprivileged user `%s`.\n\n' "$(id -un)"
		printf '@TABLE@\n\n'
		printf 'Cells: median (min–max) wall time; ratio = urun median / peer median (below 1: urun is faster). '
		printf 'Raw hyperfine JSON (merged per group, and per round) is in raw/.\n\n'
		printf '## Environment\n\n'
		printf -- '- kernel %s, %s, Debian %s\n' "$(uname -r)" "$(uname -m)" "$(cat /etc/debian_version 2>/dev/null || echo '?')"
		printf -- '- %s CPUs (%s), %s MiB RAM\n' "$(nproc)" \
			"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
			"$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
		printf -- '- cgroups: %s; load average at start %s, at end %s\n' \
			"$([ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || { [ -d /sys/fs/cgroup/unified ] && echo 'v1/v2 hybrid' || echo v1; })" \
			"$load0" "$load1"
		printf -- '- urun: %s (source %s, binary sha256 %s)\n' "$("$URUN" --version 2>&1 | head -n 1)" \
			"${SRC_REV:-unknown}" "$(sha256sum <"$URUN" | cut -c1-12)"
		versions
		printf '\n## Images\n\n'
		printf -- '- busybox: tests/lib/mkimages.sh (busybox-static, one layer); crun, bwrap and ch-run use the same tree (busybox-rootfs)\n'
		if [ "$SMOKE" = 0 ]; then
			printf -- '- large: %s; %s\n' "${img_info:-?}" "$large_note"
			printf -- '- layer 2: /opt/bench-app, 1,500 small text files and a 4 MiB binary; layer 3: a few files and a whiteout (tests/bench/mklarge.py)\n'
		fi
		printf -- '- both served by a loopback docker-registry (tests/lib/registry.sh), plain HTTP\n'
		printf '\n## How the peers were run\n\n'
		printf -- '- podman: rootless, containers.conf with `cgroup_manager = "cgroupfs"`, `events_logger = "file"`, `runtime = "crun"`; `--root` in the bench dir (rootless podman ignores graphroot), `--runroot` and XDG_RUNTIME_DIR short (`%s`, %s, for every tool: port forwarding breaks on long paths); native kernel overlay, or `--storage-opt overlay.mount_program=fuse-overlayfs`, or vfs, each with its own store\n' "$RT" "$RT_KIND"
		printf -- '- crun: `crun spec --rootless`, args `["true"]`, root = the busybox tree read-only, own network namespace; on a cgroup v1/v2 hybrid host crun 1.8 needs the v1 hugetlb hierarchy mounted (run.sh does it as root)\n'
		printf -- '- bwrap: `bwrap --unshare-all --ro-bind ROOTFS / --proc /proc --dev /dev true`; ch-run: `ch-run ROOTFS -- true`\n'
		printf -- '- pull rows: every run starts from an empty store (hyperfine --prepare moves the previous one aside, deleted only at the end: right after deleting ~7,000 files, ext4 makes every new file scan past the freed inodes and all tools slow down ~5×); the tar and gzip floors read the same layer blobs from the local OCI layout, each layer into its own directory\n'
		printf -- '- urun and podman stores, XDG_* directories and TMPDIR live in a fresh directory under %s, removed at the end\n' "$BENCH"
		printf '\n## Caveats\n\n'
		printf -- '- hyperfine runs all runs of one command before the next; the rounds (%s) interleave the commands at a coarser grain\n' "$ROUNDS"
		printf -- '- other work on the machine during the run shows in the load averages above and in the max column\n'
		printf -- '- urun writes a container'"'"'s changes to a tmpfs upper layer; podman writes them to its store on disk (row 5 writes)\n'
		printf -- '- podman'"'"'s memory row counts the podman process and conmon (--conmon-pidfile), not the shared pause process\n'
		printf '\nTotal time of this benchmark run: %d s.\n' "$((SECONDS - t0))"
	} >"$ENV"
	python3 "$HERE/report.py" render "$ROWS" "$ENV" "$RES/results.md"
	cp "$ROWS" "$RAW/rows.jsonl" 2>/dev/null || true
	say "done in $((SECONDS - t0)) s"
}

if [ "$PHASE" = user ]; then
	user_phase
else
	root_phase
fi
