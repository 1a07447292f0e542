#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo [KERNEL=6.12]: fetch what is needed, install xdax with DKMS, boot KERNEL under
# QEMU with a reserved range (memmap=512M$1G) and run tests/guest/demo.sh, whose output is
# printed here.  KERNEL is one of 6.1 6.12 7.2 7.3 debug.
set -euo pipefail
kernel=${1:-6.12}
export XDAX_MODE=demo XDAX_DEMO_PRINT=1 XDAX_RESULTS=${XDAX_RESULTS:-$(dirname "$0")/../build/demo}
"$(dirname "$0")/check.sh" "$kernel"
