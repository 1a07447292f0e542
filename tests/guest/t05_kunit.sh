# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# xdax's KUnit suite (xdax_kunit.ko, built only against the debug kernel): load it, turn the
# KTAP it prints into the kernel log into one test point per test case, one point for the
# run as a whole (at least one suite ran, nothing failed), and unload it.

# kunit_ktap FILE: the KTAP of one module load (kernel log lines, timestamps stripped) as
# records "case|ok|SUITE|CASE|SKIP-REASON", "suite|ok|NAME|SKIP-REASON",
# "stats|NAME|FAILED" and a last "end|PLAN|SUITES-SEEN".  Levels are told apart by their
# indentation: suites at column 0, their test cases at 4 spaces (a parameterised case's
# parameters, at 8, are summed up by the case's own line).
kunit_ktap() {
	awk '
	function result(line,   r, st, rest, name, why) {
		st = "ok"
		if (line ~ /^not ok /) { st = "not_ok"; sub(/^not ok [0-9]+ /, "", line) }
		else sub(/^ok [0-9]+ /, "", line)
		name = line; why = ""
		if (match(line, / # SKIP ?/)) {
			name = substr(line, 1, RSTART - 1)
			why = substr(line, RSTART + RLENGTH)
			if (st == "ok") st = "skip"
		}
		return st "|" name "|" why
	}
	{
		sub(/^\[[^]]*\] /, "")
		sub(/^\[ *[CT][0-9]+\] /, "")
	}
	plan == "" && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
	/^    # Subtest: / { suite = substr($0, 16); next }
	/^    (not )?ok [0-9]+ / {
		r = result(substr($0, 5))
		split(r, f, "|")
		print "case|" f[1] "|" suite "|" f[2] "|" f[3]
		next
	}
	/^(not )?ok [0-9]+ / { seen++; print "suite|" result($0); next }
	/^# [^ ]+: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+$/ && !/^# Totals:/ {
		n = $2; sub(/:$/, "", n)
		fl = $4; sub(/^fail:/, "", fl)
		print "stats|" n "|" fl
	}
	END { print "end|" (plan == "" ? 0 : plan) "|" (seen + 0) }
	' "$1"
}

# kmod's modinfo and modprobe by path: the guest's busybox sh runs its own applets of those
# names in preference to PATH, and busybox modinfo does not fail for an unknown module.
if ! kunit_ko=$(/sbin/modinfo -n xdax_kunit 2>/dev/null) || [ ! -f "$kunit_ko" ]; then
	if [ -d /sys/kernel/debug/kunit ]; then
		skip "KUnit suite xdax_kunit" \
			"this kernel has KUnit but xdax_kunit.ko is not installed (the tree has no module/xdax_kunit.c)"
	else
		skip "KUnit suite xdax_kunit" \
			"KUnit suite built only for the debug kernel (Debian kernels do not enable CONFIG_KUNIT: their 6.1, 6.12, 7.2 and 7.3 configs say '# CONFIG_KUNIT is not set'; no /sys/kernel/debug/kunit here)"
	fi
else
	kunit_had_xdax=0
	xdax_loaded && kunit_had_xdax=1
	dmesg_mark
	# modprobe, not insmod: it also loads what the suite's module depends on.  KUnit runs a
	# module's suites from its MODULE_STATE_LIVE notifier, before the load returns.
	if ! kunit_out=$(/sbin/modprobe xdax_kunit 2>&1); then
		not_ok "KUnit: modprobe xdax_kunit ($kunit_ko)" "$kunit_out"
	else
		kunit_log=/tmp/xdax_kunit.log
		kunit_recs=/tmp/xdax_kunit.records
		kunit_bad=""
		if kunit_out=$(dmesg_mark_present); then
			dmesg_since >$kunit_log
		else
			: >$kunit_log
			kunit_bad=" $kunit_out;"
		fi
		kunit_ktap $kunit_log >$kunit_recs
		kunit_plan=0 kunit_seen=0 kunit_ran=0
		while IFS='|' read -r kind a b c d; do
			case $kind in
			case)
				case $a in
				ok) ok "KUnit $b: $c" ;;
				skip) skip "KUnit $b: $c" "${d:-skipped by the test}" ;;
				*)
					not_ok "KUnit $b: $c" \
						"$(grep -F "# $c: " $kunit_log | sed 's/^\[[^]]*\] //' | tail -n 15)"
					kunit_bad="$kunit_bad case $b.$c failed;"
					;;
				esac
				;;
			suite)
				case $a in
				ok) kunit_ran=$((kunit_ran + 1)) ;;
				skip) ;;
				*)
					kunit_ran=$((kunit_ran + 1))
					kunit_bad="$kunit_bad suite $b failed;"
					;;
				esac
				;;
			stats) [ "$b" = 0 ] || kunit_bad="$kunit_bad suite $a: fail:$b;" ;;
			end) kunit_plan=$a kunit_seen=$b ;;
			esac
		done <$kunit_recs
		if [ "$kunit_plan" -lt 1 ]; then
			kunit_bad="$kunit_bad no KTAP plan (1..N) in the kernel log after loading xdax_kunit;"
		elif [ "$kunit_seen" != "$kunit_plan" ]; then
			kunit_bad="$kunit_bad $kunit_seen suite result(s) for a plan of $kunit_plan;"
		fi
		[ "$kunit_ran" -ge 1 ] || kunit_bad="$kunit_bad no suite ran (every suite skipped, or none);"
		if [ -z "$kunit_bad" ]; then
			ok "KUnit: $kunit_ran suite(s) of xdax_kunit ran, none failed"
		else
			not_ok "KUnit: $kunit_ran suite(s) of xdax_kunit ran, none failed" "$kunit_bad" \
				"$(sed 's/^\[[^]]*\] //' $kunit_log | tail -n 20)"
		fi
		check "KUnit: rmmod xdax_kunit" rmmod xdax_kunit
		if [ $kunit_had_xdax = 0 ] && xdax_loaded; then
			check "KUnit: rmmod xdax (loaded for xdax_kunit)" rmmod xdax
		fi
	fi
	check "KUnit: kernel log clean" dmesg_clean_since_mark
fi
