#!/usr/bin/env bash
# Benchmark of many small tasks (issue 11, point 3): BENCH_CLIENTS pgbench clients each submit, for
# BENCH_SECONDS, tasks of 3 UPSERT operations on random uuid-like ids, while BENCH_WORKERS workers (default 4;
# 1 is the single worker of before the pool) apply them.
# Run as root after make install (or with BENCH_INSTALL=1):
#
#   bash bench/small_tasks.sh
#
# Fresh cluster, no VACUUM or ANALYZE: the worker meets the tables as a busy registry leaves them. Prints
#   submitted  tasks/s the clients queued (committed submits over the run)
#   applied    tasks/s the worker ended while the clients were submitting
#   drain      seconds from the last submit's commit to the end of the last task
# and checks that every task ended SUCCESS with 3 successful operations.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
# shellcheck source=bench/lib.sh
source "$PG_BULK_ROOT/bench/lib.sh"

RUN_SECONDS="${BENCH_SECONDS:-30}"
CLIENTS="${BENCH_CLIENTS:-8}"
WORKERS="${BENCH_WORKERS:-4}"
PORT="${BENCH_PORT:-54781}"
DRAIN_LIMIT="${BENCH_DRAIN_LIMIT:-600}"
BENCH_DB=pg_bulk_bench
for setting in "BENCH_SECONDS=$RUN_SECONDS" "BENCH_CLIENTS=$CLIENTS" "BENCH_WORKERS=$WORKERS" "BENCH_PORT=$PORT" \
    "BENCH_DRAIN_LIMIT=$DRAIN_LIMIT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,8}$ ]] || die "$setting: expected a positive integer"
done

require_root
bench_require_installed
bench_init_cluster "$PORT" <<<"pg_bulk.database = '$BENCH_DB'
pg_bulk.max_workers = $WORKERS"
bench_start
as_postgres "$PG_BIN/createdb" -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB"

bench_psql -f - <<'SQL'
CREATE EXTENSION pg_bulk;
DO $$ BEGIN
    PERFORM bulk.define_profile('item', '{"properties": {"name": {"type": "symbol"}, "rank": {"type": "integer"}}}');
END $$;
SQL

# Ids from a pool of a million uuid-like keys (md5 of a number): spread over the primary key, as client-made
# uuids are, and now and then touched by several tasks.
SCRIPT="$BENCH_DIR/submit.sql"
as_postgres tee "$SCRIPT" >/dev/null <<'PGBENCH'
\set a random(1, 1000000)
\set b random(1, 1000000)
\set c random(1, 1000000)
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_build_array(
  jsonb_build_object('action', 'UPSERT', 'upsert', jsonb_build_object('type', 'item', 'id', md5(:a::text)::uuid::text,
    'data', jsonb_build_object('name', 'item ' || :a, 'rank', :a))),
  jsonb_build_object('action', 'UPSERT', 'upsert', jsonb_build_object('type', 'item', 'id', md5(:b::text)::uuid::text,
    'data', jsonb_build_object('name', 'item ' || :b, 'rank', :b))),
  jsonb_build_object('action', 'UPSERT', 'upsert', jsonb_build_object('type', 'item', 'id', md5(:c::text)::uuid::text,
    'data', jsonb_build_object('name', 'item ' || :c, 'rank', :c))))));
PGBENCH

log "$CLIENTS clients submit 3-operation tasks for $RUN_SECONDS s; at most $WORKERS workers"
started="$(bench_psql -At -c "SELECT clock_timestamp()")"
as_postgres "$PG_BIN/pgbench" -n -c "$CLIENTS" -j 2 -T "$RUN_SECONDS" -f "$SCRIPT" \
    -h "$BENCH_DIR" -p "$PORT" -U postgres "$BENCH_DB" >"$BENCH_DIR/pgbench.out" 2>&1 \
    || { cat "$BENCH_DIR/pgbench.out" >&2; die "pgbench failed"; }
stopped="$(bench_psql -At -c "SELECT clock_timestamp()")"

log "waiting for the worker to drain the queue (at most $DRAIN_LIMIT s)"
pending=unknown
for _ in $(seq 1 "$((DRAIN_LIMIT * 5))"); do
    pending="$(bench_psql -At -c "SELECT count(*) FROM bulk.tasks WHERE status = 'PENDING'")"
    [ "$pending" = 0 ] && break
    sleep 0.2
done
[ "$pending" = 0 ] || die "$pending tasks still pending after $DRAIN_LIMIT s"

bench_psql -At -v started="$started" -v stopped="$stopped" -f - <<'SQL'
WITH totals AS (
  SELECT count(*) AS tasks,
         count(*) FILTER (WHERE t.finished_at <= :'stopped'::timestamptz) AS ended_during_run,
         max(t.submitted_at) AS last_submit, max(t.finished_at) AS last_end,
         extract(epoch FROM :'stopped'::timestamptz - :'started'::timestamptz) AS run_seconds
    FROM bulk.tasks t)
SELECT format('%s tasks; submitted %s tasks/s; applied during the run %s tasks/s; drain %s s', tasks,
              round(tasks / run_seconds), round(ended_during_run / run_seconds),
              round(extract(epoch FROM last_end - last_submit)::numeric, 2))
  FROM totals;
SQL

bad="$(bench_psql -At -c "SELECT count(*) FROM bulk.tasks t WHERE t.status <> 'SUCCESS'
  OR (SELECT coalesce(sum(r.last_seq - r.seq + 1), 0) FROM bulk.operation_results r
       WHERE r.bulk_id = t.bulk_id AND r.status = 'SUCCESS') <> 3")"
[ "$bad" = 0 ] || die "$bad tasks did not end SUCCESS with 3 successful operations"
log "every task ended SUCCESS with 3 successful operations"
