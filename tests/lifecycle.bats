#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# lifecycle.bats: containers with state: run -d, ps, exec, logs, stop, kill,
# rm, start, inspect, container prune; a dead monitor; names; the runtime dir.

load lib/common
bats_require_minimum_version 1.5.0

IMG=localhost/busybox

setup_file() { ctr_suite_begin lifecycle busybox; }
teardown_file() { ctr_suite_end; }
setup() { ctr_test_setup; }
teardown() { ctr_test_teardown; }

# Processes of ours whose command line contains $1 (not this shell's).
procs_matching() {
	pgrep -u "$(id -u)" -f -- "$1" | while read -r p; do echo "$p $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"; done
}

@test "run -d prints the id; ps, ps -q, --format json and a template list it" {
	run "$URUN" run -d --name web "$IMG" sleep 1000
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run "$URUN" ps
	[ "$status" -eq 0 ]
	assert_contains "${lines[0]}" "CONTAINER ID"
	assert_contains "${lines[1]}" "${id:0:12}"
	assert_contains "${lines[1]}" "Up "
	assert_contains "${lines[1]}" "web"
	run "$URUN" ps -q
	assert_eq "$output" "${id:0:12}"
	run "$URUN" ps --no-trunc -q
	assert_eq "$output" "$id"
	run "$URUN" ps --format json
	assert_contains "$output" "\"Id\": \"$id\""
	assert_contains "$output" "\"State\": \"running\""
	run "$URUN" ps --format '{{.Names}}|{{.State}}|{{.Image}}'
	assert_eq "$output" "web|running|localhost/busybox:latest"
	run "$URUN" inspect --format '{{.State.Status}} {{.Name}} {{.Id}}' web
	assert_eq "$output" "running web $id"
}

@test "exec: exit code, environment, user, workdir, and the container's security" {
	"$URUN" run -d --name c -e FROMRUN=1 "$IMG" sleep 1000 >/dev/null
	run "$URUN" exec c sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$URUN" exec -e EXTRA=2 c sh -c 'echo $FROMRUN$EXTRA'
	assert_eq "$output" "12"
	run "$URUN" exec -u 1000:1000 -w /tmp c sh -c 'id -u; id -g; pwd'
	assert_eq "${lines[*]}" "1000 1000 /tmp"
	# the same capabilities, seccomp mode and no_new_privs as PID 1
	local want got
	want=$("$URUN" exec c sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/1/status')
	got=$("$URUN" exec c sh -c 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status')
	assert_eq "$got" "$want"
	assert_contains "$got" "Seccomp:	2"
	assert_contains "$got" "NoNewPrivs:	1"
	# every namespace of the container
	run "$URUN" exec c sh -c 'for n in mnt pid uts ipc net user cgroup; do [ "$(readlink /proc/1/ns/$n)" = "$(readlink /proc/self/ns/$n)" ] || echo differs $n; done; echo checked'
	assert_eq "$output" "checked"
	run -127 "$URUN" exec c nonexistent-cmd
	run -126 "$URUN" exec c /etc/passwd
}

@test "exec says why a command cannot be executed, with podman's status and a hint" {
	"$URUN" run -d --name x "$IMG" sleep 1000 >/dev/null
	"$URUN" exec x sh -c 'ln -s /nonexistent/target /bin/dangling &&
		printf "#!/no/such/interp\\n" >/bin/badinterp && printf "echo hi\\n" >/bin/noshebang &&
		chmod 755 /bin/badinterp /bin/noshebang && printf "echo hi\\n" >/bin/plain && mkdir /bin/adir'
	run -127 "$URUN" exec x /bin/dangling
	assert_contains "$output" "urun: executable file \`/bin/dangling\` not found: it is a symbolic link to \`/nonexistent/target\`, which does not exist in the container"
	assert_contains "$output" "hint: "
	run -127 "$URUN" exec x dangling
	assert_contains "$output" "is a symbolic link to \`/nonexistent/target\`"
	run -126 "$URUN" exec x /bin/plain
	assert_contains "$output" "urun: cannot execute \`/bin/plain\`: permission denied: it is not executable (mode 0644)"
	assert_contains "$output" "hint: make it executable in the image (chmod +x)"
	run -126 "$URUN" exec x /bin/adir
	assert_contains "$output" "urun: cannot execute \`/bin/adir\`: it is a directory"
	run -1 "$URUN" exec x /bin/badinterp
	assert_contains "$output" "urun: cannot execute \`/bin/badinterp\`: its interpreter \`/no/such/interp\` (from its #! line) does not exist in the container"
	assert_contains "$output" "hint: install \`/no/such/interp\` in the image"
	run -1 "$URUN" exec x /bin/noshebang
	assert_contains "$output" "exec format error: it is neither an ELF binary nor a script starting with #!"
	run -127 "$URUN" exec x no-such-command
	assert_contains "$output" "urun: executable file \`no-such-command\` not found in \$PATH"
	assert_contains "$output" "hint: check the command name and the image's PATH"
	# run -d: the detached monitor passes reason and hint to the caller
	run -126 "$URUN" run -d --rm "$IMG" /bin
	assert_contains "$output" "urun: cannot execute \`/bin\`: it is a directory"
	assert_contains "$output" "hint: give the path of a program inside it"
}

@test "exec -t gives a terminal" {
	command -v python3 >/dev/null || skip "python3 missing"
	"$URUN" run -d --name t "$IMG" sleep 1000 >/dev/null
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" exec -it t sh -c "tty; test -t 0 && echo stdin-is-tty; stty size; exit 4"
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "stdin-is-tty"
	assert_contains "$output" "33 77"
	assert_contains "$output" "restored 4"
}

@test "exec cannot be taken over by the container it joins (CVE-2016-9962 class)" {
	command -v python3 >/dev/null || skip "python3 missing"
	# A compromised container: /etc/passwd is a FIFO, which held an old joining
	# process for as long as the container liked, and urun-probe attacks every
	# process that enters its pid namespace: ptrace, /proc/PID/exe, /proc/PID/fd
	# (TIOCSTI and a file created through each fd), a controlling terminal.
	"$URUN" run -d --name hj -v "$URUN_PROBE:/dev/probe:ro" "$IMG" \
		sh -c 'rm -f /etc/passwd && mkfifo /etc/passwd && exec /dev/probe hijack /etc/passwd' >/dev/null
	local i
	for i in $(seq 100); do "$URUN" logs hj | grep -q '^ready' && break; sleep 0.1; done
	local home=$BATS_TEST_TMPDIR/home
	mkdir "$home"
	# The caller has a terminal and a directory fd open (not close-on-exec).
	run python3 "$top_srcdir/tests/lib/on-pty.py" /bin/bash -c \
		'exec 7<"$2"; for i in 1 2 3 4 5 6 7 8; do "$1" exec hj sh -c "echo ran-\$PPID" || echo "exec failed: $?"; done' \
		_ "$URUN" "$home"
	local execs=$output
	run "$URUN" logs hj
	echo "$output"
	assert_contains "$output" "ready"
	if grep WIN <<<"$output"; then return 1; fi
	[ ! -e "$home/urun-hijacked" ]
	echo "$execs"
	[ "$(grep -c '^ran-0' <<<"$execs")" -eq 8 ]
}

@test "exec into a container that is not running fails clearly" {
	"$URUN" run --name done "$IMG" true
	run "$URUN" exec done true
	[ "$status" -eq 125 ]
	assert_contains "$output" "container done is not running"
	run "$URUN" exec nosuch true
	[ "$status" -eq 125 ]
	assert_contains "$output" "no container with name or ID \`nosuch\` found"
}

@test "logs, --tail, -f; stop runs the trap and records the exit code" {
	"$URUN" run -d --name l "$IMG" sh -c 'trap "echo bye; exit 3" TERM; for i in 1 2 3; do echo line$i; done; echo err >&2; while :; do sleep 0.1; done' >/dev/null
	local i
	for i in $(seq 50); do [ "$("$URUN" logs l | wc -l)" -ge 4 ] && break; sleep 0.1; done
	run "$URUN" logs l
	assert_eq "${lines[*]}" "line1 line2 line3 err"
	run "$URUN" logs --tail 2 l
	assert_eq "${lines[*]}" "line3 err"
	run "$URUN" logs --tail 0 l
	assert_eq "$output" ""
	# -f ends when the container stops
	"$URUN" logs -f l >"$BATS_TEST_TMPDIR/follow" &
	local follower=$!
	run "$URUN" stop l
	[ "$status" -eq 0 ]
	assert_eq "$output" "l"
	wait "$follower"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/follow")" "bye"
	run "$URUN" ps -a --format '{{.Status}}'
	assert_contains "$output" "Exited (3)"
	run "$URUN" inspect --format '{{.State.Status}} {{.State.ExitCode}}' l
	assert_eq "$output" "exited 3"
}

@test "stop escalates to SIGKILL after -t for a PID 1 that ignores SIGTERM" {
	"$URUN" run -d --name s "$IMG" sleep 1000 >/dev/null
	run "$URUN" stop -t 1 s
	[ "$status" -eq 0 ]
	run "$URUN" inspect --format '{{.State.ExitCode}}' s
	assert_eq "$output" "137"
	[ -z "$(procs_matching 'sleep 1000')" ]
	# without -t, the container's own --stop-timeout (not 10 s) applies
	"$URUN" run -d --name s2 --stop-timeout 1 "$IMG" sleep 1000 >/dev/null
	run timeout 6 "$URUN" stop s2
	[ "$status" -eq 0 ]
	run "$URUN" inspect --format '{{.State.ExitCode}}' s2
	assert_eq "$output" "137"
}

@test "kill sends SIGKILL, or the signal given" {
	"$URUN" run -d --name k --init "$IMG" sh -c 'trap "exit 10" USR1; while :; do sleep 0.1; done' >/dev/null
	run "$URUN" kill -s USR1 k
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 50); do [ "$("$URUN" inspect --format '{{.State.Status}}' k)" = exited ] && break; sleep 0.1; done
	run "$URUN" inspect --format '{{.State.ExitCode}}' k
	assert_eq "$output" "10"
	run "$URUN" kill k
	[ "$status" -eq 125 ]
	assert_contains "$output" "container k is not running"
	run "$URUN" kill -s NOSUCH k
	[ "$status" -eq 125 ]
	"$URUN" run -d --name k2 "$IMG" sleep 1000 >/dev/null
	"$URUN" kill k2
	for i in $(seq 50); do [ "$("$URUN" inspect --format '{{.State.Status}}' k2)" = exited ] && break; sleep 0.1; done
	run "$URUN" inspect --format '{{.State.ExitCode}}' k2
	assert_eq "$output" "137"
}

@test "rm refuses a running container, rm -f removes it and leaves nothing" {
	local id
	id=$("$URUN" run -d --name r "$IMG" sh -c 'echo data > /file; sleep 1000')
	[ -d "$XDG_DATA_HOME/urun/containers/$id/upper" ]
	run "$URUN" rm r
	[ "$status" -eq 125 ]
	assert_contains "$output" "container r is running"
	assert_contains "$output" "rm -f"
	run "$URUN" rm -f r
	[ "$status" -eq 0 ]
	[ ! -e "$XDG_DATA_HOME/urun/containers/$id" ]
	[ ! -e "$XDG_RUNTIME_DIR/urun/containers/$id" ]
	[ -z "$(procs_matching "sleep 1000")" ]
	[ -z "$(grep " $XDG_DATA_HOME" /proc/self/mountinfo)" ]
	run "$URUN" ps -a -q
	assert_eq "$output" ""
}

@test "kill -9 of the monitor: ps -a shows it exited, rm cleans up" {
	local id mon
	id=$("$URUN" run -d --name m "$IMG" sleep 1000)
	mon=$("$URUN" inspect --format '{{.State.ConmonPid}}' m)
	[ "$mon" -gt 1 ]
	kill -9 "$mon"
	local i
	for i in $(seq 50); do [ -z "$(procs_matching 'sleep 1000')" ] && break; sleep 0.1; done
	[ -z "$(procs_matching 'sleep 1000')" ]
	run "$URUN" ps -a --format '{{.Names}} {{.State}} {{.ExitCode}}'
	assert_eq "$output" "m exited -1"
	run "$URUN" inspect --format '{{.State.Error}}' m
	assert_contains "$output" "monitor process died"
	run "$URUN" rm m
	[ "$status" -eq 0 ]
	[ ! -e "$XDG_DATA_HOME/urun/containers/$id" ]
	[ ! -e "$XDG_RUNTIME_DIR/urun/containers/$id" ]
}

@test "a name in use is refused with the holder's id; names are generated" {
	local id
	id=$("$URUN" run -d --name dup "$IMG" sleep 1000)
	run "$URUN" run --name dup "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "the container name \`dup\` is already in use by ${id:0:12}"
	run "$URUN" run --name 'bad name' "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "is invalid"
	"$URUN" run "$IMG" true
	run "$URUN" ps -a --format '{{.Names}}'
	[[ "${lines[0]}" =~ ^[a-z]+_[a-z]+[0-9]*$ ]]
	assert_eq "${lines[1]}" "dup"
}

@test "start runs a stopped container again with the same writable layer" {
	"$URUN" run -d --name st "$IMG" sh -c 'cat /count 2>/dev/null; echo x >> /count; sleep 1000' >/dev/null
	local i
	# the first run must have written /count before it is stopped
	for i in $(seq 50); do "$URUN" exec st test -e /count && break; sleep 0.1; done
	"$URUN" stop -t 0 st >/dev/null
	run "$URUN" start st
	[ "$status" -eq 0 ]
	assert_eq "$output" "st"
	run "$URUN" ps --format '{{.Names}} {{.State}}'
	assert_eq "$output" "st running"
	for i in $(seq 50); do [ "$("$URUN" logs st | wc -l)" -ge 1 ] && break; sleep 0.1; done
	run "$URUN" logs st
	assert_eq "$output" "x"
	run "$URUN" start st
	[ "$status" -eq 0 ]
	"$URUN" stop -t 0 st >/dev/null
	# start -a stays attached and exits with the command's status
	"$URUN" run --name fg "$IMG" sh -c 'test -e /mark && exit 5; touch /mark; exit 4' || true
	run "$URUN" start -a fg
	[ "$status" -eq 5 ]
}

@test "foreground runs are kept (docker semantics) unless --rm" {
	run "$URUN" run --name kept "$IMG" sh -c 'exit 6'
	[ "$status" -eq 6 ]
	run "$URUN" ps -a --format '{{.Names}} {{.Status}}'
	assert_contains "$output" "kept Exited (6)"
	run "$URUN" run --rm --name gone "$IMG" true
	[ "$status" -eq 0 ]
	run "$URUN" ps -a --format '{{.Names}}'
	assert_eq "$output" "kept"
	[ "$(ls "$XDG_DATA_HOME/urun/containers" | wc -l)" -eq 1 ]
}

@test "run -d --rm: stopping removes everything" {
	local id
	id=$("$URUN" run -d --rm --name dr "$IMG" sleep 1000)
	[ -e "$XDG_RUNTIME_DIR/urun/containers/$id" ]
	"$URUN" stop -t 0 dr
	run "$URUN" ps -a -q
	assert_eq "$output" ""
	[ ! -e "$XDG_DATA_HOME/urun/containers/$id" ]
	[ ! -e "$XDG_RUNTIME_DIR/urun/containers/$id" ]
}

@test "a foreground --rm container killed by SIGTERM is removed" {
	"$URUN" run --rm --name fgrm "$IMG" sleep 1000 &
	local pid=$! i
	# the record says running once the command was exec'd
	for i in $(seq 50); do [ "$("$URUN" ps --format '{{.Names}}')" = fgrm ] && break; sleep 0.1; done
	run "$URUN" ps --format '{{.Names}}'
	assert_eq "$output" "fgrm"
	kill -TERM "$pid"
	wait "$pid" || true
	run "$URUN" ps -a -q
	assert_eq "$output" ""
	[ -z "$(ls -A "$XDG_DATA_HOME/urun/containers")" ]
}

@test "run -di keeps stdin open; run -dt keeps a shell and logs its terminal" {
	"$URUN" run -di --name di "$IMG" cat >/dev/null
	"$URUN" run -dt --name dt "$IMG" sh -c 'tty; exec sh' >/dev/null
	sleep 0.5
	run "$URUN" ps --format '{{.Names}}'
	assert_contains "$output" "di"
	assert_contains "$output" "dt"
	run "$URUN" logs dt
	assert_contains "$output" "/dev/pts/0"
}

@test "container prune removes stopped containers and keeps running ones" {
	"$URUN" run --name a1 "$IMG" true
	"$URUN" run --name a2 "$IMG" true
	"$URUN" run -d --name up "$IMG" sleep 1000 >/dev/null
	run "$URUN" container prune -f
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run "$URUN" container ls --format '{{.Names}}'
	assert_eq "$output" "up"
	[ "$(ls "$XDG_DATA_HOME/urun/containers" | wc -l)" -eq 1 ]
}

@test "container and inspect: subcommands and an image falls back to image inspect" {
	"$URUN" run --name ci "$IMG" true
	run "$URUN" container inspect --format '{{.Config.Cmd}}' ci
	assert_eq "$output" "[true]"
	run "$URUN" inspect "$IMG"
	[ "$status" -eq 0 ]
	assert_contains "$output" "sha256:"
	run "$URUN" container rm ci
	[ "$status" -eq 0 ]
	run "$URUN" container bogus
	[ "$status" -eq 125 ]
	assert_contains "$output" "unknown subcommand"
}

@test "the runtime dir: XDG_RUNTIME_DIR of another user is not used; a symlink is refused" {
	# / is not ours: urun falls back to /tmp/urun-UID (what su and cron give)
	XDG_RUNTIME_DIR=/ run "$URUN" info --format '{{.host.runtimeDir}}'
	assert_eq "$output" "/tmp/urun-$(id -u)"
	ln -s "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/link"
	URUN_RUNTIME_DIR="$BATS_TEST_TMPDIR/link" run "$URUN" run --rm "$IMG" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "is a symlink"
	assert_contains "$output" "runtime_dir"
	mkdir -m 0755 "$BATS_TEST_TMPDIR/open"
	URUN_RUNTIME_DIR="$BATS_TEST_TMPDIR/open" run "$URUN" run --rm "$IMG" true
	[ "$status" -eq 0 ]
	assert_eq "$(stat -c %a "$BATS_TEST_TMPDIR/open")" "700"
}

@test "containers share one mapped user namespace, held by a keeper that leaves when idle" {
	local a b
	"$URUN" run -d --name u1 "$IMG" sleep 1000 >/dev/null
	"$URUN" run -d --name u2 "$IMG" sleep 1000 >/dev/null
	a=$("$URUN" exec u1 readlink /proc/self/ns/user)
	b=$("$URUN" exec u2 readlink /proc/self/ns/user)
	assert_eq "$b" "$a"
	# each still has its own pid, mount and network namespaces
	[ "$("$URUN" exec u1 readlink /proc/self/ns/pid)" != "$("$URUN" exec u2 readlink /proc/self/ns/pid)" ]
	[ "$("$URUN" exec u1 readlink /proc/self/ns/net)" != "$("$URUN" exec u2 readlink /proc/self/ns/net)" ]
	run "$URUN" exec u1 cat /proc/self/uid_map
	assert_contains "$output" "0       $(id -u)          1"
	# without the keeper, a namespace each
	URUN_USERNS_KEEPER=false "$URUN" run -d --name u3 "$IMG" sleep 1000 >/dev/null
	[ "$("$URUN" exec u3 readlink /proc/self/ns/user)" != "$a" ]
	"$URUN" rm -af >/dev/null
	# an idle keeper goes away by itself (a runtime dir of its own: a new keeper)
	local run2="$BATS_TEST_TMPDIR/run2"
	mkdir -m 0700 "$run2"
	XDG_RUNTIME_DIR=$run2 URUN_USERNS_KEEPER_IDLE=2 "$URUN" run --rm --network none "$IMG" true
	local kpid
	read -r kpid _ <"$run2/urun/userns/"????????????????
	[ "$(cat /proc/$kpid/comm)" = urun-userns ]
	local i
	for i in $(seq 100); do [ -d "/proc/$kpid" ] && [ "$(awk '{print $3}' /proc/$kpid/stat)" != Z ] || break; sleep 0.2; done
	[ ! -d "/proc/$kpid" ] || [ "$(awk '{print $3}' /proc/$kpid/stat)" = Z ]
}

@test "a container's monitor maps no libcrypto, libcurl or libarchive (loaded only to pull and unpack)" {
	# The launcher's resident memory while a container runs (issue 8: <= 4 MiB):
	# libcrypto alone was 3.3 MiB of 6. Hashing on the run path is nettle's.
	"$URUN" run -d --name lean "$IMG" sleep 1000 >/dev/null
	local mon
	mon=$("$URUN" inspect --format '{{.State.ConmonPid}}' lean)
	[ -r "/proc/$mon/maps" ]
	run grep -cE 'lib(crypto|ssl|curl|archive)\.so' "/proc/$mon/maps"
	assert_eq "$output" "0" "libraries mapped by the detached monitor"
	"$URUN" run --rm --network none "$IMG" sleep 1000 &
	local fg=$! i
	for i in $(seq 50); do
		[ -n "$(pgrep -P "$fg" 2>/dev/null)" ] && break
		sleep 0.1
	done
	run grep -cE 'lib(crypto|ssl|curl|archive)\.so' "/proc/$fg/maps"
	kill -TERM "$fg"
	wait "$fg" || true
	assert_eq "$output" "0" "libraries mapped by a foreground urun run"
	"$URUN" rm -f lean >/dev/null
}

# close_all_except once kept only the first 16 fds it was given: a detached
# monitor of an image with more than 11 layers dropped the locks that mark
# the rest of its layers as in use (image prune could then remove them).
@test "a detached container of a 20-layer image holds a lock on every layer" {
	local lay="$BATS_TEST_TMPDIR/many"
	cp -a "$IMAGES/busybox" "$lay"
	python3 - "$lay" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
lay = sys.argv[1]
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(lay, "blobs", "sha256", d), "wb").write(data)
    return "sha256:" + d
def load(digest):
    return json.load(open(os.path.join(lay, "blobs", "sha256", digest[7:])))
index = json.load(open(os.path.join(lay, "index.json")))
man = load(index["manifests"][0]["digest"])
cfg = load(man["config"]["digest"])
for i in range(19):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = b"layer %d\n" % i
        ti = tarfile.TarInfo("l%d" % i); ti.size = len(data); ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))
    gz = gzip.compress(raw.getvalue(), mtime=0)
    man["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                          "digest": blob(gz), "size": len(gz)})
    cfg["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
c = json.dumps(cfg).encode()
man["config"] = {"mediaType": man["config"]["mediaType"], "digest": blob(c), "size": len(c)}
m = json.dumps(man).encode()
index["manifests"][0].update(digest=blob(m), size=len(m))
json.dump(index, open(os.path.join(lay, "index.json"), "w"))
PY
	"$URUN" pull -q "oci:$lay" >/dev/null
	run "$URUN" run -d --name many "oci:$lay" sleep 1000
	[ "$status" -eq 0 ]
	local mon n
	mon=$("$URUN" inspect --format '{{.State.ConmonPid}}' many)
	[ "$mon" -gt 0 ]
	# one shared lock per layer (20) and one on the image
	n=$(for f in /proc/"$mon"/fd/*; do readlink "$f"; done | grep -c "/locks/")
	assert_eq "$n" 21 "lock files the monitor holds"
}
