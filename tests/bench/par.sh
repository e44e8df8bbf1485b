#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# par.sh N COMMAND [ARG...]: start N copies of COMMAND at once, wait for all;
# fails (and says how many failed) if any copy failed. Output goes to /dev/null.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: par.sh N COMMAND [ARG...]" >&2; exit 2; }
n=$1
shift
pids=()
for ((i = 0; i < n; i++)); do
	"$@" >/dev/null 2>&1 </dev/null &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do
	wait "$p" || failed=$((failed + 1))
done
if [ "$failed" -ne 0 ]; then
	echo "par.sh: $failed of $n copies of '$*' failed" >&2
	exit 1
fi
