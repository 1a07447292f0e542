# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload: the module comes from where it was installed, registers exactly its
# range, exposes /dev/xdaxN and sysfs as device-dax does, and leaves nothing behind.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
HALF=$((R_SIZE / 2))

check "modprobe finds xdax in /lib/modules/$(uname -r)/$(cmdline modpath)" \
	sh -c 'p=$(modinfo -n xdax) && echo "$p" &&
		case "$p" in /lib/modules/$(uname -r)/$1/xdax.ko*) ;; *) exit 1;; esac' \
	sh "$(cmdline modpath)"
check "modinfo version is the dkms.conf version $(cmdline version)" \
	sh -c '[ "$(modinfo -F version xdax)" = "$1" ] || { modinfo xdax; exit 1; }' sh "$(cmdline version)"
check "modinfo license is GPL" sh -c '[ "$(modinfo -F license xdax)" = GPL ]'

rmmod_refused() {
	out=$(rmmod xdax 2>&1) && fail "rmmod succeeded while the device was open"
	echo "$out" | grep -Eq "in use|Resource temporarily unavailable" || fail "rmmod said: $out"
	xdax_loaded || fail "module gone"
}
unload_gone() { rmmod xdax && xdax_gone; }

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@$R_START; then
	ok "load ranges=$((R_SIZE >> 20))M@$R_START"
	check "/dev/xdax0 matches the range (mode 0600, sysfs size/align/resource, iomem)" \
		xdax_dev_ok 0 "$R_START" "$R_SIZE"
	check "only one device" sh -c '[ "$(ls /sys/class/xdax)" = xdax0 ]'
	check "kernel log reports every block free" \
		sh -c 'dmesg | grep -q "xdax0: $1 MiB at .* blocks of 2048 KiB, all free"' sh $((R_SIZE >> 20))
	check "devinfo: the node opens read-write and agrees with sysfs" xdax_devinfo /dev/xdax0
	check "XDAX_IOC_INFO agrees with sysfs; malformed arguments get their errno" \
		xdax_uapi /dev/xdax0
	# An open file pins the module: rmmod must refuse, then succeed once it is closed.
	exec 3</dev/xdax0
	check "rmmod refused (EBUSY) while /dev/xdax0 is open" rmmod_refused
	exec 3<&-
	check "rmmod succeeds once closed" rmmod xdax
	check "unload leaves nothing (module, class, nodes, iomem, major)" xdax_gone
else
	not_ok "load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi

if load ranges=${HALF}@$R_START,${HALF}@$((R_START + HALF)); then
	ok "load two ranges"
	check "/dev/xdax0 is the first half" xdax_dev_ok 0 "$R_START" "$HALF"
	check "/dev/xdax1 is the second half" xdax_dev_ok 1 $((R_START + HALF)) "$HALF"
	check "two ranges unload cleanly" unload_gone
else
	not_ok "load two ranges" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi
check "no kernel splat while loading and unloading" dmesg_clean_since_mark
