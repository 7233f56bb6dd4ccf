-- The background worker (DESIGN §5, §6; issue 3): applying queued tasks in order, receipts, the
-- lifecycle functions (task, receipts, cancel, metrics, logs, wait), NOTIFY, the views, pause/resume.
-- The test configuration starts the worker paused (pg_bulk.enabled = off); this file switches it on
-- and off with ALTER SYSTEM + reload, waits for it with bulk.wait or bounded polls (never fixed
-- sleeps), and leaves it paused. Bulk ids, pids and times differ from run to run: only derived
-- values are printed.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

\i sql/include/error_of.sql

-- A task document without its (random) bulk id, completedAt shown as whether it is there, and a
-- generated resource id shown as <generated>.
CREATE FUNCTION pg_temp.masked(document jsonb, generated text DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
    SELECT (document - 'bulkId') || jsonb_build_object('receipts', (
        SELECT coalesce(jsonb_agg((r - 'completedAt')
                                  || CASE WHEN r ->> 'id' = generated THEN '{"id": "<generated>"}'::jsonb
                                          ELSE '{}'::jsonb END
                                  || jsonb_build_object('completedAt', r ? 'completedAt') ORDER BY n), '[]')
          FROM jsonb_array_elements(document -> 'receipts') WITH ORDINALITY AS e(r, n)))
$$;

-- Whether bulk.task's receipts (written in jsonb's binary form by C) equal the same receipts built
-- from bulk.receipts' rows with jsonb_build_object, and survive a text round trip.
CREATE FUNCTION pg_temp.document_matches_rows(bulk_id text) RETURNS boolean LANGUAGE sql AS $$
    SELECT d = (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                    'action', action, 'type', type, 'id', id, 'status', status, 'completedAt', completed_at,
                    'version', version,
                    'error', CASE WHEN error_code IS NOT NULL THEN jsonb_build_object(
                        'code', error_code, 'type', error_type, 'message', error_message) END)) ORDER BY seq), '[]')
                  FROM bulk.receipts(bulk_id))
           AND d::text::jsonb = d AND jsonb_array_length(d) = (SELECT count(*) FROM bulk.receipts(bulk_id))
      FROM (SELECT bulk.task(bulk_id) -> 'receipts' AS d) AS task
$$;

-- bulk.metrics without its times: the values that do not depend on timing, and the kind of the others.
CREATE FUNCTION pg_temp.metrics_shape(metrics jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_object_agg(key, CASE WHEN key IN ('status', 'operations', 'counts') THEN value
                                      ELSE to_jsonb(jsonb_typeof(value)) END)
      FROM jsonb_each(metrics - 'bulkId')
$$;

-- bulk.logs with the worker's pid masked.
CREATE FUNCTION pg_temp.log_lines(bulk_id text) RETURNS TABLE (level text, message text) LANGUAGE sql AS $$
    SELECT level, regexp_replace(message, 'pid \d+', 'pid <pid>') FROM bulk.logs(bulk_id)
$$;

SELECT bulk.define_profile('hours', '{
  "properties": {
    "day":   {"type": "code", "rules": {"required": true}},
    "opens": {"type": "time"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true}},
    "practiceNumber": {"type": "integer"},
    "address":        {"type": "object", "properties": {"city": {"type": "symbol"}}}},
  "contained": {
    "openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');

-------------------------------------------------------------------------------------------------
-- The worker process: one, serving this database, visible in pg_stat_activity and bulk.workers.
-------------------------------------------------------------------------------------------------
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_is_paused;
SELECT datname, backend_type, application_name FROM pg_stat_activity WHERE backend_type = 'pg_bulk worker';
SELECT (SELECT count(*) FROM bulk.workers) AS workers,
       w.pid = a.pid AS same_pid_as_pg_stat_activity, w.database, w.current_task, w.operations_applied,
       w.last_activity <= now() AS last_activity_known, w.paused
  FROM bulk.workers w, pg_stat_activity a WHERE a.backend_type = 'pg_bulk worker';

-------------------------------------------------------------------------------------------------
-- Paused: submissions queue, nothing is applied.
-------------------------------------------------------------------------------------------------
-- t1: operations run in request order (CREATE x, DELETE x, CREATE x).
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "x", "data": {"name": "first x"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "x"}},
  {"action": "CREATE", "create": {"type": "provider", "id": "x", "data": {"name": "second x"}}}]}') ->> 'bulkId' AS t1 \gset
-- t2 and t3: tasks start in submission order, so t3's UPSERT of o1 wins.
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "o1", "data": {"name": "written by t2"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "o2", "data": {"name": "only in t2"}}}]}') ->> 'bulkId' AS t2 \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "o1", "data": {"name": "written by t3"}}}]}') ->> 'bulkId' AS t3 \gset
-- t4: cancelled before it starts.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "c1", "data": {"name": "never"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "c2", "data": {"name": "never"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}') ->> 'bulkId' AS t4 \gset

-- bulk.queue: the pending tasks in submission order, with their progress.
SELECT CASE bulk_id WHEN :'t1' THEN 't1' WHEN :'t2' THEN 't2' WHEN :'t3' THEN 't3' WHEN :'t4' THEN 't4' END AS task,
       submitted_by, target, started_at IS NULL AS not_started, operation_count, applied_count, percent_done
  FROM bulk.queue;
SELECT bool_and(queue_position > previous) AS queue_positions_increase
  FROM (SELECT queue_position, lag(queue_position, 1, 0::bigint) OVER (ORDER BY queue_position) AS previous
          FROM bulk.queue) q;

-- bulk.wait with a short timeout on a paused task: the task is still PENDING when it returns.
SELECT clock_timestamp() AS wait_began \gset
SELECT jsonb_pretty(pg_temp.masked(bulk.wait(:'t1', '200 milliseconds'))) AS t1_after_timeout;
SELECT clock_timestamp() - :'wait_began'::timestamptz >= interval '200 milliseconds' AS waited_for_the_timeout;
SELECT seq, action, type, id, status, error_code, error_type, error_message, completed_at FROM bulk.receipts(:'t1');
SELECT pg_temp.metrics_shape(bulk.metrics(:'t1')) AS t1_pending_metrics;
SELECT * FROM pg_temp.log_lines(:'t1');

-- Cancel before the task starts: CANCELLED, every receipt CANCELLED. A second cancel answers the same.
SELECT bulk.cancel(:'t4') AS first_cancel \gset
SELECT jsonb_pretty(pg_temp.masked(:'first_cancel')) AS cancelled_before_start;
SELECT bulk.cancel(:'t4') = :'first_cancel'::jsonb AS second_cancel_same_answer,
       bulk.task(:'t4') = :'first_cancel'::jsonb AS task_same_answer;
SELECT status, applied_count, started_at IS NULL AS never_started, finished_at IS NOT NULL AS finished
  FROM bulk.tasks WHERE bulk_id = :'t4';
SELECT seq, action, id, status, error_code, completed_at FROM bulk.receipts(:'t4');
SELECT pg_temp.metrics_shape(bulk.metrics(:'t4')) AS t4_metrics;
SELECT * FROM pg_temp.log_lines(:'t4');
SELECT CASE bulk_id WHEN :'t1' THEN 't1' WHEN :'t2' THEN 't2' WHEN :'t3' THEN 't3' WHEN :'t4' THEN 't4' END AS task
  FROM bulk.queue;
SELECT count(*) AS resources_while_paused FROM bulk.resources;

-------------------------------------------------------------------------------------------------
-- Resume (pg_bulk.enabled = on): the queued tasks run in order; each end is NOTIFYed on bulk_task.
-- psql prints a notification with the sender's pid, so this part's output goes to a file that is
-- read back below with the pid checked and masked. From here on the poll interval is an hour: the
-- worker must be woken by the submitting transactions' commits.
-------------------------------------------------------------------------------------------------
\getenv abs_builddir PG_ABS_BUILDDIR
\set notify_file :abs_builddir '/results/worker_notify.txt'
LISTEN bulk_task;
\o :notify_file
ALTER SYSTEM SET pg_bulk.poll_interval = '1h';
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE NOT paused)') AS worker_resumed;
SELECT bulk.wait(:'t3') ->> 'status' AS t3_status;
-- The worker leaves a task (or a group of small tasks, shown by its first task) after committing its
-- end, which signals the listeners: once it is on none of t1..t3, their notifications are out.
SELECT pg_temp.wait_until(format('NOT EXISTS (SELECT FROM bulk.workers WHERE current_task IN (%L, %L, %L))',
                                 :'t1', :'t2', :'t3'))
       AS worker_left_t3;
\o
UNLISTEN bulk_task;
SELECT NOT paused AS worker_running FROM bulk.workers;
SELECT row_number() OVER (ORDER BY n) AS n,
       replace(replace(replace(regexp_replace(line, 'PID \d+', 'PID <pid>'), :'t1', '<t1>'), :'t2', '<t2>'), :'t3', '<t3>')
         AS notification,
       (regexp_match(line, 'PID (\d+)'))[1]::integer = (SELECT pid FROM bulk.workers) AS sent_by_the_worker
  FROM regexp_split_to_table(pg_read_file(:'notify_file'), E'\n') WITH ORDINALITY AS l(line, n)
 WHERE line LIKE 'Asynchronous notification%'
 ORDER BY n;
SELECT pg_read_file(:'notify_file') ~ 'worker_resumed\s+-+\s+t\s' AS file_shows_worker_resumed,
       pg_read_file(:'notify_file') ~ 't3_status\s+-+\s+SUCCESS\s' AS file_shows_t3_success;

SELECT bulk.wait(:'t1') ->> 'status' AS t1, bulk.wait(:'t2') ->> 'status' AS t2,
       bulk.wait(:'t3') ->> 'status' AS t3, bulk.wait(:'t4') ->> 'status' AS t4;
-- CREATE x, DELETE x, CREATE x: three SUCCESS, x exists once, with the second CREATE's data.
SELECT jsonb_pretty(pg_temp.masked(bulk.task(:'t1'))) AS t1_done;
SELECT count(*) AS x_rows, min(data ->> 'name') AS x_name FROM bulk.resources WHERE id = 'x';
-- Taken up in submission order (consecutive small tasks share one batch transaction, DESIGN §6); t3
-- wrote o1 last.
SELECT a.started_at <= b.started_at AS t1_before_t2, b.started_at <= c.started_at AS t2_before_t3
  FROM bulk.tasks a, bulk.tasks b, bulk.tasks c
 WHERE a.bulk_id = :'t1' AND b.bulk_id = :'t2' AND c.bulk_id = :'t3';
SELECT id, data FROM bulk.resources WHERE id IN ('o1', 'o2') ORDER BY id;
-- The cancelled task was skipped: nothing of it was applied and it stays CANCELLED.
SELECT pg_temp.masked(bulk.task(:'t4')) = pg_temp.masked(:'first_cancel') AS t4_unchanged,
       NOT EXISTS (SELECT FROM bulk.resources WHERE id IN ('c1', 'c2')) AS t4_not_applied,
       (SELECT started_at IS NULL FROM bulk.tasks WHERE bulk_id = :'t4') AS t4_never_started;
SELECT count(*) AS pending_tasks FROM bulk.queue;
-- Idle again.
SELECT w.current_task, NOT w.paused AS running FROM bulk.workers w;

-- Woken at commit: a task submitted in a transaction block runs as soon as that commits (the poll
-- interval is an hour); a rolled-back submit leaves nothing.
BEGIN;
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "w1", "data": {"name": "woken"}}}]}') ->> 'bulkId' AS woken \gset
SELECT status FROM bulk.tasks WHERE bulk_id = :'woken';
COMMIT;
SELECT bulk.wait(:'woken', '10 seconds') ->> 'status' AS woken_status;
BEGIN;
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "w2", "data": {"name": "rolled back"}}}]}') ->> 'bulkId' AS rolled_back \gset
ROLLBACK;
SELECT pg_temp.error_of(format('SELECT bulk.task(%L)', :'rolled_back')) ~ '^P0002' AS rolled_back_unknown,
       NOT EXISTS (SELECT FROM bulk.resources WHERE id = 'w2') AS nothing_applied;

-------------------------------------------------------------------------------------------------
-- Applying: 409 and 404 receipts with the task going on, UPSERT replace semantics and UPSERT
-- creating, DELETE, CREATE without id.
-------------------------------------------------------------------------------------------------
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1",
     "data": {"name": "Ann", "practiceNumber": 1234, "address": {"city": "Cape Town"}},
     "contained": {"openingHours": [{"data": {"day": "mon", "opens": "08:00:00"}},
                                    {"id": "h2", "data": {"day": "tue"}}]},
     "meta": {"source": "seed", "version": 1}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Bob"},
     "contained": {"openingHours": [{"data": {"day": "wed"}}]}}}]}') ->> 'bulkId' AS seed \gset
SELECT bulk.wait(:'seed') ->> 'status' AS seed_status;
SELECT id, data, contained, meta FROM bulk.resources WHERE id IN ('p1', 'p2') ORDER BY id;

SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann again"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "nobody"}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "Ann (replaced)"},
                                  "meta": {"version": 2}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p3", "data": {"name": "Cid"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p2"}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "Generated"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p4", "data": {"name": "Dee"}}}]}') ->> 'bulkId' AS mixed \gset
SELECT bulk._generated_id(:'mixed', 5) AS generated \gset
SELECT bulk.wait(:'mixed') ->> 'status' AS mixed_status;
SELECT seq, action, type, CASE WHEN id = :'generated' THEN '<generated>' ELSE id END AS id, status,
       error_code, error_type, error_message, completed_at IS NOT NULL AS completed
  FROM bulk.receipts(:'mixed');
SELECT jsonb_pretty(pg_temp.masked(bulk.task(:'mixed'), :'generated')) AS mixed_task;
-- As stored: each failure is a row, the run of successes after them one row (operations 2 to 6).
SELECT seq, last_seq, status, error ->> 'type' AS error_type
  FROM bulk.operation_results WHERE bulk_id = :'mixed' ORDER BY seq;
SELECT bulk.task(:'mixed', false) = jsonb_build_object('bulkId', :'mixed', 'status', 'SUCCESS') AS task_without_receipts;
-- p1 replaced (practiceNumber, address and contained gone, meta replaced), p3 created, p2 deleted
-- with its contained entries, the generated id stored, p4 created after the failures.
SELECT CASE WHEN id = :'generated' THEN '<generated>' ELSE id END AS id, data, contained, meta
  FROM bulk.resources WHERE id IN ('p1', 'p2', 'p3', 'p4', :'generated') ORDER BY 1;
SELECT id ~ '^[0-9A-Za-z]{27}$' AS generated_is_ksuid FROM bulk.receipts(:'mixed') WHERE seq = 5;

-- A batch touching each id once is applied without probing first (the database reports which
-- CREATE met an existing row and which DELETE found none): the same receipts and effects.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p4", "data": {"name": "Dee again"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p2"}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p3", "data": {"name": "Cid (replaced)"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p5", "data": {"name": "Eve"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p6", "data": {"name": "Fay"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p1"}}]}') ->> 'bulkId' AS distinct_ids \gset
SELECT bulk.wait(:'distinct_ids') ->> 'status' AS distinct_ids_status;
SELECT seq, action, id, status, error_code, error_type, error_message FROM bulk.receipts(:'distinct_ids');
SELECT id, data, created_at < updated_at AS replaced FROM bulk.resources
 WHERE id IN ('p1', 'p2', 'p3', 'p4', 'p5', 'p6') ORDER BY id;
-- CREATEs of two types, with an existing (type, id) in each and ids that exist under the other type
-- only: 409 exactly where the (type, id) exists (the probe looks each type's ids up on its own).
SELECT bulk.define_profile('clinic', '{"properties": {"name": {"type": "symbol"}}}');
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "clinic", "id": "c1", "data": {"name": "North"}}}]}') ->> 'bulkId' AS clinic \gset
SELECT bulk.wait(:'clinic') ->> 'status' AS clinic_status;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "c1", "data": {"name": "Cal"}}},
  {"action": "CREATE", "create": {"type": "clinic", "id": "c1", "data": {"name": "North again"}}},
  {"action": "CREATE", "create": {"type": "clinic", "id": "p4", "data": {"name": "South"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p4", "data": {"name": "Dee thrice"}}},
  {"action": "CREATE", "create": {"type": "clinic", "id": "c2", "data": {"name": "East"}}}]}') ->> 'bulkId' AS two_types \gset
SELECT bulk.wait(:'two_types') ->> 'status' AS two_types_status;
SELECT seq, action, type, id, status, error_code, error_type, error_message FROM bulk.receipts(:'two_types');
SELECT type, id, data ->> 'name' AS name FROM bulk.resources WHERE id IN ('c1', 'c2', 'p4') ORDER BY type, id;
-- 70 operations, every 7th a 409, some without id: bulk.task's document holds exactly the receipts
-- bulk.receipts lists (more than one JB_OFFSET_STRIDE of 32 entries, errors, generated ids).
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'provider', 'data', jsonb_build_object('name', 'd' || i))
                                       || CASE WHEN i % 7 = 0 THEN jsonb_build_object('id', 'p3')
                                               WHEN i % 5 = 0 THEN '{}'::jsonb
                                               ELSE jsonb_build_object('id', 'd' || i) END) ORDER BY i)))
         ->> 'bulkId' AS seventy
  FROM generate_series(0, 69) AS i \gset
SELECT bulk.wait(:'seventy') ->> 'status' AS seventy_status;
SELECT pg_temp.document_matches_rows(:'seventy') AS document_matches_rows,
       (SELECT count(*) FROM bulk.receipts(:'seventy') WHERE error_type = 'ALREADY_EXISTS') AS conflicts;

-- An operation failing with another error (here a trigger refuses one row) makes the worker redo the
-- batch one operation per subtransaction: that operation is INTERNAL with PostgreSQL's message and
-- the SQLSTATE in details, the others are applied (or 409/404) as usual, the task is SUCCESS.
-- (The trigger runs in the worker: its function cannot live in this session's pg_temp.)
CREATE FUNCTION public.worker_test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 'boom' THEN
        RAISE EXCEPTION 'no boom here' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON bulk.resources
    FOR EACH ROW EXECUTE FUNCTION public.worker_test_refuse_boom();
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "f1", "data": {"name": "F1"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "boom", "data": {"name": "Boom"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "f2", "data": {"name": "F2"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "f1", "data": {"name": "F1 again"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "nobody"}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "f2"}}]}') ->> 'bulkId' AS fallback \gset
SELECT bulk.wait(:'fallback') ->> 'status' AS fallback_status;
DROP TRIGGER refuse_boom ON bulk.resources;
DROP FUNCTION public.worker_test_refuse_boom();
SELECT seq, action, id, status, error_code, error_type, error_message, completed_at IS NOT NULL AS completed
  FROM bulk.receipts(:'fallback');
SELECT bulk.task(:'fallback') -> 'receipts' -> 1 -> 'error' AS internal_error;
SELECT id, data FROM bulk.resources WHERE id IN ('f1', 'f2', 'boom') ORDER BY id;

-- Metrics: counts per receipt status, the operation count, times, rates.
SELECT jsonb_pretty(pg_temp.metrics_shape(bulk.metrics(:'mixed'))) AS mixed_metrics;
SELECT (m ->> 'queueSeconds')::numeric >= 0 AS queue_seconds_ok,
       (m ->> 'runSeconds')::numeric >= 0 AS run_seconds_ok,
       (m ->> 'operationsPerSecond')::numeric > 0 AS rate_ok,
       (m ->> 'submittedAt')::timestamptz <= (m ->> 'startedAt')::timestamptz
         AND (m ->> 'startedAt')::timestamptz <= (m ->> 'finishedAt')::timestamptz AS times_in_order,
       (m ->> 'finishedAt')::timestamptz = t.finished_at AS finished_at_matches_task
  FROM bulk.metrics(:'mixed') m, bulk.tasks t WHERE t.bulk_id = :'mixed';
-- Logs: accepted, picked up by the worker, finished with counts; in order.
SELECT * FROM pg_temp.log_lines(:'mixed');
SELECT bool_and(at >= previous) AS log_times_in_order, count(*) AS lines
  FROM (SELECT at, lag(at, 1, '-infinity') OVER (ORDER BY n) AS previous
          FROM bulk.logs(:'mixed') WITH ORDINALITY AS l(at, level, message, n)) l;
SELECT (regexp_match(message, 'pid (\d+)'))[1]::integer = (SELECT pid FROM bulk.workers) AS picked_up_by_this_worker
  FROM bulk.logs(:'mixed') WHERE message LIKE 'picked up%';

-- Cancel of a finished task: unchanged.
SELECT bulk.cancel(:'mixed') = bulk.task(:'mixed') AS cancel_answers_the_task,
       bulk.task(:'mixed') ->> 'status' AS status_after_cancel,
       (SELECT count(*) FROM bulk.logs(:'mixed')) AS log_lines_after_cancel;

-- Unknown bulk ids: P0002 from every function that takes one (wait raises at once).
SELECT f AS function, pg_temp.error_of(format('SELECT bulk.%s(%L)', f, 'bk_NoSuchTask')) AS result
  FROM unnest(ARRAY['task', 'receipts', 'cancel', 'metrics', 'logs', 'wait']) AS f;
SELECT clock_timestamp() AS wait_began \gset
SELECT pg_temp.error_of($$SELECT bulk.wait('bk_NoSuchTask', '10 seconds')$$) AS wait_unknown;
SELECT clock_timestamp() - :'wait_began'::timestamptz < interval '5 seconds' AS raised_at_once;

-------------------------------------------------------------------------------------------------
-- Pause in the middle of a task: the worker stops between batches, the task stays PENDING with
-- its progress, and resuming finishes it with every operation applied once. (Small batches and
-- pg_bulk.test_apply_delay make the task long enough; seeing the worker paused proves that it
-- has read the settings.)
-------------------------------------------------------------------------------------------------
ALTER SYSTEM SET pg_bulk.batch_size = 5;
ALTER SYSTEM SET pg_bulk.test_apply_delay = 20;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'provider', 'id', 'long' || i,
         'data', jsonb_build_object('name', 'long ' || i))) ORDER BY i))) ->> 'bulkId' AS long
  FROM generate_series(1, 100) i \gset
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE NOT paused)') AS worker_resumed;
-- bulk.workers shows the task being applied and its progress.
SELECT pg_temp.wait_until(format('EXISTS (SELECT FROM bulk.workers WHERE current_task = %L AND operations_applied >= 5)',
                                 :'long')) AS worker_applying_long;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
SELECT pg_temp.wait_until(format($$EXISTS (SELECT FROM bulk.logs(%L) WHERE message LIKE 'paused%%')$$, :'long'))
       AS worker_left_long;
SELECT t.status, t.applied_count BETWEEN 5 AND 95 AS partly_applied, t.applied_count % 5 = 0 AS whole_batches,
       (SELECT sum(r.last_seq - r.seq + 1) FROM bulk.operation_results r WHERE r.bulk_id = t.bulk_id) = t.applied_count AS receipts_match,
       (SELECT count(*) FROM bulk.resources WHERE id LIKE 'long%') = t.applied_count AS resources_match
  FROM bulk.tasks t WHERE t.bulk_id = :'long';
SELECT q.bulk_id = :'long' AS long_queued, q.applied_count = t.applied_count AS progress_shown,
       q.percent_done = round(100.0 * t.applied_count / 100, 1) AS percent_shown
  FROM bulk.queue q, bulk.tasks t WHERE t.bulk_id = :'long';
SELECT count(*) FILTER (WHERE status = 'PENDING') > 0 AS receipts_pending FROM bulk.receipts(:'long');
SELECT pg_temp.document_matches_rows(:'long') AS partly_applied_document_matches_rows;
ALTER SYSTEM RESET pg_bulk.test_apply_delay;
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT bulk.wait(:'long') ->> 'status' AS long_status;
ALTER SYSTEM RESET pg_bulk.batch_size;
SELECT count(*) AS receipts, count(*) FILTER (WHERE status = 'SUCCESS') AS success,
       count(DISTINCT seq) AS distinct_operations,
       (SELECT count(*) FROM bulk.resources WHERE id LIKE 'long%') AS resources,
       bool_and(EXISTS (SELECT FROM bulk.resources WHERE resources.id = receipts.id)) AS each_applied
  FROM bulk.receipts(:'long') receipts;
-- Logs: accepted, picked up, paused, resumed, finished; progress every 10% (batches of 5).
SELECT level, regexp_replace(message, 'operation \d+', 'operation <n>') AS message
  FROM pg_temp.log_lines(:'long') WHERE message NOT LIKE 'progress:%';
SELECT level, message FROM bulk.logs(:'long') WHERE message LIKE 'progress:%';

-------------------------------------------------------------------------------------------------
-- Cancel while running: the worker stops after the operation in flight; a prefix of the
-- operations is SUCCESS and applied, the rest CANCELLED and not applied. Where it stops depends on
-- timing, so the checks are booleans.
-------------------------------------------------------------------------------------------------
ALTER SYSTEM SET pg_bulk.test_apply_delay = 20;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'UPSERT', 'upsert', jsonb_build_object('type', 'provider', 'id', 'run' || i,
         'data', jsonb_build_object('name', 'run ' || i))) ORDER BY i))) ->> 'bulkId' AS running
  FROM generate_series(1, 100) i \gset
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
-- Applying: the worker has taken the task up (bulk.workers, read first) and then sleeps before an
-- operation (pg_stat_activity, read after), inside the batch transaction.
SELECT pg_temp.wait_until(format($$CASE WHEN EXISTS (SELECT FROM bulk.workers WHERE current_task = %L)
                                        THEN EXISTS (SELECT FROM pg_stat_activity
                                                      WHERE backend_type = 'pg_bulk worker' AND wait_event = 'Extension')
                                        ELSE false END$$, :'running'))
       AS worker_applying;
SELECT bulk.cancel(:'running') ->> 'status' AS cancel_status;
SELECT bulk.wait(:'running') ->> 'status' AS status_after_cancel;
SELECT count(*) AS receipts,
       count(*) FILTER (WHERE status = 'SUCCESS') > 0 AS some_success,
       count(*) FILTER (WHERE status = 'CANCELLED') > 0 AS some_cancelled,
       count(*) FILTER (WHERE status IN ('SUCCESS', 'CANCELLED')) = 100 AS all_success_or_cancelled,
       coalesce(max(seq) FILTER (WHERE status = 'SUCCESS'), -1) < min(seq) FILTER (WHERE status = 'CANCELLED')
         AS success_prefix,
       bool_and((status = 'SUCCESS') = EXISTS (SELECT FROM bulk.resources r WHERE r.id = receipts.id))
         AS applied_iff_success,
       bool_and((status = 'SUCCESS') = (completed_at IS NOT NULL)) AS completed_at_iff_success
  FROM bulk.receipts(:'running') receipts;
SELECT (m -> 'counts' ->> 'SUCCESS')::int = t.applied_count AS success_count_is_applied,
       (m -> 'counts' ->> 'SUCCESS')::int + (m -> 'counts' ->> 'CANCELLED')::int = 100 AS counts_add_up,
       (m -> 'counts' ->> 'PENDING')::int = 0 AND (m -> 'counts' ->> 'FAILURE')::int = 0 AS no_pending_no_failure,
       t.finished_at IS NOT NULL AS finished
  FROM bulk.metrics(:'running') m, bulk.tasks t WHERE t.bulk_id = :'running';
SELECT level, regexp_replace(message, 'after \d+ operations?', 'after <n> operations') AS message
  FROM pg_temp.log_lines(:'running');
SELECT bulk.cancel(:'running') = bulk.task(:'running') AS cancel_again_unchanged;
-- The worker goes on with the next task.
SELECT bulk.submit_resources('{"operations": [
  {"action": "DELETE", "delete": {"type": "provider", "id": "run1"}}]}') ->> 'bulkId' AS after \gset
SELECT jsonb_pretty(pg_temp.masked(bulk.wait(:'after'))) AS next_task;
-- bulk.wait sleeps until a task end commits (its 1-second poll is only a fallback): it returns right
-- after the worker committed the end of a task that takes about 200 ms (10 operations, 20 ms each).
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'UPSERT', 'upsert', jsonb_build_object('type', 'provider', 'id', 'woken' || i,
         'data', jsonb_build_object('name', 'woken ' || i))) ORDER BY i))) ->> 'bulkId' AS woken
  FROM generate_series(1, 10) i \gset
SELECT bulk.wait(:'woken') ->> 'status' AS woken_status;
SELECT clock_timestamp() - finished_at < interval '300 ms' AS wait_returned_at_task_end
  FROM bulk.tasks WHERE bulk_id = :'woken';

-------------------------------------------------------------------------------------------------
-- Retention: finished tasks older than pg_bulk.task_retention are purged by the idle worker, with
-- their operations, receipts and logs; pending ones stay.
-------------------------------------------------------------------------------------------------
SELECT count(*) > 0 AS finished_tasks_before FROM bulk.tasks WHERE status <> 'PENDING';
ALTER SYSTEM SET pg_bulk.task_retention = 0;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('NOT EXISTS (SELECT FROM bulk.tasks WHERE status <> ''PENDING'')') AS finished_tasks_purged;
SELECT (SELECT count(*) FROM bulk.operation_results) AS receipts_left,
       (SELECT count(*) FROM bulk.task_operations) AS chunks_left,
       (SELECT count(*) FROM bulk.task_logs) AS logs_left;
ALTER SYSTEM RESET pg_bulk.task_retention;
SELECT pg_reload_conf();

-------------------------------------------------------------------------------------------------
-- Back to the configuration of the test instance: paused, no delay.
-------------------------------------------------------------------------------------------------
ALTER SYSTEM RESET pg_bulk.test_apply_delay;
ALTER SYSTEM RESET pg_bulk.poll_interval;
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
