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
ALTER TABLE bulk.tasks ADD COLUMN paused_at timestamptz;
ALTER TABLE bulk.relationships ADD COLUMN meta jsonb;
ALTER TABLE bulk.tasks ADD COLUMN retry_of text, ADD COLUMN retry_filter text;
CREATE UNIQUE INDEX tasks_retries ON bulk.tasks (retry_of, retry_filter) WHERE retry_of IS NOT NULL;

-- A new task with the operations of a finished task whose receipts are FAILURE or CANCELLED (only
-- those with the listed error types, and CANCELLED, when error_types is given), submitted as the
-- original submitter: the caller must see the task (its submitter, or bulk_admin).
CREATE FUNCTION bulk.retry(bulk_id text, error_types text[] DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_retry' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;

-- The document links retries both ways: "retryOf" (the task this one retries) and "retries" (the
-- retries of this one, in queue order), when there are any.
CREATE OR REPLACE FUNCTION bulk.task(bulk_id text, with_receipts boolean DEFAULT true) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    task_status text;
    original text;
    retries jsonb;
BEGIN
    SELECT t.status, t.retry_of INTO task_status, original
      FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) task.bulk_id;
    IF NOT FOUND THEN
        PERFORM bulk._raise_unknown_task(task.bulk_id);
    END IF;
    SELECT pg_catalog.jsonb_agg(r.bulk_id ORDER BY r.queue_position) INTO retries
      FROM bulk.tasks r WHERE r.retry_of OPERATOR(pg_catalog.=) task.bulk_id;
    IF original IS NULL AND retries IS NULL THEN
        RETURN bulk._task_document(task.bulk_id, task_status, with_receipts);
    END IF;
    RETURN bulk._task_document(task.bulk_id, task_status, with_receipts)
           OPERATOR(pg_catalog.||) pg_catalog.jsonb_strip_nulls(
               pg_catalog.jsonb_build_object('retryOf', original, 'retries', retries));
END
$$;


-------------------------------------------------------------------------------------------------
-- Pausing (DESIGN §5): bulk_admin members pause every task or one, without superuser; stored, so a
-- pause survives a restart (and a dump). pg_bulk.enabled stays the superuser's switch.
-------------------------------------------------------------------------------------------------
-- At most one row: present while every task is paused.
CREATE TABLE bulk.global_pause (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    paused_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);

-- The pause state of everything: {"paused": true, "pausedAt": ...} or {"paused": false}.
CREATE FUNCTION bulk._global_pause_document() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT pg_catalog.jsonb_build_object('paused', true, 'pausedAt', g.paused_at)
                       FROM bulk.global_pause g),
                    '{"paused": false}')
$$;

-- The pause state of a task: {"bulkId", "status", "paused"?: "task" | "all", "pausedAt"?}; "all" when
-- only the global pause holds it. Only a PENDING task is paused.
CREATE FUNCTION bulk._task_pause_document(bulk_id text) RETURNS jsonb
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'bulkId', t.bulk_id, 'status', t.status,
        'paused', CASE WHEN t.status OPERATOR(pg_catalog.<>) 'PENDING' THEN NULL
                       WHEN t.paused_at IS NOT NULL THEN 'task' WHEN g.paused_at IS NOT NULL THEN 'all' END,
        'pausedAt', CASE WHEN t.status OPERATOR(pg_catalog.=) 'PENDING' THEN coalesce(t.paused_at, g.paused_at) END))
      FROM bulk.tasks t LEFT JOIN bulk.global_pause g ON true
     WHERE t.bulk_id OPERATOR(pg_catalog.=) $1
$$;

-- SECURITY DEFINER: they write what bulk_admin members cannot write directly; EXECUTE is granted to
-- bulk_admin only.
CREATE FUNCTION bulk.pause() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO bulk.global_pause DEFAULT VALUES ON CONFLICT (only_row) DO NOTHING;
    RETURN bulk._global_pause_document();
END
$$;

CREATE FUNCTION bulk.resume() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bulk.global_pause;
    PERFORM bulk._wake_worker();
    RETURN bulk._global_pause_document();
END
$$;

CREATE FUNCTION bulk.pause(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- A worker applying the task re-locks its row for every batch and could starve this UPDATE: the
    -- hint makes it wait, between batches, until this transaction ends (as for bulk.cancel).
    PERFORM bulk._hint_cancel(pause.bulk_id);
    UPDATE bulk.tasks t SET paused_at = coalesce(t.paused_at, pg_catalog.clock_timestamp())
     WHERE t.bulk_id OPERATOR(pg_catalog.=) pause.bulk_id AND t.status OPERATOR(pg_catalog.=) 'PENDING';
    IF NOT FOUND AND NOT EXISTS (SELECT FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) pause.bulk_id) THEN
        PERFORM bulk._raise_unknown_task(pause.bulk_id);
    END IF;
    RETURN bulk._task_pause_document(pause.bulk_id);
END
$$;

CREATE FUNCTION bulk.resume(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE bulk.tasks t SET paused_at = NULL WHERE t.bulk_id OPERATOR(pg_catalog.=) resume.bulk_id;
    IF NOT FOUND THEN
        PERFORM bulk._raise_unknown_task(resume.bulk_id);
    END IF;
    PERFORM bulk._wake_worker();
    RETURN bulk._task_pause_document(resume.bulk_id);
END
$$;

-- Sets the worker's latch when the calling transaction commits (resume: no wait for the poll).
CREATE FUNCTION bulk._wake_worker() RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_wake_worker' LANGUAGE C VOLATILE;

CREATE VIEW bulk.queue WITH (security_invoker = true) AS
    SELECT t.queue_position, t.bulk_id, pg_catalog.pg_get_userbyid(t.submitted_by) AS submitted_by, t.target,
           t.submitted_at, t.started_at, t.operation_count, t.applied_count,
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) t.applied_count OPERATOR(pg_catalog./) t.operation_count, 1)
               AS percent_done,
           CASE WHEN t.paused_at IS NOT NULL THEN 'task'
                WHEN EXISTS (SELECT FROM bulk.global_pause) THEN 'all' END AS paused
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

DROP VIEW bulk.workers;
-- paused: pg_bulk.enabled = off, or bulk.pause().
CREATE VIEW bulk.workers AS
    SELECT w.pid, w.database, w.current_task, w.operations_applied, w.last_activity,
           w.paused OR EXISTS (SELECT FROM bulk.global_pause) AS paused
      FROM bulk._worker_status() w;

-- Metrics count errors by type, and queue time from the commit; wait refuses to wait for nothing.
-- queueSeconds counts from submitted_at, the submitting transaction's commit (src/pg/store/submit_time.cpp).
CREATE OR REPLACE FUNCTION bulk.metrics(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t bulk.tasks;
    succeeded bigint;
    failed bigint;
    errors jsonb;
    unfinished bigint;
    run_seconds numeric;
BEGIN
    SELECT * INTO t FROM bulk.tasks WHERE tasks.bulk_id OPERATOR(pg_catalog.=) metrics.bulk_id;
    IF NOT FOUND THEN
        PERFORM bulk._raise_unknown_task(metrics.bulk_id);
    END IF;
    SELECT coalesce(sum(c.operations) FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'SUCCESS'), 0),
           coalesce(sum(c.operations) FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'FAILURE'), 0),
           coalesce(pg_catalog.jsonb_object_agg(c.error_type, c.operations ORDER BY c.error_type)
                        FILTER (WHERE c.error_type IS NOT NULL), '{}')
      INTO succeeded, failed, errors
      FROM (SELECT r.status, r.error ->> 'type' AS error_type,
                   sum(r.last_seq OPERATOR(pg_catalog.-) r.seq OPERATOR(pg_catalog.+) 1) AS operations
              FROM bulk.operation_results r WHERE r.bulk_id OPERATOR(pg_catalog.=) t.bulk_id
             GROUP BY 1, 2) c;
    unfinished := t.operation_count OPERATOR(pg_catalog.-) succeeded OPERATOR(pg_catalog.-) failed;
    run_seconds := pg_catalog.date_part('epoch', coalesce(t.finished_at, pg_catalog.clock_timestamp())
                                                 OPERATOR(pg_catalog.-) t.started_at)::numeric;
    RETURN pg_catalog.jsonb_build_object(
        'bulkId', t.bulk_id,
        'status', t.status,
        'operations', t.operation_count,
        'submittedAt', t.submitted_at,
        'startedAt', t.started_at,
        'finishedAt', t.finished_at,
        'queueSeconds', pg_catalog.round(pg_catalog.date_part('epoch', t.started_at OPERATOR(pg_catalog.-) t.submitted_at)::numeric, 6),
        'runSeconds', pg_catalog.round(run_seconds, 6),
        'counts', pg_catalog.jsonb_build_object(
            'PENDING', CASE WHEN t.status OPERATOR(pg_catalog.=) 'CANCELLED' THEN 0 ELSE unfinished END,
            'SUCCESS', succeeded,
            'FAILURE', failed,
            'CANCELLED', CASE WHEN t.status OPERATOR(pg_catalog.=) 'CANCELLED' THEN unfinished ELSE 0 END),
        'errors', errors,
        'operationsPerSecond', CASE WHEN run_seconds OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.round((succeeded OPERATOR(pg_catalog.+) failed) OPERATOR(pg_catalog./) run_seconds, 1) END);
END
$$;

-- Whether a row was written by the current transaction (or one of its subtransactions).
CREATE FUNCTION bulk._written_by_this_transaction(row_xmin xid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'bulk_written_by_this_transaction' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

-- A pending task that this transaction could never see end: raises 55000 instead of waiting out the
-- timeout. No worker sees a task before the transaction that submitted it commits, and a REPEATABLE
-- READ or SERIALIZABLE transaction never sees a task end after its first statement.
CREATE FUNCTION bulk._refuse_hopeless_wait(bulk_id text, row_xmin xid) RETURNS void
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF bulk._written_by_this_transaction(row_xmin) THEN
        RAISE EXCEPTION 'bulk task % was submitted in this transaction: no worker can apply it before the transaction commits',
            bulk._quote_excerpt(bulk_id)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Commit the transaction that submitted the task, then wait for it.';
    END IF;
    IF pg_catalog.current_setting('transaction_isolation') OPERATOR(pg_catalog.<>) 'read committed' THEN
        RAISE EXCEPTION 'cannot wait for bulk task % in a % transaction: it would never see the task end',
            bulk._quote_excerpt(bulk_id), pg_catalog.upper(pg_catalog.current_setting('transaction_isolation'))
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Wait in a READ COMMITTED transaction, or outside of any transaction block.';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION bulk.wait(bulk_id text, timeout interval DEFAULT '30 seconds') RETURNS jsonb
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) timeout;
    task_status text;
    row_xmin xid;
    seen bigint;
BEGIN
    LOOP
        -- Read before the status: a task end committed after the read wakes the sleep below.
        seen := bulk._tasks_ended();
        SELECT t.status, t.xmin INTO task_status, row_xmin
          FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) wait.bulk_id;
        IF NOT FOUND THEN
            PERFORM bulk._raise_unknown_task(wait.bulk_id);
        END IF;
        EXIT WHEN task_status OPERATOR(pg_catalog.<>) 'PENDING'
               OR pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>=) deadline;
        PERFORM bulk._refuse_hopeless_wait(wait.bulk_id, row_xmin);
        PERFORM bulk._wait_for_task_end(seen, 1000 OPERATOR(pg_catalog.*) LEAST(1.0,
            pg_catalog.date_part('epoch', deadline OPERATOR(pg_catalog.-) pg_catalog.clock_timestamp())));
    END LOOP;
    RETURN bulk.task(wait.bulk_id);
END
$$;

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
-- as usual (src/pg/triggers/restore_copy.cpp).
CREATE FUNCTION bulk._restore_copy_begins() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bulk_restore_copy_begins' LANGUAGE C;
-- Back to origin after the COPY (ENABLE ALWAYS: it fires in replica mode too).
CREATE FUNCTION bulk._restore_copy_ends() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bulk_restore_copy_ends' LANGUAGE C;

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
GRANT SELECT ON bulk.workers TO bulk_admin;
GRANT SELECT ON bulk.global_pause TO bulk_writer;
GRANT EXECUTE ON FUNCTION bulk.pause(), bulk.resume(), bulk.pause(text), bulk.resume(text) TO bulk_admin;
GRANT EXECUTE ON FUNCTION bulk._written_by_this_transaction(xid), bulk._refuse_hopeless_wait(text, xid)
    TO bulk_writer;
GRANT EXECUTE ON FUNCTION bulk._quote_excerpt(text), bulk.retry(text, text[]) TO bulk_writer;

-- The identity sequences too, or a restored database would hand out queue positions and log
-- positions that its restored rows already hold.
SELECT pg_catalog.pg_extension_config_dump('bulk.global_pause', '');
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
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_tasks' LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp;

-- Every receipt of one task, by the same C code.
CREATE OR REPLACE FUNCTION bulk.receipts(bulk_id text)
RETURNS TABLE (seq integer, action text, type text, id text, status text,
               error_code integer, error_type text, error_message text, completed_at timestamptz)
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_task' LANGUAGE C STABLE STRICT
    SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION bulk.receipts(text[], text[], text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk.receipts(text[], text[], text, integer, integer) TO bulk_writer;
