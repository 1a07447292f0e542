# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The bench program on every kernel of the matrix, xdax only, small sizes: the figures are
# TAP diagnostics; each point asserts only that xdax_bench's correctness checks held (data,
# zeroes, fault counters, block accounting).  The peers and the tables: make bench
# (tests/guest/bench.sh, scripts/bench.sh).

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

if load ranges=$((R_SIZE >> 20))M@$R_START; then
	for t90_args in "fault 32" "bw 16" "truncate 16" "reclaim 2 5"; do
		# shellcheck disable=SC2086 # the test and its sizes are separate words
		if out=$(xdax_bench /dev/xdax0 $t90_args 2>&1); then
			ok "bench: xdax_bench /dev/xdax0 $t90_args (figures below)"
		else
			not_ok "bench: xdax_bench /dev/xdax0 $t90_args" "$(echo "$out" | tail -n 15)"
		fi
		echo "$out" | sed -n 's/^@bench /# bench: /p'
	done
	check "bench: rmmod" rmmod xdax
else
	not_ok "bench: load" "$LOAD_OUT"
fi
