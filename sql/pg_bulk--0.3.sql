-- pg_bulk 0.3: tables, functions and triggers of the bulk API. Objects live in schema bulk.
\echo Use "CREATE EXTENSION pg_bulk" to load this file. \quit

-- The extension owns its schema, so DROP EXTENSION leaves nothing behind (the control file names
-- pg_catalog as the extension's schema: the one an extension cannot own).
CREATE SCHEMA bulk;

-------------------------------------------------------------------------------------------------
-- Profiles (DESIGN §2)
-------------------------------------------------------------------------------------------------
CREATE TABLE bulk.profiles (
    key         text PRIMARY KEY,
    kind        text NOT NULL DEFAULT 'ROOT' CHECK (kind IN ('ROOT', 'CONTAINED')),
    definition  jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE bulk.profiles IS 'Schemas of resource types; every write is validated by a trigger';

-- Raises 22023 naming the JSON path of the first problem in a definition.
CREATE FUNCTION bulk._check_profile(key text, kind text, definition jsonb) RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_check_profile' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;

-- Statement trigger: tells every backend to drop its compiled profiles.
CREATE FUNCTION bulk._profiles_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bulk_profiles_changed' LANGUAGE C;

-- Why a profile cannot be dropped or change kind, or NULL when nothing uses it.
CREATE FUNCTION bulk._profile_user(profile_key text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(
        (SELECT pg_catalog.format('profile %s contains it', p.key)
           FROM bulk.profiles p,
                LATERAL pg_catalog.jsonb_each(
                    CASE pg_catalog.jsonb_typeof(p.definition -> 'contained')
                         WHEN 'object' THEN p.definition -> 'contained' ELSE '{}'::jsonb END) AS slot
          WHERE p.key OPERATOR(pg_catalog.<>) profile_key
            AND pg_catalog.jsonb_exists(slot.value -> 'types', profile_key)
          ORDER BY p.key LIMIT 1),
        (SELECT pg_catalog.format('relationship definition %s uses it', d.key)
           FROM bulk.relationship_definitions d
          WHERE d.definition #>> '{from,profileKey}' OPERATOR(pg_catalog.=) profile_key
             OR d.definition #>> '{to,profileKey}' OPERATOR(pg_catalog.=) profile_key
          ORDER BY d.key LIMIT 1),
        (SELECT 'resources of this type exist' FROM bulk.resources r
          WHERE r.type OPERATOR(pg_catalog.=) profile_key LIMIT 1))
$$;

-- Shared by bulk.profiles and bulk.relationship_definitions: keys are never renamed, version counts
-- the writes, created_at is the first write's time.
CREATE FUNCTION bulk._definition_versioning() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.key IS DISTINCT FROM OLD.key THEN
            RAISE EXCEPTION '% "%" cannot be renamed',
                CASE TG_TABLE_NAME WHEN 'profiles' THEN 'profile' ELSE 'relationship definition' END, OLD.key
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        NEW.version := OLD.version + 1;
        NEW.created_at := OLD.created_at;
    ELSE
        NEW.version := 1;
        NEW.created_at := now();
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE FUNCTION bulk._profile_before_write() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    user_of_profile text;
BEGIN
    PERFORM bulk._check_profile(NEW.key, NEW.kind, NEW.definition);
    IF TG_OP = 'UPDATE' AND NEW.kind IS DISTINCT FROM OLD.kind THEN
        user_of_profile := bulk._profile_user(OLD.key);
        IF user_of_profile IS NOT NULL THEN
            RAISE EXCEPTION 'cannot change profile "%" from % to %: %', OLD.key, OLD.kind, NEW.kind, user_of_profile
                USING ERRCODE = 'dependent_objects_still_exist';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION bulk._profile_before_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    user_of_profile text := bulk._profile_user(OLD.key);
BEGIN
    IF user_of_profile IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop profile "%": %', OLD.key, user_of_profile
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    RETURN OLD;
END
$$;

-- TRUNCATE bypasses row triggers: refuse it while resources depend on the profiles.
CREATE FUNCTION bulk._profiles_before_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk.resources) THEN
        RAISE EXCEPTION 'cannot truncate bulk.profiles: resources exist'
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER profiles_truncate BEFORE TRUNCATE ON bulk.profiles
    FOR EACH STATEMENT EXECUTE FUNCTION bulk._profiles_before_truncate();
CREATE TRIGGER profiles_a_versioning BEFORE INSERT OR UPDATE ON bulk.profiles
    FOR EACH ROW EXECUTE FUNCTION bulk._definition_versioning();
CREATE TRIGGER profiles_validate BEFORE INSERT OR UPDATE ON bulk.profiles
    FOR EACH ROW EXECUTE FUNCTION bulk._profile_before_write();
CREATE TRIGGER profiles_in_use BEFORE DELETE ON bulk.profiles
    FOR EACH ROW EXECUTE FUNCTION bulk._profile_before_delete();
CREATE TRIGGER profiles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bulk.profiles
    FOR EACH STATEMENT EXECUTE FUNCTION bulk._profiles_changed();

CREATE FUNCTION bulk.define_profile(key text, definition jsonb, kind text DEFAULT 'ROOT') RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bulk.profiles AS p (key, kind, definition) VALUES ($1, $3, $2)
    ON CONFLICT ON CONSTRAINT profiles_pkey DO UPDATE SET kind = excluded.kind, definition = excluded.definition
$$;
COMMENT ON FUNCTION bulk.define_profile(text, jsonb, text) IS 'Create or replace a profile';

CREATE FUNCTION bulk.drop_profile(key text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bulk.profiles p WHERE p.key OPERATOR(pg_catalog.=) drop_profile.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'profile % does not exist', bulk._quote_excerpt(drop_profile.key)
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-------------------------------------------------------------------------------------------------
-- Stored resources
-------------------------------------------------------------------------------------------------
-- Types and ids are identifiers, compared byte by byte (COLLATE "C"): the same whatever the
-- database's locale, and the primary key's comparisons are memcmp instead of strcoll.
CREATE TABLE bulk.resources (
    type        text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    data        jsonb NOT NULL,
    contained   jsonb,
    meta        jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1 CHECK (version > 0),  -- 1 when created, +1 at every write (DESIGN §11)
    PRIMARY KEY (type, id)
);

-------------------------------------------------------------------------------------------------
-- Relationship definitions and stored relationships (DESIGN §2)
-------------------------------------------------------------------------------------------------
CREATE TABLE bulk.relationship_definitions (
    key         text PRIMARY KEY,
    definition  jsonb NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE bulk.relationship_definitions IS 'Schemas of relationship types; every write is validated by a trigger';

-- Raises 22023 naming the JSON path of the first problem in a definition.
CREATE FUNCTION bulk._check_relationship(key text, definition jsonb) RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_check_relationship' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION bulk._relationship_before_write() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM bulk._check_relationship(NEW.key, NEW.definition);
    RETURN NEW;
END
$$;

CREATE FUNCTION bulk._relationship_before_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk.relationships r WHERE r.type OPERATOR(pg_catalog.=) OLD.key) THEN
        RAISE EXCEPTION 'cannot drop relationship definition "%": relationships of this type exist', OLD.key
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    RETURN OLD;
END
$$;

CREATE FUNCTION bulk._relationships_before_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk.relationships) THEN
        RAISE EXCEPTION 'cannot truncate bulk.relationship_definitions: relationships exist'
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER relationship_definitions_a_versioning BEFORE INSERT OR UPDATE ON bulk.relationship_definitions
    FOR EACH ROW EXECUTE FUNCTION bulk._definition_versioning();
CREATE TRIGGER relationship_definitions_validate BEFORE INSERT OR UPDATE ON bulk.relationship_definitions
    FOR EACH ROW EXECUTE FUNCTION bulk._relationship_before_write();
CREATE TRIGGER relationship_definitions_in_use BEFORE DELETE ON bulk.relationship_definitions
    FOR EACH ROW EXECUTE FUNCTION bulk._relationship_before_delete();
CREATE TRIGGER relationship_definitions_truncate BEFORE TRUNCATE ON bulk.relationship_definitions
    FOR EACH STATEMENT EXECUTE FUNCTION bulk._relationships_before_truncate();
CREATE TRIGGER relationship_definitions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON bulk.relationship_definitions FOR EACH STATEMENT EXECUTE FUNCTION bulk._profiles_changed();

CREATE FUNCTION bulk.define_relationship(key text, definition jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO bulk.relationship_definitions AS d (key, definition) VALUES ($1, $2)
    ON CONFLICT ON CONSTRAINT relationship_definitions_pkey DO UPDATE SET definition = excluded.definition
$$;
COMMENT ON FUNCTION bulk.define_relationship(text, jsonb) IS 'Create or replace a relationship definition';

CREATE FUNCTION bulk.drop_relationship(key text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM bulk.relationship_definitions d WHERE d.key OPERATOR(pg_catalog.=) drop_relationship.key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relationship definition % does not exist', bulk._quote_excerpt(drop_relationship.key)
            USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-- Only the workers (as the extension's owner) and superusers write the stored data.
CREATE FUNCTION bulk._guard_stored_data() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bulk_guard_stored_data' LANGUAGE C;
CREATE TRIGGER resources_written_by_tasks BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bulk.resources
    FOR EACH STATEMENT EXECUTE FUNCTION bulk._guard_stored_data();

-- Cardinality is copied from the definition when a relationship is written, so the partial unique
-- indexes enforce it in the database (also against concurrent writers), not only in a prior SELECT.
CREATE TABLE bulk.relationships (
    type         text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    from_type    text COLLATE "C" NOT NULL,
    from_id      text COLLATE "C" NOT NULL,
    to_type      text COLLATE "C" NOT NULL,
    to_id        text COLLATE "C" NOT NULL,
    cardinality  text NOT NULL CHECK (cardinality IN ('1:1', '1:N', 'N:N')),
    data         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    meta         jsonb,  -- as given by the operation, like a resource's
    version      integer NOT NULL DEFAULT 1 CHECK (version > 0),  -- like a resource's
    PRIMARY KEY (type, id),
    CONSTRAINT relationships_type_fkey FOREIGN KEY (type) REFERENCES bulk.relationship_definitions (key),
    CONSTRAINT relationships_from_fkey FOREIGN KEY (from_type, from_id)
        REFERENCES bulk.resources (type, id) ON DELETE CASCADE,
    CONSTRAINT relationships_to_fkey FOREIGN KEY (to_type, to_id)
        REFERENCES bulk.resources (type, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX relationships_pair ON bulk.relationships (type, from_type, from_id, to_type, to_id);
CREATE UNIQUE INDEX relationships_one_per_from ON bulk.relationships (type, from_type, from_id)
    WHERE cardinality = '1:1';
CREATE UNIQUE INDEX relationships_one_per_to ON bulk.relationships (type, to_type, to_id)
    WHERE cardinality IN ('1:1', '1:N');
CREATE INDEX relationships_from ON bulk.relationships (from_type, from_id);
CREATE INDEX relationships_to ON bulk.relationships (to_type, to_id);
CREATE TRIGGER relationships_written_by_tasks BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON bulk.relationships
    FOR EACH STATEMENT EXECUTE FUNCTION bulk._guard_stored_data();

-- Sets the cardinality column from the definition on every write, whoever writes. No SET clause: it
-- runs per row, only the workers (search_path pinned) and superusers write this table, and the
-- definitions it reads are cached.
CREATE FUNCTION bulk._relationship_cardinality() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bulk_relationship_cardinality' LANGUAGE C;
CREATE TRIGGER relationships_cardinality BEFORE INSERT OR UPDATE OF type, cardinality ON bulk.relationships
    FOR EACH ROW EXECUTE FUNCTION bulk._relationship_cardinality();

-------------------------------------------------------------------------------------------------
-- Bulk tasks (DESIGN §3, §5)
-------------------------------------------------------------------------------------------------
CREATE TABLE bulk.tasks (
    bulk_id          text PRIMARY KEY,
    queue_position   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    target           text NOT NULL CHECK (target IN ('resources', 'relationships')),
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'SUCCESS', 'FAILURE', 'CANCELLED')),
    submitted_by     regrole NOT NULL,  -- dumped by name: a restore in another cluster keeps the owner
    idempotency_key  text,
    operation_count  integer NOT NULL,
    applied_count    integer NOT NULL DEFAULT 0,  -- operations with a final receipt: the worker resumes here
    attempts         integer NOT NULL DEFAULT 0,  -- times the worker took the task up without finishing it
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    paused_at        timestamptz,  -- set by bulk.pause(bulk_id): the worker neither starts nor goes on with it
    retry_of         text,  -- the task bulk.retry made this one of
    retry_filter     text,  -- which of its receipts: '*' (every FAILURE and CANCELLED) or the sorted error types
    touches          bytea,  -- what its operations touch, for the workers' order (docs/design.md, "The worker pool")
    load_id          text,  -- a streamed load's task: the load (bulk.loads) whose staging table the workers consume
    atomic           boolean NOT NULL DEFAULT false  -- "atomic": true: applied all or nothing (DESIGN §11)
);
-- Hashes do not compress: stored out of line as they are.
ALTER TABLE bulk.tasks ALTER COLUMN touches SET STORAGE EXTERNAL;
CREATE UNIQUE INDEX tasks_idempotency_key ON bulk.tasks (submitted_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX tasks_pending ON bulk.tasks (queue_position) WHERE status = 'PENDING';
CREATE UNIQUE INDEX tasks_retries ON bulk.tasks (retry_of, retry_filter) WHERE retry_of IS NOT NULL;

-- The request's operations in chunks of 1000, so a reader never loads a whole request at once.
CREATE TABLE bulk.task_operations (
    bulk_id          text NOT NULL REFERENCES bulk.tasks ON DELETE CASCADE,
    first_operation  integer NOT NULL,
    operations       jsonb NOT NULL,
    PRIMARY KEY (bulk_id, first_operation)
);
-- lz4 compresses a chunk several times faster than the default pglz (submit and bulk.load write every
-- operation here once); a server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE bulk.task_operations ALTER COLUMN operations SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;

-- Final receipts, written by the worker with each operation's effect. A row is the receipt of
-- operations seq..last_seq, which share status, error and completion time: the worker writes a run
-- of consecutive successes of one batch as one row, so a batch of 1000 successes costs one row, not
-- 1000. No foreign key to bulk.tasks: the worker's purge removes the receipts of the tasks it deletes.
CREATE TABLE bulk.operation_results (
    bulk_id       text NOT NULL,
    seq           integer NOT NULL,
    last_seq      integer NOT NULL,
    status        text NOT NULL CHECK (status IN ('SUCCESS', 'FAILURE', 'CANCELLED')),
    error         jsonb,
    completed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The versions a run of successes wrote (DELETE: removed): one element when the run's operations
    -- share it (a run of CREATEs: {1}), else one per operation seq..last_seq. NULL for other receipts
    -- and for those written before 0.3.
    versions      integer[],
    PRIMARY KEY (bulk_id, seq),
    CHECK (last_seq >= seq)
);

-- What happened to a task, for bulk.logs.
CREATE TABLE bulk.task_logs (
    bulk_id  text NOT NULL REFERENCES bulk.tasks ON DELETE CASCADE,
    position bigint GENERATED ALWAYS AS IDENTITY,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    level    text NOT NULL,
    message  text NOT NULL,
    PRIMARY KEY (bulk_id, position)
);

CREATE FUNCTION bulk.submit_resources(request jsonb, idempotency_key text DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_submit_resources' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION bulk.validate_resources(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_validate_resources' LANGUAGE C STRICT STABLE
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION bulk.submit_relationships(request jsonb, idempotency_key text DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_submit_relationships' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION bulk.validate_relationships(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_validate_relationships' LANGUAGE C STRICT STABLE
    SET search_path = pg_catalog, pg_temp;

-- The id a CREATE without one gets: derived from the bulk id and the operation index.
CREATE FUNCTION bulk._generated_id(bulk_id text, seq integer) RETURNS text
    AS 'MODULE_PATHNAME', 'bulk_generated_id' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-- A name or id as error messages quote it: a JSON string of its first 64 characters, "..." marking
-- a cut (the same rule as the C code's), so a huge argument never floods the message or the log.
CREATE FUNCTION bulk._quote_excerpt(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pg_catalog.length(value) OPERATOR(pg_catalog.<=) 64 THEN pg_catalog.to_jsonb(value)::text
                ELSE pg_catalog.rtrim(pg_catalog.to_jsonb(pg_catalog."left"(value, 64))::text, '"')
                     OPERATOR(pg_catalog.||) '..."' END
$$;

CREATE FUNCTION bulk._raise_unknown_task(bulk_id text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'bulk task % does not exist', bulk._quote_excerpt(bulk_id) USING ERRCODE = 'no_data_found';
END
$$;

-- The document of bulk.task, {"bulkId", "status", "receipts"?}, built in C while streaming the
-- task's chunks; reads as the caller (row level security applies).
CREATE FUNCTION bulk._task_document(bulk_id text, task_status text, with_receipts boolean) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_task_document' LANGUAGE C STABLE STRICT;

-- The document links retries both ways: "retryOf" (the task this one retries) and "retries" (the
-- retries of this one, in queue order), when there are any.
CREATE FUNCTION bulk.task(bulk_id text, with_receipts boolean DEFAULT true) RETURNS jsonb
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

-------------------------------------------------------------------------------------------------
-- Task lifecycle (DESIGN §5)
-------------------------------------------------------------------------------------------------
-- A new task with the operations of a finished task whose receipts are FAILURE or CANCELLED (only
-- those with the listed error types, and CANCELLED, when error_types is given), submitted as the
-- original submitter: the caller must see the task (its submitter, or bulk_admin).
CREATE FUNCTION bulk.retry(bulk_id text, error_types text[] DEFAULT NULL) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_retry' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION bulk._hint_cancel(bulk_id text) RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_hint_cancel' LANGUAGE C STRICT VOLATILE;

-- The cancel itself, run as the extension's owner by bulk._cancel_visible_task.
CREATE FUNCTION bulk._cancel_task(bulk_id text) RETURNS void
LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    task_status text;
    applied integer;
BEGIN
    -- Tell a worker applying this task to stop after the operation in flight; the row lock below
    -- then waits for it to commit what it applied.
    PERFORM bulk._hint_cancel(_cancel_task.bulk_id);
    SELECT t.status, t.applied_count INTO task_status, applied
      FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) _cancel_task.bulk_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM bulk._raise_unknown_task(_cancel_task.bulk_id);
    END IF;
    IF task_status OPERATOR(pg_catalog.=) 'PENDING' THEN
        UPDATE bulk.tasks t SET status = 'CANCELLED', finished_at = pg_catalog.clock_timestamp()
         WHERE t.bulk_id OPERATOR(pg_catalog.=) _cancel_task.bulk_id;
        INSERT INTO bulk.task_logs (bulk_id, level, message)
        VALUES (_cancel_task.bulk_id, 'INFO',
                CASE WHEN applied OPERATOR(pg_catalog.=) 0 THEN 'cancelled before any operation was applied'
                     ELSE pg_catalog.format('cancelled after %s %s; the others are CANCELLED', applied,
                                            CASE WHEN applied OPERATOR(pg_catalog.=) 1 THEN 'operation'
                                                 ELSE 'operations' END) END);
        PERFORM pg_catalog.pg_notify('bulk_task',
            pg_catalog.jsonb_build_object('bulkId', _cancel_task.bulk_id, 'status', 'CANCELLED')::text);
    END IF;
END
$$;

-- Cancels the task if the caller can see it (P0002 otherwise), writing as the extension's owner.
CREATE FUNCTION bulk._cancel_visible_task(bulk_id text) RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_cancel_visible_task' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;

-- A streamed load's id (ld_...) cancels its task: the worker stops after the batch in flight.
CREATE FUNCTION bulk.cancel(bulk_id text) RETURNS jsonb
LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    task_id text := bulk._task_of(cancel.bulk_id);
BEGIN
    PERFORM bulk._cancel_visible_task(task_id);
    RETURN bulk.task(task_id);
END
$$;

-- queueSeconds counts from submitted_at, the submitting transaction's commit (src/pg/store/submit_time.cpp).
CREATE FUNCTION bulk.metrics(bulk_id text) RETURNS jsonb
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

CREATE FUNCTION bulk.logs(bulk_id text) RETURNS TABLE (at timestamptz, level text, message text)
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) logs.bulk_id;
    IF NOT FOUND THEN
        PERFORM bulk._raise_unknown_task(logs.bulk_id);
    END IF;
    RETURN QUERY SELECT l.at, l.level, l.message FROM bulk.task_logs l
                  WHERE l.bulk_id OPERATOR(pg_catalog.=) logs.bulk_id ORDER BY l.position;
END
$$;

-- bulk.wait's sleep: woken by every committed task end (the worker's, or a cancel), so a waiting
-- session sees its task end at once; the timeout is a fallback.
CREATE FUNCTION bulk._tasks_ended() RETURNS bigint
    AS 'MODULE_PATHNAME', 'bulk_tasks_ended' LANGUAGE C VOLATILE;
CREATE FUNCTION bulk._wait_for_task_end(seen bigint, timeout_ms double precision) RETURNS void
    AS 'MODULE_PATHNAME', 'bulk_wait_for_task_end' LANGUAGE C VOLATILE STRICT;

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

CREATE FUNCTION bulk.wait(bulk_id text, timeout interval DEFAULT '30 seconds') RETURNS jsonb
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

-- The tasks the workers last found held back by an earlier or running task they conflict with.
CREATE FUNCTION bulk._waiting_tasks() RETURNS TABLE (bulk_id text, waits_for text)
    AS 'MODULE_PATHNAME', 'bulk_waiting_tasks' LANGUAGE C VOLATILE;

-- waits_for names the task only when the caller may see it.
CREATE VIEW bulk.queue WITH (security_invoker = true) AS
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
CREATE FUNCTION bulk._worker_status()
RETURNS TABLE (pid integer, database name, state text, current_task text, operations_applied bigint,
               last_activity timestamptz, paused boolean)
    AS 'MODULE_PATHNAME', 'bulk_workers' LANGUAGE C VOLATILE;

-- A row per apply worker. state: starting, idle or applying; paused: pg_bulk.enabled = off, or bulk.pause().
CREATE VIEW bulk.workers AS
    SELECT w.pid, w.database, w.state, w.current_task, w.operations_applied, w.last_activity,
           w.paused OR EXISTS (SELECT FROM bulk.global_pause) AS paused
      FROM bulk._worker_status() w;

-- The worker's PATCH statement (one UPDATE per batch of PATCHes): per row, whether it is written (its
-- condition holds and the merged record is valid), then the merged data (0), contained (1) and meta (2).
-- They serve only that statement and refuse to run outside it.
CREATE FUNCTION bulk._patch_row(operation integer, version integer, data jsonb, contained jsonb, meta jsonb)
    RETURNS boolean AS 'MODULE_PATHNAME', 'bulk_patch_row' LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION bulk._patched(operation integer, part integer) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_patched' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION bulk._worker_preloaded() RETURNS boolean
    AS 'MODULE_PATHNAME', 'bulk_worker_preloaded' LANGUAGE C VOLATILE;

DO $$
BEGIN
    IF NOT bulk._worker_preloaded() THEN
        RAISE WARNING 'pg_bulk is not in shared_preload_libraries: bulk requests will be queued but no worker will apply them';
    ELSIF pg_catalog.current_setting('pg_bulk.database') OPERATOR(pg_catalog.<>) pg_catalog.current_database() THEN
        RAISE WARNING 'the pg_bulk worker serves database "%", not this one: tasks queued here will not be applied',
            pg_catalog.current_setting('pg_bulk.database');
    END IF;
END
$$;

-------------------------------------------------------------------------------------------------
-- Bulk loads from staging tables (DESIGN §7)
-------------------------------------------------------------------------------------------------
CREATE TABLE bulk.loads (
    load_id        text PRIMARY KEY,
    source         text NOT NULL,
    target         text NOT NULL CHECK (target IN ('resources', 'relationships')),
    submitted_by   regrole NOT NULL,
    records        bigint NOT NULL DEFAULT 0,
    submitted      bigint NOT NULL DEFAULT 0,
    failure_count  bigint NOT NULL DEFAULT 0,
    warning_count  bigint NOT NULL DEFAULT 0,
    failures       jsonb NOT NULL DEFAULT '[]',  -- the first 1000
    warnings       jsonb NOT NULL DEFAULT '[]',  -- the first 1000
    bulk_ids       text[] NOT NULL DEFAULT '{}',
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    mode           text NOT NULL DEFAULT 'queue' CHECK (mode IN ('queue', 'stream')),
    source_table   text  -- a streamed load's staging table (schema-qualified, quoted), which the workers consume
);

-- Every staged row a load could not submit, with the operation it made of it and why.
CREATE TABLE bulk.load_rejects (
    load_id       text NOT NULL REFERENCES bulk.loads ON DELETE CASCADE,
    position      bigint GENERATED ALWAYS AS IDENTITY,
    row_identity  text NOT NULL,
    operation     jsonb NOT NULL,
    error         jsonb NOT NULL,
    PRIMARY KEY (load_id, position)
);

-- The task behind an id given to bulk.cancel or bulk.wait: a streamed load's id (ld_...) stands for its
-- task; any other id for itself (an unknown or invisible one is then reported as given).
CREATE FUNCTION bulk._task_of(id text) RETURNS text
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT l.bulk_ids[1] FROM bulk.loads l
                      WHERE l.load_id OPERATOR(pg_catalog.=) _task_of.id
                        AND l.mode OPERATOR(pg_catalog.=) 'stream'), _task_of.id)
$$;

CREATE FUNCTION bulk.load(source regclass, target text DEFAULT 'resources', options jsonb DEFAULT '{}')
RETURNS jsonb
    AS 'MODULE_PATHNAME', 'bulk_load' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION bulk.load_status(load_id text) RETURNS jsonb
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

-------------------------------------------------------------------------------------------------
-- Roles and privileges (DESIGN §8). Roles are cluster-wide: created once, reused afterwards.
-------------------------------------------------------------------------------------------------
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['bulk_reader', 'bulk_writer', 'bulk_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$$;
GRANT bulk_reader, bulk_writer TO bulk_admin;

-- Nothing is PUBLIC: the functions are the API, granted per role.
REVOKE ALL ON ALL TABLES IN SCHEMA bulk FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA bulk FROM PUBLIC;
GRANT USAGE ON SCHEMA bulk TO bulk_reader, bulk_writer, bulk_admin;

GRANT SELECT ON bulk.resources, bulk.relationships, bulk.profiles, bulk.relationship_definitions TO bulk_reader;

-- Writers submit and follow their own tasks. The workers write the stored data as the extension's
-- owner, so no role holds a write privilege on bulk.resources or bulk.relationships: none can write
-- them around validation, or lock them against the workers and the readers (DESIGN §6, §8).
GRANT SELECT ON bulk.profiles, bulk.relationship_definitions TO bulk_writer;
GRANT SELECT ON bulk.resources, bulk.relationships TO bulk_writer;
GRANT SELECT ON bulk.tasks, bulk.task_operations, bulk.operation_results, bulk.task_logs, bulk.queue,
    bulk.loads, bulk.load_rejects TO bulk_writer;
GRANT EXECUTE ON FUNCTION bulk.receipts(text[], text[], text, integer, integer) TO bulk_writer;
GRANT EXECUTE ON FUNCTION
    bulk.submit_resources(jsonb, text), bulk.validate_resources(jsonb),
    bulk.submit_relationships(jsonb, text), bulk.validate_relationships(jsonb),
    bulk.task(text, boolean), bulk.receipts(text), bulk.cancel(text), bulk.metrics(text), bulk.logs(text),
    bulk.retry(text, text[]),
    bulk.wait(text, interval), bulk.load(regclass, text, jsonb), bulk.load_status(text), bulk._task_of(text),
    bulk._cancel_visible_task(text), bulk._raise_unknown_task(text), bulk._quote_excerpt(text),
    bulk._task_document(text, text, boolean), bulk._generated_id(text, integer),
    bulk._tasks_ended(), bulk._wait_for_task_end(bigint, double precision),
    bulk._written_by_this_transaction(xid), bulk._refuse_hopeless_wait(text, xid), bulk._waiting_tasks()
    TO bulk_writer;
-- bulk.queue reads it as the caller.
GRANT SELECT ON bulk.global_pause TO bulk_writer;

-- Admins define profiles and relationship definitions, and see and cancel every task.
GRANT SELECT, INSERT, UPDATE, DELETE ON bulk.profiles, bulk.relationship_definitions TO bulk_admin;
GRANT SELECT ON bulk.workers TO bulk_admin;
GRANT EXECUTE ON FUNCTION bulk.pause(), bulk.resume(), bulk.pause(text), bulk.resume(text) TO bulk_admin;
GRANT EXECUTE ON FUNCTION
    bulk.define_profile(text, jsonb, text), bulk.drop_profile(text),
    bulk.define_relationship(text, jsonb), bulk.drop_relationship(text),
    bulk._check_profile(text, text, jsonb), bulk._check_relationship(text, jsonb), bulk._profile_user(text),
    bulk._worker_status()
    TO bulk_admin;

-- A role sees its own tasks; bulk_admin members see all. Another role's task looks unknown.
ALTER TABLE bulk.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulk.task_operations ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulk.operation_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulk.task_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_tasks ON bulk.tasks FOR SELECT
    USING (submitted_by OPERATOR(pg_catalog.=)
               (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
           OR pg_catalog.pg_has_role('bulk_admin', 'USAGE'));
CREATE POLICY own_task_operations ON bulk.task_operations FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) task_operations.bulk_id));
CREATE POLICY own_operation_results ON bulk.operation_results FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) operation_results.bulk_id));
ALTER TABLE bulk.loads ENABLE ROW LEVEL SECURITY;
ALTER TABLE bulk.load_rejects ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_loads ON bulk.loads FOR SELECT
    USING (submitted_by OPERATOR(pg_catalog.=)
               (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
           OR pg_catalog.pg_has_role('bulk_admin', 'USAGE'));
CREATE POLICY own_load_rejects ON bulk.load_rejects FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulk.loads l WHERE l.load_id OPERATOR(pg_catalog.=) load_rejects.load_id));
CREATE POLICY own_task_logs ON bulk.task_logs FOR SELECT
    USING (EXISTS (SELECT 1 FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) task_logs.bulk_id));

SELECT pg_catalog.pg_extension_config_dump('bulk.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.resources', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.relationship_definitions', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.relationships', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.tasks', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.task_operations', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.operation_results', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.task_logs', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.loads', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.load_rejects', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.global_pause', '');
-- The identity sequences too, or a restored database would hand out queue positions and log
-- positions that its restored rows already hold.
SELECT pg_catalog.pg_extension_config_dump('bulk.tasks_queue_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.task_logs_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('bulk.load_rejects_position_seq', '');
