#!/bin/sh
# Chromium for the browser tests: Debian's package, never a browser download.
#
#   scripts/chromium.sh ensure   install Debian's `chromium` package unless /usr/bin/chromium is there
#                                (needs root or sudo -n)
set -eu

ensure() {
    if [ -x /usr/bin/chromium ]; then
        echo "Chromium found: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
        return 0
    fi
    "$(dirname "$0")/debian-install.sh" chromium
    [ -x /usr/bin/chromium ] || { echo "scripts/chromium.sh: chromium was installed but /usr/bin/chromium is missing" >&2; exit 1; }
    echo "Chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
}

case "${1:-}" in
    ensure) ensure ;;
    *) echo "usage: scripts/chromium.sh ensure" >&2; exit 2 ;;
esac
