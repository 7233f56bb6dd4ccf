-- Streamed loads (DESIGN §7 "Streamed loads"; issue 15; docs/api.md "Streamed loads"): bulk.load with
-- {"mode": "stream"} checks the staging table and the caller's privileges like a queued load, records
-- the load and returns at once; a worker then consumes the table batch by batch. Covered: the checks
-- and their errors, the answer, a second load of a table being streamed (55006), valid / invalid /
-- mixed rows of both targets, repeated ids (warnings), bulk.load_status while pending and at the end,
-- the receipts of the load's task, the order against tasks queued before and after the load
-- (DESIGN §6), rows staged while the load runs, bulk.cancel and bulk.wait by load id, and another
-- role's view. The worker starts paused (test/test.conf); the file switches it on, slows it down with
-- pg_bulk.test_apply_delay (then a streamed load takes one row per batch) for the parts that act while
-- a load runs, and leaves it paused. Ids differ from run to run: only derived values are printed.
\i sql/include/worker_on_fresh_extension.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS stream_test CASCADE;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_stream_writer') THEN
        DROP OWNED BY regress_stream_writer;
        DROP ROLE regress_stream_writer;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'regress_stream_other') THEN
        DROP OWNED BY regress_stream_other;
        DROP ROLE regress_stream_other;
    END IF;
END
$$;
CREATE SCHEMA stream_test;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/include/error_of.sql

-- A load's report (bulk.load_status) without its ids and times.
CREATE FUNCTION pg_temp.status_of(load_id text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT bulk.load_status(load_id) - 'loadId' - 'loadedAt' - 'bulkIds'
$$;

SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_profile('office', '{"properties": {"city": {"type": "symbol"}}}');
SELECT bulk.define_relationship('works_at', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                              "cardinality": "N:N", "properties": {"role": {"type": "code"}}}');

CREATE ROLE regress_stream_writer IN ROLE bulk_writer;
CREATE ROLE regress_stream_other IN ROLE bulk_writer;
GRANT USAGE ON SCHEMA stream_test TO regress_stream_writer, regress_stream_other;
CREATE TABLE stream_test.providers (action text, type text, id text, data jsonb);
CREATE TABLE stream_test.links (action text, type text, id text, from_type text, from_id text, to_type text,
                                to_id text, data jsonb);
CREATE TABLE stream_test.delete_only (action text, type text, id text, data jsonb);
CREATE TABLE stream_test.no_data (action text, type text, id text);
CREATE TABLE stream_test.parted (action text, type text, id text, data jsonb) PARTITION BY LIST (type);
GRANT SELECT, INSERT, DELETE ON stream_test.providers, stream_test.links, stream_test.no_data
    TO regress_stream_writer;
GRANT DELETE ON stream_test.delete_only TO regress_stream_writer;

-- 1. Checks made by the call, as for a queued load.
SET ROLE regress_stream_writer;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "fast"}')$$) AS bad_mode;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.providers', 'resources',
                                              '{"mode": "stream", "maxOperationsPerTask": 10}')$$) AS per_task;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.no_data', 'resources', '{"mode": "stream"}')$$) AS no_data;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.delete_only', 'resources', '{"mode": "stream"}')$$)
    AS no_select;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.providers', 'things', '{"mode": "stream"}')$$) AS target;
RESET ROLE;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.parted', 'resources', '{"mode": "stream"}')$$) AS parted;
SELECT count(*) AS loads_recorded FROM bulk.loads;

-- 2. A task queued before the load (it creates p2 first) and rows staged: valid ones, invalid ones
-- (rejected), a repeated id (a warning). The load returns at once; nothing is consumed while paused.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Before"}}}]}') ->> 'status';
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers VALUES
  ('CREATE', 'provider', 'p1', '{"name": "Ann"}'),
  ('CREATE', 'provider', 'p2', '{"name": "Bob"}'),
  ('CREATE', 'provider', 'p3', '{"name": 3}'),
  ('UPSERT', 'provider', 'p1', '{"name": "Ann 2"}'),
  ('MERGE', 'provider', 'p4', '{"name": "Dee"}'),
  ('CREATE', 'nobody', 'p5', '{}'),
  ('DELETE', 'provider', 'p9', NULL);
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') AS answer \gset
SELECT :'answer'::jsonb ->> 'loadId' AS load_id, :'answer'::jsonb #>> '{bulkIds,0}' AS load_task \gset
SELECT :'load_id' ~ '^ld_[0-9A-Za-z]{27}$' AS load_id_ok, :'load_task' ~ '^bk_[0-9A-Za-z]{27}$' AS task_ok,
       :'answer'::jsonb - 'loadId' - 'bulkIds' AS answer;
-- A second load of the table, streamed or queued, is refused while this one runs.
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}')$$)
    AS second_stream;
SELECT pg_temp.error_of($$SELECT bulk.load('stream_test.providers')$$) AS queued_meanwhile;
SELECT pg_temp.status_of(:'load_id') AS pending;
SELECT count(*) AS staged FROM stream_test.providers;
RESET ROLE;
-- A task queued after the load: its operations on p1 take effect after the load's.
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "After"}}}]}') ->> 'bulkId'
    AS after_task \gset
SELECT bulk_id = :'load_task' AS is_load_task, operation_count, applied_count, percent_done
  FROM bulk.queue ORDER BY queue_position;

-- 3. The worker consumes it.
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SET ROLE regress_stream_writer;
SELECT bulk.wait(:'load_id', '60 seconds') ->> 'status' AS load_task_status;
SELECT pg_temp.status_of(:'load_id') AS finished;
SELECT count(*) AS staged FROM stream_test.providers;
SELECT seq, action, type, id, status, error_type, error_message, version FROM bulk.receipts(:'load_task');
SELECT r.position, r.row_identity, r.operation, r.error ->> 'type' AS error
  FROM bulk.load_rejects r WHERE r.load_id = :'load_id' ORDER BY r.position;
RESET ROLE;
SELECT bulk.wait(:'after_task') ->> 'status' AS after_task_status;
SELECT seq, action, id, status, version FROM bulk.receipts(:'after_task');
SELECT id, data ->> 'name' AS name, version FROM bulk.resources ORDER BY id;
SELECT regexp_replace(message, 'ld_[0-9A-Za-z]{27}', 'ld_<id>') AS message
  FROM bulk.logs(:'load_task') WHERE message !~ 'picked up' ORDER BY at;

-- 4. Relationships: a valid link, one to a missing office (NOT_FOUND when applied), one of an unknown
-- type (rejected).
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o1", "data": {"city": "Durban"}}}]}') ->> 'bulkId'
    AS office_task \gset
SELECT bulk.wait(:'office_task') ->> 'status' AS office_status;
SET ROLE regress_stream_writer;
INSERT INTO stream_test.links VALUES
  ('CREATE', 'works_at', 'w1', 'provider', 'p1', 'office', 'o1', '{"role": "GP"}'),
  ('CREATE', 'works_at', 'w2', 'provider', 'p2', 'office', 'o9', NULL),
  ('CREATE', 'lives_at', 'w3', 'provider', 'p2', 'office', 'o1', NULL);
SELECT bulk.load('stream_test.links', 'relationships', '{"mode": "stream"}') ->> 'loadId' AS links_load \gset
SELECT bulk.wait(:'links_load', '60 seconds') ->> 'status' AS links_status;
SELECT pg_temp.status_of(:'links_load') - 'failures' AS links_report;
SELECT seq, action, type, id, status, error_type FROM bulk.receipts(bulk.load_status(:'links_load') #>> '{bulkIds,0}');
RESET ROLE;
SELECT type, id, from_id, to_id, data FROM bulk.relationships;

-- 5. Rows staged while the load runs are consumed too. The load is paused in the transaction that
-- starts it (bulk.pause: the workers leave it queued), rows are staged, then it resumes. (Rows staged
-- while a worker is in the middle of a load: test/isolation/specs/stream_race.spec.)
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers SELECT 'CREATE', 'provider', 'r' || i, jsonb_build_object('name', 'R' || i)
  FROM generate_series(1, 10) i;
RESET ROLE;
BEGIN;
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS running_load \gset
SELECT bulk.pause(bulk.load_status(:'running_load') #>> '{bulkIds,0}') ->> 'paused' AS paused;
COMMIT;
INSERT INTO stream_test.providers SELECT 'CREATE', 'provider', 'r' || i, jsonb_build_object('name', 'R' || i)
  FROM generate_series(11, 15) i;
SELECT bulk.load_status(:'running_load') ->> 'status' AS status, bulk.load_status(:'running_load') -> 'records' AS records;
SELECT bulk.resume(bulk.load_status(:'running_load') #>> '{bulkIds,0}') ->> 'paused' AS paused;
SELECT bulk.wait(:'running_load', '60 seconds') ->> 'status' AS running_status;
SELECT (bulk.load_status(:'running_load') ->> 'records')::int AS records,
       (SELECT count(*) FROM stream_test.providers) AS staged,
       (SELECT count(*) FROM bulk.resources WHERE id ~ '^r\d+$') AS stored;

-- 6. Cancel by load id: the rows not consumed stay staged; each row is either applied or staged. A slow
-- worker (pg_bulk.test_apply_delay) takes one row per batch.
ALTER SYSTEM SET pg_bulk.test_apply_delay = 20;
ALTER SYSTEM SET pg_bulk.max_workers = 2;  -- below: a second worker is free
SELECT pg_reload_conf();
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers SELECT 'CREATE', 'provider', 'c' || i, jsonb_build_object('name', 'C' || i)
  FROM generate_series(1, 1000) i;
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS cancelled_load \gset
SELECT pg_temp.wait_until(format($$(bulk.load_status(%L) ->> 'operationsApplied')::int >= 3$$, :'cancelled_load'))
    AS consuming;
-- With a second worker free, a task queued meanwhile still waits for the load, which conflicts with
-- every task (docs/design.md "Streamed loads"); bulk.queue says so.
RESET ROLE;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o2", "data": {"city": "Pretoria"}}}]}') ->> 'bulkId'
    AS held_task \gset
SELECT pg_temp.wait_until(format($$(SELECT waits_for = bulk.load_status(%L) #>> '{bulkIds,0}'
                                      FROM bulk.queue WHERE bulk_id = %L)$$, :'cancelled_load', :'held_task'))
    AS held_back_by_the_load;
SELECT status FROM bulk.tasks WHERE bulk_id = :'held_task';
SET ROLE regress_stream_writer;
SELECT bulk.cancel(:'cancelled_load') ->> 'status' AS cancel_answer;
SELECT bulk.wait(:'cancelled_load') ->> 'status' AS after_cancel;
SELECT bulk.load_status(:'cancelled_load') ->> 'status' AS load_status;
SELECT (SELECT count(*) FROM bulk.resources WHERE id ~ '^c\d+$') = (bulk.load_status(:'cancelled_load') ->> 'operationsApplied')::int
         AS applied_are_stored,
       (SELECT count(*) FROM bulk.resources WHERE id ~ '^c\d+$') + (SELECT count(*) FROM stream_test.providers) = 1000
         AS applied_or_staged,
       NOT EXISTS (SELECT FROM stream_test.providers s JOIN bulk.resources r ON r.id = s.id) AS never_both;
-- Another role sees neither the load nor its task.
RESET ROLE;
SET ROLE regress_stream_other;
SELECT pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'cancelled_load')) AS other_status;
SELECT pg_temp.error_of(format('SELECT bulk.cancel(%L)', :'cancelled_load')) AS other_cancel;
SELECT pg_temp.error_of($$SELECT bulk.wait('ld_nothing')$$) AS unknown_wait;
RESET ROLE;
SELECT bulk.wait(:'held_task') ->> 'status' AS held_task_after_cancel;
-- After the cancel a new streamed load of the table consumes the rest.
ALTER SYSTEM RESET pg_bulk.max_workers;
ALTER SYSTEM RESET pg_bulk.test_apply_delay;
SELECT pg_reload_conf();
SET ROLE regress_stream_writer;
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS rest_load \gset
SELECT bulk.wait(:'rest_load', '60 seconds') ->> 'status' AS rest_status;
SELECT (SELECT count(*) FROM bulk.resources WHERE id ~ '^c\d+$') AS c_stored,
       (SELECT count(*) FROM stream_test.providers) AS staged;
-- A streamed load that finds nothing staged records nothing, like a queued one.
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') AS empty_answer;
RESET ROLE;

-- 7. A trigger of the staging table runs in the worker as the load's role: its setting changes are undone
-- (default_transaction_read_only would otherwise stay on in the worker's session and fail every later batch).
CREATE FUNCTION stream_test.meddle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('default_transaction_read_only', 'on', false);
    RETURN OLD;
END
$$;
CREATE TRIGGER meddle BEFORE DELETE ON stream_test.providers FOR EACH ROW EXECUTE FUNCTION stream_test.meddle();
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers SELECT 'CREATE', 'provider', 't' || i, jsonb_build_object('name', 'T' || i)
  FROM generate_series(1, 3) i;
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS trigger_load \gset
SELECT bulk.wait(:'trigger_load', '60 seconds') ->> 'status' AS trigger_load_status;
RESET ROLE;
DROP TRIGGER meddle ON stream_test.providers;
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers SELECT 'CREATE', 'provider', 'u' || i, jsonb_build_object('name', 'U' || i)
  FROM generate_series(1, 3) i;
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS after_trigger \gset
SELECT bulk.wait(:'after_trigger', '60 seconds') ->> 'status' AS after_trigger_status;
SELECT count(*) AS stored FROM bulk.resources WHERE id ~ '^[tu]\d$';
-- Neither load interrupted its worker (a read-only worker session would fail outside its batches, and exit).
SELECT count(*) AS interruptions
  FROM unnest(ARRAY[:'trigger_load', :'after_trigger']) AS l(load_id),
       bulk.logs(bulk.load_status(l.load_id) #>> '{bulkIds,0}') AS g
 WHERE g.message LIKE '%interruption%';
-- A trigger that refuses the DELETE stops the load (FAILURE, saying why); its rows stay staged.
RESET ROLE;
CREATE FUNCTION stream_test.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'staged rows are kept for the audit';
END
$$;
CREATE TRIGGER refuse BEFORE DELETE ON stream_test.providers FOR EACH ROW EXECUTE FUNCTION stream_test.refuse();
SET ROLE regress_stream_writer;
INSERT INTO stream_test.providers VALUES ('CREATE', 'provider', 'v1', '{"name": "V"}');
SELECT bulk.load('stream_test.providers', 'resources', '{"mode": "stream"}') ->> 'loadId' AS refused_load \gset
SELECT bulk.wait(:'refused_load', '60 seconds') ->> 'status' AS refused_status;
SELECT level, message FROM bulk.logs(bulk.load_status(:'refused_load') #>> '{bulkIds,0}')
 WHERE level <> 'INFO' OR message LIKE 'failed%' ORDER BY at;
SELECT count(*) AS still_staged FROM stream_test.providers;
RESET ROLE;
DROP TRIGGER refuse ON stream_test.providers;
SELECT mode, count(*) FROM bulk.loads GROUP BY mode ORDER BY mode;

-- Back to the configuration of the test instance: paused.
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;

DROP SCHEMA stream_test CASCADE;
DROP EXTENSION pg_bulk CASCADE;
DROP ROLE regress_stream_writer, regress_stream_other;
