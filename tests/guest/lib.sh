# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# TAP helpers and xdax checks for the guest tests (busybox sh).  Sourced by run.sh.

T_NUM=0
T_FAILED=0

# cmdline VAR DEFAULT: value of xdaxtest.VAR= on the kernel command line.
cmdline() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^xdaxtest\.$1=//p" | tail -n1)
	echo "${v:-$2}"
}

diag() { echo "# $*"; }

# ok NAME / not_ok NAME REASON / skip NAME REASON
ok() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $1"
}
not_ok() {
	T_NUM=$((T_NUM + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_NUM - $1"
	shift
	# Every line of a (multi-line) reason is a TAP comment: an unprefixed "ok 1 ..." from a
	# program's output would count as a test point.
	for l in "$@"; do echo "$l" | sed 's/^/#   /'; done
}
skip() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $1 # SKIP $2"
}

# check NAME CMD...: one test point from a command's exit status; its output becomes the
# diagnostic on failure.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$(echo "$out" | tail -n 15)"
	fi
}

# case_point PROG DEV CASE DESCRIPTION: one case of a KTAP test program (tests/progs, built
# on xt_run) as one TAP point: ok, skip (exit 77, with the reason it printed) or not ok with
# the tail of its output.  Its "# figure" and "# latency" lines are passed on as diagnostics
# either way.
case_point() {
	out=$("$1" "$2" "$3" 2>&1)
	rc=$?
	echo "$out" | grep -E '^# (figure|latency)' || true
	case $rc in
	0) ok "$4" ;;
	77) skip "$4" "$(echo "$out" | sed -n 's/^# skip: //p' | tail -n 1)" ;;
	*) not_ok "$4 (exit $rc)" "$(echo "$out" | grep -vE '^# (figure|latency)' | tail -n 20)" ;;
	esac
}

# fail MSG...: print MSG, return 1.  A function of several checks goes on after it, so every
# check but the last is written `COND || fail MSG || return`: a function's status is its last
# command's, and an earlier failure must not be lost.
fail() { echo "$*"; return 1; }

# --- kernel log --------------------------------------------------------------------------
# dmesg_mark writes a numbered marker into the kernel log; dmesg_since prints what came after
# the latest marker.  (A line count is no position once the ring buffer wraps, as it does in
# a soak.)  The number lives in a file: tests run inside command substitutions, and a
# subshell's counter would be lost and its numbers reused.  A marker that scrolled out is
# reported, never taken as an empty log.
DMESG_SEQ_FILE=/tmp/xdaxtest.mark
dmesg_mark() {
	n=$(($(cat $DMESG_SEQ_FILE 2>/dev/null || echo 0) + 1))
	echo $n >$DMESG_SEQ_FILE
	echo "xdaxtest: mark $n" >/dev/kmsg
}
dmesg_since() {
	dmesg | sed -n "/xdaxtest: mark $(cat $DMESG_SEQ_FILE)\$/,\$p" | tail -n +2
}
dmesg_mark_present() {
	n=$(cat $DMESG_SEQ_FILE)
	[ "$(dmesg | grep -c "xdaxtest: mark $n\$")" = 1 ] ||
		fail "kernel log marker $n scrolled out (or is not unique)"
}

SPLAT_RE='BUG:|WARNING:|KASAN:|UBSAN:|Call Trace|Oops|general protection|DEBUG_LOCKS_WARN_ON|possible (circular|recursive) locking|blocked for more than'
dmesg_clean_since_mark() {
	dmesg_mark_present || return 1
	s=$(dmesg_since | grep -E "$SPLAT_RE") || return 0
	fail "kernel log: $s"
}

# --- xdax state --------------------------------------------------------------------------
XDAX_MOD=xdax

xdax_loaded() { grep -q "^xdax " /proc/modules; }

# xdax_gone: nothing of xdax left registered anywhere.
xdax_gone() {
	! xdax_loaded || fail "module still loaded" || return
	[ ! -e /sys/class/xdax ] || fail "/sys/class/xdax still present" || return
	! ls /dev/xdax* >/dev/null 2>&1 || fail "device nodes left: $(ls /dev/xdax*)" || return
	! grep -q xdax /proc/iomem || fail "/proc/iomem still names xdax: $(grep xdax /proc/iomem)" || return
	! grep -qw xdax /proc/devices || fail "/proc/devices still has the xdax major"
}

# xdax_dev_ok N START SIZE: /dev/xdaxN matches the range.
xdax_dev_ok() {
	n=$1 start=$2 size=$3 sys=/sys/class/xdax/xdax$1
	[ -c /dev/xdax$n ] || fail "/dev/xdax$n missing or not a char device" || return
	mode=$(stat -c %a /dev/xdax$n)
	[ "$mode" = 600 ] || fail "/dev/xdax$n mode $mode, expected 600" || return
	dev=$(cat $sys/dev)
	node=$(printf '%d:%d' "0x$(stat -c %t /dev/xdax$n)" "0x$(stat -c %T /dev/xdax$n)")
	[ "$dev" = "$node" ] || fail "sysfs dev $dev != node $node" || return
	[ "$(cat $sys/size)" = "$size" ] || fail "sysfs size $(cat $sys/size), expected $size" || return
	[ "$(cat $sys/align)" = 2097152 ] || fail "sysfs align $(cat $sys/align), expected 2097152" || return
	[ "$(cat $sys/resource)" = "$(printf '%#x' "$start")" ] ||
		fail "sysfs resource $(cat $sys/resource), expected $(printf '%#x' "$start")" || return
	[ "$(cat $sys/pgmap_free_calls)" = 0 ] || fail "pgmap_free_calls $(cat $sys/pgmap_free_calls)" || return
	[ "$(readlink -f /sys/dev/char/$dev)" = "$(readlink -f $sys)" ] ||
		fail "/sys/dev/char/$dev does not lead to $sys" || return
	end=$(printf '%x' $((start + size - 1)))
	grep -q "^ *0*$(printf '%x' "$start")-0*$end : xdax$n\$" /proc/iomem ||
		fail "/proc/iomem has no xdax$n at $(printf '%x' "$start")-$end: $(grep -i -B1 -A1 xdax /proc/iomem)"
}

# xdax_audit_ok [DEV]: XDAX_IOC_AUDIT finds no mismatch and the blocks are conserved
# (free + in use + awaiting reclaim == total, no anomalies, no kernel page_free calls), by
# xdax_ctl DEV audit (default /dev/xdax0).  For test files to call before they unload.
xdax_audit_ok() {
	[ -c "${1:-/dev/xdax0}" ] || fail "${1:-/dev/xdax0} missing or not a char device" || return
	xdax_ctl "${1:-/dev/xdax0}" audit
}

# load ARGS...: modprobe xdax with ARGS, output in $LOAD_OUT, status returned.
# shellcheck disable=SC2034 # LOAD_OUT is read by the test files.
load() {
	LOAD_OUT=$(modprobe $XDAX_MOD "$@" 2>&1)
}

unload() {
	xdax_loaded || return 0
	rmmod $XDAX_MOD
}
