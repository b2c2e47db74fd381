#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge one check run of the VM from its two serial logs.
#
#   parse-results.sh KERNEL RESULTS CONSOLE SECONDS QEMU_STATUS [RETRIES WHY]
#
# Counts every kselftest case (TAP lines of the harness programs; SKIP
# counts as passed and is reported), every KUnit case, and checks the
# kernel log: each BUG, WARNING, lockdep, KASAN, UBSAN, kmemleak,
# sleeping-in-atomic or hung-task report is printed with its context and
# the dirty log counts as one failure. KCSAN reports are judged one by one
# by their frames (kcsan_scan below): one in our code fails the run, one
# entirely in the core kernel whose title scripts/kcsan-known-races lists
# is printed and counted but fails nothing. A VM that never finished counts
# as one failure, and so does QEMU's non-zero status (time limit or
# crash) even after complete results, and a KUnit suite without results.
# RETRIES is how many earlier boots scripts/vm.sh booted again because
# they died before the guest loaded a module, WHY their first panic lines;
# a NOTE line says so. The last line is:
#   WDFQ-SUMMARY KERNEL PASSED FAILED SKIPPED LOG SECONDS RETRIES
# where LOG is "clean" or "DIRTY", with "/known-kcsan=N" appended when N
# known core-kernel KCSAN reports were set aside; the exit status is
# non-zero when anything failed.
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 5 ] || [ $# -eq 7 ] ||
	die "usage: parse-results.sh KERNEL RESULTS CONSOLE SECONDS QEMU_STATUS [RETRIES WHY]"
kernel=$1 results=$2 console=$3 secs=$4 qrc=$5 retries=${6:-0} why=${7:-}

# What in a kernel log means a bug (extended regular expressions).
BAD='BUG:|WARNING:|kernel BUG at|Oops|general protection|Kernel panic|'
BAD+='possible circular locking|inconsistent lock state|'
BAD+='possible recursive locking|suspicious RCU usage|Invalid wait context|'
BAD+='INFO: |DEBUG_LOCKS_WARN_ON|KASAN|UBSAN|unreferenced object|'
BAD+='sleeping function called from invalid context|blocked for more than|'
BAD+='ODEBUG:|list_(add|del) corruption|soft lockup|hard LOCKUP'

# Tests: awk prints "passed failed skipped" last, failure lines before.
counts=$(awk '
	function fail(what) { failed++; print "  FAIL " what }
	/^WDFQ-RESULT fail/ { sub(/^WDFQ-RESULT fail /, ""); fail($0) }
	/^WDFQ-KSFT-BEGIN/ { ksft = 1; seen_ksft = 1; next }
	/^WDFQ-KSFT-END/ { ksft = 0; ksft_end = 1; next }
	/^WDFQ-KUNIT-BEGIN/ { kunit = 1; suite = $2; cases = 0; next }
	/^WDFQ-KUNIT-END/ {
		# A suite without case lines counts by its own result line.
		if (!cases && suite_line == "") fail("kunit " suite ": no results")
		else if (!cases) {
			if (suite_line ~ /# SKIP/) { skipped++; print "  SKIP kunit " suite_line }
			else if (suite_line ~ /^not ok/) fail("kunit " suite)
			else passed++
		}
		kunit = 0; suite_line = ""; next
	}
	ksft && /^# selftests: / { prog = $0; sub(/^# selftests: /, "", prog); pcases = 0; pfail = 0; next }
	ksft && /^# (not )?ok [0-9]+ / {
		line = substr($0, 3); pcases++
		if (line ~ /^not ok/ && line !~ /# (SKIP|XFAIL)/) { fail("kselftest " prog ": " line); pfail++ }
		else if (line ~ /# SKIP/) { skipped++; print "  SKIP kselftest " prog ": " line }
		else passed++
		next
	}
	ksft && /^(not )?ok [0-9]+ selftests: / {
		if ($0 ~ /# SKIP/ && !pcases) { skipped++; print "  SKIP " $0 }
		else if ($0 ~ /^not ok/ && !pfail) fail($0)
		else if ($0 ~ /^ok/ && !pcases) passed++
		next
	}
	kunit && /^    (not )?ok [0-9]+ / {
		line = $0; sub(/^ +/, "", line); cases++
		if (line ~ /# SKIP/) { skipped++; print "  SKIP kunit " suite ": " line }
		else if (line ~ /^not ok/) fail("kunit " suite ": " line)
		else passed++
		next
	}
	kunit && /^(not )?ok [0-9]+ / { suite_line = $0 }
	/^WDFQ-DONE/ { done = 1 }
	END {
		if (!seen_ksft) fail("the kselftests did not run")
		else if (!ksft_end) fail("the kselftests did not finish")
		if (!done) fail("the VM did not finish (time limit or panic: see the console log)")
		print passed + 0, failed + 0, skipped + 0
	}' "$results")
echo "$counts" | sed '$d'
read -r passed failed skipped < <(echo "$counts" | tail -1)

# Kernel log: the dmesg and kmemleak dumps when the VM got that far, else
# whatever reached the console.
log=$(mktemp)
logstate=clean
trap 'rm -f "$log"' EXIT
awk '/^WDFQ-(DMESG|KMEMLEAK)-BEGIN/ { on = 1; next }
     /^WDFQ-(DMESG|KMEMLEAK)-END/ { on = 0; dumped = 1; next }
     on { print }' "$results" >"$log"
if ! grep -q '^WDFQ-DMESG-END' "$results"; then
	msg "$kernel: no kernel log dump, checking the console log instead"
	cp "$console" "$log"
elif ! awk '/^WDFQ-DMESG-BEGIN/ { getline; ok = /Linux version/; exit }
	    END { exit !ok }' "$results"; then
	# The ring buffer wrapped (a flood of reports): what it lost may
	# have been a report of ours.
	failed=$((failed + 1))
	logstate=DIRTY
	echo "  FAIL $kernel: the kernel log dump does not start at the boot: lines were lost (see the console log)"
fi
# KCSAN: each report (from its "BUG: KCSAN:" line to the closing line of
# "=" signs) is ours when one of the two racing accesses is in our code:
# its title or the top frame of either access names a symbol of one of our
# modules ("[wdfq]", "[wdfq_engine]", ...: the module that %pS prints after
# a symbol; code inlined into our functions counts as ours), or any frame
# did not resolve to a symbol; such a report fails. Our functions deeper
# in a stack only called the core function that raced (aio_complete() from
# our libaio completion, say). A report that is not ours fails too unless
# scripts/kcsan-known-races lists its title. Each report is printed.
# KCSAN's own filter (the "!func" list of /sys/kernel/debug/kcsan) is not
# used: it drops a report when either racing access's top frame is
# listed, so a known core function racing with our code would hide that
# report, and what it drops is neither printed nor counted. The title lines go; the rest of each
# report is left for the scan below, so that a report of another kind
# printed in the middle of a KCSAN report is still caught.
kcsan_scan() {
	awk -v known="$(dirname "$0")/kcsan-known-races" -v rest="$2" '
		BEGIN {
			while ((getline k <known) > 0) {
				if (k ~ /^#/ || k ~ /^[ \t]*$/) continue
				sub(/[ \t]+$/, "", k); listed[k] = 1
			}
		}
		{ sub(/\r$/, ""); l[NR] = $0 }	# (the serial port ends lines in CR LF)
		END {
			sep = "=================================================="
			for (i = 1; i <= NR; ) {
				if (l[i] !~ /BUG: KCSAN: /) { print l[i] >rest; i++; continue }
				from = i > 1 && index(l[i - 1], sep) ? i - 1 : i
				for (to = i + 1; to < NR && to - i < 300 && !index(l[to], sep); to++) ;
				title = l[i]; sub(/.*BUG: KCSAN: /, "", title); sub(/[ \t]+$/, "", title)
				ours = l[i] ~ /\[wdfq[a-z0-9_]*\]/
				for (j = from; j <= to; j++) {
					if (l[j] ~ /^\[[ 0-9.]+\] +0x[0-9a-f]+$/)
						ours = 1
					# the top frame of an access: the line after its header
					if (j > from && (l[j - 1] ~ / to 0x[0-9a-f]+ of [0-9]+ bytes by / ||
					    l[j - 1] ~ /race at unknown origin/) &&
					    l[j] ~ /\[wdfq[a-z0-9_]*\]/)
						ours = 1
				}
				if (ours) {
					bad++; print "  FAIL kcsan report in our code: " title
				} else if (title in listed) {
					known++; print "  NOTE kcsan report in the core kernel, known (scripts/kcsan-known-races): " title
				} else {
					bad++; print "  FAIL kcsan report in the core kernel, not in scripts/kcsan-known-races: " title
				}
				for (j = from; j <= to; j++) print "    | " l[j]
				for (j = i + 1; j <= to; j++) print l[j] >rest
				i = to + 1
			}
			print bad + 0, known + 0
		}' "$1"
}
rest=$(mktemp)
trap 'rm -f "$log" "$rest"' EXIT
kcsan=$(kcsan_scan "$log" "$rest")
echo "$kcsan" | sed '$d'
read -r kcsan_bad kcsan_known < <(echo "$kcsan" | tail -1)
failed=$((failed + kcsan_bad))

[ "$kcsan_bad" -eq 0 ] || logstate=DIRTY
if grep -Eq "$BAD" "$rest"; then
	logstate=DIRTY
	failed=$((failed + 1))
	echo "  FAIL $kernel: the kernel log reports problems:"
	# Each report with 5 lines before and 30 after; overlaps merged.
	awk -v re="$BAD" '
		{ l[NR] = $0 } $0 ~ re { m[NR] = 1 }
		END {
			last = 0
			for (i = 1; i <= NR; i++) {
				if (!m[i]) continue
				from = i - 5 < 1 ? 1 : i - 5
				if (from <= last) from = last + 1
				else if (last) print "    ----"
				to = i + 30 > NR ? NR : i + 30
				for (j = from; j <= to; j++) print "    | " l[j]
				if (to > last) last = to
			}
		}' "$rest"
fi
[ "$kcsan_known" -eq 0 ] || logstate="$logstate/known-kcsan=$kcsan_known"
# QEMU's own status counts even when the results look complete: a VM that
# printed everything and then hung is a failure. timeout(1) exits 124, or
# 137 when QEMU needed its SIGKILL; a guest that powers off gives 0.
case $qrc in
0) ;;
124|137)
	failed=$((failed + 1))
	echo "  FAIL $kernel: time limit reached (status $qrc)" ;;
*)
	failed=$((failed + 1))
	echo "  FAIL $kernel: QEMU exited with status $qrc" ;;
esac
[ "$retries" -eq 0 ] ||
	echo "  NOTE $kernel: retried $retries boot(s): died before loading the module: $why"
echo "WDFQ-SUMMARY $kernel $passed $failed $skipped $logstate $secs $retries"
[ "$failed" -eq 0 ]
