#!/usr/bin/env bash
# Benchmark of the worker pool (issue 11), on a freshly created cluster, random uuid-like ids, no VACUUM or ANALYZE
# between tasks. Run as root after make install (or with BENCH_INSTALL=1):
#
#   bash bench/pool.sh
#
# Prints, each against a baseline run in the same script on the same cluster:
#   b. head of line: while a BENCH_BIG_N-operation task (default 1,000,000 CREATEs) is being applied, 20 tasks of
#      10 operations on other resources, one after the other (each waits for its end before the next is
#      submitted): p50 / p95 / max from the submit's commit to the task's end, counting only those submitted while
#      the big task ran; with pg_bulk.max_workers = 1 (one worker, as before the pool) and then 4.
#   c. 16 sessions submit BENCH_OPS (default 80,000) CREATEs as 100-operation tasks, then as 1,000-operation tasks:
#      end-to-end operations/s (first submit to last task end) and the ratio (target >= 0.8).
# Small tasks from 8 clients are bench/small_tasks.sh (BENCH_WORKERS=1 and 4); one 100,000-operation task against
# the set-based INSERT is bench/worker_apply.sh.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

BIG_N="${BENCH_BIG_N:-1000000}"
OPS="${BENCH_OPS:-80000}"
PORT="${BENCH_PORT:-54782}"
BENCH_DB=pg_bulk_bench
for setting in "BENCH_BIG_N=$BIG_N" "BENCH_OPS=$OPS" "BENCH_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done

require_root
bench_require_installed
bench_init_cluster "$PORT" <<<"pg_bulk.database = '$BENCH_DB'
pg_bulk.max_workers = 1
max_worker_processes = 16"
bench_start
as_postgres "$PG_BIN/createdb" -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB"

bench_psql -f - <<'SQL'
CREATE EXTENSION pg_bulk;
DO $$ BEGIN
    PERFORM bulk.define_profile('item', '{"properties": {"name": {"type": "symbol"}, "rank": {"type": "integer"}}}');
END $$;
-- A request of n CREATEs of fresh uuid-like ids (md5 of "<prefix>-<i>").
CREATE FUNCTION public.creates(prefix text, n integer) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
               jsonb_build_object('type', 'item', 'id', md5(prefix || '-' || i)::uuid::text,
                                  'data', jsonb_build_object('name', 'item ' || i, 'rank', i)))))
      FROM generate_series(1, n) i $$;
SQL

set_workers() {
    bench_psql -c "ALTER SYSTEM SET pg_bulk.max_workers = $1" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
}

# b. Head of line, with $1 workers at most.
head_of_line() {
    local workers="$1" big
    set_workers "$workers"
    big="$(bench_psql -At -v n="$BIG_N" -v prefix="big$workers" -f - <<'SQL'
SET pg_bulk.max_operations = 10000000;
SET pg_bulk.max_request_bytes = 2147483647;
SELECT bulk.submit_resources(public.creates(:'prefix', :n)) ->> 'bulkId';
SQL
)"
    bench_psql -At -c "SELECT 1 FROM bulk.tasks WHERE bulk_id = '$big'" >/dev/null
    for _ in $(seq 1 600); do
        [ "$(bench_psql -At -c "SELECT started_at IS NOT NULL FROM bulk.tasks WHERE bulk_id = '$big'")" = t ] && break
        sleep 0.1
    done
    for i in $(seq 1 20); do
        bench_psql -At -v prefix="small$workers-$i" -f - >/dev/null <<'SQL'
SELECT bulk.submit_resources(public.creates(:'prefix', 10)) ->> 'bulkId' AS small \gset
SELECT bulk.wait(:'small', '10 minutes') ->> 'status';
SQL
    done
    bench_psql -At -c "SELECT bulk.wait('$big', '30 minutes') ->> 'status'" >/dev/null
    bench_psql -At -v big="$big" -v workers="$workers" -f - <<'SQL'
WITH big AS (SELECT started_at, finished_at FROM bulk.tasks WHERE bulk_id = :'big'),
small AS (
  SELECT extract(epoch FROM t.finished_at - t.submitted_at) * 1000 AS ms
    FROM bulk.tasks t, big WHERE t.operation_count = 10 AND t.submitted_at > big.started_at
     AND t.submitted_at < big.finished_at)
SELECT format('b. max_workers %s: big task %s s; %s small tasks submitted while it ran: submit-to-end p50 %s ms, p95 %s ms, max %s ms',
              :'workers', round(extract(epoch FROM big.finished_at - big.started_at)::numeric, 1), count(*),
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric),
              round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric), round(max(ms)::numeric))
  FROM small, big GROUP BY big.finished_at, big.started_at;
SQL
}

# c. 16 sessions, $1-operation tasks; prints operations/s end to end.
sessions_throughput() {
    local size="$1" tasks_each started last script="$BENCH_DIR/c_$1.sql"
    tasks_each=$((OPS / size / 16))
    as_postgres tee "$script" >/dev/null <<PGBENCH
SELECT bulk.submit_resources(public.creates('c$size-' || :client_id || '-' || random(), $size));
PGBENCH
    started="$(bench_psql -At -c "SELECT clock_timestamp()")"
    as_postgres "$PG_BIN/pgbench" -n -c 16 -j 2 -t "$tasks_each" -f "$script" \
        -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB" >"$BENCH_DIR/pgbench_c.out" 2>&1 \
        || { cat "$BENCH_DIR/pgbench_c.out" >&2; die "pgbench failed"; }
    for _ in $(seq 1 6000); do
        [ "$(bench_psql -At -c "SELECT count(*) FROM bulk.tasks WHERE status = 'PENDING'")" = 0 ] && break
        sleep 0.1
    done
    bench_psql -At -v started="$started" -v size="$size" -f - <<'SQL'
SELECT round(sum(operation_count) / extract(epoch FROM max(finished_at) - :'started'::timestamptz))
  FROM bulk.tasks WHERE operation_count = :size AND submitted_at >= :'started'::timestamptz;
SQL
}

log "b. head of line: a $BIG_N-operation task, then 20 small tasks one after the other"
head_of_line 1
head_of_line 4

log "c. 16 sessions submit $OPS CREATEs as 100-operation tasks, then as 1000-operation tasks (4 workers)"
small="$(sessions_throughput 100)"
large="$(sessions_throughput 1000)"
echo "c. 100-operation tasks: $small operations/s; 1000-operation tasks: $large operations/s; ratio $(awk -v a="$small" -v b="$large" 'BEGIN { printf "%.2f", a / b }')"

bad="$(bench_psql -At -c "SELECT count(*) FROM bulk.tasks t WHERE t.status <> 'SUCCESS'")"
[ "$bad" = 0 ] || die "$bad tasks did not end SUCCESS"
log "every task ended SUCCESS"
