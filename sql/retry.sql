-- bulk.retry (issue 13.3, DESIGN §5): a new task with the FAILURE and CANCELLED operations of a finished
-- task (optionally only some error types), submitted as the original submitter, linked both ways,
-- idempotent; a bulk_admin may retry another role's task and it still runs as that role.
\i sql/include/worker_on_fresh_extension.sql
\i sql/include/error_of.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_retry_writer, regress_retry_other, regress_retry_admin;
CREATE ROLE regress_retry_writer IN ROLE bulk_writer;
CREATE ROLE regress_retry_other IN ROLE bulk_writer;
CREATE ROLE regress_retry_admin IN ROLE bulk_admin;
RESET client_min_messages;
\set VERBOSITY terse

-- A task's receipts, one line each.
CREATE FUNCTION pg_temp.receipts(bulk_id text) RETURNS TABLE (seq integer, action text, id text, status text,
                                                               error_type text) LANGUAGE sql AS $$
    SELECT r.seq, r.action, CASE WHEN r.id ~ '^[0-9A-Za-z]{27}$' THEN '<generated>' ELSE r.id END, r.status,
           r.error_type
      FROM bulk.receipts(bulk_id) r ORDER BY r.seq
$$;

-- The operations a task holds, in order.
CREATE FUNCTION pg_temp.operations(bulk_id text) RETURNS SETOF jsonb LANGUAGE sql AS $$
    SELECT e.op FROM bulk.task_operations c, jsonb_array_elements(c.operations) WITH ORDINALITY e(op, n)
     WHERE c.bulk_id = $1 ORDER BY c.first_operation, e.n
$$;

SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
ALTER SYSTEM SET pg_bulk.poll_interval = '100ms';
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

SET ROLE regress_retry_writer;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "a", "data": {"name": "A"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "b", "data": {"name": "B"}}}]}') ->> 'bulkId' AS setup \gset
SELECT bulk.wait(:'setup') ->> 'status' AS setup_status;
-- 409 twice, 404 once, one success.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "a", "data": {"name": "A again"}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "nobody"}},
  {"action": "CREATE", "create": {"type": "office", "id": "c", "data": {"name": "C"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "b", "data": {"name": "B again"}}}]}') ->> 'bulkId' AS mixed \gset
SELECT bulk.wait(:'mixed') ->> 'status' AS mixed_status;
SELECT * FROM pg_temp.receipts(:'mixed');

-- Only the NOT_FOUND one; then every FAILURE. Each answer names the original; asking again answers
-- the same retry ("replayed"), queueing nothing.
SELECT bulk.retry(:'mixed', ARRAY['NOT_FOUND']) ->> 'bulkId' AS retry_404 \gset
SELECT bulk.retry(:'mixed') AS retry_all_answer \gset
SELECT (:'retry_all_answer'::jsonb ->> 'retryOf') = :'mixed' AS names_original,
       :'retry_all_answer'::jsonb ->> 'operations' AS operations,
       :'retry_all_answer'::jsonb ->> 'status' AS status;
SELECT :'retry_all_answer'::jsonb ->> 'bulkId' AS retry_all \gset
SELECT bulk.retry(:'mixed') ->> 'bulkId' = :'retry_all' AS same_retry,
       bulk.retry(:'mixed') ->> 'replayed' AS replayed,
       bulk.retry(:'mixed', ARRAY['NOT_FOUND', 'NOT_FOUND']) ->> 'bulkId' = :'retry_404' AS same_filtered_retry;
SELECT count(*) AS tasks FROM bulk.tasks;
SELECT * FROM pg_temp.operations(:'retry_all');
SELECT * FROM pg_temp.operations(:'retry_404');
SELECT bulk.wait(:'retry_all') ->> 'status' AS retry_status;
SELECT * FROM pg_temp.receipts(:'retry_all');
-- Linked both ways.
SELECT bulk.task(:'mixed', false) -> 'retries' = jsonb_build_array(:'retry_404', :'retry_all') AS original_lists_retries,
       bulk.task(:'retry_all', false) ->> 'retryOf' = :'mixed' AS retry_names_original;
SELECT submitted_by, retry_filter FROM bulk.tasks WHERE retry_of = :'mixed' ORDER BY queue_position;

-- What cannot be retried: a task still pending, a task with nothing to retry, a filter that matches
-- nothing, an unknown error type, an empty list; and another role's task is unknown.
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L)', :'setup')) AS nothing_failed;
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L, %L)', :'mixed', '{FORBIDDEN}')) AS nothing_forbidden;
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L, %L)', :'mixed', '{CONFLICT}')) AS unknown_type;
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L, %L)', :'mixed', '{}')) AS empty_list;
SELECT pg_temp.error_of($$SELECT bulk.retry('bk_nope')$$) AS unknown_task;
SELECT bulk.retry(NULL) IS NULL AS null_id;
RESET ROLE;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
SET ROLE regress_retry_writer;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "data": {"name": "generated"}}},
  {"action": "UPSERT", "upsert": {"type": "office", "id": "d", "data": {"name": "D"}}}]}') ->> 'bulkId' AS pending \gset
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L)', :'pending')) AS pending_task;
RESET ROLE;
SET ROLE regress_retry_other;
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L)', :'mixed')) AS other_writer;
RESET ROLE;
-- A retry is recorded as the original submitter's: a superuser's task is retried by a superuser only.
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "gone"}}]}')
       ->> 'bulkId' AS by_superuser \gset
SELECT bulk.cancel(:'by_superuser') ->> 'status' AS superuser_task_cancelled;
SET ROLE regress_retry_admin;
SELECT pg_temp.error_of(format('SELECT bulk.retry(%L)', :'by_superuser')) AS admin_retries_superuser_task;
RESET ROLE;
SELECT bulk.retry(:'by_superuser') ->> 'operations' AS superuser_retries_own_task;

-- A cancelled task: its operations never applied are retried, a CREATE without id with the id it
-- was given, so the retry creates that very resource. Retried by an admin, it runs as its submitter.
SET ROLE regress_retry_writer;
SELECT bulk.cancel(:'pending') ->> 'status' AS cancelled;
RESET ROLE;
SET ROLE regress_retry_admin;
SELECT bulk.retry(:'pending', ARRAY['CANCELLED']) ->> 'bulkId' AS retry_cancelled \gset
RESET ROLE;
SELECT (SELECT o #>> '{create,id}' FROM pg_temp.operations(:'retry_cancelled') o LIMIT 1)
       = bulk._generated_id(:'pending', 0) AS keeps_generated_id;
SELECT submitted_by FROM bulk.tasks WHERE bulk_id = :'retry_cancelled';
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT bulk.wait(:'retry_cancelled') ->> 'status' AS retry_cancelled_status;
SELECT * FROM pg_temp.receipts(:'retry_cancelled');
SELECT count(*) AS generated_resource FROM bulk.resources WHERE id = bulk._generated_id(:'pending', 0);

-- The profiles changed since the original was accepted: the retry is validated again and REJECTED
-- (nothing queued).
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol", "rules": {"maxLength": 3}}}}');
SELECT count(*) AS tasks_before FROM bulk.tasks \gset
SELECT jsonb_pretty(bulk.retry(:'mixed', ARRAY['ALREADY_EXISTS', 'NOT_FOUND', 'CANCELLED'])) AS rejected_retry;
SELECT count(*) - :tasks_before AS tasks_added FROM bulk.tasks;

-- Back to the test instance's configuration: paused.
ALTER SYSTEM RESET pg_bulk.poll_interval;
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
DROP EXTENSION pg_bulk CASCADE;
DROP ROLE regress_retry_writer, regress_retry_other, regress_retry_admin;
