# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Build and install xdax with DKMS inside a Debian build root, the way users do.
# Sourced after lib.sh and roots.sh.
#
#   dkms_install ROOT ABI DEST  -> dkms add/build/install in ROOT for kernel ABI; copies the
#                                  installed module to DEST/<same path under /lib/modules>,
#                                  sets XDAX_KO_REL (path relative to /lib/modules/ABI)
# shellcheck disable=SC2034 # XDAX_KO_REL is read by callers.

xdax_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$XDAX_TOP/dkms.conf"; }

# _dkms_forget ROOT: remove every trace of xdax from the root's DKMS, so that the root holds
# no module under test between runs (a later headers install would autoinstall it).
_dkms_forget() {
	root_run "$1" sh -c "dkms remove xdax --all >/dev/null 2>&1; \
		rm -rf /usr/src/xdax-* /var/lib/dkms/xdax; \
		find /lib/modules -name 'xdax.ko*' -delete 2>/dev/null; true"
}

dkms_install() {
	local rc=0
	_dkms_install "$@" || rc=$?
	_dkms_forget "$1"
	return $rc
}

_dkms_install() {
	local root=$1 abi=$2 dest=$3 ver r ko
	ver=$(xdax_version)
	[[ -n $ver ]] || die "dkms.conf has no PACKAGE_VERSION"
	r=$(root_path "$root")
	# Start from nothing: the root is cached, the module under test is not.
	_dkms_forget "$root"
	make -s -C "$XDAX_TOP" dkms-src DESTDIR="$r/usr/src/xdax-$ver" >/dev/null
	log "dkms add/build/install xdax/$ver for $abi in the $root root"
	if ! root_run "$root" dkms add "xdax/$ver" >"$dest.dkms.log" 2>&1 ||
		! root_run "$root" dkms build "xdax/$ver" -k "$abi" >>"$dest.dkms.log" 2>&1 ||
		! root_run "$root" dkms install "xdax/$ver" -k "$abi" >>"$dest.dkms.log" 2>&1; then
		cat "$dest.dkms.log" >&2
		cat "$r/var/lib/dkms/xdax/$ver/build/make.log" \
			"$r/var/lib/dkms/xdax/$ver/$abi"/*/log/make.log >&2 2>/dev/null || true
		return 1
	fi
	root_run "$root" dkms status "xdax/$ver" -k "$abi" >>"$dest.dkms.log" 2>&1
	grep -F "xdax/$ver, $abi, " "$dest.dkms.log" | grep -q ': installed$' || {
		cat "$dest.dkms.log" >&2
		echo "dkms status does not say xdax/$ver is installed for $abi" >&2
		return 1
	}
	cp "$r/var/lib/dkms/xdax/$ver/$abi"/*/log/make.log "$dest.make.log"
	# The DKMS build of xdax itself must be warning-free with the kernel's own compiler.
	if grep -E 'warning:|error:' "$dest.make.log" >&2; then
		echo "the DKMS build printed warnings" >&2
		return 1
	fi
	ko=$(cd "$r/lib/modules/$abi" && find . -name 'xdax.ko*' | sed 's|^\./||')
	[[ $(wc -l <<<"$ko") == 1 && -n $ko ]] || {
		echo "dkms installed no single xdax module under /lib/modules/$abi: '$ko'" >&2
		return 1
	}
	XDAX_KO_REL=$ko
	install -D -m 644 "$r/lib/modules/$abi/$ko" "$dest/lib/modules/$abi/$ko"
	# The probes' answers, as the DKMS build log recorded them.
	sed -n 's/^conftest: #define/#define/p' "$dest.make.log" >"$dest.config.h"
}
