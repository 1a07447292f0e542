# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Unload racing with users: while xdax is loaded and unloaded over and over, two processes
# open /dev/xdax0, issue an ioctl and read sysfs in a tight loop (xdax_hammer).  Opens fail
# only the ways a vanishing device may, an open fd always works, rmmod is refused while an
# open is in flight and succeeds on a retry, nothing is left behind, and the kernel log stays
# clean (lockdep and KASAN watch this on the debug kernel).

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
ROUNDS=$(cmdline race_rounds 20)

race() {
	xdax_hammer /dev/xdax0 >/tmp/hammer1 2>&1 &
	p1=$!
	xdax_hammer /dev/xdax0 >/tmp/hammer2 2>&1 &
	p2=$!
	i=1 busy=0
	while [ $i -le "$ROUNDS" ]; do
		load ranges=$((R_SIZE >> 20))M@$R_START || { kill $p1 $p2; fail "round $i: load: $LOAD_OUT"; }
		sleep 0.1
		tries=0
		until rmmod xdax 2>/dev/null; do
			tries=$((tries + 1))
			busy=$((busy + 1))
			[ $tries -lt 1000 ] || { kill $p1 $p2; fail "round $i: rmmod refused 1000 times"; }
		done
		i=$((i + 1))
	done
	kill $p1 $p2
	wait $p1 || fail "hammer 1: $(cat /tmp/hammer1)"
	wait $p2 || fail "hammer 2: $(cat /tmp/hammer2)"
	echo "rmmod refused $busy times; hammers: $(cat /tmp/hammer1); $(cat /tmp/hammer2)" \
		>/tmp/xdaxtest.race
	grep -q 'opened [1-9]' /tmp/hammer1 || fail "hammer 1 never opened the device: $(cat /tmp/hammer1)"
	xdax_gone
}
dmesg_mark
check "$ROUNDS load/unload rounds racing with opens, ioctls and sysfs reads" race
diag "$(cat /tmp/xdaxtest.race 2>/dev/null)"
check "no kernel splat during the race" dmesg_clean_since_mark
