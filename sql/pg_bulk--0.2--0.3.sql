-- pg_bulk 0.2 -> 0.3 (docs/backups.md, "Upgrading"). A database updated by this script has exactly the objects of
-- a fresh 0.3 install (test/t/005_upgrade.pl compares their catalogs).
\echo Use "ALTER EXTENSION pg_bulk UPDATE TO '0.3'" to load this file. \quit

-- The worker pool (issue 11, docs/design.md "The worker pool"): what each task touches, a row per worker in
-- bulk.workers with its state, and the task a held-back task waits for in bulk.queue. Tasks queued before the
-- update have no summary: the workers order them after and before everything (one at a time).
ALTER TABLE bulk.tasks ADD COLUMN touches bytea;
ALTER TABLE bulk.tasks ALTER COLUMN touches SET STORAGE EXTERNAL;
-- Streamed loads (issue 15): a streamed load's task names its load, the load its staging table.
ALTER TABLE bulk.tasks ADD COLUMN load_id text;

CREATE FUNCTION bulk._waiting_tasks() RETURNS TABLE (bulk_id text, waits_for text)
    AS 'MODULE_PATHNAME', 'bulk_waiting_tasks' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION bulk._waiting_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk._waiting_tasks() TO bulk_writer;

CREATE OR REPLACE VIEW bulk.queue WITH (security_invoker = true) AS
    SELECT t.queue_position, t.bulk_id, pg_catalog.pg_get_userbyid(t.submitted_by) AS submitted_by, t.target,
           t.submitted_at, t.started_at, t.operation_count, t.applied_count,
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) t.applied_count
                            OPERATOR(pg_catalog./) NULLIF(t.operation_count, 0), 1)
               AS percent_done,  -- NULL for a streamed load's task, whose operations are still staged
           CASE WHEN t.paused_at IS NOT NULL THEN 'task'
                WHEN EXISTS (SELECT FROM bulk.global_pause) THEN 'all' END AS paused,
           CASE WHEN w.waits_for IS NULL THEN NULL
                WHEN EXISTS (SELECT FROM bulk.tasks b WHERE b.bulk_id OPERATOR(pg_catalog.=) w.waits_for)
                    THEN w.waits_for
                ELSE 'a task of another role' END AS waits_for
      FROM bulk.tasks t LEFT JOIN bulk._waiting_tasks() w ON w.bulk_id OPERATOR(pg_catalog.=) t.bulk_id
     WHERE t.status OPERATOR(pg_catalog.=) 'PENDING'
     ORDER BY t.queue_position;

DROP VIEW bulk.workers;
DROP FUNCTION bulk._worker_status();
CREATE FUNCTION bulk._worker_status()
RETURNS TABLE (pid integer, database name, state text, current_task text, operations_applied bigint,
               last_activity timestamptz, paused boolean)
    AS 'MODULE_PATHNAME', 'bulk_workers' LANGUAGE C VOLATILE;
CREATE VIEW bulk.workers AS
    SELECT w.pid, w.database, w.state, w.current_task, w.operations_applied, w.last_activity,
           w.paused OR EXISTS (SELECT FROM bulk.global_pause) AS paused
      FROM bulk._worker_status() w;
REVOKE ALL ON bulk.workers FROM PUBLIC;
REVOKE ALL ON FUNCTION bulk._worker_status() FROM PUBLIC;
GRANT SELECT ON bulk.workers TO bulk_admin;
GRANT EXECUTE ON FUNCTION bulk._worker_status() TO bulk_admin;

-------------------------------------------------------------------------------------------------
-- Issue 16: versions, PATCH, atomic requests
-------------------------------------------------------------------------------------------------
-- Every stored record gets a version; the records stored so far start at 1.
ALTER TABLE bulk.resources
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);  -- 1 when created, +1 at every write (DESIGN §11)
ALTER TABLE bulk.relationships
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version > 0);  -- like a resource's
-- The versions a run of successes wrote (DELETE: removed): one element when the run's operations
-- share it (a run of CREATEs: {1}), else one per operation seq..last_seq. NULL for other receipts
-- and for those written before 0.3.
ALTER TABLE bulk.operation_results ADD COLUMN versions integer[];
-- Atomic requests ("atomic": true): applied all or nothing, in one transaction.
ALTER TABLE bulk.tasks ADD COLUMN atomic boolean NOT NULL DEFAULT false;

-- bulk.receipts gains a version column (a new result type: dropped and created again).
DROP FUNCTION bulk.receipts(text[], text[], text, integer, integer);
DROP FUNCTION bulk.receipts(text);

-- Receipts of many tasks (DESIGN §5, docs/api.md "Tasks and receipts"): rows in the order of bulk_ids
-- (each id once), then by seq; only the listed statuses (NULL: every status); strictly after
-- (after_bulk_id, after_seq) when both are given; at most max_rows (1 to 100000) rows. Built in C from
-- the stored chunks and receipt runs, reading as the caller (row level security applies); NULL bulk_ids
-- return no rows.
CREATE FUNCTION bulk.receipts(bulk_ids text[], statuses text[] DEFAULT NULL, after_bulk_id text DEFAULT NULL,
                              after_seq integer DEFAULT NULL, max_rows integer DEFAULT 1000)
RETURNS TABLE (bulk_id text, seq integer, action text, type text, id text, status text, error_code integer,
               error_type text, error_message text, completed_at timestamptz, version integer)
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_tasks' LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp;

-- Every receipt of one task, by the same C code.
CREATE FUNCTION bulk.receipts(bulk_id text)
RETURNS TABLE (seq integer, action text, type text, id text, status text,
               error_code integer, error_type text, error_message text, completed_at timestamptz, version integer)
    AS 'MODULE_PATHNAME', 'bulk_receipts_of_task' LANGUAGE C STABLE STRICT
    SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION bulk.receipts(text[], text[], text, integer, integer), bulk.receipts(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk.receipts(text[], text[], text, integer, integer), bulk.receipts(text) TO bulk_writer;

-------------------------------------------------------------------------------------------------
-- Issue 15: streamed loads (DESIGN §7, docs/design.md "Streamed loads")
-------------------------------------------------------------------------------------------------
ALTER TABLE bulk.loads ADD COLUMN mode text NOT NULL DEFAULT 'queue' CHECK (mode IN ('queue', 'stream')),
                       ADD COLUMN source_table text;

-- The task behind an id given to bulk.cancel or bulk.wait: a streamed load's id (ld_...) stands for its
-- task; any other id for itself (an unknown or invisible one is then reported as given).
CREATE FUNCTION bulk._task_of(id text) RETURNS text
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT l.bulk_ids[1] FROM bulk.loads l
                      WHERE l.load_id OPERATOR(pg_catalog.=) _task_of.id
                        AND l.mode OPERATOR(pg_catalog.=) 'stream'), _task_of.id)
$$;

REVOKE ALL ON FUNCTION bulk._task_of(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk._task_of(text) TO bulk_writer;

-- A streamed load's id (ld_...) cancels its task: the worker stops after the batch in flight.
CREATE OR REPLACE FUNCTION bulk.cancel(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    task_id text := bulk._task_of(cancel.bulk_id);
BEGIN
    PERFORM bulk._cancel_visible_task(task_id);
    RETURN bulk.task(task_id);
END
$$;

CREATE OR REPLACE FUNCTION bulk.wait(bulk_id text, timeout interval DEFAULT '30 seconds') RETURNS jsonb
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    deadline timestamptz := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) timeout;
    task_status text;
    row_xmin xid;
    seen bigint;
    task_id text := bulk._task_of(wait.bulk_id);  -- a streamed load's id waits for its task
BEGIN
    LOOP
        -- Read before the status: a task end committed after the read wakes the sleep below.
        seen := bulk._tasks_ended();
        SELECT t.status, t.xmin INTO task_status, row_xmin
          FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) task_id;
        IF NOT FOUND THEN
            PERFORM bulk._raise_unknown_task(task_id);
        END IF;
        EXIT WHEN task_status OPERATOR(pg_catalog.<>) 'PENDING'
               OR pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>=) deadline;
        PERFORM bulk._refuse_hopeless_wait(task_id, row_xmin);
        PERFORM bulk._wait_for_task_end(seen, 1000 OPERATOR(pg_catalog.*) LEAST(1.0,
            pg_catalog.date_part('epoch', deadline OPERATOR(pg_catalog.-) pg_catalog.clock_timestamp())));
    END LOOP;
    RETURN bulk.task(task_id);
END
$$;

CREATE OR REPLACE FUNCTION bulk.load_status(load_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l bulk.loads;
    counts jsonb;
    combined text;
    applied bigint;
BEGIN
    SELECT * INTO l FROM bulk.loads WHERE loads.load_id OPERATOR(pg_catalog.=) load_status.load_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bulk load % does not exist', bulk._quote_excerpt(load_status.load_id)
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT coalesce(pg_catalog.jsonb_object_agg(s.status, s.n), '{}'::jsonb),
           coalesce(pg_catalog.sum(s.applied), 0) INTO counts, applied
      FROM (SELECT t.status, count(*) AS n, pg_catalog.sum(t.applied_count) AS applied FROM bulk.tasks t
             WHERE t.bulk_id OPERATOR(pg_catalog.=) ANY (l.bulk_ids) GROUP BY t.status) s;
    combined := CASE
        WHEN counts ? 'PENDING' THEN 'PENDING'
        WHEN counts ? 'FAILURE' THEN 'FAILURE'
        WHEN counts ? 'CANCELLED' THEN 'CANCELLED'
        ELSE 'SUCCESS' END;
    RETURN pg_catalog.jsonb_build_object(
        'loadId', l.load_id, 'mode', l.mode, 'source', l.source, 'target', l.target, 'loadedAt', l.loaded_at,
        'records', l.records, 'submitted', l.submitted,
        'failureCount', l.failure_count, 'failures', l.failures,
        'warningCount', l.warning_count, 'warnings', l.warnings,
        'bulkIds', pg_catalog.to_jsonb(l.bulk_ids), 'status', combined, 'tasks', counts,
        'operationsApplied', applied);
END
$$;

-- bulk.metrics counts CANCELLED receipt rows (those of a failed atomic task).
CREATE OR REPLACE FUNCTION bulk.metrics(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t bulk.tasks;
    succeeded bigint;
    failed bigint;
    cancelled bigint;  -- receipt rows: the operations of a failed atomic task (a cancelled task writes none)
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
           coalesce(sum(c.operations) FILTER (WHERE c.status OPERATOR(pg_catalog.=) 'CANCELLED'), 0),
           coalesce(pg_catalog.jsonb_object_agg(c.error_type, c.operations ORDER BY c.error_type)
                        FILTER (WHERE c.error_type IS NOT NULL), '{}')
      INTO succeeded, failed, cancelled, errors
      FROM (SELECT r.status, r.error ->> 'type' AS error_type,
                   sum(r.last_seq OPERATOR(pg_catalog.-) r.seq OPERATOR(pg_catalog.+) 1) AS operations
              FROM bulk.operation_results r WHERE r.bulk_id OPERATOR(pg_catalog.=) t.bulk_id
             GROUP BY 1, 2) c;
    unfinished := t.operation_count OPERATOR(pg_catalog.-) succeeded OPERATOR(pg_catalog.-) failed
                  OPERATOR(pg_catalog.-) cancelled;
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
            'CANCELLED', cancelled OPERATOR(pg_catalog.+)
                         CASE WHEN t.status OPERATOR(pg_catalog.=) 'CANCELLED' THEN unfinished ELSE 0 END),
        'errors', errors,
        'operationsPerSecond', CASE WHEN run_seconds OPERATOR(pg_catalog.>) 0
            THEN pg_catalog.round((succeeded OPERATOR(pg_catalog.+) failed) OPERATOR(pg_catalog./) run_seconds, 1) END);
END
$$;

-- bulk.receipts reads receipts in C (the walker bulk.task uses): the SQL reading of them is gone.
DROP FUNCTION bulk._receipt_rows(text, text);

-- The worker's PATCH statement (one UPDATE per batch of PATCHes): per row, whether it is written (its
-- condition holds and the merged record is valid), then the merged data (0), contained (1) and meta (2).
-- They serve only that statement and refuse to run outside it.
CREATE FUNCTION bulk._patch_row(operation integer, version integer, data jsonb, contained jsonb, meta jsonb)
    RETURNS boolean AS 'MODULE_PATHNAME', 'bulk_patch_row' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION bulk._patched(operation integer, part integer) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_patched' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION bulk._patch_row(integer, integer, jsonb, jsonb, jsonb), bulk._patched(integer, integer) FROM PUBLIC;
