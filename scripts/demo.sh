#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo "make run" shows in the VM (busybox sh): the module loaded and
# /dev/wdfq0 at work: reads parked and satisfied by interrupts, loopback,
# queue state changes, a runtime suspend/wake cycle. The narrated part is
# the program wdfq_demo (tools/wdfq-demo), which checks what it shows; then
# the same device through the control utility wdfqctl.
set -eu

step() { printf '\n== %s\n' "$*"; }
# platform device wdfq.0, or the edu PCI device (make run HW=edu)
dev=$(readlink -f /sys/class/misc/wdfq0/device)

step "kernel"
uname -a
step "module loaded, parameters"
grep '^wdfq ' /proc/modules
for p in /sys/module/wdfq/parameters/*; do
	printf '  %s=%s\n' "${p##*/}" "$(cat "$p")"
done
step "device ${dev##*/}, misc device child, runtime PM files"
ls -l /dev/wdfq0
ls "$dev" | tr '\n' ' '; echo
for f in control autosuspend_delay_ms runtime_status; do
	printf '  power/%s=%s\n' "$f" "$(cat "$dev/power/$f")"
done
demo=/wdfq/wdfq_demo
if [ -x "$demo" ]; then
	"$demo" --narrate || echo "(the demo reported a failure)"
else
	echo "($demo is missing)"
fi
# wdfqctl (tools/wdfqctl, installed in the VM by its "make install").
if command -v wdfqctl >/dev/null; then
	step "wdfqctl info: the instance and its queues"
	wdfqctl info
	step "wdfqctl inject --wake hello, then read it back from /dev/wdfq0"
	# (bytes still buffered from the tour above are read first)
	rb=$(wdfqctl stats -k | sed -n 's/^device.ring_bytes=//p')
	[ "${rb:-0}" -eq 0 ] || timeout 30 head -c "$rb" /dev/wdfq0 >/dev/null
	wdfqctl inject --wake hello
	printf '  read: %s\n' "$(timeout 30 head -c 5 /dev/wdfq0)"
	step "wdfqctl queue write stop --wait, then start (stats -q write in between)"
	wdfqctl queue write stop --wait
	wdfqctl stats -q write
	wdfqctl queue write start
	step "wdfqctl get, wdfqctl stats"
	wdfqctl get
	wdfqctl stats
	echo "(more: wdfqctl --help; trace: wdfqctl trace wdfq0)"
else
	echo "(wdfqctl is missing)"
fi
step "kernel log lines about wdfq"
dmesg | grep -i wdfq || echo "(none)"
