#!/usr/bin/env bash
# Benchmark of a bulk load from a staging table (issue 5): bulk.load plus the worker applying its tasks, against a
# set-based baseline run in the same script, on the same cluster and the same rows. Run as root, after
# `make install`:
#
#   bash bench/load.sh
#
# It starts its own throwaway cluster as the OS user postgres (bench/lib.sh: data, unix socket and log in a fresh
# /tmp/pg_bulk-bench.XXXXXX, no TCP, pg_bulk preloaded, default durability) whose pg_bulk.database is the bench
# database, so the worker applies the tasks the load submits. It stops and removes the cluster on exit.
# The rows: N provider rows (`CREATE provider p<i>`, data with up to 4 properties: name, practiceNumber,
# specialities, active), written once to a CSV file that both paths COPY.
#   1. Set-based baseline: COPY the file into a fresh table bench.copied; INSERT INTO bench.resources (shaped like
#      bulk.resources) SELECT type, id, data FROM bench.copied. Each statement in autocommit, timed separately.
#   2. pg_bulk: COPY the file into the staging table staging.providers (timed, the same COPY as the baseline's);
#      then, end to end, SELECT bulk.load('staging.providers') in autocommit (committed) until every task of the
#      load is SUCCESS (the last task's finished_at). The default pg_bulk.max_operations (10000) makes N/10000
#      tasks.
#   3. Ratio = set-based INSERT time / (bulk.load + worker) time (higher is better; target >= 0.8), and the same
#      with the COPY added to both sides.
#   Streamed mode (issue 15), after pg_bulk's tables are emptied again by TRUNCATE (nothing analyzed): the file is
#   COPYed into staging.by_hand and staging.providers (untimed); then
#   - consumed by hand: one transaction of INSERT INTO bench.hand_resources (a copy of bulk.resources) SELECT ...
#     FROM staging.by_hand and DELETE FROM staging.by_hand, timed;
#   - SELECT bulk.load('staging.providers', 'resources', '{"mode": "stream"}'), timed from the load's start
#     (bulk.loads.loaded_at) to its last receipt (the largest completed_at of its task's receipts);
#   - ratio = by-hand time / streamed time (target >= 0.8), beside it the plain INSERT's and the queued load's;
#     the memory of the worker that consumed the load (VmHWM reset before the call; RssAnon sampled).
#   4. Peak memory: VmHWM of the backend that ran bulk.load (read by that session itself from /proc/self/status
#      right after the load statement, before it disconnects) and of the worker (pid from bulk.workers, read
#      after its last task), both reset through /proc/<pid>/clear_refs just before the load; and their RssAnon
#      (private memory) and RssShmem sampled every 100 ms: the backend's during the bulk.load statement, the
#      worker's until its last task ended.
# Before each timed statement (outside the timing) a CHECKPOINT. pg_bulk's side runs as a user meets it: on the
# freshly created cluster, its staging table and bulk.resources never vacuumed nor analyzed (a later run starts
# after a TRUNCATE and a VACUUM). The baseline's tables are vacuumed and analyzed after its COPY and INSERT,
# which only helps the baseline. Correctness checks (a failed one exits non-zero): the load answer (records,
# submitted, no failures, no warnings), every task SUCCESS with every operation applied, bulk.resources holding
# exactly the staged rows with their data, the staging table empty, the baseline table holding N rows.
# A missed target is reported, not failed. See bench/README.md.
#
# Environment:
#   BENCH_N        staged rows (default 1000000)
#   BENCH_RUNS     runs of both paths; the best time of each step is reported (default 1)
#   BENCH_IDS      random (default: uuid-like ids, as a registry gets them) or sequential (p1, p2, ...)
#   BENCH_PORT     port of the throwaway cluster (default 56632; unix socket only)
#   BENCH_INSTALL  1: run `make -j2 && make install` first (default: use the pg_bulk already installed)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-1000000}"
RUNS="${BENCH_RUNS:-1}"
IDS="${BENCH_IDS:-random}"
[[ "$IDS" == random || "$IDS" == sequential ]] || die "BENCH_IDS=$IDS: expected random or sequential"
PORT="${BENCH_PORT:-56632}"
BENCH_DB=pg_bulk_bench

for setting in "BENCH_N=$N" "BENCH_RUNS=$RUNS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done

require_root
[ -f "$BENCH_SRC/lib.sh" ] || die "$BENCH_SRC/lib.sh is missing"
bench_require_installed

started_at=$SECONDS
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
# One apply worker: the memory figures follow one worker process (a pool would spread the queued load's tasks
# over several, on a 2-core machine), and a streamed load is consumed by one worker anyway.
bench_init_cluster "$PORT" <<'EOF'
pg_bulk.max_workers = 1
EOF
bench_start_serving

CSV="$BENCH_DIR/providers.csv"
PID_FILE="$BENCH_DIR/load_backend.pid"
READY_FILE="$BENCH_DIR/sampler.ready"
LOADED_FILE="$BENCH_DIR/load.done"
SAMPLES="$BENCH_DIR/memory.samples"
SAMPLER_PID=""
bench_extra_cleanup() {
    if [ -n "$SAMPLER_PID" ]; then
        kill "$SAMPLER_PID" 2>/dev/null
        wait "$SAMPLER_PID" 2>/dev/null
    fi
}

log "setup: profile, $N staged rows written to a CSV file, staging and baseline tables"
bench_psql -v n="$N" -v csv="$CSV" -v ids="$IDS" -f - <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION pg_bulk;
CREATE SCHEMA bench;
CREATE SCHEMA staging;
RESET client_min_messages;
-- The sample profile of the other benches (DESIGN §2): 4 properties.
DO $$ BEGIN PERFORM bulk.define_profile('provider', '{
  "description": "A healthcare provider (pg_bulk bench)",
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array",
                       "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse", "Dentist"]}}},
    "active":         {"type": "boolean"}
  }}'); END $$;
-- The data of row i, with the varied values of bench/worker_apply_setup.sql (names of different lengths, some
-- non-ASCII; practiceNumber null in 10% (stored as null: absent for the validator); 0 to 3 specialities, or none).
CREATE FUNCTION bench.provider_data(i integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
               'name', (ARRAY['Dr ', 'Prof ', '', 'Sr ', 'Ms '])[1 + i % 5]
                       || (ARRAY['Naledi', 'Johan', 'Ayesha', 'Thabo', 'Zoë', 'Pieter', 'Lindiwe', 'Sipho',
                                 'Fatima', 'Karabo', 'Anneke'])[1 + i % 11]
                       || ' '
                       || (ARRAY['Dlamini', 'van der Merwe', 'Naidoo', 'Botha', 'Mokoena', 'Smith', 'Pillay',
                                 'Nkosi', 'Müller', 'Khumalo-Ndlovu'])[1 + i % 10]
                       || CASE WHEN i % 13 = 0 THEN ' (locum, after-hours and weekend practice)' ELSE '' END
                       || ' #' || i,
               'practiceNumber', CASE WHEN i % 10 = 0 THEN NULL ELSE (i::bigint * 7919) % 9999991 END,
               'specialities', (ARRAY['["Nurse"]', '["Pharmacist"]', '["Dentist", "Nurse"]', '[]',
                                      '["Pharmacist", "Nurse", "Dentist"]', '["Dentist"]',
                                      '["Nurse", "Pharmacist"]'])[1 + i % 7]::jsonb,
               'active', i % 3 <> 0)
           - CASE WHEN i % 11 = 0 THEN 'specialities' ELSE '' END
$$;
COPY (SELECT 'CREATE', 'provider',
             CASE :'ids' WHEN 'sequential' THEN 'p' || i
                  ELSE substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4)
                       || '-' || substr(h, 21, 12) END,
             bench.provider_data(i) FROM generate_series(1, :n) AS i, LATERAL (SELECT md5(i::text) AS h) AS hash
      ORDER BY i)
  TO :'csv' (FORMAT csv);
-- The staging table of the load, the baseline's table COPY fills, and the baseline's target, shaped like
-- bulk.resources (primary key (type, id), jsonb data, timestamps with defaults).
CREATE TABLE staging.providers (action text, type text, id text, data jsonb);
CREATE TABLE bench.copied (action text, type text, id text, data jsonb);
CREATE TABLE bench.resources (LIKE bulk.resources INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
-- The streamed mode's baseline: the same rows consumed by hand from a staging table into a copy of bulk.resources.
CREATE TABLE staging.by_hand (action text, type text, id text, data jsonb);
CREATE TABLE bench.hand_resources (LIKE bulk.resources INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
SQL
csv_mb="$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.1f", b / 1048576 }')"

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

# Asserts that the query prints the expected value.
expect() {
    local what="$1" query="$2" expected="$3" got
    got="$(bench_psql -At -c "$query")"
    [ "$got" = "$expected" ] || die "$what: expected $expected, got $got"
}

# Milliseconds between two psql variables holding clock_timestamp() values, as SQL.
ms() {
    echo "round((1000 * extract(epoch FROM :'$2'::timestamptz - :'$1'::timestamptz))::numeric, 1)"
}

# Reads /proc/<pid>/status of the loading backend ($1; until the session has run bulk.load and touched
# $LOADED_FILE) and of the worker ($2) every 100 ms until TERM; keeps the largest RssAnon and RssShmem of each and
# writes "anon_backend shmem_backend anon_worker shmem_worker samples".
sample_memory() {
    local backend="$1" worker="$2" key value max_ab=0 max_sb=0 max_aw=0 max_sw=0 samples=0
    trap 'echo "$max_ab $max_sb $max_aw $max_sw $samples" >"$SAMPLES"; exit 0' TERM
    while :; do
        if [ ! -e "$LOADED_FILE" ] && [ -r "/proc/$backend/status" ]; then
            while read -r key value _; do
                case "$key" in
                RssAnon:) ((value > max_ab)) && max_ab=$value ;;
                RssShmem:) ((value > max_sb)) && max_sb=$value ;;
                esac
            done <"/proc/$backend/status" 2>/dev/null || true
        fi
        if [ -r "/proc/$worker/status" ]; then
            while read -r key value _; do
                case "$key" in
                RssAnon:) ((value > max_aw)) && max_aw=$value ;;
                RssShmem:) ((value > max_sw)) && max_sw=$value ;;
                esac
            done <"/proc/$worker/status" 2>/dev/null || true
        fi
        samples=$((samples + 1))
        sleep 0.1 &
        wait $!
    done
}

RESULTS="$BENCH_DIR/results"
: >"$RESULTS"
for ((run = 1; run <= RUNS; run++)); do
    if [ "$run" -gt 1 ]; then
        log "run $run of $RUNS: clean tables"
        bench_psql -f - <<'SQL'
TRUNCATE bench.copied, bench.resources, staging.providers, staging.by_hand, bench.hand_resources;
TRUNCATE bulk.resources CASCADE;
TRUNCATE bulk.tasks CASCADE;
TRUNCATE bulk.loads CASCADE;
VACUUM;
SQL
    fi

    # 1. The set-based baseline.
    log "run $run of $RUNS: set-based baseline (COPY, then INSERT ... SELECT)"
    bench_psql -At -v csv="$CSV" -f - >>"$RESULTS" <<SQL
CHECKPOINT;
SELECT clock_timestamp() AS a \\gset
COPY bench.copied FROM :'csv' (FORMAT csv);
SELECT clock_timestamp() AS b \\gset
VACUUM (ANALYZE) bench.copied;
CHECKPOINT;
SELECT clock_timestamp() AS c \\gset
INSERT INTO bench.resources (type, id, data) SELECT type, id, data FROM bench.copied;
SELECT clock_timestamp() AS d \\gset
SELECT 'baseline $run ' || $(ms a b) || ' ' || $(ms c d);
VACUUM (ANALYZE) bench.resources;
SQL
    expect "baseline rows" "SELECT count(*) FROM bench.resources" "$N"

    # 2. pg_bulk: stage with the same COPY, then the load and the worker.
    log "run $run of $RUNS: COPY into the staging table"
    bench_psql -At -v csv="$CSV" -f - >>"$RESULTS" <<SQL
CHECKPOINT;
SELECT clock_timestamp() AS a \\gset
COPY staging.providers FROM :'csv' (FORMAT csv);
SELECT clock_timestamp() AS b \\gset
SELECT 'staging $run ' || $(ms a b);
CHECKPOINT;
SQL

    log "run $run of $RUNS: bulk.load + worker, end to end"
    wpid="$(worker_pid)"
    rm -f "$PID_FILE" "$READY_FILE" "$LOADED_FILE" "$SAMPLES"
    # The loading session: writes its backend pid, waits for the sampler (psql's \! runs as postgres), loads,
    # reads its own /proc/self/status while still connected, then waits for the load's tasks.
    bench_psql -At -v pid_file="$PID_FILE" -f - >>"$RESULTS" <<SQL &
\\o :pid_file
SELECT pg_backend_pid();
\\o
\\! n=0; while [ ! -e '$READY_FILE' ] && [ \$n -lt 600 ]; do sleep 0.05; n=\$((n + 1)); done
SELECT clock_timestamp() AS t0 \\gset
SELECT bulk.load('staging.providers') AS answer \\gset
SELECT clock_timestamp() AS t1 \\gset
SELECT 'backend_memory $run ' || (regexp_match(s, 'VmHWM:\\s+(\\d+)'))[1] || ' ' || (regexp_match(s, 'RssAnon:\\s+(\\d+)'))[1]
       || ' ' || (regexp_match(s, 'RssShmem:\\s+(\\d+)'))[1]
  FROM pg_read_file('/proc/self/status') AS s;
\\! touch '$LOADED_FILE'
SELECT 'answer $run ' || concat_ws(' ', a ->> 'records', a ->> 'submitted', a ->> 'failureCount', a ->> 'warningCount',
                                  jsonb_array_length(a -> 'bulkIds'))
  FROM (SELECT :'answer'::jsonb AS a) AS x;
SELECT 'waited $run ' || count(*) FILTER (WHERE bulk.wait(b, '1 hour') ->> 'status' = 'SUCCESS') || ' ' || count(*)
  FROM jsonb_array_elements_text(:'answer'::jsonb -> 'bulkIds') AS b;
SELECT clock_timestamp() AS t2 \\gset
SELECT 'load $run ' || $(ms t0 t1) || ' ' || round((1000 * extract(epoch FROM max(t.finished_at) - :'t0'::timestamptz))::numeric, 1)
       || ' ' || $(ms t0 t2) || ' ' || round((1000 * extract(epoch FROM min(t.started_at) - :'t1'::timestamptz))::numeric, 1)
       || ' ' || round((1000 * extract(epoch FROM max(t.finished_at) - min(t.started_at)))::numeric, 1)
       || ' ' || sum(t.applied_count) || ' ' || count(*) FILTER (WHERE t.status = 'SUCCESS')
  FROM bulk.tasks t WHERE t.bulk_id IN (SELECT jsonb_array_elements_text(:'answer'::jsonb -> 'bulkIds'));
-- The worker's throughput over each tenth of the load's tasks (in queue order): does it slow down as it goes?
SELECT 'tenths $run ' || string_agg(round(ops / secs)::text, ' ' ORDER BY tenth)
  FROM (SELECT tenth, sum(applied_count) AS ops, extract(epoch FROM max(finished_at) - min(started_at)) AS secs
          FROM (SELECT ntile(10) OVER (ORDER BY queue_position) AS tenth, applied_count, started_at, finished_at
                  FROM bulk.tasks
                 WHERE bulk_id IN (SELECT jsonb_array_elements_text(:'answer'::jsonb -> 'bulkIds'))) AS t
         GROUP BY tenth) AS s;
SQL
    session_pid=$!
    for _ in $(seq 1 100); do
        [ -s "$PID_FILE" ] && break
        sleep 0.1
    done
    bpid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
    [ -n "$bpid" ] || die "the loading session did not report its backend pid"
    for pid in "$bpid" "$wpid"; do
        echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "could not reset VmHWM of pid $pid"
    done
    sample_memory "$bpid" "$wpid" &
    SAMPLER_PID=$!
    touch "$READY_FILE"
    wait "$session_pid" || die "the loading session failed"
    worker_hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$wpid/status")"
    worker_anon_end="$(awk '/^RssAnon:/ { print $2 }' "/proc/$wpid/status")"
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    [ "$(worker_pid)" = "$wpid" ] || die "the worker changed pid during the load (it crashed or restarted)"
    read -r anon_b shmem_b anon_w shmem_w samples <"$SAMPLES"
    echo "sampled $run $anon_b $shmem_b $anon_w $shmem_w $samples $worker_hwm $worker_anon_end" >>"$RESULTS"

    # Correctness of the run.
    read -r _ _ records submitted failures warnings tasks < <(grep "^answer $run " "$RESULTS")
    [ "$records $submitted $failures $warnings" = "$N $N 0 0" ] \
        || die "load answer: expected records/submitted/failures/warnings $N $N 0 0, got $records $submitted $failures $warnings"
    [ "$tasks" = $(((N + 9999) / 10000)) ] || die "load answer: expected $(((N + 9999) / 10000)) tasks, got $tasks"
    read -r _ _ ok all < <(grep "^waited $run " "$RESULTS")
    [ "$ok" = "$all" ] || die "only $ok of $all tasks of the load are SUCCESS"
    read -r _ _ _ _ _ _ _ applied succeeded < <(grep "^load $run " "$RESULTS")
    [ "$applied $succeeded" = "$N $tasks" ] || die "tasks: expected $N operations applied in $tasks SUCCESS tasks, got $applied in $succeeded"
    expect "FAILURE receipts" "SELECT count(*) FROM bulk.operation_results WHERE status <> 'SUCCESS'" "0"
    expect "resources holding the staged data" \
        "SELECT (SELECT count(*) FROM bulk.resources) || ' ' ||
                (SELECT count(*) FROM bench.copied c JOIN bulk.resources r USING (type, id) WHERE r.data = c.data)" "$N $N"
    expect "rows left in the staging table" "SELECT count(*) FROM staging.providers" "0"

    # 3. The streamed mode, on pg_bulk's tables emptied again (TRUNCATE, no ANALYZE), against its own baseline:
    # the same rows consumed by hand from a staging table in one transaction.
    log "run $run of $RUNS: streamed mode: empty pg_bulk's tables, stage the rows twice"
    bench_psql -At -v csv="$CSV" -f - <<'SQL'
TRUNCATE bulk.resources CASCADE;
TRUNCATE bulk.tasks CASCADE;
TRUNCATE bulk.loads CASCADE;
COPY staging.by_hand FROM :'csv' (FORMAT csv);
COPY staging.providers FROM :'csv' (FORMAT csv);
SQL
    log "run $run of $RUNS: consumed by hand (INSERT ... SELECT into a copy of bulk.resources + DELETE, one transaction)"
    bench_psql -At -f - >>"$RESULTS" <<SQL
CHECKPOINT;
SELECT clock_timestamp() AS a \\gset
BEGIN;
INSERT INTO bench.hand_resources (type, id, data) SELECT type, id, data FROM staging.by_hand;
DELETE FROM staging.by_hand;
COMMIT;
SELECT clock_timestamp() AS b \\gset
SELECT 'by_hand $run ' || $(ms a b);
CHECKPOINT;
SQL
    expect "rows consumed by hand" "SELECT count(*) FROM bench.hand_resources" "$N"

    log "run $run of $RUNS: streamed load, from the call to the last receipt"
    for pid in $(bench_psql -At -c "SELECT pid FROM bulk.workers"); do
        echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "could not reset VmHWM of pid $pid"
    done
    bench_psql -At -c \
        "SELECT bulk.load('staging.providers', 'resources', '{\"mode\": \"stream\"}')" >"$BENCH_DIR/stream.answer"
    stream_task="$(bench_psql -At -c "SELECT bulk_ids[1] FROM bulk.loads WHERE mode = 'stream'")"
    spid=""
    for _ in $(seq 1 200); do
        spid="$(bench_psql -At -c "SELECT (regexp_match(message, 'picked up by worker pid (\\d+)'))[1] FROM bulk.logs('$stream_task')
                                    WHERE message LIKE 'picked up by%'")"
        [ -n "$spid" ] && break
        sleep 0.05
    done
    [ -n "$spid" ] || die "no worker took the streamed load up"
    rm -f "$LOADED_FILE" "$SAMPLES"
    touch "$LOADED_FILE"
    sample_memory 0 "$spid" &
    SAMPLER_PID=$!
    bench_psql -At -f - >>"$RESULTS" <<SQL
SELECT bulk.wait(load_id, '1 hour') ->> 'status' AS status, load_id, loaded_at AS t0 FROM bulk.loads WHERE mode = 'stream' \\gset
SELECT 'stream $run ' || round((1000 * extract(epoch FROM max(r.completed_at) - :'t0'::timestamptz))::numeric, 1)
       || ' ' || round((1000 * extract(epoch FROM t.finished_at - :'t0'::timestamptz))::numeric, 1)
       || ' ' || round((1000 * extract(epoch FROM t.started_at - :'t0'::timestamptz))::numeric, 1)
       || ' ' || :'status' || ' ' || t.applied_count
  FROM bulk.tasks t JOIN bulk.operation_results r USING (bulk_id) WHERE t.load_id = :'load_id'
 GROUP BY t.finished_at, t.started_at, t.applied_count;
SQL
    stream_hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$spid/status")"
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    read -r _ _ anon_w shmem_w _ <"$SAMPLES"
    echo "stream_memory $run $stream_hwm $anon_w $shmem_w" >>"$RESULTS"
    read -r _ _ _ _ _ stream_status stream_applied < <(grep "^stream $run " "$RESULTS")
    [ "$stream_status $stream_applied" = "SUCCESS $N" ] \
        || die "streamed load: expected SUCCESS with $N operations applied, got $stream_status $stream_applied"
    expect "resources holding the staged data (streamed)" \
        "SELECT (SELECT count(*) FROM bulk.resources) || ' ' ||
                (SELECT count(*) FROM bench.copied c JOIN bulk.resources r USING (type, id) WHERE r.data = c.data)" "$N $N"
    expect "rows left in the staging table (streamed)" "SELECT count(*) FROM staging.providers" "0"
done

# Report, from the best (lowest) time of each step over the runs; memory: the largest over the runs.
awk -v n="$N" -v runs="$RUNS" -v csv_mb="$csv_mb" -v took="$((SECONDS - started_at))" \
    -v load_start="$load_at_start" -v load_end="$(cut -d' ' -f1-3 /proc/loadavg)" '
function keep(name, ms) {
    ms += 0
    all[name] = all[name] sprintf("%s%.1f", (all[name] == "" ? "" : " "), ms)
    if (!(name in best) || ms < best[name]) best[name] = ms
}
function big(name, kb) { kb += 0; if (!(name in mem) || kb > mem[name]) mem[name] = kb }
$1 == "baseline" { keep("copy", $3); keep("insert", $4); keep("copy_insert", $3 + $4) }
$1 == "staging"  { keep("staging", $3); staging_ms[$2] = $3 }
$1 == "load"     { keep("statement", $3); keep("end_to_end", $4); keep("to_wait", $5); keep("start_delay", $6)
                   keep("apply", $7); keep("staging_end_to_end", staging_ms[$2] + $4) }
$1 == "backend_memory" { big("b_hwm", $3); big("b_anon_end", $4); big("b_shmem_end", $5) }
$1 == "sampled"  { big("b_anon", $3); big("b_shmem", $4); big("w_anon", $5); big("w_shmem", $6)
                   samples += $7; big("w_hwm", $8); big("w_anon_end", $9) }
$1 == "answer"   { tasks = $7 }
$1 == "by_hand"  { keep("by_hand", $3) }
$1 == "stream"   { keep("stream", $3); keep("stream_end", $4); keep("stream_start", $5) }
$1 == "stream_memory" { big("s_hwm", $3); big("s_anon", $4); big("s_shmem", $5) }
$1 == "tenths"   { tenths = tenths sprintf("%s  run %s: %s\n", "", $2, substr($0, index($0, $3))) }
function rate(ms) { return n / (ms / 1000) }
function line(label, name) {
    printf "  %-52s %9d rows/s   (best %.1f ms; runs %s)\n", label, rate(best[name]), best[name], all[name]
}
END {
    printf "pg_bulk bench: bulk load, N=%d staged provider rows (4 properties, CSV %s MB), %d task(s) of <= 10000 operations, best of %d run(s)\n",
        n, csv_mb, tasks, runs
    printf "set-based baseline\n"
    line("COPY into a fresh table", "copy")
    line("INSERT ... SELECT into a resources table", "insert")
    line("COPY + INSERT", "copy_insert")
    printf "pg_bulk\n"
    line("COPY into the staging table", "staging")
    line("bulk.load statement (validate, submit, delete)", "statement")
    line("worker applying the tasks (first start..last end)", "apply")
    line("bulk.load + worker, end to end (to last finished_at)", "end_to_end")
    line("  (to the loading session'"'"'s bulk.wait returning)", "to_wait")
    printf "  %-52s %9.1f ms (load commit to the first task'"'"'s start)\n", "worker start delay", best["start_delay"]
    line("COPY + bulk.load + worker", "staging_end_to_end")
    printf "  worker rows/s over each tenth of the tasks, in queue order:\n%s", tenths
    printf "ratio set-based INSERT time / (bulk.load + worker) time = %.2f   (target >= 0.8; higher is better)\n",
        best["insert"] / best["end_to_end"]
    printf "  with the COPY on both sides: (COPY + INSERT) / (COPY + bulk.load + worker) = %.2f\n",
        best["copy_insert"] / best["staging_end_to_end"]
    printf "streamed mode (pg_bulk'"'"'s tables emptied by TRUNCATE, no ANALYZE)\n"
    line("consumed by hand: INSERT ... SELECT + DELETE, 1 transaction", "by_hand")
    line("streamed load: from the call to the last receipt", "stream")
    printf "  %-52s %9.1f ms (load commit to the worker'"'"'s start)\n", "worker start delay", best["stream_start"]
    printf "ratio by-hand time / streamed load time = %.2f   (target >= 0.8; higher is better)\n",
        best["by_hand"] / best["stream"]
    printf "  plain INSERT ... SELECT / streamed load = %.2f; queued load (end to end) / streamed load = %.2f\n",
        best["insert"] / best["stream"], best["end_to_end"] / best["stream"]
    printf "memory of the worker consuming the streamed load: VmHWM %.1f MB (peak RSS incl. shared buffers touched), RssAnon peak %.1f MB sampled, RssShmem peak %.1f MB\n",
        mem["s_hwm"] / 1024, mem["s_anon"] / 1024, mem["s_shmem"] / 1024
    printf "memory of the loading backend: VmHWM %.1f MB (peak RSS incl. the shared buffers it touched; read by the session after bulk.load), RssAnon peak %.1f MB sampled during bulk.load (%.1f MB after it), RssShmem peak %.1f MB\n",
        mem["b_hwm"] / 1024, mem["b_anon"] / 1024, mem["b_anon_end"] / 1024, mem["b_shmem"] / 1024
    printf "memory of the worker: VmHWM %.1f MB (peak RSS incl. the shared buffers it touched; after the last task), RssAnon peak %.1f MB sampled (%.1f MB at the end), RssShmem peak %.1f MB\n",
        mem["w_hwm"] / 1024, mem["w_anon"] / 1024, mem["w_anon_end"] / 1024, mem["w_shmem"] / 1024
    printf "  (%d memory samples, every 100 ms)\n", samples
    printf "(took %d s; load average at the start %s, at the end %s)\n", took, load_start, load_end
}' "$RESULTS"
