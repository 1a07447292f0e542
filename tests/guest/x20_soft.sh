# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Soft-reserved memory (EFI specific-purpose memory, CXL), as memmap=SIZE%START-1+0xefffffff
# makes it from RAM under SeaBIOS (scripts/vm-large.sh): xdax and xdax-check-range take a
# range that is wholly soft-reserved and left to no driver, and refuse it (EBUSY, one log
# line naming the holder and how to release it) while dax_hmem holds it; after the release
# the log line names, xdax takes it again.  Where it lives per kernel is shown: "Soft
# Reserved" in /proc/iomem up to 6.x, set aside out of iomem from 7.2 (soft_reserve_resource).

S_START=$(cmdline soft_start)
S_SIZE=$(cmdline soft_size)
S_ARG=$((S_SIZE >> 20))M@$S_START
S_HEX=$(printf '%x' "$S_START")

# x20_hmem_dev: the hmem.N platform device over the range, if dax_hmem made one.
x20_hmem_dev() {
	for d in /sys/bus/platform/devices/hmem.*; do
		[ -e "$d/driver" ] && basename "$d" && return 0
	done
	return 1
}

x20_e820_ok() {
	dmesg | grep -Eq "user: \[mem 0x0*$S_HEX-[^]]*\] *soft reserved" ||
		fail "no 'soft reserved' entry at $S_START in the kernel's e820 map: $(dmesg | grep -E 'user: ')"
}

x20_refused() {
	if LOAD_OUT=$(modprobe xdax ranges="$S_ARG" 2>&1); then
		rmmod xdax
		fail "xdax loaded over a range dax_hmem holds"
		return
	fi
	echo "$LOAD_OUT" | grep -q "Device or resource busy" ||
		fail "refused, but not with EBUSY: $LOAD_OUT" || return
	l=$(dmesg_since | grep "xdax: range 0 " | tail -n 1)
	echo "# log: $l"
	echo "$l" | grep -q "held by dax_hmem ($1)" || echo "$l" | grep -q "claimed by another driver" ||
		fail "no log line naming the holder: $(dmesg_since | tail -n 5)"
}

x20_check_refuses() {
	if out=$(xdax-check-range "$S_ARG" 2>&1); then
		fail "xdax-check-range accepted a range dax_hmem holds: $out"
		return
	fi
	echo "# xdax-check-range: $out"
	echo "$out" | grep -q "dax" || fail "xdax-check-range does not name the dax holder: $out"
}

x20_load_ok() {
	load ranges="$S_ARG" || fail "$LOAD_OUT" || return
	xdax_dev_ok 0 "$S_START" "$S_SIZE" || return
	xdax_audit_ok || return
	unload
}

dmesg_mark
diag "figure: soft range [$S_START +$((S_SIZE >> 20)) MiB]: /proc/iomem: $(grep -i "^ *0*$S_HEX-" /proc/iomem | tr -s ' ' | tr '\n' ';') firmware map: $(for d in /sys/firmware/memmap/*; do [ "$(cat "$d/start")" = "$(printf '%#x' "$S_START")" ] && cat "$d/type"; done | tr '\n' ' ')"
if ! dmesg | grep -q "user: .*soft reserved"; then
	skip "soft: memmap=%...+0xefffffff" "this kernel made no soft-reserved range from it"
	return 0 2>/dev/null
fi
check "soft: the kernel's e820 map has the soft-reserved range" x20_e820_ok
check "soft: xdax-check-range accepts a wholly soft-reserved range" xdax-check-range -v "$S_ARG"
check "soft: xdax loads it, audit clean, unloads" x20_load_ok
if ! modprobe dax_hmem 2>/dev/null; then
	skip "soft: dax_hmem holds the range" "no dax_hmem module in this kernel's initramfs"
elif ! H=$(x20_hmem_dev); then
	skip "soft: dax_hmem holds the range" "dax_hmem loaded but made no hmem device: $(echo /sys/bus/platform/devices/hmem*)"
else
	modprobe device_dax 2>/dev/null
	ok "soft: dax_hmem holds the range ($H; dax devices: $(ls /sys/bus/dax/devices 2>/dev/null | tr '\n' ' '))"
	check "soft: xdax refuses it with EBUSY and says who holds it" x20_refused "$H"
	check "soft: xdax-check-range refuses it and names the dax holder" x20_check_refuses
	echo "$H" >/sys/bus/platform/drivers/hmem/unbind
	check "soft: released as the log line says (unbind $H): xdax loads it" x20_load_ok
fi
check "soft: unload leaves nothing" xdax_gone
check "soft: no kernel splat" dmesg_clean_since_mark
