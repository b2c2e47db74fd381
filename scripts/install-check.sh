#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install-check (and the "install" row of make check): the install
# targets and a DKMS build, each run on a copy of the sources into private
# directories under build/install-check; nothing of the host is touched.
#
#   make install          DESTDIR=... PREFIX=/usr: bin/wdfqctl, which runs
#   make install-headers  DESTDIR=... and INSTALL_HDR_PATH=...:
#                         include/linux/wdfq.h, which a C program compiles with
#   make && make modules_install
#                         KDIR=<6.12 headers> INSTALL_MOD_PATH=...: exactly
#                         wdfq_engine.ko and wdfq.ko, not the test modules
#   dkms build            dkms.conf and "make dkms-source", with Debian's dkms
#                         (scripts/deps.sh dkms installs it) against the same
#                         headers, in its own dkms, source and install trees
#
#   install-check.sh [--count]   --count: last line "WDFQ-INSTALL PASSED FAILED"
#
# INSTALL_CHECK_KERNEL picks the test kernel (default 6.12). Works as root
# or not (dkms build needs no root; install would, and is not run).
set -eu
. "$(dirname "$0")/lib.sh"

count=0
[ "${1:-}" = --count ] && count=1
kernel=${INSTALL_CHECK_KERNEL:-6.12}

"$WDFQ_TOP/scripts/deps.sh" dkms
"$WDFQ_TOP/scripts/fetch-kernel.sh" "$kernel"
kdir=$(readlink -f "$WDFQ_KERNELS/$kernel/kdir")
kver=$(cat "$kdir/include/config/kernel.release")
w=$WDFQ_BUILD/install-check
src=$w/src
passed=0
failed=0

ok() { echo "install-check: ok   $*"; passed=$((passed + 1)); }
fail() { echo "install-check: FAIL $*"; failed=$((failed + 1)); }
# Show the tail of a log, indented.
show() { tail -n "${2:-20}" "$1" | sed 's/^/    | /'; }

# A clean copy of the sources (no build/, no objects): the checks build in
# it, never in the work tree, and under its own build/ (WDFQ_BUILD unset).
rm -rf "$w"
mkdir -p "$src"
tar -C "$WDFQ_TOP" --exclude=./build --exclude=./.git --exclude='*.o' \
	--exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='modules.order' --exclude='Module.symvers' -cf - . | tar -C "$src" -xf -
mk() { env -u WDFQ_BUILD make -C "$src" "$@"; }

# 1. make install: wdfqctl under DESTDIR/PREFIX, and it runs.
log=$w/install.log
if mk install DESTDIR="$w/dest" PREFIX=/usr >"$log" 2>&1 &&
   [ -x "$w/dest/usr/bin/wdfqctl" ] &&
   "$w/dest/usr/bin/wdfqctl" --help >"$w/help.txt" &&
   head -1 "$w/help.txt" | grep -qx NAME &&
   "$w/dest/usr/bin/wdfqctl" --version | grep -q '^wdfqctl '; then
	ok "make install DESTDIR=... PREFIX=/usr: usr/bin/wdfqctl runs (--help, --version)"
else
	fail "make install DESTDIR=... PREFIX=/usr: no working usr/bin/wdfqctl"
	show "$log"
fi

# 2. make install-headers: <linux/wdfq.h> for user space, both conventions.
log=$w/headers.log
cat >"$w/uapi_test.c" <<'EOF'
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/wdfq.h>

int main(void)
{
	struct wdfq_info info = { 0 };

	printf("%lu %u\n", (unsigned long)WDFQ_IOC_QUEUE_CTL, info.version);
	return WDFQ_API_VERSION != 1;
}
EOF
if mk install-headers DESTDIR="$w/dest" PREFIX=/usr >"$log" 2>&1 &&
   mk install-headers INSTALL_HDR_PATH="$w/hdr" >>"$log" 2>&1 &&
   cmp "$WDFQ_TOP/uapi/linux/wdfq.h" "$w/dest/usr/include/linux/wdfq.h" >>"$log" 2>&1 &&
   cmp "$WDFQ_TOP/uapi/linux/wdfq.h" "$w/hdr/include/linux/wdfq.h" >>"$log" 2>&1 &&
   cc -Wall -Wextra -Werror -std=c99 -I"$w/dest/usr/include" -o "$w/uapi_test" \
	"$w/uapi_test.c" >>"$log" 2>&1 && "$w/uapi_test" >>"$log"; then
	ok "make install-headers: usr/include/linux/wdfq.h (DESTDIR, INSTALL_HDR_PATH) compiles in C99 user space"
else
	fail "make install-headers"
	show "$log"
fi

# 3. make, then make modules_install: the product modules only.
log=$w/modules.log
if mk KDIR="$kdir" >"$log" 2>&1 &&
   mk KDIR="$kdir" INSTALL_MOD_PATH="$w/mods" modules_install >>"$log" 2>&1; then
	got=$(find "$w/mods/lib/modules/$kver" -name '*.ko*' | sed 's|.*/||; s/\.ko.*//' |
		sort | xargs)
	built=$(find "$src/kmod" -name '*.ko' | sed 's|.*/||; s/\.ko$//' | sort | xargs)
	if [ "$got" = "wdfq wdfq_engine" ]; then
		ok "make && make modules_install: $got into lib/modules/$kver (built: $built)"
	else
		fail "make modules_install installed '$got', expected 'wdfq wdfq_engine' (built: $built)"
	fi
else
	fail "make && make modules_install KDIR=$kdir"
	show "$log"
fi

# 4. dkms build in private trees. sign_file: never sign (signing would
# make a key in /var/lib/dkms when the host has the kernel's sign-file).
log=$w/dkms.log
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$WDFQ_TOP/dkms.conf")
dk=(dkms --dkmstree "$w/dkms/tree" --sourcetree "$w/dkms/source"
    --installtree "$w/dkms/install" -k "$kver" --kernelsourcedir "$kdir")
mkdir -p "$w/dkms/tree" "$w/dkms/install"
if mk dkms-source DKMS_SRC="$w/dkms/source/wdfq-$ver" >"$log" 2>&1 &&
   sign_file=/nonexistent "${dk[@]}" build "wdfq/$ver" >>"$log" 2>&1; then
	mods=$w/dkms/tree/wdfq/$ver/$kver/$(uname -m)/module
	got=$(find "$mods" -name '*.ko*' | sed 's|.*/||; s/\.ko.*//' | sort | xargs)
	status=$("${dk[@]}" status 2>/dev/null | head -1)
	if [ "$got" = "wdfq wdfq_engine" ] && [ "$status" = "wdfq/$ver, $kver, $(uname -m): built" ] &&
	   ! grep -q 'bad exit status' "$log"; then
		ok "dkms build wdfq/$ver -k $kver: $got ($status)"
	else
		fail "dkms build: modules '$got', status '$status'"
		show "$log" 30
	fi
else
	fail "dkms build wdfq/$ver against $kdir"
	show "$log" 40
	f=$w/dkms/tree/wdfq/$ver/build/make.log
	if [ -f "$f" ]; then
		show "$f" 30
	fi
fi

echo "install-check: $passed passed, $failed failed (logs in $w)"
[ $count = 1 ] && echo "WDFQ-INSTALL $passed $failed"
[ $failed -eq 0 ]
