#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage the test VM's initramfs for one kernel; scripts/vm.sh runs it.
#
#   vm-stage.sh KERNEL MODE INTERACTIVE CMD
#
# Builds the modules for KERNEL and the kselftests, lays out the guest's
# root in build/vm/KERNEL/root (see scripts/guest/init for what the guest
# finds where) and packs it into build/vm/KERNEL/initrd.gz. MODE and CMD
# are vm.sh's (--mode, --run); INTERACTIVE is 1 when the guest gets a
# shell on the terminal. EXTRA_FILES and HOST_BINS: see scripts/vm.sh.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 4 ] || die "usage: vm-stage.sh KERNEL MODE INTERACTIVE CMD"
kernel=$1
mode=$2
interactive=$3
cmd=$4
vmdir=$WDFQ_BUILD/vm/$kernel
root=$vmdir/root

# The module, built for this kernel; sets moddir.
build_modules() {
	moddir=$("$WDFQ_TOP/scripts/build-module.sh" "$kernel")
}

# The kselftests: static programs, the same for every kernel; the runner
# and the harness headers come from the debug kernel's source tree. Sets
# ksft and progs.
build_kselftests() {
	"$WDFQ_TOP/scripts/fetch-kernel.sh" --source debug
	ksft=$WDFQ_KERNELS/debug/src/tools/testing/selftests
	flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/selftests/wdfq" \
		KSFT_DIR="$ksft" OUTPUT="$WDFQ_BUILD/selftests" >&2 ||
		die "building the kselftests failed"
	progs=$(make -s -C "$WDFQ_TOP/selftests/wdfq" list)
	scripts=$(make -s -C "$WDFQ_TOP/selftests/wdfq" list-scripts)
	# The demo is a tool, not a test; init runs it in check mode too.
	flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/tools/wdfq-demo" \
		OUTPUT="$WDFQ_BUILD/tools" >&2 || die "building wdfq_demo failed"
	# wdfqctl: installed into the guest (stage_base), smoke-tested there.
	flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/tools/wdfqctl" \
		OUTPUT="$WDFQ_BUILD/tools" >&2 || die "building wdfqctl failed"
	build_examples
}

# The README's C examples (tools/wdfq-examples), which check mode runs. They
# link liburing and libaio, which only "scripts/deps.sh check" installs:
# the other modes go without them when they do not build. Sets examples.
build_examples() {
	examples=
	if flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/tools/wdfq-examples" \
		OUTPUT="$WDFQ_BUILD/tools" >&2; then
		examples=$(make -s -C "$WDFQ_TOP/tools/wdfq-examples" list)
	elif [ "$mode" = check ]; then
		die "building tools/wdfq-examples failed (scripts/deps.sh check installs liburing-dev and libaio-dev)"
	else
		msg "tools/wdfq-examples not built (liburing-dev, libaio-dev?): no /wdfq/examples in the VM"
	fi
}

# busybox, /init and what it reads: the mode, the command, the demo, the
# C examples.
stage_base() {
	rm -rf "$root"
	mkdir -p "$root"/{bin,wdfq/modules,wdfq/kselftest/kselftest,wdfq/kselftest/wdfq,root}
	cp "$(command -v busybox)" "$root/bin/busybox"
	# (ldd, not file(1): file is not among what scripts/deps.sh installs)
	if ldd "$root/bin/busybox" >/dev/null 2>&1; then
		die "$(command -v busybox) is not static: install busybox-static"
	fi
	install -m 755 "$WDFQ_TOP/scripts/guest/init" "$root/init"
	echo "$mode" >"$root/wdfq/mode"
	if [ "$interactive" = 1 ]; then
		touch "$root/wdfq/interactive"
	fi
	printf '%s\n' "$cmd" >"$root/wdfq/cmd"
	install -m 755 "$WDFQ_TOP/scripts/demo.sh" "$root/wdfq/demo.sh"
	install -m 755 "$WDFQ_BUILD/tools/wdfq_demo" "$root/wdfq/wdfq_demo"
	# The way a user installs it: /usr/bin/wdfqctl.
	make -s -C "$WDFQ_TOP/tools/wdfqctl" OUTPUT="$WDFQ_BUILD/tools" \
		DESTDIR="$root" PREFIX=/usr install >&2 ||
		die "make install of wdfqctl into the guest failed"
	mkdir -p "$root/wdfq/examples"
	for p in $examples; do
		install -m 755 "$WDFQ_BUILD/tools/$p" "$root/wdfq/examples/$p"
	done
}

# Modules: the engine (wdfq_engine.ko), the KUnit suite, the reference
# driver (wdfq.ko) and the example driver (wdfq_sample.ko, built out of
# tree), each needing only the engine's symbols; unloaded in the reverse
# order. Other modules (the benchmark) are copied but never loaded by check.
stage_modules() {
	local ko

	for ko in "$moddir"/kmod/*/*.ko "$moddir"/samples/*/*.ko; do
		cp "$ko" "$root/wdfq/modules/"
	done
	echo "wdfq_kunit wdfq_sample wdfq wdfq_engine" >"$root/wdfq/modules/unload"
}

# kselftest install layout: run_kselftest.sh + kselftest-list.txt.
stage_kselftests() {
	local p f

	cp "$ksft/run_kselftest.sh" "$root/wdfq/kselftest/"
	cp "$ksft"/kselftest/runner.sh "$ksft"/kselftest/ktap_helpers.sh \
		"$root/wdfq/kselftest/kselftest/"
	: >"$root/wdfq/kselftest/kselftest-list.txt"
	for p in $progs; do
		cp "$WDFQ_BUILD/selftests/$p" "$root/wdfq/kselftest/wdfq/"
		echo "wdfq:$p" >>"$root/wdfq/kselftest/kselftest-list.txt"
	done
	for p in $scripts; do
		install -m 755 "$WDFQ_TOP/selftests/wdfq/$p" "$root/wdfq/kselftest/wdfq/"
		echo "wdfq:$p" >>"$root/wdfq/kselftest/kselftest-list.txt"
	done
	for f in settings config; do
		if [ -f "$WDFQ_TOP/selftests/wdfq/$f" ]; then
			cp "$WDFQ_TOP/selftests/wdfq/$f" "$root/wdfq/kselftest/wdfq/"
		fi
	done
}

# One host program with the shared libraries ldd names.
copy_host_bin() {
	local bin lib
	bin=$(command -v "$1") || die "HOST_BINS: '$1' not found on the host"
	bin=$(readlink -f "$bin")
	cp -L --parents "$bin" "$root"
	[ "$(basename "$bin")" = "$1" ] ||
		ln -sf "$bin" "$root/usr/bin/$1" 2>/dev/null || true
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
	done
}

# Host programs (HOST_BINS) and files (EXTRA_FILES). coreutils' timeout is
# always there: the kselftest runner needs "timeout --foreground", which
# busybox's timeout lacks; fio is there in check mode.
stage_host_files() {
	local b spec src dst

	mkdir -p "$root/usr/bin"
	local bins="timeout ${HOST_BINS:-}"

	# check mode runs fio (scripts/deps.sh check installs it).
	[ "$mode" != check ] || bins="$bins fio"
	for b in $bins; do
		copy_host_bin "$b"
	done
	for spec in ${EXTRA_FILES:-}; do
		src=${spec%%:*}
		dst=/root/$(basename "$src")
		[ "$spec" = "$src" ] || dst=${spec#*:}
		[ -e "$src" ] || die "EXTRA_FILES: '$src' not found"
		mkdir -p "$root$(dirname "$dst")"
		cp -a "$src" "$root$dst"
	done
}

# The fio job files (selftests/wdfq/fio/) for check mode; fio itself comes
# from the host (HOST_BINS).
stage_fio() {
	[ "$mode" = check ] || return 0
	mkdir -p "$root/wdfq/fio"
	cp "$WDFQ_TOP"/selftests/wdfq/fio/* "$root/wdfq/fio/"
}

build_modules
build_kselftests
stage_base
stage_modules
stage_kselftests
stage_fio
stage_host_files
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$vmdir/initrd.gz"
