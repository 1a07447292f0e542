# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The large-range guest layout (make check-large: targets `large` and `soft`), sourced after
# vm.sh.  vm_run boots it instead of the standard layout when XDAX_VM_LAYOUT=large.
#
# 135 GiB of guest "RAM" in two NUMA nodes, of which the guest kernel gets 6.5 GiB; QEMU
# allocates guest memory lazily (memory-backend-ram,reserve=off: no commit charge for the
# untouched rest, whatever vm.overcommit_memory says), so the host pays only for what the
# guest touches.  pc machine: RAM [0, 3 GiB) and [4 GiB, 136 GiB).
#   node 0: [0, 2 GiB)                          vCPU 0
#   node 1: [2 GiB, 3 GiB) + [4 GiB, 136 GiB)   vCPU 1
#   [2 GiB, 2.5 GiB)   memmap=512M%0x80000000-1+0xefffffff  RAM made soft-reserved (x20)
#   [4 GiB, 68 GiB)    memmap=64G$4G     reserved, for xdax (x10)
#   [68 GiB, 132 GiB)  memmap=64G!68G    legacy pmem, for device-dax (x10)
#   [132 GiB, 135 GiB) RAM of node 1
#   [135 GiB, 136 GiB) memmap=1G$135G    reserved above the last RAM page, for xdax (x15)
# Node 1 keeps RAM above the two large ranges on purpose: x86 trims each node's SRAT span to
# the highest RAM page (numa_cleanup_meminfo, max_pfn), so a range above the last RAM of the
# machine has no node in numa_meminfo and memory_add_physaddr_to_nid() answers node 0 (seen
# with the ranges at the top: numa_node 0, the struct pages on node 0).  x15 loads the range
# at the very top, where only the firmware's node (phys_to_target_node) is right.
# The guest runs tests/guest/x*.sh (xdaxtest.set=x), not the standard t*.sh.  The QEMU
# process's peak RSS (VmHWM) is written to OUTDIR/qemu.peak_rss_kb.
XDAX_LARGE_MEM=135G
XDAX_LARGE_NODE0=2G
XDAX_LARGE_RANGE_START=0x100000000
XDAX_LARGE_RANGE_SIZE=64G
XDAX_LARGE_PMEM_START=0x1100000000
XDAX_LARGE_PMEM_SIZE=64G
XDAX_LARGE_SOFT_START=0x80000000
XDAX_LARGE_SOFT_SIZE=512M
XDAX_LARGE_TOP_START=0x21c0000000
XDAX_LARGE_TOP_SIZE=1G

vm_run_large() {
	local name=$1 kernel=$2 initrd=$3 out=$4 accel=(-accel tcg -cpu max) rc=0 pid hwm=0 h
	shift 4
	mkdir -p "$out"
	rm -f "$out"/console.log "$out"/results.tap "$out"/boot-hang
	[[ ${XDAX_KVM:-0} == 1 ]] && accel=(-accel kvm -cpu host)
	local append="console=ttyS0,115200 panic=-1 panic_on_warn=1 oops=panic"
	append+=" hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=120 softlockup_panic=1"
	append+=" memmap=${XDAX_LARGE_RANGE_SIZE}\$${XDAX_LARGE_RANGE_START}"
	append+=" memmap=${XDAX_LARGE_PMEM_SIZE}!${XDAX_LARGE_PMEM_START}"
	append+=" memmap=${XDAX_LARGE_SOFT_SIZE}%${XDAX_LARGE_SOFT_START}-1+0xefffffff"
	append+=" xdaxtest.soft_start=$XDAX_LARGE_SOFT_START"
	append+=" xdaxtest.soft_size=$(numfmt --from=iec "$XDAX_LARGE_SOFT_SIZE")"
	append+=" memmap=${XDAX_LARGE_TOP_SIZE}\$${XDAX_LARGE_TOP_START}"
	append+=" xdaxtest.top_start=$XDAX_LARGE_TOP_START"
	append+=" xdaxtest.top_size=$(numfmt --from=iec "$XDAX_LARGE_TOP_SIZE")"
	append+=" xdaxtest.set=x printk.devkmsg=on log_buf_len=4M"
	append+=" mitigations=off rdinit=/init xdaxtest.kernel=$name $*"
	echo "$append" >"$out/cmdline"
	local t0=$SECONDS n1
	n1=$(($(numfmt --from=iec "$XDAX_LARGE_MEM") - $(numfmt --from=iec "$XDAX_LARGE_NODE0")))
	timeout -k 10 "$XDAX_VM_TIMEOUT" qemu-system-x86_64 "${accel[@]}" \
		-smp 2,sockets=2,cores=1,threads=1 -m "$XDAX_LARGE_MEM" \
		-object memory-backend-ram,id=xdaxmem0,size="$XDAX_LARGE_NODE0",reserve=off \
		-object memory-backend-ram,id=xdaxmem1,size=$((n1 >> 20))M,reserve=off \
		-numa node,nodeid=0,memdev=xdaxmem0,cpus=0 -numa node,nodeid=1,memdev=xdaxmem1,cpus=1 \
		-machine pc -nodefaults -display none -no-reboot \
		-chardev file,id=con,path="$out/console.log" -serial chardev:con \
		-chardev file,id=res,path="$out/results.tap" -serial chardev:res \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		>"$out/qemu.log" 2>&1 &
	pid=$!
	vm_boot_watch "$out" "$pid"
	# timeout's child is QEMU: sample its high-water mark until it is gone.
	while kill -0 "$pid" 2>/dev/null; do
		# QEMU may be gone between the test and the read: no figure then, not an error.
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$(pgrep -P "$pid" | head -n 1)/status" \
			2>/dev/null) || h=
		[[ -n $h ]] && ((h > hwm)) && hwm=$h
		sleep 1
	done
	wait "$pid" || rc=$?
	vm_boot_unwatch
	echo "$hwm" >"$out/qemu.peak_rss_kb"
	echo "$((SECONDS - t0))" >"$out/seconds"
	echo "$rc" >"$out/qemu.rc"
}

# large_target TARGET: boot the large layout for each kernel of the target (large: the 64 GiB
# and NUMA test, x10, and the range above all RAM, x15; soft: the soft-reserved test, x20) and
# record each run as TARGET-KERNEL.
large_target() {
	local k kernels tests
	case $1 in
	large) kernels=${XDAX_LARGE_KERNELS:-6.12 7.2} tests="x10 x15" ;;
	soft) kernels=${XDAX_SOFT_KERNELS:-6.1 6.12 7.2 7.3} tests=x20 ;;
	esac
	# XDAX_TESTS picks among the x*.sh files only (the rest of the run may name t*.sh files).
	case ${XDAX_TESTS:-} in x*) tests=$XDAX_TESTS ;; esac
	for k in $kernels; do
		XDAX_VM_LAYOUT=large XDAX_RANGE_START=$XDAX_LARGE_RANGE_START \
			XDAX_RANGE_SIZE=$XDAX_LARGE_RANGE_SIZE XDAX_PMEM_START=$XDAX_LARGE_PMEM_START \
			XDAX_TESTS=$tests debian_kernel "$k" "$1-$k"
		log "$1-$k: QEMU peak RSS $(($(cat "$RES/$1-$k/qemu.peak_rss_kb") >> 10)) MiB"
	done
}
