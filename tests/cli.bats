#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# cli.bats: the command line: help, version, verbs, exit codes for bad input.

load lib/common

@test "--help lists the verbs and exits 0" {
	run "$URUN" --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "Usage: urun"
	assert_contains "$output" "  run "
}

@test "--version prints the version" {
	run "$URUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^urun\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "run --help shows the run usage" {
	run "$URUN" run --help
	[ "$status" -eq 0 ]
	assert_contains "$output" "Usage: urun run [OPTIONS] IMAGE"
	assert_contains "$output" "--rootfs"
}

@test "no arguments: 125 with a hint" {
	run "$URUN"
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun: no command given"
}

@test "unknown verb: 125 and a usage line" {
	run "$URUN" Frobnicate!
	[ "$status" -eq 125 ]
	assert_contains "${lines[0]}" "urun: unknown command \`Frobnicate!\`"
	assert_contains "${lines[1]}" "Usage: urun"
}

@test "bad global option: 125 and a usage line" {
	run "$URUN" --frobnicate
	[ "$status" -eq 125 ]
	assert_contains "${lines[0]}" "unknown or incomplete option \`--frobnicate\`"
	assert_contains "${lines[1]}" "Usage: urun"
}

@test "bad run option: 125 and the run usage line" {
	run "$URUN" run --frobnicate --rootfs /
	[ "$status" -eq 125 ]
	assert_contains "${lines[0]}" "urun: run: unknown or incomplete option \`--frobnicate\`"
	assert_contains "${lines[1]}" "Usage: urun run"
}

@test "missing option argument: 125" {
	run "$URUN" run -e
	[ "$status" -eq 125 ]
	assert_contains "$output" "unknown or incomplete option \`-e\`"
}

@test "a word that is no verb is an image: the shorthand reaches run and pull" {
	# nothing listens on 127.0.0.1:1: the pull fails at once, naming the image
	XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" run "$URUN" 127.0.0.1:1/alpine sh
	[ "$status" -eq 125 ]
	assert_contains "$output" "pulling \`127.0.0.1:1/alpine:latest\`"
}

@test "a podman verb urun lacks is refused, never pulled as an image: 125 and what to do" {
	XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" run "$URUN" wait abc
	[ "$status" -eq 125 ]
	assert_eq "${lines[0]}" "urun: \`wait\` is not a urun command yet"
	assert_eq "${lines[1]}" "hint: \`podman wait\` waits for containers to stop and prints their exit codes; urun cannot yet (\`urun run wait\` runs an image called wait)"
	XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" run "$URUN" pod rm x
	[ "$status" -eq 125 ]
	assert_eq "${lines[0]}" "urun: \`pod\` is not a urun command yet"
	assert_contains "${lines[1]}" "with urun, use \`--network container:NAME\`"
	# nothing was pulled: no store was even made
	[ ! -e "$BATS_TEST_TMPDIR/data/urun" ]
}

@test "\`urun run wait\` still means an image called wait" {
	XDG_DATA_HOME="$BATS_TEST_TMPDIR/data" run "$URUN" run --pull=never wait
	[ "$status" -eq 125 ]
	assert_contains "$output" "image \`docker.io/library/wait:latest\` is not in the local store"
}

@test "unknown log level: 125" {
	run "$URUN" --log-level=loud run --rootfs / true
	[ "$status" -eq 125 ]
	assert_contains "$output" "unknown log level \`loud\`"
}

@test "a bad urun.conf key is named with its file and line" {
	printf 'driver = "vfs"\nno_such_key = 1\n' >"$BATS_TEST_TMPDIR/urun.conf"
	run "$URUN" --config "$BATS_TEST_TMPDIR/urun.conf" run --rootfs / true
	[ "$status" -eq 125 ]
	assert_contains "$output" "urun.conf\` line 2: unknown setting \`no_such_key\`"
}

@test "run: a missing rootfs is named" {
	run "$URUN" run --rootfs /nonexistent/dir true
	[ "$status" -eq 125 ]
	assert_contains "$output" "root filesystem \`/nonexistent/dir\`: No such file or directory"
}

@test "run: --rootfs without a command explains why" {
	run "$URUN" run --rootfs /
	[ "$status" -eq 125 ]
	assert_contains "$output" "no command given"
}

@test "man pages, --help and the installed urun.conf name the system file urun info reads" {
	local sysconf page
	sysconf=$("$URUN" info | sed -n '/^config files:/{n;s/^  \(.*\) (.*/\1/p;}')
	assert_contains "$sysconf" /urun/urun.conf
	for page in urun.conf.5 urun.1 urun-info.1; do
		sed 's/\\&//g' "$top_builddir/man/$page" | grep -qF "$sysconf" ||
			{ echo "# man/$page does not name $sysconf" >&2; return 1; }
	done
	run grep -l '@[a-zA-Z_]*@' "$top_builddir"/man/*.1 "$top_builddir"/man/*.5 "$top_builddir/config/urun.conf"
	assert_eq "$output" "" "unsubstituted @markers@"
	grep -qF "# Read from $sysconf (site-wide)" "$top_builddir/config/urun.conf"
	"$URUN" --help | tr -s ' \n' ' ' | grep -qF "(after $sysconf)"
}
