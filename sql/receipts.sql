-- Receipts in bulk (DESIGN §5; issue 13): bulk.receipts(bulk_ids text[], statuses, after_bulk_id,
-- after_seq, max_rows) — the receipts of several tasks in one call, filtered by status and paged by
-- (bulk_id, seq) — and the one-task bulk.receipts(bulk_id), both read in C from the stored chunks and
-- receipt runs. The worker starts paused (test/test.conf); this file switches it on, waits with
-- bulk.wait, and leaves it paused. Bulk ids differ from run to run: only derived values are printed.
\i sql/include/worker_on_fresh_extension.sql
SET client_min_messages = warning;
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['regress_receipts_owner', 'regress_receipts_other'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('DROP OWNED BY %I', role_name);
            EXECUTE format('DROP ROLE %I', role_name);
        END IF;
    END LOOP;
END
$$;
RESET client_min_messages;
\set VERBOSITY terse

-- SQLSTATE and message of a statement, bulk ids masked.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'bk_[A-Za-z0-9]+', 'bk_<id>', 'g');
END
$$;

-- Every page of a paged read, max_rows at a time, each page asked after the last row of the one
-- before: (page, bulk_id, seq, status) in order.
CREATE FUNCTION pg_temp.pages(bulk_ids text[], statuses text[], max_rows integer)
RETURNS TABLE (page integer, bulk_id text, seq integer, status text) LANGUAGE plpgsql AS $$
DECLARE
    last_id text;
    last_seq integer;
    got integer;
BEGIN
    page := 0;
    LOOP
        page := page + 1;
        got := 0;
        FOR bulk_id, seq, status IN
            SELECT r.bulk_id, r.seq, r.status FROM bulk.receipts(pages.bulk_ids, pages.statuses, last_id, last_seq, max_rows) r
        LOOP
            got := got + 1;
            last_id := bulk_id;
            last_seq := seq;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN got < max_rows;
    END LOOP;
END
$$;

-- Whether the worker is paused, waiting up to 30 seconds for it.
CREATE FUNCTION pg_temp.wait_paused() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '30 seconds';
BEGIN
    WHILE NOT EXISTS (SELECT FROM bulk.workers WHERE paused) AND clock_timestamp() < deadline LOOP
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN EXISTS (SELECT FROM bulk.workers WHERE paused);
END
$$;

SELECT bulk.define_profile('item', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');

-------------------------------------------------------------------------------------------------
-- Tasks the paused worker has not applied: every receipt PENDING, or CANCELLED once cancelled; the
-- id a CREATE without one gets is shown before it runs.
-------------------------------------------------------------------------------------------------
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "item", "id": "q0", "data": {"name": "q0"}}},
  {"action": "CREATE", "create": {"type": "item", "data": {"name": "no id"}}},
  {"action": "DELETE", "delete": {"type": "item", "id": "q2"}}]}') ->> 'bulkId' AS queued \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "item", "id": "c0", "data": {"name": "c0"}}},
  {"action": "CREATE", "create": {"type": "item", "data": {"name": "no id"}}}]}') ->> 'bulkId' AS cancelled \gset
SELECT bulk.cancel(:'cancelled') ->> 'status' AS cancelled_status;
SELECT bulk_id = :'queued' AS queued_task, seq, action, type,
       CASE WHEN id = bulk._generated_id(bulk_id, seq) THEN '<generated>' ELSE id END AS id, status,
       error_code, error_type, error_message, completed_at
  FROM bulk.receipts(ARRAY[:'queued', :'cancelled']);
-- The unfinished status of each task is the one selected.
SELECT bulk_id = :'queued' AS queued_task, seq, status
  FROM bulk.receipts(ARRAY[:'queued', :'cancelled'], ARRAY['PENDING']);
SELECT bulk_id = :'queued' AS queued_task, seq, status
  FROM bulk.receipts(ARRAY[:'queued', :'cancelled'], ARRAY['CANCELLED']);
SELECT count(*) AS finished_receipts
  FROM bulk.receipts(ARRAY[:'queued', :'cancelled'], ARRAY['SUCCESS', 'FAILURE']);

-- A task with some final receipts and gaps, as a worker interrupted mid-task leaves it: receipt rows
-- are written here by hand (operations 2..4 SUCCESS, 7 FAILURE), the worker being paused. Every status
-- filter gives exactly the rows of its statuses: PENDING in the gaps, then CANCELLED once the task is
-- cancelled.
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'item', 'id', 'g' || i,
         'data', jsonb_build_object('name', 'g' || i))) ORDER BY i))) ->> 'bulkId' AS gaps
  FROM generate_series(0, 9) i \gset
INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error)
VALUES (:'gaps', 2, 4, 'SUCCESS', NULL),
       (:'gaps', 7, 7, 'FAILURE', '{"code": 409, "type": "CONFLICT", "message": "made up"}');
-- Each status filter's rows, as seq id status[ error type].
CREATE FUNCTION pg_temp.receipts_of(bulk_id text, statuses text[]) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(n.seq || ' ' || n.id || ' ' || n.status || coalesce(' ' || n.error_type, ''), ', ' ORDER BY n.seq)
      FROM bulk.receipts(ARRAY[$1], $2, max_rows => 100000) n
$$;
SELECT s.statuses, pg_temp.receipts_of(:'gaps', s.statuses) AS pending_task_receipts
  FROM (VALUES (NULL::text[]), ('{PENDING}'), ('{SUCCESS}'), ('{FAILURE}'), ('{CANCELLED}'),
               ('{FAILURE,PENDING}')) AS s(statuses);
SELECT seq, status, error_type FROM bulk.receipts(ARRAY[:'gaps'], ARRAY['SUCCESS', 'FAILURE']);
SELECT seq, status FROM bulk.receipts(ARRAY[:'gaps'], ARRAY['PENDING'], :'gaps', 3, 3);
SELECT bulk.cancel(:'gaps') ->> 'status' AS gaps_status;
SELECT s.statuses, pg_temp.receipts_of(:'gaps', s.statuses) AS cancelled_task_receipts
  FROM (VALUES (NULL::text[]), ('{PENDING}'), ('{SUCCESS}'), ('{CANCELLED}'), ('{CANCELLED,FAILURE}')) AS s(statuses);

-------------------------------------------------------------------------------------------------
-- Two applied tasks with failures: `many` (2,500 operations, three chunks: every tenth a DELETE of a
-- missing item → 404, every 500th a CREATE without id) and `few` (30 CREATEs, every third of an item
-- `many` created → 409).
-------------------------------------------------------------------------------------------------
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(
         CASE WHEN i % 10 = 5 THEN jsonb_build_object('action', 'DELETE', 'delete',
                                                      jsonb_build_object('type', 'item', 'id', 'missing' || i))
              WHEN i % 500 = 1 THEN jsonb_build_object('action', 'CREATE', 'create',
                                                       jsonb_build_object('type', 'item', 'data', '{"name": "x"}'::jsonb))
              ELSE jsonb_build_object('action', 'CREATE', 'create',
                                      jsonb_build_object('type', 'item', 'id', 'm' || i, 'data', '{"name": "x"}'::jsonb))
         END ORDER BY i))) ->> 'bulkId' AS many
  FROM generate_series(0, 2499) i \gset
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'item',
         'id', CASE WHEN i % 3 = 0 THEN 'm' || i ELSE 'f' || i END, 'data', '{"name": "y"}'::jsonb)) ORDER BY i)))
         ->> 'bulkId' AS few
  FROM generate_series(0, 29) i \gset
SELECT bulk.wait(:'many') ->> 'status' AS many_status, bulk.wait(:'few') ->> 'status' AS few_status;

-- The one-task function: every operation once, the failures and generated ids where the request put them.
SELECT count(*) AS many_rows, count(*) FILTER (WHERE status = 'FAILURE') AS many_failures,
       bool_and(id = bulk._generated_id(:'many', seq)) FILTER (WHERE seq % 500 = 1) AS generated_ids,
       count(*) FILTER (WHERE seq % 500 = 1) AS created_without_id
  FROM bulk.receipts(:'many');
-- The many-task function, whatever the statuses: exactly the rows of those statuses, each as the requests
-- make it (in `many` every tenth operation a 404 of 'missing<seq>', every 500th a generated id; in `few`
-- every third a 409, unless `many` deleted that id instead of creating it).
SELECT s.statuses,
       (SELECT count(*) FROM bulk.receipts(ARRAY[:'many'], s.statuses, max_rows => 100000)) AS many_rows,
       (SELECT bool_and(CASE WHEN seq % 10 = 5 THEN status = 'FAILURE' AND error_code = 404 AND id = 'missing' || seq
                             ELSE status = 'SUCCESS' AND error_code IS NULL
                                  AND id = CASE WHEN seq % 500 = 1 THEN bulk._generated_id(:'many', seq) ELSE 'm' || seq END
                        END)
          FROM bulk.receipts(ARRAY[:'many'], s.statuses, max_rows => 100000)) AS many_as_requested,
       (SELECT count(*) FROM bulk.receipts(ARRAY[:'few'], s.statuses, max_rows => 100000)) AS few_rows,
       (SELECT bool_and(CASE WHEN seq % 3 = 0 AND seq % 10 <> 5 THEN status = 'FAILURE' AND error_code = 409 AND id = 'm' || seq
                             ELSE status = 'SUCCESS' AND error_code IS NULL
                                  AND id = CASE WHEN seq % 3 = 0 THEN 'm' || seq ELSE 'f' || seq END END)
          FROM bulk.receipts(ARRAY[:'few'], s.statuses, max_rows => 100000)) AS few_as_requested
  FROM (VALUES (NULL::text[]), ('{FAILURE}'), ('{SUCCESS}'), ('{PENDING,CANCELLED}')) AS s(statuses);

-- Tasks in the order given, each once; a task's rows by seq.
SELECT bulk_id = :'few' AS few_task, count(*) AS failures, min(seq) AS first_seq, max(seq) AS last_seq,
       min(error_code) AS error_code, min(error_type) AS error_type, min(ord) AS first_row
  FROM bulk.receipts(ARRAY[:'few', :'many', :'few'], ARRAY['FAILURE'], max_rows => 100000) WITH ORDINALITY
       AS r(bulk_id, seq, a, b, c, d, error_code, error_type, g, h, version, ord)
 GROUP BY bulk_id ORDER BY min(ord);
SELECT bulk_id = :'few' AS few_task, seq, action, type, id, status, error_code, error_type, error_message,
       completed_at IS NOT NULL AS completed
  FROM bulk.receipts(ARRAY[:'few', :'many'], ARRAY['FAILURE'], max_rows => 4);
SELECT bool_and(seq > prev) AS ordered_by_seq
  FROM (SELECT seq, lag(seq, 1, -1) OVER (PARTITION BY bulk_id ORDER BY ord) AS prev
          FROM bulk.receipts(ARRAY[:'many'], NULL, max_rows => 100000) WITH ORDINALITY AS r(bulk_id, seq, a, b, c, d, e, f, g, h, version, ord)) s;

-- Paging: 7 failures a page across the boundary between `few` and `many`; the pages together are the
-- one-call answer.
SELECT page, bulk_id = :'few' AS few_task, seq, status
  FROM pg_temp.pages(ARRAY[:'few', :'many'], ARRAY['FAILURE'], 7) WHERE page BETWEEN 1 AND 3;
SELECT count(DISTINCT page) AS pages, count(*) AS rows,
       array_agg(bulk_id || ':' || seq ORDER BY page, ord) = (
           SELECT array_agg(bulk_id || ':' || seq ORDER BY ord)
             FROM bulk.receipts(ARRAY[:'few', :'many'], ARRAY['FAILURE'], max_rows => 100000) WITH ORDINALITY
                  AS r(bulk_id, seq, a, b, c, d, e, f, g, h, ord)) AS pages_equal_one_call
  FROM pg_temp.pages(ARRAY[:'few', :'many'], ARRAY['FAILURE'], 7) WITH ORDINALITY AS p(page, bulk_id, seq, status, ord);
-- Every status, 1000 a page: pages end inside chunks and runs.
SELECT count(DISTINCT page) AS pages, count(*) AS rows, count(DISTINCT (bulk_id, seq)) AS distinct_rows
  FROM pg_temp.pages(ARRAY[:'many', :'few'], NULL, 1000);
-- After the last operation of a task: the next task; after the last task: nothing.
SELECT bulk_id = :'few' AS few_task, seq FROM bulk.receipts(ARRAY[:'many', :'few'], NULL, :'many', 2499, 2);
SELECT bulk_id = :'few' AS few_task, seq FROM bulk.receipts(ARRAY[:'many', :'few'], NULL, :'many', 2147483647, 1);
SELECT count(*) AS after_the_end FROM bulk.receipts(ARRAY[:'many', :'few'], NULL, :'few', 29);
SELECT bulk_id = :'many' AS many_task, seq FROM bulk.receipts(ARRAY[:'many'], ARRAY['FAILURE'], :'many', -10, 2);
-- Empty answers: no statuses, no ids, NULL ids (as STRICT would). An untyped literal is taken for the
-- one-task bulk.receipts(text): arrays are written ARRAY[...] or '{...}'::text[].
SELECT count(*) AS no_statuses FROM bulk.receipts(ARRAY[:'many'], '{}');
SELECT count(*) AS no_ids FROM bulk.receipts('{}'::text[]);
SELECT count(*) AS null_ids FROM bulk.receipts(NULL::text[]);
SELECT pg_temp.error_of($$SELECT * FROM bulk.receipts('{}')$$) AS untyped_literal;

-------------------------------------------------------------------------------------------------
-- Invalid arguments: 22023 naming what is wrong; unknown tasks: P0002, as every function taking a
-- bulk id. Arguments are checked before the tasks.
-------------------------------------------------------------------------------------------------
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], %L)', ARRAY[:'many'], s)) AS bad_statuses
  FROM (VALUES ('{FAILED}'::text[]), ('{FAILURE,success}'), ('{NULL}')) AS v(s);
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], max_rows => %s)', ARRAY[:'many'], m)) AS bad_max_rows
  FROM (VALUES ('0'), ('100001'), ('-1'), ('NULL')) AS v(m);
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[])', ARRAY[:'many', NULL])) AS null_id;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], NULL, %L, 3)', ARRAY[:'many'], :'few')) AS after_other_task;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], NULL, %L)', ARRAY[:'many'], :'many')) AS after_id_alone;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], after_seq => 3)', ARRAY[:'many'])) AS after_seq_alone;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[])', ARRAY[:'many', 'no-such-task'])) AS unknown_task;
SELECT pg_temp.error_of($$SELECT * FROM bulk.receipts('no-such-task')$$) AS unknown_task_one;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[], max_rows => 0)', ARRAY['no-such-task'])) AS arguments_first;

-------------------------------------------------------------------------------------------------
-- Another role's task looks unknown (row level security of bulk.tasks decides); the superuser sees
-- every task.
-------------------------------------------------------------------------------------------------
CREATE ROLE regress_receipts_owner IN ROLE bulk_writer;
CREATE ROLE regress_receipts_other IN ROLE bulk_writer;
SET ROLE regress_receipts_owner;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "item", "id": "own", "data": {"name": "own"}}}]}') ->> 'bulkId' AS own \gset
SELECT bulk.wait(:'own') ->> 'status' AS own_status;
SELECT seq, id, status FROM bulk.receipts(ARRAY[:'own']);
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[])', ARRAY[:'own', :'few'])) AS superuser_task;
RESET ROLE;
SET ROLE regress_receipts_other;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L::text[])', ARRAY[:'own'])) AS other_role_task;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(%L)', :'own')) AS other_role_task_one;
RESET ROLE;
SELECT bulk_id = :'own' AS own_task, seq, id, status FROM bulk.receipts(ARRAY[:'own', :'few'], max_rows => 2);

-------------------------------------------------------------------------------------------------
-- Back to the configuration of the test instance: paused.
-------------------------------------------------------------------------------------------------
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_paused() AS worker_paused;
DROP OWNED BY regress_receipts_owner;
DROP OWNED BY regress_receipts_other;
DROP ROLE regress_receipts_owner;
DROP ROLE regress_receipts_other;
