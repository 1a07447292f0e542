# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# 1 GiB blocks: a range loaded as SIZE@START:1G (the guest reserves memmap=2G$4G for it,
# xdaxtest.huge_start/huge_size) is handed out in 1 GiB blocks and mapped with PUD faults
# (xdax_huge: PUD proof, PMD-able and PTE views, pins across punch and truncate, a race of
# two processes' views against punch and truncate); bad :ALIGN parameters are refused.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
H_START=$(cmdline huge_start)
H_SIZE=$(cmdline huge_size)
M=$((1 << 20))
G=$((1 << 30))

# Which kernels map 2 MiB of a PUD-order folio with a PMD: the devmap ones (6.x).  On the
# refcounted ones vmf_insert_folio_pmd() takes PMD-order folios only: PTEs there.
case $(cmdline kernel) in
6.*) export XT_HUGE_PMD=1 ;;
*) export XT_HUGE_PMD=0 ;;
esac

# t57_refused NAME LOG-REGEX RANGES: one finit_module(2) of the module (no install hook, no
# init_module retry) is refused with EINVAL and exactly one xdax log line matching.
T57_KO=/tmp/xdax-t57.ko
case $(modinfo -n xdax) in
*.xz) xzcat "$(modinfo -n xdax)" >$T57_KO ;;
*) cp "$(modinfo -n xdax)" $T57_KO ;;
esac
t57_refused() {
	dmesg_mark
	if out=$(xdax_finit $T57_KO "ranges=$3" 2>&1); then
		unload
		not_ok "huge: refused: $1" "loading xdax ranges=$3 succeeded"
		return
	fi
	why=
	echo "$out" | grep -q "Invalid argument" || why="the load said '$out', expected EINVAL"
	dmesg_since | grep -Eq "xdax: $2" || why="$why; no kernel log line matching 'xdax: $2' in: $(dmesg_since | tail -n 3)"
	[ "$(dmesg_since | grep 'xdax' | grep -Evc 'taints kernel|verification failed')" -eq 1 ] ||
		why="$why; not exactly one xdax log line: $(dmesg_since)"
	if [ -z "$why" ]; then
		ok "huge: refused: $1 (EINVAL)"
	else
		not_ok "huge: refused: $1" "$why"
	fi
}

if [ -z "$H_START" ] || [ -z "$H_SIZE" ]; then
	skip "huge: 1 GiB blocks" "this boot reserves no range for them (no xdaxtest.huge_start)"
	return 0 2>/dev/null || exit 0
fi
HS=$(($(echo "$H_SIZE" | sed 's/G$//') * G))
H="$((HS / M))M@$H_START"

t57_refused "a 1 GiB range of 1.5 GiB" "ranges=.*: range 0: .*multiples of 2 MiB \(of 1 GiB with :1G\)" \
	"1536M@$H_START:1G"
t57_refused "a 1 GiB range starting 2 MiB past a 1 GiB boundary" "ranges=.*: range 0: .*of 1 GiB with :1G" \
	"1G@$((H_START + 2 * M)):1G"
t57_refused "align 4M" "ranges=.*: range 0: align must be 2M \(the default\) or 1G" "$H:4M"

dmesg_mark
RANGES=$((R_SIZE / M))M@$R_START,$H:1G
if load ranges="$RANGES"; then
	ok "huge: load ranges=$RANGES"
	check "huge: /dev/xdax0 keeps 2 MiB blocks" xdax_dev_ok 0 "$R_START" "$R_SIZE"
	sys=/sys/class/xdax/xdax1
	check "huge: /dev/xdax1 has sysfs align 1073741824, size $HS, perf/pud_faults 0" \
		[ "$(cat $sys/align) $(cat $sys/size) $(cat $sys/perf/pud_faults)" = "1073741824 $HS 0" ]
	case_point xdax_huge /dev/xdax1 align \
		"huge align: XDAX_IOC_INFO and sysfs say 1 GiB, total = size / 1 GiB, 2 MiB punch and size refused"
	case_point xdax_huge /dev/xdax1 pud \
		"huge pud: mmap(NULL, 1 GiB) is 1 GiB aligned; one PUD fault maps every page (no PMD/PTE fault), zeroed; pagemap splits it (thp_split_pud +1); refault is a PUD with the data kept"
	case_point xdax_huge /dev/xdax1 views \
		"huge views: the block through a PMD-able view ($([ $XT_HUGE_PMD = 1 ] && echo PMDs || echo 'PTEs: no PMD of a PUD-order folio')) and a PTE view: data shared, pagemap PFNs the block's"
	case_point xdax_huge /dev/xdax1 wp \
		"huge wp: with soft-dirty write-notify (clear_refs 4) the read faults a read-only PUD back; the write to it falls back (the kernel splits the PUD, a PMD or PTE maps the page), no write insert over the leaf; data kept"
	case_point xdax_huge /dev/xdax1 pin \
		"huge pin: pins through the PUD and PTE views; NOWAIT punch/truncate leave the block awaiting, UNPIN frees it with an event"
	case_point xdax_huge /dev/xdax1 race \
		"huge race: two processes x PUD/PMD/PTE views vs punch and truncate: only current data or zeros"
	case_point xdax_huge /dev/xdax1 thp-flip \
		"huge thp-flip: a 1 GiB write fault zeroing its block while PR_SET_THP_DISABLE is set and 5 threads fault the same 1 GiB: no warning, data kept"
	diag "huge: pud_faults $(cat $sys/perf/pud_faults) pmd_faults $(cat $sys/stats/pmd_faults) pte_faults $(cat $sys/stats/pte_faults) zeroed $(cat $sys/stats/zeroed)"
	check "huge: /dev/xdax1 audit clean and blocks conserved" xdax_audit_ok /dev/xdax1
	check "huge: /dev/xdax0 audit clean and blocks conserved" xdax_audit_ok /dev/xdax0
	check "huge: rmmod" unload
else
	not_ok "huge: load ranges=$RANGES" "$LOAD_OUT"
fi
check "huge: unload leaves nothing" xdax_gone
check "huge: no kernel splat" dmesg_clean_since_mark
