-- pg_bulk 0.1 -> 0.2 (docs/backups.md, "Upgrading"). A database upgraded by this script has exactly the objects of
-- a fresh 0.2 install (test/t/005_upgrade.pl compares their catalogs).
\echo Use "ALTER EXTENSION pg_bulk UPDATE TO '0.2'" to load this file. \quit

-- The extension takes ownership of schema bulk, so DROP EXTENSION removes it. 0.1 was installed
-- *into* bulk, and an extension cannot own the schema it is installed in: as a fresh 0.2 install, it
-- now lives in pg_catalog (it is not relocatable: nothing else depends on its schema).
UPDATE pg_catalog.pg_extension SET extnamespace = 'pg_catalog'::pg_catalog.regnamespace
 WHERE extname OPERATOR(pg_catalog.=) 'pg_bulk';
DELETE FROM pg_catalog.pg_depend d
 USING pg_catalog.pg_extension e
 WHERE e.extname OPERATOR(pg_catalog.=) 'pg_bulk'
   AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.objid OPERATOR(pg_catalog.=) e.oid
   AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass
   AND d.refobjid OPERATOR(pg_catalog.=) 'bulk'::pg_catalog.regnamespace;
ALTER EXTENSION pg_bulk ADD SCHEMA bulk;

-- Submitters as regrole, dumped by name. The policies and the view that read the column are rebuilt.
DROP POLICY own_tasks ON bulk.tasks;
DROP POLICY own_loads ON bulk.loads;
DROP VIEW bulk.queue;
ALTER TABLE bulk.tasks ALTER COLUMN submitted_by TYPE regrole;
ALTER TABLE bulk.loads ALTER COLUMN submitted_by TYPE regrole;
CREATE VIEW bulk.queue WITH (security_invoker = true) AS
    SELECT t.queue_position, t.bulk_id, pg_catalog.pg_get_userbyid(t.submitted_by) AS submitted_by, t.target,
           t.submitted_at, t.started_at, t.operation_count, t.applied_count,
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) t.applied_count OPERATOR(pg_catalog./) t.operation_count, 1)
               AS percent_done
      FROM bulk.tasks t
     WHERE t.status OPERATOR(pg_catalog.=) 'PENDING'
     ORDER BY t.queue_position;

CREATE POLICY own_tasks ON bulk.tasks FOR SELECT
    USING (submitted_by OPERATOR(pg_catalog.=)
               (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
           OR pg_catalog.pg_has_role('bulk_admin', 'USAGE'));
CREATE POLICY own_loads ON bulk.loads FOR SELECT
    USING (submitted_by OPERATOR(pg_catalog.=)
               (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
           OR pg_catalog.pg_has_role('bulk_admin', 'USAGE'));

-- Messages quote unknown ids and keys by their first 64 characters.
-- A name or id as error messages quote it: a JSON string of its first 64 characters, "..." marking
-- a cut (the same rule as the C code's), so a huge argument never floods the message or the log.
CREATE FUNCTION bulk._quote_excerpt(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pg_catalog.length(value) OPERATOR(pg_catalog.<=) 64 THEN pg_catalog.to_jsonb(value)::text
                ELSE pg_catalog.rtrim(pg_catalog.to_jsonb(pg_catalog."left"(value, 64))::text, '"')
                     OPERATOR(pg_catalog.||) '..."' END
$$;

CREATE OR REPLACE FUNCTION bulk._raise_unknown_task(bulk_id text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'bulk task % does not exist', bulk._quote_excerpt(bulk_id) USING ERRCODE = 'no_data_found';
END
$$;

CREATE OR REPLACE FUNCTION bulk.load_status(load_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bulk.loads;
    counts jsonb;
    combined text;
BEGIN
    SELECT * INTO l FROM bulk.loads WHERE loads.load_id OPERATOR(pg_catalog.=) load_status.load_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bulk load % does not exist', bulk._quote_excerpt(load_status.load_id)
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT coalesce(pg_catalog.jsonb_object_agg(s.status, s.n), '{}'::jsonb) INTO counts
      FROM (SELECT t.status, count(*) AS n FROM bulk.tasks t
             WHERE t.bulk_id OPERATOR(pg_catalog.=) ANY (l.bulk_ids) GROUP BY t.status) s;
    combined := CASE
        WHEN counts ? 'PENDING' THEN 'PENDING'
        WHEN counts ? 'FAILURE' THEN 'FAILURE'
        WHEN counts ? 'CANCELLED' THEN 'CANCELLED'
        ELSE 'SUCCESS' END;
    RETURN pg_catalog.jsonb_build_object(
        'loadId', l.load_id, 'source', l.source, 'target', l.target, 'loadedAt', l.loaded_at,
        'records', l.records, 'submitted', l.submitted,
        'failureCount', l.failure_count, 'failures', l.failures,
        'warningCount', l.warning_count, 'warnings', l.warnings,
        'bulkIds', pg_catalog.to_jsonb(l.bulk_ids), 'status', combined, 'tasks', counts);
END
$$;

CREATE OR REPLACE FUNCTION bulk.drop_profile(key text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bulk.profiles p WHERE p.key OPERATOR(pg_catalog.=) drop_profile.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'profile % does not exist', bulk._quote_excerpt(drop_profile.key)
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION bulk.drop_relationship(key text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bulk.relationship_definitions d WHERE d.key OPERATOR(pg_catalog.=) drop_relationship.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relationship definition % does not exist', bulk._quote_excerpt(drop_relationship.key)
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-------------------------------------------------------------------------------------------------
-- Restoring a dump (DESIGN §2 "Backups", docs/backups.md)
-------------------------------------------------------------------------------------------------
-- pg_restore loads each table of the extension with a COPY of its own, and with -j several at once:
-- pg_dump orders the data of extension tables by their foreign keys, but a parallel restore does not
-- keep that order, so a relationship or a task's log line may arrive before the row it refers to, in
-- another connection. The rows of a dump were checked when they were first written, so a superuser's
-- COPY into these tables (what pg_restore and a plain dump send) runs with session_replication_role =
-- replica: no triggers, no foreign-key checks, for that statement only. Every other write is checked
-- as usual. No SET clause on the trigger functions: it would undo their set_config at return.

-- Whether the statement the client sent is a COPY, run by a superuser.
CREATE FUNCTION bulk._superuser_copy() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.current_query() OPERATOR(pg_catalog.~*) '^(\s|--[^\n]*\n)*copy\s'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
$$;

CREATE FUNCTION bulk._restore_copy_begins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.current_setting('session_replication_role') OPERATOR(pg_catalog.=) 'origin'
       AND bulk._superuser_copy() THEN
        PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
    END IF;
    RETURN NULL;
END
$$;

-- Back to origin after the COPY, so that the rest of a --single-transaction restore (the tables of
-- other extensions) is checked as usual. Fires in replica mode too (ENABLE ALWAYS).
CREATE FUNCTION bulk._restore_copy_ends() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.current_setting('session_replication_role') OPERATOR(pg_catalog.=) 'replica'
       AND bulk._superuser_copy() THEN
        PERFORM pg_catalog.set_config('session_replication_role', 'origin', true);
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    table_name text;
BEGIN
    -- The tables whose rows are checked against other rows (of their own table or another).
    FOREACH table_name IN ARRAY ARRAY['profiles', 'relationship_definitions', 'relationships', 'task_operations',
                                      'task_logs', 'load_rejects'] LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER a_restore_copy_begins BEFORE INSERT ON bulk.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION bulk._restore_copy_begins()', table_name);
        EXECUTE pg_catalog.format('CREATE TRIGGER z_restore_copy_ends AFTER INSERT ON bulk.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION bulk._restore_copy_ends()', table_name);
        EXECUTE pg_catalog.format('ALTER TABLE bulk.%I ENABLE ALWAYS TRIGGER z_restore_copy_ends', table_name);
    END LOOP;
END
$$;

-- Nobody but the extension's owner (the workers) writes the stored tables.
REVOKE INSERT, UPDATE, DELETE ON bulk.resources, bulk.relationships FROM bulk_writer;

-- As at install: nothing is PUBLIC (the new functions and the rebuilt view included).
REVOKE ALL ON ALL TABLES IN SCHEMA bulk FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA bulk FROM PUBLIC;
GRANT SELECT ON bulk.queue TO bulk_writer;
GRANT EXECUTE ON FUNCTION bulk._quote_excerpt(text) TO bulk_writer;
GRANT EXECUTE ON FUNCTION bulk._superuser_copy() TO bulk_admin;

-- The identity sequences too, or a restored database would hand out queue positions and log
-- positions that its restored rows already hold.
SELECT pg_catalog.pg_extension_config_dump('bulk.tasks_queue_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.task_logs_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.load_rejects_position_seq', '');

-- Receipts of many tasks (DESIGN §5, docs/api.md "Tasks and receipts"): rows in the order of bulk_ids
-- (each id once), then by seq; only the listed statuses (NULL: every status); strictly after
-- (after_bulk_id, after_seq) when both are given; at most max_rows (1 to 100000) rows. Built in C from
-- the stored chunks and receipt runs, reading as the caller (row level security applies); NULL bulk_ids
-- return no rows.
CREATE FUNCTION bulk.receipts(bulk_ids text[], statuses text[] DEFAULT NULL, after_bulk_id text DEFAULT NULL,
                              after_seq integer DEFAULT NULL, max_rows integer DEFAULT 1000)
RETURNS TABLE (bulk_id text, seq integer, action text, type text, id text, status text, error_code integer,
               error_type text, error_message text, completed_at timestamptz)
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_tasks' LANGUAGE C STABLE;

-- Every receipt of one task, by the same C code.
CREATE OR REPLACE FUNCTION bulk.receipts(bulk_id text)
RETURNS TABLE (seq integer, action text, type text, id text, status text,
               error_code integer, error_type text, error_message text, completed_at timestamptz)
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_task' LANGUAGE C STABLE STRICT;

REVOKE ALL ON FUNCTION bulk.receipts(text[], text[], text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk.receipts(text[], text[], text, integer, integer) TO bulk_writer;
