#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo "make run" shows in the VM (busybox sh): the module loaded and
# /dev/wdfq0 at work. Extended as the driver grows.
set -eu

step() { printf '\n== %s\n' "$*"; }

step "kernel"
uname -a
step "module loaded"
grep '^wdfq ' /proc/modules
step "device node"
ls -l /dev/wdfq0
step "a read from /dev/wdfq0"
n=$(dd if=/dev/wdfq0 bs=64 count=1 2>/dev/null | wc -c)
echo "read returned $n bytes"
step "kernel log lines about wdfq"
dmesg | grep -i wdfq || echo "(none)"
