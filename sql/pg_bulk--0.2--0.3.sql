-- pg_bulk 0.2 -> 0.3 (docs/backups.md, "Upgrading"). A database updated by this script has exactly the objects of
-- a fresh 0.3 install (test/t/005_upgrade.pl compares their catalogs).
\echo Use "ALTER EXTENSION pg_bulk UPDATE TO '0.3'" to load this file. \quit

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
