# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# README.md's commands, run as README shows them.  tests/readme/blocks.awk splits README into
# its code blocks by their markers; here every "guest" block runs as a shell script (one TAP
# point each, its output as diagnostics), every "example" block (a real machine's step: boot
# loader, /etc files, users) is carried out the way this guest can, and the "c" block runs as
# the program tests/Makefile built from README (xdax_readme_example).  "host" blocks are
# make targets that make check itself runs (scripts/lint.sh checks the list); "text" blocks
# are pictures.

T39_DIR=/tmp/readme
T39_START=$(cmdline range_start)
T39_SIZE=$(cmdline range_size)
T39_RANGE=$((T39_SIZE >> 20))M@$(printf '%dG' $((T39_START >> 30)))

# t39_block FILE DESC: run FILE with sh -e in /tmp (every command must succeed, as a person
# reading README expects); its output, with the commands (-x), as diagnostics.
t39_block() {
	out=$(cd /tmp && sh -ex "$1" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/#   /'
	if [ $rc = 0 ]; then
		ok "$2"
	else
		not_ok "$2 (exit $rc)" "$(echo "$out" | tail -n 8)"
	fi
}

dmesg_mark
rm -rf $T39_DIR
mkdir -p $T39_DIR
awk -v dir=$T39_DIR -f /xdax/readme/blocks.awk /xdax/README.md
diag "README blocks: $(cd $T39_DIR && echo [0-9]*)"
if [ -s $T39_DIR/untagged ]; then
	not_ok "readme: every code block says how it is tested" "$(cat $T39_DIR/untagged)"
fi
# README's examples use the guests' range, 512M at 1G: the commands run verbatim.
if [ "$T39_RANGE" != 512M@1G ]; then
	not_ok "readme: the guest's range is README's 512M@1G" "it is $T39_RANGE"
fi
unload
T39_N=0
for f in $T39_DIR/[0-9]*.txt; do
	b=$(basename "$f" .txt)
	kind=${b#*-}
	first=$(grep -v '^#' "$f" | grep . | head -n 1)
	case $kind in
	guest)
		T39_N=$((T39_N + 1))
		t39_block "$f" "readme block ${b%%-*}: $first"
		;;
	example-grub)
		# /etc/default/grub is read by the shell (grub-mkconfig sources it), which leaves
		# memmap=512M\$1G; GRUB's own quoting then turns \$ into $.
		T39_N=$((T39_N + 1))
		v=$(sh -c ". $f; printf '%s' \"\$GRUB_CMDLINE_LINUX\"")
		# shellcheck disable=SC2016 # the literal text GRUB must get
		check "readme block ${b%%-*} (/etc/default/grub): the shell leaves GRUB 'memmap=512M\\\$1G' ($v)" \
			[ "$v" = 'memmap=512M\$1G' ]
		;;
	example-boot)
		# The /etc files as README installs them, then what systemd-modules-load does at boot:
		# modprobe every module the modules-load.d file names (kmod's modprobe: the install
		# hook runs).
		T39_N=$((T39_N + 1))
		rm -f /etc/modprobe.d/xdax.conf /etc/modules-load.d/xdax.conf
		mkdir -p /etc/modprobe.d /etc/modules-load.d
		if out=$(sh -ex "$f" 2>&1) &&
			out="$out
$(grep -v '^#' /etc/modules-load.d/xdax.conf | while read -r m; do
				[ -z "$m" ] || /sbin/modprobe "$m" 2>&1 || echo "modprobe $m failed"
			done)" && xdax_dev_ok 0 "$T39_START" "$T39_SIZE"; then
			ok "readme block ${b%%-*}: modprobe.d and modules-load.d as README installs them load xdax"
			echo "$out" | sed 's/^/#   /'
		else
			not_ok "readme block ${b%%-*}: modprobe.d and modules-load.d as README installs them load xdax" "$out"
		fi
		unload
		rm -f /etc/modprobe.d/xdax.conf /etc/modules-load.d/xdax.conf
		;;
	example-users)
		# Debian's adduser (perl) is not in the guest.  What "adduser USER xdax" does to an
		# existing user: USER joins xdax's member list in /etc/group.  Done here with sed on
		# a user made for it, then checked the way the kernel's callers see it (id -G).
		T39_N=$((T39_N + 1))
		u=$(sed -n 's/^adduser \([a-z]*\) xdax$/\1/p' "$f")
		if [ -n "$u" ]; then
			grep -q "^$u:" /etc/passwd || echo "$u:x:1002:100:$u:/:/bin/sh" >>/etc/passwd
			grep -q "^xdax:.*[:,]$u\(,\|$\)" /etc/group ||
				sed -i "s/^\(xdax:[^:]*:[0-9]*:\)\(.\{1,\}\)$/\1\2,$u/; s/^\(xdax:[^:]*:[0-9]*:\)$/\1$u/" /etc/group
		fi
		check "readme block ${b%%-*}: adduser ${u:-?} xdax puts the user in group xdax" \
			sh -c "id -G ${u:-nobody-here} | tr ' ' '\n' | grep -qx \"\$(sed -n 's/^xdax:[^:]*:\([0-9]*\):.*/\1/p' /etc/group)\""
		;;
	c-example)
		T39_N=$((T39_N + 1))
		xdax_loaded || load "ranges=$T39_RANGE"
		xdax truncate xdax0 "$T39_SIZE" >/dev/null
		out=$(xdax_readme_example 2>&1)
		rc=$?
		echo "$out" | sed 's/^/#   /'
		if [ $rc = 0 ] && echo "$out" | grep -qx 'truncated, 1 block(s) await reclaim' &&
			echo "$out" | grep -qx 'event 1: 1 block(s) reclaimed'; then
			ok "readme block ${b%%-*}: the C example pins, truncates NOWAIT and gets the reclaim event"
		else
			not_ok "readme block ${b%%-*}: the C example pins, truncates NOWAIT and gets the reclaim event" \
				"exit $rc"
		fi
		;;
	host* | text) ;;
	*)
		T39_N=$((T39_N + 1))
		not_ok "readme block ${b%%-*}: unknown kind $kind"
		;;
	esac
done
check "readme: README's blocks were found and run ($T39_N)" [ "$T39_N" -ge 8 ]
if xdax_loaded && [ -e /dev/xdax0 ]; then
	check "readme: audit clean and blocks conserved" xdax_audit_ok /dev/xdax0
fi
unload
check "readme: nothing of xdax left" xdax_gone
check "readme: no kernel splat" dmesg_clean_since_mark
