#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel in QEMU with the module and the kselftests.
#
#   vm.sh [--kernel NAME] [--mode check|run|shell|exec] [--run CMD]
#         [--timeout SECONDS] [--kvm]
#
#   check  run KUnit (debug kernel) and the kselftests, check the kernel
#          log; writes build/vm/NAME/summary (see parse-results.sh)
#   run    scripts/demo.sh in the VM, then a shell when stdin is a TTY
#   shell  interactive shell with the module loaded (Ctrl-A X quits QEMU)
#   exec   run CMD in the VM (in /root), exit with its status
#
# Environment:
#   EXTRA_FILES="src[:/guest/path] ..."  files or folders to copy in
#                                        (default place: /root/NAME)
#   HOST_BINS="fio stress-ng ..."        host programs to copy in, with the
#                                        shared libraries ldd names
#   KVM=1                                use KVM instead of TCG
#   VM_MEM=2G, VM_CPUS=2                 guest size
set -eu
. "$(dirname "$0")/lib.sh"

kernel=$(default_kernel)
mode=run
cmd=
limit=
kvm=${KVM:-0}
[ "$kvm" = 0 ] || [ "$kvm" = 1 ] || kvm=0

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--run) cmd=$2; mode="exec"; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--kvm) kvm=1; shift ;;
	*) die "unknown argument '$1' (see the top of scripts/vm.sh)" ;;
	esac
done
case $mode in
check) : "${limit:=900}" ;;
run|exec) : "${limit:=600}" ;;
shell) : "${limit:=14400}" ;;
*) die "unknown mode '$mode'" ;;
esac
[ "$mode" != exec ] || [ -n "$cmd" ] || die "--mode exec needs --run CMD"
interactive=0
if [ "$mode" = shell ] || { [ "$mode" = run ] && [ -t 0 ] && [ -t 1 ]; }; then
	interactive=1
fi
[ "$mode" != shell ] || [ -t 0 ] || die "make vm-shell needs a terminal (try make vm-exec CMD=...)"

"$WDFQ_TOP/scripts/deps.sh" vm
lock_kernel "$kernel"
"$WDFQ_TOP/scripts/fetch-kernel.sh" "$kernel"
vmlinuz=$(readlink -f "$WDFQ_KERNELS/$kernel/vmlinuz")

# The module, built for this kernel.
moddir=$("$WDFQ_TOP/scripts/build-module.sh" "$kernel")

# The kselftests: static programs, the same for every kernel; the runner
# and the harness headers come from the debug kernel's source tree.
"$WDFQ_TOP/scripts/fetch-kernel.sh" --source debug
ksft=$WDFQ_KERNELS/debug/src/tools/testing/selftests
flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/selftests/wdfq" \
	KSFT_DIR="$ksft" OUTPUT="$WDFQ_BUILD/selftests" >&2 ||
	die "building the kselftests failed"
progs=$(make -s -C "$WDFQ_TOP/selftests/wdfq" list)
flock "$WDFQ_BUILD/locks/selftests" make -s -C "$WDFQ_TOP/tools/wdfq-demo" \
	OUTPUT="$WDFQ_BUILD/tools" >&2 || die "building wdfq_demo failed"

# Stage the initramfs.
vmdir=$WDFQ_BUILD/vm/$kernel
root=$vmdir/root
rm -rf "$root"
mkdir -p "$root"/{bin,wdfq/modules,wdfq/kselftest/kselftest,wdfq/kselftest/wdfq,root}
cp "$(command -v busybox)" "$root/bin/busybox"
file -L "$root/bin/busybox" 2>/dev/null | grep -q 'dynamically' &&
	die "$(command -v busybox) is not static: install busybox-static"
install -m 755 "$WDFQ_TOP/scripts/guest/init" "$root/init"
echo "$mode" >"$root/wdfq/mode"
[ $interactive = 1 ] && touch "$root/wdfq/interactive"
printf '%s\n' "$cmd" >"$root/wdfq/cmd"
install -m 755 "$WDFQ_TOP/scripts/demo.sh" "$root/wdfq/demo.sh"
install -m 755 "$WDFQ_BUILD/tools/wdfq_demo" "$root/wdfq/wdfq_demo"

# Modules: the engine (wdfq_engine.ko), the KUnit suite, the reference
# driver (wdfq.ko) and the example driver (wdfq_sample.ko, built out of
# tree), each needing only the engine's symbols; unloaded in the reverse
# order. Other modules (the benchmark) are copied but never loaded by check.
for ko in "$moddir"/kmod/*/*.ko "$moddir"/samples/*/*.ko; do
	cp "$ko" "$root/wdfq/modules/"
done
echo "wdfq_kunit wdfq_sample wdfq wdfq_engine" >"$root/wdfq/modules/unload"

# kselftest install layout: run_kselftest.sh + kselftest-list.txt.
cp "$ksft/run_kselftest.sh" "$root/wdfq/kselftest/"
cp "$ksft"/kselftest/runner.sh "$ksft"/kselftest/ktap_helpers.sh \
	"$root/wdfq/kselftest/kselftest/"
: >"$root/wdfq/kselftest/kselftest-list.txt"
for p in $progs; do
	cp "$WDFQ_BUILD/selftests/$p" "$root/wdfq/kselftest/wdfq/"
	echo "wdfq:$p" >>"$root/wdfq/kselftest/kselftest-list.txt"
done
for f in settings config; do
	[ -f "$WDFQ_TOP/selftests/wdfq/$f" ] &&
		cp "$WDFQ_TOP/selftests/wdfq/$f" "$root/wdfq/kselftest/wdfq/"
done

# Host programs with their shared libraries. coreutils' timeout is always
# there: the kselftest runner needs "timeout --foreground", which busybox's
# timeout lacks.
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
mkdir -p "$root/usr/bin"
for b in timeout ${HOST_BINS:-}; do
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

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$vmdir/initrd.gz"

# QEMU: ttyS0 is the console, ttyS1 the results channel.
results=$vmdir/results.log
console=$vmdir/console.log
: >"$results"
: >"$console"
append="console=ttyS0,115200 panic=-1 rdinit=/init"
[ "$mode" = check ] || append="$append quiet"
qemu=(qemu-system-x86_64 -m "${VM_MEM:-2G}" -smp "${VM_CPUS:-2}"
      -kernel "$vmlinuz" -initrd "$vmdir/initrd.gz" -append "$append"
      -display none -no-reboot -monitor none)
if [ "$kvm" = 1 ]; then
	qemu+=(-accel kvm -cpu host)
else
	qemu+=(-accel tcg)
fi

start=$(date +%s)
rc=0
if [ "$mode" = check ]; then
	qemu+=(-serial "file:$console" -serial "file:$results")
	msg "booting $kernel ($(basename "$vmlinuz")) under $([ "$kvm" = 1 ] && echo KVM || echo TCG), limit ${limit}s"
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null &
	qpid=$!
	# Show the test output while it runs (not the kernel log dumps).
	tail -n +1 -s 0.5 --pid=$qpid -f "$results" 2>/dev/null |
		awk '/^WDFQ-(DMESG|KMEMLEAK)-BEGIN/ { skip = 1 }
		     !skip && !/^WDFQ-/ { print; fflush() }
		     /^WDFQ-(DMESG|KMEMLEAK)-END/ { skip = 0 }' || true
	wait $qpid || rc=$?
	secs=$(($(date +%s) - start))
	[ $rc -eq 124 ] && msg "the VM hit its time limit of ${limit}s"
	prc=0
	"$WDFQ_TOP/scripts/parse-results.sh" "$kernel" "$results" "$console" \
		"$secs" "$rc" >"$vmdir/summary.txt" || prc=$?
	cat "$vmdir/summary.txt"
	exit $prc
fi

if [ $interactive = 1 ]; then
	qemu+=(-serial mon:stdio -serial "file:$results")
	echo "wdfq: booting $kernel; in the VM shell, 'exit' ends it (Ctrl-A X kills QEMU)" >&2
	timeout --foreground -k 10 "$limit" "${qemu[@]}" || rc=$?
	stty sane 2>/dev/null || true
else
	qemu+=(-serial stdio -serial "file:$results")
	timeout -k 10 "$limit" "${qemu[@]}" </dev/null || rc=$?
fi
[ $rc -eq 124 ] && die "the VM hit its time limit of ${limit}s"
[ $rc -eq 0 ] || die "QEMU failed (status $rc)"
grep -q '^WDFQ-DONE' "$results" || die "the VM did not finish cleanly (kernel panic?)"
if [ "$mode" = exec ]; then
	exit "$(sed -n 's/^WDFQ-EXIT \([0-9]*\).*/\1/p' "$results" | tail -1)"
fi
