# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Benchmarks: figures printed as TAP diagnostics (fault cost, truncate cost, reclaim latency).
# The test point asserts only that the benchmark ran on a correct device (data and block
# accounting checked by xdax_bench); no speed is asserted.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

if load ranges=$((R_SIZE >> 20))M@$R_START; then
	if out=$(xdax_bench /dev/xdax0 64 2>&1); then
		ok "bench: xdax_bench ran (figures below)"
	else
		not_ok "bench: xdax_bench" "$(echo "$out" | tail -n 15)"
	fi
	echo "$out" | grep '^# bench:'
	check "bench: rmmod" rmmod xdax
else
	not_ok "bench: load" "$LOAD_OUT"
fi
