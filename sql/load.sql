-- Bulk loads from staging tables (DESIGN §7; issue 5; docs/api.md "Bulk loads from staging tables"):
-- bulk.load over valid, invalid and mixed staging tables for both targets, the answer, the tasks
-- and operations it submits, bulk.load_rejects, duplicate-id warnings, the consumed-rows guarantee
-- (deleted in the caller's transaction: a second load finds nothing, a rolled-back load leaves the
-- rows and submits nothing), the staging table's shape checks, the options, roles, and
-- bulk.load_status before and after the worker applied the tasks.
-- The test configuration starts the worker paused (pg_bulk.enabled = off); the last part switches
-- it on with ALTER SYSTEM + reload, waits for it with bounded polls and bulk.wait, and the file
-- leaves it paused. Load ids, bulk ids and generated ids differ from run to run: only derived
-- values (booleans, counts, masks) are printed. Row identities (ctid) are stable: every staging
-- table is filled once, in order, and never updated.
\i sql/include/worker_on_fresh_extension.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS load_test CASCADE;
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['regress_load_writer', 'regress_load_other', 'regress_load_admin'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('DROP OWNED BY %I', role_name);
            EXECUTE format('DROP ROLE %I', role_name);
        END IF;
    END LOOP;
END
$$;
CREATE SCHEMA load_test;
RESET client_min_messages;
\set VERBOSITY terse

-- Runs a statement; answers 'no error' or "SQLSTATE: message".
\i sql/include/error_of.sql

-- The figures of a load's answer: whether the load id and every bulk id look right, the counts, how
-- many failures and warnings are listed, how many tasks were submitted, and the answer's keys.
CREATE FUNCTION pg_temp.counts(answer jsonb)
RETURNS TABLE (load_id_ok boolean, target text, records bigint, submitted bigint, failure_count bigint,
               failures_listed integer, warning_count bigint, warnings_listed integer, tasks integer,
               bulk_ids_ok boolean, keys text) LANGUAGE sql AS $$
    SELECT answer ->> 'loadId' ~ '^ld_[0-9A-Za-z]{27}$', answer ->> 'target', (answer ->> 'records')::bigint,
           (answer ->> 'submitted')::bigint, (answer ->> 'failureCount')::bigint,
           jsonb_array_length(answer -> 'failures'), (answer ->> 'warningCount')::bigint,
           jsonb_array_length(answer -> 'warnings'), jsonb_array_length(answer -> 'bulkIds'),
           coalesce((SELECT bool_and(b ~ '^bk_[0-9A-Za-z]{27}$')
                       FROM jsonb_array_elements_text(answer -> 'bulkIds') b), true),
           (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(answer) k)
$$;

-- The failures a load's answer lists, in order.
CREATE FUNCTION pg_temp.failures(answer jsonb)
RETURNS TABLE ("row" text, code integer, type text, message text) LANGUAGE sql AS $$
    SELECT (f - 'error')::text, (f #>> '{error,code}')::integer, f #>> '{error,type}', f #>> '{error,message}'
      FROM jsonb_array_elements(answer -> 'failures') WITH ORDINALITY AS e(f, n) ORDER BY n
$$;

-- The warnings a load's answer lists, in order.
CREATE FUNCTION pg_temp.warnings(answer jsonb) RETURNS TABLE ("row" text, message text) LANGUAGE sql AS $$
    SELECT (w - 'message')::text, w ->> 'message'
      FROM jsonb_array_elements(answer -> 'warnings') WITH ORDINALITY AS e(w, n) ORDER BY n
$$;

-- The tasks a load submitted, in the order of its bulkIds: target, status, operation count, whether the
-- current user submitted it, its queue order agrees with bulkIds, and its log says which load made it.
CREATE FUNCTION pg_temp.tasks(answer jsonb)
RETURNS TABLE (task bigint, target text, status text, operation_count integer, submitted_by_me boolean,
               in_queue_order boolean, log text) LANGUAGE sql AS $$
    SELECT b.n, t.target, t.status, t.operation_count, t.submitted_by = (SELECT oid FROM pg_roles WHERE rolname = current_user),
           t.queue_position > coalesce(lag(t.queue_position) OVER (ORDER BY b.n), 0),
           replace((SELECT string_agg(l.message, '; ' ORDER BY l.at) FROM bulk.logs(t.bulk_id) l
                     WHERE l.message LIKE 'accepted%'), answer ->> 'loadId', '<load>')
      FROM jsonb_array_elements_text(answer -> 'bulkIds') WITH ORDINALITY AS b(id, n)
      JOIN bulk.tasks t ON t.bulk_id = b.id
     ORDER BY b.n
$$;

-- The operations a load submitted, in task and operation order, as stored (bulk.task_operations).
CREATE FUNCTION pg_temp.operations(answer jsonb) RETURNS TABLE (task bigint, seq integer, operation jsonb)
LANGUAGE sql AS $$
    SELECT b.n, c.first_operation + e.n::integer - 1, e.op
      FROM jsonb_array_elements_text(answer -> 'bulkIds') WITH ORDINALITY AS b(id, n)
      JOIN bulk.task_operations c ON c.bulk_id = b.id,
           jsonb_array_elements(c.operations) WITH ORDINALITY AS e(op, n)
     ORDER BY b.n, c.first_operation, e.n
$$;

-- The rows of bulk.load_rejects of a load, in order, with the load id checked.
CREATE FUNCTION pg_temp.rejects(answer jsonb)
RETURNS TABLE (row_identity text, operation jsonb, error_type text, error_message text) LANGUAGE sql AS $$
    SELECT r.row_identity, r.operation, r.error ->> 'type', r.error ->> 'message'
      FROM bulk.load_rejects r WHERE r.load_id = answer ->> 'loadId' ORDER BY r.position
$$;

-- bulk.load_status of a load without its load id, time and bulk ids (checked against the answer instead).
CREATE FUNCTION pg_temp.status(answer jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT s - 'loadId' - 'loadedAt' - 'bulkIds'
           || jsonb_build_object('loadId_matches', s -> 'loadId' = answer -> 'loadId',
                                 'bulkIds_match', s -> 'bulkIds' = answer -> 'bulkIds',
                                 'loadedAt_is_time', (s ->> 'loadedAt')::timestamptz <= now())
      FROM bulk.load_status(answer ->> 'loadId') s
$$;

-- Profiles and a relationship definition (DESIGN §2).
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code", "rules": {"required": true}}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 20}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}}},
  "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}}}');
SELECT bulk.define_relationship('worksAt', '{
  "from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:N",
  "properties": {"since": {"type": "date"}}}');

-------------------------------------------------------------------------------------------------
-- A valid staging table of resources, with the optional columns (contained as json, meta as
-- jsonb), varchar text columns and a column bulk.load ignores. Every row becomes the operation a
-- client would have sent; NULL columns are absent (a CREATE without id gets a generated id).
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.valid (
    action varchar(10), type varchar, id text, data jsonb, contained json, meta jsonb, note text);
INSERT INTO load_test.valid VALUES
  ('CREATE', 'provider', 'v1', '{"name": "Ann", "practiceNumber": 1}', NULL, NULL, 'plain'),
  ('CREATE', 'provider', 'v2', '{"name": "Bob"}', '{"openingHours": [{"data": {"day": "Mon"}}]}',
   '{"source": "nightly"}', 'contained and meta'),
  ('UPSERT', 'provider', 'v3', '{"name": "Cy"}', NULL, '{}', 'upsert'),
  ('CREATE', 'provider', NULL, '{"name": "No id"}', NULL, NULL, 'generated id'),
  ('CREATE', 'office', 'o1', '{"name": "Main street"}', NULL, NULL, 'another profile'),
  ('CREATE', 'office', 'o2', '{}', NULL, NULL, 'empty data object'),
  ('CREATE', 'office', 'o3', '{"name": ""}', NULL, NULL, 'an empty string property: a symbol may be empty'),
  ('DELETE', 'provider', 'gone', NULL, NULL, NULL, 'delete: no data'),
  ('DELETE', 'provider', 'gone2', '{"ignored": true}', NULL, NULL, 'delete: data is not read');
SELECT bulk.load('load_test.valid') AS answer \gset
SELECT * FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.tasks(:'answer');
SELECT task, seq, CASE WHEN seq = 3 THEN operation #- '{create,id}' ELSE operation END AS operation,
       seq = 3 AND NOT operation -> 'create' ? 'id' AS id_left_to_the_worker
  FROM pg_temp.operations(:'answer');
-- Consumed rows are gone; the load is recorded.
SELECT count(*) AS left_in_staging FROM load_test.valid;
SELECT source, target, submitted_by = 'postgres'::regrole AS by_postgres, records, submitted, failure_count,
       warning_count, failures, warnings, cardinality(bulk_ids) AS tasks
  FROM bulk.loads WHERE load_id = :'answer'::jsonb ->> 'loadId';
-- load_status while the worker is paused: the tasks are PENDING.
SELECT jsonb_pretty(pg_temp.status(:'answer')) AS load_status;
-- A second load of the same table finds nothing to do: no task, no load id, nothing kept (a load
-- scheduled every minute does not add a row each time it finds nothing).
SELECT count(*) AS loads_before FROM bulk.loads \gset
SELECT bulk.load('load_test.valid') AS again \gset
SELECT :'again'::jsonb AS empty_answer;
SELECT count(*) - :loads_before AS loads_added FROM bulk.loads;
\set valid_answer :answer
-- The source is named as regclass prints it (quoted where needed), and read and deleted through that name.
CREATE TABLE load_test."Nightly Providers" ("action" text, "type" text, "id" text, "data" jsonb);
INSERT INTO load_test."Nightly Providers" VALUES ('UPSERT', 'provider', 'v3', '{"name": "Cy"}');
SELECT bulk.load('load_test."Nightly Providers"') AS answer \gset
SELECT records, submitted, tasks FROM pg_temp.counts(:'answer');
SELECT pg_temp.status(:'answer') ->> 'source' AS source, count(*) AS left_in_staging FROM load_test."Nightly Providers";

-------------------------------------------------------------------------------------------------
-- Invalid rows: NULLs, empty strings, non-object data, unknown actions and types, bad ids,
-- profile violations. Every one is a failure (with its ctid and error), none stops the load, none
-- is a crash; they move to bulk.load_rejects and leave the staging table; no task is submitted.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.invalid (action text, type text, id text, data jsonb);
INSERT INTO load_test.invalid VALUES
  (NULL, 'provider', 'i1', '{"name": "x"}'),
  ('CREATE', NULL, 'i2', '{"name": "x"}'),
  ('UPSERT', 'provider', NULL, '{"name": "x"}'),
  ('CREATE', 'provider', 'i4', NULL),
  ('DELETE', 'provider', NULL, NULL),
  ('', 'provider', 'i6', '{"name": "x"}'),
  ('CREATE', '', 'i7', '{"name": "x"}'),
  ('CREATE', 'provider', '', '{"name": "x"}'),
  ('CREATE', 'provider', 'i9', '{"name": "x", "practiceNumber": "7"}'),
  ('CREATE', 'provider', 'i10', '[{"name": "x"}]'),
  ('CREATE', 'provider', 'i11', '"x"'),
  ('CREATE', 'provider', 'i12', '42'),
  ('CREATE', 'provider', 'i13', 'null'),
  ('create', 'provider', 'i14', '{"name": "x"}'),
  ('MERGE', 'provider', 'i15', '{"name": "x"}'),
  ('CREATE', 'patient', 'i16', '{"name": "x"}'),
  ('CREATE', 'hours', 'i17', '{"day": "Mon"}'),
  ('CREATE', 'provider', 'bad id', '{"name": "x"}'),
  ('CREATE', 'provider', 'i19', '{"name": "x", "colour": "red"}'),
  ('CREATE', 'provider', 'i20', '{"name": "much too long for twenty"}'),
  ('CREATE', 'provider', 'i21', '{"name": "x", "practiceNumber": -1}'),
  ('CREATE', 'provider', 'i22', '{"practiceNumber": 1}'),
  ('CREATE', 'provider', 'i23', '{"name": null}'),
  (NULL, NULL, NULL, NULL);
SELECT bulk.load('load_test.invalid') AS answer \gset
SELECT * FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.failures(:'answer');
SELECT * FROM pg_temp.rejects(:'answer');
SELECT count(*) AS left_in_staging FROM load_test.invalid;
-- No task: the combined status of no tasks is SUCCESS; the failures say what went wrong.
SELECT jsonb_pretty(pg_temp.status(:'answer') - 'failures') AS load_status;

-------------------------------------------------------------------------------------------------
-- A mixed table: valid rows are submitted, invalid ones rejected, in staging order. Warnings for
-- a (type, id) already staged earlier in the same load (not for the same id of another type, not
-- for a rejected row's id, not for rows without id).
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.mixed (action text, type text, id text, data jsonb);
INSERT INTO load_test.mixed VALUES
  ('CREATE', 'provider', 'm1', '{"name": "One"}'),
  ('CREATE', 'provider', 'm2', '{"name": 2}'),
  ('UPSERT', 'provider', 'm1', '{"name": "One again"}'),
  ('CREATE', 'office', 'm1', '{"name": "An office m1"}'),
  ('CREATE', 'provider', 'm2', '{"name": "Two"}'),
  ('DELETE', 'provider', 'm1', NULL),
  ('CREATE', 'provider', NULL, '{"name": "No id 1"}'),
  ('CREATE', 'provider', NULL, '{"name": "No id 2"}'),
  ('CREATE', 'provider', 'm3', '{"name": {}}'),
  ('CREATE', 'provider', 'm3', '{"name": "Three"}'),
  ('CREATE', 'provider', 'm4', '{"name": "Four"}');
SELECT bulk.load('load_test.mixed') AS answer \gset
SELECT * FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.failures(:'answer');
SELECT * FROM pg_temp.warnings(:'answer');
SELECT task, seq, operation FROM pg_temp.operations(:'answer') WHERE seq <> ALL (ARRAY[5, 6]);
SELECT count(*) FILTER (WHERE NOT operation -> 'create' ? 'id') AS creates_without_id
  FROM pg_temp.operations(:'answer') WHERE seq IN (5, 6);
SELECT row_identity, error_type FROM pg_temp.rejects(:'answer');
SELECT count(*) AS left_in_staging FROM load_test.mixed;
-- The warnings are kept with the load.
SELECT pg_temp.status(:'answer') -> 'warnings' = :'answer'::jsonb -> 'warnings' AS warnings_kept,
       pg_temp.status(:'answer') -> 'failures' = :'answer'::jsonb -> 'failures' AS failures_kept;
\set mixed_answer :answer

-------------------------------------------------------------------------------------------------
-- Relationships: the staging columns action, type, id, from_type, from_id, to_type, to_id and an
-- optional data (here json); tasks with target 'relationships'. Endpoints are checked when the
-- worker applies the task (DESIGN §3), not at load time.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.rels (
    action text, type text, id text, from_type text, from_id text, to_type text, to_id text, data json, meta jsonb);
INSERT INTO load_test.rels VALUES
  ('CREATE', 'worksAt', 'w1', 'provider', 'v1', 'office', 'o1', '{"since": "2020-02"}', '{"source": "staging"}'),
  ('UPSERT', 'worksAt', 'w2', 'provider', 'v2', 'office', 'o2', NULL, NULL),
  ('CREATE', 'worksAt', NULL, 'provider', 'v3', 'office', 'o3', NULL, NULL),
  ('CREATE', 'worksAt', 'w1', 'provider', 'v2', 'office', 'o2', NULL, NULL),
  ('CREATE', 'worksAt', 'w4', 'provider', 'v1', 'office', 'o1', '{"since": "yesterday"}', NULL),
  ('CREATE', 'worksAt', 'w5', 'office', 'o1', 'office', 'o2', NULL, NULL),
  ('CREATE', 'livesAt', 'w6', 'provider', 'v1', 'office', 'o1', NULL, NULL),
  ('CREATE', 'worksAt', 'w7', 'provider', NULL, 'office', 'o1', NULL, NULL),
  ('CREATE', 'worksAt', 'w8', 'provider', 'v1', '', 'o1', NULL, NULL),
  ('CREATE', 'worksAt', 'w9', 'provider', 'v1', 'office', 'o1', '"since 2020"', NULL),
  ('CREATE', 'worksAt', 'w10', 'provider', 'v1', 'office', 'o1', '{"role": "owner"}', NULL),
  ('DELETE', 'worksAt', 'w11', NULL, NULL, NULL, NULL, NULL, NULL),
  ('DELETE', 'worksAt', NULL, 'provider', 'v1', 'office', 'o1', NULL, NULL),
  ('CREATE', 'worksAt', 'w12', 'provider', 'v1', 'office', 'o1', NULL, '["not", "an object"]');
SELECT bulk.load('load_test.rels', 'relationships') AS answer \gset
SELECT * FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.failures(:'answer');
SELECT * FROM pg_temp.warnings(:'answer');
SELECT * FROM pg_temp.tasks(:'answer');
SELECT task, seq, CASE WHEN seq = 2 THEN operation #- '{create,id}' ELSE operation END AS operation
  FROM pg_temp.operations(:'answer');
SELECT row_identity, operation FROM pg_temp.rejects(:'answer') WHERE row_identity IN ('8', '10');
SELECT count(*) AS left_in_staging FROM load_test.rels;
-- A resources staging table lacks the relationship columns.
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.valid', 'relationships')$$);
\set rels_answer :answer

-------------------------------------------------------------------------------------------------
-- The consumed-rows guarantee: the rows leave the staging table in the load's own transaction.
-- Inside the transaction they are already gone; a rollback restores them and leaves no task, no
-- load and no reject behind; the committed load afterwards takes them, and a later one finds none.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.tx (action text, type text, id text, data jsonb);
INSERT INTO load_test.tx VALUES
  ('CREATE', 'provider', 't1', '{"name": "T1"}'),
  ('CREATE', 'provider', 't2', '{"name": 2}'),
  ('CREATE', 'provider', 't3', '{"name": "T3"}');
SELECT count(*) AS tasks_before FROM bulk.tasks \gset
SELECT count(*) AS loads_before FROM bulk.loads \gset
SELECT count(*) AS rejects_before FROM bulk.load_rejects \gset
BEGIN;
SELECT bulk.load('load_test.tx') AS answer \gset
SELECT records, submitted, failure_count, tasks FROM pg_temp.counts(:'answer');
SELECT count(*) AS left_in_staging_inside_the_transaction FROM load_test.tx;
SELECT count(*) - :tasks_before AS new_tasks_inside_the_transaction FROM bulk.tasks;
ROLLBACK;
SELECT count(*) AS left_in_staging_after_rollback FROM load_test.tx;
SELECT (SELECT count(*) FROM bulk.tasks) - :tasks_before AS new_tasks,
       (SELECT count(*) FROM bulk.loads) - :loads_before AS new_loads,
       (SELECT count(*) FROM bulk.load_rejects) - :rejects_before AS new_rejects,
       NOT EXISTS (SELECT FROM bulk.tasks WHERE bulk_id IN (SELECT jsonb_array_elements_text(:'answer'::jsonb -> 'bulkIds')))
         AS rolled_back_task_gone;
-- The rolled-back load is unknown.
SELECT pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'answer'::jsonb ->> 'loadId')) = 'P0002: bulk load "<load id>" does not exist'
       AS rolled_back_load_unknown;
-- A load inside a savepoint that is rolled back leaves the rows too.
BEGIN;
SAVEPOINT s;
SELECT records FROM pg_temp.counts(bulk.load('load_test.tx'));
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS left_in_staging_after_rollback_to_savepoint FROM load_test.tx;
COMMIT;
SELECT bulk.load('load_test.tx') AS answer \gset
SELECT records, submitted, failure_count, tasks FROM pg_temp.counts(:'answer');
SELECT count(*) AS left_in_staging FROM load_test.tx;
SELECT records, submitted, tasks FROM pg_temp.counts(bulk.load('load_test.tx'));
\set tx_answer :answer

-------------------------------------------------------------------------------------------------
-- The shape of the staging table is checked before anything is read: a missing column is 42703, a
-- mistyped one 42804, each naming the column. Then the other argument errors.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.no_id (action text, type text, data jsonb);
CREATE TABLE load_test.no_data (action text, type text, id text);
CREATE TABLE load_test.no_action (type text, id text, data jsonb);
CREATE TABLE load_test.int_id (action text, type text, id integer, data jsonb);
CREATE TABLE load_test.text_data (action text, type text, id text, data text);
CREATE TABLE load_test.array_data (action text, type text, id text, data jsonb[]);
CREATE TABLE load_test.text_meta (action text, type text, id text, data jsonb, meta text);
CREATE TABLE load_test.int_contained (action text, type text, id text, data jsonb, contained integer);
CREATE TABLE load_test.rel_no_to_id (action text, type text, id text, from_type text, from_id text, to_type text);
CREATE TABLE load_test.rel_int_from_id (
    action text, type text, id text, from_type text, from_id bigint, to_type text, to_id text);
CREATE TABLE load_test.rel_text_data (
    action text, type text, id text, from_type text, from_id text, to_type text, to_id text, data text);
-- Each has a row: a shape error stops the load before anything is read or deleted.
INSERT INTO load_test.no_id VALUES ('CREATE', 'provider', '{"name": "x"}');
INSERT INTO load_test.int_id VALUES ('CREATE', 'provider', 1, '{"name": "x"}');
INSERT INTO load_test.text_meta VALUES ('CREATE', 'provider', 's1', '{"name": "x"}', 'm');
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.no_id')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.no_data')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.no_action')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.int_id')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.text_data')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.array_data')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.text_meta')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.int_contained')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.rel_no_to_id', 'relationships')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.rel_int_from_id', 'relationships')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.rel_text_data', 'relationships')$$);
SELECT (SELECT count(*) FROM load_test.no_id) + (SELECT count(*) FROM load_test.int_id)
       + (SELECT count(*) FROM load_test.text_meta) AS rows_still_staged;
-- The verbose error: the hint says which columns a load reads.
\set VERBOSITY default
SELECT bulk.load('load_test.no_data');
SELECT bulk.load('load_test.rel_no_to_id', 'relationships');
\set VERBOSITY terse
-- Not a plain table: an unknown relation, a view, a view without
-- the columns, a table without rows (a load of nothing, not an error).
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.nosuch')$$);
CREATE VIEW load_test.valid_view AS SELECT * FROM load_test.valid;
CREATE VIEW load_test.no_columns_view AS SELECT 1 AS x;
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.valid_view')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.no_columns_view')$$);
CREATE TABLE load_test.empty (action text, type text, id text, data jsonb);
SELECT records, submitted, failure_count, warning_count, tasks FROM pg_temp.counts(bulk.load('load_test.empty'));
-- The target: resources or relationships, nothing else (not even another case).
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'documents')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'Resources')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', '')$$);
-- Options: an object whose only known key is maxOperationsPerTask, an integer from 1 to
-- pg_bulk.max_operations.
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperations": 5}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 5, "dryRun": true}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '[]')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '"maxOperationsPerTask"')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 0}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": -3}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 10001}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": "5"}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": null}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 1.5}')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 10000}')$$);
-- Partitioned tables and tables with children are refused (consumed rows are deleted by ctid, unique
-- only within one table), as are char(n) text columns (their padding would become part of ids).
CREATE TABLE load_test.parted (action text, type text, id text, data jsonb) PARTITION BY LIST (id);
CREATE TABLE load_test.parted_a PARTITION OF load_test.parted FOR VALUES IN ('a');
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.parted')$$);
CREATE TABLE load_test.parent (action text, type text, id text, data jsonb);
CREATE TABLE load_test.child () INHERITS (load_test.parent);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.parent')$$);
CREATE TABLE load_test.padded (action text, type char(10), id text, data jsonb);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.padded')$$);
DROP TABLE load_test.parted, load_test.parent, load_test.child, load_test.padded;
-- STRICT: a NULL argument answers NULL and loads nothing.
SELECT bulk.load(NULL) IS NULL AS null_source, bulk.load('load_test.empty', NULL) IS NULL AS null_target,
       bulk.load('load_test.empty', 'resources', NULL) IS NULL AS null_options;
-- An argument error leaves the staging rows alone.
INSERT INTO load_test.empty VALUES ('CREATE', 'provider', 'e1', '{"name": "x"}');
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resource')$$);
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 0}')$$);
SELECT count(*) AS still_staged FROM load_test.empty;
DELETE FROM load_test.empty;

-------------------------------------------------------------------------------------------------
-- Tasks of at most pg_bulk.max_operations operations (or options.maxOperationsPerTask): a load
-- splits its valid rows into several tasks, across fetches of 1000 rows, keeping the staging order.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.split (action text, type text, id text, data jsonb);
INSERT INTO load_test.split SELECT 'CREATE', 'provider', 's' || i, jsonb_build_object('name', 'S' || i)
  FROM generate_series(1, 5) i;
SELECT bulk.load('load_test.split', options => '{"maxOperationsPerTask": 2}') AS answer \gset
SELECT records, submitted, tasks FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.tasks(:'answer');
SELECT task, seq, operation #>> '{create,id}' AS id FROM pg_temp.operations(:'answer');
-- The same through pg_bulk.max_operations (a superuser's SET).
INSERT INTO load_test.split SELECT 'CREATE', 'provider', 's' || i, jsonb_build_object('name', 'S' || i)
  FROM generate_series(6, 12) i;
SET pg_bulk.max_operations = 3;
SELECT bulk.load('load_test.split') AS answer \gset
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.empty', 'resources', '{"maxOperationsPerTask": 4}')$$);
RESET pg_bulk.max_operations;
SELECT records, submitted, tasks FROM pg_temp.counts(:'answer');
SELECT task, operation_count, status FROM pg_temp.tasks(:'answer');
SELECT string_agg(operation #>> '{create,id}', ' ' ORDER BY task, seq) AS ids_in_order FROM pg_temp.operations(:'answer');
-- 2500 rows, every 7th invalid and every 10th a repeat of an earlier id, in tasks of at most 1000:
-- three fetches, tasks filled across them, every valid row submitted once, in staging order.
INSERT INTO load_test.split
SELECT 'CREATE', 'provider', CASE WHEN i % 10 = 0 THEN 'b' || (i - 5) ELSE 'b' || i END,
       CASE WHEN i % 7 = 0 THEN jsonb_build_object('name', i) ELSE jsonb_build_object('name', 'B' || i) END
  FROM generate_series(1, 2500) i;
SELECT bulk.load('load_test.split', 'resources', '{"maxOperationsPerTask": 1000}') AS answer \gset
SELECT records, submitted, failure_count, failures_listed, warning_count, warnings_listed, tasks
  FROM pg_temp.counts(:'answer');
SELECT task, operation_count, status FROM pg_temp.tasks(:'answer');
SELECT b.n AS task, count(*) AS chunks, sum(jsonb_array_length(c.operations)) AS operations,
       min(c.first_operation) AS first
  FROM jsonb_array_elements_text(:'answer'::jsonb -> 'bulkIds') WITH ORDINALITY AS b(id, n)
  JOIN bulk.task_operations c ON c.bulk_id = b.id GROUP BY b.n ORDER BY b.n;
SELECT count(*) AS operations,
       count(*) = count(DISTINCT (task, seq)) AS each_once,
       array_agg(substr(operation #>> '{create,data,name}', 2)::int ORDER BY task, seq)
         = ARRAY(SELECT i FROM generate_series(1, 2500) i WHERE i % 7 <> 0) AS valid_rows_in_staging_order
  FROM pg_temp.operations(:'answer');
SELECT (SELECT count(*) FROM pg_temp.failures(:'answer') WHERE message LIKE '%create.data.name: expected symbol, got number')
         AS number_names,
       (SELECT count(*) FROM pg_temp.rejects(:'answer')) AS rejects,
       (SELECT count(*) FROM pg_temp.warnings(:'answer') WHERE message ~ '^row \d+: provider id ''b\d+'' was already staged earlier in this load$')
         AS repeated_ids,
       -- a repeat warns when neither it nor the row it repeats was rejected
       (SELECT count(*) FROM generate_series(10, 2500, 10) i WHERE i % 7 <> 0 AND (i - 5) % 7 <> 0) AS expected_repeats,
       (SELECT count(*) FROM load_test.split) AS left_in_staging;
\set split_answer :answer

-------------------------------------------------------------------------------------------------
-- The answer lists the first 1000 failures and warnings; the counts count them all, and
-- bulk.load_rejects holds every rejected row.
-------------------------------------------------------------------------------------------------
CREATE TABLE load_test.many (action text, type text, id text, data jsonb);
INSERT INTO load_test.many SELECT 'DELETE', 'provider', 'x' || (i % 2), NULL FROM generate_series(1, 1003) i;
INSERT INTO load_test.many SELECT 'CREATE', 'provider', 'y' || i, '{}' FROM generate_series(1, 1004) i;
SELECT bulk.load('load_test.many') AS answer \gset
SELECT records, submitted, failure_count, failures_listed, warning_count, warnings_listed, tasks
  FROM pg_temp.counts(:'answer');
SELECT count(*) AS rejects FROM pg_temp.rejects(:'answer');
SELECT (SELECT "row" FROM pg_temp.warnings(:'answer') LIMIT 1) AS first_warning,
       (SELECT "row" FROM pg_temp.failures(:'answer') LIMIT 1) AS first_failure,
       (SELECT message FROM pg_temp.failures(:'answer') LIMIT 1) AS first_failure_message;
SELECT failure_count, jsonb_array_length(failures) AS failures_kept, warning_count,
       jsonb_array_length(warnings) AS warnings_kept
  FROM bulk.loads WHERE load_id = :'answer'::jsonb ->> 'loadId';
\set many_answer :answer

-------------------------------------------------------------------------------------------------
-- Roles: a bulk_writer loads a staging table it may read, lock (UPDATE) and delete from; its tasks
-- run as itself. Another writer does not see the load (P0002, like an unknown id), nor its rejects;
-- a bulk_admin does. Without the staging privileges the load fails and submits nothing.
-------------------------------------------------------------------------------------------------
CREATE ROLE regress_load_writer IN ROLE bulk_writer;
CREATE ROLE regress_load_other IN ROLE bulk_writer;
CREATE ROLE regress_load_admin IN ROLE bulk_admin;
GRANT USAGE ON SCHEMA load_test TO regress_load_writer, regress_load_other;
CREATE TABLE load_test.writer (action text, type text, id text, data jsonb);
INSERT INTO load_test.writer VALUES
  ('CREATE', 'provider', 'wr1', '{"name": "Writer 1"}'),
  ('CREATE', 'provider', 'wr2', '{"name": false}');
-- SELECT alone and SELECT + UPDATE are not enough: the load deletes the rows it reads.
GRANT SELECT ON load_test.writer TO regress_load_writer;
SET ROLE regress_load_writer;
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.writer')$$);
RESET ROLE;
GRANT UPDATE ON load_test.writer TO regress_load_writer;
SET ROLE regress_load_writer;
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.writer')$$);
RESET ROLE;
REVOKE UPDATE ON load_test.writer FROM regress_load_writer;
SELECT count(*) AS still_staged, (SELECT count(*) FROM bulk.tasks WHERE submitted_by = 'regress_load_writer'::regrole)
       AS writer_tasks, (SELECT count(*) FROM bulk.loads WHERE submitted_by = 'regress_load_writer'::regrole) AS writer_loads
  FROM load_test.writer;
GRANT DELETE ON load_test.writer TO regress_load_writer;
SET ROLE regress_load_writer;
SELECT bulk.load('load_test.writer') AS answer \gset
SELECT * FROM pg_temp.counts(:'answer');
SELECT * FROM pg_temp.tasks(:'answer');
SELECT jsonb_pretty(pg_temp.status(:'answer')) AS load_status_as_writer;
SELECT row_identity, error_type FROM pg_temp.rejects(:'answer');
-- The writer sees its own loads only.
SELECT count(*) AS loads_visible_to_writer FROM bulk.loads;
RESET ROLE;
SET ROLE regress_load_other;
SELECT replace(pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'answer'::jsonb ->> 'loadId')),
               :'answer'::jsonb ->> 'loadId', '<load id>') AS other_writer_load_status;
SELECT count(*) AS loads_visible_to_other, (SELECT count(*) FROM bulk.load_rejects) AS rejects_visible_to_other
  FROM bulk.loads;
-- Nor may it load the writer's staging table.
SELECT pg_temp.error_of($$SELECT bulk.load('load_test.writer')$$);
RESET ROLE;
SET ROLE regress_load_admin;
SELECT pg_temp.status(:'answer') ->> 'status' AS admin_sees_status,
       (SELECT count(*) FROM bulk.load_rejects WHERE load_id = :'answer'::jsonb ->> 'loadId') AS admin_sees_rejects;
RESET ROLE;
\set writer_answer :answer

-------------------------------------------------------------------------------------------------
-- load_status: unknown ids are P0002; the combined status of a load's tasks is PENDING while one
-- is pending, then CANCELLED / FAILURE / SUCCESS from its finished tasks.
-------------------------------------------------------------------------------------------------
SELECT pg_temp.error_of($$SELECT bulk.load_status('ld_nope')$$);
SELECT pg_temp.error_of($$SELECT bulk.load_status('')$$);
SELECT pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'split_answer'::jsonb #>> '{bulkIds,0}'))
       = 'P0002: bulk load "<bulk id>" does not exist' AS bulk_id_is_not_a_load_id;
SELECT bulk.load_status(NULL) IS NULL AS null_load_id;
-- Cancel the second task of the 2500-row load: the load stays PENDING while its other tasks are.
SELECT bulk.cancel(:'split_answer'::jsonb #>> '{bulkIds,1}') ->> 'status' AS cancelled;
SELECT pg_temp.status(:'split_answer') ->> 'status' AS status, pg_temp.status(:'split_answer') -> 'tasks' AS tasks;
SELECT pg_temp.status(:'valid_answer') ->> 'status' AS status, pg_temp.status(:'valid_answer') -> 'tasks' AS tasks;

-------------------------------------------------------------------------------------------------
-- The worker applies the loads' tasks (switched on here, off again at the end): load_status turns
-- SUCCESS (CANCELLED for the load with a cancelled task), and the resources and relationships hold
-- the staged data.
-------------------------------------------------------------------------------------------------
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE NOT paused)') AS worker_running;
SELECT a.name, count(*) AS tasks, count(*) FILTER (WHERE bulk.wait(b.id, '60 seconds') ->> 'status' <> 'PENDING') AS finished
  FROM (VALUES ('valid', :'valid_answer'::jsonb), ('mixed', :'mixed_answer'::jsonb), ('rels', :'rels_answer'::jsonb),
               ('tx', :'tx_answer'::jsonb), ('split', :'split_answer'::jsonb), ('many', :'many_answer'::jsonb),
               ('writer', :'writer_answer'::jsonb)) AS a(name, answer),
       jsonb_array_elements_text(a.answer -> 'bulkIds') AS b(id)
 GROUP BY a.name ORDER BY a.name;
SELECT a.name, pg_temp.status(a.answer) ->> 'status' AS status, pg_temp.status(a.answer) -> 'tasks' AS tasks,
       pg_temp.status(a.answer) ->> 'submitted' AS submitted, pg_temp.status(a.answer) ->> 'failureCount' AS failures
  FROM (VALUES ('valid', :'valid_answer'::jsonb), ('mixed', :'mixed_answer'::jsonb), ('rels', :'rels_answer'::jsonb),
               ('tx', :'tx_answer'::jsonb), ('split', :'split_answer'::jsonb), ('many', :'many_answer'::jsonb),
               ('writer', :'writer_answer'::jsonb)) AS a(name, answer)
 ORDER BY a.name;
SELECT jsonb_pretty(pg_temp.status(:'valid_answer')) AS load_status_after_apply;
-- The receipts of the loads' tasks (generated ids masked).
SELECT a.name, r.seq, r.action, r.type, CASE WHEN r.id ~ '^[0-9A-Za-z]{27}$' THEN '<generated>' ELSE r.id END AS id,
       r.status, r.error_type, r.error_message
  FROM (VALUES (1, 'valid', :'valid_answer'::jsonb), (2, 'mixed', :'mixed_answer'::jsonb),
               (3, 'rels', :'rels_answer'::jsonb), (4, 'tx', :'tx_answer'::jsonb),
               (5, 'writer', :'writer_answer'::jsonb)) AS a(n, name, answer),
       bulk.receipts(a.answer #>> '{bulkIds,0}') AS r
 ORDER BY a.n, r.seq;
-- The stored resources and relationships (generated ids masked).
SELECT type, CASE WHEN id ~ '^[0-9A-Za-z]{27}$' THEN '<generated>' ELSE id END AS id, data, contained, meta
  FROM bulk.resources WHERE id !~ '^[bsxy]\d+$' ORDER BY type COLLATE "C", data ->> 'name' COLLATE "C";
SELECT type, CASE WHEN id ~ '^[0-9A-Za-z]{27}$' THEN '<generated>' ELSE id END AS id,
       from_type || ' ' || from_id AS "from", to_type || ' ' || to_id AS "to", data
  FROM bulk.relationships ORDER BY from_id COLLATE "C", to_id COLLATE "C";
-- The 2500-row load wrote the valid rows of its first and third tasks; the second was cancelled.
SELECT count(*) AS b_resources,
       count(*) = (SELECT sum(operation_count) FROM pg_temp.tasks(:'split_answer') WHERE status = 'SUCCESS')
         - (SELECT count(*) FROM bulk.receipts(:'split_answer'::jsonb #>> '{bulkIds,0}') WHERE status = 'FAILURE')
         - (SELECT count(*) FROM bulk.receipts(:'split_answer'::jsonb #>> '{bulkIds,2}') WHERE status = 'FAILURE')
         AS one_per_successful_receipt
  FROM bulk.resources WHERE id ~ '^b\d';
SELECT count(*) AS s_resources, bool_and(data ->> 'name' = 'S' || substr(id, 2)) AS data_as_staged
  FROM bulk.resources WHERE id ~ '^s\d';
SELECT count(*) AS y_resources FROM bulk.resources WHERE id ~ '^y\d';

-- Back to the configuration of the test instance: paused.
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;

-- Clean up (the bulk_* roles stay, as after any DROP EXTENSION).
DROP SCHEMA load_test CASCADE;
DROP EXTENSION pg_bulk CASCADE;
DROP ROLE regress_load_writer, regress_load_other, regress_load_admin;
