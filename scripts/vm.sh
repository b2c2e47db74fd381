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
#
# The initramfs (modules, kselftests, host files) is staged by
# scripts/vm-stage.sh; the results of a check are read by parse-results.sh.
set -eu
. "$(dirname "$0")/lib.sh"

# Sets kernel, mode, cmd, limit, kvm and interactive.
parse_args() {
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
}

# QEMU's command line without the serial ports: ttyS0 is the console,
# ttyS1 the results channel. Sets qemu.
qemu_cmdline() {
	local append="console=ttyS0,115200 panic=-1 rdinit=/init"

	[ "$mode" = check ] || append="$append quiet"
	qemu=(qemu-system-x86_64 -m "${VM_MEM:-2G}" -smp "${VM_CPUS:-2}"
	      -kernel "$vmlinuz" -initrd "$vmdir/initrd.gz" -append "$append"
	      -display none -no-reboot -monitor none)
	if [ "$kvm" = 1 ]; then
		qemu+=(-accel kvm -cpu host)
	else
		qemu+=(-accel tcg)
	fi
}

# --mode check: console and results to files, the test output shown while
# it runs; exits with parse-results.sh's verdict.
run_check() {
	local start secs qpid rc=0 prc=0

	start=$(date +%s)
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
	"$WDFQ_TOP/scripts/parse-results.sh" "$kernel" "$results" "$console" \
		"$secs" "$rc" >"$vmdir/summary.txt" || prc=$?
	cat "$vmdir/summary.txt"
	exit $prc
}

# The other modes: the console on the terminal; exec exits with the status
# of CMD in the guest.
run_vm() {
	local rc=0

	if [ "$interactive" = 1 ]; then
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
}

parse_args "$@"
"$WDFQ_TOP/scripts/deps.sh" vm
lock_kernel "$kernel"
"$WDFQ_TOP/scripts/fetch-kernel.sh" "$kernel"
vmlinuz=$(readlink -f "$WDFQ_KERNELS/$kernel/vmlinuz")
"$WDFQ_TOP/scripts/vm-stage.sh" "$kernel" "$mode" "$interactive" "$cmd"

vmdir=$WDFQ_BUILD/vm/$kernel
results=$vmdir/results.log
console=$vmdir/console.log
: >"$results"
: >"$console"
qemu_cmdline
if [ "$mode" = check ]; then
	run_check
fi
run_vm
