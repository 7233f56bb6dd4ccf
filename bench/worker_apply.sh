#!/usr/bin/env bash
# Benchmark of the background worker applying bulk tasks, against baselines run in the same script on the same
# cluster and the same requests (issue 3). Run as root, after `make install`:
#
#   bash bench/worker_apply.sh
#
# It starts its own throwaway cluster as the OS user postgres (bench/lib.sh: data, unix socket and log in a fresh
# /tmp/pg_bulk-bench.XXXXXX, no TCP, pg_bulk preloaded, default durability) whose pg_bulk.database is the bench
# database, so the worker applies the tasks the bench submits. It stops and removes the cluster on exit.
#   1. Worker throughput, submit-commit to bulk.wait returning SUCCESS, on three tasks of N operations:
#      CREATE (fresh ids), UPSERT of the same ids (rows replaced), CREATE of which 10% are existing ids (409).
#   2. Baselines on the same requests and the same table states: set-based INSERT ... ON CONFLICT DO UPDATE plus
#      a set-based insert of as many receipt rows, in one transaction; a PL/pgSQL loop applying the operations one
#      by one, each in its own subtransaction with its receipt row (bench/plpgsql_apply.sql).
#   3. Ratios of 1 and 2.
#   4. Submit-commit to worker-start latency over 100 one-operation tasks.
#   5. The worker's peak memory (VmHWM, RssAnon sampled every 100 ms) during one task of BIG_N operations.
#   6. XIDs consumed per 1000 operations by the CREATE task.
#   8. PATCH and ifVersion (issue 16), in rounds of their own (run first): a PATCH task of N operations (a flat
#      merge patch of two properties of every stored row) against a set-based UPDATE ... FROM merging the same
#      patches with jsonb || (target >= 1.0), and an UPSERT task whose operations all carry a matching ifVersion
#      against the plain UPSERT task (target >= 0.8). BENCH_ONLY=patch runs only this part.
#   7. The mixed request again, after ANALYZE bulk.resources (the rounds never VACUUM or ANALYZE, as a user's
#      tasks meet the tables in whatever state autovacuum left them): the ratio of its worker time to the rounds'
#      best (target <= 1.5, issue 12).
# 1 and 2 run in rounds (best of RUNS rounds): each round starts every contender from empty tables of its own and
# runs each request by the three contenders one right after the other, so that they meet the same machine; the
# ratios are also printed round by round. A missed target is reported, not failed; a
# failed correctness assertion (a task not SUCCESS, receipts or resources not as expected) exits non-zero.
# See bench/README.md.
#
# Environment:
#   BENCH_N        operations of each throughput task (default 100000)
#   BENCH_LOOP_N   operations the PL/pgSQL loop applies (default BENCH_N)
#   BENCH_BIG_N    operations of the memory task (default 1000000)
#   BENCH_IDS      random (default: uuid-like ids, spread over the primary key) or sequential (p1, p2, ...)
#   BENCH_RUNS     rounds of the throughput contenders, the best is reported (default 3)
#   BENCH_PORT     port of the throwaway cluster (default 56532; unix socket only)
#   BENCH_INSTALL  1: run `make -j2 && make install` first (default: use the pg_bulk already installed)
#   BENCH_BATCH_SIZE  pg_bulk.batch_size of the cluster (default: pg_bulk's own default)
#   BENCH_ONLY     patch: only the PATCH and ifVersion rounds (8.); default: everything
#   BENCH_PROFILE  1: also preload pg_stat_statements (track = all) and print where the worker's time went in the
#                  throughput tasks, statement by statement (default 0: the cluster has validate_submit.sh's settings)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-100000}"
LOOP_N="${BENCH_LOOP_N:-$N}"
BIG_N="${BENCH_BIG_N:-1000000}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-56532}"
PROFILE="${BENCH_PROFILE:-0}"
BATCH_SIZE="${BENCH_BATCH_SIZE:-}"
IDS="${BENCH_IDS:-random}"
ONLY="${BENCH_ONLY:-}"
BENCH_DB=pg_bulk_bench
SMALL_TASKS=100

for setting in "BENCH_N=$N" "BENCH_LOOP_N=$LOOP_N" "BENCH_BIG_N=$BIG_N" "BENCH_RUNS=$RUNS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done
[ -z "$BATCH_SIZE" ] || [[ "$BATCH_SIZE" =~ ^[1-9][0-9]{0,5}$ ]] || die "BENCH_BATCH_SIZE=$BATCH_SIZE: expected a positive integer"
[[ "$IDS" =~ ^(random|sequential)$ ]] || die "BENCH_IDS=$IDS: expected random or sequential"
[[ "$ONLY" =~ ^(|patch)$ ]] || die "BENCH_ONLY=$ONLY: expected patch or nothing"
[ "$LOOP_N" -le "$N" ] || die "BENCH_LOOP_N ($LOOP_N) must not exceed BENCH_N ($N)"
# The submitting sessions raise the request limits (superuser SETs) so that one task holds the whole request.
MAX_OPERATIONS=$((N > BIG_N ? N : BIG_N))
LIMITS="SET pg_bulk.max_operations = $MAX_OPERATIONS; SET pg_bulk.max_request_bytes = '512MB';"

require_root
for file in lib.sh worker_apply_setup.sql baseline_receipts.sql plpgsql_apply.sql; do
    [ -f "$BENCH_SRC/$file" ] || die "$BENCH_SRC/$file is missing"
done
bench_require_installed

started_at=$SECONDS
# Another busy process skews the figures: the 1-minute load average is printed with them.
load_start="$(cut -d ' ' -f 1 /proc/loadavg)"
extra_settings=""
if [ "$PROFILE" = 1 ]; then
    extra_settings="shared_preload_libraries = 'pg_bulk,pg_stat_statements'
pg_stat_statements.track = all"
fi
[ -n "$BATCH_SIZE" ] && extra_settings+=$'\n'"pg_bulk.batch_size = $BATCH_SIZE"
bench_init_cluster "$PORT" <<<"$extra_settings"
bench_start_serving

# The memory sampler (background subshell), stopped by the EXIT trap too.
SAMPLER_PID=""
bench_extra_cleanup() {
    if [ -n "$SAMPLER_PID" ]; then
        kill "$SAMPLER_PID" 2>/dev/null
        wait "$SAMPLER_PID" 2>/dev/null
    fi
}

log "setup: profile, requests of $N operations (create, upsert, mixed) and of $BIG_N operations, baselines"
bench_psql -v n="$N" -v big_n="$BIG_N" -v ids="$IDS" -f - <"$BENCH_SRC/worker_apply_setup.sql"
bench_psql -f - <"$BENCH_SRC/baseline_receipts.sql"
bench_psql -f - <"$BENCH_SRC/plpgsql_apply.sql"
read -r request_mb big_mb < <(bench_psql -At -F ' ' -c "
    SELECT round(pg_column_size(c.doc) / 1048576.0, 1), round(pg_column_size(b.doc) / 1048576.0, 1)
      FROM bench.requests c, bench.requests b WHERE c.name = 'create' AND b.name = 'big'")
batch_size="$(bench_psql -At -c "SHOW pg_bulk.batch_size")"

worker_pid() {
    local pid
    for _ in $(seq 1 100); do
        pid="$(bench_psql -At -c "SELECT pid FROM bulk.workers WHERE database = current_database()")"
        if [ -n "$pid" ]; then
            echo "$pid"
            return 0
        fi
        sleep 0.1
    done
    die "no pg_bulk worker serves $BENCH_DB (SELECT pid FROM bulk.workers)"
}
first_worker_pid="$(worker_pid)"

# Asserts that the query prints the expected value.
expect() {
    local what="$1" query="$2" expected="$3" got
    got="$(bench_psql -At -c "$query")"
    [ "$got" = "$expected" ] || die "$what: expected $expected, got $got"
}

# The three throughput requests, in the order they run: each contender starts from empty tables, so all three see
# the same states (create: empty; upsert: the N rows; mixed: the N rows, 10% of its ids among them).
REQUESTS=(create upsert mixed)

# Each contender's tables: resources, then receipts.
tables_of() {
    case "$1" in
    worker) echo "bulk.resources bulk.operation_results" ;;
    set_based) echo "bench.resources bench.receipts" ;;
    plpgsql_loop) echo "bench.loop_resources bench.loop_receipts" ;;
    esac
}

# The checks after each request, as SQL run in the round's session (outside the timing); a failed one stops the
# bench. For the worker, psql variable :bulk_id is the task. $1: worker / set_based / plpgsql_loop, $2: the
# request, $3: the operations applied (every 10th of the mixed request's is a 409 ALREADY_EXISTS).
checks() {
    local contender="$1" request="$2" n="$3" conflicts=0 resources receipts updated_rows=0 total_rows
    read -r resources receipts < <(tables_of "$contender")
    [ "$request" = mixed ] && conflicts=$(($3 / 10))
    # Rows after the request (create: n; upsert: the same n, replaced; mixed: 90% more) and how many of them hold
    # the UPSERT's data: the worker's and the loop's 409s leave the existing rows alone, the set-based baseline
    # updates them (ON CONFLICT DO UPDATE) with the mixed request's data.
    case "$request" in
    create) total_rows=$n ;;
    upsert) total_rows=$n updated_rows=$n ;;
    mixed) total_rows=$((n + n - conflicts)) updated_rows=$n
           [ "$contender" = set_based ] && updated_rows=$((n - conflicts)) ;;
    esac
    if [ "$contender" = worker ]; then
        echo "SELECT bench.assert_task(:'bulk_id', $n, $conflicts) \\g /dev/null"
    else
        echo "SELECT bench.expect('$contender $request: receipts', (SELECT count(*) FROM $receipts
                                   WHERE bulk_id = '$contender $request'), $n::bigint) \\g /dev/null"
    fi
    echo "SELECT bench.expect('$contender $request: resources holding the UPSERT data / all resources',
                              (SELECT count(*) FILTER (WHERE data ->> 'name' LIKE '% (updated)') || '/' || count(*)
                                 FROM $resources), '$updated_rows/$total_rows') \\g /dev/null"
}

# One round, in one session: every contender starts from empty tables of its own; each request is run by the
# worker, then the set-based baseline, then the PL/pgSQL loop, one right after the other, so that the three meet
# the same machine (its speed drifts over minutes): each preceded by a CHECKPOINT, outside the timing, and followed
# by the checks. No VACUUM or ANALYZE: the tables' statistics are whatever autovacuum made of them, as a user's. Appends to the contender's file a line per request:
#   worker        "request ms ms_finished xids"
#   set_based     "request ms"
#   plpgsql_loop  "request ms"  (the FAILURE receipts it counted are asserted here)
CONTENDERS=(worker set_based plpgsql_loop)
run_round() {
    local script request contender n failures lines results=0 ms rest
    script="$LIMITS"$'\n'"SET client_min_messages = warning;"$'\n'
    script+="TRUNCATE bulk.resources CASCADE; TRUNCATE bulk.tasks CASCADE;"$'\n'
    script+="TRUNCATE bench.resources, bench.receipts, bench.loop_resources, bench.loop_receipts;"$'\n'
    for request in "${REQUESTS[@]}"; do
        for contender in "${CONTENDERS[@]}"; do
            n=$N
            [ "$contender" = plpgsql_loop ] && n=$LOOP_N
            script+="CHECKPOINT;"$'\n'
            case "$contender" in
            worker)
                script+="CALL bench.worker_task('$request') \\gset"$'\n'
                script+="\\echo result=$contender $request :ms :ms_finished :xids"$'\n' ;;
            set_based)
                script+="CALL bench.set_based('$request', 'set_based $request') \\gset"$'\n'
                script+="\\echo result=$contender $request :ms"$'\n' ;;
            plpgsql_loop)
                failures=0
                [ "$request" = mixed ] && failures=$((n / 10))
                script+="CALL bench.plpgsql_loop('$request', $n, 'plpgsql_loop $request') \\gset"$'\n'
                script+="SELECT bench.expect('plpgsql loop $request: FAILURE receipts', :failures, $failures) \\g /dev/null"$'\n'
                script+="\\echo result=$contender $request :ms"$'\n' ;;
            esac
            script+="$(checks "$contender" "$request" "$n")"$'\n'
        done
    done
    lines="$(bench_psql -At -f - <<<"$script" | sed -n 's/^result=//p')"
    while read -r contender request ms rest; do
        echo "$request $ms $rest" >>"$BENCH_DIR/$contender.times"
        results=$((results + 1))
    done <<<"$lines"
    [ "$results" -eq 9 ] || die "expected 9 results from the round, got:"$'\n'"$lines"
}

if [ "$PROFILE" = 1 ]; then
    bench_psql -c "CREATE EXTENSION pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
fi
# 8. PATCH and ifVersion, one round per session from empty tables: the worker's CREATE (not timed), its plain
# UPSERT, its UPSERT with "ifVersion": 2 on every operation, its PATCH; then the set-based baseline's CREATE (not
# timed) and its PATCH, right after the worker's. Appends "request ms ms_finished" lines to patch.times.
run_patch_round() {
    local script request lines results=0
    script="$LIMITS"$'\n'"SET client_min_messages = warning;"$'\n'
    script+="TRUNCATE bulk.resources CASCADE; TRUNCATE bulk.tasks CASCADE; TRUNCATE bench.resources, bench.receipts;"$'\n'
    script+="CALL bench.worker_task('create') \\gset"$'\n'"$(checks worker create "$N")"$'\n'
    for request in upsert upsert_if patch; do
        script+="CHECKPOINT;"$'\n'"CALL bench.worker_task('$request') \\gset"$'\n'
        script+="\\echo result=worker_$request :ms :ms_finished"$'\n'
        script+="SELECT bench.assert_task(:'bulk_id', $N, 0) \\g /dev/null"$'\n'
    done
    script+="SELECT bench.expect('worker patch: patched rows at version 4', (SELECT count(*) FROM bulk.resources
                                 WHERE data ->> 'name' LIKE '% (patched)' AND version = 4), $N::bigint) \\g /dev/null"$'\n'
    script+="CALL bench.set_based('create', 'set_based create') \\gset"$'\n'"CHECKPOINT;"$'\n'
    script+="CALL bench.set_based('patch', 'set_based patch') \\gset"$'\n'
    script+="\\echo result=set_based_patch :ms :ms"$'\n'
    script+="SELECT bench.expect('set-based patch: patched rows', (SELECT count(*) FROM bench.resources
                                 WHERE data ->> 'name' LIKE '% (patched)' AND version = 2), $N::bigint) \\g /dev/null"$'\n'
    lines="$(bench_psql -At -f - <<<"$script" | sed -n 's/^result=//p')"
    while read -r request ms rest; do
        echo "$request $ms $rest" >>"$BENCH_DIR/patch.times"
        results=$((results + 1))
    done <<<"$lines"
    [ "$results" -eq 4 ] || die "expected 4 results from the PATCH round, got:"$'\n'"$lines"
}
for ((run = 1; run <= RUNS; run++)); do
    log "PATCH round $run of $RUNS: worker UPSERT, UPSERT with ifVersion, PATCH; set-based PATCH (UPDATE ... FROM, jsonb ||)"
    run_patch_round
done
patch_report="$(awk -v n="$N" -v runs="$RUNS" '
{ k = $1; if (!(k in best) || $2 + 0 < best[k]) { best[k] = $2 + 0; fin[k] = $3 + 0 }
  times[k] = times[k] sprintf(" %.1f", $2); round[k]++; in_round[k, round[k]] = $2 + 0 }
function ops(ms) { return n / (ms / 1000) }
END {
    printf "PATCH and ifVersion, N=%d operations per task (best of %d rounds)\n", n, runs
    printf "  %-44s %7d ops/s   (best %.1f ms; runs%s)\n", "worker UPSERT, every row replaced", ops(best["worker_upsert"]), best["worker_upsert"], times["worker_upsert"]
    printf "  %-44s %7d ops/s   (best %.1f ms; runs%s)\n", "worker UPSERT with ifVersion (matching)", ops(best["worker_upsert_if"]), best["worker_upsert_if"], times["worker_upsert_if"]
    printf "  %-44s %7d ops/s   (best %.1f ms; runs%s)\n", "worker PATCH (2 properties of each row)", ops(best["worker_patch"]), best["worker_patch"], times["worker_patch"]
    printf "  %-44s %7d ops/s   (best %.1f ms; runs%s)\n", "set-based UPDATE ... FROM, data || patch", ops(best["set_based_patch"]), best["set_based_patch"], times["set_based_patch"]
    printf "    ratio worker PATCH / set-based PATCH    = %.2f   (target >= 1.0; to finished_at: %.2f)\n",
        best["set_based_patch"] / best["worker_patch"], best["set_based_patch"] / fin["worker_patch"]
    printf "    ratio UPSERT with ifVersion / UPSERT    = %.2f   (target >= 0.8; to finished_at: %.2f)\n",
        best["worker_upsert"] / best["worker_upsert_if"], fin["worker_upsert"] / fin["worker_upsert_if"]
    paired_patch = paired_if = ""
    for (j = 1; j <= round["worker_patch"]; j++) {
        paired_patch = paired_patch sprintf(" %.2f", in_round["set_based_patch", j] / in_round["worker_patch", j])
        paired_if = paired_if sprintf(" %.2f", in_round["worker_upsert", j] / in_round["worker_upsert_if", j])
    }
    printf "    round by round: PATCH / set-based%s; ifVersion / UPSERT%s\n", paired_patch, paired_if
}' "$BENCH_DIR/patch.times")"
echo "$patch_report"
if [ "$ONLY" = patch ]; then
    if [ "$PROFILE" = 1 ]; then
        bench_psql -c "
            SELECT calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
                   left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND toplevel AND query !~* '^(CALL|CHECKPOINT|TRUNCATE|SET|SELECT bench|SELECT pg_stat|CREATE)'
             ORDER BY total_exec_time DESC LIMIT 12"
    fi
    exit 0
fi
if [ "$PROFILE" = 1 ]; then
    bench_psql -c "SELECT pg_stat_statements_reset()" >/dev/null
fi

WORKER_TIMES="$BENCH_DIR/worker.times"
SET_TIMES="$BENCH_DIR/set_based.times"
LOOP_TIMES="$BENCH_DIR/plpgsql_loop.times"
for ((run = 1; run <= RUNS; run++)); do
    log "round $run of $RUNS: create, upsert, mixed; each by the worker, the set-based baseline, the PL/pgSQL loop ($LOOP_N operations)"
    run_round
done

# The mixed request by the worker once more, from the state the rounds give it (create, upsert), but with
# bulk.resources analyzed just before: the same task with the statistics a VACUUM (ANALYZE) would give. Its
# finished_at time, against the rounds' best, shows what the missing statistics cost the rounds.
log "the mixed request by the worker after ANALYZE bulk.resources"
autoanalyzed="$(bench_psql -At -c "SELECT autoanalyze_count FROM pg_stat_user_tables WHERE relid = 'bulk.resources'::regclass")"
script="$LIMITS"$'\n'"SET client_min_messages = warning;"$'\n'
script+="TRUNCATE bulk.resources CASCADE; TRUNCATE bulk.tasks CASCADE;"$'\n'
for request in create upsert mixed; do
    [ "$request" = mixed ] && script+="ANALYZE bulk.resources;"$'\n'
    script+="CHECKPOINT;"$'\n'"CALL bench.worker_task('$request') \\gset"$'\n'
    script+="\\echo result=:ms_finished"$'\n'"$(checks worker "$request" "$N")"$'\n'
done
analyzed_mixed_ms="$(bench_psql -At -f - <<<"$script" | sed -n 's/^result=//p' | tail -n 1)"
[ -n "$analyzed_mixed_ms" ] || die "the mixed request after ANALYZE did not report"

# BENCH_PROFILE=1: the worker's statements in all the throughput tasks (top-level statements other than the
# bench's own, and the foreign key checks its receipt inserts fire), by total time.
profile=""
if [ "$PROFILE" = 1 ]; then
    profile="$(bench_psql -c "
        SELECT calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
               round(max_exec_time::numeric, 1) AS max_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
          FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((toplevel AND query !~* '^(CALL|CHECKPOINT|TRUNCATE|SET|SELECT bench|SELECT pg_stat|CREATE)')
                OR query LIKE '%FOR KEY SHARE OF x')
         ORDER BY total_exec_time DESC LIMIT 10")"
fi

log "latency: $SMALL_TASKS tasks of one operation"
bench_psql -c "CALL bench.small_tasks($SMALL_TASKS)"
# milliseconds from the submitting transaction's commit start (and from its submitted_at) to the worker's start
read -r lat_median lat_p90 lat_min lat_max lat_sub_median < <(bench_psql -At -F ' ' -c "
    SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2),
           round(min(ms)::numeric, 2), round(max(ms)::numeric, 2),
           round(percentile_cont(0.5) WITHIN GROUP (ORDER BY from_submit)::numeric, 2)
      FROM (SELECT 1000 * extract(epoch FROM t.started_at - l.commit_started) AS ms,
                   1000 * extract(epoch FROM t.started_at - t.submitted_at) AS from_submit
              FROM bench.latency l JOIN bulk.tasks t USING (bulk_id)) AS s")
expect "small tasks applied" "SELECT count(*) FROM bench.latency l JOIN bulk.tasks t USING (bulk_id)
                              WHERE t.status = 'SUCCESS' AND t.applied_count = 1" "$SMALL_TASKS"

# The memory task. The sampler reads the worker's /proc/<pid>/status every 100 ms and keeps the largest RssAnon
# (private memory: heap, memory contexts) and RssShmem (the shared buffers the worker touched); VmHWM, reset first
# through clear_refs, is the kernel's own peak of VmRSS (= RssAnon + RssFile + RssShmem).
log "memory task: $BIG_N operations, one task"
pid="$(worker_pid)"
echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "could not reset VmHWM of pid $pid (it then covers the worker's whole life)"
SAMPLES="$BENCH_DIR/memory.samples"
sample_memory() {
    local key value anon shmem max_anon=0 max_shmem=0 samples=0
    trap 'echo "$max_anon $max_shmem $samples" >"$SAMPLES"; exit 0' TERM
    while [ -r "/proc/$pid/status" ]; do
        anon=0 shmem=0
        while read -r key value _; do
            case "$key" in
            RssAnon:) anon=$value ;;
            RssShmem:) shmem=$value ;;
            esac
        done <"/proc/$pid/status" 2>/dev/null || true
        ((anon > max_anon)) && max_anon=$anon
        ((shmem > max_shmem)) && max_shmem=$shmem
        samples=$((samples + 1))
        sleep 0.1 &
        wait $!
    done
    echo "$max_anon $max_shmem $samples" >"$SAMPLES"
}
sample_memory &
SAMPLER_PID=$!
IFS='|' read -r big_id big_ms big_finished big_xids < <(bench_psql -At -f - <<<"$LIMITS
SET client_min_messages = warning;
CHECKPOINT;
CALL bench.worker_task('big');")
kill -TERM "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
[ -n "$big_id" ] || die "the memory task did not report"
[ "$(worker_pid)" = "$pid" ] || die "the worker changed pid during the memory task (it crashed or restarted)"
read -r peak_anon peak_shmem samples <"$SAMPLES"
hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")"
end_anon="$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status")"
bench_psql -c "SELECT bench.assert_task('$big_id', $BIG_N, 0)" >/dev/null
expect "resources written by the memory task" "SELECT count(*) FROM bulk.resources WHERE id LIKE 'm%'" "$BIG_N"
# Throughput of each tenth of the memory task, from the worker's progress log lines (DESIGN §5 bulk.logs).
big_tenths="$(bench_psql -At -c "
    SELECT string_agg(round((applied - before) / extract(epoch FROM at - prev))::text, ' ' ORDER BY at)
      FROM (SELECT at, applied, lag(at) OVER w AS prev, lag(applied) OVER w AS before
              FROM (SELECT at, CASE WHEN message LIKE 'picked up%' THEN 0
                                    WHEN message LIKE 'finished:%' THEN $BIG_N
                                    ELSE substring(message FROM '^progress: ([0-9]+) of')::bigint END AS applied
                      FROM bulk.logs('$big_id')
                     WHERE message LIKE 'picked up%' OR message LIKE 'progress:%' OR message LIKE 'finished:%') AS l
            WINDOW w AS (ORDER BY at)) AS s
     WHERE prev IS NOT NULL AND at > prev")"
[ "$(worker_pid)" = "$first_worker_pid" ] || log "note: the worker's pid changed during the bench (it restarted)"

# Report: ops/s and ratios from the best times.
awk -v n="$N" -v loop_n="$LOOP_N" -v runs="$RUNS" -v mb="$request_mb" -v batch="$batch_size" \
    -v big_n="$BIG_N" -v big_mb="$big_mb" -v big_ms="$big_ms" -v big_finished="$big_finished" \
    -v big_xids="$big_xids" -v big_tenths="$big_tenths" \
    -v peak_anon="$peak_anon" -v peak_shmem="$peak_shmem" -v samples="$samples" \
    -v hwm="$hwm" -v end_anon="$end_anon" -v small="$SMALL_TASKS" \
    -v lat_median="$lat_median" -v lat_p90="$lat_p90" -v lat_min="$lat_min" -v lat_max="$lat_max" \
    -v lat_sub_median="$lat_sub_median" -v analyzed_mixed_ms="$analyzed_mixed_ms" -v autoanalyzed="$autoanalyzed" \
    -v ids="$IDS" -v took="$((SECONDS - started_at))" \
    -v load_start="$load_start" -v load_end="$(cut -d ' ' -f 1 /proc/loadavg)" '
function add(contender, request, ms, extra) {
    k = contender SUBSEP request
    times[k] = times[k] sprintf("%s%.1f", (times[k] == "" ? "" : " "), ms)
    if (!(k in best) || ms + 0 < best[k]) { best[k] = ms + 0; best_extra[k] = extra }
    round[k]++; in_round[k, round[k]] = ms + 0; extra_in_round[k, round[k]] = extra + 0
}
FILENAME ~ /worker.times$/    { add("worker", $1, $2, $3); xids[$1] = xids[$1] (xids[$1] == "" ? "" : " ") $4; next }
FILENAME ~ /set_based.times$/ { add("set", $1, $2, ""); next }
FILENAME ~ /loop.times$/      { add("loop", $1, $2, ""); next }
function ops(count, ms) { return count / (ms / 1000) }
function line(label, contender, request, count,   k) {
    k = contender SUBSEP request
    printf "  %-36s %7d ops/s   (best %.1f ms; runs %s)\n", label, ops(count, best[k]), best[k], times[k]
}
END {
    printf "pg_bulk bench: worker apply, N=%d operations per task (best of %d rounds), %s ids, request %s MB jsonb, batch_size %s\n",
        n, runs, ids, mb, batch
    split("create upsert mixed", req, " ")
    label["create"] = "CREATE, fresh ids"; label["upsert"] = "UPSERT, every row replaced"
    label["mixed"] = sprintf("CREATE, 10%% existing ids (%d x 409)", n / 10)
    for (i = 1; i <= 3; i++) {
        r = req[i]; w = "worker" SUBSEP r
        printf "%s\n", label[r]
        line("worker: submit-commit to bulk.wait", "worker", r, n)
        printf "  %-36s %7d ops/s   (%.1f ms, in that best run)\n", "worker: submit-commit to finished_at",
            ops(n, best_extra[w]), best_extra[w]
        line("set-based INSERT + receipts", "set", r, n)
        line(sprintf("plpgsql loop, N=%d", loop_n), "loop", r, loop_n)
        wo = ops(n, best[w]); wf = ops(n, best_extra[w])
        so = ops(n, best["set" SUBSEP r]); lo = ops(loop_n, best["loop" SUBSEP r])
        printf "    ratio worker / set-based    = %.2f   (target >= %s; to finished_at: %.2f)\n",
            wo / so, r == "mixed" ? "0.8" : "1.0", wf / so
        printf "    ratio worker / plpgsql loop = %.2f   (target >= 2.0; to finished_at: %.2f)\n", wo / lo, wf / lo
        # The same ratios within each round, where the contenders ran one right after the other.
        paired_set = paired_loop = ""
        for (j = 1; j <= round[w]; j++) {
            wf = ops(n, extra_in_round[w, j])
            paired_set = paired_set sprintf(" %.2f", wf / ops(n, in_round["set" SUBSEP r, j]))
            paired_loop = paired_loop sprintf(" %.2f", wf / ops(loop_n, in_round["loop" SUBSEP r, j]))
        }
        printf "    to finished_at, round by round: / set-based%s; / plpgsql loop%s\n", paired_set, paired_loop
    }
    mixed_best = best_extra["worker" SUBSEP "mixed"]
    printf "CREATE, 10%% existing ids, by the worker after ANALYZE bulk.resources: %.1f ms to finished_at\n", analyzed_mixed_ms
    printf "    ratio rounds (no VACUUM or ANALYZE; autovacuum analyzed bulk.resources %d times) / after ANALYZE = %.2f   (target <= 1.5)\n",
        autoanalyzed, mixed_best / analyzed_mixed_ms
    split(xids["create"], x, " ")
    printf "XIDs per 1000 operations (CREATE task): %.2f   (%d XIDs for %d operations; runs: %s)   (target: a few)\n",
        1000 * x[1] / n, x[1], n, xids["create"]
    printf "submit-commit to worker start, %d tasks of 1 operation: median %.2f ms, p90 %.2f ms (min %.2f, max %.2f)   (target median < 20 ms)\n",
        small, lat_median, lat_p90, lat_min, lat_max
    printf "  (from submitted_at, i.e. including the submit statement: median %.2f ms)\n", lat_sub_median
    printf "%d-operation task (%s MB jsonb): %d ops/s to bulk.wait (%.1f s), %d ops/s to finished_at (%.1f s), %.2f XIDs per 1000 operations\n",
        big_n, big_mb, ops(big_n, big_ms), big_ms / 1000, ops(big_n, big_finished), big_finished / 1000, 1000 * big_xids / big_n
    printf "  ops/s in each tenth of the task: %s\n", big_tenths
    printf "  worker peak RssAnon %.1f MB (sampled every 100 ms, %d samples; %.1f MB at the end)   (target < 100 MB)\n",
        peak_anon / 1024, samples, end_anon / 1024
    printf "  worker VmHWM %.1f MB: its peak VmRSS, which also counts the shared buffers it touched (peak RssShmem %.1f MB)\n",
        hwm / 1024, peak_shmem / 1024
    printf "(took %d s; load average %s at the start, %s at the end)\n", took, load_start, load_end
}' "$WORKER_TIMES" "$SET_TIMES" "$LOOP_TIMES"
if [ -n "$profile" ]; then
    echo "where the worker's time went in the $((3 * RUNS)) throughput tasks (pg_stat_statements):"
    echo "$profile"
fi
echo "$patch_report"
