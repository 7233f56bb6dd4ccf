#!/usr/bin/env bash
# Benchmark of reading receipts in bulk (issue 13): the failures of one task of N operations of which 10% failed,
# and all its receipts, read with bulk.receipts(bulk_ids, statuses, after_bulk_id, after_seq, max_rows) a page at
# a time, against the SQL a user writes without it, run in the same script on the same task. Run as root, after
# `make install`:
#
#   bash bench/receipts.sh
#
# It starts its own throwaway cluster as the OS user postgres (bench/lib.sh) whose pg_bulk.database is the bench
# database, submits the task as a bulk_writer role (bench/receipts_setup.sql: every tenth operation a DELETE of
# a missing id, 404 FAILURE; the others CREATEs), lets the worker apply it, then reads as that role (row level
# security applies), in rounds (best of RUNS), each contender right after the other:
#   failures   bulk.receipts(ARRAY[id], '{FAILURE}', ...) 1000, 10000 and 100000 rows a page; baselines
#              bulk.receipts(id) WHERE status = 'FAILURE' (the one-task function, now the same C code, which
#              walks every operation) and the same over the SQL reading bulk.receipts(id) used before (bench.sql_receipts)
#   all        bulk.receipts(ARRAY[id], NULL, ...) 10000 rows a page; bulk.receipts(id); the SQL reading of before
#   document   bulk.task(id): the whole document with every receipt (written in jsonb's binary form); baseline:
#              the same document built in SQL, jsonb_agg over bulk.receipts(id)
# Every row is produced in the server and counted there (none is sent to the client). Before the rounds it
# asserts that the contenders return the same failures. Stops and removes the cluster on exit. See bench/README.md.
#
# Environment:
#   BENCH_N        operations of the task (default 1000000)
#   BENCH_RUNS     rounds, the best is reported (default 3)
#   BENCH_PORT     port of the throwaway cluster (default 56632; unix socket only)
#   BENCH_INSTALL  1: run `make -j2 && make install` first (default: use the pg_bulk already installed)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-1000000}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-56632}"
BENCH_DB=pg_bulk_bench
for setting in "BENCH_N=$N" "BENCH_RUNS=$RUNS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done

require_root
[ -f "$BENCH_SRC/receipts_setup.sql" ] || die "$BENCH_SRC/receipts_setup.sql is missing"
bench_require_installed

started_at=$SECONDS
load_start="$(cut -d ' ' -f 1 /proc/loadavg)"
bench_init_cluster "$PORT" </dev/null
bench_start_serving

log "setup: one task of $N operations (10% fail), applied by the worker"
bench_psql -v n="$N" -f - <"$BENCH_SRC/receipts_setup.sql"
IFS='|' read -r bulk_id status apply_seconds < <(bench_psql -At -c "SELECT bulk_id, status, apply_seconds FROM bench.task")
[ "$status" = SUCCESS ] || die "the task ended $status"
failures=$((N / 10))

# As the application's role, reading the task: rows and ms of one contender.
as_app() {
    bench_psql -At -F ' ' -c "SET ROLE bench_app" -c "$1"
}
expect_same() {
    local what="$1" query="$2" got
    got="$(as_app "$query")"
    [ "$got" = t ] || die "$what: the contenders disagree"
}

# The failures, row for row, from the new function (one page of them all), the one-task function and the SQL one.
failure_rows="seq, action, type, id, status, error_code, error_type, error_message, completed_at"
digest() {
    echo "(SELECT md5(string_agg(r::text, '|' ORDER BY r.seq)) FROM (SELECT $failure_rows FROM $1) AS r)"
}
expect_same "failures" "SELECT $(digest "bulk.receipts(ARRAY['$bulk_id'], '{FAILURE}', max_rows => 100000)")
                             = $(digest "bulk.receipts('$bulk_id') WHERE status = 'FAILURE'")
                         AND $(digest "bulk.receipts('$bulk_id') WHERE status = 'FAILURE'")
                             = $(digest "bench.sql_receipts('$bulk_id') WHERE status = 'FAILURE'")"

CONTENDERS=(
    "failures|bulk.receipts(ids, '{FAILURE}'), 1000 a page|SELECT * FROM bench.paged('$bulk_id', '{FAILURE}', 1000)"
    "failures|bulk.receipts(ids, '{FAILURE}'), 10000 a page|SELECT * FROM bench.paged('$bulk_id', '{FAILURE}', 10000)"
    "failures|bulk.receipts(ids, '{FAILURE}'), 100000 a page|SELECT * FROM bench.paged('$bulk_id', '{FAILURE}', 100000)"
    "failures|baseline: bulk.receipts(id) WHERE status = 'FAILURE'|SELECT * FROM bench.timed(\$\$SELECT * FROM bulk.receipts('$bulk_id') WHERE status = 'FAILURE'\$\$)"
    "failures|baseline: the SQL reading of before, WHERE status = 'FAILURE'|SELECT * FROM bench.timed(\$\$SELECT * FROM bench.sql_receipts('$bulk_id') WHERE status = 'FAILURE'\$\$)"
    "all|bulk.receipts(ids), 10000 a page|SELECT * FROM bench.paged('$bulk_id', NULL, 10000)"
    "all|bulk.receipts(id), one call|SELECT * FROM bench.timed(\$\$SELECT * FROM bulk.receipts('$bulk_id')\$\$)"
    "all|baseline: the SQL reading of before|SELECT * FROM bench.timed(\$\$SELECT * FROM bench.sql_receipts('$bulk_id')\$\$)"
    "document|bulk.task(id)|SELECT * FROM bench.timed(\$\$SELECT 1 WHERE pg_catalog.jsonb_array_length(bulk.task('$bulk_id') -> 'receipts') = $N\$\$)"
    "document|baseline: jsonb_agg over bulk.receipts(id)|SELECT * FROM bench.timed(\$\$SELECT 1 FROM (SELECT jsonb_build_object('bulkId', '$bulk_id', 'status', 'SUCCESS', 'receipts', jsonb_agg(jsonb_strip_nulls(to_jsonb(r)) ORDER BY r.seq)) AS d FROM bulk.receipts('$bulk_id') r) x WHERE jsonb_array_length(x.d -> 'receipts') = $N\$\$)"
)
TIMES="$BENCH_DIR/times"
: >"$TIMES"
for ((run = 1; run <= RUNS; run++)); do
    log "round $run of $RUNS"
    for i in "${!CONTENDERS[@]}"; do
        IFS='|' read -r group label query <<<"${CONTENDERS[$i]}"
        read -r rows ms < <(as_app "$query")
        expected=$N
        [ "$group" = failures ] && expected=$failures
        [ "$group" = document ] && expected=1
        [ "$rows" = "$expected" ] || die "$label: $rows rows, expected $expected"
        echo "$i $ms" >>"$TIMES"
    done
done

labels="$(for c in "${CONTENDERS[@]}"; do IFS='|' read -r group label _ <<<"$c"; echo "$group|$label"; done)"
awk -v n="$N" -v failures="$failures" -v runs="$RUNS" -v apply_seconds="$apply_seconds" \
    -v took="$((SECONDS - started_at))" -v load_start="$load_start" -v load_end="$(cut -d ' ' -f 1 /proc/loadavg)" '
FNR == NR { split($0, f, "|"); group[NR - 1] = f[1]; label[NR - 1] = f[2]; count = NR; next }
{ i = $1; ms = $2 + 0; all[i] = all[i] sprintf("%s%.1f", all[i] == "" ? "" : " ", ms); if (!(i in best) || ms < best[i]) best[i] = ms }
END {
    printf "pg_bulk bench: receipts of one task of %d operations, %d of them FAILURE (best of %d rounds; the task took %d s to apply)\n",
        n, failures, runs, apply_seconds
    for (i = 0; i < count; i++) {
        if (group[i] != shown) {
            shown = group[i]
            printf "%s (%d %s)\n", shown == "failures" ? "the failures" : shown == "all" ? "every receipt" : "one document of every receipt",
                shown == "failures" ? failures : n, shown == "document" ? "receipts" : "rows"
            first = i
        }
        rows = group[i] == "failures" ? failures : n
        printf "  %-72s %9.1f ms %10d rows/s   x%.1f   (runs %s)\n", label[i], best[i], rows / (best[i] / 1000),
            best[i] / best[first], all[i]
    }
    printf "(x: time relative to the first line of its group; took %d s; load average %s at the start, %s at the end)\n",
        took, load_start, load_end
}' <(echo "$labels") "$TIMES"
