-- Roles, privileges and hostile input (DESIGN §8; issue 6): what each role may see and do, tasks
-- applied as their submitter (FORBIDDEN once it lost bulk_writer or was dropped), and a hostile
-- schema first in the search_path of a caller, of the database and so of the worker, of which
-- nothing may run. The worker starts paused (test/test.conf); this file switches it on once, waits
-- for it with bounded polls, and leaves it paused. Bulk ids differ from run to run: only derived
-- values are printed.
\i sql/include/worker_on_fresh_extension.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS evil CASCADE;
DROP TABLE IF EXISTS public.apply_log, public.staging_a, public.staging_h, public.secret;
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['regress_writer_a', 'regress_writer_b', 'regress_writer_c', 'regress_writer_d',
                                     'regress_hostile', 'regress_reader', 'regress_admin', 'regress_nobody'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('DROP OWNED BY %I', role_name);
            EXECUTE format('DROP ROLE %I', role_name);
        END IF;
    END LOOP;
END
$$;
RESET client_min_messages;
\set VERBOSITY terse

-- The error of a statement as "SQLSTATE: message", with the bulk id `masked` (if any) shown as <id>.
CREATE FUNCTION pg_temp.error_of(statement text, masked text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || CASE WHEN masked IS NULL THEN SQLERRM ELSE replace(SQLERRM, masked, '<id>') END;
END
$$;

-- The worker of this database (it starts when pg_regress has created the database).
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers)') AS worker_running;

-- The roles of DESIGN §8 exist, NOLOGIN, and bulk_admin is a member of the other two.
SELECT rolname, rolcanlogin, rolsuper,
       ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid ORDER BY 1) AS member_of
  FROM pg_roles r WHERE rolname LIKE 'bulk\_%' ORDER BY rolname;
-- Nothing in schema bulk is granted to PUBLIC.
SELECT count(*) AS public_table_grants FROM information_schema.role_table_grants
 WHERE table_schema = 'bulk' AND grantee = 'PUBLIC';
SELECT count(*) AS public_function_grants FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.pronamespace = 'bulk'::regnamespace AND a.grantee = 0;

CREATE ROLE regress_writer_a LOGIN IN ROLE bulk_writer;
CREATE ROLE regress_writer_b LOGIN IN ROLE bulk_writer;
CREATE ROLE regress_writer_c LOGIN IN ROLE bulk_writer;
CREATE ROLE regress_writer_d LOGIN IN ROLE bulk_writer;
CREATE ROLE regress_hostile LOGIN IN ROLE bulk_writer;
CREATE ROLE regress_reader LOGIN IN ROLE bulk_reader;
CREATE ROLE regress_admin LOGIN IN ROLE bulk_admin;
CREATE ROLE regress_nobody LOGIN;

-- Who applied each change to bulk.resources: a trigger records current_user (the workers write as
-- the extension's owner, whoever submitted). Pinned search_path, so the hostile schema below cannot
-- reach it either.
CREATE TABLE public.apply_log (resource_id text, op text, applied_by text);
GRANT INSERT ON public.apply_log TO PUBLIC;
CREATE FUNCTION public.log_apply() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO public.apply_log VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END, TG_OP, current_user);
    RETURN NULL;
END
$$;
CREATE TRIGGER log_apply AFTER INSERT OR UPDATE OR DELETE ON bulk.resources
    FOR EACH ROW EXECUTE FUNCTION public.log_apply();

-------------------------------------------------------------------------------------------------
-- Profile and relationship definitions need bulk_admin.
-------------------------------------------------------------------------------------------------
SET ROLE regress_admin;
SELECT bulk.define_profile('provider', '{
  "properties": {
    "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200, "pattern": "^[A-Z]"}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}}}}');
SELECT bulk.define_relationship('knows', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "provider"},
                                           "cardinality": "N:N"}');
SELECT bulk.define_profile('scratch', '{"properties": {}}');
SELECT bulk.drop_profile('scratch');
SELECT key, version FROM bulk.profiles ORDER BY key;
SELECT count(*) AS workers, bool_and(database = current_database()) AS this_database FROM bulk.workers;
RESET ROLE;

SET ROLE regress_writer_a;
SELECT pg_temp.error_of($$SELECT bulk.define_profile('nurse', '{"properties": {}}')$$) AS define_profile;
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('provider')$$) AS drop_profile;
SELECT pg_temp.error_of($$SELECT bulk.define_relationship('likes', '{}')$$) AS define_relationship;
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('knows')$$) AS drop_relationship;
SELECT pg_temp.error_of($$INSERT INTO bulk.profiles (key, definition) VALUES ('nurse', '{}')$$) AS insert_profile;
SELECT pg_temp.error_of($$UPDATE bulk.profiles SET definition = '{}'$$) AS update_profile;
SELECT pg_temp.error_of($$DELETE FROM bulk.relationship_definitions$$) AS delete_relationship_definition;
SELECT pg_temp.error_of($$SELECT bulk._check_profile('nurse', 'ROOT', '{}')$$) AS check_profile;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.workers$$) AS workers;
-- Writers read the definitions (submit validates against them).
SELECT key, version FROM bulk.profiles ORDER BY key;
RESET ROLE;

-------------------------------------------------------------------------------------------------
-- Submitting needs bulk_writer; a reader reads resources only; a role in none of the three, nothing.
-------------------------------------------------------------------------------------------------
SET ROLE regress_writer_a;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "a1", "data": {"name": "Ann"}}}]}') ->> 'bulkId' AS a1 \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "a2", "data": {"name": "Ann two"}}}]}', 'a-key') ->> 'bulkId' AS a2 \gset
SELECT bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "lower case"}}}]}') ->> 'status' AS validate_as_writer;
RESET ROLE;
SET ROLE regress_writer_b;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "b1", "data": {"name": "Bea"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "b2", "data": {"name": "Bert"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "x1", "data": {"name": "Xavier"}}}]}') ->> 'bulkId' AS b1 \gset
-- Idempotency keys are per role: B's 'a-key' is not A's.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "b3", "data": {"name": "Bo"}}}]}', 'a-key') ->> 'bulkId' AS b3 \gset
SELECT :'b3' <> :'a2' AS own_idempotency_keys;
RESET ROLE;
-- A task of the superuser: applied as the superuser, but nobody else can see, cancel or replay it.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "s1", "data": {"name": "Sue"}}}]}', 'a-key') ->> 'bulkId' AS s1 \gset

SET ROLE regress_reader;
SELECT count(*) AS reader_sees_resources FROM bulk.resources;
SELECT count(*) AS reader_sees_relationships FROM bulk.relationships;
SELECT key FROM bulk.profiles ORDER BY key;
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}')$$) AS submit;
SELECT pg_temp.error_of($$SELECT bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}')$$) AS validate;
SELECT pg_temp.error_of($$SELECT bulk.submit_relationships('{"operations": [{"action": "DELETE", "delete": {"type": "knows", "id": "x"}}]}')$$) AS submit_relationships;
SELECT pg_temp.error_of(format('SELECT bulk.task(%L)', :'a1')) AS task;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.tasks$$) AS tasks;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.queue$$) AS queue;
SELECT pg_temp.error_of($$INSERT INTO bulk.resources (type, id, data) VALUES ('provider', 'r1', '{"name": "R"}')$$) AS insert_resource;
SELECT pg_temp.error_of($$SELECT bulk.define_profile('nurse', '{"properties": {}}')$$) AS define_profile;
RESET ROLE;

SET ROLE regress_nobody;
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}')$$) AS submit;
SELECT pg_temp.error_of($$SELECT bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}')$$) AS validate;
SELECT pg_temp.error_of(format('SELECT bulk.task(%L)', :'a1')) AS task;
SELECT pg_temp.error_of(format('SELECT bulk.cancel(%L)', :'a1')) AS cancel;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.tasks$$) AS tasks;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.resources$$) AS resources;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.queue$$) AS queue;
RESET ROLE;

-------------------------------------------------------------------------------------------------
-- Visibility: a writer sees its own tasks only, everywhere; another role's task is an unknown id.
-------------------------------------------------------------------------------------------------
SET ROLE regress_writer_a;
SELECT count(*) AS tasks, bool_and(bulk_id IN (:'a1', :'a2')) AS all_mine FROM bulk.tasks;
SELECT count(*) AS chunks, bool_and(bulk_id IN (:'a1', :'a2')) AS all_mine FROM bulk.task_operations;
SELECT count(*) AS log_lines, bool_and(bulk_id IN (:'a1', :'a2')) AS all_mine FROM bulk.task_logs;
SELECT count(*) AS queued, bool_and(bulk_id IN (:'a1', :'a2')) AS all_mine,
       bool_and(submitted_by = 'regress_writer_a') AS submitted_by_me FROM bulk.queue;
-- The lifecycle functions answer for A's own task ...
SELECT bulk.task(:'a1') ->> 'status' AS task, (SELECT count(*) FROM bulk.receipts(:'a1')) AS receipts,
       bulk.metrics(:'a1') ->> 'operations' AS metrics_operations, (SELECT count(*) FROM bulk.logs(:'a1')) AS logs,
       bulk.wait(:'a1', '0 seconds') ->> 'status' AS wait;
-- ... and for B's exactly as for an id that never existed: same SQLSTATE, same message.
SELECT f AS function,
       pg_temp.error_of(format(f, :'b1'), :'b1') AS other_roles_task,
       pg_temp.error_of(format(f, 'bk_2XyzUnknownUnknownUnknown00'), 'bk_2XyzUnknownUnknownUnknown00') AS unknown_id,
       pg_temp.error_of(format(f, :'b1'), :'b1')
         = pg_temp.error_of(format(f, 'bk_2XyzUnknownUnknownUnknown00'), 'bk_2XyzUnknownUnknownUnknown00') AS same
  FROM unnest(ARRAY['SELECT bulk.task(%L)', 'SELECT bulk.task(%L, false)', 'SELECT * FROM bulk.receipts(%L)',
                    'SELECT bulk.metrics(%L)', 'SELECT * FROM bulk.logs(%L)', 'SELECT bulk.wait(%L, ''1 second'')',
                    'SELECT bulk.cancel(%L)', 'SELECT bulk._cancel_visible_task(%L)']) AS f;
-- The superuser's task is just as unknown to A.
SELECT pg_temp.error_of(format('SELECT bulk.task(%L)', :'s1'), :'s1') AS superuser_task,
       pg_temp.error_of(format('SELECT bulk.cancel(%L)', :'s1'), :'s1') AS cancel_superuser_task;
-- Direct reads of B's rows find nothing; the helpers the API functions use leak nothing either.
SELECT (SELECT count(*) FROM bulk.tasks WHERE bulk_id = :'b1') AS task_row,
       (SELECT count(*) FROM bulk.task_operations WHERE bulk_id = :'b1') AS operation_chunks,
       (SELECT count(*) FROM bulk.task_logs WHERE bulk_id = :'b1') AS log_rows,
       (SELECT count(*) FROM bulk.operation_results WHERE bulk_id = :'b1') AS result_rows,
       (SELECT count(*) FROM bulk.queue WHERE bulk_id = :'b1') AS queue_rows;
SELECT pg_temp.error_of(format('SELECT * FROM bulk.receipts(ARRAY[%L])', :'b1'), :'b1') AS receipts_of_b1;
-- Replaying the superuser's idempotency key gives A a task of its own, not the superuser's.
SELECT bulk.submit_resources('{"operations": [
  {"action": "DELETE", "delete": {"type": "provider", "id": "zz"}}]}', 'a-key') ->> 'bulkId' AS replayed \gset
SELECT :'replayed' = :'a2' AS own_earlier_task, :'replayed' <> :'s1' AS not_the_superusers;
-- Writers cannot write the task tables, nor call the functions that do.
SELECT pg_temp.error_of(format($$INSERT INTO bulk.tasks (bulk_id, target, submitted_by, operation_count)
                                 VALUES ('bk_forged', 'resources', %s, 1)$$, 'regress_writer_a'::regrole::oid)) AS insert_task;
SELECT pg_temp.error_of(format($$UPDATE bulk.tasks SET status = 'CANCELLED' WHERE bulk_id = %L$$, :'a1')) AS update_own_task;
SELECT pg_temp.error_of(format($$UPDATE bulk.tasks SET submitted_by = %s$$, 'regress_writer_a'::regrole::oid)) AS steal_tasks;
SELECT pg_temp.error_of(format($$DELETE FROM bulk.tasks WHERE bulk_id = %L$$, :'a1')) AS delete_own_task;
SELECT pg_temp.error_of(format($$INSERT INTO bulk.task_operations VALUES (%L, 1, '[]')$$, :'a1')) AS insert_operations;
SELECT pg_temp.error_of(format($$UPDATE bulk.task_operations SET operations = '[]' WHERE bulk_id = %L$$, :'a1')) AS update_operations;
SELECT pg_temp.error_of($$DELETE FROM bulk.task_operations$$) AS delete_operations;
SELECT pg_temp.error_of(format($$INSERT INTO bulk.operation_results (bulk_id, seq, status) VALUES (%L, 0, 'SUCCESS')$$, :'a1')) AS insert_result;
SELECT pg_temp.error_of($$UPDATE bulk.operation_results SET status = 'SUCCESS'$$) AS update_results;
SELECT pg_temp.error_of($$DELETE FROM bulk.operation_results$$) AS delete_results;
SELECT pg_temp.error_of(format($$INSERT INTO bulk.task_logs (bulk_id, level, message) VALUES (%L, 'INFO', 'x')$$, :'a1')) AS insert_log;
SELECT pg_temp.error_of($$UPDATE bulk.task_logs SET message = 'x'$$) AS update_logs;
SELECT pg_temp.error_of($$DELETE FROM bulk.task_logs$$) AS delete_logs;
SELECT pg_temp.error_of($$TRUNCATE bulk.tasks CASCADE$$) AS truncate_tasks;
SELECT pg_temp.error_of(format('SELECT bulk._cancel_task(%L)', :'b1')) AS cancel_task_helper;
SELECT pg_temp.error_of(format('SELECT bulk._hint_cancel(%L)', :'b1')) AS hint_cancel_helper;
RESET ROLE;

-- B cancels its own b3; A's attempts above changed nothing of B's.
SET ROLE regress_writer_b;
SELECT bulk.cancel(:'b3') ->> 'status' AS cancel_own_task;
SELECT count(*) AS tasks, bool_and(bulk_id IN (:'b1', :'b3')) AS all_mine FROM bulk.tasks;
SELECT count(*) AS queued FROM bulk.queue;
RESET ROLE;
SELECT bulk_id = :'b1' AS is_b1, status FROM bulk.tasks WHERE bulk_id IN (:'b1', :'b3') ORDER BY queue_position;

-- Loads (bulk.load from a staging table, bulk.load_status) follow the same rules. The staging
-- table is read and emptied with the caller's own privileges.
CREATE TABLE public.staging_a (action text, type text, id text, data jsonb);
INSERT INTO public.staging_a VALUES ('CREATE', 'provider', 'a3', '{"name": "Ada"}'),
                                    ('CREATE', 'provider', 'a4', '{"name": "lower case"}');
GRANT SELECT, UPDATE, DELETE ON public.staging_a TO regress_writer_a;
CREATE TABLE public.secret (action text, type text, id text, data jsonb);
INSERT INTO public.secret VALUES ('CREATE', 'provider', 'secret', '{"name": "Secret"}');
SET ROLE regress_writer_a;
SELECT bulk.load('public.staging_a') AS a_load \gset
SELECT :'a_load'::jsonb ->> 'loadId' AS al, :'a_load'::jsonb #>> '{bulkIds,0}' AS a_load_task \gset
SELECT :'a_load'::jsonb -> 'records' AS records, :'a_load'::jsonb -> 'submitted' AS submitted,
       :'a_load'::jsonb -> 'failureCount' AS failures;
SELECT bulk.load_status(:'al') ->> 'status' AS load_status, (SELECT count(*) FROM bulk.loads) AS loads,
       (SELECT count(*) FROM bulk.load_rejects) AS rejects;
SELECT pg_temp.error_of($$SELECT bulk.load('public.secret')$$) AS load_unreadable_table;
SELECT pg_temp.error_of($$INSERT INTO bulk.loads (load_id, source, target, submitted_by) VALUES ('ld_x', 'x', 'resources', 1)$$) AS insert_load;
SELECT pg_temp.error_of($$UPDATE bulk.loads SET records = 0$$) AS update_loads;
SELECT pg_temp.error_of($$DELETE FROM bulk.load_rejects$$) AS delete_rejects;
RESET ROLE;
SELECT count(*) AS secret_rows_left, (SELECT count(*) FROM bulk.loads) AS loads FROM public.secret;
SET ROLE regress_writer_b;
SELECT pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'al'), :'al') AS other_roles_load,
       pg_temp.error_of($$SELECT bulk.load_status('ld_2XyzUnknownUnknownUnknown00')$$, 'ld_2XyzUnknownUnknownUnknown00')
         AS unknown_load;
SELECT (SELECT count(*) FROM bulk.loads) AS loads, (SELECT count(*) FROM bulk.load_rejects) AS rejects,
       (SELECT count(*) FROM bulk.tasks WHERE bulk_id = :'a_load_task') AS load_task;
SELECT pg_temp.error_of($$SELECT bulk.load('public.staging_a')$$) AS load_others_staging_table;
RESET ROLE;
SET ROLE regress_reader;
SELECT pg_temp.error_of($$SELECT bulk.load('public.staging_a')$$) AS reader_load;
SELECT pg_temp.error_of(format('SELECT bulk.load_status(%L)', :'al')) AS reader_load_status;
RESET ROLE;

-- An admin sees every task through the tables, the views and the functions, and cancels any.
SET ROLE regress_admin;
SELECT count(*) AS tasks, count(DISTINCT submitted_by) AS submitters FROM bulk.tasks;
SELECT count(*) AS chunks FROM bulk.task_operations;
SELECT count(*) AS queued FROM bulk.queue;
SELECT bulk.task(:'b1') ->> 'status' AS b1, bulk.task(:'s1') ->> 'status' AS s1,
       (SELECT count(*) FROM bulk.logs(:'b1')) AS b1_logs, bulk.metrics(:'s1') ->> 'status' AS s1_metrics;
SELECT bulk.load_status(:'al') ->> 'records' AS a_load_records, (SELECT count(*) FROM bulk.loads) AS loads,
       (SELECT count(*) FROM bulk.load_rejects) AS rejects;
SELECT bulk.cancel(:'a2') ->> 'status' AS cancel_writers_task;
SELECT message FROM bulk.logs(:'a2');
-- ... but writes the task tables no more than a writer does.
SELECT pg_temp.error_of(format($$UPDATE bulk.tasks SET status = 'CANCELLED' WHERE bulk_id = %L$$, :'b1')) AS update_task;
SELECT pg_temp.error_of($$DELETE FROM bulk.task_logs$$) AS delete_logs;
RESET ROLE;

-------------------------------------------------------------------------------------------------
-- FORBIDDEN: C loses bulk_writer and D is dropped after submitting, while the worker is paused.
-------------------------------------------------------------------------------------------------
SET ROLE regress_writer_c;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "c1", "data": {"name": "Cy"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "a1"}}]}') ->> 'bulkId' AS c1 \gset
RESET ROLE;
SET ROLE regress_writer_d;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "d1", "data": {"name": "Di"}}}]}') ->> 'bulkId' AS d1 \gset
RESET ROLE;
REVOKE bulk_writer FROM regress_writer_c;
DROP ROLE regress_writer_d;
SET ROLE regress_writer_c;
SELECT pg_temp.error_of(format('SELECT bulk.task(%L)', :'c1')) AS task_after_revoke;
RESET ROLE;
-- The queue shows the dropped submitter by its oid.
SELECT bulk_id = :'d1' AS is_d1, submitted_by LIKE 'unknown (OID=%)' AS submitter_gone FROM bulk.queue
 WHERE bulk_id = :'d1';

-------------------------------------------------------------------------------------------------
-- Hostile search_path: schema evil shadows operators and functions pg_bulk uses. Each of them
-- records its call in evil.spy_log (and raises a NOTICE); the log must stay empty.
-------------------------------------------------------------------------------------------------
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE evil.spy_log (what text, called_by text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
GRANT INSERT ON evil.spy_log TO PUBLIC;
CREATE FUNCTION evil.spy(what text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO evil.spy_log (what, called_by) VALUES (what, current_user);
    RAISE NOTICE 'evil.% ran as %', what, current_user;
END
$$;
CREATE FUNCTION evil.texteq_spy(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('= (text)'); RETURN true; END $$;
CREATE OPERATOR evil.= (leftarg = text, rightarg = text, function = evil.texteq_spy);
CREATE FUNCTION evil.textne_spy(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('<> (text)'); RETURN true; END $$;
CREATE OPERATOR evil.<> (leftarg = text, rightarg = text, function = evil.textne_spy);
CREATE FUNCTION evil.oideq_spy(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('= (oid)'); RETURN true; END $$;
CREATE OPERATOR evil.= (leftarg = oid, rightarg = oid, function = evil.oideq_spy);
CREATE FUNCTION evil.int4eq_spy(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('= (integer)'); RETURN true; END $$;
CREATE OPERATOR evil.= (leftarg = integer, rightarg = integer, function = evil.int4eq_spy);
CREATE FUNCTION evil.jsonb_field_spy(jsonb, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('->> (jsonb)'); RETURN 'evil'; END $$;
CREATE OPERATOR evil.->> (leftarg = jsonb, rightarg = text, function = evil.jsonb_field_spy);
CREATE FUNCTION evil.jsonb_concat_spy(jsonb, jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('|| (jsonb)'); RETURN '{}'; END $$;
CREATE OPERATOR evil.|| (leftarg = jsonb, rightarg = jsonb, function = evil.jsonb_concat_spy);
CREATE FUNCTION evil.jsonb_build_object(VARIADIC text[]) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('jsonb_build_object'); RETURN '{}'; END $$;
CREATE FUNCTION evil.jsonb_build_object(text, text, text, text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('jsonb_build_object/4'); RETURN '{}'; END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('now'); RETURN 'epoch'; END $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('clock_timestamp'); RETURN 'epoch'; END $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('lower'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.format(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('format/1'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.format(text, integer) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('format/2'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.pg_notify(text, text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('pg_notify'); END $$;
CREATE FUNCTION evil.pg_sleep(double precision) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('pg_sleep'); END $$;
CREATE FUNCTION evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('jsonb_typeof'); RETURN 'evil'; END $$;
CREATE FUNCTION evil.jsonb_array_length(jsonb) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('jsonb_array_length'); RETURN 0; END $$;
CREATE FUNCTION evil.generate_series(integer, integer) RETURNS SETOF integer LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('generate_series'); END $$;
CREATE FUNCTION evil.make_interval(secs double precision) RETURNS interval LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('make_interval'); RETURN '0'; END $$;
CREATE FUNCTION evil.count_step(bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('count'); RETURN 0; END $$;
CREATE AGGREGATE evil.count(*) (sfunc = evil.count_step, stype = bigint, initcond = '0');
CREATE FUNCTION evil.jsonb_agg_step(jsonb, jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.spy('jsonb_agg'); RETURN '[]'; END $$;
CREATE AGGREGATE evil.jsonb_agg(jsonb) (sfunc = evil.jsonb_agg_step, stype = jsonb);
-- The spies work: called through the hostile search_path, they log (then the log is emptied).
SET ROLE regress_hostile;
SET search_path = evil, pg_catalog, bulk, public;
SELECT 'a'::text = 'b'::text AS evil_equals, now() = 'epoch' AS evil_now;
RESET search_path;
RESET ROLE;
SELECT what FROM evil.spy_log ORDER BY at;
TRUNCATE evil.spy_log;

-- The database's default search_path puts evil first too: new sessions, and so a restarted
-- worker, start with it.
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, bulk, public', current_database());
END $$;
SELECT pid AS old_worker_pid FROM bulk.workers \gset
SELECT pg_terminate_backend(:old_worker_pid) AS worker_terminated;
SELECT pg_temp.wait_until(format('EXISTS (SELECT FROM bulk.workers WHERE paused AND pid <> %s)', :old_worker_pid))
       AS worker_restarted;

CREATE TABLE public.staging_h (action text, type text, id varchar, data json, meta jsonb);
INSERT INTO public.staging_h VALUES ('UPSERT', 'provider', 'h5', '{"name": "Hilda"}', '{"via": "load"}'),
                                    ('CREATE', 'provider', 'h6', '{"name": "lower"}', NULL),
                                    ('DELETE', 'provider', 'h5', NULL, NULL);
GRANT SELECT, UPDATE, DELETE ON public.staging_h TO regress_hostile;

SET ROLE regress_hostile;
SET search_path = evil, pg_catalog, bulk, public;
SELECT bulk.load('public.staging_h') AS hostile_load \gset
SELECT bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "h1", "data": {"name": "Hal", "practiceNumber": 1}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "h0"}}]}') AS hostile_validate \gset
SELECT bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "lower"}}}]}') AS hostile_rejected \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "h1", "data": {"name": "Hal", "practiceNumber": 1}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "Hal generated"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "h2", "data": {"name": "Hank"}, "meta": {"m": 1}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "h2", "data": {"name": "Hank again"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "h1", "data": {"name": "Hal twice"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "h3"}}]}', 'h-key') AS hostile_submit \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "DELETE", "delete": {"type": "provider", "id": "h3"}}]}', 'h-key') AS hostile_resubmit \gset
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "h4", "data": {"name": "Hugh"}}}]}') AS hostile_cancelled \gset
SELECT bulk.validate_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "knows", "id": "k1", "from": {"type": "provider", "id": "h1"},
                                  "to": {"type": "provider", "id": "h2"}}}]}') AS hostile_validate_relationships \gset
SELECT bulk.submit_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "knows", "id": "k1", "from": {"type": "provider", "id": "h1"},
                                  "to": {"type": "provider", "id": "h2"}}},
  {"action": "CREATE", "create": {"type": "knows", "id": "k2", "from": {"type": "provider", "id": "h1"},
                                  "to": {"type": "provider", "id": "nobody"}}}]}') AS hostile_relationships \gset
RESET search_path;
SELECT :'hostile_validate'::jsonb AS hostile_validate, :'hostile_rejected'::jsonb #>> '{receipts,0,error,type}' AS hostile_rejected,
       :'hostile_submit'::jsonb ->> 'status' AS hostile_submit,
       :'hostile_resubmit'::jsonb ->> 'bulkId' = :'hostile_submit'::jsonb ->> 'bulkId' AS resubmit_same_task,
       :'hostile_validate_relationships'::jsonb AS hostile_validate_relationships;
SELECT :'hostile_submit'::jsonb ->> 'bulkId' AS h1, :'hostile_cancelled'::jsonb ->> 'bulkId' AS h4,
       :'hostile_relationships'::jsonb ->> 'bulkId' AS k1, :'hostile_load'::jsonb ->> 'loadId' AS hostile_load_id,
       :'hostile_load'::jsonb #>> '{bulkIds,0}' AS hl \gset
SELECT :'hostile_load'::jsonb -> 'records' AS load_records, :'hostile_load'::jsonb -> 'submitted' AS load_submitted,
       :'hostile_load'::jsonb #>> '{failures,0,error,type}' AS load_failure,
       (SELECT count(*) FROM public.staging_h) AS left_in_staging;
SET search_path = evil, pg_catalog, bulk, public;
SELECT bulk.task(:'h1') AS hostile_task_pending, bulk.metrics(:'h1') AS hostile_metrics_pending \gset
SELECT bulk.load_status(:'hostile_load_id') AS hostile_load_status \gset
SELECT seq, action, type, status FROM bulk.receipts(:'h1');
SELECT level, message FROM bulk.logs(:'h1');
SELECT bulk.wait(:'h1', '20 milliseconds') AS hostile_wait_pending \gset
SELECT bulk.cancel(:'h4') AS hostile_cancel \gset
SELECT bulk_id AS hostile_queue_first FROM bulk.queue ORDER BY queue_position LIMIT 1 \gset
RESET search_path;
RESET ROLE;
SELECT :'hostile_task_pending'::jsonb ->> 'status' AS task, jsonb_array_length(:'hostile_task_pending'::jsonb -> 'receipts') AS receipts,
       :'hostile_metrics_pending'::jsonb #>> '{counts,PENDING}' AS metrics_pending,
       :'hostile_wait_pending'::jsonb ->> 'status' AS wait, :'hostile_cancel'::jsonb ->> 'status' AS cancel,
       :'hostile_queue_first' = :'hl' AS queue_shows_own_first,
       :'hostile_load_status'::jsonb ->> 'status' AS load_status;
-- An admin defining and dropping definitions through the hostile search_path (the definition
-- triggers, the reference checks, the profile cache).
SET ROLE regress_admin;
SET search_path = evil, pg_catalog, bulk, public;
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code", "rules": {"enum": ["MON"]}}}}', 'CONTAINED');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol"}},
                                       "contained": {"hours": {"types": ["hours"], "cardinality": "0:*"}}}');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol", "rules": {"pattern": "^O"}}},
                                       "contained": {"hours": {"types": ["hours"], "cardinality": "1:*"}}}');
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "1:N"}');
SELECT bulk.validate_resources('{"operations": [{"action": "CREATE", "create": {"type": "office", "data": {"name": "Oak"},
  "contained": {"hours": [{"type": "hours", "data": {"day": "MON"}}]}}}]}') AS hostile_validate_contained \gset
SELECT bulk.drop_relationship('worksAt');
SELECT bulk.drop_profile('office');
SELECT bulk.drop_profile('hours');
SELECT bulk_id AS hostile_admin_queue_first FROM bulk.queue ORDER BY queue_position LIMIT 1 \gset
SELECT paused AS hostile_admin_worker_paused FROM bulk.workers \gset
RESET search_path;
RESET ROLE;
SELECT :'hostile_validate_contained'::jsonb AS validate_contained, :'hostile_admin_queue_first' = :'a1' AS queue_first,
       :'hostile_admin_worker_paused' AS worker_paused, (SELECT count(*) FROM bulk.profiles) AS profiles;
SELECT count(*) AS spy_calls_while_submitting FROM evil.spy_log;

-- The restarted worker applies every queued task, each as its submitter.
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('NOT EXISTS (SELECT FROM bulk.tasks WHERE status = ''PENDING'')') AS queue_drained;
ALTER SYSTEM SET pg_bulk.enabled = off;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET search_path', current_database());
END $$;

SELECT CASE t.bulk_id WHEN :'a1' THEN 'a1' WHEN :'a2' THEN 'a2' WHEN :'b1' THEN 'b1' WHEN :'b3' THEN 'b3'
                      WHEN :'s1' THEN 's1' WHEN :'c1' THEN 'c1' WHEN :'d1' THEN 'd1' WHEN :'h1' THEN 'h1'
                      WHEN :'h4' THEN 'h4' WHEN :'k1' THEN 'k1' WHEN :'a_load_task' THEN 'a-load'
                      WHEN :'hl' THEN 'h-load' ELSE 'other' END AS task,
       t.status, t.operation_count,
       (SELECT string_agg(r.status || coalesce(' ' || r.error_type, ''), ', ' ORDER BY r.seq)
          FROM bulk.receipts(t.bulk_id) r) AS receipts
  FROM bulk.tasks t ORDER BY t.queue_position;
-- FORBIDDEN receipts say why; nothing of C's or D's was written (a1 survives C's DELETE).
SELECT seq, error_code, error_type, error_message FROM bulk.receipts(:'b1') WHERE status = 'FAILURE';
SELECT DISTINCT error_code, error_type, error_message FROM bulk.receipts(:'c1');
SELECT DISTINCT error_code, error_type, error_message FROM bulk.receipts(:'d1');
SELECT id FROM bulk.resources WHERE id IN ('a1', 'c1', 'd1', 'x1') ORDER BY id;
-- Every change was made as the extension's owner (a superuser here), whoever submitted it.
SELECT * FROM (
    SELECT CASE WHEN l.resource_id ~ '^[0-9A-Za-z]{27}$' THEN '<generated>' ELSE l.resource_id END AS resource_id,
           l.op, CASE WHEN r.rolsuper THEN '<superuser>' ELSE l.applied_by END AS applied_by
      FROM public.apply_log l LEFT JOIN pg_roles r ON r.rolname = l.applied_by) AS changes
 ORDER BY resource_id COLLATE "C", op;

-- The finished tasks, followed through the hostile search_path once more.
SET ROLE regress_hostile;
SET search_path = evil, pg_catalog, bulk, public;
SELECT bulk.task(:'h1') AS hostile_task, bulk.metrics(:'h1') AS hostile_metrics,
       bulk.wait(:'k1') AS hostile_wait, bulk.task(:'k1', false) AS hostile_task_k1,
       bulk.load_status(:'hostile_load_id') AS hostile_load_status \gset
SELECT seq, action, type, status, error_code, error_type, error_message, completed_at IS NOT NULL AS completed
  FROM bulk.receipts(:'h1');
SELECT level, regexp_replace(message, 'pid [0-9]+', 'pid <pid>') AS message FROM bulk.logs(:'k1');
SELECT bulk.cancel(:'h1') AS hostile_cancel_finished \gset
RESET search_path;
RESET ROLE;
SELECT :'hostile_task'::jsonb ->> 'status' AS task, :'hostile_metrics'::jsonb -> 'counts' AS metrics,
       jsonb_path_query_array(:'hostile_wait'::jsonb, '$.receipts[*].status') AS wait_k1,
       :'hostile_task_k1'::jsonb ->> 'status' AS task_k1,
       :'hostile_cancel_finished'::jsonb ->> 'status' AS cancel_finished,
       :'hostile_load_status'::jsonb -> 'tasks' AS load_tasks;
SELECT type, id, data, meta FROM bulk.resources WHERE id LIKE 'h%' ORDER BY id;
SELECT type, id, from_id, to_id FROM bulk.relationships ORDER BY id;
-- Nothing of schema evil ran: not in the backends, not in the worker.
SELECT count(*) AS spy_calls FROM evil.spy_log;

-------------------------------------------------------------------------------------------------
-- Roles are cluster-wide: they survive DROP EXTENSION, and CREATE EXTENSION reuses them.
-------------------------------------------------------------------------------------------------
DROP EXTENSION pg_bulk CASCADE;
SELECT rolname FROM pg_roles WHERE rolname LIKE 'bulk\_%' ORDER BY rolname;
SELECT pg_has_role('regress_writer_a', 'bulk_writer', 'MEMBER') AS a_still_writer,
       pg_has_role('regress_admin', 'bulk_writer', 'MEMBER') AS admin_still_writer;
CREATE EXTENSION pg_bulk;
SELECT rolname, ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                       WHERE m.member = r.oid ORDER BY 1) AS member_of
  FROM pg_roles r WHERE rolname LIKE 'bulk\_%' ORDER BY rolname;
SET ROLE regress_admin;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol"}}}');
RESET ROLE;
SET ROLE regress_writer_a;
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "again", "data": {"name": "Again"}}}]}') ->> 'status' AS submit_after_recreate;
SELECT count(*) AS own_tasks FROM bulk.tasks;
RESET ROLE;
SET ROLE regress_reader;
SELECT pg_temp.error_of($$SELECT count(*) FROM bulk.tasks$$) AS reader_tasks_after_recreate;
RESET ROLE;

-- No role but the extension's owner writes the stored data (DESIGN §6, §8): written directly, rows
-- would skip validation, and a lock held by a writer would stall the workers and every reader. Every
-- way to write or lock bulk.resources and bulk.relationships, as every role: refused, but for ACCESS
-- SHARE (what any SELECT takes; it blocks only DDL, never the workers).
CREATE FUNCTION pg_temp.error_as(role_name text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role_name);
    EXECUTE statement;
    RESET ROLE;
    RETURN 'allowed';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT t.name AS stored_table, s.statement,
       pg_temp.error_as('regress_writer_a', format(s.statement, t.name)) AS writer,
       pg_temp.error_as('regress_reader', format(s.statement, t.name)) AS reader,
       pg_temp.error_as('regress_admin', format(s.statement, t.name)) AS admin,
       pg_temp.error_as('regress_nobody', format(s.statement, t.name)) AS nobody
  FROM (VALUES ('bulk.resources'), ('bulk.relationships')) AS t(name),
       (VALUES (1, $$INSERT INTO %s SELECT * FROM %1$s LIMIT 1$$),
               (2, $$UPDATE %s SET data = data$$),
               (3, $$DELETE FROM %s$$),
               (4, $$TRUNCATE %s$$),
               (5, $$SELECT 1 FROM %s FOR KEY SHARE$$),
               (6, $$SELECT 1 FROM %s FOR SHARE$$),
               (7, $$SELECT 1 FROM %s FOR NO KEY UPDATE$$),
               (8, $$SELECT 1 FROM %s FOR UPDATE$$),
               (9, $$LOCK TABLE %s IN ACCESS SHARE MODE$$),
               (10, $$LOCK TABLE %s IN ROW SHARE MODE$$),
               (11, $$LOCK TABLE %s IN ROW EXCLUSIVE MODE$$),
               (12, $$LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE$$),
               (13, $$LOCK TABLE %s IN SHARE MODE$$),
               (14, $$LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE$$),
               (15, $$LOCK TABLE %s IN EXCLUSIVE MODE$$),
               (16, $$LOCK TABLE %s IN ACCESS EXCLUSIVE MODE$$),
               (17, $$ALTER TABLE %s DISABLE TRIGGER USER$$)) AS s(position, statement)
 ORDER BY t.name, s.position;
-- VACUUM cannot run in a function: as the writer, it skips the table it does not own.
SET ROLE regress_writer_a;
VACUUM bulk.resources;
RESET ROLE;

-- A COPY into the definition tables is checked like any write unless a superuser runs it (a restore,
-- docs/backups.md): an admin's COPY of a definition naming a missing profile is refused.
SET ROLE regress_admin;
COPY bulk.relationship_definitions (key, definition) FROM stdin;
copied	{"from": {"profileKey": "nobody"}, "to": {"profileKey": "provider"}, "cardinality": "N:N"}
\.
SELECT count(*) AS copied_definitions FROM bulk.relationship_definitions WHERE key = 'copied';
SELECT current_setting('session_replication_role') AS replication_role;
RESET ROLE;

-- Clean up (the bulk_* roles stay, as after any DROP EXTENSION). The extension owns schema bulk:
-- nothing of it stays behind.
DROP EXTENSION pg_bulk CASCADE;
SELECT count(*) AS bulk_schemas_left FROM pg_namespace WHERE nspname = 'bulk';
DROP SCHEMA evil CASCADE;
DROP TABLE public.apply_log, public.staging_a, public.staging_h, public.secret;
DROP FUNCTION public.log_apply();
DROP ROLE regress_writer_a, regress_writer_b, regress_writer_c, regress_hostile, regress_reader, regress_admin,
          regress_nobody;
