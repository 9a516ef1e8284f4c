#!/bin/sh
# Install Debian packages for the tests (PostgreSQL, Chromium): apt-get as root, or through `sudo -n`.
#
#   scripts/debian-install.sh PACKAGE…
set -eu

die() {
    echo "scripts/debian-install.sh: $*" >&2
    exit 1
}

[ "$#" -gt 0 ] || die "usage: scripts/debian-install.sh PACKAGE…"
command -v apt-get >/dev/null 2>&1 || die "no apt-get to install $* (install it by hand)"
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    die "installing $* needs root: run 'sudo apt-get install $*'"
fi
echo "Installing Debian's $* (apt-get) ..."
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
    || die "apt-get update failed (no network or no package mirror?)"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    || die "apt-get install $* failed"
