# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for xdax's scripts: cache layout, logging, host packages, private apt.
# Sourced, never run.  Everything fetched or built lives under $XDAX_CACHE, outside the checkout.

set -euo pipefail

XDAX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XDAX_CACHE=${XDAX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xdax}
XDAX_MIRROR=${XDAX_MIRROR:-http://deb.debian.org/debian}
XDAX_SECURITY_MIRROR=${XDAX_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
XDAX_KEYRING=${XDAX_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# Signatures are always checked.  The Release files' expiry is not, by default: the archive
# this project is tested against can serve a sid/experimental whose Valid-Until has passed.
XDAX_APT_CHECK_VALID_UNTIL=${XDAX_APT_CHECK_VALID_UNTIL:-false}
export XDAX_TOP XDAX_CACHE

log()  { printf '[xdax %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[xdax] ERROR: %s\n' "$*" >&2; exit 1; }

# A cache entry is a directory with a .xdax-key file holding the text it was built from.
# cache_valid DIR KEY: true only if DIR was completed for exactly KEY.
cache_valid() { [[ -f $1/.xdax-key ]] && [[ $(cat "$1/.xdax-key") == "$2" ]]; }
cache_seal()  { printf '%s' "$2" >"$1/.xdax-key"; }

# hash_of FILE... : a short content hash used in cache keys.
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# Host packages the harness itself needs (installed from the machine's own apt sources).
XDAX_HOST_PKGS=(qemu-system-x86 debootstrap cpio kmod busybox-static xz-utils zstd
	gcc make flex bison bc libelf-dev libssl-dev dwarves perl python3 file
	libc6-dev shellcheck dpkg-dev groff-base)

host_setup() {
	local missing=() p
	for p in "${XDAX_HOST_PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	[[ $(id -u) == 0 ]] || die "missing host packages (${missing[*]}); run as root or install them"
	log "installing host packages: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Private apt configuration, one per suite set, kept in the cache: the machine's own
# sources are never read or edited.  papt NAME apt-get|apt-cache ARGS...
declare -A XDAX_APT_SUITES=(
	[bookworm]="bookworm bookworm-updates bookworm-security bookworm-backports"
	[sid]="sid experimental"
	[sid-src]="sid"
)

# apt_sources NAME OPTS: the sources.list lines of suite set NAME (NAME-src: source packages).
apt_sources() {
	local s type=deb
	[[ $1 == *-src ]] && type=deb-src
	for s in ${XDAX_APT_SUITES[$1]}; do
		if [[ $s == *-security ]]; then
			echo "$type [$2] $XDAX_SECURITY_MIRROR $s main"
		else
			echo "$type [$2] $XDAX_MIRROR $s main"
		fi
	done
}

papt_dir() { echo "$XDAX_CACHE/apt/$1"; }

papt_init() {
	local name=$1 d s
	d=$(papt_dir "$name")
	mkdir -p "$d/etc/sources.list.d" "$d/etc/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial"
	: >"$d/status.empty"
	apt_sources "$name" "signed-by=$XDAX_KEYRING" >"$d/etc/sources.list"
}

papt_opts() {
	local d
	d=$(papt_dir "$1")
	printf '%s\n' -o "Dir::Etc::SourceList=$d/etc/sources.list" \
		-o "Dir::Etc::SourceParts=$d/etc/sources.list.d" \
		-o "Dir::Etc::Preferences=$d/etc/preferences" \
		-o "Dir::Etc::PreferencesParts=$d/etc/preferences.d" \
		-o "Dir::State=$d/state" -o "Dir::State::status=$d/status.empty" \
		-o "Dir::Cache=$d/cache" -o "APT::Architecture=amd64" \
		-o "APT::Architectures::=amd64" -o "Acquire::Languages=none" \
		-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -o "Acquire::Check-Valid-Until=$XDAX_APT_CHECK_VALID_UNTIL"
}

# papt NAME CMD ARGS: run apt-get/apt-cache with the private configuration NAME.
papt() {
	local name=$1 cmd=$2
	shift 2
	local opts
	mapfile -t opts < <(papt_opts "$name")
	"$cmd" "${opts[@]}" "$@"
}

# papt_update NAME: refresh the private lists (at most once per run of a top-level script).
papt_update() {
	local stamp
	[[ -f "$(papt_dir "$1")/etc/sources.list" ]] || papt_init "$1"
	stamp="$(papt_dir "$1")/.updated.$XDAX_RUN_ID"
	[[ -f $stamp ]] && return 0
	log "apt update ($1: $(grep -c ^deb "$(papt_dir "$1")/etc/sources.list") suites)"
	papt "$1" apt-get update -qq >&2 || die "apt update for $1 failed"
	rm -f "$(papt_dir "$1")"/.updated.*
	touch "$stamp"
}

# papt_download NAME PKG=VER...: fetch .debs into the shared pool, print their paths.
XDAX_POOL=$XDAX_CACHE/debs
papt_download() {
	local name=$1 spec pkg ver f
	shift
	mkdir -p "$XDAX_POOL"
	for spec in "$@"; do
		pkg=${spec%%=*} ver=${spec#*=}
		f=$(compgen -G "$XDAX_POOL/${pkg}_${ver//:/%3a}_*.deb" | head -n1 || true)
		if [[ -z $f ]]; then
			(cd "$XDAX_POOL" && papt "$name" apt-get download -qq "$pkg=$ver" >&2) ||
				die "download of $pkg=$ver failed"
			f=$(compgen -G "$XDAX_POOL/${pkg}_${ver//:/%3a}_*.deb" | head -n1)
		fi
		echo "$f"
	done
}

XDAX_RUN_ID=${XDAX_RUN_ID:-$$.$(date +%s)}
export XDAX_RUN_ID
