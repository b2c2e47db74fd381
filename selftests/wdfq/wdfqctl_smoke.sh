#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of wdfqctl (tools/wdfqctl) against /dev/wdfq0: each subcommand
# once, checking its output and its documented exit code. KTAP output, one
# case per check. wdfqctl is found in $PATH (the VM installs it into /usr/bin
# with "make install") or $WDFQCTL. Runs as root; busybox sh is enough.
# "trace" is followed live only when the kernel has events/wdfq; otherwise
# the case checks that trace fails with exit code 5 and says why.
set -u

CTL=${WDFQCTL:-wdfqctl}
DEV=/dev/wdfq0
T=$(mktemp -d)
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); echo "ok $n $* # SKIP"; }
note() { echo "# $*"; }

# run NAME: run the rest of the line; its stdout in $T/out, stderr in
# $T/err, status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect_rc RC DESC CMD...: the command exits with RC.
expect_rc() {
	want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ]; then
		ok "$desc (exit $rc)"
	else
		nok "$desc: '$*' exited $rc, expected $want"
		sed 's/^/#   /' "$T/out" "$T/err"
	fi
}

# has FILE PATTERN: FILE contains a line matching the extended regex.
has() { grep -Eq -- "$2" "$1"; }

# key NAME: the value of NAME in "wdfqctl stats -k".
key() { "$CTL" stats -k | sed -n "s/^$1=//p"; }

# Wait (up to 60 s) until "stats -k" has KEY=VALUE.
wait_key() {
	i=0
	while [ "$(key "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || return 1
		sleep 0.1
	done
}

# Empty the ring: reads return at once what it holds.
drain_ring() {
	rb=$(key device.ring_bytes)
	[ "${rb:-0}" -eq 0 ] || timeout 60 head -c "$rb" $DEV >/dev/null
}

echo "TAP version 13"
if ! command -v "$CTL" >/dev/null; then
	echo "1..1"
	echo "not ok 1 wdfqctl is not installed (not in PATH, WDFQCTL unset)"
	exit 1
fi
if [ ! -c $DEV ]; then
	echo "1..0 # SKIP $DEV does not exist (wdfq.ko not loaded)"
	exit 4
fi
echo "1..32"

# --help: the manual's sections.
run "$CTL" --help
if [ $rc -eq 0 ] && has "$T/out" '^NAME' && has "$T/out" '^SYNOPSIS' &&
   has "$T/out" '^COMMANDS' && has "$T/out" '^EXIT STATUS'; then
	ok "--help prints NAME, SYNOPSIS, COMMANDS, EXIT STATUS"
else
	nok "--help (exit $rc)"
fi

# Usage errors: exit 2, with a message on stderr.
expect_rc 2 "no command is a usage error" "$CTL"
expect_rc 2 "an unknown command is a usage error" "$CTL" frobnicate
expect_rc 2 "set of an unknown parameter is a usage error" "$CTL" set bogus=1
expect_rc 2 "set of a non-number is a usage error" "$CTL" set write_limit=four
expect_rc 2 "an unknown queue operation is a usage error" "$CTL" queue write frobnicate
expect_rc 2 "the control queue cannot be changed" "$CTL" queue control stop
expect_rc 2 "stats --count without --watch is a usage error" "$CTL" stats --count 2

# A device that does not exist: exit 3, naming it.
run "$CTL" -d /dev/wdfq99 info
if [ $rc -eq 3 ] && has "$T/err" '/dev/wdfq99'; then
	ok "a missing device exits 3 and names it"
else
	nok "missing device: exit $rc: $(cat "$T/err")"
fi

# info
run "$CTL" info
if [ $rc -eq 0 ] && has "$T/out" '^api version: +1$' &&
   has "$T/out" ' read +sequential|read +manual' && has "$T/out" ' write +parallel' &&
   has "$T/out" ' events +manual'; then
	ok "info shows the API version and the queues"
else
	nok "info (exit $rc)"
	sed 's/^/#   /' "$T/out" "$T/err"
fi

# get: every parameter; keep them to restore at the end.
run "$CTL" get
cp "$T/out" "$T/params"
if [ $rc -eq 0 ] && [ "$(grep -c '^[a-z_]*=[0-9]*$' "$T/out")" -eq 4 ]; then
	ok "get prints the 4 parameters as NAME=VALUE"
else
	nok "get (exit $rc)"
	sed 's/^/#   /' "$T/out" "$T/err"
fi
restore=$(tr '\n' ' ' <"$T/params")

# set, then get shows the new values.
expect_rc 0 "set write_latency_us=2000 write_limit=2 gen_rate_hz=0" \
	"$CTL" set write_latency_us=2000 write_limit=2 gen_rate_hz=0
run "$CTL" get write_latency_us write_limit
if [ "$(tr '\n' ' ' <"$T/out")" = "write_latency_us=2000 write_limit=2 " ]; then
	ok "get shows what set changed"
else
	nok "get after set: $(tr '\n' ' ' <"$T/out")"
fi
# The driver refuses a bad ring size: exit 1, the message names it.
run "$CTL" set ring_size=100
if [ $rc -eq 1 ] && has "$T/err" 'SET_PARAMS ring_size=100.*Invalid argument'; then
	ok "set ring_size=100 is refused by the driver (exit 1)"
else
	nok "set ring_size=100: exit $rc: $(cat "$T/err")"
fi

# inject, then the bytes are read back and stats counts them.
drain_ring
expect_rc 0 "stats --reset" "$CTL" stats --reset
expect_rc 0 "inject --wake hello" "$CTL" inject --wake hello
got=$(timeout 60 head -c 5 $DEV)
if [ "$got" = hello ]; then
	ok "the injected bytes are read back from $DEV"
else
	nok "read after inject: '$got'"
fi
if [ "$(key device.input_bytes)" = 5 ]; then
	ok "stats -k: device.input_bytes=5 after injecting 5 bytes"
else
	nok "stats -k: device.input_bytes=$(key device.input_bytes), expected 5"
fi
run "$CTL" stats
if [ $rc -eq 0 ] && has "$T/out" '^queue +state' && has "$T/out" '^write +started' &&
   has "$T/out" 'input_bytes 5 '; then
	ok "stats prints the table and the device counters"
else
	nok "stats table (exit $rc)"
	sed 's/^/#   /' "$T/out" "$T/err"
fi
expect_rc 0 "inject --hex 6869 (2 bytes)" "$CTL" inject --wake --hex 6869
got=$(timeout 60 head -c 2 $DEV)
if [ "$got" = hi ]; then
	ok "the --hex bytes are read back"
else
	nok "read after --hex: '$got'"
fi

# queue: stop --wait, then stats shows it stopped; start again.
expect_rc 0 "queue write stop --wait" "$CTL" queue write stop --wait
if [ "$(key write.state)" = stopped ]; then
	ok "stats shows the write queue stopped"
else
	nok "write.state=$(key write.state) after stop"
fi
expect_rc 0 "queue write start" "$CTL" queue write start
if [ "$(key write.state)" = started ]; then
	ok "stats shows the write queue started again"
else
	nok "write.state=$(key write.state) after start"
fi

# wait-event: parked on the events queue, released by the next interrupt.
"$CTL" wait-event --timeout 60 >"$T/ev" 2>&1 &
pid=$!
if wait_key events.queued 1; then
	"$CTL" inject --wake x
	wait $pid
	rc=$?
	if [ $rc -eq 0 ] && has "$T/ev" '^seq=[0-9]+ source=input bytes=1 timestamp_ns=[0-9]+$'; then
		ok "wait-event prints the interrupt that an inject raised"
	else
		nok "wait-event: exit $rc: $(cat "$T/ev")"
	fi
	timeout 60 head -c 1 $DEV >/dev/null
else
	kill $pid
	nok "wait-event never parked on the events queue"
fi
expect_rc 6 "wait-event --timeout 1 with no interrupt times out" \
	"$CTL" wait-event --timeout 1

# stats --watch: COUNT prints, then exit 0.
run "$CTL" stats --watch=0.1 --count 2
if [ $rc -eq 0 ] && [ "$(grep -c '^Every' "$T/out")" -eq 2 ]; then
	ok "stats --watch --count 2 prints twice"
else
	nok "stats --watch (exit $rc)"
fi

# Without CAP_SYS_ADMIN (a user namespace of its own): exit 4.
if unshare -U true 2>/dev/null; then
	expect_rc 4 "inject without CAP_SYS_ADMIN exits 4" unshare -U "$CTL" inject x
	expect_rc 0 "get needs no privilege" unshare -U "$CTL" get
else
	skip "inject without CAP_SYS_ADMIN (no user namespaces in this kernel)"
	skip "get needs no privilege (no user namespaces in this kernel)"
fi

# trace: live when the kernel has the wdfq events, else exit 5. Newer
# kernels no longer mount tracefs under debugfs: mount it if needed.
tracefs=
mounted=
if [ ! -e /sys/kernel/tracing/trace_pipe ] && [ ! -e /sys/kernel/debug/tracing/trace_pipe ] &&
   [ -d /sys/kernel/tracing ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	mounted=/sys/kernel/tracing
fi
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -e $d/trace_pipe ] && { tracefs=$d; break; }
done
note "tracefs: ${tracefs:-none}${mounted:+ (mounted here)}"
if [ -n "$tracefs" ] && [ -d $tracefs/events/wdfq ]; then
	"$CTL" trace --count 1 --timeout 60 wdfq0 >"$T/tr" 2>"$T/trerr" &
	pid=$!
	i=0
	while ! grep -q 'Ctrl-C stops' "$T/trerr" && [ $i -lt 600 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	"$CTL" inject --wake y
	wait $pid
	rc=$?
	timeout 60 head -c 1 $DEV >/dev/null
	if [ $rc -eq 0 ] && [ "$(wc -l <"$T/tr")" -eq 1 ] && has "$T/tr" 'wdfq0'; then
		ok "trace wdfq0 prints the event an inject caused"
	else
		nok "trace: exit $rc: $(cat "$T/tr" "$T/trerr")"
	fi
	if ls -d $tracefs/instances/wdfqctl-* >/dev/null 2>&1; then
		nok "trace left its tracefs instance behind"
	else
		ok "trace removed its tracefs instance"
	fi
else
	run "$CTL" trace wdfq0
	if [ $rc -eq 5 ] && has "$T/err" 'trace'; then
		ok "trace without events/wdfq exits 5: $(cat "$T/err")"
	else
		nok "trace without events/wdfq: exit $rc, expected 5: $(cat "$T/err")"
	fi
	skip "trace wdfq0 live (no events/wdfq in this kernel's tracefs)"
fi

[ -z "$mounted" ] || umount "$mounted"

# Put the parameters back.
# shellcheck disable=SC2086
"$CTL" set $restore || nok "restoring the parameters: $restore"

rm -rf "$T"
echo "# $n checks, $failed failed"
[ $failed -eq 0 ]
