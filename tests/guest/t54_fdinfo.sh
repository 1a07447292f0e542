# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# /proc/PID/fdinfo/N of an open /dev/xdax0 (xdax_obs fdinfo): size, block counts, the pins
# of that open file and its unread events; then the same read by cat from a shell's fd.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

# r54_shell_fd: a shell's own open of the device, as an administrator would look at it.
r54_shell_fd() {
	exec 7<>/dev/xdax0 || fail "open /dev/xdax0 on fd 7" || return
	out=$(cat /proc/self/fdinfo/7)
	exec 7>&-
	echo "$out" | sed 's/^/# fdinfo: /'
	echo "$out" | grep -qx "xdax-device:	xdax0" || fail "no xdax-device line: $out" || return
	echo "$out" | grep -qx "xdax-size:	$R_SIZE" || fail "no xdax-size $R_SIZE: $out" || return
	echo "$out" | grep -qx "xdax-pins:	0" || fail "no xdax-pins 0: $out" || return
	echo "$out" | grep -qx "xdax-events-pending:	reclaim=0 poison=0" ||
		fail "no xdax-events-pending line: $out"
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "fdinfo: load ranges=$((R_SIZE >> 20))M@$R_START"
	case_point xdax_obs /dev/xdax0 fdinfo \
		"fdinfo: size, block counts, per-open pins (count, pages, blocks), pending events; follows pins and events, two opens distinct, the holder of a block awaiting reclaim named in its process's fdinfo"
	check "fdinfo: cat /proc/self/fdinfo of a shell's open" r54_shell_fd
	check "fdinfo: audit clean and blocks conserved" xdax_audit_ok
	check "fdinfo: rmmod" unload
else
	not_ok "fdinfo: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "fdinfo: unload leaves nothing" xdax_gone
check "fdinfo: no kernel splat" dmesg_clean_since_mark
