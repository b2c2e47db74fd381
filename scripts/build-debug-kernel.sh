#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build a kernel from source in its tree: allnoconfig + the
# fragments in order (merge_config.sh -n; a later fragment overrides an
# earlier one), the last word of the fragments on each option checked
# against the final .config, then a full build (the full build writes
# Module.symvers, which out-of-tree modules need for modpost).
#
#   build-debug-kernel.sh TREE FRAGMENT...
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: build-debug-kernel.sh TREE FRAGMENT..."
tree=$(cd "$1" && pwd)
shift
frags=()
for f in "$@"; do
	frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
cd "$tree"

msg "configuring the kernel: allnoconfig + $*"
scripts/kconfig/merge_config.sh -n .config.unused "${frags[@]}" >merge_config.log 2>&1 ||
	{ cat merge_config.log >&2; die "merge_config.sh failed"; }
rm -f .config.unused

# merge_config only warns about lines it could not honour: fail instead.
# Each option is checked against the last fragment that names it.
declare -A want=()
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) want[${line%%=*}]=$line ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; want[${opt%% *}]=$line ;;
		esac
	done <"$f"
done
bad=0
for opt in "${!want[@]}"; do
	line=${want[$opt]}
	case $line in
	CONFIG_*=*)
		grep -qx -- "$line" .config || { msg "not set as asked: $line"; bad=1; } ;;
	*)
		grep -q "^$opt=" .config && { msg "not unset as asked: $opt"; bad=1; } ;;
	esac
done
if [ $bad -ne 0 ]; then
	grep -A3 'Value requested\|not in final' merge_config.log >&2 || true
	die "the kernel config does not match $* (see above)"
fi

msg "building the kernel with make -j$(nproc) (several minutes)"
start=$(date +%s)
if ! make -j"$(nproc)" >build.log 2>&1; then
	tail -40 build.log >&2
	die "kernel build failed (full log: $tree/build.log)"
fi
msg "kernel built in $(($(date +%s) - start)) s"
