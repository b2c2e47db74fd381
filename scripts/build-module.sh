#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module for one test kernel in its own copy of the sources
# (build/mod/NAME), so kernels never share object files and the work tree
# stays clean. Extra arguments go to kbuild (e.g. W=1 C=2).
#
#   build-module.sh NAME [KBUILD ARGS...]
#
# Then builds the example driver samples/wdfq_sample out of tree, the way
# another driver's tree would: its own kbuild run, against the engine's
# header and the Module.symvers of the build above (KBUILD_EXTRA_SYMBOLS).
#
# Prints the build directory (with kmod/*/*.ko and samples/*/*.ko) on the
# last line of stdout.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: build-module.sh NAME [KBUILD ARGS...]"
name=$1
shift
"$WDFQ_TOP/scripts/fetch-kernel.sh" "$name"
kdir=$(readlink -f "$WDFQ_KERNELS/$name/kdir")
out=$WDFQ_BUILD/mod/$name

rm -rf "$out"
mkdir -p "$out"
tar -C "$WDFQ_TOP" --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
	-cf - Kbuild kmod uapi samples | tar -C "$out" -xf -
make -s -C "$kdir" M="$out" -j"$(nproc)" WDFQ_TESTS=m "$@" modules >&2 ||
	die "module build for kernel $name failed"
make -s -C "$out/samples/wdfq_sample" KDIR="$kdir" WDFQ_DIR="$out" \
	WDFQ_SYMVERS="$out/Module.symvers" "$@" >&2 ||
	die "out-of-tree build of samples/wdfq_sample for kernel $name failed"
echo "$out"
