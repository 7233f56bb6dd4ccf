#!/usr/bin/env bash
# pg_cron runs a bulk load (issue 5; DESIGN §7; docs/api.md "Bulk loads from staging tables").
#
#   bash test/cron/run.sh          as root (the cluster runs as the OS user postgres) or as postgres
#
# Needs pg_bulk installed into the system PostgreSQL 15 (make install) and postgresql-15-cron. It starts a
# throwaway cluster in a fresh /tmp/pg_bulk-cron.XXXXXX owned by postgres (unix socket in that directory only,
# no TCP) with
#   shared_preload_libraries = 'pg_bulk, pg_cron', cron.database_name = 'postgres', pg_bulk.database = 'postgres',
#   cron.use_background_workers = on (jobs run in background workers, no libpq connection), max_worker_processes 32,
# creates both extensions, defines the profile `provider`, stages rows in staging.providers (valid ones and two
# invalid ones), and has the login role app_loader (bulk_writer, SELECT/UPDATE/DELETE on the staging table)
# schedule a real pg_cron job: cron.schedule('load-providers', '* * * * *', $$SELECT bulk.load('staging.providers')$$).
# pg_cron 1.4 schedules by the minute: the script polls once a second, for at most CRON_TEST_TIMEOUT seconds
# (default 130), until cron.job_run_details shows the run succeeded and bulk.loads holds the load; it does not
# otherwise sleep. Then it waits for the load's tasks with bulk.wait and checks that
#   - the job ran as app_loader, and the load and its tasks were submitted by app_loader;
#   - bulk.load_status says SUCCESS with the right records / submitted / failureCount, and the rejects are kept;
#   - bulk.resources holds exactly the valid staged rows with their data; the staging table is empty;
#   - any later run of the job (if the minute turned meanwhile) found nothing to do.
# Then a streamed load (issue 15): with every task held by bulk.pause(), app_loader schedules
# bulk.load('staging.streamed', 'resources', '{"mode": "stream"}') every minute; the first run returns at once
# with the load PENDING, the next run (a minute later, the load still held) fails with 55006 naming it and starts
# no second load; after bulk.resume() the load consumes every row.
# It unschedules the job; the EXIT trap stops the cluster and removes the directory (also on failure, after
# printing the end of the server log). Exits 0 when every check passes, non-zero with a message otherwise.
#
# Environment: CRON_TEST_TIMEOUT (seconds to wait for the job, default 130), CRON_TEST_ROWS (valid staged rows,
# default 500), CRON_TEST_PORT (port number of the unix socket, default 54329; the socket lives in the private
# directory, so it never collides with another server).
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

TIMEOUT="${CRON_TEST_TIMEOUT:-130}"
ROWS="${CRON_TEST_ROWS:-500}"
PORT="${CRON_TEST_PORT:-54329}"
JOB=load-providers
for setting in "CRON_TEST_TIMEOUT=$TIMEOUT" "CRON_TEST_ROWS=$ROWS" "CRON_TEST_PORT=$PORT"; do
    [[ "${setting#*=}" =~ ^[1-9][0-9]{0,6}$ ]] || die "$setting: expected a positive integer"
done

# Commands that touch the cluster run as postgres: through runuser when this script runs as root.
if [ "$(id -u)" -eq 0 ]; then
    as_pg() { as_postgres "$@"; }
else
    [ "$(id -un)" = postgres ] || log "note: running as $(id -un), not postgres; the cluster will belong to that user"
    as_pg() { "$@"; }
fi

[ -f "$("$PG_CONFIG" --pkglibdir)/pg_bulk.so" ] \
    || die "pg_bulk is not installed into $("$PG_CONFIG" --pkglibdir): run make install first"
[ -f "$("$PG_CONFIG" --pkglibdir)/pg_cron.so" ] \
    || die "pg_cron is not installed: apt-get install postgresql-15-cron (scripts/common.sh installs it)"

DIR="$(mktemp -d /tmp/pg_bulk-cron.XXXXXX)"
DATA="$DIR/data"
SERVER_LOG="$DIR/postgres.log"
chmod 0700 "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"

cleanup() {
    local status=$?
    set +e
    if [ -f "$DATA/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null 2>&1 \
            || as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m immediate -w -t 60 >/dev/null 2>&1
    fi
    if [ "$status" -ne 0 ] && [ -f "$SERVER_LOG" ]; then
        echo "----- last 60 lines of the server log ($SERVER_LOG) -----" >&2
        tail -n 60 "$SERVER_LOG" >&2
        echo "-----" >&2
    fi
    rm -rf "$DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    printf '%s: FAILED: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# psql as user $1 on database postgres; the script comes as arguments (-c) or on stdin.
psql_as() {
    local user="$1"
    shift
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U "$user" -d postgres "$@"
}
# One value (unaligned, tuples only) of a query run as postgres.
value() {
    psql_as postgres -At -c "$1"
}
# Fails unless query $2 answers $3.
expect() {
    local what="$1" query="$2" expected="$3" got
    got="$(value "$query")" || fail "$what: the query failed: $query"
    [ "$got" = "$expected" ] || fail "$what: expected '$expected', got '$got'"
    log "ok: $what ($got)"
}

log "initdb in $DIR (unix socket only, port $PORT)"
as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C --no-instructions >/dev/null
as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# test/cron/run.sh
port = $PORT
listen_addresses = ''
unix_socket_directories = '$DIR'
shared_preload_libraries = 'pg_bulk, pg_cron'
pg_bulk.database = 'postgres'
cron.database_name = 'postgres'
cron.use_background_workers = on
cron.max_running_jobs = 4
max_worker_processes = 32
log_min_messages = info
EOF
as_pg "$PG_BIN/pg_ctl" start -D "$DATA" -l "$SERVER_LOG" -w -t 60 >/dev/null || fail "the server did not start"

log "setup: extensions, profile, staging table with $ROWS valid and 2 invalid rows, role app_loader"
psql_as postgres -v rows="$ROWS" -f - <<'SQL'
SET client_min_messages = warning;
\o /dev/null
CREATE EXTENSION pg_bulk;
CREATE EXTENSION pg_cron;
SELECT bulk.define_profile('provider', '{
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}},
    "active":         {"type": "boolean"}}}');
CREATE SCHEMA staging;
CREATE TABLE staging.providers (action text, type text, id text, data jsonb);
INSERT INTO staging.providers
SELECT 'UPSERT', 'provider', 'p' || i,
       jsonb_build_object('name', 'Provider ' || i, 'practiceNumber', i,
                          'specialities', CASE WHEN i % 2 = 0 THEN '["Nurse"]' ELSE '["Pharmacist", "Nurse"]' END::jsonb,
                          'active', i % 3 <> 0)
  FROM generate_series(1, :rows) i;
INSERT INTO staging.providers VALUES
  ('UPSERT', 'provider', 'bad1', '{"name": 42}'),
  ('CREATE', 'provider', 'bad2', '{"practiceNumber": 1}');
-- What the resources must hold afterwards: the valid staged rows.
CREATE TABLE public.expected AS SELECT type, id, data FROM staging.providers WHERE id LIKE 'p%';
CREATE ROLE app_loader LOGIN IN ROLE bulk_writer;
GRANT USAGE ON SCHEMA cron TO app_loader;
GRANT USAGE ON SCHEMA staging TO app_loader;
GRANT SELECT, UPDATE, DELETE ON staging.providers TO app_loader;
SQL

# The worker waits quietly until the extension exists; it must be running (not paused) to apply the tasks.
worker_seen=0
for _ in $(seq 1 30); do
    if [ "$(value "SELECT count(*) FROM bulk.workers WHERE NOT paused")" = 1 ]; then
        worker_seen=1
        break
    fi
    sleep 1
done
[ "$worker_seen" = 1 ] || fail "no running pg_bulk worker in bulk.workers after 30 s"

log "app_loader schedules the load with pg_cron ('* * * * *')"
jobid="$(psql_as app_loader -At -c "SELECT cron.schedule('$JOB', '* * * * *', \$\$SELECT bulk.load('staging.providers')\$\$)")"
[[ "$jobid" =~ ^[0-9]+$ ]] || fail "cron.schedule did not return a job id: $jobid"
expect "the job belongs to app_loader, runs in postgres" \
    "SELECT username || ' ' || database || ' ' || schedule || ' ' || command FROM cron.job WHERE jobid = $jobid" \
    "app_loader postgres * * * * * SELECT bulk.load('staging.providers')"

log "waiting up to $TIMEOUT s for pg_cron to run the job (it schedules by the minute)"
started=$SECONDS
run_status=""
while :; do
    run_status="$(value "SELECT coalesce((SELECT status FROM cron.job_run_details WHERE jobid = $jobid
                                          ORDER BY start_time LIMIT 1), 'not started')
                        || ' ' || (SELECT count(*) FROM bulk.loads)")"
    case "$run_status" in
    "succeeded "[1-9]*) break ;;
    failed*)
        fail "the cron job failed: $(value "SELECT return_message FROM cron.job_run_details WHERE jobid = $jobid
                                            ORDER BY start_time LIMIT 1")" ;;
    esac
    if [ $((SECONDS - started)) -ge "$TIMEOUT" ]; then
        fail "no successful run of the cron job with a load after $TIMEOUT s (job run status and loads: $run_status);" \
             "cron.job_run_details: $(value "SELECT string_agg(status || ' ' || coalesce(return_message, ''), '; ')
                                             FROM cron.job_run_details")"
    fi
    sleep 1
done
log "the job ran after $((SECONDS - started)) s: $(value "SELECT status || ' (' || coalesce(return_message, '') || ')'
                                                        FROM cron.job_run_details WHERE jobid = $jobid
                                                        ORDER BY start_time LIMIT 1")"

# The first load is the job's; a later run (if the minute turned meanwhile) must have found nothing.
load_id="$(value "SELECT load_id FROM bulk.loads ORDER BY loaded_at, load_id LIMIT 1")"
[[ "$load_id" =~ ^ld_[0-9A-Za-z]{27}$ ]] || fail "unexpected load id '$load_id'"
log "load $load_id: waiting for its tasks (bulk.wait, 60 s each)"
expect "every task of the load finished SUCCESS" \
    "SELECT count(*) FILTER (WHERE bulk.wait(b, '60 seconds') ->> 'status' = 'SUCCESS') || '/' || count(*)
       FROM bulk.loads l, unnest(l.bulk_ids) AS b WHERE l.load_id = '$load_id'" \
    "1/1"

expect "the job ran as app_loader" \
    "SELECT string_agg(DISTINCT username, ',') FROM cron.job_run_details WHERE jobid = $jobid" "app_loader"
expect "the load and its tasks were submitted by app_loader" \
    "SELECT l.submitted_by::regrole || ' ' || string_agg(DISTINCT t.submitted_by::regrole::text, ',')
       FROM bulk.loads l JOIN bulk.tasks t ON t.bulk_id = ANY (l.bulk_ids) WHERE l.load_id = '$load_id'
      GROUP BY l.submitted_by" \
    "app_loader app_loader"
expect "load_status: status, records, submitted, failureCount, warningCount, source, target" \
    "SELECT concat_ws(' ', s ->> 'status', s ->> 'records', s ->> 'submitted', s ->> 'failureCount',
                      s ->> 'warningCount', s ->> 'source', s ->> 'target')
       FROM bulk.load_status('$load_id') s" \
    "SUCCESS $((ROWS + 2)) $ROWS 2 0 staging.providers resources"
expect "load_status lists both failures with their errors" \
    "SELECT string_agg(f #>> '{error,type}', ' ' ORDER BY f ->> 'row')
       FROM jsonb_array_elements(bulk.load_status('$load_id') -> 'failures') f" \
    "INVALID_VALUE MISSING_REQUIRED"
expect "the invalid rows are kept in bulk.load_rejects" \
    "SELECT string_agg(coalesce(operation #>> '{upsert,id}', operation #>> '{create,id}'), ' ' ORDER BY position)
       FROM bulk.load_rejects WHERE load_id = '$load_id'" \
    "bad1 bad2"
expect "the receipts: one SUCCESS per valid row" \
    "SELECT string_agg(status || '=' || n, ' ' ORDER BY status)
       FROM (SELECT r.status, count(*) AS n FROM bulk.loads l, unnest(l.bulk_ids) AS b, bulk.receipts(b) r
              WHERE l.load_id = '$load_id' GROUP BY r.status) c" \
    "SUCCESS=$ROWS"
expect "bulk.resources holds exactly the valid staged rows, with their data" \
    "SELECT (SELECT count(*) FROM bulk.resources) || ' ' ||
            (SELECT count(*) FROM public.expected e JOIN bulk.resources r USING (type, id) WHERE r.data = e.data)" \
    "$ROWS $ROWS"
expect "the staging table is empty" "SELECT count(*) FROM staging.providers" "0"
expect "later runs of the job (if any) loaded nothing" \
    "SELECT count(*) FROM bulk.loads WHERE load_id <> '$load_id' AND (records <> 0 OR cardinality(bulk_ids) <> 0)" "0"

log "unscheduling the job (as its owner, app_loader)"
[ "$(psql_as app_loader -At -c "SELECT cron.unschedule('$JOB')")" = t ] || fail "cron.unschedule('$JOB') did not answer true"
expect "no job left" "SELECT count(*) FROM cron.job" "0"

runs="$(value "SELECT count(*) FROM cron.job_run_details WHERE jobid = $jobid")"
log "pg_cron ran bulk.load as app_loader ($runs run(s)); $ROWS rows applied, 2 rejected, staging empty"

# A streamed load under pg_cron (issue 15): the job returns at once; while the load runs (held by a global
# bulk.pause(), so that it surely outlives the minute), the next run of the schedule is refused with 55006 and
# starts no second consumer; once resumed, the load consumes the table.
log "streamed load: bulk.pause(), then app_loader schedules a streamed load of staging.streamed ('* * * * *')"
psql_as postgres -v rows="$ROWS" -f - <<'SQL'
\o /dev/null
SELECT bulk.pause();
CREATE TABLE staging.streamed (action text, type text, id text, data jsonb);
INSERT INTO staging.streamed SELECT 'UPSERT', 'provider', 's' || i, jsonb_build_object('name', 'Streamed ' || i)
  FROM generate_series(1, :rows) i;
GRANT SELECT, DELETE ON staging.streamed TO app_loader;
SQL
STREAM_JOB=stream-providers
stream_job="$(psql_as app_loader -At -c "SELECT cron.schedule('$STREAM_JOB', '* * * * *',
    \$\$SELECT bulk.load('staging.streamed', 'resources', '{\"mode\": \"stream\"}')\$\$)")"
[[ "$stream_job" =~ ^[0-9]+$ ]] || fail "cron.schedule did not return a job id: $stream_job"
log "waiting up to $((TIMEOUT + 60)) s for two runs of the streamed job (the second while the load is held)"
started=$SECONDS
while :; do
    runs="$(value "SELECT string_agg(status, ' ' ORDER BY start_time) FROM cron.job_run_details WHERE jobid = $stream_job
                     AND status IN ('succeeded', 'failed')")"
    case "$runs" in
    "succeeded failed"*) break ;;
    failed*) fail "the first run of the streamed job failed: $(value "SELECT return_message FROM cron.job_run_details
                                                                     WHERE jobid = $stream_job ORDER BY start_time LIMIT 1")" ;;
    "succeeded succeeded"*) fail "a second run of the streamed job succeeded while the first load was held" ;;
    esac
    [ $((SECONDS - started)) -ge $((TIMEOUT + 60)) ] && fail "no two runs of the streamed job after $((TIMEOUT + 60)) s: $runs"
    sleep 1
done
[ "$(psql_as app_loader -At -c "SELECT cron.unschedule('$STREAM_JOB')")" = t ] || fail "cron.unschedule('$STREAM_JOB')"
stream_load="$(value "SELECT load_id FROM bulk.loads WHERE mode = 'stream'")"
[[ "$stream_load" =~ ^ld_[0-9A-Za-z]{27}$ ]] || fail "expected one streamed load, got '$stream_load'"
expect "the second run was refused naming the running load (55006), and started no load" \
    "SELECT (SELECT return_message FROM cron.job_run_details WHERE jobid = $stream_job AND status = 'failed'
              ORDER BY start_time LIMIT 1) LIKE '%is being consumed by streamed load $stream_load%'
            AND (SELECT count(*) FROM bulk.loads WHERE mode = 'stream') = 1" \
    "t"
expect "the held load is PENDING with every row still staged" \
    "SELECT (bulk.load_status('$stream_load') ->> 'status') || ' ' || (SELECT count(*) FROM staging.streamed)" \
    "PENDING $ROWS"
value "SELECT bulk.resume()" >/dev/null
expect "once resumed, the streamed load ends SUCCESS" \
    "SELECT bulk.wait('$stream_load', '60 seconds') ->> 'status'" "SUCCESS"
expect "it was started by app_loader; records, submitted and applied" \
    "SELECT concat_ws(' ', l.submitted_by::regrole::text, s ->> 'records', s ->> 'submitted', s ->> 'operationsApplied')
       FROM bulk.loads l, bulk.load_status(l.load_id) s WHERE l.load_id = '$stream_load'" \
    "app_loader $ROWS $ROWS $ROWS"
expect "the streamed rows are stored and the table is empty" \
    "SELECT (SELECT count(*) FROM bulk.resources WHERE id LIKE 's%') || ' ' || (SELECT count(*) FROM staging.streamed)" \
    "$ROWS 0"
log "PASSED: pg_cron ran a queued and a streamed bulk.load as app_loader"
