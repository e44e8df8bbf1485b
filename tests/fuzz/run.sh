#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run.sh [SECONDS]: build every tests/fuzz/fuzz-*.c with libFuzzer, ASan and UBSan,
# run each for SECONDS (default 60) on a copy of its seed corpus tests/fuzz/corpus/NAME, and
# exit non-zero if any target fails to build, crashes, leaks, runs out of memory or times out.
#
# Everything (binaries, corpus copies, the TMPDIR the targets write to, artifacts) lives in
# one directory under ${TMPDIR:-/tmp}; it is removed at the end unless something failed, in
# which case it is kept and the reproducer command printed. The committed corpus is never
# written to. Works from any directory, as any user.
#
# Environment: FUZZ_CC (default clang), BUILDDIR (the configured build tree whose config.h to
# use; default the current directory if it has one, else the source tree if it has one),
# FUZZ_TARGETS (names to run, e.g. "manifest seccomp"; default all), FUZZ_OUT (a directory
# to copy each target's grown corpus to, as FUZZ_OUT/NAME: for coverage reports or to pick
# new seeds from; never the committed corpus).
set -uo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
	echo "usage: $0 [SECONDS]  (SECONDS: a positive number, default 60)" >&2
	exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cc=${FUZZ_CC:-clang}

if [ -z "${BUILDDIR:-}" ]; then
	if [ -f "$PWD/config.h" ]; then
		BUILDDIR=$PWD
	elif [ -f "$top/config.h" ]; then
		BUILDDIR=$top
	fi
fi

# What each target links besides the basics, and the pkg-config packages it needs. Only the
# code under test: a whole liburun.a would drag in libcurl and the generated seccomp profile.
common="src/util/error.c src/util/cleanup.c src/util/log.c src/util/fs.c src/util/text.c"
declare -A srcs=(
	[ref]="src/image/ref.c"
	[unpack]="src/image/unpack.c src/util/digest.c"
	[auth]="src/image/auth.c src/util/json.c"
	[manifest]="src/image/manifest.c src/util/json.c src/util/digest.c src/util/timefmt.c"
	[seccomp]="src/run/seccomp.c src/util/json.c"
	[subuid]="src/run/userns.c src/util/config.c src/util/xdg.c"
)
declare -A pkgs=(
	[ref]=""
	[unpack]="libarchive nettle"
	[auth]="json-c"
	[manifest]="json-c nettle"
	[seccomp]="json-c libseccomp"
	[subuid]=""
)

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: \`$cc\` not found; install clang and libclang-rt-dev (or set FUZZ_CC)" >&2
	exit 1
fi

if [ -n "${FUZZ_OUT:-}" ]; then
	case $(realpath -m "$FUZZ_OUT")/ in
	"$(realpath -m "$here/corpus")"/*)
		echo "fuzz: FUZZ_OUT must not be the committed corpus" >&2
		exit 2
		;;
	esac
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/urun-fuzz.XXXXXX") || exit 1
keep=0
child=

# Targets may leave directories without write or search permission (fuzz-unpack extracts
# whatever modes a layer asks for); chmod -R does not follow symlinks met on the way.
remove_tree() {
	chmod -R u+rwX "$1" 2>/dev/null
	rm -rf "$1"
}

# A command line to paste: words quoted only where the shell needs it.
quote() {
	local w out=
	for w in "$@"; do
		if [[ $w =~ ^[A-Za-z0-9_./=,:+@%-]+$ ]]; then
			out+="$w "
		else
			out+="$(printf '%q' "$w") "
		fi
	done
	echo "${out% }"
}

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
	if [ -n "$child" ]; then
		kill "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	if [ "$keep" -eq 0 ]; then
		remove_tree "$work"
	fi
}
trap finish EXIT
trap 'echo "fuzz: interrupted" >&2; exit 130' INT TERM

# shellcheck disable=SC2054 # the commas are clang's
cflags=(-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-D_GNU_SOURCE -I "$top/src")
if [ -n "${BUILDDIR:-}" ]; then
	cflags+=(-I "$BUILDDIR")
	[ -f "$BUILDDIR/config.h" ] && cflags+=(-include "$BUILDDIR/config.h")
fi

# Sanitizer reports must end the run (and be findable in the log); leaks are failures.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"

targets=()
for f in "$here"/fuzz-*.c; do
	name=$(basename "$f" .c)
	name=${name#fuzz-}
	if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $name "* ]]; then
		continue
	fi
	targets+=("$name")
done
if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz: no targets in $here${FUZZ_TARGETS:+ matching \`$FUZZ_TARGETS\`}" >&2
	exit 1
fi

failed=0
declare -A built

# ---- build every target first: a broken build is found without waiting for the runs ----
for name in "${targets[@]}"; do
	dir=$work/$name
	mkdir -p "$dir"
	if [ -z "${srcs[$name]+set}" ]; then
		echo "fuzz $name: FAILED (build: no entry for \`$name\` in the table in tests/fuzz/run.sh)"
		failed=$((failed + 1))
		continue
	fi
	libs=()
	if [ -n "${pkgs[$name]}" ]; then
		# shellcheck disable=SC2086 # a list of package names
		if ! flags=$(pkg-config --cflags --libs ${pkgs[$name]} 2>"$dir/build.log"); then
			echo "fuzz $name: FAILED (build: pkg-config cannot find ${pkgs[$name]})"
			failed=$((failed + 1))
			continue
		fi
		read -r -a libs <<<"$flags"
	fi
	files=("$here/fuzz-$name.c")
	for s in ${srcs[$name]} $common; do
		files+=("$top/$s")
	done
	cmd=("$cc" "${cflags[@]}" "${files[@]}" "${libs[@]}" -o "$dir/fuzz-$name")
	quote "${cmd[@]}" >"$dir/build.cmd"
	if ! "${cmd[@]}" >>"$dir/build.log" 2>&1; then
		echo "fuzz $name: FAILED (build; log: $dir/build.log)"
		sed -n '1,20p' "$dir/build.log" | sed 's/^/    /'
		echo "  rebuild: $(cat "$dir/build.cmd")"
		failed=$((failed + 1))
		keep=1
		continue
	fi
	built[$name]=1
done

# ---- run each for $seconds on a copy of its seeds ----
for name in "${targets[@]}"; do
	[ -n "${built[$name]:-}" ] || continue
	dir=$work/$name
	bin=$dir/fuzz-$name
	mkdir -p "$dir/corpus" "$dir/tmp" "$dir/artifacts"
	seeds=$here/corpus/$name
	note=
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$dir/corpus/"
	else
		note=", no seed corpus"
	fi
	# Keys and names the parser looks for, which random mutation finds only slowly.
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	# TMPDIR: fuzz-unpack makes its per-process root there, so it stays inside $work.
	(cd "$dir" && exec env TMPDIR="$dir/tmp" "$bin" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
		"${dict[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1) &
	child=$!
	wait "$child"
	rc=$?
	child=

	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
	stats=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED|RELOAD)' "$dir/fuzz.log" |
		tail -1 | sed -n 's/.*\(cov: [0-9]*\) \(ft: [0-9]*\) \(corp: [0-9]*\)\/.*/\1, \2, \3/p')
	artifact=$(find "$dir/artifacts" -maxdepth 1 -type f \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | head -1)
	# What the target left in its TMPDIR (fuzz-unpack removes its root at exit).
	leftover=$(find "$dir/tmp" -mindepth 1 -maxdepth 1 | head -1)

	if [ -n "${FUZZ_OUT:-}" ]; then
		mkdir -p "$FUZZ_OUT/$name" && cp -R "$dir/corpus/." "$FUZZ_OUT/$name/"
	fi
	if [ "$rc" -eq 0 ] && [ -z "$artifact" ]; then
		echo "fuzz $name: ${runs:-0} runs, ok (${stats:-no coverage line}$note)"
		remove_tree "$dir"
		continue
	fi
	failed=$((failed + 1))
	keep=1
	echo "fuzz $name: ${runs:-0} runs, FAILED (artifact: ${artifact:-none, exit status $rc})"
	# The sanitizer's or the target's own report, for CI logs.
	if ! grep -E -m1 -A25 '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|fuzz-[a-z]+: |ALARM|==[0-9]+== ERROR)' \
		"$dir/fuzz.log" | sed 's/^/    /'; then
		tail -5 "$dir/fuzz.log" | sed 's/^/    /'
	fi
	echo "  log: $dir/fuzz.log"
	if [ -n "$artifact" ]; then
		echo "  reproduce: cd $dir && TMPDIR=$dir/tmp ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS $bin $artifact"
	else
		mkdir -p "$dir/empty"
		echo "  reproduce: cd $dir && TMPDIR=$dir/tmp ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS $bin -runs=0 $dir/empty"
	fi
	echo "  rebuild: $(cat "$dir/build.cmd")"
	[ -n "$leftover" ] && echo "  left in its TMPDIR: $leftover"
done

if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed of ${#targets[@]} targets failed; kept $work"
	exit 1
fi
echo "fuzz: ${#targets[@]} targets ok"
exit 0
