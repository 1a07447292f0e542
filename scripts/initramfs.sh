# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The guest's initramfs: busybox, kmod, ndctl/daxctl and udevd/udevadm with their libraries
# (from the bookworm root), the kernel's modules that the tests need plus xdax where DKMS put
# it, the files of the built xdax-utils package (dpkg -x of the .deb: the tool, xdax-check-range,
# the udev rule, the examples), the static test programs and the guest test scripts.  Sourced
# after lib.sh, roots.sh and deb.sh (deb_build has run: XDAX_DEB_DIR).
#
#   initramfs_build OUT.cpio.gz ABI KMODS XDAXTREE [EXTRA]
#       KMODS: the kernel's lib/modules/ABI, or a directory with just its modules.builtin*
#              (and an empty modules.dep) for a kernel with everything built in, or ""
#       XDAXTREE: a directory holding lib/modules/ABI/<path of the installed xdax module>
#       EXTRA: a directory copied over the initramfs root (e.g. EXTRA/usr/bin/<program>)

# Kernel modules the guest loads besides xdax: the legacy-pmem (e820) stack and device-dax,
# for the reference /dev/dax0.0, null_blk, and ext4 (t52's file system on a null_blk disk).
# Their dependencies are added from modules.dep.
# Each must be a module of the kernel or built into it (modules.builtin: modprobe then
# succeeds without loading anything).
XDAX_GUEST_MODULES=(nd_e820 nd_pmem nd_btt dax_pmem device_dax null_blk ext4)
# Taken where the kernel has them, left out (and the tests that need them skip) where not.
# crc32c_generic: ext4 before 7.x mounts nothing without the crc32c crypto driver (t52).
# dax_hmem: the soft-reserved test (x20).
XDAX_GUEST_OPTIONAL_MODULES=(hwpoison_inject crc32c_generic dax_hmem)
XDAX_GUEST_BINS=(/bin/kmod /usr/bin/ndctl /usr/bin/daxctl /bin/udevadm)
# make bench's guest (XDAX_MODE=bench) also gets fio (ioengine=mmap against xdax and its peers)
# and mke2fs (ext4 on the fsdax peer).  fio pulls some 60 libraries (ceph, gluster, rdma): only
# the bench initramfs carries them.  Their packages are added to the bookworm root on first use
# (root_add: the root's cache key stays the one every other run uses).
XDAX_GUEST_BENCH_BINS=(/usr/bin/fio /sbin/mke2fs)
XDAX_GUEST_BENCH_PKGS=(fio e2fsprogs)

# Copy an executable from the bookworm root with its shared libraries and loader.
_copy_with_libs() {
	local r=$1 bin=$2 out=$3
	install -D -m 755 "$r$bin" "$out$bin"
	_copy_libs "$r" "$bin" "$out"
}

# _copy_libs ROOT BIN OUT: the shared libraries (and loader) of ROOT's BIN into OUT.
_copy_libs() {
	local r=$1 bin=$2 out=$3 lib
	for lib in $(root_run bookworm ldd "$bin" | grep -o '/[^ ]*'); do
		[[ -e $out$lib ]] || install -D -m 755 "$r$(readlink -f "$r$lib" | sed "s|^$r||")" "$out$lib"
	done
}

# _utils_from_deb OUT: the files of the built xdax-utils package into OUT (the initramfs
# root), with the libraries of its programs from the bookworm root (the package is built
# there).  The harness keeps the modprobe hook where t32 installs it from.
_utils_from_deb() {
	local out=$1 r f rel tmp=/var/tmp/xdax-initramfs-elf
	r=$(root_path bookworm)
	dpkg-deb -x "$(deb_file xdax-utils)" "$out"
	rm -rf "${r:?}$tmp"
	for f in "$out"/usr/bin/* "$out"/usr/sbin/*; do
		[[ -f $f ]] && file -b "$f" | grep -q '^ELF.*dynamic' || continue
		rel=${f#"$out"}
		install -D -m 755 "$f" "$r$tmp$rel"
		_copy_libs "$r" "$tmp$rel" "$out"
	done
	rm -rf "${r:?}$tmp"
	install -D -m 644 "$out/usr/share/doc/xdax-utils/examples/modprobe.d/xdax.conf" \
		"$out/usr/share/xdax/modprobe.d/xdax.conf"
}

_module_closure() {
	local dep=$1 m
	shift
	for m in "$@"; do
		awk -v m="$m" '{ f=$1; sub(":$","",f); n=f; sub(".*/","",n); sub("\\.ko.*","",n);
			gsub("-","_",n); if (n==m) { print f; for (i=2;i<=NF;i++) print $i } }' "$dep"
	done | sort -u
}

# _module_known FILE NAME: FILE (modules.dep or modules.builtin) lists module NAME.
_module_known() {
	[[ -f $1 ]] && awk -v m="$2" '{ n=$1; sub(":$","",n); sub(".*/","",n); sub("\\.ko.*","",n);
		gsub("-","_",n); if (n==m) found=1 } END { exit !found }' "$1"
}

initramfs_build() {
	local out=$1 abi=$2 kmods=$3 xtree=$4 extra=${5:-} r t f m
	r=$(root_path bookworm)
	t=$(mktemp -d)
	mkdir -p "$t"/{bin,sbin,dev,proc,sys,tmp,run,etc,mnt,lib/modules,usr/bin,xdax}
	# mktemp made the root 0700: every user must reach /dev, /usr/bin and /tmp.
	chmod 755 "$t"
	chmod 1777 "$t/tmp"
	# Users for the tests of what others can do: root, an unprivileged user in group xdax,
	# and one outside it (xdax_runas switches to them by number).
	printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'xdaxuser:x:1000:1000::/tmp:/bin/sh' \
		'other:x:1001:1001::/tmp:/bin/sh' >"$t/etc/passwd"
	printf '%s\n' 'root:x:0:' 'xdaxuser:x:1000:' 'other:x:1001:' 'xdax:x:990:xdaxuser' \
		>"$t/etc/group"
	install -m 755 "$r/bin/busybox" "$t/bin/busybox"
	local bins=("${XDAX_GUEST_BINS[@]}")
	if [[ ${XDAX_MODE:-} == bench ]]; then
		root_add bookworm "${XDAX_GUEST_BENCH_PKGS[@]}"
		bins+=("${XDAX_GUEST_BENCH_BINS[@]}")
	fi
	for f in "${bins[@]}"; do
		_copy_with_libs "$r" "$f" "$t"
	done
	for f in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf /bin/kmod "$t/sbin/$f"
	done
	local dst=$t/lib/modules/$abi
	mkdir -p "$dst"
	touch "$dst"/modules.{order,builtin,builtin.modinfo}
	if [[ -n $kmods ]]; then
		cp "$kmods"/modules.{order,builtin,builtin.modinfo} "$dst/" 2>/dev/null || true
		for m in "${XDAX_GUEST_MODULES[@]}"; do
			_module_known "$kmods/modules.dep" "$m" || _module_known "$kmods/modules.builtin" "$m" ||
				die "kernel $abi has no module $m (neither in $kmods/modules.dep nor built in)"
		done
		local want=("${XDAX_GUEST_MODULES[@]}")
		for m in "${XDAX_GUEST_OPTIONAL_MODULES[@]}"; do
			_module_known "$kmods/modules.dep" "$m" && want+=("$m")
		done
		for m in $(_module_closure "$kmods/modules.dep" "${want[@]}"); do
			install -D -m 644 "$kmods/$m" "$dst/$m"
		done
	fi
	cp -a "$xtree/lib/modules/$abi/." "$dst/"
	depmod -b "$t" "$abi"
	cp -r "$XDAX_TOP/tests/guest/." "$t/xdax/"
	# README and the splitter of its code blocks, for t39 (README's commands run as shown).
	install -D -m 644 "$XDAX_TOP/README.md" "$t/xdax/README.md"
	install -D -m 644 "$XDAX_TOP/tests/readme/blocks.awk" "$t/xdax/readme/blocks.awk"
	install -m 755 "$XDAX_TOP"/tests/build/bin/* "$t/usr/bin/"
	# systemd-udevd is udevadm under another name (t37 runs it with the packaged rule).
	mkdir -p "$t/lib/systemd"
	ln -sf /bin/udevadm "$t/lib/systemd/systemd-udevd"
	# The range preflight, its modprobe hook (for t32 to install while it tests it), the
	# udev rule, the tool: from the xdax-utils package that make check built.
	_utils_from_deb "$t"
	[[ -z $extra ]] || cp -a "$extra/." "$t/"
	mv "$t/xdax/init" "$t/init"
	chmod 755 "$t/init" "$t"/xdax/*.sh
	(cd "$t" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --owner 0:0 | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$t"
}
