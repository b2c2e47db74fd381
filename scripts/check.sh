#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: lint, the install check, then the tests on every kernel (or
# those named), one after the other; a summary table; non-zero exit status
# on any failure. The last line is "N passed, N failed" over everything.
#
#   check.sh [KERNEL...]     default: all kernels in scripts/kernels.conf
#                            plus lint and install; name "lint" or
#                            "install" (scripts/install-check.sh: make
#                            install, install-headers, modules_install and
#                            a dkms build) to include them in a subset;
#                            KERNEL-edu (6.12-edu, debug-edu: by default)
#                            runs KERNEL with the edu PCI device as
#                            /dev/wdfq0 (vm.sh --hw edu)
set -eu
. "$(dirname "$0")/lib.sh"

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046
	set -- lint install $(all_kernels) 6.12-edu debug-edu
fi
# KERNELS="6.12 debug" arrives as one word from make: split it.
# shellcheck disable=SC2068
set -- $@

"$WDFQ_TOP/scripts/deps.sh" check

# Fetch (and build) the kernels first, so that the times below are the
# tests' own. A kernel that cannot be had fails its row below.
# Lint builds against every kernel.
declare -A unavailable
pre=$*
case " $* " in *" lint "*) pre="$pre $(all_kernels | xargs)" ;; esac
case " $* " in *" install "*) pre="$pre ${INSTALL_CHECK_KERNEL:-6.12}" ;; esac
for k in $(printf '%s\n' $pre | sed 's/-edu$//' | awk '!seen[$0]++'); do
	[ "$k" = lint ] || [ "$k" = install ] && continue
	kconf "$k" kind >/dev/null || continue
	"$WDFQ_TOP/scripts/fetch-kernel.sh" "$k" || unavailable[$k]=1
done

mkdir -p "$WDFQ_BUILD"
rows=$WDFQ_BUILD/check-summary.txt
retries=$WDFQ_BUILD/check-retries.txt
: >"$rows"
: >"$retries"
total_start=$(date +%s)

for k in "$@"; do
	start=$(date +%s)
	if [ "$k" = lint ]; then
		msg "=== lint"
		out=$WDFQ_BUILD/check-lint.out
		"$WDFQ_TOP/scripts/lint.sh" --count 2>&1 | tee "$out" | grep -v '^WDFQ-LINT' || true
		read -r _ p f < <(grep '^WDFQ-LINT' "$out" | tail -1) || true
		echo "lint ${p:-0} ${f:-1} - - $(($(date +%s) - start))" >>"$rows"
		continue
	fi
	if [ "$k" = install ]; then
		msg "=== install (make install, install-headers, modules_install, dkms build)"
		out=$WDFQ_BUILD/check-install.out
		"$WDFQ_TOP/scripts/install-check.sh" --count 2>&1 | tee "$out" |
			grep -v '^WDFQ-INSTALL' || true
		read -r _ p f < <(grep '^WDFQ-INSTALL' "$out" | tail -1) || true
		echo "install ${p:-0} ${f:-1} - - $(($(date +%s) - start))" >>"$rows"
		continue
	fi
	hw=sim
	kk=$k
	case $k in *-edu) hw=edu; kk=${k%-edu} ;; esac
	msg "=== kernel $kk (hardware: $hw)"
	if ! kconf "$kk" kind >/dev/null; then
		msg "unknown kernel '$k' (known: $(all_kernels | xargs))"
		echo "$k 0 1 0 - 0" >>"$rows"
		continue
	fi
	if [ -n "${unavailable[$kk]:-}" ]; then
		echo "$k 0 1 0 no-kernel $(($(date +%s) - start))" >>"$rows"
		continue
	fi
	# (not "tee /dev/stderr": when stderr is a file, that truncates it)
	out=$WDFQ_BUILD/check-$k.out
	"$WDFQ_TOP/scripts/vm.sh" --kernel "$kk" --hw "$hw" --mode check 2>&1 |
		tee "$out" || true
	line=$(grep '^WDFQ-SUMMARY' "$out" | tail -1) || true
	if [ -n "$line" ]; then
		read -r _ _ p f sk lg _ rt <<<"$line"
		echo "$k $p $f $sk $lg $(($(date +%s) - start))" >>"$rows"
		[ "${rt:-0}" -eq 0 ] ||
			grep '^  NOTE .*retried' "$out" >>"$retries" || true
	else
		# The module or the tests did not build, or QEMU did not start.
		echo "$k 0 1 0 - $(($(date +%s) - start))" >>"$rows"
	fi
done

echo
printf '%-10s %7s %7s %8s %6s %7s\n' kernel passed failed skipped log time
awk '{ printf "%-10s %7s %7s %8s %6s %6ss\n", $1, $2, $3, $4, $5, $6 }' "$rows"
read -r passed failed < <(awk '{ p += $2; f += $3 } END { print p + 0, f + 0 }' "$rows")
if [ -s "$retries" ]; then
	printf '\nboots retried (died before loading the module): %s\n' \
		"$(grep -o 'retried [0-9]*' "$retries" | awk '{ n += $2 } END { print n }')"
	sed 's/^  NOTE /  /' "$retries"
fi
printf '\ntotal time: %ss\n' $(($(date +%s) - total_start))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
