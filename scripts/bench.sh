#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench [KERNELS="6.12 7.2"] [XDAX_BENCH_REPS=5]: boot each kernel with xdax, a device-dax
# (align 2M and 4K) and an ext4-dax on legacy pmem, and anonymous memory, all in one boot
# (scripts/check.sh's bench-KERNEL target, tests/guest/bench.sh), and print one table per
# kernel: metric, xdax, each peer, and the ratio xdax/peer, each figure the median with
# [min-max] over the repetitions.  Written to build/bench/<kernel>.txt (Markdown) and
# build/bench/<kernel>.svg (the ratios, a plot).  The run fails only if a correctness check of
# the bench failed (data, zeroes, block accounting) or the guest did; never on a time.
#
#   scripts/bench.sh [KERNEL...]          run and tabulate (default: $KERNELS or 6.12 7.2)
#   scripts/bench.sh table RESULTS.TAP    just the table of one run's results, to stdout
#   scripts/bench.sh svg RESULTS.TAP OUT.svg
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# The metrics in table order: id, unit, what, and for the paired rows (unit x: xdax's figure
# is itself a ratio, xdax / that peer, per pair) the peer whose ratio column shows it.
METRICS='load	ms/GiB	module load (xdax) / ndctl create-namespace (device-dax), per GiB
first_touch_pmd	us/2M	first touch of fresh memory, PMD: alloc + zero + map, per 2 MiB
first_touch_pmd_warm	us/2M	... with the pre-zeroed pool warm (median of the blocks it covers)
first_touch_pmd_beyond_pool	us/2M	... sustained beyond the pool (median of the rest)
first_touch_pte	us/2M	first touch of fresh memory, 4 KiB PTEs, per 2 MiB (512 faults)
first_touch_pte_warm	us/2M	... pool warm
first_touch_pte_beyond_pool	us/2M	... beyond the pool
owned_fault_pmd	us/2M	fault on an owned block (read after remap), PMD
owned_fault_pte	us/2M	fault on an owned block, PTEs, per 2 MiB
populate_pmd	us/2M	mmap(MAP_POPULATE) of owned memory, PMD-mappable, per 2 MiB
populate_pte	us/2M	mmap(MAP_POPULATE) of owned memory, PTE-only, per 2 MiB
paired_owned_fault_pmd	x	xdax / device-dax align 2M: owned PMD faults, the two timed alternately in one process, ratio per pair	devdax-2M
paired_owned_fault_pte	x	xdax / device-dax align 4K: owned 4 KiB reads, timed alternately (xdax: one fault per 2 MiB, block-around; device-dax: 512), ratio per pair	devdax-4K
paired_populate_pte	x	xdax / device-dax align 4K: MAP_POPULATE of a PTE-only view, timed alternately, ratio per pair	devdax-4K
bw_write	MB/s	sequential write (memset) through a populated map
bw_read	MB/s	sequential read through a populated map
bw_write_nt	MB/s	sequential non-temporal write (movntdq)
fio_randread_1j	IOPS	fio ioengine=mmap 4k randread, 1 job, verify=crc32c
fio_randread_2j	IOPS	... 2 jobs
fio_randwrite_1j	IOPS	fio ioengine=mmap 4k randwrite, 1 job, verify=crc32c
fio_randwrite_2j	IOPS	... 2 jobs (verify=pattern)
truncate_pmd	ms	truncate to 0, PMD-mapped (ext4-dax: ftruncate)
truncate_pte	ms	truncate to 0, PTE-mapped
truncate_unmapped	ms	truncate to 0, not mapped
punch_pmd	ms	punch, PMD-mapped (ext4-dax: fallocate PUNCH_HOLE)
punch_pte	ms	punch, PTE-mapped
punch_unmapped	ms	punch, not mapped
wake_pipe_p50	us	no xdax: a pipe written by another thread -> a reader asleep in poll() (a cross-CPU wake-up in the guest), p50
wake_pipe_p99	us	... p99
wake_timer_p50	us	no xdax: a timerfd expires -> its reader asleep in poll() wakes (a timer wake-up), p50
wake_timer_p99	us	... p99
reclaim_unpin_nowait_p50	us	own UNPIN, then poll() -> reclaim event after a NOWAIT truncate, p50
reclaim_unpin_nowait_p99	us	... p99
reclaim_unpin_asleep_p50	us	own UNPIN from another thread -> reclaim event to a waiter asleep in poll(), p50
reclaim_unpin_asleep_p99	us	... p99
reclaim_unpin_blocking_p50	us	own UNPIN -> blocking truncate returns, p50
reclaim_unpin_blocking_p99	us	... p99
reclaim_vmsplice_nowait_p50	us	vmspliced pipe closed, then poll() -> reclaim event, p50
reclaim_vmsplice_nowait_p99	us	... p99
reclaim_vmsplice_asleep_p50	us	vmspliced pipe closed by another thread -> reclaim event to a waiter asleep in poll(), p50
reclaim_vmsplice_asleep_p99	us	... p99
reclaim_vmsplice_blocking_p50	us	vmspliced pipe closed -> truncate returns (ext4-dax: ftruncate), p50
reclaim_vmsplice_blocking_p99	us	... p99
reclaim_odirect_nowait_p50	us	O_DIRECT write completed, then poll() -> reclaim event, p50
reclaim_odirect_nowait_p99	us	... p99
reclaim_odirect_asleep_p50	us	O_DIRECT write completes -> reclaim event to a waiter asleep in poll(), p50
reclaim_odirect_asleep_p99	us	... p99
reclaim_odirect_blocking_p50	us	O_DIRECT write completes -> truncate returns, p50
reclaim_odirect_blocking_p99	us	... p99
reclaim_uring_nowait_p50	us	io_uring buffers unregistered, then poll() -> reclaim event, p50
reclaim_uring_nowait_p99	us	... p99
reclaim_uring_asleep_p50	us	io_uring buffers unregistered by another thread -> reclaim event to a waiter asleep in poll(), p50
reclaim_uring_asleep_p99	us	... p99
reclaim_uring_blocking_p50	us	io_uring buffers unregistered -> truncate returns, p50
reclaim_uring_blocking_p99	us	... p99
cpu_idle	%	system CPU busy, nothing waiting (3 s)
cpu_one_block_waiting	%	system CPU busy while one block awaits reclaim (3 s)
reaper_time_one_block_waiting	%	time inside the reaper polls and rounds while one block awaits reclaim (perf/reaper_ns)
reaper_rounds_per_s	/s	reaper polls and rounds per second meanwhile (perf/reaper_rounds)
kworker_cpu_idle	%	CPU time of the kworker threads, nothing waiting (/proc/PID/schedstat, 3 s, % of one CPU)
kworker_cpu_one_block_waiting	%	... while one block awaits reclaim (3 s)
reaper_cpu_one_block_waiting	%	reaper CPU while one block waits: the kworker difference plus the polls (perf/reaper_ns), % of one CPU
cpu_one_block_waiting_waiter	%	system CPU busy while one block waits and a thread sleeps in poll() for its event (3 s)
reaper_time_one_block_waiting_waiter	%	... time inside the reaper polls and rounds
reaper_rounds_per_s_waiter	/s	... reaper polls and rounds per second
kworker_cpu_one_block_waiting_waiter	%	... CPU time of the kworker threads
reaper_cpu_one_block_waiting_waiter	%	... reaper CPU (kworker difference plus the polls), % of one CPU'
TARGETS="xdax devdax-2M devdax-4K ext4-dax anon"

# table RESULTS.TAP: the Markdown table of one run.
table() {
	awk -v metrics="$METRICS" -v targets="$TARGETS" -F'\t' '
	BEGIN {
		nm = split(metrics, ml, "\n")
		for (i = 1; i <= nm; i++) { split(ml[i], f, "\t"); id[i] = f[1]; unit[i] = f[2]; what[i] = f[3]; vs[i] = f[4] }
		nt = split(targets, tg, " ")
		FS = " "
	}
	{ sub(/\r$/, "") }	# the serial port ends lines with CR LF
	/^# @bench / {
		t = $3; m = $5; v = $6
		if (v == "n/a") { na[t, m] = 1; next }
		n[t, m]++; val[t, m, n[t, m]] = v + 0
	}
	/^# xdax-bench: kernel / { kern = $0; sub(/^# xdax-bench: kernel /, "", kern) }
	function sortv(t, m,    i, j, x, k) {
		k = n[t, m]
		for (i = 1; i <= k; i++) s[i] = val[t, m, i]
		for (i = 2; i <= k; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
		return k
	}
	function med(t, m,    k) { k = sortv(t, m); return k % 2 ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2 }
	function num(x) { return x >= 100 || x <= -100 ? sprintf("%.0f", x) : x >= 10 || x <= -10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
	function cell(t, m,    k, md) {
		if (!n[t, m]) return na[t, m] ? "n/a" : ""
		md = med(t, m); k = n[t, m]
		return k > 1 ? num(md) " [" num(s[1]) "–" num(s[k]) "]" : num(md)
	}
	END {
		printf "Kernel %s. Each figure: median [min–max] over the repetitions; ratio = xdax / peer (medians).\n\n", kern
		printf "| metric | unit | xdax"
		for (j = 2; j <= nt; j++) printf " | %s | ratio", tg[j]
		printf " |\n|---|---|---"
		for (j = 2; j <= nt; j++) printf "|---|---"
		printf "|\n"
		for (i = 1; i <= nm; i++) {
			m = id[i]; any = 0
			for (j = 1; j <= nt; j++) if (n[tg[j], m] || na[tg[j], m]) any = 1
			if (!any) continue
			printf "| %s | %s | %s", what[i], unit[i], cell("xdax", m)
			x = n["xdax", m] ? med("xdax", m) : ""
			for (j = 2; j <= nt; j++) {
				c = cell(tg[j], m); r = ""
				if (x != "" && n[tg[j], m]) { p = med(tg[j], m); r = p != 0 ? sprintf(x / p < 0.1 ? "%.3f" : "%.2f", x / p) : "" }
				if (x != "" && vs[i] == tg[j]) r = sprintf(x < 0.1 ? "%.3f" : "%.2f", x)
				printf " | %s | %s", c, r
			}
			printf " |\n"
		}
	}' "$1"
}

# svg RESULTS.TAP OUT: a plot of the ratios xdax/peer per metric (log scale, 1 = parity).
svg() {
	table "$1" | awk -v targets="$TARGETS" -F' [|] ' '
	BEGIN { nt = split(targets, tg, " "); col[2] = "#1f77b4"; col[3] = "#ff7f0e"; col[4] = "#2ca02c"; col[5] = "#9467bd" }
	NR == 1 { title = $0 }
	/^[|] / && !/^[|] metric/ {
		r++; name[r] = $1; sub(/^[|] /, "", name[r]); u[r] = $2
		for (j = 2; j <= nt; j++) { v = $(4 + 2 * (j - 2) + 1); gsub(/[ |]/, "", v); ratio[r, j] = v }
	}
	END {
		W = 1100; lh = 22; top = 70; L = 470; R = W - 30; H = top + r * lh + 50
		lo = -3; hi = 3	# log10 of the ratio, clipped
		printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
		printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		gsub(/&/, "\\&amp;", title)
		printf "<text x=\"10\" y=\"20\" font-size=\"14\">xdax / peer (log scale; &lt;1: xdax smaller; for MB/s and IOPS bigger is better)</text>\n"
		printf "<text x=\"10\" y=\"38\" font-size=\"11\">%s</text>\n", substr(title, 1, 160)
		for (j = 2; j <= nt; j++) printf "<rect x=\"%d\" y=\"46\" width=\"12\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"56\">%s</text>\n", L + (j - 2) * 140, col[j], L + (j - 2) * 140 + 16, tg[j]
		for (e = lo; e <= hi; e++) {
			x = L + (e - lo) / (hi - lo) * (R - L)
			printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n", x, top - 4, x, top + r * lh, e == 0 ? "black" : "#ddd"
			printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, top + r * lh + 16, e < 0 ? "1/" 10 ^ -e : 10 ^ e
		}
		x0 = L + (0 - lo) / (hi - lo) * (R - L)
		for (i = 1; i <= r; i++) {
			y = top + (i - 1) * lh
			t = name[i]; gsub(/&/, "\\&amp;", t); gsub(/</, "\\&lt;", t); gsub(/>/, "\\&gt;", t)
			printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", L - 8, y + 14, substr(t, 1, 70)
			for (j = 2; j <= nt; j++) {
				if (ratio[i, j] == "" || ratio[i, j] <= 0) continue
				l = log(ratio[i, j]) / log(10); if (l < lo) l = lo; if (l > hi) l = hi
				x = L + (l - lo) / (hi - lo) * (R - L)
				bh = (lh - 4) / (nt - 1)
				printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>\n", x < x0 ? x : x0, y + 2 + (j - 2) * bh, x < x0 ? x0 - x : x - x0, bh, col[j], tg[j], ratio[i, j]
			}
		}
		printf "</svg>\n"
	}' >"$2"
}

case ${1:-} in
table) table "$2"; exit 0 ;;
svg) svg "$2" "$3"; exit 0 ;;
esac

kernels=("$@")
((${#kernels[@]})) || read -ra kernels <<<"${KERNELS:-6.12 7.2}"
out=$top/build/bench
mkdir -p "$out"
targets=()
for k in "${kernels[@]}"; do targets+=("bench-$k"); done
rc=0
# The tree the guests ran (the initramfs is built from it), not whatever HEAD is at the end.
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo no-git)
XDAX_RESULTS=$out/run "$top/scripts/check.sh" "${targets[@]}" || rc=$?
for k in "${kernels[@]}"; do
	tap=$out/run/bench-$k/results.tap
	if [[ ! -s $tap ]]; then
		echo "bench: no results for $k" >&2
		rc=1
		continue
	fi
	{
		echo "# make bench: $k ($(cat "$out/run/bench-$k/version" 2>/dev/null)), $(date -u '+%Y-%m-%d %H:%M UTC'), xdax $rev"
		echo
		table "$tap"
		if grep -aq '^not ok' "$tap"; then
			echo
			echo "Correctness failures (these figures are not to be trusted):"
			grep -a '^not ok' "$tap"
		fi
	} >"$out/$k.txt"
	svg "$tap" "$out/$k.svg"
	cat "$out/$k.txt"
	echo
	echo "(also $out/$k.txt, plot: $out/$k.svg)"
done
exit $rc
