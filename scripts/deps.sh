#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the harness needs, when they are missing.
#
#   deps.sh build   what building the module against a Debian kernel needs
#   deps.sh vm      build + QEMU and an initramfs (make run, vm-shell, vm-exec)
#   deps.sh check   vm + building the debug kernel + lint + fio + dkms
#                   (make check)
#   deps.sh bench   vm + fio + gnuplot (make bench; its pictures)
#   deps.sh dkms    build + dkms (scripts/install-check.sh)
#
# As root on Debian this runs apt-get install; otherwise it names exactly
# what is missing and how to install it, and fails.
set -eu
. "$(dirname "$0")/lib.sh"

build_pkgs="make gcc libc6-dev bc flex bison libelf-dev libssl-dev kmod
	    xz-utils perl python3 flock"
vm_pkgs="qemu-system-x86 busybox-static cpio"
check_pkgs="sparse dwarves zstd fio liburing-dev libaio-dev dkms"
bench_pkgs="fio gnuplot-nox"
dkms_pkgs="dkms"

case ${1:-check} in
build) want=$build_pkgs ;;
vm) want="$build_pkgs $vm_pkgs" ;;
check) want="$build_pkgs $vm_pkgs $check_pkgs" ;;
bench) want="$build_pkgs $vm_pkgs $bench_pkgs" ;;
dkms) want="$build_pkgs $dkms_pkgs" ;;
*) die "usage: deps.sh build|vm|check|bench|dkms" ;;
esac

# flock is in util-linux: check for the command, not a package.
missing=
for p in $want; do
	case $p in
	flock) command -v flock >/dev/null || missing="$missing util-linux" ;;
	python3) command -v python3 >/dev/null || missing="$missing python3" ;;
	*)
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null; then
	die "missing tools (Debian package names):$missing; install them with your package manager"
fi
if [ "$(id -u)" != 0 ]; then
	die "missing Debian packages:$missing; run as root: apt-get install$missing"
fi
msg "installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing >&2; then
	apt-get update -q >&2 || true
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >&2 ||
		die "apt-get install$missing failed; install these packages and retry"
fi
