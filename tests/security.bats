#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# security.bats: capabilities, no_new_privs, seccomp, masked paths, and
# what a container can do to urun and the caller's terminal.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	require_unprivileged
	fixtures
}

# podman's rootless default: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
# SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP
DEFAULT_CAPS=00000000800405fb

@test "default capabilities: effective, permitted and bounding are podman's set" {
	assert_eq "$(status_field CapEff)" "$DEFAULT_CAPS" CapEff
	assert_eq "$(status_field CapPrm)" "$DEFAULT_CAPS" CapPrm
	assert_eq "$(status_field CapBnd)" "$DEFAULT_CAPS" CapBnd
}

@test "inheritable and ambient capabilities are empty" {
	assert_eq "$(status_field CapInh)" 0000000000000000 CapInh
	assert_eq "$(status_field CapAmb)" 0000000000000000 CapAmb
}

@test "--cap-drop=all leaves nothing" {
	assert_eq "$(status_field CapEff --cap-drop=all)" 0000000000000000 CapEff
	assert_eq "$(status_field CapBnd --cap-drop=all)" 0000000000000000 CapBnd
}

@test "--cap-drop and --cap-add by name, with or without CAP_" {
	# drop KILL (bit 5), add NET_ADMIN (bit 12)
	assert_eq "$(status_field CapEff --cap-drop=kill --cap-add=CAP_NET_ADMIN)" 00000000800415db CapEff
	assert_eq "$(status_field CapEff --cap-drop=all --cap-add=chown)" 0000000000000001 CapEff
}

@test "an unknown capability is a clear error" {
	run "$URUN" run --cap-add=NOT_A_CAP --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "unknown capability \`NOT_A_CAP\`"
}

@test "a non-root user inside gets no capabilities" {
	assert_eq "$(status_field CapEff -u 1000)" 0000000000000000 CapEff
	assert_eq "$(status_field CapBnd -u 1000)" "$DEFAULT_CAPS" CapBnd
}

@test "no_new_privs is set, and the seccomp filter is installed" {
	assert_eq "$(status_field NoNewPrivs)" 1 NoNewPrivs
	assert_eq "$(status_field Seccomp)" 2 Seccomp
}

@test "keyctl and add_key fail with EPERM while normal programs run" {
	run urun_probe --rootfs "$ROOTFS" sh -c '/dev/probe keyctl; /dev/probe add_key; echo ran'
	[ "$status" -eq 0 ]
	assert_eq "$output" "EPERM
EPERM
ran"
}

@test "--security-opt seccomp=unconfined removes the filter" {
	assert_eq "$(status_field Seccomp --security-opt seccomp=unconfined)" 0 Seccomp
	run urun_probe --security-opt seccomp=unconfined --rootfs "$ROOTFS" /dev/probe keyctl
	assert_eq "$output" "OK"
}

@test "--security-opt seccomp=FILE loads that profile" {
	cat >"$BATS_TEST_TMPDIR/p.json" <<-'JSON'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
	JSON
	run "$URUN" run --security-opt "seccomp=$BATS_TEST_TMPDIR/p.json" --rootfs "$ROOTFS" pwd
	[ "$status" -ne 0 ]
	assert_contains "$output" "ermission denied"
}

@test "a broken seccomp profile is named" {
	echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$BATS_TEST_TMPDIR/bad.json"
	run "$URUN" run --security-opt "seccomp=$BATS_TEST_TMPDIR/bad.json" --rootfs "$ROOTFS" true
	[ "$status" -eq 125 ]
	assert_contains "$output" "bad.json"
	assert_contains "$output" "SCMP_ACT_NOPE"
}

@test "--privileged: every capability, no seccomp, no masks" {
	local bnd
	bnd=$(status_field CapBnd --privileged)
	[ "$bnd" != "$DEFAULT_CAPS" ]
	[[ "$bnd" =~ ^000001ff ]] || [[ "$bnd" =~ ^0000003f ]] || [[ "$bnd" =~ ^000000ff ]]
	assert_eq "$(status_field Seccomp --privileged)" 0 Seccomp
	run "$URUN" run --privileged --rootfs "$ROOTFS" sh -c 'grep -c " /proc/kcore " /proc/self/mountinfo'
	assert_eq "$output" "0"
}

@test "masked paths read empty" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c \
		'for f in /proc/keys /proc/timer_list /proc/interrupts; do wc -c <$f; done; ls /sys/firmware | wc -l; ls /proc/acpi | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 0 0 0 0"
}

@test "read-only /proc paths refuse writes" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'echo 1 >/proc/sys/kernel/ns_last_pid'
	[ "$status" -ne 0 ]
	assert_contains "$output" "Read-only file system"
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'echo b >/proc/sysrq-trigger'
	[ "$status" -ne 0 ]
}

@test "/sys is read-only" {
	run "$URUN" run --rootfs "$ROOTFS" sh -c 'grep " /sys " /proc/self/mountinfo'
	assert_contains "$output" " ro,"
}

@test "TIOCSTI cannot push input into the caller's terminal" {
	command -v python3 >/dev/null || skip "python3 missing"
	# The container's stdin is the caller's pty here (-i without -t).
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" run -i -v "$URUN_PROBE:/dev/probe:ro" --rootfs "$ROOTFS" \
		/dev/probe tiocsti
	[ "$status" -eq 0 ]
	# seccomp refuses it (the kernel would too: not the container's controlling terminal)
	assert_eq "${lines[0]}" "EPERM"
}

# What TIOCSTI on one's own controlling terminal gives without a filter.
tiocsti_unconfined() {
	[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 0 ] && echo EIO || echo OK
}

@test "TIOCSTI and TIOCLINUX fail with EPERM on a terminal the container controls; other terminal requests work" {
	local req want
	# a new pty that a new session in the container takes as its controlling terminal
	for req in tiocsti tiocsti-hi tioclinux tcgets; do
		run urun_probe --rootfs "$ROOTFS" /dev/probe ioctl "$req" newpty
		[ "$status" -eq 0 ]
		want=EPERM
		[ "$req" = tcgets ] && want=OK
		assert_eq "$output" "$want" "$req"
	done
	# without the filter the kernel allows TIOCSTI there: the refusal is seccomp's
	run urun_probe --security-opt seccomp=unconfined --rootfs "$ROOTFS" /dev/probe ioctl tiocsti newpty
	assert_eq "$output" "$(tiocsti_unconfined)"
	run urun_probe --security-opt seccomp=unconfined --rootfs "$ROOTFS" /dev/probe ioctl tiocsti-hi newpty
	assert_eq "$output" "$(tiocsti_unconfined)"
	run urun_probe --security-opt seccomp=unconfined --rootfs "$ROOTFS" /dev/probe ioctl tioclinux newpty
	[ "$output" != EPERM ]
}

@test "with -t, TIOCSTI and TIOCLINUX on the container's own pty fail with EPERM; the terminal still works" {
	command -v python3 >/dev/null || skip "python3 missing"
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" run -t -v "$URUN_PROBE:/dev/probe:ro" --rootfs "$ROOTFS" \
		sh -c '/dev/probe ioctl tiocsti; /dev/probe ioctl tiocsti-hi; /dev/probe ioctl tioclinux; /dev/probe ioctl tcgets; stty size'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "EPERM"
	assert_eq "${lines[1]}" "EPERM"
	assert_eq "${lines[2]}" "EPERM"
	assert_eq "${lines[3]}" "OK"
	assert_eq "${lines[4]}" "33 77"
	assert_contains "$output" "restored 0"
	run python3 "$top_srcdir/tests/lib/on-pty.py" "$URUN" run -t -v "$URUN_PROBE:/dev/probe:ro" \
		--security-opt seccomp=unconfined --rootfs "$ROOTFS" /dev/probe ioctl tiocsti
	# the pty echoes the pushed '#' before the probe's answer
	assert_contains "${lines[0]}" "$(tiocsti_unconfined)"
}

@test "the container cannot signal or ptrace urun (the monitor)" {
	# urun's pid is not visible in the container's pid namespace; the host
	# pid number means nothing there.
	run urun_probe --rootfs "$ROOTFS" sh -c "/dev/probe kill $$; /dev/probe ptrace $$"
	[ "$status" -eq 0 ]
	assert_eq "$output" "ESRCH
ESRCH"
}

@test "the container cannot open urun's binary for writing (CVE-2019-5736 class)" {
	run urun_probe --rootfs "$ROOTFS" sh -c '/dev/probe openw /proc/self/exe; /dev/probe openw /proc/1/exe'
	[ "$status" -eq 0 ]
	[[ "$(echo $output)" =~ ^(ETXTBSY|EACCES|EPERM)\ (ETXTBSY|EACCES|EPERM)$ ]]
	# and the host binary is untouched
	cmp "$URUN" "$URUN"
}

@test "--workdir /proc/self/fd/N cannot reach a host directory (CVE-2024-21626 class)" {
	for n in 3 4 5 6 7 8; do
		run "$URUN" run -w "/proc/self/fd/$n" --rootfs "$ROOTFS" pwd
		[ "$status" -eq 125 ]
		assert_contains "$output" "workdir \`/proc/self/fd/$n\`"
	done
}

@test "a container's root cannot modify a file owned by host root bound into it" {
	run "$URUN" run -v /etc/hostname:/etc/hostname --rootfs "$ROOTFS" sh -c 'echo x >>/etc/hostname'
	[ "$status" -ne 0 ]
	assert_contains "$output" "ermission denied"
}

@test "the compiled seccomp filter is cached, and a damaged cache entry is ignored" {
	export XDG_CACHE_HOME="$BATS_TEST_TMPDIR/cache"
	run "$URUN" run --rootfs "$ROOTFS" true
	[ "$status" -eq 0 ]
	local f
	f=$(ls "$XDG_CACHE_HOME"/urun/seccomp/*.bpf)
	[ -s "$f" ]
	assert_eq "$(stat -c %a "$XDG_CACHE_HOME/urun/seccomp")" "700"
	run --separate-stderr "$URUN" --log-level=debug run --rootfs "$ROOTFS" true
	assert_contains "$stderr" "seccomp filter from cache"
	printf 'abc' >"$f"
	assert_eq "$(status_field Seccomp)" 2 Seccomp
	run urun_probe --rootfs "$ROOTFS" /dev/probe keyctl
	assert_eq "$output" "EPERM"
	# a different capability set is a different filter
	"$URUN" run --cap-add=sys_admin --rootfs "$ROOTFS" true
	assert_eq "$(ls "$XDG_CACHE_HOME"/urun/seccomp/*.bpf | wc -l)" "2"
}
