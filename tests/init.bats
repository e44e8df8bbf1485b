#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# init.bats: helpers/urun-init outside a container (not PID 1, so it works as
# a subreaper) and as PID 1 of a new PID namespace made with unshare(1).
#
# URUN_INIT is the binary under test (default ${top_builddir:-.}/helpers/urun-init).

setup() {
	URUN_INIT=${URUN_INIT:-${top_builddir:-.}/helpers/urun-init}
	if [ ! -x "$URUN_INIT" ]; then
		echo "urun-init not found at '$URUN_INIT' (set URUN_INIT or top_builddir)" >&2
		return 1
	fi
	# run(1) from a directory the test user may not be able to read
	# (su) must still find the binary.
	URUN_INIT=$(cd "$(dirname "$URUN_INIT")" && pwd)/$(basename "$URUN_INIT")
	TMP=$BATS_TEST_TMPDIR
}

bats_require_minimum_version 1.5.0

# urun-init with stdin from /dev/null, so that whether bats runs on a
# terminal never matters, and with a timeout, so a hang fails instead of
# blocking the suite. A leading -N is run's expected status (needed for 127).
init() {
	local expect=()
	if [[ ${1-} =~ ^-[0-9]+$ ]]; then expect=("$1"); shift; fi
	run "${expect[@]}" timeout 30 "$URUN_INIT" "$@" </dev/null
}

# urun-init as PID 1 of a new PID namespace, with its own /proc; the user
# namespace makes this work unprivileged. --kill-child: nothing survives a
# timeout.
NS_OPTS=(--user --map-root-user --pid --fork --mount-proc --kill-child)
init_pid1() {
	local expect=()
	if [[ ${1-} =~ ^-[0-9]+$ ]]; then expect=("$1"); shift; fi
	if ! unshare "${NS_OPTS[@]}" true </dev/null >/dev/null 2>&1; then
		skip "cannot create user and PID namespaces here"
	fi
	run "${expect[@]}" timeout 30 unshare "${NS_OPTS[@]}" "$URUN_INIT" "$@" </dev/null
}

# A CMD that orphans a grandchild, checks it was re-parented to urun-init
# (CMD's parent), then that it is reaped once it exits: no zombie child of
# urun-init may be left. $1: a scratch directory.
write_orphan_script() {
	cat >"$TMP/orphan.sh" <<'EOF'
dir=$1
init=$PPID
# "STATE PPID" of process $1, from /proc/$1/stat after the "(comm) " field
# (which can contain spaces); fails once the process is gone.
state_ppid() {
	line=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	set -- ${line##*) }
	echo "$1 $2"
}
# The inner sh exits at once, orphaning its background sleep.
sh -c 'sleep 1 & echo $! >"$1"' sh "$dir/orphan"
orphan=$(cat "$dir/orphan")
set -- $(state_ppid "$orphan") || { echo "orphan $orphan died too early"; exit 10; }
[ "$2" = "$init" ] || { echo "orphan $orphan has parent $2, not urun-init ($init)"; exit 11; }
# Once it exits it must disappear: a zombie stays "Z $init" forever. (A
# recycled PID would have another parent, so it ends the loop too.)
i=0
while s=$(state_ppid "$orphan") && [ "${s#* }" = "$init" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || { echo "orphan $orphan not reaped: $s"; exit 12; }
	sleep 0.1
done
for f in /proc/[0-9]*/stat; do
	p=${f#/proc/}
	p=${p%/stat}
	s=$(state_ppid "$p") || continue
	[ "$s" != "Z $init" ] || { echo "zombie $p under urun-init"; exit 13; }
done
echo "reaped by $init"
EOF
}

# "PGRP TPGID" of the calling shell ($$), read from /proc/$$/stat.
PGRP_TPGID='read -r l </proc/$$/stat; set -- ${l##*) }; echo "$3 $6"'

@test "--version prints the version" {
	init --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^urun-init\ [0-9][0-9A-Za-z.+~-]*$ ]]
}

@test "no command is a usage error (125)" {
	init
	[ "$status" -eq 125 ]
	[[ "$output" == *usage:* ]]
	init --
	[ "$status" -eq 125 ]
	init --bogus true
	[ "$status" -eq 125 ]
}

@test "arguments reach CMD unchanged, with or without --" {
	init -- printf '[%s]' a 'b c' '' --
	[ "$status" -eq 0 ]
	[ "$output" = "[a][b c][][--]" ]
	init printf ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "exit code of CMD is passed through" {
	init -- sh -c 'exit 42'
	[ "$status" -eq 42 ]
	init -- true
	[ "$status" -eq 0 ]
}

@test "CMD killed by a signal gives 128+signal" {
	init -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "SIGTERM to urun-init is forwarded to CMD" {
	# CMD says when its trap is in place; exit 3 (after 10 s) if no
	# signal ever arrives. fd 3 closed: bats would wait for it.
	"$URUN_INIT" -- sh -c 'trap "exit 7" TERM; : >"$1"
		i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; exit 3' \
		sh "$TMP/ready" </dev/null 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
	[ -e "$TMP/ready" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 7 ]
}

@test "an untrapped forwarded signal kills CMD: 128+signal" {
	"$URUN_INIT" -- sh -c ': >"$1"; exec sleep 10' sh "$TMP/ready" </dev/null 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
	kill -HUP "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 129 ]
}

@test "orphaned grandchild is re-parented to urun-init and reaped (subreaper)" {
	write_orphan_script
	init -- sh "$TMP/orphan.sh" "$TMP"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "reaped by "* ]]
	[ "$output" != "reaped by 1" ]
}

@test "missing command gives 127" {
	init -127 -- "$TMP/no-such-command"
	[ "$output" = "urun-init: $TMP/no-such-command: No such file or directory" ]
	# A PATH entry we may not search would make execvp() report EACCES.
	PATH=/usr/bin:/bin init -127 -- no-such-command-in-path-urun
}

@test "non-executable file gives 126" {
	printf '#!/bin/sh\nexit 0\n' >"$TMP/noexec"
	chmod 644 "$TMP/noexec"
	init -- "$TMP/noexec"
	[ "$status" -eq 126 ]
	[ "$output" = "urun-init: $TMP/noexec: Permission denied" ]
	init -- "$TMP"
	[ "$status" -eq 126 ]
}

@test "CMD gets the signal mask and ignored set urun-init was started with" {
	want=$(grep -E '^Sig(Blk|Ign):' /proc/self/status)
	init -- grep -E '^Sig(Blk|Ign):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "without a terminal CMD stays in urun-init's process group" {
	# CMD prints its parent (urun-init), its group and urun-init's group.
	init -- sh -c 'read -r l </proc/$$/stat; set -- ${l##*) }; p=$2 g=$3
		read -r l </proc/$p/stat; set -- ${l##*) }; echo "$p $g $3"'
	[ "$status" -eq 0 ]
	read -r init_pid cmd_pgrp init_pgrp <<<"$output"
	[ "$cmd_pgrp" = "$init_pgrp" ]
	[ "$cmd_pgrp" != "$init_pid" ] || [ "$init_pgrp" = "$init_pid" ]
}

@test "on a terminal CMD becomes the foreground group, and the terminal is handed back" {
	command -v script >/dev/null || skip "script(1) not installed"
	# sh is session leader of a new pty and its foreground group, like an
	# interactive shell running urun-init.
	cat >"$TMP/tty.sh" <<EOF
echo "sh \$($PGRP_TPGID)"
"$URUN_INIT" -- sh -c 'echo "cmd \$\$ \$($PGRP_TPGID)"'
echo "after \$($PGRP_TPGID)"
"$URUN_INIT" -- sh -c 'echo "redirected \$($PGRP_TPGID)"' </dev/null
EOF
	run timeout 30 script -qec "sh $TMP/tty.sh" /dev/null </dev/null
	output=${output//$'\r'/}
	echo "$output"
	[ "$status" -eq 0 ]
	read -r _ sh_pgrp sh_tpgid <<<"$(grep '^sh ' <<<"$output")"
	read -r _ cmd_pid cmd_pgrp cmd_tpgid <<<"$(grep '^cmd ' <<<"$output")"
	[ "$sh_pgrp" = "$sh_tpgid" ]
	# CMD in its own group, which owns the terminal
	[ "$cmd_pgrp" = "$cmd_pid" ]
	[ "$cmd_tpgid" = "$cmd_pid" ]
	# back to the shell once urun-init exits
	grep -qx "after $sh_pgrp $sh_pgrp" <<<"$output"
	# stdin not the terminal: CMD stays in the (foreground) group
	grep -qx "redirected $sh_pgrp $sh_pgrp" <<<"$output"
}

@test "pid1: urun-init is PID 1; exit codes and signals pass through" {
	init_pid1 -- sh -c 'echo $PPID; exit 42'
	[ "$status" -eq 42 ]
	[ "$output" = 1 ]
	init_pid1 -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	init_pid1 -127 -- "$TMP/no-such-command"
}

@test "pid1: kill -TERM 1 from inside the namespace is forwarded to CMD" {
	# A PID 1 drops signals it has no handler for unless it blocks them.
	init_pid1 -- sh -c 'trap "exit 7" TERM; kill -TERM 1
		i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; exit 3'
	[ "$status" -eq 7 ]
}

@test "pid1: orphaned grandchild is reaped" {
	write_orphan_script
	init_pid1 -- sh "$TMP/orphan.sh" "$TMP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "reaped by 1" ]
}
