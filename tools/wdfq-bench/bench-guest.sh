#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the test VM (busybox sh; scripts/guest/init has loaded
# wdfq_engine.ko and wdfq.ko). scripts/bench.sh stages this file, the
# program wdfq_bench, the fio job in /root/fio and, for kernels that ship
# it, null_blk.ko and configfs.ko in /root/nullblk.
#
#   bench-guest.sh RUNS SOAK LIMIT LATENCY_US FIO_SECONDS

runs=$1
soak=$2
limit=$3
lat_us=$4
secs=$5
nb=/root/nullblk
cfs=/sys/kernel/config

# The engine module prints its figures on load: keep its lines.
engine_figures() {
	insmod /wdfq/modules/wdfq_bench.ko || return 0
	dmesg | sed -n 's/^\[[ 0-9.]*\] wdfq_bench: //p' >/tmp/engine.txt
	rmmod wdfq_bench
}

# One null_blk device through configfs: nullb_add NAME ATTR=VALUE ...
# The devices are made in order nullb0, nullb1: whether a kernel names the
# disk after its configfs directory or its index, the name is the same.
nullb_add() {
	dir=$cfs/nullb/$1
	shift
	mkdir "$dir" || return 1
	for a in "$@"; do
		echo "${a#*=}" >"$dir/${a%%=*}" || return 1
	done
	echo 1 >"$dir/power"
}

# The baselines: nullb0 completes in the submitter's context (irqmode=0),
# for the reads; nullb1 by a timer after LATENCY_US with LIMIT tags
# (irqmode=2, one hardware queue), for the async writes.
null_blk_setup() {
	if [ ! -f $nb/null_blk.ko ]; then
		echo "null_blk: not available on this kernel ($(uname -r)): no null_blk rows"
		return 1
	fi
	grep -qw configfs /proc/filesystems || insmod $nb/configfs.ko ||
		return 1
	insmod $nb/null_blk.ko nr_devices=0 || return 1
	grep -q " $cfs " /proc/mounts || mount -t configfs configfs $cfs ||
		return 1
	nullb_add nullb0 queue_mode=2 irqmode=0 blocksize=512 size=1024 \
		submit_queues=1 &&
	nullb_add nullb1 queue_mode=2 irqmode=2 \
		completion_nsec=$((lat_us * 1000)) hw_queue_depth="$limit" \
		blocksize=512 size=1024 submit_queues=1 &&
	[ -b /dev/nullb0 ] && [ -b /dev/nullb1 ]
}

echo "kernel $(uname -r), $(nproc) vCPUs under QEMU, $(date -u '+%Y-%m-%d %H:%M UTC')"
engine_figures
nb_args=
if null_blk_setup; then
	nb_args="-z /dev/nullb0 -b /dev/nullb1"
elif [ -f $nb/null_blk.ko ]; then
	echo "null_blk: setting it up failed on $(uname -r): no null_blk rows"
fi
# shellcheck disable=SC2086
/root/wdfq_bench -r "$runs" -s "$soak" -e /tmp/engine.txt \
	-j /root/fio/write.fio -N "$limit" -L "$lat_us" -t "$secs" -P $nb_args
