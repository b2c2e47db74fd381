# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Shared helpers for the wdfq host scripts. Source it; do not run it.

WDFQ_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WDFQ_BUILD=${WDFQ_BUILD:-$WDFQ_TOP/build}
WDFQ_KERNELS=$WDFQ_BUILD/kernels
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
DEBIAN_KEYRING=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

msg() { printf '%s\n' "wdfq: $*" >&2; }
die() { printf '%s\n' "wdfq: error: $*" >&2; exit 1; }

# Print the value of "key" for kernel "name" from scripts/kernels.conf.
kconf() {
	awk -v n="$1" -v k="$2" '
		/^[[:space:]]*#/ || NF == 0 { next }
		$1 == n && $2 == k { $1 = ""; $2 = ""; sub(/^ +/, ""); print; found = 1 }
		END { exit !found }' "$WDFQ_TOP/scripts/kernels.conf"
}

# All kernel names in kernels.conf, in file order.
all_kernels() {
	awk '/^[[:space:]]*#/ || NF == 0 || $1 == "default" { next }
		!seen[$1]++ { print $1 }' \
		"$WDFQ_TOP/scripts/kernels.conf"
}

default_kernel() { kconf default kernel; }

# Private apt configuration for one group of suites: nothing of the
# system's apt configuration (sources, lists, cache) is read or written.
# Sets APT_OPTS. Usage: apt_private GROUP SUITE...
apt_private() {
	local group=$1 dir suite uri
	shift
	dir=$WDFQ_BUILD/apt/$group
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	: >"$dir/sources.list.new"
	for suite in "$@"; do
		case $suite in
		*-security) uri=$DEBIAN_SECURITY_MIRROR ;;
		*) uri=$DEBIAN_MIRROR ;;
		esac
		echo "deb [signed-by=$DEBIAN_KEYRING] $uri $suite main" \
			>>"$dir/sources.list.new"
	done
	mv "$dir/sources.list.new" "$dir/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list"
		  -o "Dir::Etc::SourceParts=/dev/null"
		  -o "Dir::State::Lists=$dir/lists"
		  -o "Dir::Cache=$dir/cache"
		  -o "Dir::State::status=/dev/null"
		  -o "APT::Get::List-Cleanup=0"
		  -o "APT::Sandbox::User=root"
		  -o "Debug::NoLocking=1")
	if [ ! -e "$dir/updated" ]; then
		msg "reading the package index of: $*"
		apt-get "${APT_OPTS[@]}" -qq update >&2 ||
			die "apt-get update for $* failed (network or mirror $DEBIAN_MIRROR)"
		touch "$dir/updated"
	fi
}

# Hold (on fd 8, until exit) the lock of one kernel's module build and VM
# folders: two runs on the same kernel (two makes in one work tree) take
# turns instead of overwriting each other's files.
lock_kernel() {
	mkdir -p "$WDFQ_BUILD/locks"
	exec 8>"$WDFQ_BUILD/locks/$1"
	if ! flock -n 8; then
		msg "waiting for another run on kernel $1 to finish"
		flock 8
	fi
}
