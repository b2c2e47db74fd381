#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the debug kernel in a kernel source tree:
# allnoconfig + a fragment (merge_config.sh -n), every fragment line
# checked against the final .config, then a full build (the full build
# writes Module.symvers, which out-of-tree modules need for modpost).
#
#   build-debug-kernel.sh TREE FRAGMENT
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: build-debug-kernel.sh TREE FRAGMENT"
tree=$(cd "$1" && pwd)
frag=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$tree"

msg "configuring the debug kernel: allnoconfig + $(basename "$frag")"
scripts/kconfig/merge_config.sh -n .config.unused "$frag" >merge_config.log 2>&1 ||
	{ cat merge_config.log >&2; die "merge_config.sh failed"; }
rm -f .config.unused

# merge_config only warns about lines it could not honour: fail instead.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qx -- "$line" .config || { msg "not set as asked: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" .config && { msg "not unset as asked: $opt"; bad=1; } ;;
	esac
done <"$frag"
if [ $bad -ne 0 ]; then
	grep -A3 'Value requested\|not in final' merge_config.log >&2 || true
	die "the debug kernel config does not match $frag (see above)"
fi

msg "building the debug kernel with make -j$(nproc) (several minutes)"
start=$(date +%s)
if ! make -j"$(nproc)" >build.log 2>&1; then
	tail -40 build.log >&2
	die "debug kernel build failed (full log: $tree/build.log)"
fi
msg "debug kernel built in $(($(date +%s) - start)) s"
