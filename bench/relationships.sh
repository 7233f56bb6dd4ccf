#!/usr/bin/env bash
# Benchmark of the worker applying a relationship CREATE task (issue 4), against a set-based insert of the same
# edges (plus as many receipt rows) run in the same script on the same cluster. Run as root after make install:
#
#   bash bench/relationships.sh
#
# Setup: BENCH_N providers and BENCH_N / 100 offices stored as resources, a definition "employs" from office to
# provider with cardinality 1:N (so every edge is checked against the to-side rule), and a request of BENCH_N
# CREATE operations office(i % offices) -> provider(i). Each contender starts from no edges; best of BENCH_RUNS.
#   worker:    from just before the submitting transaction commits to the task's finished_at (the commit of its
#              last receipt), measured in a procedure that polls with short statements.
#   set-based: INSERT ... SELECT FROM jsonb_array_elements(request) into bulk.relationships itself (the table the
#              worker writes: its primary key, unique indexes, foreign keys to the definition and both endpoints,
#              pg_bulk's triggers) plus an INSERT of as many receipt rows, one per operation, into bench.receipts
#              (baseline_receipts.sql), in one committed transaction. The target is against this one.
#   copy:      the same into bench.edges, a copy with the same indexes and the two foreign keys to bulk.resources
#              but no foreign key to the definition and no triggers: the least any table of these edges costs.
# Each contender starts after a checkpoint. Prints operations per second and the ratios worker / set-based
# (target >= 0.8) and worker / copy.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

N="${BENCH_N:-100000}"
RUNS="${BENCH_RUNS:-3}"
PORT="${BENCH_PORT:-56632}"
BENCH_DB=pg_bulk_bench
for setting in "BENCH_N=$N" "BENCH_RUNS=$RUNS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done
[ "$N" -ge 100 ] || die "BENCH_N must be at least 100"

require_root
bench_require_installed
bench_init_cluster "$PORT" </dev/null
bench_start_serving

log "setup: $N providers, $((N / 100)) offices, a request of $N relationship CREATE operations"
bench_psql -v n="$N" -f - <<'SQL'
CREATE EXTENSION pg_bulk;
CREATE SCHEMA bench;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
SELECT bulk.define_relationship('employs', '{"from": {"profileKey": "office"}, "to": {"profileKey": "provider"},
  "cardinality": "1:N", "properties": {"since": {"type": "date"}}}');
INSERT INTO bulk.resources (type, id, data)
SELECT 'provider', 'p' || i, jsonb_build_object('name', 'Provider ' || i) FROM generate_series(0, :n - 1) i
UNION ALL
SELECT 'office', 'o' || i, jsonb_build_object('name', 'Office ' || i) FROM generate_series(0, :n / 100 - 1) i;
CREATE TABLE bench.request AS
SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
         jsonb_build_object('type', 'employs', 'id', 'e' || i,
                            'from', jsonb_build_object('type', 'office', 'id', 'o' || (i % (:n / 100))),
                            'to', jsonb_build_object('type', 'provider', 'id', 'p' || i),
                            'data', jsonb_build_object('since', '2020-01-01'))) ORDER BY i)) AS doc
  FROM generate_series(0, :n - 1) i;
CREATE TABLE bench.edges (LIKE bulk.relationships INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS,
    FOREIGN KEY (from_type, from_id) REFERENCES bulk.resources (type, id),
    FOREIGN KEY (to_type, to_id) REFERENCES bulk.resources (type, id));
ANALYZE;

-- The worker, end to end: ms from just before the submit commits to the task's finished_at.
CREATE PROCEDURE bench.run_worker(INOUT elapsed_ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    id text;
    started timestamptz;
    done timestamptz;
BEGIN
    SET pg_bulk.max_operations = 1000000;
    id := bulk.submit_relationships((SELECT doc FROM bench.request)) ->> 'bulkId';
    started := clock_timestamp();
    COMMIT;
    LOOP
        SELECT finished_at INTO done FROM bulk.tasks WHERE bulk_id = id AND status <> 'PENDING';
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.005);
        COMMIT;
    END LOOP;
    IF (SELECT sum(last_seq - seq + 1) FROM bulk.operation_results WHERE bulk_id = id AND status = 'SUCCESS')
       <> (SELECT count(*) FROM bulk.relationships) THEN
        RAISE EXCEPTION 'worker: SUCCESS receipts and stored relationships differ';
    END IF;
    elapsed_ms := extract(epoch FROM done - started) * 1000;
END
$$;

-- The baselines: the same edges and as many receipts, set-based, in one committed transaction, into `target`:
-- bulk.relationships itself (its three foreign keys, unique indexes and pg_bulk's triggers, as the worker) or
-- bench.edges (the same indexes, the two foreign keys to bulk.resources only, no triggers).
CREATE PROCEDURE bench.run_set_based(target regclass, INOUT elapsed_ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    edges bigint;
BEGIN
    EXECUTE format($insert$
        INSERT INTO %s (type, id, from_type, from_id, to_type, to_id, cardinality, data)
        SELECT op -> 'create' ->> 'type', op -> 'create' ->> 'id',
               op -> 'create' -> 'from' ->> 'type', op -> 'create' -> 'from' ->> 'id',
               op -> 'create' -> 'to' ->> 'type', op -> 'create' -> 'to' ->> 'id', '1:N', op -> 'create' -> 'data'
          FROM bench.request, jsonb_array_elements(doc -> 'operations') op$insert$, target);
    GET DIAGNOSTICS edges = ROW_COUNT;
    INSERT INTO bench.receipts (bulk_id, seq, status)
    SELECT 'bk_baseline', i, 'SUCCESS' FROM generate_series(0, edges - 1) i;
    COMMIT;
    elapsed_ms := extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;
SQL
bench_psql -f - <"$BENCH_SRC/baseline_receipts.sql"

worker_times=()
set_times=()
copy_times=()
# Each contender starts from no edges and no receipts, after a checkpoint (the first write of a page after one
# logs the whole page: the endpoints' pages locked by the foreign keys, for instance).
fresh_start="TRUNCATE bulk.tasks CASCADE; TRUNCATE bulk.operation_results; TRUNCATE bulk.relationships;
             TRUNCATE bench.edges, bench.receipts; CHECKPOINT"
expect_edges() {
    [ "$(bench_psql -At -c "SELECT count(*) FROM $1")" = "$N" ] || die "expected $N edges in $1"
}
for run in $(seq 1 "$RUNS"); do
    log "run $run of $RUNS"
    bench_psql -c "$fresh_start" >/dev/null
    worker_times+=("$(bench_psql -At -c "CALL bench.run_worker()")")
    bench_psql -c "$fresh_start" >/dev/null
    set_times+=("$(bench_psql -At -c "CALL bench.run_set_based('bulk.relationships')")")
    expect_edges bulk.relationships
    bench_psql -c "$fresh_start" >/dev/null
    copy_times+=("$(bench_psql -At -c "CALL bench.run_set_based('bench.edges')")")
    expect_edges bench.edges
done

read -r worker_best worker_runs < <(printf '%s\n' "${worker_times[@]}" | best_and_runs)
read -r set_best set_runs < <(printf '%s\n' "${set_times[@]}" | best_and_runs)
read -r copy_best copy_runs < <(printf '%s\n' "${copy_times[@]}" | best_and_runs)
awk -v n="$N" -v runs="$RUNS" -v w="$worker_best" -v s="$set_best" -v c="$copy_best" \
    -v wr="$worker_runs" -v sr="$set_runs" -v cr="$copy_runs" 'BEGIN {
    printf "pg_bulk bench: relationship CREATE task, N=%d edges, cardinality 1:N (best of %d)\n", n, runs
    printf "  worker: submit-commit to finished_at        %7d ops/s   (best %.1f ms; runs %s)\n", n / (w / 1000), w, wr
    printf "  set-based INSERT into bulk.relationships    %7d ops/s   (best %.1f ms; runs %s)\n", n / (s / 1000), s, sr
    printf "  set-based INSERT into bench.edges           %7d ops/s   (best %.1f ms; runs %s)\n", n / (c / 1000), c, cr
    printf "    ratio worker / set-based into bulk.relationships = %.2f   (target >= 0.8)\n", s / w
    printf "    ratio worker / set-based into bench.edges        = %.2f   (no type foreign key, no triggers)\n", c / w
}'
