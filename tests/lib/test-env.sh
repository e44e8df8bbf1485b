#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test-env.sh CMD [ARG...]: run one test program in a clean, documented
# environment, never the caller's. make check runs every test through it, so
# a suite passes or fails the same for a newcomer's login shell, a CI job
# started with `su`, or a developer whose shell exports PYTHONUNBUFFERED,
# LD_PRELOAD, XDG_* or URUN_* settings (a green CI once hid a red newcomer
# that way). What is kept, and why:
#   HOME, USER, LOGNAME   the account's own (from the password database)
#   PATH                  the system's default directories only
#   LANG                  C.UTF-8: messages and sorting as the tests expect
#   TERM                  dumb: no test depends on a terminal type
#   XDG_RUNTIME_DIR       the login session's, when there is one (suites set
#                         their own per file; urun falls back without one)
#   top_srcdir top_builddir URUN URUN_INIT URUN_PROBE URUN_TEST_CACHE
#                         where the build is (set by Makefile.am)
# A test that needs anything else sets it itself.
set -eu
user=$(id -un)
home=$(getent passwd "$(id -u)" | cut -d: -f6)
set -- env -i HOME="${home:-/}" USER="$user" LOGNAME="$user" \
	PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
	LANG=C.UTF-8 TERM=dumb \
	top_srcdir="$top_srcdir" top_builddir="$top_builddir" URUN="$URUN" URUN_INIT="$URUN_INIT" \
	URUN_PROBE="$URUN_PROBE" URUN_TEST_CACHE="$URUN_TEST_CACHE" \
	${XDG_RUNTIME_DIR:+XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"} "$@"
exec "$@"
