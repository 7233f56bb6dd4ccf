# shellcheck shell=bash
# Helpers shared by the benchmarks in bench/ (validate_submit.sh, worker_apply.sh, ...). Source it after
# scripts/common.sh, under `set -euo pipefail`:
#
#   bench_require_installed    with BENCH_INSTALL=1 run `make -j2 && make install` first; then fail unless pg_bulk
#                              is installed into the system PostgreSQL 15
#   bench_init_cluster PORT    initdb a throwaway cluster as the OS user postgres in a fresh /tmp/pg_bulk-bench.XXXXXX
#                              (sets BENCH_DIR, DATA, SERVER_LOG, BENCH_PORT) with the bench settings below plus
#                              any lines given on stdin (a later line overrides an earlier one); installs the
#                              EXIT trap that stops and removes it
#   bench_start / bench_stop   start / stop (-m fast) that cluster
#   bench_start_serving        start that cluster with its pg_bulk worker serving $BENCH_DB (created first)
#   bench_psql ARGS...         psql on database $BENCH_DB as postgres, quiet, stopping at the first error;
#                              scripts come on stdin (postgres may not be able to read the checkout)
#   best_and_runs              the best (lowest) of the numbers on stdin, one per line, then all of them
#
# A script may define bench_extra_cleanup (e.g. to stop a background sampler): the EXIT trap calls it first.

# The bench/ directory, where the scripts find their .sql files.
# shellcheck disable=SC2034
BENCH_SRC="$PG_BULK_ROOT/bench"

bench_require_installed() {
    if [ "${BENCH_INSTALL:-0}" = 1 ]; then
        log "BENCH_INSTALL=1: building and installing pg_bulk"
        make -s -C "$PG_BULK_ROOT" -j2 PG_CONFIG="$PG_CONFIG" || die "build failed"
        make -s -C "$PG_BULK_ROOT" install PG_CONFIG="$PG_CONFIG" >/dev/null || die "make install failed"
    fi
    if [ ! -f "$("$PG_CONFIG" --pkglibdir)/pg_bulk.so" ] || [ ! -f "$("$PG_CONFIG" --sharedir)/extension/pg_bulk.control" ]; then
        die "pg_bulk is not installed into $("$PG_CONFIG" --pkglibdir): run make install (or BENCH_INSTALL=1)"
    fi
}

_bench_cleanup() {
    local status=$?
    set +e
    if declare -F bench_extra_cleanup >/dev/null; then
        bench_extra_cleanup
    fi
    if [ -f "$DATA/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null 2>&1 \
            || as_postgres "$PG_BIN/pg_ctl" stop -D "$DATA" -m immediate -w -t 60 >/dev/null 2>&1
    fi
    if [ "$status" -ne 0 ] && [ -f "$SERVER_LOG" ]; then
        echo "----- last 40 lines of the server log -----" >&2
        tail -n 40 "$SERVER_LOG" >&2
        echo "-----" >&2
    fi
    rm -rf "$BENCH_DIR"
    exit "$status"
}

# Settings for a 2-core / 24 GB box, default durability (fsync, synchronous_commit and full_page_writes stay on)
# so that every commit costs what it costs in production. work_mem 64MB keeps a jsonb_array_elements result of a
# 100000-operation request (~20 MB) in memory.
bench_init_cluster() {
    BENCH_PORT="$1"
    BENCH_DIR="$(mktemp -d /tmp/pg_bulk-bench.XXXXXX)"
    DATA="$BENCH_DIR/data"
    SERVER_LOG="$BENCH_DIR/postgres.log"
    trap _bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    chown postgres:postgres "$BENCH_DIR"
    chmod 0700 "$BENCH_DIR"

    log "initdb in $BENCH_DIR (port $BENCH_PORT, unix socket only)"
    as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C --no-instructions >/dev/null
    {
        cat <<EOF

# $(basename "$0")
port = $BENCH_PORT
listen_addresses = ''
unix_socket_directories = '$BENCH_DIR'
shared_preload_libraries = 'pg_bulk'
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
synchronous_commit = on
fsync = on
full_page_writes = on
EOF
        cat
    } | as_postgres tee -a "$DATA/postgresql.conf" >/dev/null
}

bench_start() {
    as_postgres "$PG_BIN/pg_ctl" start -D "$DATA" -l "$SERVER_LOG" -w -t 60 >/dev/null \
        || die "the bench server did not start"
}

# The worker connects to pg_bulk.database (a server-start setting) when it starts: the database is created first,
# then the server restarts with the setting, so the worker never tries to connect to a missing database.
bench_start_serving() {
    bench_start
    as_postgres "$PG_BIN/createdb" -h "$BENCH_DIR" -p "$BENCH_PORT" -U postgres "$BENCH_DB"
    bench_stop
    echo "pg_bulk.database = '$BENCH_DB'" | as_postgres tee -a "$DATA/postgresql.conf" >/dev/null
    bench_start
}

bench_stop() {
    as_postgres "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null || die "the bench server did not stop"
}

# psql on the bench database, as postgres, quiet (no NOTICEs such as "truncate cascades"), stopping at the first
# error. Scripts come on stdin (read by this root shell: postgres may not be able to read the checkout).
# BENCH_DB is set by the script that sources this file.
# shellcheck disable=SC2153
bench_psql() {
    as_postgres env PGOPTIONS="-c client_min_messages=warning" \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$BENCH_DIR" -p "$BENCH_PORT" -U postgres -d "$BENCH_DB" "$@"
}

# Prints the best of the run times (ms) given on stdin, one per line, followed by all of them.
best_and_runs() {
    awk 'NF { t[++n] = $1; if (best == "" || $1 + 0 < best + 0) best = $1 }
         END { if (n == 0) exit 1; printf "%s", best; for (i = 1; i <= n; i++) printf " %s", t[i]; printf "\n" }'
}
