# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the test harness itself, so that a broken judge cannot turn a red run green:
# vm_judge on synthetic consoles and TAP streams (tests/harness/), and DKMS on a deliberately
# broken dkms.conf.  Each case is one result of the "harness" line of make check.
# Sourced after lib.sh, roots.sh, kernels.sh, dkms.sh, deb.sh and vm.sh.

# _judge_case DIR CONSOLE TAP RC EXPECT-FAIL(0|1): run vm_judge on a made-up run.
_judge_case() {
	local d=$1
	mkdir -p "$d"
	printf '%s\n' "$2" >"$d/console.log"
	printf '%s\n' "$3" >"$d/results.tap"
	echo "$4" >"$d/qemu.rc"
	: >"$d/qemu.log"
	vm_judge "$d"
	# A run fails on a problem or on a failed test: make check counts both.
	if (((${#VM_PROBLEMS[@]} > 0 || VM_FAIL > 0) == $5)); then
		return 0
	fi
	echo "judge case $(basename "$d"): expected problem=$5, got: ${VM_PROBLEMS[*]:-none}" >&2
	return 1
}

selftest_all() {
	local out=$1 pass=0 fail=0 h=$XDAX_TOP/tests/harness clean tap n=0 line
	mkdir -p "$out"
	echo "judge on synthetic runs; dkms on a broken dkms.conf" >"$out/version"
	clean=$(cat "$h/clean.console")
	tap=$(cat "$h/clean.tap")

	# A clean run is clean, and its counts are right (lockdep's banner is not a splat).
	if _judge_case "$out/clean" "$clean" "$tap" 0 0 && ((VM_PASS == 2 && VM_SKIP == 1 &&
		VM_FAIL == 0)); then
		pass=$((pass + 1))
	else
		echo "clean run judged wrong: $VM_PASS/$VM_FAIL/$VM_SKIP ${VM_PROBLEMS[*]}" >&2
		fail=$((fail + 1))
	fi
	# Every kind of splat fails a run whose tests all passed.
	while read -r line; do
		n=$((n + 1))
		if _judge_case "$out/splat$n" "$clean"$'\n'"[   9.0] $line" "$tap" 0 1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done <"$h/splats.list"
	# Missing, truncated or inconsistent results fail; so do a timeout and a QEMU error.
	_bad() {
		if _judge_case "$out/$1" "$clean" "$2" "$3" 1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	}
	_bad no-plan "${tap/1..3/}" 0
	_bad plan-mismatch "${tap/1..3/1..4}" 0
	_bad no-end-marker "${tap/\# xdax-guest: done/}" 0
	_bad bail-out "Bail out! no xdax module"$'\n'"$tap" 0
	_bad empty-tap "" 0
	_bad failed-test "${tap/ok 2/not ok 2}" 0
	_bad timeout "$tap" 124
	_bad killed "$tap" 137
	_bad qemu-error "$tap" 1

	# TCG's int3 boot flake (vm_boot_flake) is recognised only as the first splat of a boot
	# whose runner never started; it still fails the judge (the caller boots again).
	local int3='[    2.494789] Oops: int3: 0000 [#1] SMP NOPTI'$'\n''[    2.499530] Call Trace:'$'\n''[    2.509101] Kernel panic - not syncing: Fatal exception in interrupt'
	_flake() {	# NAME CONSOLE TAP EXPECT(0: a flake, 1: not)
		local r=1
		_judge_case "$out/$1" "$2" "$3" 0 1 >/dev/null 2>&1 || true
		vm_boot_flake "$out/$1" && r=0
		if ((r == $4)); then
			pass=$((pass + 1))
		else
			echo "boot flake case $1: vm_boot_flake said $((1 - r)), expected $((1 - $4))" >&2
			fail=$((fail + 1))
		fi
	}
	_flake flake-int3-boot "${clean%%$'\n'*}"$'\n'"$int3" "" 0
	_flake flake-int3-after-runner "$clean"$'\n'"$int3" "$tap" 1
	_flake flake-bug-first "${clean%%$'\n'*}"$'\n''[    1.0] BUG: kernel NULL pointer dereference, address: 0000000000000008'$'\n'"$int3" "" 1
	_flake flake-no-splat "$clean" "" 1

	# A boot that hangs before the runner writes anything (vm_boot_watch): a stand-in guest
	# (sleep) whose TAP stays empty is stopped after the limit, marked, and judged a boot
	# hang that run_kernel boots again; one whose runner wrote a line is left alone, and so
	# is any run without the mark.
	_hang() {	# NAME TAP SLEEP EXPECT-HANG(0|1)
		local d=$out/$1 p rc=0 r=0
		mkdir -p "$d"
		rm -f "$d/boot-hang"
		printf '%s' "$2" >"$d/results.tap"
		printf '%s\n' "$clean" >"$d/console.log"
		: >"$d/qemu.log"
		sleep "$3" &
		p=$!
		XDAX_VM_BOOT_LIMIT=1 vm_boot_watch "$d" "$p"
		wait "$p" || rc=$?
		vm_boot_unwatch
		echo "$rc" >"$d/qemu.rc"
		vm_judge "$d"
		vm_boot_hang "$d" && r=1
		if ((r == $4)) && { ((r == 0)) || [[ ${VM_PROBLEMS[0]:-} == *"boot hung"* ]]; }; then
			pass=$((pass + 1))
		else
			echo "boot hang case $1: vm_boot_hang said $r, expected $4 (${VM_PROBLEMS[*]:-no problem})" >&2
			fail=$((fail + 1))
		fi
	}
	_hang hang-no-tap "" 20 1
	_hang hang-runner-started "TAP version 13"$'\n' 3 0
	_hang hang-short-boot "" 0 0

	# A broken dkms.conf must fail the DKMS step, the way it would fail for a user: packages
	# built from a tree with that dkms.conf (cached apart from the real ones), installed
	# with apt into the root.
	kernel_resolve 6.1
	root_install "$K_ROOT" "$K_HEADERS"
	local t
	t=$(mktemp -d)
	cp -a "$XDAX_TOP/." "$t/"
	sed -i 's/^BUILT_MODULE_NAME\[0\]=.*/BUILT_MODULE_NAME[0]="xdax_misnamed"/' "$t/dkms.conf"
	# The packages must build (exit 1 from die otherwise), and installing them must fail
	# (exit 4).
	local rc=0
	# shellcheck disable=SC2034 # read by deb_build and dkms_install
	(XDAX_TOP=$t XDAX_DEB_CACHE=$XDAX_CACHE/deb-selftest XDAX_DKMS_CACHE=$t.dkms
		XDAX_LINTIAN=0
		deb_build
		dkms_install "$K_ROOT" "$K_ABI" "$out/broken-dkms" && exit 0
		exit 4) >"$out/broken-dkms.log" 2>&1 || rc=$?
	if ((rc == 4)); then
		pass=$((pass + 1))
	else
		echo "packages of a broken dkms.conf: exit $rc, expected 4 (built, install failed); see $out/broken-dkms.log" >&2
		fail=$((fail + 1))
	fi
	rm -rf "$t" "$t.dkms"
	record harness "$pass" "$fail" 0 "judge on $((pass + fail - 1)) synthetic runs, broken dkms.conf"
}
