# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The reference device-dax: ndctl turns the legacy pmem range (memmap=SIZE!START) into
# /dev/dax0.0, the peer later benchmarks compare against, side by side with xdax.

R_START=$(cmdline range_start)
R_SIZE=$(cmdline range_size)

if [ -n "$(cmdline noreftest)" ]; then
	skip "reference /dev/dax0.0" "$(cmdline noreftest)"
	return 0 2>/dev/null
fi
dmesg_mark
for m in nd_e820 nd_pmem dax_pmem device_dax; do modprobe $m 2>/dev/null; done
check "ndctl sees the legacy pmem region on the e820 bus" \
	sh -c 'ndctl list -R -b e820 | grep -q "\"dev\":\"region0\""'
check "ndctl create-namespace -m devdax -a 2M makes /dev/dax0.0" \
	sh -c 'ndctl create-namespace -m devdax -a 2M -f -e namespace0.0 && [ -c /dev/dax0.0 ]'
check "daxctl reports /dev/dax0.0 with 2 MiB alignment" \
	sh -c 'daxctl list -d dax0.0 | grep -q "\"align\":2097152"'
check "xdax and device-dax coexist" \
	sh -c 'modprobe xdax ranges=$(($1 >> 20))M@$2 && [ -c /dev/xdax0 ] && [ -c /dev/dax0.0 ] && rmmod xdax' \
	sh "$R_SIZE" "$R_START"
check "no kernel splat around the reference device" dmesg_clean_since_mark
