# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# Bad parameters: each load must fail with the expected errno and a precise kernel log
# line, and leave nothing registered.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)
P_START=$(cmdline pmem_start)
M=$((1 << 20))

# Each load is exactly one finit_module(2) of an uncompressed copy of the installed module
# (xdax_finit): insmod and modprobe retry a refused finit_module with init_module, which runs
# xdax's init, and logs the refusal, twice per command.
KO=/tmp/xdax-bad.ko
case $(modinfo -n xdax) in
*.xz) xzcat "$(modinfo -n xdax)" >$KO ;;
*) cp "$(modinfo -n xdax)" $KO ;;
esac

# bad NAME ERRNO-TEXT LOG-REGEX [MODULE PARAMETERS...]
bad() {
	name=$1 err=$2 re=$3
	shift 3
	dmesg_mark
	if LOAD_OUT=$(xdax_finit $KO "$*" 2>&1); then
		unload
		not_ok "refused: $name" "loading xdax $* succeeded"
		return
	fi
	why=
	echo "$LOAD_OUT" | grep -q "$err" || why="the load said '$LOAD_OUT', expected '$err'"
	dmesg_since | grep -Eq "xdax: $re" || why="$why; no kernel log line matching 'xdax: $re' in: $(dmesg_since | tail -n 3)"
	# (The first load of a boot also taints the kernel, in lines of its own.)
	[ "$(dmesg_since | grep 'xdax' | grep -Evc 'taints kernel|verification failed')" -eq 1 ] ||
		why="$why; not exactly one xdax log line: $(dmesg_since)"
	out=$(xdax_gone) || why="$why; $out"
	out=$(dmesg_clean_since_mark) || why="$why; $out"
	if [ -z "$why" ]; then
		ok "refused: $name ($err)"
	else
		not_ok "refused: $name" "$why"
	fi
}

EINVAL="Invalid argument"
ENXIO="No such device or address"
R=$((R_SIZE / M))M@$R_START

bad "missing range" "$EINVAL" "ranges=.*: range 0: no range given"
bad "empty range" "$EINVAL" "ranges=.*: range 0: no range given" ranges=
bad "unparsable text" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=lots
bad "size without start" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=256M
bad "start missing after @" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=256M@
bad "trailing garbage" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=${R}x
bad "empty element" "$EINVAL" "ranges=.*: range 1: cannot parse" ranges=$R,
bad "number overflow" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=99999999999999999999@$R_START
bad "suffix overflow" "$EINVAL" "ranges=.*: range 0: cannot parse" ranges=99999999999T@$R_START
bad "size 0" "$EINVAL" "ranges=.*: range 0: size is 0" ranges=0@$R_START
bad "start not 2 MiB aligned" "$EINVAL" "ranges=.*: range 0: .*multiples of 2 MiB" ranges=64M@$((R_START + 4096))
bad "size not 2 MiB aligned" "$EINVAL" "ranges=.*: range 0: .*multiples of 2 MiB" ranges=3M@$R_START
bad "past the physical address space" "$EINVAL" "ranges=.*: range 0: .*physical address space" \
	ranges=2M@0xfffffffffe00000
bad "overlapping System RAM" "$EINVAL" "range 0 .* overlaps System RAM" ranges=64M@0x10000000
bad "straddling System RAM and the reserved range" "$EINVAL" "range 0 .* overlaps System RAM" \
	ranges=$((R_SIZE / M))M@$((R_START - 64 * M))
bad "not reserved (no memory there)" "$ENXIO" "range 0 .* is not reserved memory" \
	ranges=64M@0x200000000
bad "not reserved (legacy pmem)" "$ENXIO" "range 0 .* is not reserved memory" ranges=64M@$P_START
bad "running past the reserved range" "$ENXIO" "range 0 .* is not reserved memory" \
	ranges=$((R_SIZE / M + 2))M@$R_START
bad "second range not reserved" "$ENXIO" "range 1 .* is not reserved memory" \
	ranges=64M@$R_START,64M@0x200000000
bad "overlapping another xdax range" "$EINVAL" "ranges=.*: range 1 overlaps an earlier range \(range 0\)" \
	ranges=256M@$R_START,256M@$((R_START + 128 * M))
bad "duplicated range" "$EINVAL" "ranges=.*: range 1 duplicates an earlier range \(range 0\)" \
	ranges=64M@$R_START,64M@$R_START
nine=$(i=0 s=; while [ $i -lt 9 ]; do
	s="$s${s:+,}2M@$((R_START + i * 2 * M))"
	i=$((i + 1))
done; echo "$s")
bad "more than 8 ranges" "$EINVAL" "ranges=.*: range 8: too many ranges" "ranges=$nine"

# After all of that, a good load still works: nothing was leaked by the refusals.
if load ranges=$R && xdax_dev_ok 0 "$R_START" "$R_SIZE" && rmmod xdax && xdax_gone; then
	ok "a good load still works after every refusal"
else
	not_ok "a good load still works after every refusal" "$LOAD_OUT"
fi
