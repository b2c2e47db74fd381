#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel in QEMU with the module and the kselftests.
#
#   vm.sh [--kernel NAME] [--mode check|run|shell|exec] [--run CMD]
#         [--timeout SECONDS] [--kvm] [--hw sim|edu]
#
#   check  run KUnit (debug kernel) and the kselftests, check the kernel
#          log; writes build/vm/NAME/summary (see parse-results.sh)
#   run    scripts/demo.sh in the VM, then a shell when stdin is a TTY
#   shell  interactive shell with the module loaded (Ctrl-A X quits QEMU)
#   exec   run CMD in the VM (in /root), exit with its status
#
# --hw edu adds two of QEMU's edu PCI devices (-device edu) and has the
# guest load wdfq.ko with sim=0: the edu instances are /dev/wdfq0 and
# /dev/wdfq1 (read_path=0,1), and the tests run against them (see
# scripts/guest/init). Default: sim (simulated hardware). Same as HW=edu.
#
# Environment:
#   EXTRA_FILES="src[:/guest/path] ..."  files or folders to copy in
#                                        (default place: /root/NAME)
#   HOST_BINS="fio stress-ng ..."        host programs to copy in, with the
#                                        shared libraries ldd names
#   KVM=1                                use KVM instead of TCG
#   VM_TCG=single|multi                  TCG with one host thread for all
#                                        vCPUs (default) or one per vCPU
#   VM_MEM=2G, VM_CPUS=2                 guest size
#   VM_APPEND="pci=nomsi"                more kernel command line (e.g. the
#                                        edu device on INTx, not MSI)
#   VM_TEST_PANIC=WHEN[:BOOTS]           harness self-test: the guest dies
#                                        (its init exits) in the first BOOTS
#                                        boots (default 1), "early" before
#                                        it loads a module, "late" just
#                                        after (check mode)
#
# A check boot that dies before the guest starts loading modules (no
# WDFQ-BOOTED line on the results port: an emulator or boot flake, not a
# test result) is booted again, at most twice; the summary says so. A
# failure after that line is never retried. Try it by hand:
#   VM_TEST_PANIC=early scripts/vm.sh --kernel 6.12 --mode check    passes,
#                                                          "retried 1 boot"
#   VM_TEST_PANIC=early:3 scripts/vm.sh --kernel 6.12 --mode check  fails
#   VM_TEST_PANIC=late scripts/vm.sh --kernel 6.12 --mode check     fails,
#                                                          no retry
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
	hw=${HW:-sim}
	[ "$kvm" = 0 ] || [ "$kvm" = 1 ] || kvm=0

	while [ $# -gt 0 ]; do
		case $1 in
		--kernel) kernel=$2; shift 2 ;;
		--mode) mode=$2; shift 2 ;;
		--run) cmd=$2; mode="exec"; shift 2 ;;
		--timeout) limit=$2; shift 2 ;;
		--kvm) kvm=1; shift ;;
		--hw) hw=$2; shift 2 ;;
		*) die "unknown argument '$1' (see the top of scripts/vm.sh)" ;;
		esac
	done
	case $hw in
	sim|edu) ;;
	*) die "unknown --hw '$hw' (sim or edu)" ;;
	esac
	case $mode in
	check) : "${limit:=1800}" ;;
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

# QEMU's command line without the serial ports for boot number $1 (from
# 1): ttyS0 is the console, ttyS1 the results channel. Sets qemu.
qemu_cmdline() {
	local append="console=ttyS0,115200 panic=-1 rdinit=/init"
	local when=${VM_TEST_PANIC:-} boots=1

	when=${when%%:*}
	[ "$mode" = check ] || append="$append quiet"
	case ${VM_TEST_PANIC:-} in
	"") ;;
	early|late) ;;
	early:[0-9]*|late:[0-9]*) boots=${VM_TEST_PANIC#*:} ;;
	*) die "VM_TEST_PANIC must be early or late, optionally with :BOOTS" ;;
	esac
	# (the kernel hands name=value to init as its environment)
	[ -z "${VM_TEST_PANIC:-}" ] || [ "$1" -gt "$boots" ] ||
		append="$append wdfq_test_panic=$when"
	[ "$hw" = sim ] || append="$append wdfq_hw=$hw"
	[ -z "${VM_APPEND:-}" ] || append="$append $VM_APPEND"
	# One socket per CPU: SeaBIOS's MP table lists one processor per
	# package, and the source-built kernels (no ACPI) know CPUs only from
	# it; with -smp N as one package of N cores they boot one CPU.
	cpus=${VM_CPUS:-2}
	qemu=(qemu-system-x86_64 -m "${VM_MEM:-2G}"
	      -smp "$cpus,sockets=$cpus,cores=1,threads=1"
	      -kernel "$vmlinuz" -initrd "$vmdir/initrd.gz" -append "$append"
	      -display none -no-reboot -monitor none)
	# two: /dev/wdfq1 takes the notify read path (scripts/guest/init)
	[ "$hw" != edu ] || qemu+=(-device edu -device edu)
	if [ "$kvm" = 1 ]; then
		qemu+=(-accel kvm -cpu host)
	else
		# One thread for all vCPUs: with a thread per vCPU, QEMU 7.2 lets
		# a vCPU run a stale translation of kernel text that another one
		# is live-patching (text_poke_bp()'s int3), and the guest dies
		# with "Oops: int3" when a static key flips (about one boot in
		# 50 on the Debian kernels: sched_clock stable, timer migration).
		case ${VM_TCG:-single} in
		single) qemu+=(-accel "tcg,thread=single") ;;
		multi) qemu+=(-accel "tcg,thread=multi") ;;
		*) die "VM_TCG must be single or multi" ;;
		esac
	fi
}

# Boots of a check run that died before the guest loaded a module.
MAX_RETRIES=2

# The first line of the console that tells why the guest died, and where.
first_oops() {
	local line rip

	line=$(grep -m1 -E 'Oops|BUG:|kernel BUG|general protection|Kernel panic' "$1" |
		sed 's/^\[ *[0-9.]*\] //') || true
	rip=$(grep -m1 -o 'RIP: 0010:[^ ]*' "$1") || true
	echo "${line:-no panic message on the console}${rip:+ ($rip)}"
}

# --mode check: console and results to files, the test output shown while
# it runs; exits with parse-results.sh's verdict. A boot that ended (QEMU
# exited by itself, not at the time limit) before the guest's WDFQ-BOOTED
# line, printed just before it loads the first module, is booted again.
run_check() {
	local start secs qpid rc prc=0 boot=0 retried=0 why=

	start=$(date +%s)
	msg "booting $kernel ($(basename "$vmlinuz")) under $([ "$kvm" = 1 ] && echo KVM || echo "TCG (${VM_TCG:-single})"), limit ${limit}s"
	while :; do
		boot=$((boot + 1))
		: >"$results"
		: >"$console"
		qemu_cmdline "$boot"
		qemu+=(-serial "file:$console" -serial "file:$results")
		rc=0
		timeout -k 10 "$limit" "${qemu[@]}" </dev/null &
		qpid=$!
		# Show the test output while it runs (not the kernel log dumps).
		tail -n +1 -s 0.5 --pid=$qpid -f "$results" 2>/dev/null |
			awk '/^WDFQ-(DMESG|KMEMLEAK)-BEGIN/ { skip = 1 }
			     !skip && !/^WDFQ-/ { print; fflush() }
			     /^WDFQ-(DMESG|KMEMLEAK)-END/ { skip = 0 }' || true
		wait $qpid || rc=$?
		if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $retried -eq $MAX_RETRIES ] ||
		   grep -q '^WDFQ-BOOTED' "$results"; then
			break
		fi
		retried=$((retried + 1))
		why="${why:+$why; }$(first_oops "$console")"
		cp "$console" "$vmdir/console-died-$retried.log"
		msg "boot $boot died before loading the module: $(first_oops "$console")"
		msg "(console: $vmdir/console-died-$retried.log); booting again"
	done
	secs=$(($(date +%s) - start))
	[ $rc -eq 124 ] && msg "the VM hit its time limit of ${limit}s"
	"$WDFQ_TOP/scripts/parse-results.sh" "$kernel" "$results" "$console" \
		"$secs" "$rc" "$retried" "$why" >"$vmdir/summary.txt" || prc=$?
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
rm -f "$vmdir"/console-died-*.log
if [ "$mode" = check ]; then
	run_check
fi
qemu_cmdline 1
run_vm
