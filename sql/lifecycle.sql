-- What applications meet first (issue 13; DESIGN §3, §5): a wait that could only wait for nothing
-- raises at once; replayed submits say so; metrics count errors by type and queue time from the
-- commit; bulk_admin members pause and resume everything or one task without superuser.
-- The worker is switched on with ALTER SYSTEM + reload and left paused at the end.
\i sql/include/worker_on_fresh_extension.sql
\i sql/include/error_of.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_lifecycle_admin, regress_lifecycle_writer;
CREATE ROLE regress_lifecycle_admin IN ROLE bulk_admin;
CREATE ROLE regress_lifecycle_writer IN ROLE bulk_writer;
RESET client_min_messages;
\set VERBOSITY terse

SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
ALTER SYSTEM SET pg_bulk.poll_interval = '100ms';
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE NOT paused)') AS worker_running;

-------------------------------------------------------------------------------------------------
-- 1. Waiting in the submitting transaction raises 55000 at once, with the way out; in a savepoint
--    too. After the commit the same wait returns the task's end.
-------------------------------------------------------------------------------------------------
BEGIN;
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "office", "id": "o1",
    "data": {"name": "One"}}}]}') ->> 'bulkId' AS in_transaction \gset
SELECT clock_timestamp() AS before_wait \gset
SELECT pg_temp.error_of(format('SELECT bulk.wait(%L, %L)', :'in_transaction', '5 seconds')) AS wait_in_transaction;
SELECT clock_timestamp() - :'before_wait'::timestamptz < interval '1 second' AS raised_at_once;
SAVEPOINT nested;
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "office", "id": "o2",
    "data": {"name": "Two"}}}]}') ->> 'bulkId' AS in_savepoint \gset
SELECT pg_temp.error_of(format('SELECT bulk.wait(%L, %L)', :'in_savepoint', '5 seconds')) AS wait_in_savepoint;
RELEASE SAVEPOINT nested;
SELECT pg_sleep(0.3);
SELECT clock_timestamp() AS just_before_commit \gset
COMMIT;
SELECT bulk.wait(:'in_transaction', '30 seconds') ->> 'status' AS after_commit,
       bulk.wait(:'in_savepoint', '30 seconds') ->> 'status' AS savepoint_after_commit;

-- A REPEATABLE READ transaction would never see a task end: refused too, for a pending task only.
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "o9"}}]}')
       ->> 'bulkId' AS queued \gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.error_of(format('SELECT bulk.wait(%L, %L)', :'queued', '5 seconds')) AS wait_in_repeatable_read;
SELECT bulk.wait(:'in_transaction', '5 seconds') ->> 'status' AS finished_task_in_repeatable_read;
COMMIT;

-------------------------------------------------------------------------------------------------
-- 6. queueSeconds counts from the commit: the transaction above slept 0.3 s after submitting, and
--    its tasks' submittedAt is the commit, not the transaction's start nor the submit.
-------------------------------------------------------------------------------------------------
SELECT submitted_at >= :'just_before_commit'::timestamptz AS submitted_at_is_the_commit,
       (bulk.metrics(bulk_id) ->> 'queueSeconds')::numeric < 5 AS queue_seconds_from_commit
  FROM bulk.tasks WHERE bulk_id IN (:'in_transaction', :'in_savepoint') ORDER BY queue_position;
-- A rolled-back submit leaves nothing to stamp, and the next commit is not disturbed.
BEGIN;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "o8"}}]}')
       IS NOT NULL AS submitted;
ROLLBACK;
SELECT count(*) AS tasks FROM bulk.tasks;

-------------------------------------------------------------------------------------------------
-- 7. A replayed submit says so.
-------------------------------------------------------------------------------------------------
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "o7"}}]}',
                             'key-1') - 'bulkId' AS first_answer;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "o7"}}]}',
                             'key-1') - 'bulkId' AS second_answer;

-------------------------------------------------------------------------------------------------
-- 5. Pause and resume, by a bulk_admin member without superuser: every task, or one. A pause shows
--    in bulk.queue and bulk.workers; the worker takes nothing paused, and stops a running task.
-------------------------------------------------------------------------------------------------
SET ROLE regress_lifecycle_admin;
SELECT bulk.pause() - 'pausedAt' AS paused_everything;
RESET ROLE;
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('NOT (SELECT paused FROM bulk._worker_status())') AS worker_switched_on;
-- A non-event: the worker polls every 100 ms and takes nothing while everything is paused.
SELECT pg_sleep(0.3);
SET ROLE regress_lifecycle_admin;
SELECT paused FROM bulk.workers;
SELECT bulk_id = :'queued' AS is_queued, paused FROM bulk.queue;
SELECT bulk.task(:'queued', false) ->> 'status' AS queued_status;
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "office", "id": "p1",
    "data": {"name": "Paused"}}}]}') ->> 'bulkId' AS held \gset
SELECT bulk.pause(:'held') - 'bulkId' - 'pausedAt' AS paused_one;
SELECT bulk.resume() - 'pausedAt' AS resumed_everything;
-- The globally held tasks run; the one paused by itself stays.
SELECT bulk.wait(:'queued', '30 seconds') ->> 'status' AS released_task;
SELECT pg_sleep(0.3);
SELECT bulk_id = :'held' AS is_held, paused FROM bulk.queue;
SELECT bulk.task(:'held', false) ->> 'status' AS held_status;
SELECT bulk.resume(:'held') - 'bulkId' AS resumed_one;
SELECT bulk.wait(:'held', '30 seconds') ->> 'status' AS held_after_resume;
-- A running task stops at the end of the batch in flight, and resumes where it stopped: every
-- operation applied once. 40 batches of 5 operations of 20 ms each make it long enough.
RESET ROLE;
ALTER SYSTEM SET pg_bulk.batch_size = 5;
ALTER SYSTEM SET pg_bulk.test_apply_delay = 20;
SELECT pg_reload_conf();
SELECT bulk.submit_resources(jsonb_build_object('operations', (SELECT jsonb_agg(jsonb_build_object(
    'action', 'CREATE', 'create', jsonb_build_object('type', 'office', 'id', 'long-' || i,
    'data', jsonb_build_object('name', 'n' || i)))) FROM generate_series(1, 200) i))) ->> 'bulkId' AS long_task \gset
SELECT pg_temp.wait_until(format('(SELECT applied_count >= 5 FROM bulk.tasks WHERE bulk_id = %L)', :'long_task'))
       AS long_task_running;
SET ROLE regress_lifecycle_admin;
SELECT bulk.pause(:'long_task') ->> 'paused' AS paused_while_running;
RESET ROLE;
SELECT pg_temp.wait_until(format('EXISTS (SELECT FROM bulk.logs(%L) WHERE message LIKE ''paused%%'')', :'long_task'))
       AS worker_left_it;
SELECT status, applied_count < 200 AS stopped_before_the_end,
       applied_count = (SELECT count(*) FROM bulk.resources WHERE id LIKE 'long-%') AS receipts_match_effects
  FROM bulk.tasks WHERE bulk_id = :'long_task';
SELECT regexp_replace(message, '[0-9]+', 'N') AS log_line FROM bulk.logs(:'long_task') WHERE message LIKE 'paused%';
ALTER SYSTEM RESET pg_bulk.test_apply_delay;
ALTER SYSTEM RESET pg_bulk.batch_size;
SELECT pg_reload_conf();
SET ROLE regress_lifecycle_admin;
SELECT bulk.resume(:'long_task') ->> 'status' AS resumed_long_task;
SELECT bulk.wait(:'long_task', '30 seconds') ->> 'status' AS long_task_after_resume;
SELECT count(*) AS receipts, count(*) FILTER (WHERE status = 'SUCCESS') AS successes
  FROM bulk.receipts(:'long_task');
SELECT count(*) AS long_resources FROM bulk.resources WHERE id LIKE 'long-%';
-- Pausing a finished task changes nothing; an unknown one is P0002.
SELECT bulk.pause(:'held') - 'bulkId' AS pause_finished;
SELECT pg_temp.error_of($$SELECT bulk.pause('bk_nope')$$) AS pause_unknown;
RESET ROLE;
-- Writers may not pause.
SET ROLE regress_lifecycle_writer;
SELECT pg_temp.error_of($$SELECT bulk.pause()$$) AS writer_pause;
SELECT pg_temp.error_of($$SELECT bulk.resume()$$) AS writer_resume;
RESET ROLE;
-- A pause is stored, and the table is dumped with the database.
SET ROLE regress_lifecycle_admin;
SELECT bulk.pause() ->> 'paused' AS paused_again;
RESET ROLE;
SELECT count(*) AS pause_rows FROM bulk.global_pause;
SELECT 'bulk.global_pause'::regclass = ANY (extconfig) AS dumped FROM pg_extension WHERE extname = 'pg_bulk';
SELECT bulk.resume() - 'pausedAt' AS resumed;

-------------------------------------------------------------------------------------------------
-- 4. Metrics count receipts per error type.
-------------------------------------------------------------------------------------------------
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o1", "data": {"name": "again"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o2", "data": {"name": "again"}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "nobody"}},
  {"action": "CREATE", "create": {"type": "office", "id": "m1", "data": {"name": "new"}}}]}') ->> 'bulkId' AS mixed \gset
SELECT bulk.wait(:'mixed') ->> 'status' AS mixed_status;
SELECT m -> 'counts' AS counts, m -> 'errors' AS errors FROM bulk.metrics(:'mixed') m;
SELECT bulk.metrics(:'in_transaction') -> 'errors' AS no_errors;

-- Back to the test instance's configuration: paused.
ALTER SYSTEM RESET pg_bulk.poll_interval;
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
-- A transaction that submits and then drops the extension commits (nothing is left to stamp).
BEGIN;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "o1"}}]}')
       ->> 'status' AS submitted_before_drop;
DROP EXTENSION pg_bulk CASCADE;
COMMIT;
SELECT count(*) AS extensions_left FROM pg_extension WHERE extname = 'pg_bulk';
DROP ROLE regress_lifecycle_admin, regress_lifecycle_writer;
