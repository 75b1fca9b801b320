# SPDX-License-Identifier: GPL-2.0
# Helpers shared by gospan's scripts; sourced, never run.

GOSPAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOSPAN_CACHE=${GOSPAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gospan}
GOSPAN_KVER=${GOSPAN_KVER:-6.12}
JOBS=${JOBS:-$(nproc)}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# need_pkgs PKG...: install the Debian packages that are missing. apt waits
# up to 10 minutes for another apt or dpkg (another script's need_pkgs) to
# finish instead of failing at once.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'ok installed' >/dev/null ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	local sudo= wait=(-o DPkg::Lock::Timeout=600)
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	if [ ! -e "$GOSPAN_CACHE/.apt-updated" ] ||
	   ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q \
		--no-install-recommends "${missing[@]}" >&2; then
		$sudo apt-get "${wait[@]}" update -q >&2 || die "apt-get update failed"
		mkdir -p "$GOSPAN_CACHE" && touch "$GOSPAN_CACHE/.apt-updated"
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q \
			--no-install-recommends "${missing[@]}" >&2 ||
			die "cannot install ${missing[*]}"
	fi
}

# pkg_version PKG: the installed version of a Debian package.
pkg_version() { dpkg-query -W -f='${Version}' "$1"; }

# Every guest kernel, in one place: a built flavour lists its config
# fragments (scripts/kconfig/NAME.config, applied in this order on top of
# tinyconfig; a later fragment may override a line of an earlier one), a
# stock kernel the Debian headers meta-package whose dependency names its
# ABI. gospan-kernel, gospan-vm, gospan-build and the tests read this table.
GOSPAN_KERNEL_TABLE='
debug          built  base debug
debug-rt       built  base debug rt
perf           built  base perf
stock-6.1      stock  linux-headers-amd64
stock-6.12     stock  linux-headers-6.12-amd64
stock-6.12-rt  stock  linux-headers-6.12-rt-amd64
'

# kernel_names: every kernel's name, one a line, in the table's order.
kernel_names() { awk 'NF { print $1 }' <<<"$GOSPAN_KERNEL_TABLE"; }
# kernels_usage: the names joined with '|', for usage lines.
kernels_usage() { kernel_names | paste -sd '|'; }
# kernel_kind NAME: "built" or "stock"; fails for an unknown name.
kernel_kind() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' \
		<<<"$GOSPAN_KERNEL_TABLE"
}
# kernel_fragments NAME: the fragment paths of a built flavour, one a line.
kernel_fragments() {
	awk -v k="$1" -v d="$GOSPAN_ROOT/scripts/kconfig" \
		'$1 == k && $2 == "built" { for (i = 3; i <= NF; i++) print d "/" $i ".config"; found = 1 }
		 END { exit !found }' <<<"$GOSPAN_KERNEL_TABLE"
}
# check_kernel NAME: die unless NAME is in the table.
check_kernel() {
	kernel_kind "$1" > /dev/null ||
		die "unknown kernel '$1' (kernels: $(kernels_usage))"
}

# stock_abi NAME: the Debian ABI name (6.12.117+deb12-rt-amd64...) of a stock
# kernel, the one its headers meta-package depends on.
stock_abi() {
	local meta
	meta=$(awk -v k="$1" '$1 == k && $2 == "stock" { print $3 }' <<<"$GOSPAN_KERNEL_TABLE")
	[ -n "$meta" ] || die "unknown stock kernel $1"
	need_pkgs "$meta"
	dpkg-query -W -f='${Depends}' "$meta" |
		sed -e 's/^linux-headers-//' -e 's/[ ,(].*//'
}

# The console lines that fail a guest run whatever its tests said, for
# grep -E: kernel reports (BUG: covers "BUG: sleeping function called from
# invalid context", which is also named, and lockdep's "BUG: Invalid wait
# context"), kmemleak, gospan's own teardown report, and the guest scripts'
# "GOSPAN-TEST: FAIL" lines.
GOSPAN_BAD='BUG:|WARNING:|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|'
GOSPAN_BAD+='possible circular locking|possible recursive locking|inconsistent lock state|'
GOSPAN_BAD+='suspected memory leak|unreferenced object|INFO: task .* blocked|'
GOSPAN_BAD+='sleeping function called from invalid context|'
GOSPAN_BAD+='at teardown: kept|GOSPAN-TEST: FAIL'

# cache_lock NAME: hold an exclusive lock (on fd 9) for the rest of this
# process, so that a second script building the same thing in the cache
# waits for the first instead of building it alongside.
cache_lock() {
	mkdir -p "$GOSPAN_CACHE/locks"
	exec 9> "$GOSPAN_CACHE/locks/$1"
	if ! flock -n 9; then
		log "waiting for another build of $1 to finish"
		flock 9
	fi
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
