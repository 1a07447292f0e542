#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test runner: every tests/guest/t*.sh in order, as one TAP stream.
cd /xdax || exit 1
. ./lib.sh

echo "TAP version 13"
diag "xdax-guest: kernel $(uname -r) ($(cmdline kernel unknown))"
for t in ./t[0-9]*.sh; do
	diag "--- $t"
	unload >/dev/null 2>&1
	# shellcheck source=/dev/null # each test file in turn
	. "$t"
done
echo "1..$T_NUM"
diag "xdax-guest: $T_NUM tests, $T_FAILED failed"
echo "# xdax-guest: done"
