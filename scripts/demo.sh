#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo "make run" shows in the VM (busybox sh): the module loaded and
# /dev/wdfq0 at work: reads parked and satisfied by interrupts, loopback,
# queue state changes, a runtime suspend/wake cycle. The narrated part is
# the program wdfq_demo (tools/wdfq-demo), which checks what it shows.
set -eu

step() { printf '\n== %s\n' "$*"; }
dev=/sys/bus/platform/devices/wdfq.0

step "kernel"
uname -a
step "module loaded, parameters"
grep '^wdfq ' /proc/modules
for p in /sys/module/wdfq/parameters/*; do
	printf '  %s=%s\n' "${p##*/}" "$(cat "$p")"
done
step "platform device, misc device child, runtime PM files"
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
step "kernel log lines about wdfq"
dmesg | grep -i wdfq || echo "(none)"
