# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Faults: xdax_faults runs each subtest in its own process (PTE and PMD faults, fresh blocks
# zeroed, refused mappings, SIGBUS past the size, fork, mremap, partial munmap, no free
# block).  Each ends with a clean audit and every block free.  The 2m subtest's block
# refcounts at each state are repeated here as diagnostics ("# refcount <state>: N").

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
FAULTS_LOG=/tmp/xdax_faults

# faults TEST: run one subtest, keeping its output in $FAULTS_LOG.TEST.
faults() {
	xdax_faults /dev/xdax0 "$1" >"$FAULTS_LOG.$1" 2>&1
	rc=$?
	cat "$FAULTS_LOG.$1"
	return $rc
}

dmesg_mark
if load ranges=$((R_SIZE >> 20))M@"$R_START"; then
	ok "faults: load ranges=$((R_SIZE >> 20))M@$R_START"
	check "faults 4k: skewed or short mappings fault PTEs only; data coherent across mappings and opens" \
		faults 4k
	check "faults 2m: 512 pages cost one pmd_fault; huge mapping proven; refcounts per state" \
		faults 2m
	grep -E '^# (refcount|mapcount) |huge mapping proof|mapping refs' "$FAULTS_LOG.2m" 2>/dev/null
	check "faults zero: a fresh block reads zero (PMD and PTE), even over freed data" faults zero
	check "faults einval: MAP_PRIVATE and past-capacity mmap EINVAL; read-only open maps read-only" \
		faults einval
	check "faults sigbus: SIGBUS past a shrunk size, data kept below, zeroed holes after growing" \
		faults sigbus
	check "faults fork: the child shares the mapping both ways and faults new blocks" faults fork
	check "faults mremap: a PMD-mapped block moves intact, old address gone; mappings grow" \
		faults mremap
	check "faults munmap: partial munmap of a PMD leaks no reference (SET_SIZE 0 frees all at once)" \
		faults munmap
	check "faults enospc: no free block gives SIGBUS and ENOSPC; the reaped block is reused zeroed" \
		faults enospc
	case_point xdax_faults /dev/xdax0 softdirty \
		"faults softdirty: after clear_refs 4 a write and a writable pin on a read-only PMD split it (thp_split_pmd + 1) and map a PTE; data kept"
	case_point xdax_faults /dev/xdax0 uffd-wp \
		"faults uffd-wp: a write and a read into holes under async userfaultfd write-protection get SIGBUS (xdax cannot map over the marker): no WARN, no endless fault loop"
	case_point xdax_faults /dev/xdax0 cpus \
		"faults cpus: a thread pinned to each CPU faults its own blocks (PMD read, PTE writes): STATS counts every CPU's faults"
	check "faults: rmmod once every mapping is gone" rmmod xdax
	check "faults: unload leaves nothing" xdax_gone
else
	not_ok "faults: load ranges=$((R_SIZE >> 20))M@$R_START" "$LOAD_OUT" "$(dmesg | tail -n 5)"
fi
check "faults: no kernel splat" dmesg_clean_since_mark
