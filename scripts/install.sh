#!/bin/sh
# Installs a sesame release binary without any toolchain: picks the file for this machine (uname, and musl
# when the C library is musl), checks it against SHA256SUMS (refusing a mismatch or a missing line), and puts
# it in ~/.local/bin (or PREFIX/bin) atomically, with the man page and shell completions when the release has
# them. Nothing is installed unless every file it would install passed the check.
#
#   sh install.sh [--prefix DIR] [SOURCE]
#
# SOURCE is the release: a base URL (https://…/v0.1.0, holding SHA256SUMS and sesame-<os>-<arch>) or a local
# folder (dist/release). Default: the folder this script is in, when it holds a SHA256SUMS.
set -eu

usage() {
  echo "usage: sh install.sh [--prefix DIR] [SOURCE]   (SOURCE: a release base URL or a folder of release files; default PREFIX: ~/.local)"
}
fail() {
  echo "install.sh: $1" >&2
  exit "${2:-1}"
}

prefix="${HOME:?HOME is not set}/.local"
source=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder" 2; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; fail "unknown option $1" 2 ;;
    *) [ -z "$source" ] || fail "one SOURCE only (got $source and $1)" 2; source="$1"; shift ;;
  esac
done
if [ -z "$source" ]; then
  here="$(cd "$(dirname "$0")" 2>/dev/null && pwd || true)"
  if [ -n "$here" ] && [ -f "$here/SHA256SUMS" ]; then source="$here"; else usage >&2; fail "say where the release is: a base URL or a folder with SHA256SUMS" 2; fi
fi

# --- which file --------------------------------------------------------------------------------------------
os="$(uname -s)"
arch="$(uname -m)"
case "$os" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT) fail "on Windows, download sesame-windows-x64.exe from the release and check it with: certutil -hashfile sesame-windows-x64.exe SHA256" ;;
  *) fail "no sesame release for $os (Linux, macOS and Windows only); build from source: npm ci && npm run build" ;;
esac
case "$arch" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "no sesame release for $os on $arch (x64 and arm64 only); build from source: npm ci && npm run build" ;;
esac
# A shell under Rosetta 2 reports x86_64 on an Apple silicon Mac: take the native binary.
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then arch=arm64; fi
libc=""
if [ "$os" = linux ]; then
  # musl's ldd names itself; glibc's says GNU. (A musl loader file alone proves nothing: Debian's musl package installs one.)
  case "$(ldd --version 2>&1 || true)" in
    *musl*) libc="-musl" ;;
  esac
fi
name="sesame-$os-$arch$libc"

# --- fetch ----------------------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/sesame-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT INT TERM

case "$source" in
  http://* | https://*)
    base="${source%/}"
    if command -v curl >/dev/null 2>&1; then get() { curl -fsSL --proto '=https,http' -o "$2" "$base/$1"; }
    elif command -v wget >/dev/null 2>&1; then get() { wget -q -O "$2" "$base/$1"; }
    else fail "neither curl nor wget is installed: download $name and SHA256SUMS by hand, then run: sh install.sh FOLDER"; fi
    ;;
  *)
    [ -d "$source" ] || fail "$source is neither a URL nor a folder"
    base="$(cd "$source" && pwd)"
    get() { [ -f "$base/$1" ] && cp "$base/$1" "$2"; }
    ;;
esac

get SHA256SUMS "$work/SHA256SUMS" || fail "could not get SHA256SUMS from $source"

if command -v sha256sum >/dev/null 2>&1; then sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
elif command -v openssl >/dev/null 2>&1; then sha256() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
else fail "no sha256sum, shasum or openssl to check the download with"; fi

# expected FILE -> the hash SHA256SUMS lists for FILE, or nothing
expected() { awk -v n="$1" '($2 == n || $2 == "*" n) && length($1) == 64 { print tolower($1); exit }' "$work/SHA256SUMS"; }

# fetch_checked FILE: downloads FILE into the work folder and refuses it unless its hash is the listed one.
fetch_checked() {
  want="$(expected "$1")"
  [ -n "$want" ] || fail "SHA256SUMS from $source has no line for $1: refusing to install an unchecked file"
  get "$1" "$work/$1" || fail "could not get $1 from $source"
  got="$(sha256 "$work/$1")"
  [ "$got" = "$want" ] || fail "$1 does not match SHA256SUMS (sha256 $got, expected $want): refusing to install it; nothing was installed"
}

fetch_checked "$name"
extras=""
for f in sesame.1 sesame.bash _sesame sesame.fish; do
  if [ -n "$(expected "$f")" ]; then fetch_checked "$f"; extras="$extras $f"; fi
done

# --- install (every file passed) ------------------------------------------------------------------------------
# put FILE DEST MODE: a temporary name in DEST's folder, then a rename, so a running sesame never sees half a file.
put() {
  mkdir -p "$(dirname "$2")"
  tmp="$(dirname "$2")/.$(basename "$2").install.$$"
  cp "$work/$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2" || { rm -f "$tmp"; fail "could not write $2"; }
}

bindir="$prefix/bin"
before=""
if [ -x "$bindir/sesame" ]; then before="$("$bindir/sesame" --version 2>/dev/null || true)"; fi
put "$name" "$bindir/sesame" 755
for f in $extras; do
  case "$f" in
    sesame.1) put "$f" "$prefix/share/man/man1/sesame.1" 644 ;;
    sesame.bash) put "$f" "$prefix/share/bash-completion/completions/sesame" 644 ;;
    _sesame) put "$f" "$prefix/share/zsh/site-functions/_sesame" 644 ;;
    sesame.fish) put "$f" "$prefix/share/fish/vendor_completions.d/sesame.fish" 644 ;;
  esac
done

now="$("$bindir/sesame" --version 2>/dev/null || echo "sesame ($name)")"
if [ -n "$before" ] && [ "$before" != "$now" ]; then echo "installed $now in $bindir (replacing $before)"
else echo "installed $now in $bindir"; fi
if [ -n "$extras" ]; then echo "man page and completions for bash, zsh and fish in $prefix/share"; fi

case ":${PATH:-}:" in
  *":$bindir:"*) ;;
  *) echo "note: $bindir is not on your PATH; add it, e.g.: echo 'export PATH=\"$bindir:\$PATH\"' >> ~/.profile" ;;
esac
catalog="${SESAME_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/sesame/sessions.toml}"
if [ -f "$catalog" ]; then
  echo "next: sesame list   (your catalog $catalog is already there)"
else
  echo "next: sesame import   (turns the profiles of ~/.aws into sessions; keys move to the OS keyring)"
  echo "      or write a catalog at $catalog (see docs/install.md)"
fi
