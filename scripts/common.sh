# shellcheck shell=bash
# Helpers sourced by scripts/demo.sh and scripts/test.sh. Safe under `set -euo pipefail`.
#
# Provides:
#   PG_BULK_ROOT       absolute path of the checkout (the directory above scripts/)
#   PG_BIN             /usr/lib/postgresql/15/bin (PG_BULK_PG_BIN overrides it: a developer's private copy
#                      of the server tree, so that test runs do not share the system's installed extension)
#   PG_CONFIG          $PG_BIN/pg_config (passed to every make, so PostgreSQL 15 is used whatever is on PATH)
#   PG_BULK_PACKAGES   the Debian packages the project needs
#   log / die          print a line prefixed with the script name (die also exits 1)
#   require_root       exit with a clear message unless running as root
#   ensure_packages    install PG_BULK_PACKAGES with apt-get unless all are installed already
#   build_and_install  make -j2 && make install in PG_BULK_ROOT (skipped when PG_BULK_SKIP_BUILD=1)
#   as_postgres CMD..  run CMD as the OS user postgres, from / (stdin/stdout pass through)
#
# Developer convenience: PG_BULK_SKIP_BUILD=1 makes build_and_install do nothing, e.g. to restart the demo
# cluster while the sources do not compile.

PG_BULK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BULK_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_CONFIG="$PG_BIN/pg_config"
PG_BULK_PACKAGES=(
    postgresql-15 postgresql-server-dev-15 nlohmann-json3-dev libipc-run-perl postgresql-15-cron
    cmake g++ libgtest-dev clang make
)

log() {
    printf '%s: %s\n' "$(basename "$0")" "$*"
}

die() {
    printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        die "must run as root (it installs packages with apt-get, runs make install into the system" \
            "PostgreSQL 15 and starts servers as the OS user postgres); try: sudo bash $0"
    fi
}

# True when every package in PG_BULK_PACKAGES is installed (not merely known, removed or half-configured).
_pg_bulk_packages_installed() {
    local pkg status
    for pkg in "${PG_BULK_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
        [ "$status" = installed ] || return 1
    done
    return 0
}

ensure_packages() {
    require_root
    if _pg_bulk_packages_installed; then
        return 0
    fi
    log "installing packages: ${PG_BULK_PACKAGES[*]}"
    apt-get update
    # All together: installing the dev package alone may upgrade the server package underneath.
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${PG_BULK_PACKAGES[@]}"
    _pg_bulk_packages_installed || die "packages still missing after apt-get install"
}

build_and_install() {
    if [ "${PG_BULK_SKIP_BUILD:-0}" = 1 ]; then
        log "PG_BULK_SKIP_BUILD=1: not building or installing; using the pg_bulk already installed"
        return 0
    fi
    require_root
    log "building pg_bulk and installing it into $("$PG_CONFIG" --pkglibdir)"
    # -s hides the command lines; compiler warnings and errors still show.
    make -s -C "$PG_BULK_ROOT" -j2 PG_CONFIG="$PG_CONFIG" || die "build failed (see the errors above)"
    make -s -C "$PG_BULK_ROOT" install PG_CONFIG="$PG_CONFIG" >/dev/null || die "make install failed"
}

# Run a command as the OS user postgres. It runs from / because the caller's working directory (e.g. under
# /root) may not be accessible to postgres; pass absolute paths.
as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}
