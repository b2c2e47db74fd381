#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot a test kernel and print the benchmark table: the engine
# alone (kmod/tests/wdfq_bench.ko), then /dev/wdfq0 beside its baselines in the
# same boot (tools/wdfq-bench/wdfq_bench.c). Figures only; never fails on one.
#
#   bench.sh [KERNEL...]     default: the default test kernel
#
# Environment: BENCH_RUNS (runs per figure, default 5), BENCH_SOAK
# (requests in the soak, default 1000000).
set -eu
. "$(dirname "$0")/lib.sh"

kernels=${*:-$(default_kernel)}
runs=${BENCH_RUNS:-5}
soak=${BENCH_SOAK:-1000000}

"$WDFQ_TOP/scripts/deps.sh" vm
out=$WDFQ_BUILD/bench
mkdir -p "$out"
make -s -C "$WDFQ_TOP/tools/wdfq-bench" OUTPUT="$out" >&2 ||
	die "building wdfq_bench failed"

# In the guest: the engine module prints its figures on load; keep its
# lines, then run the device benchmark with them.
guest="insmod /wdfq/modules/wdfq_bench.ko &&
dmesg | sed -n 's/^\[[ 0-9.]*\] wdfq_bench: //p' >/tmp/engine.txt;
rmmod wdfq_bench 2>/dev/null;
echo \"kernel \$(uname -r), \$(nproc) vCPUs under QEMU\";
/root/wdfq_bench -r $runs -s $soak -e /tmp/engine.txt"

for k in $kernels; do
	msg "benchmark on kernel $k (TCG: allow several minutes)"
	EXTRA_FILES="$out/wdfq_bench" "$WDFQ_TOP/scripts/vm.sh" --kernel "$k" \
		--timeout "${BENCH_TIMEOUT:-1800}" --run "$guest" |
		sed -n '/^kernel /,$p' | grep -v '^\[ *[0-9.]*\]' |
		grep -v '^WDFQ-' | tee "$out/table-$k.txt"
done
