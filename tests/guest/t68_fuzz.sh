# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The ioctl fuzzer (issue "Protocol v2", section 5): random command numbers, sizes,
# contents and pointers on a device with PMD/PTE mappings, pins and vmspliced pages; every
# answer plausible, no crash or hang, and everything freed after.  xdaxtest.fuzz_calls
# and xdaxtest.fuzz_seed (make check XDAX_FUZZ_CALLS=N XDAX_FUZZ_SEED=S) choose the run;
# the seed is printed either way.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
F_CALLS=$(cmdline fuzz_calls 100000)
F_SEED=$(cmdline fuzz_seed "")

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	F_START=$(date +%s)
	out=$(XT_CASE_SECONDS=600 xdax_fuzz /dev/xdax0 fuzz --calls "$F_CALLS" \
		${F_SEED:+--seed "$F_SEED"} 2>&1)
	rc=$?
	echo "$out" | grep '^# figure' || true
	diag "figure: fuzz: $(($(date +%s) - F_START)) s wall for the fuzz case"
	if [ $rc = 0 ]; then
		ok "fuzz: $F_CALLS random ioctls: plausible answers, no hang, everything freed after"
	else
		not_ok "fuzz: $F_CALLS random ioctls (exit $rc)" \
			"$(echo "$out" | grep -v '^# figure' | tail -n 30)"
	fi
	check "fuzz: audit clean and blocks conserved" xdax_audit_ok
	check "fuzz: rmmod" rmmod xdax
	check "fuzz: nothing of xdax left" xdax_gone
else
	not_ok "fuzz: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "fuzz: no kernel splat" dmesg_clean_since_mark
