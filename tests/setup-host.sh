#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# setup-host.sh: as root, prepare a Debian machine to build and test urun:
# install the build and run-time packages, create an unprivileged test user
# with /etc/subuid and /etc/subgid ranges, and open /dev/fuse and
# /dev/net/tun as a desktop distribution ships them (mode 0666).
#   usage: sudo tests/setup-host.sh [USER]     (default user: urun-test)
set -eu

user=${1:-urun-test}
if [ "$(id -u)" != 0 ]; then
	echo "setup-host.sh: run as root (sudo $0)" >&2
	exit 1
fi

packages="build-essential autoconf automake libtool pkg-config scdoc bats
  libseccomp-dev libcap-dev libcurl4-openssl-dev libjson-c-dev libarchive-dev libssl-dev nettle-dev
  uidmap fuse-overlayfs fuse3 slirp4netns passt iproute2 busybox-static skopeo docker-registry
  python3 procps openssl ca-certificates clang libclang-rt-14-dev"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
# docker-registry's packaged service is not needed: tests start their own.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

if ! id "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/bash "$user"
fi
uid=$(id -u "$user")
for f in /etc/subuid /etc/subgid; do
	touch "$f"
	if ! grep -qE "^($user|$uid):" "$f"; then
		# A range that no other entry uses.
		start=$(awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}' "$f")
		echo "$user:$start:65536" >>"$f"
	fi
done

for d in /dev/fuse /dev/net/tun; do
	[ -e "$d" ] && chmod 0666 "$d"
done
echo "setup-host.sh: ready; test user: $user ($(grep "^$user:" /etc/subuid))"
