# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# The whole boot's kernel log, after every other test file: xdax must have queued no work on
# a workqueue the kernel calls deprecated (7.x says so once per boot, for system_wq and its
# kin, naming the work function), and logged no anomaly or audit mismatch.  (A WARNING, BUG
# or KASAN line anywhere fails the run by itself, through the host's judge.)

check "kernel log: no xdax work queued on a deprecated workqueue" \
	sh -c '! dmesg | grep -E "enqueued on deprecated workqueue" | grep -i xdax'
check "kernel log: no xdax anomaly or audit mismatch" \
	sh -c '! dmesg | grep -E "xdax[0-9]*: (anomaly|audit|block [0-9]+: )"'
