#!/usr/bin/env bash
# Benchmark of bulk.validate_resources and bulk.submit_resources against baselines run in the same script on the
# same cluster (issue 2). Run as root, after `make install`:
#
#   bash bench/validate_submit.sh
#
# It starts its own throwaway cluster as the OS user postgres (data, unix socket and log in a fresh
# /tmp/pg_bulk-bench.XXXXXX, no TCP, pg_bulk preloaded), which it stops and removes on exit, even on failure.
# Contenders, on one request of N CREATE operations stored once in bench.request (best of RUNS runs each):
#   1. bulk.validate_resources(doc)       must answer {"status": "VALID"}
#   2. bench.plpgsql_validate(doc)        an equivalent validator in PL/pgSQL (bench/plpgsql_validate.sql),
#                                         must find 0 invalid operations
#   3. bulk.submit_resources(doc)         autocommit, must answer ACCEPTED; bulk.tasks truncated between runs
#   4. set-based INSERT ... SELECT ... FROM jsonb_array_elements(doc->'operations') into bench.providers, a
#      table shaped like bulk.resources; truncated between runs
# Before timing, bench/validators_agree.sql checks that 1 and 2 agree on a set of valid and invalid operations.
# A missed target is reported, not failed; a failed correctness assertion exits non-zero. See bench/README.md.
#
# Environment:
#   BENCH_N        number of operations (default 100000)
#   BENCH_RUNS     runs per contender, the best is reported (default 3)
#   BENCH_PORT     port of the throwaway cluster (default 56432; unix socket only)
#   BENCH_INSTALL  1: run `make -j2 && make install` first (default: use the pg_bulk already installed)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-100000}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-56432}"
BENCH_DB=pg_bulk_bench

for setting in "BENCH_N=$N" "BENCH_RUNS=$RUNS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done
# The limit a session raises for the request (the default pg_bulk.max_operations is 10000).
MAX_OPERATIONS=$((N > 100000 ? N : 100000))

require_root
for file in validate_submit_setup.sql plpgsql_validate.sql validators_agree.sql; do
    [ -f "$BENCH_SRC/$file" ] || die "$BENCH_SRC/$file is missing"
done

bench_require_installed

started_at=$SECONDS
# The cluster and its settings: bench_init_cluster in bench/lib.sh.
bench_init_cluster "$PORT" </dev/null
bench_start

# A separate database: the pg_bulk worker serves pg_bulk.database (postgres), so it never picks up the tasks the
# bench queues and competes with the measurements.
as_postgres "$PG_BIN/createdb" -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB"

log "setup: profile, request of $N operations, baseline table, validators"
bench_psql -v n="$N" -f - <"$BENCH_SRC/validate_submit_setup.sql"
bench_psql -f - <"$BENCH_SRC/plpgsql_validate.sql"
log "checking that bulk.validate_resources and bench.plpgsql_validate agree on valid and invalid operations"
bench_psql -f - <"$BENCH_SRC/validators_agree.sql"
request_mb="$(bench_psql -At -c "SELECT round(pg_column_size(doc) / 1048576.0, 1) FROM bench.request")"

# Contenders 1 and 2: timed inside the server by bench.time_validator (clock_timestamp() around the call), all
# runs in one session so the later runs see warm caches (profile cache, PL/pgSQL compiled function).
time_validator() {
    local contender="$1" script="" i
    script="SET pg_bulk.max_operations = $MAX_OPERATIONS;"$'\n'
    for ((i = 1; i <= RUNS; i++)); do
        script+="SELECT bench.time_validator('$contender');"$'\n'
    done
    bench_psql -At -f - <<<"$script" | best_and_runs
}

# Contenders 3 and 4: timed from the client with psql's \timing, each statement in autocommit mode, so the time
# includes the commit (WAL flush with synchronous_commit = on) that makes the work durable; a time taken inside
# the statement could not include it. The extra round trip over the unix socket is a few tens of microseconds.
# Before each run, outside the timing: the previous run's rows are truncated and a CHECKPOINT flushes them, so every
# run starts from the same state. After each run, outside the timing, a check query prints "result=..." which is
# asserted; the statement's "Time: X ms" line is parsed.
#   time_statement RESET STATEMENT CHECK EXPECTED   (CHECK may be empty when STATEMENT prints the result itself)
time_statement() {
    local reset="$1" statement="$2" check="$3" expected="$4" script="" i output times
    script="SET pg_bulk.max_operations = $MAX_OPERATIONS;"$'\n'
    for ((i = 1; i <= RUNS; i++)); do
        script+="$reset"$'\n'"CHECKPOINT;"$'\n'"\\timing on"$'\n'"$statement"$'\n'"\\timing off"$'\n'"$check"$'\n'
    done
    output="$(bench_psql -At -f - <<<"$script")"
    if [ "$(grep -c "^result=" <<<"$output")" -ne "$RUNS" ] || grep "^result=" <<<"$output" | grep -qvx "result=$expected"; then
        die "expected result=$expected from every run of: $statement $check"$'\n'"got:"$'\n'"$output"
    fi
    times="$(awk '/^Time: / { print $2 }' <<<"$output")"
    [ "$(grep -c . <<<"$times")" -eq "$RUNS" ] || die "could not read $RUNS timings in:"$'\n'"$output"
    best_and_runs <<<"$times"
}

log "timing bulk.validate_resources ($RUNS runs)"
validate_times="$(time_validator validate_resources)"
log "timing the PL/pgSQL validator ($RUNS runs)"
plpgsql_times="$(time_validator plpgsql)"
log "timing bulk.submit_resources, autocommit ($RUNS runs)"
submit_times="$(time_statement "TRUNCATE bulk.tasks CASCADE;" \
    "SELECT 'result=' || (bulk.submit_resources(r.doc) ->> 'status') FROM bench.request AS r;" "" ACCEPTED)"
# The last run's task must hold the whole request.
stored="$(bench_psql -At -c "SELECT count(*) || ' ' || (SELECT coalesce(sum(jsonb_array_length(operations)), 0)
                                                       FROM bulk.task_operations) FROM bulk.tasks")"
[ "$stored" = "1 $N" ] || die "after submit_resources expected 1 task holding $N operations, got (tasks operations) $stored"
bench_psql -c "TRUNCATE bulk.tasks CASCADE;"
log "timing the set-based INSERT, autocommit ($RUNS runs)"
insert_times="$(time_statement "TRUNCATE bench.providers;" \
    "INSERT INTO bench.providers (type, id, data)
     SELECT 'provider', op -> 'create' ->> 'id', op -> 'create' -> 'data'
       FROM bench.request AS r, jsonb_array_elements(r.doc -> 'operations') AS op;" \
    "SELECT 'result=' || count(*) FROM bench.providers;" "$N")"

# ops/s and ratios from the best times.
awk -v n="$N" -v runs="$RUNS" -v mb="$request_mb" -v took="$((SECONDS - started_at))" \
    -v validate="$validate_times" -v plpgsql="$plpgsql_times" -v submit="$submit_times" -v insert="$insert_times" '
function best(times) { split(times, t, " "); return t[1] + 0 }
function runs_of(times,   t, k, i, out) {
    k = split(times, t, " "); out = ""
    for (i = 2; i <= k; i++) out = out sprintf("%s%.1f", (i > 2 ? " " : ""), t[i])
    return out
}
function line(label, times) {
    printf "%-22s %9d ops/s   (best %.1f ms; runs %s)\n", label, n / (best(times) / 1000), best(times), runs_of(times)
}
BEGIN {
    printf "pg_bulk bench: validate and submit, N=%d operations (best of %d), request %s MB jsonb\n", n, runs, mb
    line("validate_resources", validate)
    line("plpgsql validator", plpgsql)
    printf "  ratio validate_resources / plpgsql = %.1fx   (target >= 20x)\n", best(plpgsql) / best(validate)
    line("submit_resources", submit)
    line("set-based INSERT", insert)
    printf "  ratio submit / set-based insert time = %.2f   (target <= 2.0)\n", best(submit) / best(insert)
    printf "(took %d s)\n", took
}'
