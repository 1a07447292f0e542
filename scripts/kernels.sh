# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The Debian kernel matrix: resolve the newest build of each series, fetch and unpack it.
# Sourced after lib.sh.
#
#   kernel_resolve SERIES   -> sets K_ABI K_VER K_ROOT K_IMAGE_PKGS K_HEADERS
#   kernel_ensure           -> unpacks the resolved kernel, sets K_DIR (vmlinuz, lib/modules/ABI)
# shellcheck disable=SC2034 # K_* and XDAX_SERIES are this library's results, read by callers.

# series | private apt config and build root | suites allowed | package naming the build
XDAX_SERIES=(6.1 6.12 7.2 7.3)
declare -A XDAX_SERIES_APT=([6.1]=bookworm [6.12]=bookworm [7.2]=sid [7.3]=sid)
declare -A XDAX_SERIES_SUITES=(
	[6.1]="bookworm bookworm-updates bookworm-security"
	[6.12]="bookworm-backports"
	[7.2]="sid"
	[7.3]="experimental"
)
declare -A XDAX_SERIES_PKG=(
	[6.1]='linux-image-(6\.1\.0-[0-9]+-amd64)-unsigned'
	[6.12]='linux-image-(6\.12\.[0-9]+\+deb12-amd64)-unsigned'
	[7.2]='linux-binary-unsigned-(7\.2\.[0-9]+\+deb14-amd64)'
	[7.3]='linux-binary-unsigned-(7\.3-amd64)'
)

kernel_resolve() {
	local series=$1 apt re pkg line ver suite best_pkg="" best_ver="" abi
	apt=${XDAX_SERIES_APT[$series]:?unknown kernel series $series}
	re=${XDAX_SERIES_PKG[$series]}
	papt_update "$apt"
	while read -r pkg; do
		[[ $pkg =~ ^${re}$ ]] || continue
		while IFS='|' read -r _ ver line; do
			ver=${ver// /}
			suite=$(awk '{print $2}' <<<"$line")
			suite=${suite%%/*}
			[[ " ${XDAX_SERIES_SUITES[$series]} " == *" $suite "* ]] || continue
			if [[ -z $best_ver ]] || dpkg --compare-versions "$ver" gt "$best_ver"; then
				best_ver=$ver best_pkg=$pkg
			fi
		done < <(papt "$apt" apt-cache madison "$pkg")
	done < <(papt "$apt" apt-cache pkgnames "${re%%(*}" | sort -u)
	[[ -n $best_pkg ]] || die "no Debian kernel of series $series in ${XDAX_SERIES_SUITES[$series]}"
	[[ $best_pkg =~ ^${re}$ ]]
	abi=${BASH_REMATCH[1]}
	K_ABI=$abi K_VER=$best_ver K_ROOT=$apt
	if [[ $best_pkg == linux-binary-* ]]; then
		K_IMAGE_PKGS=("$best_pkg=$K_VER" "linux-modules-$abi=$K_VER" "linux-base-$abi=$K_VER")
	else
		K_IMAGE_PKGS=("$best_pkg=$K_VER")
	fi
	K_HEADERS="linux-headers-$abi=$K_VER"
}

kernel_ensure() {
	local d key deb
	d=$XDAX_CACHE/kernels/$K_ABI
	key="${K_IMAGE_PKGS[*]} recipe=$(declare -f kernel_ensure | sha256sum | cut -c1-16)"
	if ! cache_valid "$d" "$key"; then
		log "fetching Debian kernel $K_ABI ($K_VER)"
		rm -rf "$d" "$d.new"
		mkdir -p "$d.new/x"
		for deb in $(papt_download "$K_ROOT" "${K_IMAGE_PKGS[@]}"); do
			dpkg-deb -x "$deb" "$d.new/x"
		done
		# 6.x ships /boot/vmlinuz-ABI and /lib/modules; 7.x ships /usr/lib/modules/ABI/vmlinuz*.
		mkdir -p "$d.new/lib/modules"
		if [[ -d $d.new/x/usr/lib/modules/$K_ABI ]]; then
			mv "$d.new/x/usr/lib/modules/$K_ABI" "$d.new/lib/modules/"
		else
			mv "$d.new/x/lib/modules/$K_ABI" "$d.new/lib/modules/"
		fi
		for f in "$d.new/x/boot/vmlinuz-$K_ABI" "$d.new/lib/modules/$K_ABI"/vmlinuz*; do
			[[ -f $f ]] && mv "$f" "$d.new/vmlinuz"
		done
		[[ -f $d.new/vmlinuz ]] || die "no kernel image in ${K_IMAGE_PKGS[*]}"
		[[ -f $d.new/lib/modules/$K_ABI/modules.order ]] || die "no modules in ${K_IMAGE_PKGS[*]}"
		rm -rf "$d.new/x"
		# Debian generates modules.dep at install time; do it for the unpacked tree.
		depmod -b "$d.new" "$K_ABI" || die "depmod failed for $K_ABI"
		cache_seal "$d.new" "$key"
		mv "$d.new" "$d"
	fi
	K_DIR=$d
}
