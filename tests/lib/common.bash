# SPDX-License-Identifier: GPL-2.0-or-later
# common.bash: shared set-up for urun's bats suites.
# Integration tests run as an unprivileged user; as root they skip, saying so.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${URUN:=$top_builddir/src/urun}"
: "${URUN_TEST_CACHE:=${BATS_RUN_TMPDIR:-/tmp}/urun-cache-$(id -u)}"
export URUN URUN_TEST_CACHE

# Container records (runtime dir) per test file, so suites neither see nor
# slow down each other; a test that wants its own sets XDG_RUNTIME_DIR itself.
if [ -n "${BATS_FILE_TMPDIR:-}" ]; then
	export XDG_RUNTIME_DIR="$BATS_FILE_TMPDIR/run"
	mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
fi

# Skip the whole file when running as root: urun's promise is about
# unprivileged users, and root would hide every permission problem.
require_unprivileged() {
	if [ "$(id -u)" = 0 ]; then
		skip "running as root: integration tests need an unprivileged user (see README: tests/setup-host.sh)"
	fi
}

# The busybox rootfs fixture, built once per cache.
fixtures() {
	mkdir -p "$URUN_TEST_CACHE"
	"$top_srcdir/tests/lib/mkimages.sh" "$URUN_TEST_CACHE/images" >/dev/null
	IMAGES="$URUN_TEST_CACHE/images"
	ROOTFS="$IMAGES/busybox-rootfs"
	export IMAGES ROOTFS
}

# A private copy of the rootfs for tests that write into it.
rootfs_copy() {
	local dst="$BATS_TEST_TMPDIR/rootfs"
	cp -a "$ROOTFS" "$dst"
	echo "$dst"
}

# assert_eq GOT WANT [WHAT]
assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "# ${3:-value}: got [$1], want [$2]" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	case "$1" in
	*"$2"*) return 0 ;;
	esac
	echo "# expected [$2] in: [$1]" >&2
	return 1
}

# Has the caller a subordinate uid range (else single-id mode is tested)?
has_subuid() {
	local u
	u=$(id -un)
	grep -qE "^($u|$(id -u)):" /etc/subuid 2>/dev/null
}

: "${URUN_PROBE:=$top_builddir/tests/helper/urun-probe}"
: "${URUN_INIT:=$top_builddir/helpers/urun-init}"
export URUN_PROBE URUN_INIT

# urun run with the busybox rootfs and the probe at /dev/probe.
urun_probe() {
	"$URUN" run -v "$URUN_PROBE:/dev/probe:ro" "$@"
}

# A field of /proc/self/status inside a container started with "$@".
status_field() {
	local field=$1
	shift
	"$URUN" run "$@" --rootfs "$ROOTFS" grep "^$field:" /proc/self/status | awk '{print $2}'
}

# Image stores for suites that pull: one base per file (setup_file), one store per
# test (setup), removed in teardown_file through `urun unshare`, since layers hold
# files of subordinate ids the test user cannot delete from outside.
stores_begin() {
	export STORE_BASE="$URUN_TEST_CACHE/stores/$1-$$"
	mkdir -p "$STORE_BASE"
}
store_per_test() {
	export XDG_DATA_HOME="$STORE_BASE/$BATS_TEST_NUMBER"
}
stores_end() {
	[ -n "${STORE_BASE:-}" ] && [ -d "$STORE_BASE" ] && "$URUN" unshare rm -rf "$STORE_BASE"
	return 0
}

# Suites that run images: one store per file with IMAGE... pulled from the
# fixtures (localhost/IMAGE), and a runtime dir per test, so each test sees
# only its own containers; every container is removed after each test.
ctr_suite_begin() {
	[ "$(id -u)" = 0 ] && return 0
	fixtures
	stores_begin "$1"
	shift
	export XDG_DATA_HOME="$STORE_BASE/store"
	local img
	for img in "$@"; do "$URUN" pull -q oci:"$IMAGES/$img" >/dev/null; done
}
ctr_suite_end() {
	[ "$(id -u)" = 0 ] && return 0
	export XDG_DATA_HOME="$STORE_BASE/store"
	"$URUN" rm -af >/dev/null 2>&1 || true
	stores_end
}
ctr_test_setup() {
	require_unprivileged
	fixtures
	export XDG_DATA_HOME="$STORE_BASE/store"
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
}
ctr_test_teardown() {
	"$URUN" rm -af >/dev/null 2>&1 || true
}
