# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel code, each one test result in make check (and one of the
# packaging: debian/changelog's version is dkms.conf's, deb_version_check of deb.sh):
#   checkpatch.pl --strict (from Debian's linux-source), and a W=1 C=1 (sparse) build against
#   the debug kernel tree that must print no warning.  Sourced after lib.sh, deb.sh, debug-kernel.sh.

XDAX_KERNEL_SOURCES=(module/*.c module/*.h module/probes/*.c include/uapi/linux/*.h)

# sparse_ensure: a sparse new enough for the kernel's checker-valid.sh (bookworm's 0.6.4 is
# not: 7.x needs __typeof_unqual__), built from sid's source package, cached; prints its path.
sparse_ensure() {
	local ver d t
	papt_update sid-src
	ver=$(papt sid-src apt-cache showsrc sparse | sed -n 's/^Version: //p' | sort -V | tail -n1)
	[[ -n $ver ]] || die "no sparse source package in sid"
	d=$XDAX_CACHE/tools/sparse
	if ! cache_valid "$d" "sparse=$ver"; then
		log "building sparse $ver from Debian's source"
		t=$(mktemp -d)
		(cd "$t" && papt sid-src apt-get source -qq --download-only "sparse=$ver" >&2 &&
			tar -xf sparse_*.orig.tar.* && make -s -C sparse-*/ -j"$(nproc)" sparse >&2) ||
			die "building sparse $ver failed"
		rm -rf "$d"
		install -D -m 755 "$t"/sparse-*/sparse "$d/sparse"
		rm -rf "$t"
		cache_seal "$d" "sparse=$ver"
	fi
	echo "$d/sparse"
}

# lint_all OUTDIR: record one result per check.
lint_all() {
	local out=$1 src kdir sparse pass=0 fail=0
	mkdir -p "$out"
	echo "checkpatch --strict, sparse (C=1) and W=1 against the debug kernel" >"$out/version"
	src=$(linux_source_ensure 7.2)
	(cd "$XDAX_TOP" && perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		-f "${XDAX_KERNEL_SOURCES[@]}") \
		>"$out/checkpatch.log" 2>&1 || true
	if grep -qE 'ERROR|WARNING|CHECK' "$out/checkpatch.log"; then
		grep -E 'ERROR|WARNING|CHECK' "$out/checkpatch.log" | head -n 20 >&2
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	if kdir=$(debug_kernel_ensure) && sparse=$(sparse_ensure); then
		# "not available": kbuild silently skips a sparse it deems too old; CHECK lines
		# prove sparse really ran.
		if debug_module_build "$kdir" "$out/build" "$out/w1-sparse.log" W=1 C=1 \
			CHECK="$sparse" && ! grep 'not available' "$out/w1-sparse.log" >&2 &&
			grep -q 'CHECK .*xdax_dev.c' "$out/w1-sparse.log"; then
			pass=$((pass + 1))
		else
			tail -n 20 "$out/w1-sparse.log" >&2
			fail=$((fail + 1))
		fi
	else
		fail=$((fail + 1))
	fi
	# The harness is code too: shellcheck every script (bash libraries and busybox sh tests).
	if (cd "$XDAX_TOP" && shellcheck -x -S warning scripts/*.sh scripts/xdax-check-range \
		.ci/run tests/guest/*.sh tests/guest/init debian/*.postinst) >"$out/shellcheck.log" 2>&1; then
		pass=$((pass + 1))
	else
		head -n 30 "$out/shellcheck.log" >&2
		fail=$((fail + 1))
	fi
	# One version (dkms.conf's PACKAGE_VERSION): debian/changelog must say the same.
	if (deb_version_check) >"$out/version-check.log" 2>&1; then
		pass=$((pass + 1))
	else
		cat "$out/version-check.log" >&2
		fail=$((fail + 1))
	fi
	record lint "$pass" "$fail" 0 "checkpatch --strict; W=1 + sparse on $(basename "${kdir:-none}"); shellcheck; version"
}
