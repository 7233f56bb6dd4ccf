#!/usr/bin/env bash
# Benchmark of the worker on tables the planner has no statistics for (issue 12): a fresh install of pg_bulk whose
# bulk.resources grows by several tasks without ever being analyzed, as a registry growing by millions between two
# autovacuum runs does. Run as root, after `make install`:
#
#   bash bench/fresh_stats.sh
#
# It starts its own throwaway cluster (bench/lib.sh) with autovacuum off, so that no ANALYZE runs but the one the
# script makes, and for each kind of id (random uuid-like ids, then increasing ids), on a fresh install of pg_bulk:
#   1. three CREATE tasks of N fresh ids (bulk.resources grows to 3N rows, never analyzed: reltuples -1);
#   2. phase "never analyzed": five tasks of N operations, one after the other, nothing in between:
#      CREATE of which every 10th id exists (409), UPSERT of which every 10th id exists, DELETE of which every 10th
#      id exists (the others 404), relationship CREATEs between stored providers (fresh edges: the plain INSERT),
#      relationship CREATEs of which every 10th id exists (409: the batches are probed);
#   3. ANALYZE bulk.resources, bulk.relationships;
#   4. phase "after ANALYZE": the same five tasks, with fresh ids (and a relationship type of its own);
#   5. for each task: the worker's time (the task's started_at to finished_at) in both phases and their ratio, never
#      analyzed / after ANALYZE (target <= 1.5).
# The existing ids are a random sample of the stored providers; the relationships' endpoints a random sample too.
# Each task asserts SUCCESS and its number of FAILURE receipts; a failed assertion exits non-zero, a missed target
# is reported. See bench/README.md.
#
# Environment:
#   BENCH_N        operations of each task (default 100000)
#   BENCH_EDGES    operations of each relationship task (default BENCH_N / 4; 0: no relationship tasks)
#   BENCH_IDS      the kinds of id, in order (default "random sequential")
#   BENCH_SETTINGS lines appended to the cluster's postgresql.conf (default none), e.g. "enable_bitmapscan = off"
#   BENCH_PORT     port of the throwaway cluster (default 56732; unix socket only)
#   BENCH_INSTALL  1: run `make -j2 && make install` first (default: use the pg_bulk already installed)
#   BENCH_EXPLAIN  1: also preload auto_explain (nested statements, ANALYZE, BUFFERS, statements over 50 ms) and
#                  print the plans of the worker's slowest statements of each phase
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-100000}"
EDGES="${BENCH_EDGES:-$((N / 4))}"
KINDS="${BENCH_IDS:-random sequential}"
PORT="${BENCH_PORT:-56732}"
EXPLAIN="${BENCH_EXPLAIN:-0}"
BENCH_DB=pg_bulk_bench

for setting in "BENCH_N=$N" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done
[ "$N" -ge 100 ] || die "BENCH_N must be at least 100"
[[ "$EDGES" =~ ^[0-9]{1,9}$ ]] && [ "$EDGES" -le "$N" ] || die "BENCH_EDGES=$EDGES: expected 0 to BENCH_N"
[ "$EDGES" = 0 ] || [ "$EDGES" -ge 10 ] || die "BENCH_EDGES must be 0 or at least 10"
for kind in $KINDS; do
    [[ "$kind" =~ ^(random|sequential)$ ]] || die "BENCH_IDS: unknown kind of id '$kind' (random, sequential)"
done

require_root
[ -f "$BENCH_SRC/fresh_stats_setup.sql" ] || die "$BENCH_SRC/fresh_stats_setup.sql is missing"
bench_require_installed

started_at=$SECONDS
load_start="$(cut -d ' ' -f 1 /proc/loadavg)"
extra_settings="autovacuum = off
${BENCH_SETTINGS:-}"
if [ "$EXPLAIN" = 1 ]; then
    extra_settings+="
shared_preload_libraries = 'pg_bulk,auto_explain'
auto_explain.log_min_duration = '50ms'
auto_explain.log_nested_statements = on
auto_explain.log_analyze = on
auto_explain.log_buffers = on"
fi
bench_init_cluster "$PORT" <<<"$extra_settings"
bench_start
as_postgres "$PG_BIN/createdb" -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB"
bench_stop
echo "pg_bulk.database = '$BENCH_DB'" | as_postgres tee -a "$DATA/postgresql.conf" >/dev/null
bench_start
bench_psql -f - <"$BENCH_SRC/fresh_stats_setup.sql"

# The five tasks of a phase ($1: never_analyzed / analyzed), as psql lines printing "result <phase> <task> <ms>".
phase_script() {
    local phase="$1" type="refers_$1"
    echo "CALL bench.run_task('resources', bench.resource_request('CREATE', $N, 10, :'kind'), $((N / 10))) \\gset"
    echo "\\echo result $phase create10 :ms"
    echo "CALL bench.run_task('resources', bench.resource_request('UPSERT', $N, 10, :'kind'), 0) \\gset"
    echo "\\echo result $phase upsert10 :ms"
    echo "CALL bench.run_task('resources', bench.resource_request('DELETE', $N, 10, :'kind'), $((N - N / 10))) \\gset"
    echo "\\echo result $phase delete10 :ms"
    [ "$EDGES" -gt 0 ] || return 0
    echo "TRUNCATE bench.endpoints; INSERT INTO bench.endpoints SELECT bench.sample_providers($((2 * EDGES + 1)));"
    echo "CALL bench.run_task('relationships', bench.relationship_request('$type', $EDGES, 0, false, :'kind'), 0) \\gset"
    echo "\\echo result $phase edges :ms"
    echo "CALL bench.run_task('relationships', bench.relationship_request('$type', $EDGES, 1, true, :'kind'), $((EDGES / 10))) \\gset"
    echo "\\echo result $phase edges10 :ms"
}

RESULTS="$BENCH_DIR/results"
for kind in $KINDS; do
    log "ids $kind: a fresh install of pg_bulk, three CREATE tasks of $N, five tasks never analyzed, ANALYZE, five tasks"
    # A fresh install (tables never analyzed) and a fresh worker (no plan kept from the previous kind).
    bench_psql -c "DROP EXTENSION IF EXISTS pg_bulk CASCADE" -c "CREATE EXTENSION pg_bulk" >/dev/null
    bench_stop
    bench_start
    [ "$EXPLAIN" = 1 ] && echo "----- ids $kind -----" >>"$SERVER_LOG"
    bench_psql -At -v kind="$kind" -f - <<SQL | sed -n "s/^result /$kind /p" >>"$RESULTS"
SET client_min_messages = warning;
SET auto_explain.log_min_duration = -1;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_relationship('refers_never_analyzed', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "provider"}, "cardinality": "1:N"}');
SELECT bulk.define_relationship('refers_analyzed', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "provider"}, "cardinality": "1:N"}');
\\o /dev/null
CALL bench.run_task('resources', bench.resource_request('CREATE', $N, 0, :'kind'), 0);
CALL bench.run_task('resources', bench.resource_request('CREATE', $N, 0, :'kind'), 0);
CALL bench.run_task('resources', bench.resource_request('CREATE', $N, 0, :'kind'), 0) \\gset
\\o
\\echo result grown create3 :ms
SELECT reltuples::bigint AS reltuples FROM pg_class WHERE oid = 'bulk.resources'::regclass \\gset
\\echo result grown reltuples :reltuples
$(phase_script never_analyzed)
ANALYZE bulk.resources, bulk.relationships;
$(phase_script analyzed)
SQL
done

awk -v n="$N" -v edges="$EDGES" -v settings="${BENCH_SETTINGS:-}" -v took="$((SECONDS - started_at))" -v load_start="$load_start" \
    -v load_end="$(cut -d ' ' -f 1 /proc/loadavg)" '
{ ms[$1, $2, $3] = $4; if (!($1 in seen)) { seen[$1] = 1; kinds[++k] = $1 } }
END {
    printf "pg_bulk bench: the worker on never-analyzed tables, N=%d operations per task (worker time: started_at to finished_at)\n", n
    split("create10 upsert10 delete10 edges edges10", task, " ")
    label["create10"] = "CREATE, every 10th id exists (409)"
    label["upsert10"] = "UPSERT, every 10th id exists"
    label["delete10"] = "DELETE, every 10th id exists (404s)"
    label["edges"] = sprintf("%d relationship CREATEs, fresh", edges)
    label["edges10"] = sprintf("%d relationship CREATEs, every 10th exists", edges)
    if (settings != "") printf "settings added: %s\n", settings
    for (i = 1; i <= k; i++) {
        kind = kinds[i]
        printf "ids %s: three CREATE tasks of %d fresh ids first (the third %.1f ms); bulk.resources reltuples then %s\n",
            kind, n, ms[kind, "grown", "create3"], ms[kind, "grown", "reltuples"]
        printf "  %-42s %14s %14s %8s\n", "", "never analyzed", "after ANALYZE", "ratio"
        for (j = 1; j <= (edges > 0 ? 5 : 3); j++) {
            t = task[j]; before = ms[kind, "never_analyzed", t]; after = ms[kind, "analyzed", t]
            printf "  %-42s %11.1f ms %11.1f ms %7.2fx%s\n", label[t], before, after, before / after,
                t == "create10" ? "   (target <= 1.5x)" : ""
        }
    }
    printf "(took %d s; load average %s at the start, %s at the end)\n", took, load_start, load_end
}' "$RESULTS"
if [ "$EXPLAIN" = 1 ]; then
    echo "auto_explain: the worker's statements over 50 ms (duration, then the plan's first lines):"
    awk '/^----- ids/ { print; next }
         /LOG:  duration:/ { show = 15; print; next }
         show > 0 && !/^[0-9]{4}-/ { print; show--; next } { show = 0 }' "$SERVER_LOG" | awk 'NR <= 600'

fi
