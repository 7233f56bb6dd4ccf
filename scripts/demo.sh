#!/usr/bin/env bash
# Throwaway demo cluster for pg_bulk (run as root on Debian 12).
#
#   bash scripts/demo.sh          install packages, build + install pg_bulk, (re)start the demo cluster,
#                                 recreate the extension in database postgres and run scripts/demo.sql
#   bash scripts/demo.sh stop     stop the demo cluster
#   bash scripts/demo.sh psql ... open psql on the demo cluster (extra arguments go to psql)
#   bash scripts/demo.sh status   say where the demo cluster lives and whether it runs
#
# The cluster belongs to the OS user postgres (initdb refuses root), listens only on a unix socket in its own
# directory, port 55432, and preloads pg_bulk. It lives in <project>/.demo when the user postgres can reach the
# project folder, otherwise in /var/tmp/pg_bulk-demo. No other cluster (e.g. Debian's on 5432) is touched.
# Layout: <dir>/data (data directory), <dir>/socket (unix socket), <dir>/postgres.log (server log).
#
# PG_BULK_SKIP_BUILD=1 skips the build and install (developer convenience; see scripts/common.sh).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_PORT=55432
PROJECT_DEMO_DIR="$PG_BULK_ROOT/.demo"
FALLBACK_DEMO_DIR=/var/tmp/pg_bulk-demo
DEMO_SQL="$PG_BULK_ROOT/scripts/demo.sql"

usage() {
    echo "usage: bash scripts/demo.sh [start | stop | psql [psql arguments] | status]" >&2
    exit 2
}

# Set DEMO_DIR and DEMO_WHY: the project's .demo when postgres can reach it, else the fallback.
choose_demo_dir() {
    local sock_path="$PROJECT_DEMO_DIR/socket/.s.PGSQL.$DEMO_PORT"
    if ! as_postgres test -x "$PG_BULK_ROOT"; then
        DEMO_DIR="$FALLBACK_DEMO_DIR"
        DEMO_WHY="the OS user postgres cannot enter $PG_BULK_ROOT (e.g. a folder under /root or a 0700 mktemp dir)"
    elif [ -e "$PROJECT_DEMO_DIR" ] && ! owned_by_root_or_postgres "$PROJECT_DEMO_DIR"; then
        DEMO_DIR="$FALLBACK_DEMO_DIR"
        DEMO_WHY="$PROJECT_DEMO_DIR belongs to another user ($(stat -c %U "$PROJECT_DEMO_DIR"))"
    elif [ "${#sock_path}" -gt 100 ]; then
        DEMO_DIR="$FALLBACK_DEMO_DIR"
        DEMO_WHY="the socket path under $PROJECT_DEMO_DIR would exceed the 107-byte unix socket limit"
    else
        DEMO_DIR="$PROJECT_DEMO_DIR"
        DEMO_WHY="the OS user postgres can reach $PG_BULK_ROOT"
    fi
    set_demo_paths "$DEMO_DIR"
}

set_demo_paths() {
    DEMO_DIR="$1"
    DEMO_DATA="$DEMO_DIR/data"
    DEMO_SOCK="$DEMO_DIR/socket"
    DEMO_LOG="$DEMO_DIR/postgres.log"
}

owned_by_root_or_postgres() {
    case "$(stat -c %U "$1")" in
        root | postgres) return 0 ;;
        *) return 1 ;;
    esac
}

# Create (or take over) a directory owned by postgres, mode 0700. Refuses symlinks, non-directories and
# directories owned by anyone but root or postgres: /var/tmp is world-writable.
prepare_dir() {
    local dir="$1"
    if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then
        die "$dir exists and is not a plain directory; remove it and run again"
    fi
    if [ -e "$dir" ] && ! owned_by_root_or_postgres "$dir"; then
        die "$dir is owned by $(stat -c %U "$dir"), not by postgres; remove it and run again"
    fi
    install -d -o postgres -g postgres -m 0700 "$dir"
}

# True when a postmaster runs on the data directory of the demo dir $1.
demo_running_in() {
    as_postgres "$PG_BIN/pg_ctl" status -D "$1/data" >/dev/null 2>&1
}

# Set the paths to the demo cluster that runs (the chosen location first); false when none runs.
find_running_demo() {
    local dir
    choose_demo_dir
    for dir in "$DEMO_DIR" "$PROJECT_DEMO_DIR" "$FALLBACK_DEMO_DIR"; do
        if demo_running_in "$dir"; then
            set_demo_paths "$dir"
            return 0
        fi
    done
    return 1
}

demo_psql() {
    as_postgres "$PG_BIN/psql" -h "$DEMO_SOCK" -p "$DEMO_PORT" -U postgres -d postgres "$@"
}

show_log_tail() {
    if [ -f "$DEMO_LOG" ]; then
        echo "----- last 50 lines of $DEMO_LOG -----" >&2
        tail -n 50 "$DEMO_LOG" >&2
        echo "-----" >&2
    fi
}

write_demo_conf() {
    local sock_quoted="${DEMO_SOCK//\'/\'\'}"
    as_postgres tee "$DEMO_DATA/pg_bulk_demo.conf" >/dev/null <<EOF
# Written by scripts/demo.sh on every run; edit the script, not this file.
port = $DEMO_PORT
listen_addresses = ''
unix_socket_directories = '$sock_quoted'
shared_preload_libraries = 'pg_bulk'
EOF
}

cmd_start() {
    require_root
    [ -f "$DEMO_SQL" ] || die "$DEMO_SQL is missing"
    ensure_packages
    build_and_install

    choose_demo_dir
    log "demo cluster in $DEMO_DIR: $DEMO_WHY"

    prepare_dir "$DEMO_DIR"
    prepare_dir "$DEMO_SOCK"
    if [ ! -f "$DEMO_DATA/PG_VERSION" ]; then
        log "initdb $DEMO_DATA"
        as_postgres "$PG_BIN/initdb" -D "$DEMO_DATA" -U postgres --auth=trust -E UTF8 --locale=C \
            --no-instructions >/dev/null
        echo "include 'pg_bulk_demo.conf'" | as_postgres tee -a "$DEMO_DATA/postgresql.conf" >/dev/null
    fi
    write_demo_conf

    if demo_running_in "$DEMO_DIR"; then
        # make install may have replaced pg_bulk.so: a preloaded library is only reloaded by a restart.
        log "restarting the demo server (port $DEMO_PORT)"
        as_postgres "$PG_BIN/pg_ctl" restart -D "$DEMO_DATA" -l "$DEMO_LOG" -m fast -w -t 60 >/dev/null \
            || { show_log_tail; die "the demo server did not restart"; }
    else
        log "starting the demo server (port $DEMO_PORT)"
        as_postgres "$PG_BIN/pg_ctl" start -D "$DEMO_DATA" -l "$DEMO_LOG" -w -t 60 >/dev/null \
            || { show_log_tail; die "the demo server did not start"; }
    fi

    log "recreating the extension in database postgres"
    demo_psql -X -q -v ON_ERROR_STOP=1 \
        -c 'SET client_min_messages = warning;' -c 'DROP EXTENSION IF EXISTS pg_bulk CASCADE;' -c 'CREATE EXTENSION pg_bulk;' \
        || { show_log_tail; die "could not create the extension"; }

    log "running scripts/demo.sql"
    # Read by this (root) shell and piped in: postgres may not be able to read the checkout.
    demo_psql -X -v ON_ERROR_STOP=1 -f - <"$DEMO_SQL" || { show_log_tail; die "scripts/demo.sql failed"; }

    cat <<EOF

The demo cluster is running (data $DEMO_DATA, log $DEMO_LOG).
  psql:  bash scripts/demo.sh psql      (or as root: psql -h $DEMO_SOCK -p $DEMO_PORT -U postgres postgres)
  stop:  bash scripts/demo.sh stop
EOF
}

cmd_stop() {
    require_root
    local dir stopped=0
    for dir in "$PROJECT_DEMO_DIR" "$FALLBACK_DEMO_DIR"; do
        if demo_running_in "$dir"; then
            log "stopping the demo server in $dir"
            as_postgres "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null
            stopped=1
        fi
    done
    [ "$stopped" = 1 ] || log "the demo server is not running"
}

cmd_psql() {
    require_root
    find_running_demo || die "the demo server is not running; start it with: bash scripts/demo.sh"
    demo_psql "$@"
}

cmd_status() {
    require_root
    if find_running_demo; then
        log "running: data $DEMO_DATA, socket $DEMO_SOCK, port $DEMO_PORT, log $DEMO_LOG"
    else
        log "not running (it would live in $DEMO_DIR: $DEMO_WHY)"
        exit 3
    fi
}

case "${1:-start}" in
    start) [ $# -le 1 ] || usage; cmd_start ;;
    stop) [ $# -le 1 ] || usage; cmd_stop ;;
    psql) shift; cmd_psql "$@" ;;
    status) [ $# -le 1 ] || usage; cmd_status ;;
    *) usage ;;
esac
