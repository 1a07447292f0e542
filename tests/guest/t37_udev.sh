# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Boot-time permissions (issue 8 section 2): the udev rule that the xdax-utils package ships
# (/lib/udev/rules.d/60-xdax.rules in the initramfs comes from the built .deb) applied by
# systemd-udevd itself.  udevd runs with no other rules; `udevadm trigger` replays the add
# event of the node that existed before udevd (as at boot, udev's coldplug), and a node made
# while udevd runs (rmmod + load, as modules-load.d at boot) gets the rule from the kernel's
# own uevent.  Then /dev/xdax0 is root:xdax 0660; a member of group xdax (uid 1000, its
# groups from the guest's /etc/group) opens, maps, faults and pins within RLIMIT_MEMLOCK and
# gets ENOMEM beyond it; uid 1001 (not a member) gets EACCES on open.  udevd is stopped
# again at the end: the other test files expect devtmpfs' root 0600 nodes.
# Then, with the node reset to root:root 0600, `udevadm test --action=add` (udev's rule
# engine without the daemon) must apply the same rule.  A kernel without CONFIG_NET (the
# debug kernel) cannot run udevd (it needs netlink and AF_UNIX sockets): there the daemon's
# points are skipped, and the permission tests run on the node `udevadm test` set up.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
U37_RULE=/lib/udev/rules.d/60-xdax.rules

u37_load() {
	load ranges=$((R_SIZE >> 20))M@"$R_START" || fail "load: $LOAD_OUT"
}

# u37_node WANT: /dev/xdax0's owner:group and mode are WANT ("root:xdax 660").
u37_node() {
	u37_got=$(stat -c '%U:%G %a' /dev/xdax0 2>&1)
	[ "$u37_got" = "$1" ] || fail "/dev/xdax0 is $u37_got, expected $1"
}

u37_udevd_start() {
	[ -f $U37_RULE ] || fail "no $U37_RULE in the guest (the xdax-utils package's rule)" || return
	/lib/systemd/systemd-udevd --daemon >/tmp/t37-udevd.log 2>&1 ||
		fail "systemd-udevd --daemon: $(cat /tmp/t37-udevd.log)" || return
	udevadm control --ping --timeout=30 || fail "udevd does not answer" || return
	echo "udevd $(udevadm --version); rules:" /lib/udev/rules.d/*.rules
}

u37_coldplug() {
	udevadm trigger --action=add --subsystem-match=xdax || fail "udevadm trigger failed" || return
	udevadm settle --timeout=30 || fail "udevadm settle timed out" || return
	u37_node "root:xdax 660"
}

# A node created while udevd runs: the kernel's add uevent alone applies the rule.
u37_hotplug() {
	rmmod xdax || fail "rmmod: busy" || return
	u37_load || return
	udevadm settle --timeout=30 || fail "udevadm settle timed out" || return
	u37_node "root:xdax 660"
}

# The member's groups come from the group database, as login would set them.
u37_gids() {
	u37_g=$(id -G xdaxuser | tr ' ' ',')
	case ",$u37_g," in
	*,990,*) echo "$u37_g" ;;
	*) echo "xdaxuser's groups are $u37_g: not in xdax (990)" >&2; return 1 ;;
	esac
}

u37_member_rw() {
	u37_g=$(u37_gids) || return
	xdax_runas -l 8388608 1000 "$u37_g" xdax_untrusted --as user-rw /dev/xdax0
}

u37_member_memlock() {
	u37_g=$(u37_gids) || return
	xdax_runas -l 67108864 1000 "$u37_g" xdax_untrusted --as pin-over-memlock /dev/xdax0
}

u37_other_denied() {
	xdax_runas 1001 1001 xdax_untrusted --as open-denied /dev/xdax0
}

# u37_udevadm_test: udev's rule engine alone (no daemon) applies the packaged rule.
u37_udevadm_test() {
	chown 0:0 /dev/xdax0 && chmod 0600 /dev/xdax0 || fail "cannot reset /dev/xdax0" || return
	udevadm test --action=add /sys/class/xdax/xdax0 >/tmp/t37-test.log 2>&1 ||
		fail "udevadm test: $(tail -n 5 /tmp/t37-test.log)" || return
	u37_node "root:xdax 660" || { tail -n 15 /tmp/t37-test.log; return 1; }
}

u37_udevd_stop() {
	udevadm control --exit || fail "udevadm control --exit failed" || return
	u37_i=0
	while pidof systemd-udevd >/dev/null && [ $u37_i -lt 50 ]; do
		sleep 0.1
		u37_i=$((u37_i + 1))
	done
	! pidof systemd-udevd >/dev/null || fail "systemd-udevd still runs"
}

dmesg_mark
if u37_load; then
	check "udev: before udevd the node is devtmpfs' root:root 0600" u37_node "root:root 600"
	if [ -d /proc/net ]; then
		check "udev: systemd-udevd runs with the packaged 60-xdax.rules" u37_udevd_start
		check "udev: coldplug (udevadm trigger + settle) makes /dev/xdax0 root:xdax 0660" \
			u37_coldplug
		check "udev: a node made while udevd runs is root:xdax 0660 (no trigger)" u37_hotplug
	else
		for u37_p in "systemd-udevd runs with the packaged 60-xdax.rules" \
			"coldplug (udevadm trigger + settle) makes /dev/xdax0 root:xdax 0660" \
			"a node made while udevd runs is root:xdax 0660 (no trigger)"; do
			skip "udev: $u37_p" "kernel without CONFIG_NET: udevd needs netlink and AF_UNIX"
		done
		check "udev: udevadm test --action=add makes /dev/xdax0 root:xdax 0660" u37_udevadm_test
	fi
	check "udev: group xdax member (uid 1000) opens, maps, faults and pins 2 MiB" u37_member_rw
	check "udev: group xdax member: PIN over RLIMIT_MEMLOCK ENOMEM, within it pins" \
		u37_member_memlock
	check "udev: uid 1001 (not in group xdax) gets EACCES on open" u37_other_denied
	if [ -d /proc/net ]; then
		check "udev: udevd stopped" u37_udevd_stop
		check "udev: udevadm test --action=add makes /dev/xdax0 root:xdax 0660" u37_udevadm_test
	fi
	# The next test files expect devtmpfs' node.
	chown 0:0 /dev/xdax0
	chmod 0600 /dev/xdax0
	check "udev: audit clean and blocks conserved" xdax_audit_ok
	check "udev: rmmod" rmmod xdax
	check "udev: nothing of xdax left" xdax_gone
else
	not_ok "udev: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "udev: no kernel splat" dmesg_clean_since_mark
