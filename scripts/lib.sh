# SPDX-License-Identifier: GPL-2.0
# Helpers shared by gospan's scripts; sourced, never run.

GOSPAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOSPAN_CACHE=${GOSPAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gospan}
GOSPAN_KVER=${GOSPAN_KVER:-6.12}
JOBS=${JOBS:-$(nproc)}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# need_pkgs PKG...: install the Debian packages that are missing.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	if [ ! -e "$GOSPAN_CACHE/.apt-updated" ] ||
	   ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2; then
		$sudo apt-get update -q >&2 || die "apt-get update failed"
		mkdir -p "$GOSPAN_CACHE" && touch "$GOSPAN_CACHE/.apt-updated"
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >&2 ||
			die "cannot install ${missing[*]}"
	fi
}

# pkg_version PKG: the installed version of a Debian package.
pkg_version() { dpkg-query -W -f='${Version}' "$1"; }

# The Debian ABI names of the stock kernels the headers meta-packages point at.
stock_abi() {
	case $1 in
	stock-6.1)  need_pkgs linux-headers-amd64
		    dpkg-query -W -f='${Depends}' linux-headers-amd64 ;;
	stock-6.12) need_pkgs linux-headers-6.12-amd64
		    dpkg-query -W -f='${Depends}' linux-headers-6.12-amd64 ;;
	*) die "unknown stock kernel $1" ;;
	esac | sed -e 's/^linux-headers-//' -e 's/[ ,(].*//'
}

# copy_sources DEST: copy the module sources git would carry (tracked, or
# untracked and not ignored) to DEST, keeping mtimes so that make rebuilds
# only what changed.
copy_sources() {
	need_pkgs rsync
	mkdir -p "$1"
	(cd "$GOSPAN_ROOT" && git ls-files -co --exclude-standard -- \
		Kbuild '*.c' '*.h' '*/Kbuild') |
		rsync -a --files-from=- "$GOSPAN_ROOT/" "$1/"
}
