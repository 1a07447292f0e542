#!/bin/bash
# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (debian/): xdax-dkms, xdax-utils, xdax-dev, built with dpkg-buildpackage
# in the cached bookworm build root, cached under $XDAX_CACHE/deb keyed by the package's input
# files, the root and this recipe.  Sourced after lib.sh and roots.sh (make check), or run
# (make deb: takes the cache lock, copies the result to build/deb/).
#
#   deb_build   -> builds (or reuses) the packages; sets XDAX_DEB_DIR (the cached directory
#                  holding the .debs, the source package, build.log and lintian.txt) and
#                  XDAX_DEB_KEY (its key, part of the keys of everything built from them)
#   deb_file PKG   the path of package PKG's .deb in XDAX_DEB_DIR
# shellcheck disable=SC2034 # XDAX_DEB_DIR / XDAX_DEB_KEY are read by callers.

# What goes into the source package: the module's DKMS tree, the user-space files, the tool
# (once tools/xdax exists) and debian/.  Nothing of the test harness, so that a change to a
# test does not rebuild the packages.
XDAX_DEB_INPUTS=(Makefile dkms.conf module include scripts/conftest.sh scripts/xdax-check-range
	scripts/xdax-check-range.8 scripts/modprobe.d scripts/udev scripts/modules-load.d tools/xdax
	debian)
# Set XDAX_LINTIAN=0 to skip lintian (it is run once per package build, in the root).
# XDAX_DEB_CACHE: where the packages are cached (default $XDAX_CACHE/deb; the harness
# self-test builds packages of a deliberately broken tree elsewhere).
XDAX_LINTIAN=${XDAX_LINTIAN:-1}

# _deb_files: the input files, relative to XDAX_TOP, sorted (tracked and untracked files that
# git does not ignore; generated files such as module/xdax_config.h are ignored).
_deb_files() {
	(cd "$XDAX_TOP" && if [[ -e .git ]]; then
		git ls-files -co --exclude-standard -- "${XDAX_DEB_INPUTS[@]}"
	else
		find "${XDAX_DEB_INPUTS[@]}" -type f 2>/dev/null
	fi) | LC_ALL=C sort -u | while read -r f; do
		[[ -f $XDAX_TOP/$f ]] && echo "$f"
	done
}

# deb_version_check: debian/changelog's version must be dkms.conf's PACKAGE_VERSION (the one
# source of the version; the package is native, so they are equal).
deb_version_check() {
	local want got
	want=$(xdax_version)
	got=$(dpkg-parsechangelog -l "$XDAX_TOP/debian/changelog" -SVersion)
	[[ -n $want && $got == "$want" ]] ||
		die "debian/changelog says $got, dkms.conf's PACKAGE_VERSION says $want: add a changelog entry (dch -v $want)"
}

deb_file() {
	local f
	f=$(compgen -G "$XDAX_DEB_DIR/$1_$(xdax_version)_*.deb" | head -n1 || true)
	[[ -n $f ]] || die "no $1 package in $XDAX_DEB_DIR"
	echo "$f"
}

deb_build() {
	local ver d key files src
	deb_version_check
	ver=$(xdax_version)
	root_ensure bookworm
	mapfile -t files < <(_deb_files)
	src=$( (cd "$XDAX_TOP" && for f in "${files[@]}"; do
		printf '%s %s\n' "$(stat -c %a "$f")" "$f"; cat "$f"; done) | sha256sum | cut -c1-16)
	key=$(printf 'version=%s\nsrc=%s\nroot=%s\nlintian=%s\nrecipe=%s\n' "$ver" "$src" \
		"$(root_key bookworm | sha256sum | cut -c1-16)" "$XDAX_LINTIAN" \
		"$(declare -f deb_build _deb_build _deb_files | sha256sum | cut -c1-16)")
	d=${XDAX_DEB_CACHE:-$XDAX_CACHE/deb}
	XDAX_DEB_DIR=$d XDAX_DEB_KEY=$(sha256sum <<<"$key" | cut -c1-16)
	if cache_valid "$d" "$key"; then
		log "Debian packages xdax $ver: cached ($d)"
		return 0
	fi
	rm -rf "$d" "$d.new"
	mkdir -p "$d.new"
	_deb_build "$ver" "$d.new" "${files[@]}" || {
		tail -n 40 "$d.new/build.log" >&2
		die "building the Debian packages failed (log: $d.new/build.log)"
	}
	cache_seal "$d.new" "$key"
	mv "$d.new" "$d"
}

# _deb_build VERSION OUT FILE...: stage the files in the root, install the Build-Depends
# (apt-get build-dep, through the root's apt), dpkg-buildpackage, lintian; results in OUT.
_deb_build() {
	local ver=$1 out=$2 r w t0=$SECONDS
	shift 2
	r=$(root_path bookworm)
	w=/var/tmp/xdax-deb
	rm -rf "${r:?}$w"
	mkdir -p "$r$w/xdax-$ver"
	(cd "$XDAX_TOP" && tar -cf - "$@") | tar -xf - -C "$r$w/xdax-$ver" || return 1
	log "building the Debian packages of xdax $ver in the bookworm root"
	if ! root_run bookworm sh -c "cd $w/xdax-$ver && dpkg-checkbuilddeps" >"$out/build.log" 2>&1; then
		log "installing the Build-Depends into the bookworm root"
		_root_apt bookworm build-dep "$w/xdax-$ver"
		root_run bookworm apt-get clean
	fi
	root_run bookworm sh -c "cd $w/xdax-$ver && dpkg-buildpackage -us -uc" >>"$out/build.log" 2>&1 ||
		return 1
	cp "$r$w/xdax_$ver"* "$r$w/xdax-"*"_${ver}_"*.deb "$out/"
	# The generated probe header belongs to one kernel: DKMS generates it per build.
	if dpkg-deb -c "$out/xdax-dkms_${ver}_all.deb" | grep -F xdax_config.h >>"$out/build.log"; then
		echo "xdax-dkms ships the generated module/xdax_config.h" >>"$out/build.log"
		return 1
	fi
	echo "$((SECONDS - t0))" >"$out/seconds"
	if [[ $XDAX_LINTIAN == 1 ]]; then
		if ! root_run bookworm sh -c 'command -v lintian' >/dev/null 2>&1; then
			log "installing lintian into the bookworm root"
			_root_apt bookworm install lintian
			root_run bookworm apt-get clean
		fi
		# lintian's verdict is reported, not enforced (see debian/ and the report).
		root_run bookworm sh -c "cd $w && lintian -I --pedantic --tag-display-limit 0 \
			xdax_${ver}_amd64.changes" >"$out/lintian.txt" 2>&1 || true
	fi
	rm -rf "${r:?}$w"
}

# make deb: lock the cache like make check, build, copy to build/deb/.
deb_main() {
	local out=${XDAX_DEB_OUT:-$XDAX_TOP/build/deb} t0=$SECONDS
	mkdir -p "$XDAX_CACHE"
	exec 8>"$XDAX_CACHE/.check.lock"
	flock -n 8 || { log "waiting for another make check using $XDAX_CACHE"; flock 8; }
	deb_build
	rm -rf "$out"
	mkdir -p "$out"
	cp "$XDAX_DEB_DIR"/* "$out/"
	(cd "$out" && ls -1 ./*.deb ./*.dsc)
	if [[ -f $out/lintian.txt ]]; then
		log "lintian: $(grep -c '^[EWIP]: ' "$out/lintian.txt" || true) tags ($out/lintian.txt)"
		grep '^[EW]: ' "$out/lintian.txt" >&2 || true
	fi
	log "packages in $out ($((SECONDS - t0)) s); install with: apt install $out/*.deb"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	source "$(dirname "$0")/lib.sh"
	source "$XDAX_TOP/scripts/roots.sh"
	source "$XDAX_TOP/scripts/dkms.sh"
	deb_main "$@"
fi
