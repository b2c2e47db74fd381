#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot a test kernel and print the benchmark table: /dev/wdfq0
# beside its baselines in the same boot (tools/wdfq-bench/wdfq_bench.c,
# driven in the guest by tools/wdfq-bench/bench-guest.sh), the engine alone
# (kmod/tests/wdfq_bench.ko), and fio's async writes against the driver and
# against null_blk; then draw the fio figures with gnuplot. Figures only;
# never fails on one.
#
#   bench.sh [KERNEL...]     default: the default test kernel
#
# Writes build/bench/table-KERNEL.txt, plot-KERNEL.dat (the figures drawn),
# bench-KERNEL.svg and .png, and console-KERNEL.log (the guest's console).
#
# Environment: BENCH_RUNS (runs per figure, default 5), BENCH_SOAK
# (requests in the soak, default 1000000), BENCH_LIMIT and
# BENCH_LATENCY_US (the write queue's parallel limit N and transfer time L
# of the async write rows, default 8 and 20000), BENCH_FIO_SECS (seconds a
# fio run, default 3), BENCH_TIMEOUT (seconds a boot, default 2400).
set -eu
. "$(dirname "$0")/lib.sh"

kernels=${*:-$(default_kernel)}
runs=${BENCH_RUNS:-5}
soak=${BENCH_SOAK:-1000000}
limit=${BENCH_LIMIT:-8}
lat_us=${BENCH_LATENCY_US:-20000}
fio_secs=${BENCH_FIO_SECS:-3}
src=$WDFQ_TOP/tools/wdfq-bench
out=$WDFQ_BUILD/bench

build_tools() {
	mkdir -p "$out"
	make -s -C "$src" OUTPUT="$out" >&2 || die "building wdfq_bench failed"
}

# null_blk.ko and configfs.ko of a Debian kernel, from its image package,
# uncompressed (busybox insmod reads plain modules) into $out/nullblk-K.
# Prints that folder, or nothing when the kernel has no null_blk module
# (the debug kernel: scripts/debug.config leaves null_blk and configfs out).
stage_null_blk() {
	local dir=$out/nullblk-$1 debs deb ko

	debs=("$WDFQ_KERNELS/$1"/debs/linux-image-*.deb)
	deb=${debs[0]}
	[ -f "$deb" ] || return 0
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp" "$dir"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$dir.tmp" --wildcards '*/null_blk.ko*' \
			'*/fs/configfs/configfs.ko*' 2>/dev/null || true
	find "$dir.tmp" -name '*.ko*' -print0 |
	while IFS= read -r -d '' ko; do
		case $ko in
		*.xz) xz -dc "$ko" >"$dir/$(basename "${ko%.xz}")" ;;
		*.zst) zstd -qdc "$ko" >"$dir/$(basename "${ko%.zst}")" ;;
		*) cp "$ko" "$dir/" ;;
		esac
	done
	rm -rf "$dir.tmp"
	if [ -f "$dir/null_blk.ko" ]; then
		echo "$dir"
	fi
}

# Boot kernel $1, run the benchmark; its output (console noise and the
# harness's lines left out) on stdout, the whole console in console-K.log.
run_guest() {
	local k=$1 nb files

	nb=$(stage_null_blk "$k")
	files="$out/wdfq_bench $src/bench-guest.sh $src/fio:/root/fio"
	[ -z "$nb" ] || files="$files $nb:/root/nullblk"
	EXTRA_FILES="$files" HOST_BINS="fio ${HOST_BINS:-}" \
		"$WDFQ_TOP/scripts/vm.sh" --kernel "$k" \
		--timeout "${BENCH_TIMEOUT:-2400}" \
		--run "sh /root/bench-guest.sh $runs $soak $limit $lat_us $fio_secs" |
		tee "$out/console-$k.log" |
		sed -u -n -e 's/\r$//' -e '/^kernel /,$!d' \
			-e '/^\[ *[0-9.]*\]/d' -e '/^WDFQ-/d' -e p
}

# Draw plot-K.dat into bench-K.svg and bench-K.png.
draw() {
	local k=$1 fmt title

	if ! grep -q '^iops ' "$out/plot-$k.dat"; then
		msg "no fio figures on kernel $k: no picture"
		return 0
	fi
	title="wdfq vs null_blk, kernel $(sed -n 's/^kernel \([^,]*\),.*/\1/p' \
		"$out/table-$k.txt"), QEMU TCG, N=$limit L=${lat_us}us"
	for fmt in svg png; do
		gnuplot -e "data='$out/plot-$k.dat'; fmt='$fmt'" \
			-e "out='$out/bench-$k.$fmt'; title='$title'" \
			"$src/bench.gp" || msg "gnuplot failed on bench-$k.$fmt"
	done
	msg "pictures: $out/bench-$k.svg, $out/bench-$k.png"
}

"$WDFQ_TOP/scripts/deps.sh" bench
build_tools
for k in $kernels; do
	msg "benchmark on kernel $k (TCG: allow several minutes)"
	run_guest "$k" | tee "$out/raw-$k.txt" | grep --line-buffered -v '^plot '
	grep -v '^plot ' "$out/raw-$k.txt" >"$out/table-$k.txt"
	sed -n 's/^plot //p' "$out/raw-$k.txt" >"$out/plot-$k.dat"
	draw "$k"
done
