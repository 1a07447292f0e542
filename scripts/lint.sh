# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel code, each one test result in make check:
#   checkpatch.pl --strict (from Debian's linux-source), and a W=1 C=1 (sparse) build against
#   the debug kernel tree that must print no warning.  Sourced after lib.sh, debug-kernel.sh.

XDAX_KERNEL_SOURCES=(module/*.c module/*.h include/uapi/linux/*.h)

# lint_all OUTDIR: record one result per check.
lint_all() {
	local out=$1 src kdir pass=0 fail=0 b
	mkdir -p "$out"
	echo "checkpatch --strict, sparse (C=1) and W=1 against the debug kernel" >"$out/version"
	src=$(linux_source_ensure 7.2)
	(cd "$XDAX_TOP" && perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${XDAX_KERNEL_SOURCES[@]}") \
		>"$out/checkpatch.log" 2>&1 || true
	if grep -qE 'ERROR|WARNING|CHECK' "$out/checkpatch.log"; then
		grep -E 'ERROR|WARNING|CHECK' "$out/checkpatch.log" | head -n 20 >&2
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	if kdir=$(debug_kernel_ensure); then
		b=$out/build
		rm -rf "$b"
		make -s -C "$XDAX_TOP" dkms-src DESTDIR="$b" >/dev/null
		if make -C "$b/module" KDIR="$kdir" W=1 C=1 >"$out/w1-sparse.log" 2>&1 &&
			! grep -E 'warning:|error:' "$out/w1-sparse.log" >&2; then
			pass=$((pass + 1))
		else
			tail -n 20 "$out/w1-sparse.log" >&2
			fail=$((fail + 1))
		fi
	else
		fail=$((fail + 1))
	fi
	record lint "$pass" "$fail" 0 "checkpatch --strict; W=1 + sparse on $(basename "${kdir:-none}")"
}
