# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The xdax tool (tools/xdax, static in /usr/bin/xdax): every verb against a loaded module,
# each outcome checked against sysfs and the ioctls; its JSON read by a strict parser
# (xdax_json), never by grep; error paths with their documented exit status and message
# (0 ok, 1 failed, 2 usage, 3 no xdax); --help of every verb; the man page's structure (it
# is rendered by groff on the host, in the lint); a member of group xdax (uid 1000) using a
# 0660 node, read-only verbs on a 0640 one, and uid 1001 refused.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
T36_HOLE=$(cmdline hole)
T36=/tmp/t36
T36_SYS=/sys/class/xdax/xdax0
T36_VERBS="list info stats audit truncate punch allocate pin unpin wait-reclaim query check-range"
rm -rf $T36
mkdir -p $T36

# t36 WANT-RC ARGS...: run xdax ARGS, stdout in $T36/out, stderr in $T36/err; fail unless
# it exits WANT-RC.
t36() {
	t36_want=$1
	shift
	xdax "$@" >$T36/out 2>$T36/err
	t36_rc=$?
	[ $t36_rc = "$t36_want" ] && return 0
	echo "xdax $*: exit $t36_rc, expected $t36_want"
	sed 's/^/  stdout: /' $T36/out | head -n 20
	sed 's/^/  stderr: /' $T36/err
	return 1
}

# jv PATH [FILE]: the value at PATH of the JSON in FILE (default $T36/out), which must be
# valid JSON.  jt: its type.
jv() { xdax_json "$1" <"${2:-$T36/out}"; }
jt() { xdax_json -t "$1" <"${2:-$T36/out}"; }

# jeq PATH WANT [FILE]: the value at PATH is WANT.
jeq() {
	v=$(jv "$1" "${3:-$T36/out}") || fail "no valid $1 in: $(cat "${3:-$T36/out}")" || return
	[ "$v" = "$2" ] || fail "$1 is '$v', expected '$2'"
}

# err_says REGEX: stderr matches REGEX and never says "Inappropriate ioctl".
err_says() {
	grep -Eq "$1" $T36/err || fail "stderr does not say /$1/: $(cat $T36/err)" || return
	! grep -q 'Inappropriate ioctl' $T36/err || fail "stderr says Inappropriate ioctl: $(cat $T36/err)"
}

stat_of() { cat $T36_SYS/stats/"$1"; }

# t36_bg NAME CMD...: start CMD in the background with stdout in $T36/NAME.out, stderr in
# $T36/NAME.err; its pid in BG.  Output never goes to a pipe of check's.
t36_bg() {
	n=$1
	shift
	rm -f $T36/"$n".out $T36/"$n".err
	"$@" >$T36/"$n".out 2>$T36/"$n".err &
	BG=$!
	echo $BG >>$T36/pids
}

# t36_wait_out NAME PID: wait (up to 20 s) until $T36/NAME.out has a line, while PID lives.
t36_wait_out() {
	i=0
	while [ $i -lt 200 ]; do
		[ -s $T36/"$1".out ] && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	fail "no output from $1 (pid $2): $(cat $T36/"$1".err 2>/dev/null)"
}

# t36_wait_open PID: wait (up to 20 s) until PID has /dev/xdax0 open.
t36_wait_open() {
	i=0
	while [ $i -lt 200 ]; do
		for f in /proc/"$1"/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = /dev/xdax0 ] && return 0
		done
		sleep 0.1
		i=$((i + 1))
	done
	fail "pid $1 never opened /dev/xdax0"
}

# t36_reap PID WANT-RC: PID exits with WANT-RC.
t36_reap() {
	wait "$1"
	r=$?
	[ $r = "$2" ] || fail "pid $1 exited $r, expected $2"
}

# t36_pin NAME [XDAX-PIN-ARGS...]: a pin holder of the first 2 MiB, running; pid in BG.
t36_pin() {
	n=$1
	shift
	t36_bg "$n" xdax pin "$@" || return
	t36_wait_out "$n" "$BG" || return
	jeq .pid "$BG" $T36/"$n".out || return
	[ "$(stat_of pinned_pages)" = 512 ] || fail "pinned_pages $(stat_of pinned_pages) while held, expected 512"
}

# t36_reset: the state every stateful case starts from, whatever an earlier case left (so
# that one failure does not cascade): no pin holder of ours, nothing awaiting reclaim, the
# full size.
t36_reset() {
	xdax unpin >/dev/null 2>&1
	xdax wait-reclaim --all --timeout=30 >/dev/null 2>&1
	xdax truncate "$R_SIZE" >/dev/null 2>&1
}

# --- before the module is loaded --------------------------------------------------------
t36_no_module() {
	! xdax_loaded || fail "xdax is loaded" || return
	t36 3 list || return
	err_says 'module is not loaded' || return
	t36 3 stats || return
	err_says 'xdax0.*module is not loaded' || return
	t36 3 info /dev/xdax0 || return
	err_says 'module is not loaded'
}

t36_help() {
	t36 0 --help || return
	grep -q '^usage: xdax VERB' $T36/out || fail "xdax --help: no usage line" || return
	[ ! -s $T36/err ] || fail "xdax --help wrote to stderr: $(cat $T36/err)" || return
	cp $T36/out $T36/help
	for v in $T36_VERBS; do
		grep -q "^  $v " $T36/help || fail "xdax --help does not list $v" || return
		t36 0 "$v" --help || return
		grep -q "^usage: xdax $v " $T36/out || fail "xdax $v --help: no usage line: $(head -n 2 $T36/out)" || return
		grep -q '^options:' $T36/out || fail "xdax $v --help: no options" || return
		[ ! -s $T36/err ] || fail "xdax $v --help wrote to stderr: $(cat $T36/err)" || return
		t36 0 help "$v" || return
		grep -q "^usage: xdax $v " $T36/out || fail "xdax help $v: no usage line" || return
	done
	t36 0 --version || return
	grep -q '^xdax [0-9]' $T36/out || fail "xdax --version: $(cat $T36/out)"
}

t36_usage() {
	t36 2 || return
	t36 2 frobnicate || return
	err_says "unknown verb 'frobnicate'" || return
	t36 2 list --bogus || return
	err_says 'unknown option --bogus' || return
	t36 2 stats --nowait || return
	err_says 'does not apply' || return
	t36 2 truncate || return
	err_says 'missing argument' || return
	t36 2 truncate xdax0 12Q || return
	err_says "bad SIZE '12Q'" || return
	t36 2 truncate 99999999999999999999 || return
	err_says 'bad SIZE' || return
	t36 2 punch xdax0 0 || return
	t36 2 punch xdax0 0 2M 4M || return
	err_says "unexpected argument '4M'" || return
	t36 2 truncate --nowait --timeout=1 0 || return
	err_says 'exclude each other' || return
	t36 2 wait-reclaim --timeout=soon || return
	err_says 'bad DURATION' || return
	t36 2 check-range || return
	t36 2 check-range lots || return
	err_says 'cannot parse'
}

# The man page: roff built from the help tables, every verb a subsection.  (No groff in the
# guest: the lint renders it with groff -ww on the host.)
t36_man() {
	t36 0 --man || return
	head -n 2 $T36/out | grep -q '^\.TH XDAX 8 ' || fail "no .TH XDAX 8 line: $(head -n 2 $T36/out)" || return
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS '"EXIT STATUS"' '"SEE ALSO"'; do
		grep -q "^\.SH $s\$" $T36/out || fail "no .SH $s" || return
	done
	for v in $T36_VERBS; do
		grep -q "^\.SS \"xdax $v\"\$" $T36/out || fail "no .SS for $v" || return
	done
	# Every line that starts with a dot is a request or macro this page uses.
	bad=$(grep '^\.' $T36/out | grep -Ev '^\.(TH|SH|SS|PP|TP|RS|RE|nf|fi|br|BR|\\") ?' | head -n 3)
	[ -z "$bad" ] || fail "unknown requests: $bad"
}

dmesg_mark
check "cli: without the module, list/stats/info exit 3: the module is not loaded" t36_no_module
check "cli: --help of xdax and of every verb: exit 0, on stdout; help VERB; --version" t36_help
check "cli: usage errors exit 2 with a message (verb, option, argument, SIZE, DURATION)" t36_usage
check "cli: xdax --man is a man page (.TH, sections, a subsection per verb)" t36_man

if ! load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	not_ok "cli: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
else
	ok "cli: load ranges=$((R_SIZE >> 20))M@$R_START"
	# What a person sees (diagnostics, not assertions).
	for a in "list -u" "list --table" "info" "stats"; do
		diag "\$ xdax $a"
		# shellcheck disable=SC2086 # the words of $a are the arguments
		xdax $a 2>&1 | sed 's/^/#   /'
	done

	t36_list() {
		t36 0 list || return
		n=$(ls -d /sys/class/xdax/xdax* | wc -l)
		[ "$(xdax_json -n . <$T36/out)" = "$n" ] || fail "list has $(xdax_json -n . <$T36/out) devices, sysfs $n" || return
		jeq '.[0].chardev' xdax0 || return
		jeq '.[0].path' /dev/xdax0 || return
		jeq '.[0].size' "$(cat $T36_SYS/size)" || return
		jeq '.[0].size' "$R_SIZE" || return
		jeq '.[0].align' "$(cat $T36_SYS/align)" || return
		jeq '.[0].file_size' "$(stat_of file_size)" || return
		jeq '.[0].start' $((R_START)) || return
		jeq '.[0].end' $((R_START + R_SIZE - 1)) || return
		jeq '.[0].mode' xdax || return
		for f in total free in_use awaiting_reclaim poisoned; do
			jeq ".[0].blocks.$f" "$(stat_of $f)" || return
		done
		jeq '.[0].pinned_pages' "$(stat_of pinned_pages)" || return
		jeq '.[0].state' idle || return
		for a in numa_node target_node; do
			if [ -r $T36_SYS/$a ]; then
				jeq ".[0].$a" "$(cat $T36_SYS/$a)" || return
			else
				[ "$(jt ".[0].$a")" = null ] || fail "$a is $(jv ".[0].$a") without $T36_SYS/$a" || return
			fi
		done
		t36 0 list xdax0 || return
		[ "$(xdax_json -n . <$T36/out)" = 1 ] || fail "list xdax0: $(cat $T36/out)" || return
		t36 3 list xdax9 || return
		err_says 'xdax9: no such xdax device'
	}
	check "cli: list: JSON (strictly parsed) matches sysfs: size, align, range, nodes, blocks, state" t36_list

	t36_list_human() {
		t36 0 list -u || return
		[ "$(jt '.[0].size')" = string ] || fail "list -u: size is a $(jt '.[0].size')" || return
		want=$(awk -v s="$R_SIZE" 'BEGIN { printf "%.2f MiB (%.2f MB)", s / 1048576, s / 1000000 }')
		jeq '.[0].size' "$want" || return
		# 2 MiB is below daxctl's 5000 KiB threshold: still a number.
		jeq '.[0].align' 2097152 || return
		jeq '.[0].start' "$(printf '%#x' "$R_START")" || return
		t36 0 list --table || return
		head -n 1 $T36/out | grep -q '^DEVICE  *SIZE ' || fail "no table header: $(cat $T36/out)" || return
		grep -q "^xdax0  *$want  *$want  *2097152  *$(printf '%#x' "$R_START")-" $T36/out ||
			fail "no xdax0 row with $want: $(cat $T36/out)"
	}
	check "cli: list -u sizes as daxctl prints them ('512.00 MiB (536.87 MB)'), list --table" t36_list_human

	t36_info() {
		for d in xdax0 /dev/xdax0 ""; do
			# shellcheck disable=SC2086 # "" is: no DEV (xdax0 by default)
			t36 0 info $d || return
			jeq .chardev xdax0 || return
			jeq .id 0 || return
			jeq .size "$(cat $T36_SYS/size)" || return
			jeq .align "$(cat $T36_SYS/align)" || return
			jeq .file_size "$(stat_of file_size)" || return
			jeq .start $((R_START)) || return
			case $(jv .mapping) in refs | devmap) ;; *) fail "mapping $(jv .mapping)" || return ;; esac
		done
		t36 0 info -u || return
		[ "$(jt .size)" = string ] || fail "info -u: size is a $(jt .size)"
	}
	check "cli: info (xdax0, /dev/xdax0, default): JSON matches sysfs and the range" t36_info

	t36_stats() {
		t36 0 stats || return
		for f in $T36_SYS/stats/*; do
			jeq ".${f##*/}" "$(stat_of "${f##*/}")" || return
		done
		[ "$(xdax_json -n . <$T36/out)" = $(($(ls $T36_SYS/stats | wc -l) + 1)) ] ||
			fail "stats has $(xdax_json -n . <$T36/out) keys, sysfs $(ls $T36_SYS/stats | wc -l) + chardev"
	}
	check "cli: stats: every field equals sysfs stats/<field>" t36_stats

	t36_alloc_query_punch() {
		t36_reset
		used=$(stat_of in_use)
		t36 0 allocate xdax0 0 4M || return
		jeq .allocated 2 || return
		[ "$(stat_of in_use)" = $((used + 2)) ] || fail "in_use $(stat_of in_use) after allocate, was $used" || return
		t36 0 query 0 || return
		jeq .state in_use || return
		jeq .offset 0 || return
		[ "$(jt .block)" = number ] || fail "in-use block: $(cat $T36/out)" || return
		[ "$(jv .refcount)" -ge 1 ] || fail "refcount $(jv .refcount) of an in-use block" || return
		jeq .poisoned false || return
		b=$(jv .block)
		t36 0 query --block "$b" || return
		jeq .state in_use || return
		jeq .offset null || return
		t36 0 allocate 0 4M || return
		jeq .allocated 0 || return
		t36 0 punch xdax0 0 4M || return
		jeq .freed 2 || return
		jeq .pending 0 || return
		[ "$(stat_of in_use)" = "$used" ] || fail "in_use $(stat_of in_use) after punch, expected $used" || return
		t36 0 query 0x200000 || return
		jeq .state hole || return
		jeq .block null || return
		jeq .refcount null || return
		t36 0 query --block "$b" || return
		jeq .state free || return
		jeq .refcount 0
	}
	check "cli: allocate adds blocks, query shows them in use, punch frees them (stats, query)" t36_alloc_query_punch

	t36_truncate() {
		t36_reset
		t36 0 allocate 300M 4M || return
		jeq .allocated 2 || return
		t36 0 truncate xdax0 256M || return
		jeq .file_size 268435456 || return
		jeq .freed 2 || return
		jeq .pending 0 || return
		[ "$(stat_of file_size)" = 268435456 ] || fail "stats/file_size $(stat_of file_size)" || return
		t36 0 stats -u || return
		jeq .file_size "256.00 MiB (268.44 MB)" || return
		t36 0 truncate "$R_SIZE" || return
		jeq .file_size "$R_SIZE" || return
		[ "$(stat_of file_size)" = "$R_SIZE" ] || fail "stats/file_size $(stat_of file_size) after growing"
	}
	check "cli: truncate shrinks (freeing the blocks past SIZE) and grows the file" t36_truncate

	t36_errnos() {
		t36 1 truncate 3M || return
		err_says 'multiple of the block size \(2\.00 MiB|multiple of the block size \(2097152' || return
		t36 1 truncate 1T || return
		err_says "past the device's capacity" || return
		t36 1 punch 0 0 || return
		err_says 'LENGTH not 0' || return
		t36 1 punch 1M 2M || return
		err_says 'multiples of the block size' || return
		t36 1 punch 0xffffffffffe00000 4M || return
		err_says 'wraps around|capacity' || return
		t36 1 query --block 999999 || return
		err_says 'BLOCK must be below' || return
		t36 1 query 1T || return
		err_says "capacity" || return
		t36 1 pin xdax0 0 2G || return
		err_says 'at most 1 GiB|capacity' || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after failed pins"
	}
	check "cli: kernel refusals (EINVAL, EFBIG, EOVERFLOW) exit 1 with the verb's own words" t36_errnos

	t36_not_xdax() {
		t36 3 info /dev/null || return
		err_says '/dev/null is not an xdax device' || return
		t36 3 truncate /dev/zero 0 || return
		err_says '/dev/zero is not an xdax device' || return
		echo data >$T36/regular
		t36 3 stats $T36/regular || return
		err_says "$T36/regular is not an xdax device" || return
		t36 3 query /proc/self/status 0 || return
		err_says 'is not an xdax device' || return
		t36 3 info xdax7 || return
		err_says '/dev/xdax7: no such xdax device \(the devices are: xdax0\)' || return
		t36 3 stats /nonexistent/xdax0 || return
		err_says 'no such file'
	}
	check "cli: a file that is not an xdax device exits 3: '/dev/null is not an xdax device'" t36_not_xdax

	t36_pin_unpin() {
		t36_reset
		t36_pin p1 xdax0 0 2M || return
		h=$BG
		jeq .chardev xdax0 $T36/p1.out || return
		jeq .offset 0 $T36/p1.out || return
		jeq .length 2097152 $T36/p1.out || return
		jeq .readonly false $T36/p1.out || return
		t36 0 list || return
		jeq '.[0].pinned_pages' 512 || return
		t36 0 unpin xdax0 || return
		jeq '.released[0]' "$h" || return
		t36_reap "$h" 0 || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after unpin" || return
		grep -q 'released pin .*asked by xdax unpin' $T36/p1.err || fail "holder said: $(cat $T36/p1.err)" || return
		t36 1 unpin || return
		err_says 'no xdax pin holds it'
	}
	check "cli: pin holds a pin (stats pinned_pages 512) until xdax unpin releases it" t36_pin_unpin

	t36_pin_signal() {
		t36_reset
		t36_pin p2 || return
		kill -TERM "$BG"
		t36_reap "$BG" 0 || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after SIGTERM" || return
		grep -q 'released pin .*SIGTERM' $T36/p2.err || fail "holder said: $(cat $T36/p2.err)" || return
		rm -f $T36/fifo
		mkfifo $T36/fifo || return
		t36_bg p3 sh -c "exec xdax pin --stdin xdax0 2M 2M <$T36/fifo"
		exec 3>$T36/fifo
		t36_wait_out p3 "$BG" || return
		[ "$(stat_of pinned_pages)" = 512 ] || fail "pinned_pages $(stat_of pinned_pages) with --stdin" || return
		echo unpin >&3
		exec 3>&-
		t36_reap "$BG" 0 || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after the stdin line" || return
		grep -q 'released pin .*a line on stdin' $T36/p3.err || fail "holder said: $(cat $T36/p3.err)"
	}
	check "cli: a pin holder releases on SIGTERM, and with --stdin on a line of input" t36_pin_signal

	t36_nowait_reclaim() {
		t36_reset
		t36 0 wait-reclaim --all --timeout=5 || return
		jeq .awaiting_reclaim 0 || return
		t36_pin p4 || return
		h=$BG
		t36 0 truncate --nowait 0 || return
		jeq .file_size 0 || return
		jeq .pending 1 || return
		[ "$(stat_of awaiting_reclaim)" = 1 ] || fail "awaiting_reclaim $(stat_of awaiting_reclaim)" || return
		t36 0 list || return
		jeq '.[0].state' reclaiming || return
		t36_bg w1 xdax wait-reclaim xdax0 --timeout=120
		w=$BG
		t36_wait_open "$w" || return
		# Still waiting: the pin holds the block.
		kill -0 "$w" 2>/dev/null || fail "wait-reclaim returned while the pin was held: $(cat $T36/w1.out $T36/w1.err)" || return
		t36 0 unpin || return
		t36_reap "$h" 0 || return
		t36_reap "$w" 0 || return
		jeq .type reclaim $T36/w1.out || return
		[ "$(jv .reclaimed $T36/w1.out)" -ge 1 ] || fail "event: $(cat $T36/w1.out)" || return
		jeq .awaiting_reclaim 0 $T36/w1.out || return
		[ "$(stat_of awaiting_reclaim)" = 0 ] || fail "awaiting_reclaim $(stat_of awaiting_reclaim) after the event" || return
		t36 0 truncate "$R_SIZE" || return
		t36 1 wait-reclaim --timeout=1 || return
		err_says 'timed out: no reclaim event'
	}
	check "cli: truncate --nowait leaves the pinned block pending; wait-reclaim returns the event once unpin frees it" t36_nowait_reclaim

	t36_timeout() {
		t36_reset
		t36_pin p5 || return
		h=$BG
		t36 1 truncate --timeout=1s 0 || return
		err_says 'timed out waiting for blocks still referenced' || return
		err_says 'now: file_size 0, 1 block\(s\) awaiting reclaim' || return
		[ "$(stat_of file_size)" = 0 ] || fail "file_size $(stat_of file_size) after the timeout" || return
		t36_bg w2 xdax wait-reclaim --all --timeout=120
		w=$BG
		t36_wait_open "$w" || return
		t36 0 unpin || return
		t36_reap "$h" 0 || return
		t36_reap "$w" 0 || return
		jeq .awaiting_reclaim 0 $T36/w2.out || return
		t36 0 truncate "$R_SIZE"
	}
	check "cli: truncate --timeout on a pinned block: exit 1, says the size is changed; wait-reclaim --all" t36_timeout

	t36_audit() {
		t36 0 audit || return
		jeq .checked "$(stat_of total)" || return
		jeq .mismatches 0
	}
	check "cli: audit walks every block, no mismatch" t36_audit

	t36_check_range() {
		t36 0 check-range -v "$((R_SIZE >> 20))M@$R_START" || return
		if [ -n "$T36_HOLE" ]; then
			t36 1 check-range "$T36_HOLE" || return
			err_says 'not System RAM in the firmware memory map' || return
		fi
		t36 2 check-range 3Q@0 || return
		err_says 'cannot parse'
	}
	check "cli: check-range (xdax-check-range) accepts the reserved range, refuses the hole ($T36_HOLE)" t36_check_range

	# A member of group xdax (uid 1000, groups 1000 and xdax=990), and uid 1001 outside it.
	U1000="xdax_runas -l $((8 << 20)) 1000 1000,990"
	U1001="xdax_runas 1001 1001"
	t36_user() {
		t36_reset
		chgrp 990 /dev/xdax0 && chmod 0660 /dev/xdax0 || return
		# shellcheck disable=SC2086
		$U1000 xdax list >$T36/out 2>$T36/err || fail "list as uid 1000: $(cat $T36/err)" || return
		jeq '.[0].size' "$R_SIZE" || return
		[ "$(jt '.[0].start')" = null ] || fail "start is $(jv '.[0].start') for a user (resource is root-only)" || return
		# shellcheck disable=SC2086
		$U1000 xdax stats >$T36/out 2>$T36/err || fail "stats as uid 1000: $(cat $T36/err)" || return
		jeq .total "$(stat_of total)" || return
		# shellcheck disable=SC2086
		$U1000 xdax info >$T36/out 2>$T36/err || fail "info as uid 1000: $(cat $T36/err)" || return
		jeq .start null || return
		# shellcheck disable=SC2086
		t36_bg p6 $U1000 xdax pin xdax0 0 2M
		h=$BG
		t36_wait_out p6 "$h" || return
		[ "$(stat_of pinned_pages)" = 512 ] || fail "pinned_pages $(stat_of pinned_pages) for uid 1000" || return
		# shellcheck disable=SC2086
		$U1000 xdax unpin >$T36/out 2>$T36/err || fail "unpin as uid 1000: $(cat $T36/err)" || return
		t36_reap "$h" 0 || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after the user's unpin" || return
		# shellcheck disable=SC2086
		$U1001 xdax info >$T36/out 2>$T36/err
		rc=$?
		[ $rc = 1 ] || fail "info as uid 1001: exit $rc, expected 1" || return
		err_says 'permission denied \(mode 0660, owner root:xdax\)' || return
		# Read-only: group read only.  Read-only verbs work, writers are refused at open.
		chmod 0640 /dev/xdax0 || return
		for v in info stats "query 0" "wait-reclaim --all --timeout=5"; do
			# shellcheck disable=SC2086
			$U1000 xdax $v >$T36/out 2>$T36/err || fail "xdax $v on a 0640 node as uid 1000: $(cat $T36/err)" || return
			xdax_json . <$T36/out >/dev/null || fail "xdax $v: not JSON: $(cat $T36/out)" || return
		done
		# shellcheck disable=SC2086
		$U1000 xdax truncate 0 >$T36/out 2>$T36/err
		rc=$?
		[ $rc = 1 ] || fail "truncate on a 0640 node as uid 1000: exit $rc" || return
		err_says 'permission denied' || return
		[ "$(stat_of file_size)" = "$R_SIZE" ] || fail "file_size $(stat_of file_size) after a refused truncate" || return
		# shellcheck disable=SC2086
		t36_bg p7 $U1000 xdax pin -r xdax0 0 2M
		h=$BG
		t36_wait_out p7 "$h" || return
		jeq .readonly true $T36/p7.out || return
		[ "$(stat_of pinned_pages)" = 512 ] || fail "pinned_pages $(stat_of pinned_pages) for a read-only pin" || return
		# shellcheck disable=SC2086
		$U1000 xdax unpin --pid="$h" >$T36/out 2>$T36/err || fail "unpin --pid as uid 1000: $(cat $T36/err)" || return
		t36_reap "$h" 0 || return
		[ "$(stat_of pinned_pages)" = 0 ] || fail "pinned_pages $(stat_of pinned_pages) after unpin --pid"
	}
	check "cli: group xdax (uid 1000) lists, stats, pins and unpins on a 0660 node; read-only verbs and pin -r on 0640; uid 1001 refused" t36_user
	chown 0:0 /dev/xdax0
	chmod 0600 /dev/xdax0

	# Nothing of ours may outlive the file (a holder would keep rmmod refused).
	for p in $(cat $T36/pids 2>/dev/null); do kill "$p" 2>/dev/null; done
	sleep 1
	check "cli: audit clean and blocks conserved" xdax_audit_ok
	# rmmod within 5 s (the reaper may hold the module briefly after a reclaim).
	t36_rmmod() {
		i=0
		while [ $i -lt 25 ]; do
			rmmod xdax 2>/dev/null && return 0
			sleep 0.2
			i=$((i + 1))
		done
		fail "rmmod still refused 5 s later: $(rmmod xdax 2>&1)"
	}
	check "cli: rmmod" t36_rmmod
	t36_gone() {
		t36 3 info || return
		err_says 'module is not loaded'
	}
	check "cli: after rmmod, info exits 3: the module is not loaded" t36_gone
fi
unload
check "cli: nothing of xdax left" xdax_gone
check "cli: no kernel splat" dmesg_clean_since_mark
