-- Small tasks share a batch transaction (DESIGN §6; issue 11, point 3): many small tasks queued while
-- the worker is paused are applied in one go, with exactly the receipts and final rows of applying
-- them one at a time (worked out below in SQL), a FORBIDDEN task in the middle (its submitter lost
-- bulk_writer), a cancelled one in the middle, and each task's own status, logs and NOTIFY.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_is_paused;
DO $$ BEGIN PERFORM bulk.define_profile('item', '{"properties": {"name": {"type": "symbol"}}}'); END $$;
CREATE ROLE regress_small_revoked IN ROLE bulk_writer;

-- 60 tasks of 3 operations each over 5 ids (CREATE, UPSERT and DELETE in a fixed pseudo-random mix),
-- so that consecutive tasks keep touching the same rows. Task 20 is submitted by a role that then
-- loses bulk_writer; task 30 is cancelled before the worker runs.
CREATE TEMP TABLE planned AS
SELECT k, j, (ARRAY['CREATE', 'UPSERT', 'DELETE'])[1 + (k * 7 + j * 5) % 3] AS action,
       'i' || ((k * 3 + j * 2) % 5) AS id, format('task %s operation %s', k, j) AS name
  FROM generate_series(1, 60) k, generate_series(0, 2) j;
CREATE TEMP TABLE queued (k integer PRIMARY KEY, bulk_id text NOT NULL);

CREATE FUNCTION pg_temp.request(task integer) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('operations', jsonb_agg(
             jsonb_build_object('action', p.action, lower(p.action),
                                jsonb_build_object('type', 'item', 'id', p.id)
                                || CASE WHEN p.action = 'DELETE' THEN '{}'::jsonb
                                        ELSE jsonb_build_object('data', jsonb_build_object('name', p.name)) END)
             ORDER BY p.j))
      FROM planned p WHERE p.k = task
$$;

DO $$
DECLARE
    request jsonb;
    answer jsonb;
BEGIN
    FOR task IN 1..60 LOOP
        request := pg_temp.request(task);
        IF task = 20 THEN
            SET LOCAL ROLE regress_small_revoked;
        END IF;
        answer := bulk.submit_resources(request);
        RESET ROLE;
        INSERT INTO queued VALUES (task, answer ->> 'bulkId');
    END LOOP;
END
$$;
SELECT count(*) AS queued_tasks FROM bulk.queue;
REVOKE bulk_writer FROM regress_small_revoked;
SELECT bulk.cancel(bulk_id) ->> 'status' AS task_30 FROM queued WHERE k = 30;

-- The receipts and rows of applying the tasks one at a time, in queue order: the FORBIDDEN task has
-- no effect, the cancelled one none either (and no receipts of the worker's).
CREATE TEMP TABLE expected_receipts (k integer, seq integer, status text, error_type text);
CREATE TEMP TABLE expected_rows (id text PRIMARY KEY, name text);
DO $$
DECLARE
    p record;
    present boolean;
BEGIN
    FOR p IN SELECT * FROM planned WHERE k <> 30 ORDER BY k, j LOOP
        present := EXISTS (SELECT FROM expected_rows WHERE id = p.id);
        IF p.k = 20 THEN
            INSERT INTO expected_receipts VALUES (p.k, p.j, 'FAILURE', 'FORBIDDEN');
        ELSIF p.action = 'CREATE' AND present THEN
            INSERT INTO expected_receipts VALUES (p.k, p.j, 'FAILURE', 'ALREADY_EXISTS');
        ELSIF p.action = 'DELETE' AND NOT present THEN
            INSERT INTO expected_receipts VALUES (p.k, p.j, 'FAILURE', 'NOT_FOUND');
        ELSIF p.action = 'DELETE' THEN
            DELETE FROM expected_rows WHERE id = p.id;
            INSERT INTO expected_receipts VALUES (p.k, p.j, 'SUCCESS', NULL);
        ELSE
            INSERT INTO expected_rows VALUES (p.id, p.name) ON CONFLICT (id) DO UPDATE SET name = excluded.name;
            INSERT INTO expected_receipts VALUES (p.k, p.j, 'SUCCESS', NULL);
        END IF;
    END LOOP;
END
$$;
SELECT status, error_type, count(*) FROM expected_receipts GROUP BY 1, 2 ORDER BY 1, 2;

-- Resume: the worker applies the 59 tasks. Each task's end is NOTIFYed (psql prints the sender's
-- pid: the notifications go to a file, counted below).
\getenv abs_builddir PG_ABS_BUILDDIR
\set notify_file :abs_builddir '/results/small_tasks_notify.txt'
LISTEN bulk_task;
\o :notify_file
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT bulk.wait(bulk_id) ->> 'status' AS last_status FROM queued WHERE k = 60;
-- The worker signals the listeners right after the commit that bulk.wait saw, and leaves the group
-- after that: once it is on no task, the notifications are out; psql reads them with this answer.
SELECT pg_temp.wait_until('NOT EXISTS (SELECT FROM bulk.workers WHERE current_task IS NOT NULL)') AS after_the_wait;
\o
UNLISTEN bulk_task;
SELECT count(*) AS notifications, count(DISTINCT substring(line FROM 'bk_[A-Za-z0-9]+')) AS distinct_tasks,
       count(*) FILTER (WHERE line LIKE '%SUCCESS%') AS success
  FROM regexp_split_to_table(pg_read_file(:'notify_file'), E'\n') AS line
 WHERE line LIKE 'Asynchronous notification "bulk_task"%';

-- One batch transaction ended them all: every task row was last written by the same transaction.
SELECT t.status, count(*) AS tasks, count(DISTINCT t.xmin::text) AS transactions,
       bool_and(t.applied_count = t.operation_count) AS all_applied
  FROM queued q JOIN bulk.tasks t USING (bulk_id) GROUP BY t.status ORDER BY t.status;

-- Exactly the receipts of applying them one at a time (and CANCELLED ones for task 30).
SELECT count(*) AS receipt_differences FROM (
    (SELECT q.k, r.seq, r.status, r.error_type FROM queued q, bulk.receipts(q.bulk_id) r WHERE q.k <> 30
     EXCEPT ALL SELECT * FROM expected_receipts)
    UNION ALL
    (SELECT * FROM expected_receipts
     EXCEPT ALL SELECT q.k, r.seq, r.status, r.error_type FROM queued q, bulk.receipts(q.bulk_id) r WHERE q.k <> 30)
) d;
SELECT r.status, count(*) FROM queued q, bulk.receipts(q.bulk_id) r WHERE q.k = 30 GROUP BY 1;
-- Exactly the rows.
SELECT count(*) AS row_differences FROM (
    (SELECT id, data ->> 'name' FROM bulk.resources WHERE type = 'item' EXCEPT SELECT * FROM expected_rows)
    UNION ALL
    (SELECT * FROM expected_rows EXCEPT SELECT id, data ->> 'name' FROM bulk.resources WHERE type = 'item')
) d;
SELECT count(*) AS item_rows FROM bulk.resources WHERE type = 'item';

-- Each task keeps its own logs: picked up by the worker, finished with its own counts.
SELECT regexp_replace(l.message, 'pid \d+', 'pid <pid>') AS message, count(*)
  FROM queued q, bulk.logs(q.bulk_id) l WHERE q.k IN (1, 20, 30, 60) GROUP BY 1 ORDER BY 1;
SELECT count(*) AS tasks_with_own_counts FROM queued q
 WHERE q.k <> 30 AND EXISTS (
   SELECT FROM bulk.logs(q.bulk_id) l
    WHERE l.message = format('finished: %s succeeded, %s failed',
                             (SELECT count(*) FROM expected_receipts e WHERE e.k = q.k AND e.status = 'SUCCESS'),
                             (SELECT count(*) FROM expected_receipts e WHERE e.k = q.k AND e.status = 'FAILURE')));

ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
DROP ROLE regress_small_revoked;
