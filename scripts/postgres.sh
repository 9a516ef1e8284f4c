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
    "$(dirname "$0")/debian-install.sh" postgresql
    dir=$(bindir) || die "postgresql was installed but no initdb is under /usr/lib/postgresql/*/bin"
    echo "PostgreSQL installed: $dir"
}

case "${1:-}" in
    ensure) ensure ;;
    bindir) bindir || die "no PostgreSQL under /usr/lib/postgresql/*/bin (run: scripts/postgres.sh ensure)" ;;
    *) echo "usage: scripts/postgres.sh ensure|bindir" >&2; exit 2 ;;
esac
