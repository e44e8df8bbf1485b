#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# build.bats: configure names the Debian package of a missing library.

load lib/common

@test "configure without libseccomp's pkg-config file fails, naming libseccomp-dev" {
	[ -e "$top_srcdir/config.status" ] && skip "the source tree is configured in place (needs a VPATH build)"
	local pc="$BATS_TEST_TMPDIR/pc"
	mkdir -p "$pc" "$BATS_TEST_TMPDIR/b"
	for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
		[ -d "$d" ] && find "$d" -maxdepth 1 -name '*.pc' ! -name 'libseccomp.pc' -exec cp {} "$pc" \;
	done
	cd "$BATS_TEST_TMPDIR/b"
	PKG_CONFIG_LIBDIR="$pc" PKG_CONFIG_PATH= run "$top_srcdir/configure" -q
	[ "$status" -ne 0 ]
	[[ "$output" == *"libseccomp"*"not found: install the Debian package libseccomp-dev"* ]]
}
