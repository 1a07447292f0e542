# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Debian build roots (debootstrap), cached under $XDAX_CACHE/roots.  Sourced after lib.sh.
#
#   root_ensure NAME          create or reuse the root for suite set NAME (bookworm, sid)
#   root_run NAME CMD...      run CMD inside the root with /proc and /dev mounted.  No /sys:
#                             kbuild would take the host kernel's /sys/kernel/btf/vmlinux as
#                             the base of the module's BTF, and 7.x refuses mismatched BTF.
#   root_install NAME PKG=VER...   install exact package versions into the root
#   root_add NAME PKG...      install packages (any version) the root lacks, for one kind of
#                             run only (make bench's fio): the root's cache key is unchanged

# What each root is made of.  The key of a root is its suite set, this list, and this file.
declare -A XDAX_ROOT_SUITE=([bookworm]=bookworm [sid]=sid)
declare -A XDAX_ROOT_PKGS=(
	[bookworm]="dkms make gcc-12 libc6-dev kmod ndctl daxctl busybox-static util-linux"
	[sid]="dkms make gcc kmod"
)

root_path() { echo "$XDAX_CACHE/roots/$1"; }

root_key() {
	# The code that makes a root is part of its key (declare -f: code without comments).
	printf 'suite=%s\npkgs=%s\nmirror=%s\nrecipe=%s\n' "${XDAX_ROOT_SUITE[$1]}" \
		"${XDAX_ROOT_PKGS[$1]}" "$XDAX_MIRROR" \
		"$(declare -f root_ensure _root_apt root_run | sha256sum | cut -c1-16)"
}

root_run() {
	local r
	r=$(root_path "$1")
	shift
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" &&
		mount -t tmpfs tmp "$r/tmp" || exit 90
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$r" "$@"
}

# _root_apt NAME install PKG...: apt update + install, output in the root's log.
_root_apt() {
	local name=$1 logf
	shift
	logf=$(root_path "$name").log
	if ! { root_run "$name" apt-get update -q && root_run "$name" apt-get -y -q "$@"; } \
		>>"$logf" 2>&1; then
		tail -n 30 "$logf" >&2
		die "apt-get $* in the $name root failed (log: $logf)"
	fi
}

root_ensure() {
	local name=$1 r key tmp
	r=$(root_path "$name")
	key=$(root_key "$name")
	cache_valid "$r" "$key" && return 0
	log "building $name root (debootstrap ${XDAX_ROOT_SUITE[$name]}; cached in $r)"
	tmp=$r.new
	rm -rf "$tmp"
	mkdir -p "$(dirname "$r")"
	debootstrap --variant=minbase --keyring="$XDAX_KEYRING" \
		"${XDAX_ROOT_SUITE[$name]}" "$tmp" "$XDAX_MIRROR" >"$tmp.log" 2>&1 ||
		{ tail -n 30 "$tmp.log" >&2; die "debootstrap of $name failed (log: $tmp.log)"; }
	apt_sources "$name" "trusted=no" | sed 's/\[trusted=no\] //' >"$tmp/etc/apt/sources.list"
	cat >"$tmp/etc/apt/apt.conf.d/90xdax" <<-CONF
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
		Acquire::Check-Valid-Until "$XDAX_APT_CHECK_VALID_UNTIL";
		Dpkg::Options { "--force-confdef"; "--force-confold"; };
		CONF
	# Headers of 6.x depend on the image package; its initramfs is never used here.
	mkdir -p "$tmp/etc/initramfs-tools"
	echo update_initramfs=no >"$tmp/etc/initramfs-tools/update-initramfs.conf"
	rm -rf "$r"
	mv "$tmp" "$r"
	# shellcheck disable=SC2086
	_root_apt "$name" install ${XDAX_ROOT_PKGS[$name]}
	root_run "$name" apt-get clean
	cache_seal "$r" "$key"
}

root_install() {
	local name=$1 spec missing=()
	shift
	for spec in "$@"; do
		[[ $(root_run "$name" dpkg-query -W -f='${Status} ${Version}' "${spec%%=*}" \
			2>/dev/null) == "install ok installed ${spec#*=}" ]] || missing+=("$spec")
	done
	((${#missing[@]} == 0)) && return 0
	log "installing into the $name root: ${missing[*]}"
	_root_apt "$name" install "${missing[@]}"
	root_run "$name" apt-get clean
}

root_add() {
	local name=$1 p missing=()
	shift
	for p in "$@"; do
		[[ $(root_run "$name" dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == \
			"install ok installed" ]] || missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	log "adding to the $name root: ${missing[*]}"
	_root_apt "$name" install "${missing[@]}"
	root_run "$name" apt-get clean
}
