#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: zero findings from
#   sparse     make C=2 against the 6.12 headers (every source file built
#              there). Not against 7.3: Debian's sparse (0.6.4, also in
#              trixie) cannot parse 7.3's headers (__typeof_unqual__) and
#              7.3's kbuild turns C=2 off. So the KUnit files, which build
#              only against the debug kernel, get W=1 and checkpatch only.
#   W=1        a W=1 build against every test kernel, no warnings
#              (build-module.sh builds samples/wdfq_sample too)
#   checkpatch checkpatch.pl --strict (from the debug kernel's source) on
#              kmod/*/*.[ch], samples/*/*.c, uapi/linux/*.h and
#              selftests/wdfq/*.c, tools/*/*.c
#   kernel-doc scripts/kernel-doc -none -Wall on the public headers
#
# Ignored checkpatch types, and why:
#   kmod/include/wdfq_compat.h  LINUX_VERSION_CODE: version tests are what it is for
#   everywhere     ALLOC_WITH_SIZEOF: it asks for kzalloc_obj() & co., which
#                  only exist from Linux 7.x; the module builds on 6.1 too
#   selftests      PREFER_KERNEL_TYPES: user space uses the C types
#                  (uint32_t...), not u32; ENOSYS: a test checks for the
#                  kernel's own ENOSYS (a syscall the kernel lacks)
#
#   lint.sh [--count]   --count: last line "WDFQ-LINT PASSED FAILED"
set -eu
. "$(dirname "$0")/lib.sh"

count=0
[ "${1:-}" = --count ] && count=1
SPARSE_KERNEL=${SPARSE_KERNEL:-6.12}
KERNEL_IGNORE=ALLOC_WITH_SIZEOF
USER_IGNORE=$KERNEL_IGNORE,PREFER_KERNEL_TYPES,ENOSYS

"$WDFQ_TOP/scripts/deps.sh" check
"$WDFQ_TOP/scripts/fetch-kernel.sh" "$SPARSE_KERNEL"
"$WDFQ_TOP/scripts/fetch-kernel.sh" --source debug
src=$(readlink -f "$WDFQ_KERNELS/debug/src")

passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# report STEP: judge the findings collected in $tmp.
report() {
	if [ -s "$tmp" ]; then
		echo "lint: $1: $(wc -l <"$tmp") finding(s)"
		sed 's/^/    /' "$tmp"
		failed=$((failed + 1))
	else
		echo "lint: $1: clean"
		passed=$((passed + 1))
	fi
}

# Compiler/sparse diagnostics about our files, with repo-relative paths.
# From 6.13 kbuild runs in the module's folder, so the sample's (its own
# external module) come with a bare file name.
ours() {
	sed -e "s|^$WDFQ_BUILD/mod/[^/]*/||" |
		grep -E '^((kmod|samples|uapi)/[^:]*|[^/: ]+\.[ch]):[0-9]+(:[0-9]+)?: (warning|error)|^WARNING: modpost' || true
}

cd "$WDFQ_TOP"

# build-module.sh under the kernel's lock (see lock_kernel)
build_locked() {
	(lock_kernel "$1" && "$WDFQ_TOP/scripts/build-module.sh" "$@")
}

# sparse (C=2 checks every file, built or not)
if out=$(build_locked "$SPARSE_KERNEL" C=2 2>&1); then
	printf '%s\n' "$out" | ours >"$tmp"
	# kbuild silently skips a checker it does not accept: say so.
	printf '%s\n' "$out" | grep 'is not available or not up to date' >>"$tmp" || true
else
	printf '%s\n' "$out" | tail -30 >"$tmp"
fi
report "sparse (C=2, $SPARSE_KERNEL)"

# W=1 against every kernel
for k in $(all_kernels); do
	if out=$(build_locked "$k" W=1 2>&1); then
		printf '%s\n' "$out" | ours >"$tmp"
	else
		printf '%s\n' "$out" | tail -30 >"$tmp"
	fi
	report "W=1 build ($k)"
done

# checkpatch --strict
cp_run() {
	local f
	: >"$tmp"
	for f in "$@"; do
		[ -f "$f" ] || continue
		perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
			--show-types --no-summary \
			${CP_IGNORE:+--ignore "$CP_IGNORE"} -f "$f" >>"$tmp" 2>&1 || true
	done
}
kfiles=()
for f in kmod/*/*.c kmod/*/*.h samples/*/*.c; do
	[ "$f" = kmod/include/wdfq_compat.h ] || kfiles+=("$f")
done
CP_IGNORE=$KERNEL_IGNORE cp_run "${kfiles[@]}"
CP_IGNORE=$KERNEL_IGNORE,LINUX_VERSION_CODE cp_run kmod/include/wdfq_compat.h
report "checkpatch --strict (kmod)"
CP_IGNORE=$KERNEL_IGNORE cp_run uapi/linux/*.h
report "checkpatch --strict (uapi)"
CP_IGNORE=$USER_IGNORE cp_run selftests/wdfq/*.c tools/*/*.c
report "checkpatch --strict (selftests, tools)"

# kernel-doc on the public headers (those that exist yet)
: >"$tmp"
for h in kmod/include/wdfq.h uapi/linux/wdfq.h; do
	[ -f "$h" ] || continue
	"$src/scripts/kernel-doc" -none -Wall "$h" >>"$tmp" 2>&1 || true
done
report "kernel-doc (public headers)"

echo "lint: $passed clean, $failed with findings"
[ $count = 1 ] && echo "WDFQ-LINT $passed $failed"
[ $failed -eq 0 ]
