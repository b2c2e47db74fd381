#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (and for the debug kernel, build) one test kernel into
# build/kernels/NAME. A kernel that is already there is never fetched or
# built again: remove build/kernels/NAME to start over.
#
#   fetch-kernel.sh NAME           make NAME ready: vmlinuz + kdir
#   fetch-kernel.sh --source NAME  only unpack NAME's source tree (kind source)
#   fetch-kernel.sh --latest NAME  print the newest version on the mirror
#
# Afterwards build/kernels/NAME/vmlinuz is the kernel to boot and
# build/kernels/NAME/kdir the tree to build modules against.
set -eu
. "$(dirname "$0")/lib.sh"

mode=full
case ${1:-} in
--source) mode=source; shift ;;
--latest) mode=latest; shift ;;
esac
[ $# -eq 1 ] || die "usage: fetch-kernel.sh [--source|--latest] NAME"
name=$1
kind=$(kconf "$name" kind) || die "unknown kernel '$name' (known: $(all_kernels | xargs))"
dir=$WDFQ_KERNELS/$name

# apt-get download PKG=VERSION into $dir/debs, unless already there.
download() {
	local pkg=$1 ver=$2
	mkdir -p "$dir/debs"
	if ! ls "$dir/debs/${pkg}_"*.deb >/dev/null 2>&1; then
		msg "downloading $pkg $ver"
		(cd "$dir/debs" && apt-get "${APT_OPTS[@]}" -qq download "$pkg=$ver") ||
			die "could not download $pkg=$ver"
	fi
}

# Depends of PKG=VERSION matching a regex, one "name version" per line.
depends_matching() {
	apt-cache "${APT_OPTS[@]}" show "$1=$2" |
		sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' |
		sed -n "s/^ *\\($3\\)\\( (\\(=\\|>=\\) \\([^)]*\\))\\)\\{0,1\\}.*/\\1 \\4/p"
}

# Check that PKG=VERSION is on the mirror.
# (apt-cache show exits 0 on a missing version: look for its record.)
available() {
	apt-cache "${APT_OPTS[@]}" show "$1=$2" 2>/dev/null | grep -q '^Package:'
}

# Newest headers package (name and version) behind the metapackage.
latest_deb() {
	local meta ver
	meta=$(kconf "$name" meta)
	ver=$(apt-cache "${APT_OPTS[@]}" policy "$meta" | sed -n 's/ *Candidate: //p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$meta not found in $(kconf "$name" suites)"
	depends_matching "$meta" "$ver" 'linux-headers-[^ ]*'
}

fetch_deb() {
	local headers ver common kbuild image root src mf
	headers=$(kconf "$name" headers)
	ver=$(kconf "$name" version)
	if ! available "$headers" "$ver"; then
		msg "WARNING: pinned $headers $ver is no longer on the mirror;"
		read -r headers ver < <(latest_deb)
		msg "WARNING: falling back to $headers $ver: update scripts/kernels.conf"
	fi
	image=${headers/linux-headers-/linux-image-}
	read -r common _ < <(depends_matching "$headers" "$ver" 'linux-headers-[^ ]*-common[^ ]*')
	kver=
	read -r kbuild kver < <(depends_matching "$headers" "$ver" 'linux-kbuild-[^ ]*')
	[ -n "$common" ] && [ -n "$kbuild" ] || die "cannot resolve the dependencies of $headers $ver"
	# linux-kbuild may be a ">=" dependency: take the same version when it
	# exists, else the candidate (a security update can rebuild linux-kbuild
	# alone, leaving no linux-kbuild of the headers' own version).
	if [ -z "${kver:-}" ] || available "$kbuild" "$ver"; then
		kver=$ver
	elif ! available "$kbuild" "$kver"; then
		kver=$(apt-cache "${APT_OPTS[@]}" policy "$kbuild" |
			sed -n 's/ *Candidate: //p')
		[ -n "$kver" ] && [ "$kver" != "(none)" ] ||
			die "$kbuild is not on the mirror"
	fi
	available "$image" "$ver" || die "$image $ver is not on the mirror"
	download "$headers" "$ver"
	download "$common" "$ver"
	download "$kbuild" "$kver"
	download "$image" "$ver"

	root=$dir/root
	rm -rf "$root"
	mkdir -p "$root"
	for deb in "$dir"/debs/*.deb; do
		case $deb in
		*/linux-image-*)
			# Only the kernel and its config: the modules are not needed.
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" ./boot ;;
		*)
			dpkg-deb -x "$deb" "$root" ;;
		esac
	done
	src=$(cd "$root/usr/src" && ls -d linux-headers-*-amd64 | head -1)
	# The headers' Makefile includes the -common tree by absolute path:
	# point it at the unpacked copy.
	mf=$root/usr/src/$src/Makefile
	sed -i "s|/usr/src/|$root/usr/src/|g" "$mf"
	grep -q "$root/usr/src/linux-headers-.*common" "$mf" ||
		die "unexpected layout of $mf"
	ln -sfn "root/usr/src/$src" "$dir/kdir"
	ln -sfn "$(cd "$root" && ls boot/vmlinuz-* | head -1 | sed 's|^|root/|')" "$dir/vmlinuz"
	echo "$headers $ver" >"$dir/ready"
	msg "kernel $name ready: $src"
}

unpack_source() {
	local pkg ver tree
	pkg=$(kconf "$name" source)
	ver=$(kconf "$name" version)
	tree=$dir/$pkg
	[ -e "$dir/unpacked" ] && return 0
	if ! available "$pkg" "$ver"; then
		msg "WARNING: pinned $pkg $ver is no longer on the mirror;"
		ver=$(apt-cache "${APT_OPTS[@]}" policy "$pkg" | sed -n 's/ *Candidate: //p')
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "$pkg not found"
		msg "WARNING: falling back to $pkg $ver: update scripts/kernels.conf"
	fi
	download "$pkg" "$ver"
	msg "unpacking $pkg (about a minute)"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	dpkg-deb --fsys-tarfile "$dir"/debs/"${pkg}"_*.deb |
		tar -xO --wildcards "./usr/src/$pkg.tar.*" |
		tar -x -J -C "$tree.tmp"
	mv "$tree.tmp/$pkg" "$tree"
	rmdir "$tree.tmp"
	ln -sfn "$pkg" "$dir/src"
	echo "$pkg $ver" >"$dir/unpacked"
}

# The config fragments of a source kernel, as paths.
config_frags() {
	local f
	for f in $(kconf "$name" config); do
		printf '%s\n' "$WDFQ_TOP/$f"
	done
}

# A source kernel is rebuilt (incrementally) only when a fragment changed.
config_sum() {
	# shellcheck disable=SC2046
	cat $(config_frags) | sha256sum | cut -c1-16
}

build_source() {
	[ -e "$dir/ready" ] && grep -q "config $(config_sum)" "$dir/ready" && return 0
	unpack_source
	# shellcheck disable=SC2046
	"$WDFQ_TOP/scripts/build-debug-kernel.sh" "$dir/src" $(config_frags)
	ln -sfn src "$dir/kdir"
	ln -sfn src/arch/x86/boot/bzImage "$dir/vmlinuz"
	{ cat "$dir/unpacked"; echo "config $(config_sum)"; } >"$dir/ready"
	msg "kernel $name ready"
}

# Nothing to do for a kernel that is ready (no network access at all).
if [ "$mode" = full ] && [ -e "$dir/ready" ]; then
	[ "$kind" = deb ] && exit 0
	grep -q "config $(config_sum)" "$dir/ready" && exit 0
	msg "$(kconf "$name" config) changed: rebuilding the $name kernel"
fi
if [ "$mode" = source ] && [ -e "$dir/unpacked" ]; then
	exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
# shellcheck disable=SC2046
apt_private "$name" $(kconf "$name" suites)

case $mode:$kind in
latest:deb) latest_deb ;;
latest:source)
	apt-cache "${APT_OPTS[@]}" policy "$(kconf "$name" source)" | sed -n 's/ *Candidate: //p' ;;
full:deb) [ -e "$dir/ready" ] || fetch_deb ;;
full:source) build_source ;;
source:source) unpack_source ;;
source:deb) die "$name has no source tree" ;;
esac
