# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# xdax's tracepoints through tracefs (xdax_obs trace): the events/xdax system lists every
# event, and the seeds' scenario (map, write fault, pin, NOWAIT truncate, unpin, reclaim
# event, refault) traces exactly the expected sequence with its fields.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R82_EVENTS="xdax_alloc xdax_zero xdax_insert xdax_zap xdax_detach xdax_wait_begin xdax_wait_end
xdax_page_free xdax_reaper_free xdax_event xdax_pin xdax_unpin xdax_poison xdax_anomaly"

# r82_events: tracefs lists exactly xdax's events under events/xdax.
r82_events() {
	d=/sys/kernel/tracing
	[ -d $d/events ] || mount -t tracefs nodev $d || fail "mount -t tracefs $d" || return
	[ -d $d/events/xdax ] || fail "no $d/events/xdax" || return
	have=$(cd $d/events/xdax && for e in *; do [ -d "$e" ] && echo "$e"; done | sort | tr '\n' ' ')
	want=$(echo "$R82_EVENTS" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
	[ "$have" = "$want" ] || fail "events/xdax has [$have], expected [$want]"
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "trace: load ranges=$((R_SIZE >> 20))M@$R_START"
	check "trace: tracefs events/xdax lists every xdax event" r82_events
	case_point xdax_obs /dev/xdax0 trace \
		"trace: map, write fault, pin, NOWAIT truncate, unpin, reaper, reclaim event, refault: the exact event sequence and fields"
	check "trace: audit clean and blocks conserved" xdax_audit_ok
	check "trace: rmmod" unload
else
	not_ok "trace: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
fi
check "trace: unload leaves nothing" xdax_gone
check "trace: no kernel splat" dmesg_clean_since_mark
