-- Setup of bench/receipts.sh, run once on the bench's throwaway cluster, in the database the pg_bulk worker serves
-- (pg_bulk.database). psql variable :n (operations of the task). Creates the extension, a profile, the timing
-- functions and the role bench_app (a bulk_writer: row level security applies to it, as to an application),
-- then submits as bench_app one task of :n operations of which every tenth is a DELETE of a missing id (404
-- FAILURE) and the others CREATEs, and waits for the worker to apply it.
\set ON_ERROR_STOP on
SET client_min_messages = error;
CREATE EXTENSION pg_bulk;
CREATE SCHEMA bench;
RESET client_min_messages;
DO $$ BEGIN PERFORM bulk.define_profile('item', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}'); END $$;

-- Baseline: the receipts as bulk.receipts(bulk_id) read them before it moved to C: the SQL reading of the chunks
-- and receipt runs (jsonb_array_elements of each chunk, generate_series over each run) that pg_bulk 0.2 had as
-- bulk._receipt_rows (dropped in 0.3, so kept here), with the error's fields; what a user's
-- `bulk.receipts(id) WHERE status = 'FAILURE'` ran.
CREATE FUNCTION bench.sql_receipts(task_id text)
RETURNS TABLE (seq integer, action text, type text, id text, status text,
               error_code integer, error_type text, error_message text, completed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT o.seq, o.action, o.payload ->> 'type',
           coalesce(o.payload ->> 'id', CASE WHEN o.action = 'CREATE' THEN bulk._generated_id(task_id, o.seq) END),
           coalesce(r.status, CASE WHEN t.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'PENDING' END),
           (r.error ->> 'code')::integer, r.error ->> 'type', r.error ->> 'message', r.completed_at
      FROM (SELECT (c.first_operation + e.position::integer - 1) AS seq, e.op ->> 'action' AS action,
                   e.op -> lower(e.op ->> 'action') AS payload
              FROM bulk.task_operations c,
                   LATERAL jsonb_array_elements(c.operations) WITH ORDINALITY AS e(op, position)
             WHERE c.bulk_id = task_id) AS o
      CROSS JOIN (SELECT t.status FROM bulk.tasks t WHERE t.bulk_id = task_id) AS t
      LEFT JOIN (SELECT g.seq, r.status, r.error, r.completed_at
                   FROM bulk.operation_results r, LATERAL generate_series(r.seq, r.last_seq) AS g(seq)
                  WHERE r.bulk_id = task_id) AS r
             ON r.seq = o.seq
     ORDER BY o.seq
$$;

-- Reads every receipt of task `id` with a status in `statuses` (NULL: all) with bulk.receipts(bulk_ids, ...),
-- `page` rows a call, each call asking for the rows after the last row of the one before: rows read, ms.
CREATE FUNCTION bench.paged(id text, statuses text[], page integer, OUT rows bigint, OUT ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    got bigint;
    after_id text;
    after_seq integer;
BEGIN
    rows := 0;
    LOOP
        -- One task: the last row of a page is the one with the largest seq.
        SELECT count(*), max(r.seq) INTO got, after_seq
          FROM bulk.receipts(ARRAY[id], statuses, after_id, after_seq, page) r;
        rows := rows + got;
        EXIT WHEN got < page;
        after_id := id;
    END LOOP;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- Runs `query` (every row of it produced, none sent to the client): rows, ms.
CREATE FUNCTION bench.timed(query text, OUT rows bigint, OUT ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE 'SELECT count(*) FROM (' || query || ') AS q' INTO rows;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- The task's status once it is no longer PENDING (bulk.wait would build the document of every receipt).
CREATE FUNCTION bench.wait_status(id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    task_status text;
BEGIN
    LOOP
        SELECT t.status INTO task_status FROM bulk.tasks t WHERE t.bulk_id = id;
        EXIT WHEN task_status IS DISTINCT FROM 'PENDING';
        PERFORM pg_sleep(0.5);
    END LOOP;
    RETURN task_status;
END
$$;

GRANT USAGE ON SCHEMA bench TO PUBLIC;
DROP ROLE IF EXISTS bench_app;
CREATE ROLE bench_app IN ROLE bulk_writer;

-- Superuser settings, kept after SET ROLE.
SET pg_bulk.max_operations = 10000000;
SET pg_bulk.max_request_bytes = '1GB';
SET ROLE bench_app;
SELECT clock_timestamp() AS submit_started \gset
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(
           CASE WHEN i % 10 = 9
                THEN jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'item', 'id', 'missing' || i))
                ELSE jsonb_build_object('action', 'CREATE', 'create',
                                        jsonb_build_object('type', 'item', 'id', 'c' || i, 'data', jsonb_build_object('name', 'item ' || i)))
           END ORDER BY i))) ->> 'bulkId' AS bulk_id
  FROM generate_series(0, :n - 1) AS i \gset
SELECT bench.wait_status(:'bulk_id') AS status \gset
RESET ROLE;
CREATE TABLE bench.task AS SELECT :'bulk_id'::text AS bulk_id, :'status'::text AS status,
       round(extract(epoch FROM clock_timestamp() - :'submit_started'::timestamptz))::integer AS apply_seconds;
GRANT SELECT ON bench.task TO PUBLIC;
