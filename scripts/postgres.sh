#!/bin/sh
# PostgreSQL for the tests: Debian's packages, a throwaway cluster run by tests/support/postgres.py.
#
#   scripts/postgres.sh ensure   install Debian's `postgresql` package unless an initdb is
#                                already under /usr/lib/postgresql/*/bin (needs root or sudo -n)
#   scripts/postgres.sh bindir   print the newest /usr/lib/postgresql/<version>/bin with initdb
set -eu

bindir() {
    # newest major version first (sort -V), first one that has initdb and pg_ctl
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

die() {
    echo "scripts/postgres.sh: $*" >&2
    exit 1
}

ensure() {
    if dir=$(bindir); then
        echo "PostgreSQL found: $dir"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "no PostgreSQL under /usr/lib/postgresql/*/bin and no apt-get to install it (install PostgreSQL's server binaries, or set MONITOR_TEST_PG_URL to an existing server)"
    if [ "$(id -u)" -eq 0 ]; then
        as_root=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root="sudo -n"
    else
        die "PostgreSQL is not installed and installing it needs root: run 'sudo apt-get install postgresql', or set MONITOR_TEST_PG_URL to an existing server"
    fi
    echo "Installing Debian's postgresql package (apt-get) ..."
    export DEBIAN_FRONTEND=noninteractive
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed (no network or no package mirror?)"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql \
        || die "apt-get install postgresql failed"
    dir=$(bindir) || die "postgresql was installed but no initdb is under /usr/lib/postgresql/*/bin"
    echo "PostgreSQL installed: $dir"
}

case "${1:-}" in
    ensure) ensure ;;
    bindir) bindir || die "no PostgreSQL under /usr/lib/postgresql/*/bin (run: scripts/postgres.sh ensure)" ;;
    *) echo "usage: scripts/postgres.sh ensure|bindir" >&2; exit 2 ;;
esac
