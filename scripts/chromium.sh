#!/bin/sh
# Chromium for the browser tests: Debian's package, never a browser download.
#
#   scripts/chromium.sh ensure   install Debian's `chromium` package unless /usr/bin/chromium is there
#                                (needs root or sudo -n)
set -eu

die() {
    echo "scripts/chromium.sh: $*" >&2
    exit 1
}

ensure() {
    if [ -x /usr/bin/chromium ]; then
        echo "Chromium found: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "no /usr/bin/chromium and no apt-get to install it (install Debian's chromium package)"
    if [ "$(id -u)" -eq 0 ]; then
        as_root=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root="sudo -n"
    else
        die "Chromium is not installed and installing it needs root: run 'sudo apt-get install chromium'"
    fi
    echo "Installing Debian's chromium package (apt-get) ..."
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed (no network or no package mirror?)"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
        || die "apt-get install chromium failed"
    [ -x /usr/bin/chromium ] || die "chromium was installed but /usr/bin/chromium is missing"
    echo "Chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
}

case "${1:-}" in
    ensure) ensure ;;
    *) echo "usage: scripts/chromium.sh ensure" >&2; exit 2 ;;
esac
