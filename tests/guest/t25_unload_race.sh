# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Unload racing with users: while xdax is loaded and unloaded over and over, other processes
# keep opening /dev/xdax0 and reading its sysfs attributes.  Every open either succeeds on a
# live device or fails cleanly; rmmod is refused while an open is in flight and succeeds on
# a retry; nothing is left behind and the kernel log stays clean (lockdep and KASAN watch
# this on the debug kernel).

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
ROUNDS=$(cmdline race_rounds 20)

race() {
	(while :; do xdax_devinfo /dev/xdax0 >/dev/null 2>&1; done) &
	p1=$!
	(while :; do cat /sys/class/xdax/xdax0/size /sys/dev/char/*/align >/dev/null 2>&1; done) &
	p2=$!
	i=1 busy=0
	while [ $i -le "$ROUNDS" ]; do
		load ranges=$((R_SIZE >> 20))M@$R_START || { kill $p1 $p2; fail "round $i: load: $LOAD_OUT"; }
		tries=0
		until rmmod xdax 2>/dev/null; do
			tries=$((tries + 1))
			busy=$((busy + 1))
			[ $tries -lt 200 ] || { kill $p1 $p2; fail "round $i: rmmod refused 200 times"; }
		done
		i=$((i + 1))
	done
	kill $p1 $p2
	wait $p1 $p2 2>/dev/null
	echo "$busy" >/tmp/xdaxtest.race-busy
	xdax_gone
}
dmesg_mark
check "$ROUNDS load/unload rounds racing with opens and sysfs reads" race
diag "rmmod was refused $(cat /tmp/xdaxtest.race-busy 2>/dev/null) times while an open was in flight"
check "no kernel splat during the race" dmesg_clean_since_mark
