-- The worker pool (DESIGN §6; issue 11): with two workers, a task that conflicts with a running one waits
-- for it (bulk.queue names the task it waits for), a task that touches other resources runs at once on the
-- second worker (bulk.workers has a row per worker), and the task that waited runs after, in order.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

DO $$ BEGIN PERFORM bulk.define_profile('item', '{"properties": {"n": {"type": "integer"}}}'); END $$;
CREATE FUNCTION pg_temp.upserts(id text, first integer, count integer) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'UPSERT', 'upsert',
               jsonb_build_object('type', 'item', 'id', id, 'data', jsonb_build_object('n', i))) ORDER BY i))
      FROM generate_series(first, first + count - 1) i $$;

-- Each operation takes 100 ms: a task of 10 runs for a second.
ALTER SYSTEM SET pg_bulk.max_workers = 2;
ALTER SYSTEM SET pg_bulk.test_apply_delay = 100;
SELECT pg_reload_conf();
SELECT bulk.submit_resources(pg_temp.upserts('x', 1, 10)) ->> 'bulkId' AS first_x \gset
SELECT bulk.submit_resources(pg_temp.upserts('x', 11, 2)) ->> 'bulkId' AS second_x \gset
SELECT bulk.submit_resources(pg_temp.upserts('y', 1, 2)) ->> 'bulkId' AS only_y \gset
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

-- The second task on x waits for the first; y runs on the other worker meanwhile.
SELECT pg_temp.wait_until(format('EXISTS (SELECT FROM bulk.queue WHERE bulk_id = %L AND waits_for = %L)',
                                 :'second_x', :'first_x')) AS second_x_waits_for_first_x;
SELECT pg_temp.wait_until(format('(SELECT count(*) = 2 FROM bulk.workers WHERE state = %L AND current_task IN (%L, %L))',
                                 'applying', :'first_x', :'only_y')) AS two_workers_applying;
SELECT bulk.wait(:'only_y') ->> 'status' AS only_y, bulk.wait(:'first_x') ->> 'status' AS first_x,
       bulk.wait(:'second_x') ->> 'status' AS second_x;
-- y ended before the first task on x, which it did not wait for; the second task on x started after the
-- first ended, and wrote x last.
SELECT y.finished_at < a.finished_at AS y_did_not_wait, b.started_at >= a.finished_at AS second_started_after_first
  FROM bulk.tasks a, bulk.tasks b, bulk.tasks y
 WHERE a.bulk_id = :'first_x' AND b.bulk_id = :'second_x' AND y.bulk_id = :'only_y';
SELECT id, data FROM bulk.resources ORDER BY id;
SELECT count(DISTINCT (regexp_match(message, 'pid (\d+)'))[1]) AS workers_that_took_tasks
  FROM bulk.task_logs WHERE message LIKE 'picked up by%';

-- A writer sees the task its own waits for, but not another role's.
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('(SELECT bool_and(paused) FROM bulk.workers)') AS workers_paused;
CREATE ROLE regress_pool_writer IN ROLE bulk_writer;
SELECT bulk.submit_resources(pg_temp.upserts('z', 1, 10)) ->> 'bulkId' AS admin_z \gset
SET ROLE regress_pool_writer;
SELECT bulk.submit_resources(pg_temp.upserts('z', 11, 1)) ->> 'bulkId' AS writer_z \gset
RESET ROLE;
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until(format('EXISTS (SELECT FROM bulk.queue WHERE bulk_id = %L AND waits_for = %L)',
                                 :'writer_z', :'admin_z')) AS writer_task_waits;
SET ROLE regress_pool_writer;
SELECT bulk_id = :'writer_z' AS own_task, waits_for FROM bulk.queue;
RESET ROLE;
SELECT bulk.wait(:'writer_z') ->> 'status' AS writer_z;

-- Back to the suite's settings: one worker, paused, no delay.
ALTER SYSTEM RESET pg_bulk.max_workers;
ALTER SYSTEM RESET pg_bulk.test_apply_delay;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('(SELECT bool_and(paused) FROM bulk.workers)') AS workers_paused;
DROP ROLE regress_pool_writer;
