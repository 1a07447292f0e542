# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Install xdax's Debian packages (scripts/deb.sh) into a Debian build root with apt, the way
# users do, and take the module that the package's DKMS build produced for a test kernel.
# Sourced after lib.sh, roots.sh and deb.sh; deb_build must have run (XDAX_DEB_DIR).
#
#   dkms_install ROOT ABI DEST  -> the module DKMS built from xdax-dkms for kernel ABI in
#                                  ROOT, copied to DEST/<same path under /lib/modules>; sets
#                                  XDAX_KO_REL (path relative to /lib/modules/ABI).  Also
#                                  DEST.dkms.log (apt, dkms, and the checks), DEST.make.log
#                                  (the DKMS build log), DEST.config.h (the probes' answers).
#
# One install cycle in ROOT (_dkms_cycle):
#   1. apt-get install ./xdax-dkms_*.deb ./xdax-utils_*.deb ./xdax-dev_*.deb.  The
#      xdax-dkms postinst (dh_dkms -> /usr/lib/dkms/common.postinst) builds and installs
#      the module.  On a machine it builds for the running kernel and the newest one with
#      headers; in a chroot the running kernel is the host's, which has no headers there
#      (common.postinst: "It is likely that ... belongs to a chroot's host"), and it builds
#      for every kernel under /lib/modules whose headers are installed: here the root's
#      test kernels (bookworm: 6.1 and 6.12, sid: 7.2 and 7.3).  Nothing else is needed.
#   2. Only if that did not install it for ABI: what linux-headers-ABI's postinst runs when
#      headers come after the package, /etc/kernel/header_postinst.d/dkms ABI (dkms
#      autoinstall for that kernel); its output is in the log.  `dkms install -k ABI` would
#      work too, but is not what happens on a Debian user's machine.
#   3. dkms status must say "installed" for ABI and nothing else (no "built", "added",
#      "broken", no WARNING), the build log must be warning-free, group xdax must exist.
#   4. apt-get purge of the three packages; then dkms status must not mention xdax, and no
#      /usr/src/xdax-*, /var/lib/dkms/xdax or xdax.ko may be left in the root.
# Every kernel the cycle built (the newest one too) is cached under $XDAX_CACHE/dkms/ABI,
# keyed by the packages (_dkms_debs_key), the root's key, the kernel's headers package version
# and this recipe: a warm make check reuses it, a change to any of them redoes the cycle.
# XDAX_DKMS_CACHE overrides $XDAX_CACHE/dkms (the harness self-test).
# shellcheck disable=SC2034 # XDAX_KO_REL is read by callers.

xdax_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$XDAX_TOP/dkms.conf"; }

XDAX_DEB_PKGS=(xdax-dkms xdax-utils xdax-dev)

# _dkms_forget ROOT: purge the packages and remove any other trace of xdax from the root's
# DKMS (an interrupted run, or the tree-based install of older harnesses), so that the
# cached root holds no xdax between runs (a later headers install would autoinstall it).
# The group xdax goes too (purge keeps it, as Debian does): each cycle sees the postinst
# create it.
_dkms_forget() {
	root_run "$1" sh -c "for p in ${XDAX_DEB_PKGS[*]}; do \
		dpkg-query -W -f='\${Status}' \$p 2>/dev/null | grep -qv not-installed &&
		apt-get purge -y -q \$p; done; \
		dkms remove xdax --all >/dev/null 2>&1; \
		rm -rf /usr/src/xdax-* /var/lib/dkms/xdax; \
		find /lib/modules/ -name 'xdax.ko*' -delete 2>/dev/null; \
		groupdel xdax 2>/dev/null; true" >/dev/null 2>&1
}

# _dkms_debs_key: what of the packages the cycle depends on: the whole xdax-dkms .deb (its
# build is reproducible: SOURCE_DATE_EPOCH from debian/changelog) and the maintainer scripts
# of the other two.  A change to the tool or the udev rule alone does not rebuild modules.
_dkms_debs_key() {
	local p s
	{
		sha256sum <"$(deb_file xdax-dkms)"
		for p in xdax-utils xdax-dev; do
			for s in preinst postinst prerm postrm; do
				dpkg-deb -I "$(deb_file "$p")" "$s" 2>/dev/null || true
			done
		done
	} | sha256sum | cut -c1-16
}

# _dkms_key ROOT ABI: the cache key of ABI's module built in ROOT.
_dkms_key() {
	printf 'debs=%s\nroot=%s\nheaders=%s\nrecipe=%s\n' "$(_dkms_debs_key)" \
		"$(root_key "$1" | sha256sum | cut -c1-16)" \
		"$(root_run "$1" dpkg-query -W -f='${Version}' "linux-headers-$2" 2>/dev/null)" \
		"$(declare -f dkms_install _dkms_cycle _dkms_harvest _dkms_forget _dkms_debs_key |
			sha256sum | cut -c1-16)"
}

dkms_install() {
	local root=$1 abi=$2 dest=$3 c key
	c=${XDAX_DKMS_CACHE:-$XDAX_CACHE/dkms}/$abi
	key=$(_dkms_key "$root" "$abi")
	if ! cache_valid "$c" "$key"; then
		local rc=0
		_dkms_cycle "$root" "$abi" "$dest.dkms.log" || rc=$?
		_dkms_forget "$root"
		((rc == 0)) || return 1
		cache_valid "$c" "$key" || {
			echo "the install cycle left no module for $abi in $c" >&2
			return 1
		}
	else
		log "xdax-dkms module for $abi: cached ($c)"
	fi
	rm -rf "$dest"
	cp -a "$c/tree" "$dest"
	cp "$c/dkms.log" "$dest.dkms.log"
	cp "$c/make.log" "$dest.make.log"
	cp "$c/config.h" "$dest.config.h"
	XDAX_KO_REL=$(cat "$c/ko")
}

# _dkms_harvest ROOT ABI LOG: after a successful DKMS install for ABI, check it and cache the
# module, its build log and the probes' answers in $XDAX_CACHE/dkms/ABI.
_dkms_harvest() {
	local root=$1 abi=$2 logf=$3 ver r c ko
	ver=$(xdax_version)
	r=$(root_path "$root")
	c=${XDAX_DKMS_CACHE:-$XDAX_CACHE/dkms}/$abi
	rm -rf "$c" "$c.new"
	mkdir -p "$c.new/tree"
	cp "$r/var/lib/dkms/xdax/$ver/$abi"/*/log/make.log "$c.new/make.log" 2>/dev/null || {
		echo "no DKMS build log for $abi" >&2
		return 1
	}
	# The DKMS build of xdax itself must be warning-free with the kernel's own compiler.
	if grep -E 'warning:|error:' "$c.new/make.log" >&2; then
		echo "the DKMS build for $abi printed warnings" >&2
		return 1
	fi
	ko=$(cd "$r/lib/modules/$abi" && find . -name 'xdax.ko*' | sed 's|^\./||')
	[[ $(wc -l <<<"$ko") == 1 && -n $ko ]] || {
		echo "dkms installed no single xdax module under /lib/modules/$abi: '$ko'" >&2
		return 1
	}
	echo "$ko" >"$c.new/ko"
	install -D -m 644 "$r/lib/modules/$abi/$ko" "$c.new/tree/lib/modules/$abi/$ko"
	# The probes' answers, as the DKMS build log recorded them.
	sed -n 's/^conftest: #define/#define/p' "$c.new/make.log" >"$c.new/config.h"
	cp "$logf" "$c.new/dkms.log"
	cache_seal "$c.new" "$(_dkms_key "$root" "$abi")"
	mv "$c.new" "$c"
}

# _dkms_unharvest ABI...: a cycle that failed after harvesting caches nothing.
_dkms_unharvest() {
	local k
	for k in "$@"; do
		rm -rf "${XDAX_DKMS_CACHE:-${XDAX_CACHE:?}/dkms}/$k"
	done
}

# _dkms_cycle ROOT ABI LOG: install, build for ABI, check, harvest, purge, check (see top).
_dkms_cycle() {
	local root=$1 abi=$2 logf=$3 ver r d st k built=() p c
	ver=$(xdax_version)
	r=$(root_path "$root")
	_dkms_forget "$root"
	d=/var/tmp/xdax-debs
	rm -rf "${r:?}$d"
	mkdir -p "$r$d"
	for p in "${XDAX_DEB_PKGS[@]}"; do
		cp "$(deb_file "$p")" "$r$d/"
	done
	log "apt-get install xdax-dkms xdax-utils xdax-dev ($ver) in the $root root (DKMS builds for $abi)"
	{
		echo "## apt-get install ./xdax-*.deb"
		root_run "$root" apt-get update -q
		root_run "$root" sh -c "apt-get install -y -q $d/*.deb"
	} >"$logf" 2>&1 || {
		cat "$logf" >&2
		echo "apt-get install of the xdax packages failed in the $root root" >&2
		return 1
	}
	if ! root_run "$root" dkms status "xdax/$ver" -k "$abi" 2>>"$logf" | grep -q ': installed$'; then
		{
			echo "## /etc/kernel/header_postinst.d/dkms $abi (as linux-headers-$abi's postinst)"
			root_run "$root" /etc/kernel/header_postinst.d/dkms "$abi"
		} >>"$logf" 2>&1
	fi
	# stdout only: bookworm's dkms status runs readelf, whose complaints about the kernel's
	# missing .comment section go to stderr (into the log).
	st=$(root_run "$root" dkms status 2>>"$logf")
	printf '## dkms status after install\n%s\n' "$st" >>"$logf"
	if ! grep -q "^xdax/$ver, $abi, [^:]*: installed$" <<<"$st"; then
		cat "$logf" >&2
		cat "$r/var/lib/dkms/xdax/$ver/build/make.log" \
			"$r/var/lib/dkms/xdax/$ver/$abi"/*/log/make.log >&2 2>/dev/null || true
		echo "dkms status does not say xdax/$ver is installed for $abi" >&2
		return 1
	fi
	if grep -v ': installed$' <<<"$st" | grep -q xdax || grep -qi 'warning\|error\|broken' <<<"$st"; then
		echo "dkms status is not clean after install: $st" >&2
		return 1
	fi
	root_run "$root" getent group xdax >>"$logf" 2>&1 || {
		echo "xdax-utils' postinst did not create the group xdax" >&2
		return 1
	}
	mapfile -t built < <(sed -n "s|^xdax/$ver, \([^,]*\), [^:]*: installed$|\1|p" <<<"$st")
	for k in "${built[@]}"; do
		if [[ $k == "$abi" ]]; then
			_dkms_harvest "$root" "$k" "$logf" || { _dkms_unharvest "${built[@]}"; return 1; }
		else
			_dkms_harvest "$root" "$k" "$logf" 2>/dev/null || true
		fi
	done
	{
		echo "## apt-get purge ${XDAX_DEB_PKGS[*]}"
		root_run "$root" apt-get purge -y -q "${XDAX_DEB_PKGS[@]}"
	} >>"$logf" 2>&1 || {
		cat "$logf" >&2
		echo "apt-get purge of the xdax packages failed" >&2
		_dkms_unharvest "${built[@]}"
		return 1
	}
	st=$(root_run "$root" sh -c "dkms status 2>/dev/null; ls -d /usr/src/xdax-* /var/lib/dkms/xdax 2>/dev/null; \
		find /lib/modules/ -name 'xdax.ko*' 2>/dev/null; \
		dpkg-query -W -f='\${Package} \${Status}\n' 'xdax*' 2>/dev/null | grep -v not-installed")
	printf '## after purge: dkms status, leftovers\n%s\n' "$st" >>"$logf"
	echo "## the group stays (Debian keeps system groups on purge): $(root_run "$root" getent group xdax)" >>"$logf"
	if grep -q xdax <<<"$st"; then
		echo "xdax left behind after apt-get purge: $st" >&2
		_dkms_unharvest "${built[@]}"
		return 1
	fi
	rm -rf "${r:?}$d"
	# The harvested entries hold a log that ends before the purge: give them the whole log.
	for k in "${built[@]}"; do
		c=${XDAX_DKMS_CACHE:-$XDAX_CACHE/dkms}/$k
		[[ -d $c ]] && cp "$logf" "$c/dkms.log"
	done
	return 0
}
