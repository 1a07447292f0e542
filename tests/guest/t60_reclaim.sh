# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Map, start DMA, truncate, end DMA: how the allocator learns, later, that the block is
# free.  Each xdax_reclaim subtest is one test point (exit 77: skipped, with the reason it
# printed); then rmmod must be refused while a closed device's page sits in a pipe or a
# block awaits reclaim, and succeed once the reference is gone.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
R60_DIR=/tmp/t60
R60_CTL=$R60_DIR/ctl
R60_READY=$R60_DIR/ready
R60_OUT=$R60_DIR/hold.out

# r60_point TEST DESCRIPTION: one xdax_reclaim subtest as a TAP point (its latency lines are
# reported either way).
r60_point() { case_point xdax_reclaim /dev/xdax0 "$1" "reclaim $1: $2"; }

r60_rmmod_refused() {
	out=$(rmmod xdax 2>&1) && fail "rmmod succeeded: $1"
	echo "$out" | grep -Eq "in use|Resource temporarily unavailable" || fail "rmmod said: $out"
	xdax_loaded || fail "module gone"
}

# r60_rmmod_soon: rmmod succeeds within 5 s and leaves nothing behind.
r60_rmmod_soon() {
	i=0
	while [ $i -lt 25 ]; do
		if rmmod xdax 2>/dev/null; then
			xdax_gone
			return
		fi
		sleep 0.2
		i=$((i + 1))
	done
	fail "rmmod still refused 5 s later: $(rmmod xdax 2>&1)"
}

# r60_hold_start MODE: an xdax_reclaim holder with a vmspliced page in its pipe and the
# device closed; returns once it is ready (or has died).  R60_PID is the holder.
r60_hold_start() {
	rm -rf $R60_DIR
	mkdir -p $R60_DIR
	mkfifo $R60_CTL
	exec 4<>$R60_CTL
	xdax_reclaim /dev/xdax0 hold-pipe "$1" $R60_READY <$R60_CTL >$R60_OUT 2>&1 4>&- &
	R60_PID=$!
	i=0
	while [ ! -e $R60_READY ] && [ $i -lt 200 ] && kill -0 $R60_PID 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e $R60_READY ]
}

# r60_hold_release: the holder drains its pipe and checks the data; its exit status.
r60_hold_release() {
	echo go >&4
	exec 4>&-
	wait "$R60_PID"
}

# r60_rmmod_case MODE WHAT
r60_rmmod_case() {
	if r60_hold_start "$1"; then
		ok "rmmod ($1): holder ready: $2"
		check "rmmod ($1): refused while $2" r60_rmmod_refused "$2"
		if r60_hold_release; then
			ok "rmmod ($1): the holder drained the pipe and read the pattern"
		else
			not_ok "rmmod ($1): the holder drained the pipe and read the pattern" \
				"$(tail -n 15 $R60_OUT)"
		fi
		check "rmmod ($1): succeeds within 5 s once the pipe is drained" r60_rmmod_soon
	else
		r60_hold_release >/dev/null 2>&1
		not_ok "rmmod ($1): holder ready: $2" "$(tail -n 15 $R60_OUT)"
	fi
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "reclaim: load ranges=$((R_SIZE >> 20))M@$R_START"
	r60_point pin "blocking truncate returns only after XDAX_IOC_UNPIN"
	r60_point pin-nowait "NOWAIT truncate, unpin, reaper frees the block, one reclaim event"
	r60_point uring "blocking truncate waits for IORING_UNREGISTER_BUFFERS"
	r60_point uring-nowait "NOWAIT truncate with an io_uring registered buffer, reclaim event"
	r60_point odirect-write "blocking truncate waits for an O_DIRECT write in flight; data intact"
	r60_point odirect-write-nowait "NOWAIT truncate during an O_DIRECT write; reclaim event; data intact"
	r60_point odirect-read "blocking truncate waits for an O_DIRECT read into the mapping"
	r60_point odirect-read-nowait "NOWAIT truncate during an O_DIRECT read into the mapping"
	r60_point vmsplice "a vmspliced page survives a NOWAIT truncate; draining the pipe frees it"
	r60_point signal "a signal interrupts the wait (EINTR despite SA_RESTART); the call repeats"
	r60_point timeout "XDAX_WAIT_TIMEOUT gives ETIMEDOUT; the reaper frees the block later"
	r60_point killed "SIGKILL of a pinning process releases its pins"
	r60_point close "close with pins outstanding releases them"
	r60_point memlock "pins count against RLIMIT_MEMLOCK in whole 2 MiB blocks without CAP_IPC_LOCK"
	r60_point badargs "malformed PIN/UNPIN/SET_SIZE/PUNCH/ALLOCATE: errno, no side effect"

	# A foreign reference on a closed device: the page is still in the file, in a pipe.
	r60_rmmod_case in-file "a vmspliced page sits in a pipe after munmap and close"
	if xdax_loaded || load ranges=$((R_SIZE >> 20))M@"$R_START"; then
		# The block was truncated away NOWAIT and only the pipe references it.
		r60_rmmod_case awaiting "a block awaits reclaim, referenced only by a pipe"
	else
		not_ok "reclaim: reload ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT"
	fi
	unload
	rm -rf $R60_DIR
else
	not_ok "reclaim: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi
check "reclaim: no kernel splat" dmesg_clean_since_mark
check "reclaim: unload leaves nothing" xdax_gone
