#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build xdax's Debian packages (make deb), install them with apt into the Debian
# build roots so that DKMS builds xdax for every kernel of the matrix the way users get it
# (scripts/dkms.sh), boot each kernel in QEMU with a reserved range, run the guest tests, judge every run,
# and end with one line "N passed, N failed, N skipped" over all kernels.
#
#   scripts/check.sh [TARGET...]     TARGET: harness lint 6.1 6.12 demo bench 7.2 7.3 debug
#                                    (default: all); bench-KERNEL: make bench's full run;
#                                    large, soft: the large-range guests (make check-large;
#                                    XDAX_LARGE_KERNELS, default 6.12 7.2; XDAX_SOFT_KERNELS,
#                                    default 6.1 6.12 7.2 7.3)
#
# Environment: XDAX_CACHE (default ~/.cache/xdax), XDAX_KVM=1 (use KVM), XDAX_CYCLES
# (insmod/rmmod cycles, default 50), XDAX_RACE_SECONDS (length of the truncate race, default
# 6), XDAX_VM_TIMEOUT (seconds per boot, default 900), XDAX_VM_BOOT_LIMIT (seconds before a
# silent boot counts as hung and is booted once more, default 300), XDAX_RESULTS (default build/results in
# the checkout), XDAX_TESTS (only the guest test files whose names start with one of these
# words, e.g. "t60 t65"; for working on one test), XDAX_FUZZ_CALLS / XDAX_FUZZ_SEED (the ioctl
# fuzzer's number of calls and seed; default 100000 and a fresh seed, printed), XDAX_BENCH_REPS
# (repetitions of the bench target: 1 for "bench", 5 for "bench-KERNEL"), XDAX_BENCH_TIMEOUT
# (seconds per bench boot: 900 short, 3600 full).
source "$(dirname "$0")/lib.sh"
source "$XDAX_TOP/scripts/roots.sh"
source "$XDAX_TOP/scripts/kernels.sh"
source "$XDAX_TOP/scripts/dkms.sh"
source "$XDAX_TOP/scripts/deb.sh"
source "$XDAX_TOP/scripts/initramfs.sh"
source "$XDAX_TOP/scripts/vm.sh"
source "$XDAX_TOP/scripts/vm-large.sh"
source "$XDAX_TOP/scripts/debug-kernel.sh"
source "$XDAX_TOP/scripts/lint.sh"
source "$XDAX_TOP/scripts/selftest.sh"

# record NAME PASS FAIL SKIP DETAIL
record() {
	TOTAL_PASS=$((TOTAL_PASS + $2)) TOTAL_FAIL=$((TOTAL_FAIL + $3)) TOTAL_SKIP=$((TOTAL_SKIP + $4))
	SUMMARY+=("$(printf '%-8s %4d passed %3d failed %3d skipped  %s' "$1" "$2" "$3" "$4" "$5")")
}

# probes_check NAME CONFIG.H: the probes' answers for kernel NAME must be exactly those of
# tests/harness/probes.expected.  Sets PROBE_PASS/PROBE_FAIL for run_kernel to count.
probes_check() {
	local want got
	want=$(awk -v k="$1" '$1 == k { $1 = ""; print }' "$XDAX_TOP/tests/harness/probes.expected" |
		tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
	got=$(sed -n 's/^#define XDAX_HAVE_\([A-Z0-9_]*\) 1$/\1/p' "$2" | sort | tr '\n' ' ')
	if [[ -n $want && $want == "$got" ]]; then
		PROBE_PASS=1 PROBE_FAIL=0
	else
		echo "$1: compile probes found [$got], tests/harness/probes.expected says [$want]" >&2
		PROBE_PASS=0 PROBE_FAIL=1
	fi
}

# run_guest NAME KERNEL-IMAGE OUT MODPATH: boot the guest of run NAME once (results in OUT).
run_guest() {
	vm_run "$1" "$2" "$3/initrd.gz" "$3" \
		"xdaxtest.range_start=$XDAX_RANGE_START" \
		"xdaxtest.range_size=$(numfmt --from=iec "$XDAX_RANGE_SIZE")" \
		"xdaxtest.pmem_start=$XDAX_PMEM_START" "xdaxtest.cycles=${XDAX_CYCLES:-50}" \
		"xdaxtest.race_seconds=${XDAX_RACE_SECONDS:-6}" \
		"xdaxtest.version=$(xdax_version)" "xdaxtest.modpath=$4" \
		${XDAX_MODE:+"xdaxtest.mode=$XDAX_MODE"} \
		${XDAX_BENCH_CMDLINE:-} \
		${XDAX_FUZZ_CALLS:+"xdaxtest.fuzz_calls=$XDAX_FUZZ_CALLS"} \
		${XDAX_FUZZ_SEED:+"xdaxtest.fuzz_seed=$XDAX_FUZZ_SEED"} \
		${XDAX_TESTS:+"xdaxtest.only=$(echo "$XDAX_TESTS" | tr ' ' ',')"}
}

# run_kernel NAME KERNEL-IMAGE ABI KMODS XDAXTREE MODPATH VERSION-TEXT [EXTRA]
#   EXTRA: a directory copied over this guest's initramfs root
run_kernel() {
	local name=$1 image=$2 abi=$3 kmods=$4 xtree=$5 modpath=$6 extra=${8:-} out=$RES/$1 p
	local flake='' why=''
	echo "$7" >"$out/version"
	initramfs_build "$out/initrd.gz" "$abi" "$kmods" "$xtree" "$extra"
	log "$name: booting $abi under QEMU ($([[ ${XDAX_KVM:-0} == 1 ]] && echo KVM || echo TCG))"
	run_guest "$name" "$image" "$out" "$modpath"
	vm_judge "$out"
	# QEMU TCG's boot flake (vm_boot_flake) or a boot that hung (vm_boot_hang): no test
	# ran.  Boot once more; the first console stays as evidence, and the summary says so.
	if ((${#VM_PROBLEMS[@]})) && vm_boot_flake "$out"; then
		why="died of TCG's int3 flake"
	elif ((${#VM_PROBLEMS[@]})) && vm_boot_hang "$out"; then
		why="hung"
	fi
	if [[ -n $why ]]; then
		mv "$out/console.log" "$out/console.flake.log"
		flake=", booted twice: the first boot $why before any test (console.flake.log)"
		log "$name: the boot $why before any test ran: booting once more"
		run_guest "$name" "$image" "$out" "$modpath"
		vm_judge "$out"
	fi
	if [[ ${XDAX_MODE:-} == demo ]]; then
		grep -av '^ok\|^1\.\.\|^# xdax-guest' "$out/results.tap" >"$out/demo.txt" || true
		[[ -z ${XDAX_DEMO_PRINT:-} ]] || cat "$out/demo.txt"
	fi
	for p in "${VM_PROBLEMS[@]}"; do
		echo "$name: FAIL: $p" >&2
	done
	grep -a '^not ok' "$out/results.tap" | sed "s/^/$name: /" >&2 || true
	# A run with a problem counts one failure on top of whatever the tests said; the probe
	# check counts as one more result, and so does the package cycle (PKG_PASS, Debian
	# kernels: apt install, DKMS build, purge leaves nothing).
	record "$name" $((VM_PASS + PROBE_PASS + PKG_PASS)) \
		$((VM_FAIL + PROBE_FAIL + (${#VM_PROBLEMS[@]} ? 1 : 0))) \
		"$VM_SKIP" \
		"$abi, $(cat "$out/seconds")s$flake$( ((${#VM_PROBLEMS[@]})) && echo ", ${VM_PROBLEMS[0]}")"
}

# debian_kernel SERIES [NAME]: NAME (default SERIES) names the run and its results directory.
debian_kernel() {
	local series=$1 name=${2:-$1} out=$RES/${2:-$1}
	mkdir -p "$out"
	kernel_resolve "$series"
	echo "$K_ABI Debian $K_VER (${K_IMAGE_PKGS[*]})" >"$out/version"
	kernel_ensure
	root_ensure "$K_ROOT"
	root_install "$K_ROOT" "$K_HEADERS"
	rm -rf "$out/xdax"
	if ! dkms_install "$K_ROOT" "$K_ABI" "$out/xdax" 2>"$out/dkms.err"; then
		cat "$out/dkms.err" >&2
		record "$name" 0 1 0 "$K_ABI: package install / DKMS build / purge failed (see $out/xdax.dkms.log)"
		return 0
	fi
	PKG_PASS=1
	probes_check "$series" "$out/xdax.config.h"
	run_kernel "$name" "$K_DIR/vmlinuz" "$K_ABI" "$K_DIR/lib/modules/$K_ABI" "$out/xdax" \
		"$(dirname "$XDAX_KO_REL")" "$(cat "$out/version")"
}

debug_kernel() {
	local out=$RES/debug kdir krel b f
	mkdir -p "$out"
	kdir=$(debug_kernel_ensure) || { record debug 0 1 0 "debug kernel build failed"; return 0; }
	krel=$(debug_kernel_version "$kdir")
	b=$out/build
	if ! debug_module_build "$kdir" "$b" "$out/build.log"; then
		tail -n 30 "$out/build.log" >&2
		record debug 0 1 0 "$krel: module build failed"
		return 0
	fi
	install -D -m 644 "$b/module/xdax.ko" "$out/xdax/lib/modules/$krel/extra/xdax.ko"
	# The KUnit suite, built with xdax when the tree has one (see debug_module_build).
	if [[ -f $b/module/xdax_kunit.ko ]]; then
		install -D -m 644 "$b/module/xdax_kunit.ko" "$out/xdax/lib/modules/$krel/extra/xdax_kunit.ko"
	fi
	cp "$b/module/xdax_config.h" "$out/xdax.config.h"
	PKG_PASS=0
	probes_check debug "$out/xdax.config.h"
	# Everything is built in: the guest's modprobe needs only the kernel's modules.builtin*
	# to know that (an empty modules.dep: no .ko to copy).
	mkdir -p "$out/kmods"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		cp "$kdir/$f" "$out/kmods/$f"
	done
	: >"$out/kmods/modules.dep"
	# The kernel's own mm selftest gup_test, from the same source tree, for this guest only;
	# if it does not build, the guest test reports the binary missing.
	mkdir -p "$out/extra"
	if ! debug_gup_test_build "$(readlink -f "$kdir/source")" "$out/extra/usr/bin/gup_test" \
		"$out/gup_test.build.log"; then
		tail -n 20 "$out/gup_test.build.log" >&2
		log "debug: building the mm selftest gup_test failed (see $out/gup_test.build.log)"
	fi
	run_kernel debug "$kdir/arch/x86/boot/bzImage" "$krel" "$out/kmods" "$out/xdax" extra \
		"$krel debug kernel from Debian linux-source ($(cat "$kdir/.xdax-srcversion" 2>/dev/null))" \
		"$out/extra"
}

# bench_kernel bench|bench-KERNEL: the bench guest's own layout (4 GiB of RAM: [0, 3 GiB) and
# [4 GiB, 5 GiB); xdax over the high 1 GiB, legacy pmem 512M at 1 GiB for the device-dax and
# 512M at 1.625 GiB for ext4-dax, with RAM between them so that the kernel keeps them two
# regions, and both far below the top of low memory, where the firmware and the initramfs
# lie), two vCPUs (the name is not a kernel's: vm_smp's default), one NUMA node.  nokaslr:
# the decompressor's KASLR avoids at most 4 memmap= regions (MAX_MEMMAP_REGIONS) and this
# layout has 5; a kernel decompressed into the second pmem region splits it.
bench_kernel() {
	local k=${1#bench} reps scale=full timeout=3600
	k=${k#-}
	if [[ -z $k ]]; then
		k=6.12 scale=short timeout=900
	fi
	reps=${XDAX_BENCH_REPS:-$([[ $scale == short ]] && echo 1 || echo 5)}
	XDAX_MODE=bench XDAX_VM_MEM=4G XDAX_RANGE_START=0x100000000 XDAX_RANGE_SIZE=1G \
		XDAX_PMEM_START=0x40000000 XDAX_PMEM_SIZE=512M XDAX_VM_TIMEOUT=${XDAX_BENCH_TIMEOUT:-$timeout} \
		XDAX_BENCH_CMDLINE="memmap=512M!0x68000000 nokaslr xdaxtest.bench_reps=$reps xdaxtest.bench_scale=$scale" \
		debian_kernel "$k" "$1"
	# The short run also makes make bench's table and plot (scripts/bench.sh) of its results:
	# one more result, which fails unless the table has xdax's figures.
	if [[ $scale == short ]]; then
		if "$XDAX_TOP/scripts/bench.sh" table "$RES/$1/results.tap" >"$RES/$1/table.txt" &&
			"$XDAX_TOP/scripts/bench.sh" svg "$RES/$1/results.tap" "$RES/$1/bench.svg" &&
			grep -q '^| first touch of fresh memory, PMD.* | us/2M | [0-9]' "$RES/$1/table.txt" &&
			grep -q '^| xdax / device-dax align 2M: owned PMD.* | x | [0-9]' "$RES/$1/table.txt"; then
			record "$1-table" 1 0 0 "scripts/bench.sh table and plot: $RES/$1/table.txt"
		else
			record "$1-table" 0 1 0 "scripts/bench.sh made no table with xdax's first-touch and paired PMD figures"
		fi
	fi
}

# The whole run is one function, parsed before it starts: editing this file while a check
# runs cannot change what the running check does.
main() {
	targets=("$@")
	((${#targets[@]})) || targets=(harness lint 6.1 6.12 demo bench 7.2 7.3 debug large soft)
	# One make check at a time per cache: roots and kernels are shared and rebuilt in place,
	# and the results directory is replaced: lock before touching either.
	mkdir -p "$XDAX_CACHE"
	exec 8>"$XDAX_CACHE/.check.lock"
	flock -n 8 || { log "waiting for another make check using $XDAX_CACHE"; flock 8; }

	RES=${XDAX_RESULTS:-$XDAX_TOP/build/results}
	# Results of an earlier run are replaced; anything else is never deleted.
	if [[ -e $RES && ! -f $RES/.xdax-results ]] && [[ -n $(ls -A "$RES") ]]; then
		die "$RES exists and does not hold xdax results; choose another XDAX_RESULTS"
	fi
	rm -rf "$RES"
	mkdir -p "$RES"
	touch "$RES/.xdax-results"
	T_START=$SECONDS
	TOTAL_PASS=0 TOTAL_FAIL=0 TOTAL_SKIP=0
	SUMMARY=()

	host_setup
	make -s -C "$XDAX_TOP/tests" >/dev/null || die "building the static test programs failed"
	root_ensure bookworm
	local t0=$SECONDS
	deb_build
	log "Debian packages: $((SECONDS - t0)) s"

	for t in "${targets[@]}"; do
		case $t in
		6.1 | 6.12 | 7.2 | 7.3) debian_kernel "$t" ;;
		debug) debug_kernel ;;
		# make demo's guest (tests/guest/demo.sh) on 6.12, judged like a test run: README's
		# first command stays true.  Its transcript: RES/demo/demo.txt.
		demo) XDAX_MODE=demo debian_kernel 6.12 demo ;;
		# make bench's guest (tests/guest/bench.sh): "bench" is the short version (6.12, one
		# repetition, small sizes) that keeps it from rotting, judged like a test run on its
		# correctness points; "bench-KERNEL" is make bench's full run (scripts/bench.sh).
		bench | bench-*) bench_kernel "$t" ;;
		lint) lint_all "$RES/lint" ;;
		harness) selftest_all "$RES/harness" ;;
		# make check-large: the 64 GiB + NUMA guest and the soft-reserved guest
		# (scripts/vm-large.sh), one run per kernel, named TARGET-KERNEL.
		large | soft) large_target "$t" ;;
		*) die "unknown target $t (want: harness lint ${XDAX_SERIES[*]} demo bench bench-KERNEL debug large soft)" ;;
		esac
	done

	{
		echo "xdax $(xdax_version) ($(git -C "$XDAX_TOP" describe --always --dirty 2>/dev/null || echo no-git)), make check in $((SECONDS - T_START)) s"
		for f in "$RES"/*/version; do echo "$(basename "$(dirname "$f")"): $(cat "$f")"; done
		printf '%s\n' "${SUMMARY[@]}"
	} | tee "$RES/summary.txt"
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
	((TOTAL_FAIL == 0 && TOTAL_PASS > 0))
}

# One line: bash has read all of it before main starts, so nothing after main is read from
# a file that may have been edited meanwhile.
main "$@"; exit $?
