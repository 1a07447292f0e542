# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel in QEMU with xdax's reserved range, run the guest tests, judge the run.
# Sourced after lib.sh.
#
#   vm_run NAME KERNEL INITRD OUTDIR [EXTRA CMDLINE...]
#       OUTDIR/console.log   the whole serial console (kernel and init)
#       OUTDIR/results.tap   TAP from the guest test runner (second serial port)
#   vm_judge OUTDIR          -> sets VM_PASS VM_FAIL VM_SKIP; prints one line per problem
#
# TCG by default: KVM does not work on the machines this project is tested on.  Users with
# working KVM opt in with XDAX_KVM=1.

# Guest physical layout (5 GiB of RAM, -m 5G: QEMU's pc machine puts [0, 3 GiB) below the
# PCI hole and the rest at [4 GiB, 6 GiB); QEMU allocates guest memory lazily):
#   [1 GiB, 1.5 GiB)     memmap=512M$1G    reserved, for xdax
#   [1.5 GiB, 1.75 GiB)  memmap=256M!1536M legacy pmem, for the reference device-dax
#   [4 GiB, 6 GiB)       memmap=2G$4G      reserved, for xdax's 1 GiB blocks (t57:
#                                          xdaxtest.huge_start / huge_size)
# and two reservations that are not memory, which xdax-check-range must refuse (t32):
#   [12 GiB, +64 MiB)    memmap=64M$12G    a hole: no RAM there (t30 uses 8 GiB as an
#                                          unreserved hole, so this one sits higher)
#   [0xfee00000, +2 MiB) memmap=2M$0xfee00000  the local APIC's registers and the firmware-
#                                          reserved 0xfeffc000-0xfeffffff
XDAX_VM_MEM=${XDAX_VM_MEM:-5G}
# vCPUs: 4 for one kernel of each mapping era (6.12 devmap, 7.2 refcounted), where the races
# get more interleavings (4 vCPU threads on 2 host cores are preempted mid-path); 2 for the
# rest, the debug kernel (5x slower) included.  XDAX_VM_SMP overrides it for every kernel.
vm_smp() {
	case ${XDAX_VM_SMP:-} in
	'') case $1 in 6.12 | 7.2) echo 4 ;; *) echo 2 ;; esac ;;
	*) echo "$XDAX_VM_SMP" ;;
	esac
}
# NUMA nodes: 7.3 always boots with two (QEMU -numa, one memory backend each, vCPUs split
# evenly, RAM too but at most 1 GiB on each node but the last: node 0 [0, 1 GiB), node 1
# [1 GiB, 3 GiB) and [4 GiB, 6 GiB), so the reserved ranges and the legacy pmem lie on node 1),
# for the NUMA test (t56) without a boot of its own; the rest with one.
# XDAX_VM_NUMA overrides it for every kernel.
vm_numa() {
	case ${XDAX_VM_NUMA:-} in
	'') case $1 in 7.3) echo 2 ;; *) echo 1 ;; esac ;;
	*) echo "$XDAX_VM_NUMA" ;;
	esac
}

# vm_smp_topology NAME: -smp's value; with NUMA one socket per node, so that no cache or
# package is shared across nodes (the kernel warns about such a topology at boot).
vm_smp_topology() {
	local n s
	n=$(vm_numa "$1") s=$(vm_smp "$1")
	if ((n > 1)); then
		echo "$s,sockets=$n,cores=$((s / n)),threads=1"
	else
		echo "$s"
	fi
}

# vm_numa_args NODES SMP: QEMU's -object/-numa arguments for NODES nodes (none for one).
vm_numa_args() {
	local n=$1 smp=$2 i mb lo hi total
	((n > 1)) || return 0
	((smp >= n)) || die "XDAX_VM_NUMA=$n needs at least $n vCPUs (have $smp)"
	total=$(($(numfmt --from=iec "$XDAX_VM_MEM") >> 20))
	mb=$((total / n > 1024 ? 1024 : total / n))
	for ((i = 0; i < n; i++)); do
		((i < n - 1)) || mb=$((total - (n - 1) * mb))
		lo=$((i * smp / n)) hi=$(((i + 1) * smp / n - 1))
		echo "-object memory-backend-ram,id=xdaxmem$i,size=${mb}M"
		echo "-numa node,nodeid=$i,memdev=xdaxmem$i,cpus=$lo$( ((hi > lo)) && echo "-$hi")"
	done
}
XDAX_VM_TIMEOUT=${XDAX_VM_TIMEOUT:-900}
XDAX_RANGE_START=0x40000000
XDAX_RANGE_SIZE=512M
XDAX_PMEM_START=0x60000000
XDAX_PMEM_SIZE=256M
XDAX_HOLE_START=0x300000000
XDAX_HOLE_SIZE=64M
XDAX_MMIO_START=0xfee00000
XDAX_MMIO_SIZE=2M
XDAX_HUGE_START=0x100000000
XDAX_HUGE_SIZE=2G

# Any of these on the console fails the run, whatever the tests said.
XDAX_SPLAT_RE='BUG:|WARNING:|KASAN:|UBSAN:|Call Trace|kernel BUG at|Oops|general protection fault|Kernel panic|DEBUG_LOCKS_WARN_ON|possible (circular|recursive) locking|inconsistent lock state|lockdep is turned off|INFO: task .* blocked for more than|soft lockup|hard LOCKUP|RCU stall|rcu_sched self-detected stall'

vm_run() {
	local name=$1 kernel=$2 initrd=$3 out=$4 accel=(-accel tcg -cpu max) rc=0 numa
	# The large-range layout (make check-large) is a guest of its own: scripts/vm-large.sh.
	[[ ${XDAX_VM_LAYOUT:-} == large ]] && { vm_run_large "$@"; return; }
	shift 4
	# One word per line: the arguments hold no spaces.
	mapfile -t numa < <(vm_numa_args "$(vm_numa "$name")" "$(vm_smp "$name")" | tr ' ' '\n')
	mkdir -p "$out"
	rm -f "$out"/console.log "$out"/results.tap "$out"/boot-hang
	[[ ${XDAX_KVM:-0} == 1 ]] && accel=(-accel kvm -cpu host)
	local append="console=ttyS0,115200 panic=-1 panic_on_warn=1 oops=panic"
	append+=" hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=60 softlockup_panic=1"
	append+=" memmap=${XDAX_RANGE_SIZE}\$${XDAX_RANGE_START} memmap=${XDAX_PMEM_SIZE}!${XDAX_PMEM_START}"
	# Before the hole and the MMIO page: the decompressor's KASLR avoids only the first four
	# memmap= reservations when it places the kernel, and the fifth is no RAM anyway.
	append+=" memmap=${XDAX_HUGE_SIZE}\$${XDAX_HUGE_START}"
	append+=" memmap=${XDAX_HOLE_SIZE}\$${XDAX_HOLE_START} memmap=${XDAX_MMIO_SIZE}\$${XDAX_MMIO_START}"
	append+=" xdaxtest.hole=${XDAX_HOLE_SIZE}@${XDAX_HOLE_START} xdaxtest.mmio=${XDAX_MMIO_SIZE}@${XDAX_MMIO_START}"
	append+=" xdaxtest.huge_start=${XDAX_HUGE_START} xdaxtest.huge_size=${XDAX_HUGE_SIZE}"
	# Test markers go through /dev/kmsg: no rate limit on them, and room for a soak's log.
	append+=" printk.devkmsg=on log_buf_len=4M"
	append+=" mitigations=off rdinit=/init xdaxtest.kernel=$name $*"
	echo "$append" >"$out/cmdline"
	local t0=$SECONDS pid
	timeout -k 10 "$XDAX_VM_TIMEOUT" qemu-system-x86_64 "${accel[@]}" -smp "$(vm_smp_topology "$name")" \
		-m "$XDAX_VM_MEM" "${numa[@]}" -machine pc -nodefaults -display none -no-reboot \
		-chardev file,id=con,path="$out/console.log" -serial chardev:con \
		-chardev file,id=res,path="$out/results.tap" -serial chardev:res \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		>"$out/qemu.log" 2>&1 &
	pid=$!
	vm_boot_watch "$out" "$pid"
	wait "$pid" || rc=$?
	vm_boot_unwatch
	echo "$((SECONDS - t0))" >"$out/seconds"
	echo "$rc" >"$out/qemu.rc"
}

# vm_boot_watch OUT PID: watch, in the background, the guest writing to OUT (PID: its
# `timeout` process): if its test runner has written nothing to the TAP stream after
# XDAX_VM_BOOT_LIMIT seconds (default 300; TCG boots reach the runner in 5-40 s, the debug
# kernel included), the boot hung before any test (TCG did so once here: the console stopped
# 1.4 s into the boot, no splat, and the guest would have sat out XDAX_VM_TIMEOUT).  Then it
# writes OUT/boot-hang and stops the guest (timeout passes the TERM on to QEMU), and
# run_kernel boots once more (vm_boot_hang).  vm_boot_unwatch ends the watcher.
vm_boot_watch() {
	local out=$1 pid=$2 limit=${XDAX_VM_BOOT_LIMIT:-300}
	(
		sleep "$limit"
		if [[ ! -s $out/results.tap ]] && kill -0 "$pid" 2>/dev/null; then
			echo "the runner wrote nothing in ${limit}s: the boot hung" >"$out/boot-hang"
			kill "$pid"
		fi
	) </dev/null >/dev/null 2>&1 &
	VM_WATCHER=$!
}

vm_boot_unwatch() {
	pkill -P "$VM_WATCHER" 2>/dev/null || true
	kill "$VM_WATCHER" 2>/dev/null || true
	wait "$VM_WATCHER" 2>/dev/null || true
}

# vm_boot_hang DIR: whether vm_boot_watch stopped the guest of DIR before its runner started.
vm_boot_hang() {
	[[ -e $1/boot-hang ]] && [[ ! -s $1/results.tap ]]
}

# vm_boot_flake DIR: whether the guest of DIR died of QEMU TCG's known boot flake before the
# test runner started: an "Oops: int3" (the kernel patches a static branch at boot -- e.g.
# sched_clock's, right after "sched_clock: Marking stable" -- with an int3 breakpoint, and a
# vCPU executed a stale translation of the patched bytes after the patch was complete) and no
# line of the runner in the TAP stream, so no xdax code had run.  The int3 oops must be the
# first splat (what follows it -- its call trace, the panic -- is its own); any other first
# splat, or one after the runner started, is never a flake.
vm_boot_flake() {
	local first
	first=$(grep -av 'ommand line:' "$1/console.log" 2>/dev/null | grep -aE -m1 "$XDAX_SPLAT_RE")
	[[ $first == *"Oops: int3: "* ]] && ! grep -aq '^# xdax-guest' "$1/results.tap" 2>/dev/null
}

vm_judge() {
	local out=$1 rc plan
	VM_PASS=$(grep -cE '^ok [0-9]+' "$out/results.tap" 2>/dev/null || true)
	VM_SKIP=$(grep -cE '^ok [0-9]+ .*# (SKIP|skip)' "$out/results.tap" 2>/dev/null || true)
	VM_FAIL=$(grep -cE '^not ok [0-9]+' "$out/results.tap" 2>/dev/null || true)
	VM_PASS=$((VM_PASS - VM_SKIP))
	VM_PROBLEMS=()
	rc=$(cat "$out/qemu.rc")
	((rc == 124 || rc == 137)) && VM_PROBLEMS+=("timeout after ${XDAX_VM_TIMEOUT}s")
	if [[ -e $out/boot-hang ]]; then
		VM_PROBLEMS+=("$(cat "$out/boot-hang")")
	elif ((rc != 0 && rc != 124 && rc != 137)); then
		VM_PROBLEMS+=("qemu exited with $rc ($(tail -n1 "$out/qemu.log"))")
	fi
	if grep -av 'ommand line:' "$out/console.log" 2>/dev/null |
		grep -aEn "$XDAX_SPLAT_RE" >"$out/splats"; then
		VM_PROBLEMS+=("kernel splat on the console: $(head -n1 "$out/splats")")
	fi
	plan=$(grep -aoE '^1\.\.[0-9]+' "$out/results.tap" 2>/dev/null | tail -n1 | cut -c4- || true)
	if [[ -z $plan ]]; then
		VM_PROBLEMS+=("no TAP plan: the guest did not finish its tests")
	elif ((plan != VM_PASS + VM_SKIP + VM_FAIL)); then
		VM_PROBLEMS+=("TAP plan says $plan tests, $((VM_PASS + VM_SKIP + VM_FAIL)) reported")
	fi
	grep -aq '^Bail out!' "$out/results.tap" 2>/dev/null &&
		VM_PROBLEMS+=("guest bailed out: $(grep -a '^Bail out!' "$out/results.tap" | head -n1)")
	grep -aq '^# xdax-guest: done' "$out/results.tap" 2>/dev/null ||
		VM_PROBLEMS+=("guest runner did not reach its end marker")
	return 0
}
