#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, inside the guest (xdaxtest.mode=bench): xdax and its peers side by side in one
# boot.  The guest's layout (scripts/check.sh's bench target): xdax over memmap=SIZE$START
# (xdaxtest.range_*), two legacy pmem regions (memmap=SIZE!START): the first becomes a
# device-dax (ndctl create-namespace -m devdax, align 2M, then reconfigured to align 4K), the
# second an fsdax namespace with ext4 mounted -o dax; anonymous memory is the fourth peer.
# Every run of xdax_bench (tests/progs/xdax_bench.c) is one TAP point, which passes when the
# program's correctness checks held (data, zeroes, block accounting) — never on a time.  The
# figures are TAP diagnostics, one per line:
#   # @bench TARGET REP METRIC VALUE UNIT
# which scripts/bench.sh turns into the table.  xdaxtest.bench_reps (default 5) repetitions;
# xdaxtest.bench_scale=short (make check) measures small sizes and few trials.
cd /xdax || exit 1
. ./lib.sh

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
REPS=$(cmdline bench_reps 5)
SCALE=$(cmdline bench_scale full)
if [ "$SCALE" = short ]; then
	FAULT_MIB=64 BW_MIB=32 TRUNC_MIB=16 TRIALS=5 FIO_MIB=16 PAIR_MIB=16 PAIRS=3
else
	FAULT_MIB=1024 BW_MIB=128 TRUNC_MIB=192 TRIALS=50 FIO_MIB=64 PAIR_MIB=256 PAIRS=15
fi
MNT=/mnt/bench
echo "TAP version 13"
diag "xdax-bench: kernel $(uname -r) ($(cmdline kernel unknown)), $(nproc) cpus, $REPS reps, $SCALE"

# bench_run TARGET REP TEST ARGS...: one xdax_bench run, its figures as "# @bench" lines.
bench_run() {
	b_tgt=$1 b_rep=$2
	shift 2
	if b_out=$(xdax_bench "$@" 2>&1); then
		ok "bench $b_tgt rep $b_rep: xdax_bench $*"
	else
		not_ok "bench $b_tgt rep $b_rep: xdax_bench $*" "$(echo "$b_out" | grep -v '^@bench' | tail -n 15)"
	fi
	echo "$b_out" | sed -n "s|^@bench |# @bench $b_tgt $b_rep |p"
	echo "$b_out" | grep '^# ' | sed 's/^# /#   /'
}

# bench_fio TARGET REP FILE: fio ioengine=mmap 4k, verify=crc32c.  fio 3.33's mmap engine
# ignores offset= (every job maps from the file's start), so two jobs share one region: the
# two randread jobs verify what one sequential writer laid down (crc32c headers); two
# randwrite jobs write the same verify=pattern blocks (crc32c headers of two writers would
# overwrite each other).
bench_fio() {
	f_tgt=$1 f_rep=$2 f_file=$3
	set -- --filename="$f_file" --ioengine=mmap --bs=4k --size=${FIO_MIB}M --minimal \
		--group_reporting --name=bench
	for j in 1 2; do
		for rw in randread randwrite; do
			v=--verify=crc32c
			[ $j = 2 ] && [ $rw = randwrite ] && v="--verify=pattern --verify_pattern=0x5aa5c33c"
			if [ $rw = randread ]; then
				fio "$@" --rw=write --verify=crc32c --do_verify=0 >/dev/null 2>&1 ||
					not_ok "bench $f_tgt rep $f_rep: fio precondition write" ""
			fi
			# shellcheck disable=SC2086 # $v is two words on purpose
			if out=$(fio "$@" --rw=$rw --numjobs=$j $v 2>&1) &&
				line=$(echo "$out" | grep '^3;') &&
				[ "$(echo "$line" | cut -d';' -f5)" = 0 ]; then
				ok "bench $f_tgt rep $f_rep: fio $rw numjobs=$j $v"
				if [ $rw = randread ]; then
					iops=$(echo "$line" | cut -d';' -f8)
				else
					iops=$(echo "$line" | cut -d';' -f49)
				fi
				echo "# @bench $f_tgt $f_rep fio_${rw}_${j}j $iops IOPS"
			else
				not_ok "bench $f_tgt rep $f_rep: fio $rw numjobs=$j $v" "$(echo "$out" | tail -n 8)"
			fi
		done
	done
}

# bench_one REP TARGET PATH TESTS...: repetition REP of the tests on PATH.
bench_one() {
	o_r=$1 o_tgt=$2 o_path=$3
	shift 3
	for o_t in "$@"; do
		case $o_t in
		fault | fault-pmd | fault-pte) bench_run "$o_tgt" "$o_r" "$o_path" "$o_t" $FAULT_MIB ;;
		bw) bench_run "$o_tgt" "$o_r" "$o_path" bw $BW_MIB ;;
		truncate) bench_run "$o_tgt" "$o_r" "$o_path" truncate $TRUNC_MIB ;;
		reclaim) bench_run "$o_tgt" "$o_r" "$o_path" reclaim 2 $TRIALS ;;
		cpu) bench_run "$o_tgt" "$o_r" "$o_path" cpu 2 ;;
		fio) bench_fio "$o_tgt" "$o_r" "$o_path" ;;
		esac
	done
}

# bench_target TARGET PATH TESTS...: REPS repetitions of the tests on PATH.
bench_target() {
	t_r=1
	while [ $t_r -le "$REPS" ]; do
		bench_one $t_r "$@"
		t_r=$((t_r + 1))
	done
}

# timed NAME TARGET REP GIB CMD...: the command's wall time per GiB as metric NAME.
timed() {
	m_name=$1 m_tgt=$2 m_rep=$3 m_gib=$4
	shift 4
	if m_out=$(xdax_bench time "$@" 2>&1); then
		ms=$(echo "$m_out" | sed -n 's/^@bench elapsed \([0-9.]*\) ms/\1/p')
		echo "# @bench $m_tgt $m_rep $m_name $(awk -v t="$ms" -v g="$m_gib" 'BEGIN { printf "%.3f", t / g }') ms/GiB"
		return 0
	fi
	not_ok "bench $m_tgt rep $m_rep: $*" "$m_out"
	return 1
}

# gate NAME CMD...: a TAP point like check, and CMD's status (to go on only if it held).
gate() {
	g_name=$1
	shift
	if g_out=$("$@" 2>&1); then
		ok "$g_name"
		return 0
	fi
	not_ok "$g_name" "$(echo "$g_out" | tail -n 15)"
	return 1
}

# ndctl_field REGION KEY: KEY's value in ndctl's list of REGION's namespaces (chardev,
# blockdev, dev).
ndctl_field() {
	ndctl list -N -r "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p" | head -n 1
}

for m in nd_e820 nd_pmem dax_pmem device_dax ext4 crc32c_generic; do modprobe $m 2>/dev/null; done
# Both regions appear asynchronously (nd_e820 probes them in a workqueue).
i=0
while [ $i -lt 50 ] && [ ! -e /sys/bus/nd/devices/region1 ]; do sleep 0.1; i=$((i + 1)); done
check "two legacy pmem regions (region0, region1)" \
	sh -c '[ -e /sys/bus/nd/devices/region0 ] && [ -e /sys/bus/nd/devices/region1 ]'
REG0_GIB=$(awk '{ printf "%.4f", $1 / 1073741824 }' /sys/bus/nd/devices/region0/size)
XDAX_GIB=$(awk -v s="$R_SIZE" 'BEGIN { printf "%.4f", s / 1073741824 }')

# Module load per GiB vs creating the device-dax namespace per GiB.
r=1
while [ $r -le "$REPS" ]; do
	timed load xdax $r "$XDAX_GIB" modprobe xdax ranges=$((R_SIZE >> 20))M@$R_START &&
		ok "bench xdax rep $r: modprobe xdax over $((R_SIZE >> 20)) MiB"
	unload
	ndctl destroy-namespace -f -r region0 all >/dev/null 2>&1
	timed load devdax-2M $r "$REG0_GIB" ndctl create-namespace -r region0 -m devdax -a 2M -f &&
		ok "bench devdax rep $r: ndctl create-namespace -m devdax -a 2M"
	r=$((r + 1))
done

# xdax stays loaded from here on, so that its fault runs interleave with device-dax's: a
# ratio of two figures taken minutes apart in a TCG guest measured the drift between them as
# much as the faults (the owned PMD fault's ratio came out 0.75 to 2.04 from run to run).
XDAX_UP=0
gate "modprobe xdax ranges=$((R_SIZE >> 20))M@$R_START" \
	modprobe xdax ranges=$((R_SIZE >> 20))M@$R_START && XDAX_UP=1

# bench_pair PEER PATH "PEER_TESTS" "XDAX_TESTS": REPS repetitions, each of PEER's tests on
# PATH (none if PEER is empty) next to xdax's, in alternating order (odd reps the peer first).
bench_pair() {
	p_tgt=$1 p_path=$2 p_tests=$3 x_tests=$4
	r=1
	while [ $r -le "$REPS" ]; do
		# shellcheck disable=SC2086 # the test lists are words
		{
			[ -n "$p_tgt" ] && [ $((r % 2)) = 1 ] && bench_one $r "$p_tgt" "$p_path" $p_tests
			[ $XDAX_UP = 1 ] && bench_one $r xdax /dev/xdax0 $x_tests
			[ -n "$p_tgt" ] && [ $((r % 2)) = 0 ] && bench_one $r "$p_tgt" "$p_path" $p_tests
		}
		r=$((r + 1))
	done
}

# bench_interleaved PEER_PATH HOW...: REPS runs of xdax_bench pair-HOW, one process timing
# xdax and the peer alternately, one timing each per pair: the pairs are milliseconds apart,
# not a minute as bench_pair's.
bench_interleaved() {
	i_path=$1
	shift
	[ $XDAX_UP = 1 ] || return 0
	i_r=1
	while [ $i_r -le "$REPS" ]; do
		for i_how in "$@"; do
			bench_run xdax $i_r /dev/xdax0 pair-"$i_how" $PAIR_MIB $PAIRS "$i_path"
		done
		i_r=$((i_r + 1))
	done
}

# device-dax, align 2M, then 4K.
NS0=$(ndctl_field region0 dev)
D=$(ndctl_field region0 chardev)
if gate "device-dax align 2M on region0 ($NS0: /dev/$D)" [ -c "/dev/$D" ]; then
	bench_pair devdax-2M "/dev/$D" "fault bw fio" "fault-pmd bw fio"
	bench_interleaved "/dev/$D" pmd
else
	bench_pair "" "" "" "fault-pmd bw fio"
fi
if gate "reconfigure $NS0 to device-dax align 4K" \
	sh -c "ndctl create-namespace -e $NS0 -m devdax -a 4K -f >/dev/null"; then
	D=$(ndctl_field region0 chardev)
	bench_pair devdax-4K "/dev/$D" fault fault-pte
	bench_interleaved "/dev/$D" pte populate
else
	bench_pair "" "" "" fault-pte
fi

# ext4 -o dax on an fsdax namespace of region1.
mkdir -p $MNT
ndctl destroy-namespace -f -r region1 all >/dev/null 2>&1
ndctl create-namespace -r region1 -m fsdax -f >/dev/null 2>&1
PM=/dev/$(ndctl_field region1 blockdev)
if gate "fsdax namespace on region1 ($PM), ext4 mounted -o dax" sh -c "
	/sbin/mke2fs -q -F -t ext4 -b 4096 $PM && mount -t ext4 -o dax $PM $MNT &&
	grep -q ' $MNT ext4 .*dax' /proc/mounts"; then
	bench_target ext4-dax $MNT/bench fault bw truncate reclaim fio
	umount $MNT
fi

# Anonymous memory.
bench_target anon anon fault bw

# xdax (its fault, bandwidth and fio runs were paired with device-dax's above).
if [ $XDAX_UP = 1 ]; then
	bench_target xdax /dev/xdax0 truncate reclaim cpu
	check "audit clean and blocks conserved after the bench" xdax_audit_ok /dev/xdax0
	check "rmmod xdax" rmmod xdax
fi
echo "1..$T_NUM"
diag "xdax-bench: $T_NUM tests, $T_FAILED failed"
echo "# xdax-guest: done"
