-- pg_bulk 0.2 -> 0.3 (docs/backups.md, "Upgrading"). A database updated by this script has exactly the objects of
-- a fresh 0.3 install (test/t/005_upgrade.pl compares their catalogs).
\echo Use "ALTER EXTENSION pg_bulk UPDATE TO '0.3'" to load this file. \quit

-- The worker pool (issue 11, docs/design.md "The worker pool"): what each task touches, a row per worker in
-- bulk.workers with its state, and the task a held-back task waits for in bulk.queue. Tasks queued before the
-- update have no summary: the workers order them after and before everything (one at a time).
ALTER TABLE bulk.tasks ADD COLUMN touches bytea;
ALTER TABLE bulk.tasks ALTER COLUMN touches SET STORAGE EXTERNAL;

CREATE FUNCTION bulk._waiting_tasks() RETURNS TABLE (bulk_id text, waits_for text)
    AS 'MODULE_PATHNAME', 'bulk_waiting_tasks' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION bulk._waiting_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulk._waiting_tasks() TO bulk_writer;

CREATE OR REPLACE VIEW bulk.queue WITH (security_invoker = true) AS
    SELECT t.queue_position, t.bulk_id, pg_catalog.pg_get_userbyid(t.submitted_by) AS submitted_by, t.target,
           t.submitted_at, t.started_at, t.operation_count, t.applied_count,
           pg_catalog.round(100.0 OPERATOR(pg_catalog.*) t.applied_count OPERATOR(pg_catalog./) t.operation_count, 1)
               AS percent_done,
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
