#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the names of the test kernels in scripts/kernels.conf.
set -eu
. "$(dirname "$0")/lib.sh"
all_kernels
