# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Range safety: a range must be RAM in the firmware's own memory map.  memmap=SIZE$START
# marks any range "Reserved", also a hole (the guests boot with memmap=64M$12G and have
# 2 GiB of RAM) or device registers (memmap=2M$0xfee00000: the local APIC and a
# firmware-reserved tail), and the module loads such a range "all free": writes vanish,
# reads return 0.  The module cannot look at the firmware map on 7.x, so v2 ships a
# userspace preflight, /usr/sbin/xdax-check-range (scripts/), and a modprobe install hook
# (scripts/modprobe.d/xdax.conf): both must refuse the hole and the MMIO range and accept
# the real one.  `modprobe --ignore-install` (and insmod) bypass the hook by design: what
# the module then does is recorded as a diagnostic, not asserted.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
P_START=$(cmdline pmem_start)
T32_GOOD=$((R_SIZE >> 20))M@$R_START
T32_HOLE=$(cmdline hole)
T32_MMIO=$(cmdline mmio)
T32_CHK=/usr/sbin/xdax-check-range
T32_HOOK=/etc/modprobe.d/xdax.conf
T32_OPTS=/etc/modprobe.d/xdax-t32-options.conf
# kmod's modprobe, by path: the busybox shell runs its own modprobe applet for a bare
# `modprobe`, and that one knows no install commands (nor --ignore-install).
T32_MODPROBE=/sbin/modprobe

diag "range safety: real range $T32_GOOD, hole ${T32_HOLE:-(not on the kernel command line)}, MMIO ${T32_MMIO:-(not on the kernel command line)}"
# What the guest's maps say (the firmware map is the one from before the memmap= edits).
if [ -r /sys/firmware/memmap/0/start ]; then
	for d in /sys/firmware/memmap/*; do
		diag "firmware memmap: $(cat "$d/start")-$(cat "$d/end") $(cat "$d/type")"
	done
else
	diag "no /sys/firmware/memmap (CONFIG_FIRMWARE_MEMMAP off); the kernel log's firmware map:"
	dmesg | grep 'BIOS-e820:' | sed 's/^/# /'
fi
sed 's/^/# iomem: /' /proc/iomem

# t32_fw_reserved: a 2 MiB-aligned 2 MiB range that the firmware map lists as reserved (not
# RAM) and that /proc/iomem shows as a top-level "Reserved" entry without any memmap=: the
# module's own checks take it (QEMU's firmware reserves e.g. [0xfd00000000, 1 TiB) on
# AMD-like CPUs).  Prints SIZE@START, or nothing.
t32_fw_reserved() {
	{
		if [ -r /sys/firmware/memmap/0/start ]; then
			for d in /sys/firmware/memmap/*; do
				echo "$(($(cat "$d/start"))) $(($(cat "$d/end"))) $(cat "$d/type")"
			done
		else
			dmesg | sed -n 's/.*BIOS-e820: \[mem \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)\] *\(.*\)$/\1 \2 \3/p' |
				while read -r s e t; do echo "$((s)) $((e)) $t"; done
		fi
	} | while read -r s e t; do
		case $t in Reserved | reserved | "device reserved") ;; *) continue ;; esac
		a=$(((s + 2097151) / 2097152 * 2097152))
		[ $((a + 2097151)) -le "$e" ] || continue
		sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : Reserved$/\1 \2/p' /proc/iomem |
			while read -r rs re; do
				[ $((0x$rs)) -le "$a" ] && [ $((0x$re)) -ge $((a + 2097151)) ] && echo "2M@$(printf '%#x' "$a")"
			done
	done | head -n 1
}
T32_FWRES=$(t32_fw_reserved)

# t32_refuses NAME REGEX ARGS...: xdax-check-range ARGS exits 1 and says REGEX.
t32_refuses() {
	name=$1 re=$2
	shift 2
	out=$("$T32_CHK" "$@" 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -Eq "$re"; then
		ok "range safety: xdax-check-range refuses $name"
		echo "$out" | sed 's/^/#   /'
	else
		not_ok "range safety: xdax-check-range refuses $name" \
			"xdax-check-range $*: exit $rc, expected 1 with a line matching '$re':" "$out"
	fi
}

# t32_exits NAME STATUS ARGS...: xdax-check-range ARGS exits with STATUS.
t32_exits() {
	name=$1 want=$2
	shift 2
	out=$("$T32_CHK" "$@" 2>&1)
	rc=$?
	if [ $rc = "$want" ]; then
		ok "range safety: $name"
		echo "$out" | sed 's/^/#   /'
	else
		not_ok "range safety: $name" "xdax-check-range $*: exit $rc, expected $want:" "$out"
	fi
}

# t32_hook_refuses NAME MODPROBE-ARGS...: with the hook installed, modprobe xdax ARGS fails,
# shows xdax-check-range's message, and xdax is not loaded afterwards.
t32_hook_refuses() {
	name=$1
	shift
	out=$($T32_MODPROBE xdax "$@" 2>&1)
	rc=$?
	if xdax_loaded; then
		unload
		not_ok "range safety: modprobe with the hook refuses $name" \
			"modprobe xdax $* loaded xdax (exit $rc):" "$out"
	elif [ $rc != 0 ] && echo "$out" | grep -q 'xdax-check-range: .*not'; then
		ok "range safety: modprobe with the hook refuses $name"
		echo "$out" | sed 's/^/#   /'
	else
		not_ok "range safety: modprobe with the hook refuses $name" \
			"modprobe xdax $*: exit $rc, no xdax-check-range message:" "$out"
	fi
}

dmesg_mark
if [ ! -x $T32_CHK ] || [ -z "$T32_HOLE" ] || [ -z "$T32_MMIO" ]; then
	not_ok "range safety: set up" "$T32_CHK missing, or no xdaxtest.hole=/xdaxtest.mmio= on the kernel command line (scripts/vm.sh)"
else
	# The preflight by hand.
	t32_exits "xdax-check-range accepts the reserved RAM range ($T32_GOOD)" 0 -v "$T32_GOOD"
	t32_refuses "a reserved hole ($T32_HOLE: memmap= over no RAM)" \
		'not System RAM in the firmware memory map.*no memory at' "$T32_HOLE"
	t32_refuses "a firmware-reserved/MMIO range ($T32_MMIO: local APIC)" \
		'not System RAM in the firmware memory map' "$T32_MMIO"
	T32_MMIO_RC=$rc
	if [ -n "$T32_FWRES" ]; then
		t32_refuses "a firmware-reserved range with no memmap= ($T32_FWRES)" \
			'not System RAM in the firmware memory map.* is in "?(Reserved|reserved|device reserved)' "$T32_FWRES"
	else
		skip "range safety: xdax-check-range refuses a firmware-reserved range with no memmap=" \
			"the firmware map has no 2 MiB-aligned reserved range that /proc/iomem shows Reserved"
	fi
	t32_refuses "legacy pmem (64M@$P_START)" 'not wholly reserved|overlaps' "64M@$P_START"
	t32_refuses "System RAM (64M@0x10000000)" 'overlaps System RAM' 64M@0x10000000
	t32_refuses "an unaligned range (3M@$R_START)" 'multiples of 2 MiB' "3M@$R_START"
	t32_refuses "a list whose second range is the hole" "^xdax-check-range: range 1 " \
		"$T32_GOOD,$T32_HOLE"
	t32_exits "xdax-check-range without a range is a usage error" 2
	t32_exits "xdax-check-range of text that does not parse is a usage error" 2 lots
	t32_exits "--modprobe accepts ranges=$T32_GOOD" 0 -v --modprobe "ranges=$T32_GOOD"
	t32_refuses "--modprobe ranges=$T32_HOLE" 'not loading xdax' --modprobe "ranges=$T32_HOLE"
	t32_exits "--modprobe without ranges= anywhere has nothing to check" 0 -v --modprobe
	t32_refuses "memmap: this command line's memmap=\$ include the hole" \
		"^xdax-check-range: range [0-9]+ \($T32_HOLE .*not System RAM" memmap
	mkdir -p /etc/modprobe.d
	echo "options xdax ranges=$T32_HOLE" >$T32_OPTS
	t32_refuses "--modprobe with ranges= from 'options xdax' in modprobe.d" \
		'options xdax in the modprobe configuration' --modprobe
	rm -f $T32_OPTS

	# The modprobe install hook.
	cp /usr/share/xdax/modprobe.d/xdax.conf $T32_HOOK
	t32_hook_refuses "the hole (ranges=$T32_HOLE)" "ranges=$T32_HOLE"
	if [ "$T32_MMIO_RC" = 1 ]; then
		t32_hook_refuses "the MMIO range (ranges=$T32_MMIO)" "ranges=$T32_MMIO"
	else
		skip "range safety: modprobe with the hook refuses the MMIO range" \
			"xdax-check-range did not refuse it by hand: not loading the module over device registers"
	fi
	echo "options xdax ranges=$T32_HOLE" >$T32_OPTS
	t32_hook_refuses "the hole from 'options xdax ranges=' in modprobe.d"
	rm -f $T32_OPTS
	t32_hook_refuses "ranges=memmap while the command line also reserves the hole" ranges=memmap
	# Adoption: a copy of this machine's maps whose command line reserves only the real range.
	T32_FAKE=/tmp/t32-root
	rm -rf $T32_FAKE
	mkdir -p $T32_FAKE/proc $T32_FAKE/sys/firmware
	cp /proc/iomem $T32_FAKE/proc/iomem
	[ ! -d /sys/firmware/memmap ] || cp -r /sys/firmware/memmap $T32_FAKE/sys/firmware/
	dmesg >$T32_FAKE/dmesg
	echo "console=ttyS0 memmap=$((R_SIZE >> 20))M\$$R_START quiet" >$T32_FAKE/proc/cmdline
	if out=$(XDAX_CHECK_RANGE_ROOT=$T32_FAKE "$T32_CHK" -v memmap 2>&1); then
		ok "range safety: xdax-check-range memmap accepts a command line reserving only the real range"
	else
		not_ok "range safety: xdax-check-range memmap accepts a command line reserving only the real range" "$out"
	fi
	# The hook ignores XDAX_CHECK_RANGE_ROOT (kmod passes the environment on): with it set to
	# the fake maps, the hook still checks this machine's command line, hole included.
	out=$(XDAX_CHECK_RANGE_ROOT=$T32_FAKE "$T32_CHK" --modprobe --resolve ranges=memmap 2>&1)
	if echo "$out" | grep -q 'ignores XDAX_CHECK_RANGE_ROOT' && echo "$out" | grep -q 'not loading xdax'; then
		ok "range safety: --modprobe ignores XDAX_CHECK_RANGE_ROOT and refuses this command line's hole"
	else
		not_ok "range safety: --modprobe ignores XDAX_CHECK_RANGE_ROOT and refuses this command line's hole" "$out"
	fi
	# The real thing: this guest's /proc/cmdline with the hole and the APIC page taken out
	# (a bind mount over it, as a boot with only memmap=512M\$1G would have).
	if mount --bind $T32_FAKE/proc/cmdline /proc/cmdline 2>/dev/null; then
		out=$("$T32_CHK" --modprobe --resolve ranges=memmap 2>&1)
		check "range safety: --resolve ranges=memmap adopts the command line's memmap=\$ ($out)" \
			[ "$out" = "ranges=$((R_SIZE >> 20))M@$R_START" ]
		if out=$($T32_MODPROBE xdax ranges=memmap 2>&1) && xdax_dev_ok 0 "$R_START" "$R_SIZE"; then
			ok "range safety: modprobe xdax ranges=memmap with the hook adopts the reserved range"
			check "range safety: rmmod after the adoption" rmmod xdax
		else
			not_ok "range safety: modprobe xdax ranges=memmap with the hook adopts the reserved range" "$out"
			unload
		fi
		umount /proc/cmdline
	else
		not_ok "range safety: bind-mount a command line over /proc/cmdline for the adoption test"
	fi
	rm -rf $T32_FAKE
	if out=$($T32_MODPROBE xdax "ranges=$T32_GOOD" 2>&1) && xdax_dev_ok 0 "$R_START" "$R_SIZE"; then
		ok "range safety: modprobe with the hook loads the real range"
		case_point xdax_range /dev/xdax0 readback \
			"range safety: what is written into the real range reads back"
		check "range safety: rmmod" rmmod xdax
	else
		not_ok "range safety: modprobe with the hook loads the real range" "$out"
		unload
	fi
	rm -f $T32_HOOK

	# The bypass, today: the module loads the hole and the memory is not memory.
	# A diagnostic (the documented bypass), never a test point.
	if out=$($T32_MODPROBE --ignore-install xdax "ranges=$T32_HOLE" 2>&1); then
		diag "bypass: modprobe --ignore-install xdax ranges=$T32_HOLE loaded xdax: $(cat /sys/class/xdax/xdax0/stats/free 2>/dev/null) of $(cat /sys/class/xdax/xdax0/stats/total 2>/dev/null) blocks free"
		xdax_range /dev/xdax0 readback 2>&1 | sed 's/^/# bypass: /'
		unload
	else
		diag "bypass: modprobe --ignore-install xdax ranges=$T32_HOLE refused: $out"
	fi
fi
rm -f $T32_HOOK $T32_OPTS
unload
check "range safety: nothing of xdax left" xdax_gone
check "range safety: no kernel splat" dmesg_clean_since_mark
