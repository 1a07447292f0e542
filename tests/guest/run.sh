#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test runner: every tests/guest/t*.sh in order, as one TAP stream.
cd /xdax || exit 1
. ./lib.sh

echo "TAP version 13"
diag "xdax-guest: kernel $(uname -r) ($(cmdline kernel unknown))"
# xdaxtest.only=t60,t65 (make check XDAX_TESTS="t60 t65"): only the files whose names start so.
ONLY=$(cmdline only "")
# xdaxtest.set=x (the large-range guest, scripts/vm-large.sh): the x*.sh files instead.
SET=$(cmdline set t)
for t in ./"$SET"[0-9]*.sh; do
	if [ -n "$ONLY" ]; then
		want=
		for p in $(echo "$ONLY" | tr ',' ' '); do
			case ${t#./} in "$p"*) want=1 ;; esac
		done
		[ -n "$want" ] || continue
	fi
	diag "--- $t"
	unload >/dev/null 2>&1
	# The file's name outlives the file's own variables (it is sourced: it may reuse $t).
	RUN_FILE=${t#./}
	# shellcheck source=/dev/null # each test file in turn
	. "$t"
	# A test that leaves xdax loaded leaves its state to be audited here.
	if xdax_loaded && [ -e /dev/xdax0 ]; then
		check "audit clean and blocks conserved after $RUN_FILE" xdax_audit_ok /dev/xdax0
	fi
done
echo "1..$T_NUM"
diag "xdax-guest: $T_NUM tests, $T_FAILED failed"
echo "# xdax-guest: done"
