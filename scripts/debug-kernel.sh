#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Debian's linux-source tree and a debug kernel built from it, both cached under $XDAX_CACHE.
# Sourced after lib.sh; can also be run directly (bash scripts/debug-kernel.sh) to build the
# debug kernel by hand.
#
#   linux_source_ensure SERIES   extract the newest linux-source-SERIES from sid/experimental
#                                into $XDAX_CACHE/src/linux-source-SERIES, print that path
#   debug_kernel_ensure          build (or reuse) the debug kernel, print its O= directory,
#                                which is usable as KDIR for out-of-tree modules
#   debug_kernel_version [O]     print the kernel release of the built debug kernel
#
# Callers run these as kdir=$(debug_kernel_ensure) || ..., where bash applies no errexit at
# all (command substitution, conditional context), so every step that matters is checked
# explicitly here (|| die, || exit) instead of relying on set -e.
#
# The O= directory also holds .xdax-srcversion (the linux-source package version) and
# xdax-build.log.
#
# Out-of-tree modules should be built with the same compiler as the kernel:
#   make -C "$O" M=/path/to/module CC="$XDAX_KCC" modules
# (without CC= kbuild only warns that "gcc" and "gcc-12" have different version strings).

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	# Run directly: bring in lib.sh (sourcing callers have done that already).
	# shellcheck source=scripts/lib.sh
	source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

XDAX_KERNEL_SERIES=${XDAX_KERNEL_SERIES:-7.2}
XDAX_KCC=${XDAX_KCC:-gcc-12}
XDAX_KERNEL_FRAGMENT=${XDAX_KERNEL_FRAGMENT:-$XDAX_TOP/configs/debug-kernel.fragment}
export XDAX_KCC

# dk_locked LOCKFILE CMD...: run CMD in a subshell holding an exclusive flock on LOCKFILE, so
# that two scripts sharing $XDAX_CACHE never extract or build into the same directory at once.
# A die inside only ends the subshell, hence the explicit exit: failing must stay fatal even
# when the caller runs us where errexit does not apply (if, ||, &&).
dk_locked() {
	local lock=$1
	shift
	mkdir -p "$(dirname "$lock")"
	(
		flock 9 || die "cannot lock $lock"
		"$@"
	) 9>"$lock" || exit $?
}

# linux_source_version SERIES: the newest version of linux-source-SERIES known to the sid
# configuration.  madison lists one line per suite (sid and experimental may both carry it),
# so take the highest by dpkg's ordering rather than trusting apt's pin-based candidate.
linux_source_version() {
	local pkg=linux-source-$1 v best=
	while read -r v; do
		if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done < <(papt sid apt-cache madison "$pkg" |
		awk -F'|' -v p="$pkg" '{ gsub(/ /, "") } $1 == p { print $2 }')
	[[ -n $best ]] || die "no $pkg package in sid/experimental"
	echo "$best"
}

# linux_source_pkgversion DIR: the package version an extracted tree was sealed with.
linux_source_pkgversion() {
	local key
	key=$(cat "$1/.xdax-key") || die "$1 is not an extracted linux-source tree"
	echo "${key#*=}"
}

linux_source_ensure() {
	local series=${1:?usage: linux_source_ensure SERIES}
	local ver dir
	papt_update sid
	ver=$(linux_source_version "$series") || exit $?
	dir=$XDAX_CACHE/src/linux-source-$series
	dk_locked "$dir.lock" _linux_source_extract "$series" "$ver" "$dir"
	echo "$dir"
}

# _linux_source_extract SERIES VERSION DIR (under the lock): (re)extract unless DIR is current.
_linux_source_extract() {
	local series=$1 ver=$2 dir=$3
	local pkg=linux-source-$series key deb tmp unpack
	key="$pkg=$ver"
	cache_valid "$dir" "$key" && return 0
	log "extracting $pkg $ver into $dir"
	deb=$(papt_download sid "$pkg=$ver") || exit $?
	# Extract next to the final place and rename, so a half-extracted tree is never sealed
	# and a stale tree stays usable until the new one is complete.  The .deb's payload goes
	# to a directory of its own: its usr/src/ must not mix with the kernel tree's usr/.
	tmp=$dir.new unpack=$dir.deb
	rm -rf "$tmp" "$unpack"
	mkdir -p "$tmp" "$unpack" || die "cannot create $tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$unpack" "./usr/src/$pkg.tar.xz" ||
		die "$deb holds no usr/src/$pkg.tar.xz"
	# The tarball's top directory is linux-source-SERIES/; strip it so DIR is the tree itself.
	tar -x -C "$tmp" --strip-components=1 -f "$unpack/usr/src/$pkg.tar.xz" ||
		die "unpacking $pkg.tar.xz failed"
	rm -rf "$unpack"
	[[ -f $tmp/Makefile && -f $tmp/usr/Kconfig && -x $tmp/scripts/checkpatch.pl &&
		-d $tmp/tools/testing/selftests/mm ]] ||
		die "$pkg $ver does not look like a full kernel tree"
	rm -rf "$dir"
	mv "$tmp" "$dir" || die "cannot move $tmp to $dir"
	cache_seal "$dir" "$key" || die "cannot seal $dir"
}

# debug_module_build KDIR DIR LOG [MAKE ARGS...]: build xdax from a clean copy of its DKMS
# tree in DIR against the debug kernel KDIR, with the kernel's own compiler, together with
# its KUnit suite (DIR/module/xdax_kunit.ko) when the tree has one (module/xdax_kunit.c).
# Fails if the build fails or prints any warning or error; the output is in LOG.
debug_module_build() {
	local kdir=$1 dir=$2 blog=$3 kunit=()
	shift 3
	rm -rf "$dir"
	make -s -C "$XDAX_TOP" dkms-src DKMS_DIR="$dir" >/dev/null || return 1
	[[ -f $dir/module/xdax_kunit.c ]] && kunit=(XDAX_KUNIT=1)
	make -C "$dir/module" KDIR="$kdir" CC="$XDAX_KCC" "${kunit[@]}" "$@" >"$blog" 2>&1 &&
		! grep -E 'warning:|error:' "$blog" >&2
}

# debug_gup_test_build SRC OUT LOG: build the kernel's own mm selftest gup_test (the user side
# of CONFIG_GUP_TEST's /sys/kernel/debug/gup_test) from kernel tree SRC as the static binary
# OUT, with the sources its Makefile lists for it (vm_util.c, ...), kselftest.h and the tree's
# mm/gup_test.h.  Output in LOG.
debug_gup_test_build() {
	local src=$1 bin=$2 blog=$3 mm=$1/tools/testing/selftests/mm f srcs=()
	mkdir -p "$(dirname "$bin")" || return 1
	: >"$blog" || return 1
	[[ -f $mm/gup_test.c && -f $src/mm/gup_test.h ]] || {
		echo "$src has no $mm/gup_test.c or mm/gup_test.h" >>"$blog"
		return 1
	}
	# "$(TEST_GEN_FILES): vm_util.c ..." names what every such program is linked with.
	for f in $(sed -n 's/^\$(TEST_GEN_FILES):[[:space:]]*//p' "$mm/Makefile"); do
		srcs+=("$mm/$f")
	done
	# As the selftest's Makefile does: -I the tree (for <mm/gup_test.h>), the tools' uapi
	# headers, kselftest.h from the directory above.
	gcc -static -O2 -Wall -U_FORTIFY_SOURCE -I "$src" -isystem "$src/tools/include/uapi" \
		-I "$src/tools/testing/selftests" -I "$mm" -o "$bin" "$mm/gup_test.c" "${srcs[@]}" \
		-lrt -lpthread -lm >>"$blog" 2>&1
}

# dk_make SRC O ARGS...: make in kernel tree SRC with output in O, always with the same
# compiler, so that configuration, build and kernelrelease agree.
dk_make() {
	local src=$1 o=$2
	shift 2
	make -C "$src" O="$o" ARCH=x86_64 CC="$XDAX_KCC" HOSTCC="$XDAX_KCC" "$@"
}

# dk_fail LOG MSG: show the end of a build log and die.
dk_fail() {
	tail -n 40 "$1" >&2
	die "$2 (full log: $1)"
}

# dk_kconfig_deps SRC SYM: the "depends on" expressions of SYM's x86 Kconfig definition(s),
# joined with " && ", "(none)" if it has none, nothing if SRC does not define SYM at all.
# (Only direct "depends on" lines: enclosing if/menu blocks are not followed.)
dk_kconfig_deps() {
	local src=$1 sym=$2 files
	files=$(grep -rlE --include='Kconfig*' --exclude-dir=arch \
		"^[[:space:]]*(menu)?config $sym\$" "$src" "$src/arch/Kconfig" "$src/arch/x86" || true)
	[[ -n $files ]] || return 0
	# shellcheck disable=SC2086 # one file name per word
	awk -v sym="$sym" '
		# Join continuation lines first.
		/\\$/ { sub(/\\$/, ""); cont = cont $0 " "; next }
		{ $0 = cont $0; cont = "" }
		$1 ~ /^(menu)?config$/ { in_sym = ($2 == sym); next }
		$1 ~ /^(choice|endchoice|menu|endmenu|if|endif|comment|source)$/ { in_sym = 0 }
		in_sym && $1 == "depends" && $2 == "on" {
			sub(/^[[:space:]]*depends on[[:space:]]*/, "")
			gsub(/[[:space:]]+/, " ")
			dep[++n] = $0
		}
		END {
			if (n == 0) { print "(none)"; exit }
			if (n == 1) { print dep[1]; exit }
			for (i = 1; i <= n; i++) printf "%s(%s)", (i > 1 ? " && " : ""), dep[i]
			print ""
		}' $files
}

# dk_config_check FRAGMENT CONFIG SRC: every CONFIG_X=y of FRAGMENT must be =y in CONFIG.
# Kconfig silently drops what it cannot satisfy, so list each dropped option with what is
# known about why: its state in CONFIG and its "depends on" with the symbols' values.
dk_config_check() {
	local frag=$1 cfg=$2 src=$3 sym got why deps dep val bad=()
	while IFS= read -r sym; do
		got=$(grep -E "^(# )?${sym}[= ]" "$cfg" || true)
		[[ $got == "$sym=y" ]] && continue
		case $got in
		"") why="absent from .config: unmet dependencies (or no such symbol)" ;;
		"$sym=m") why="=m: limited by a tristate dependency at m" ;;
		*"is not set")
			why="not set: visible but off (a choice, a 'depends on' limit, or a select conflict)" ;;
		*) why="$got" ;;
		esac
		deps=$(dk_kconfig_deps "$src" "${sym#CONFIG_}")
		if [[ -z $deps ]]; then
			why="no such Kconfig symbol in this tree"
		else
			why+="; depends on: $deps ["
			while read -r dep; do
				val=$(grep -E "^CONFIG_$dep=" "$cfg" | cut -d= -f2- || true)
				why+=" $dep=${val:-n}"
			done < <(grep -oE '\b[A-Z][A-Z0-9_]+\b' <<<"$deps" | sort -u)
			why+=" ]"
		fi
		bad+=("$sym: $why")
	done < <(sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=y[[:space:]]*$/\1/p' "$frag")
	# Options the fragment turns off are only warned about: a select elsewhere may
	# legitimately force them on.
	while IFS= read -r sym; do
		if grep -qE "^$sym=[ym]" "$cfg"; then
			log "warning: $sym is off in the fragment but on in .config"
		fi
	done < <(sed -nE 's/^# (CONFIG_[A-Za-z0-9_]+) is not set.*/\1/p' "$frag")
	((${#bad[@]} == 0)) && return 0
	printf '  %s\n' "${bad[@]}" >&2
	die "${#bad[@]} option(s) of $frag did not make it into $cfg"
}

# dk_module_test O LOG: an out-of-tree "hello" module must build against O used as KDIR.
dk_module_test() {
	local out=$1 blog=$2 m
	m=$(mktemp -d /tmp/xdax-hello.XXXXXX) || die "mktemp failed"
	printf '%s\n' '#include <linux/module.h>' \
		'static int __init hello_init(void) { pr_info("xdax hello\n"); return 0; }' \
		'static void __exit hello_exit(void) { }' \
		'module_init(hello_init);' 'module_exit(hello_exit);' \
		'MODULE_DESCRIPTION("xdax KDIR smoke test");' 'MODULE_LICENSE("GPL");' >"$m/hello.c"
	echo 'obj-m := hello.o' >"$m/Kbuild"
	if ! make -C "$out" M="$m" CC="$XDAX_KCC" modules >>"$blog" 2>&1 || [[ ! -f $m/hello.ko ]]; then
		dk_fail "$blog" "$out does not build out-of-tree modules (test module left in $m)"
	fi
	rm -rf "$m"
}

# The functions that make the debug kernel: their code (declare -f: the code as bash parsed
# it, without comments) is part of the cache key, so editing them rebuilds, while comments,
# other helpers (module builds, diagnostics, pruning) and the rest of this file do not.
XDAX_DK_RECIPE=(_debug_kernel_build dk_make dk_config_check dk_module_test)

# dk_recipe_hash: short hash of the recipe functions' code.
dk_recipe_hash() {
	declare -f "${XDAX_DK_RECIPE[@]}" | sha256sum | cut -c1-16
}

# debug_kernel_dir SRC: where the debug kernel of SRC, the fragment and the recipe lives.
debug_kernel_dir() {
	local src=$1 ver h
	ver=$(linux_source_pkgversion "$src") || exit $?
	h=$( (cat "$XDAX_KERNEL_FRAGMENT" && declare -f "${XDAX_DK_RECIPE[@]}") | sha256sum |
		cut -c1-16) || die "cannot hash the fragment"
	echo "$XDAX_CACHE/debug-kernel/$ver-$h"
}

debug_kernel_ensure() {
	local src out ver cc key
	[[ -f $XDAX_KERNEL_FRAGMENT ]] || die "no kernel config fragment $XDAX_KERNEL_FRAGMENT"
	cc=$("$XDAX_KCC" --version | head -n1) || die "$XDAX_KCC not found (run host_setup)"
	src=$(linux_source_ensure "$XDAX_KERNEL_SERIES") || exit $?
	ver=$(linux_source_pkgversion "$src") || exit $?
	out=$(debug_kernel_dir "$src") || exit $?
	# The directory name covers the source version, the fragment and the recipe; the key
	# adds the compiler, so a gcc update rebuilds in place.
	key=$(printf 'source=%s\nversion=%s\nfragment=%s\nrecipe=%s\ncc=%s\n' "$src" "$ver" \
		"$(hash_of "$XDAX_KERNEL_FRAGMENT")" "$(dk_recipe_hash)" "$cc")
	dk_locked "$out.lock" _debug_kernel_build "$src" "$out" "$key" "$ver"
	echo "$out"
}

# _debug_kernel_build SRC O KEY VERSION (under the lock).  An unsealed O is not wiped: the
# config is regenerated from scratch and make's dependency tracking (per option, via fixdep)
# rebuilds exactly what changed, so an interrupted build resumes instead of starting over.
_debug_kernel_build() {
	local src=$1 out=$2 key=$3 ver=$4 blog t0 targets=(bzImage modules_prepare)
	cache_valid "$out" "$key" && return 0
	blog=$out/xdax-build.log
	mkdir -p "$out" || die "cannot create $out"
	: >"$blog" || die "cannot write $blog"
	log "building the debug kernel in $out ($XDAX_KCC, -j$(nproc); log: $blog)"
	t0=$SECONDS
	rm -f "$out/.config"
	dk_make "$src" "$out" tinyconfig >>"$blog" 2>&1 || dk_fail "$blog" "make tinyconfig failed"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$XDAX_KERNEL_FRAGMENT" >>"$blog" 2>&1 || dk_fail "$blog" "merging the fragment failed"
	dk_make "$src" "$out" olddefconfig >>"$blog" 2>&1 || dk_fail "$blog" "make olddefconfig failed"
	dk_config_check "$XDAX_KERNEL_FRAGMENT" "$out/.config" "$src" || exit $?
	log "config ok ($((SECONDS - t0))s); compiling"
	# "modules" also when nothing is =m: it writes Module.symvers, without which
	# out-of-tree builds cannot check the kernel symbols they use.
	grep -q '^CONFIG_MODULES=y' "$out/.config" && targets+=(modules)
	dk_make "$src" "$out" -j"$(nproc)" "${targets[@]}" >>"$blog" 2>&1 ||
		dk_fail "$blog" "debug kernel build failed"
	dk_module_test "$out" "$blog" || exit $?
	echo "$ver" >"$out/.xdax-srcversion" || die "cannot write $out/.xdax-srcversion"
	cache_seal "$out" "$key" || die "cannot seal $out"
	t0=$((SECONDS - t0))
	printf 'xdax: debug kernel built in %dm%02ds\n' $((t0 / 60)) $((t0 % 60)) >>"$blog"
	log "debug kernel $(debug_kernel_version "$out") built in $((t0 / 60))m$((t0 % 60))s"
	dk_prune "$src" "$out" "$ver"
}

# dk_prune SRC O VERSION: remove debug kernels built from an earlier extraction of SRC (another
# package version); their "source" link now points at a different tree, so they are unusable.
dk_prune() {
	local src=$1 keep=$2 ver=$3 d
	[[ -n $ver ]] || return 0
	for d in "$XDAX_CACHE"/debug-kernel/*/; do
		d=${d%/}
		[[ $d != "$keep" && -f $d/.xdax-key ]] || continue
		grep -qxF "source=$src" "$d/.xdax-key" || continue
		grep -qxF "version=$ver" "$d/.xdax-key" && continue
		# Skip it if someone holds its lock (still building or being used).
		(flock -n 9 && log "pruning stale $d" && rm -rf "$d") 9>"$d.lock" || true
	done
}

# debug_kernel_version [O]: kernel release of the debug kernel (default: build or reuse it).
debug_kernel_version() {
	local out=${1:-}
	[[ -n $out ]] || out=$(debug_kernel_ensure) || return
	make -s -C "$out" CC="$XDAX_KCC" kernelrelease
}

# dk_host_setup: host_setup, waiting while another apt/dpkg run holds its locks (apt-get
# fails at once with "Could not get lock ..." rather than waiting).
dk_host_setup() {
	local try rc errf locked
	errf=$(mktemp /tmp/xdax-host-setup.XXXXXX) || die "mktemp failed"
	for try in $(seq 1 40); do
		# Run it outside any if/|| so that errexit stays in force inside host_setup.
		set +e
		(
			set -e
			host_setup
		) 2>"$errf"
		rc=$?
		set -e
		cat "$errf" >&2
		locked=$(grep -ciE 'could not get lock|unable to acquire|is another process using it' \
			"$errf" || true)
		rm -f "$errf"
		((rc == 0)) && return 0
		((locked > 0)) || die "host_setup failed"
		log "apt/dpkg is locked by another process; retrying in 15s ($try/40)"
		sleep 15
		errf=$(mktemp /tmp/xdax-host-setup.XXXXXX) || die "mktemp failed"
	done
	die "apt/dpkg stayed locked for 10 minutes"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	dk_host_setup
	o=$(debug_kernel_ensure) || exit $?
	log "debug kernel $(debug_kernel_version "$o"): $o/arch/x86/boot/bzImage"
	echo "$o"
fi
