-- Setup of bench/worker_apply.sh, run once on the bench's throwaway cluster, in the database the pg_bulk worker
-- serves (pg_bulk.database). psql variables: :n (operations of each 100k task), :big_n (operations of the
-- memory task), :ids (random or sequential: the kind of ids, see bench.resource_id). Creates the extension, the
-- sample profile, the requests every contender reads, the tables of the baselines and the procedures that time the
-- worker and the set-based baseline (the PL/pgSQL loop baseline is in bench/plpgsql_apply.sql).
\set ON_ERROR_STOP on
SET client_min_messages = error;
CREATE EXTENSION pg_bulk;
CREATE SCHEMA bench;
RESET client_min_messages;

-- The sample profile (DESIGN §2), the same as bench/validate_submit_setup.sql's.
DO $$ BEGIN PERFORM bulk.define_profile('provider', '{
  "description": "A healthcare provider (pg_bulk bench)",
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array",
                       "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse", "Dentist"]}}},
    "active":         {"type": "boolean"}
  }}'); END $$;

-- The data of operation i, with the varied values of bench/validate_submit_setup.sql (names of different lengths,
-- some non-ASCII; practiceNumber null in 10%; 0 to 3 specialities, or none at all). Variant 1, used by the UPSERT
-- task, differs in every row (name suffix, active flipped), so an UPSERT really replaces the stored data.
CREATE FUNCTION bench.provider_data(i integer, variant integer) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
               'name', (ARRAY['Dr ', 'Prof ', '', 'Sr ', 'Ms '])[1 + i % 5]
                       || (ARRAY['Naledi', 'Johan', 'Ayesha', 'Thabo', 'Zoë', 'Pieter', 'Lindiwe', 'Sipho',
                                 'Fatima', 'Karabo', 'Anneke'])[1 + i % 11]
                       || ' '
                       || (ARRAY['Dlamini', 'van der Merwe', 'Naidoo', 'Botha', 'Mokoena', 'Smith', 'Pillay',
                                 'Nkosi', 'Müller', 'Khumalo-Ndlovu'])[1 + i % 10]
                       || CASE WHEN i % 13 = 0 THEN ' (locum, after-hours and weekend practice)' ELSE '' END
                       || ' #' || i
                       || CASE WHEN variant = 1 THEN ' (updated)' ELSE '' END,
               'practiceNumber', CASE WHEN i % 10 = 0 THEN NULL ELSE (i::bigint * 7919) % 9999991 END,
               'specialities', (ARRAY['["Nurse"]', '["Pharmacist"]', '["Dentist", "Nurse"]', '[]',
                                      '["Pharmacist", "Nurse", "Dentist"]', '["Dentist"]',
                                      '["Nurse", "Pharmacist"]'])[1 + i % 7]::jsonb,
               'active', (i % 3 <> 0) <> (variant = 1))
           - CASE WHEN i % 11 = 0 THEN 'specialities' ELSE '' END
$$;

-- The requests, stored once so that the worker and the baselines apply the same operations. STORAGE EXTERNAL: out
-- of line, not compressed (see bench/validate_submit_setup.sql).
--   create  CREATE p1 .. pN                                    (fresh ids)
--   upsert  UPSERT p1 .. pN, data variant 1                    (every row exists: replaced)
--   mixed   CREATE; operation i has id p<i> when i % 10 = 0    (exists: 409 ALREADY_EXISTS), else n<i> (fresh)
--   big     CREATE m1 .. m<big_n>                              (the memory task)
-- where id p<i> stands for bench.resource_id('p', i, :'ids').
CREATE TABLE bench.requests (name text PRIMARY KEY, doc jsonb NOT NULL);
ALTER TABLE bench.requests ALTER COLUMN doc SET STORAGE EXTERNAL;

-- Id number i under `prefix`, of kind `ids`: random ids (uuid-like, from an md5 of prefix and number: spread over the primary
-- key, as client-made uuids are, yet the same in every request that names them), or the prefix and the number.
CREATE FUNCTION bench.resource_id(prefix text, i integer, ids text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE ids WHEN 'random' THEN prefix || '-' || md5(prefix || i)::uuid ELSE prefix || i END
$$;

CREATE FUNCTION bench.make_request(action text, n integer, id_prefix text, variant integer, existing_every integer,
                                   ids text)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
               'action', action,
               lower(action), jsonb_build_object(
                   'type', 'provider',
                   'id', bench.resource_id(CASE WHEN existing_every > 0 AND i % existing_every = 0 THEN 'p'
                                                ELSE id_prefix END, i, ids),
                   'data', bench.provider_data(i, variant)))
           ORDER BY i))
      FROM generate_series(1, n) AS i
$$;

INSERT INTO bench.requests VALUES ('create', bench.make_request('CREATE', :n, 'p', 0, 0, :'ids'));
INSERT INTO bench.requests VALUES ('upsert', bench.make_request('UPSERT', :n, 'p', 1, 0, :'ids'));
INSERT INTO bench.requests VALUES ('mixed', bench.make_request('CREATE', :n, 'n', 0, 10, :'ids'));
INSERT INTO bench.requests VALUES ('big', bench.make_request('CREATE', :big_n, 'm', 0, 0, :'ids'));

-- The baselines' resources table: shaped like bulk.resources (primary key (type, id), jsonb data, timestamps with
-- defaults). Their receipts table is bench/baseline_receipts.sql.
CREATE TABLE bench.resources (LIKE bulk.resources INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);

-- Submit-commit to worker-start latency of the small tasks: when the submitting transaction started to commit.
CREATE TABLE bench.latency (bulk_id text PRIMARY KEY, commit_started timestamptz NOT NULL);

-- The request named `request_name`, detoasted into memory (jsonb || '{}' returns a new flat value): a procedure
-- keeps it across its COMMITs, and no contender pays a TOAST fetch inside its timed section.
CREATE FUNCTION bench.request(request_name text) RETURNS jsonb
LANGUAGE sql STABLE AS $$ SELECT r.doc || '{}'::jsonb FROM bench.requests r WHERE r.name = request_name $$;

-- One task through the worker. In a procedure, so the transactions are the procedure's own COMMITs:
--   A  txid_current()                        xid x0
--   B  bulk.submit_resources(request)        validation and queueing, not timed; the clock starts just before
--                                            B's COMMIT (t0)
--   C  bulk.wait(bulk_id, ...)               returns once the worker has set the task's final status; the clock
--                                            stops when it has returned (t1). Nothing is subtracted: t1 - t0
--                                            holds B's commit (WAL flush), the worker's wake-up, the whole
--                                            apply, bulk.wait's polling (pauses up to 50 ms) and the status
--                                            document it builds (with every receipt)
--   D  txid_current()                        xid x1
-- XIDs consumed by the worker for the task: x1 - x0 - 2 (those assigned strictly between A and D, minus B's).
-- Anything else assigning an XID meanwhile (an autovacuum ANALYZE) counts too: an upper bound.
-- ms_finished is t0 to the task's finished_at (set by the worker in its last transaction), for reference.
-- Asserts the status SUCCESS; the script checks receipts and resources afterwards.
CREATE PROCEDURE bench.worker_task(request_name text, INOUT bulk_id text DEFAULT NULL,
                                   INOUT ms double precision DEFAULT NULL,
                                   INOUT ms_finished double precision DEFAULT NULL,
                                   INOUT xids bigint DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    request jsonb := bench.request(request_name);
    answer  jsonb;
    x0      bigint;
    x1      bigint;
    t0      timestamptz;
    t1      timestamptz;
BEGIN
    IF request IS NULL THEN
        RAISE EXCEPTION 'no request named %', request_name;
    END IF;
    COMMIT;
    x0 := txid_current();
    COMMIT;
    answer := bulk.submit_resources(request);
    IF answer ->> 'status' IS DISTINCT FROM 'ACCEPTED' THEN
        RAISE EXCEPTION 'submit of % answered %', request_name, left(answer::text, 2000);
    END IF;
    bulk_id := answer ->> 'bulkId';
    t0 := clock_timestamp();
    COMMIT;
    answer := bulk.wait(bulk_id, '30 minutes');
    t1 := clock_timestamp();
    IF answer ->> 'status' IS DISTINCT FROM 'SUCCESS' THEN
        RAISE EXCEPTION 'task % (%) ended %, expected SUCCESS', bulk_id, request_name, answer ->> 'status';
    END IF;
    answer := NULL;
    COMMIT;
    x1 := txid_current();
    COMMIT;
    ms := 1000 * extract(epoch FROM t1 - t0);
    ms_finished := 1000 * extract(epoch FROM (SELECT t.finished_at FROM bulk.tasks t WHERE t.bulk_id = worker_task.bulk_id) - t0);
    xids := x1 - x0 - 2;
END
$$;

-- The set-based baseline: the least a database has to do to store the same rows and as many receipt rows, in one
-- transaction, timed including its COMMIT (the clock stops after the WAL flush). No validation, no per-operation
-- outcome: every operation is an INSERT ... ON CONFLICT DO UPDATE (the mixed request's 10% existing ids are
-- updated, where the worker leaves them alone and writes 409 receipts); every receipt is SUCCESS. The patch
-- request is one UPDATE ... FROM merging each patch into the stored data with jsonb || (a flat merge: the least a
-- merge patch costs in SQL, without RFC 7396's nulls or nested objects), the version counted up.
CREATE PROCEDURE bench.set_based(request_name text, receipts_id text, INOUT ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    request jsonb := bench.request(request_name);
    t0      timestamptz;
BEGIN
    IF request IS NULL THEN
        RAISE EXCEPTION 'no request named %', request_name;
    END IF;
    COMMIT;
    t0 := clock_timestamp();
    IF request_name = 'patch' THEN
        UPDATE bench.resources AS r
           SET data = r.data || p.data, version = r.version + 1, updated_at = now()
          FROM (SELECT op -> 'patch' ->> 'type' AS type, op -> 'patch' ->> 'id' AS id, op -> 'patch' -> 'data' AS data
                  FROM jsonb_array_elements(request -> 'operations') AS op) AS p
         WHERE r.type = p.type AND r.id = p.id;
    ELSE
        INSERT INTO bench.resources AS r (type, id, data, contained, meta)
        SELECT p ->> 'type', p ->> 'id', p -> 'data', p -> 'contained', p -> 'meta'
          FROM jsonb_array_elements(request -> 'operations') AS op,
               LATERAL (SELECT op -> lower(op ->> 'action')) AS payload(p)
            ON CONFLICT (type, id) DO UPDATE
           SET data = excluded.data, contained = excluded.contained, meta = excluded.meta, updated_at = now();
    END IF;
    INSERT INTO bench.receipts (bulk_id, seq, status, error)
    SELECT receipts_id, (e.position - 1)::integer, 'SUCCESS', NULL
      FROM jsonb_array_elements(request -> 'operations') WITH ORDINALITY AS e(op, position);
    COMMIT;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- Submit-commit to worker-start latency: `tasks` tasks of one CREATE each, one after the other. For each task the
-- procedure sleeps 20 ms (so that the submit finds the worker asleep on its latch, as an idle worker is) and
-- commits, submits in a fresh transaction, notes clock_timestamp() just before the COMMIT (commit_started),
-- commits, and waits for the task's end.
-- The latency is bulk.tasks.started_at (clock_timestamp() in the worker's claiming transaction) minus
-- commit_started: it holds the commit itself (WAL flush; the worker cannot see the task earlier), the wake-up
-- through the latch set at commit and the worker's claim query, and not the submit statement before the commit.
-- (submitted_at, now() of the submitting transaction, would also count the submit statement.)
CREATE PROCEDURE bench.small_tasks(tasks integer)
LANGUAGE plpgsql AS $$
DECLARE
    answer jsonb;
    id     text;
    t0     timestamptz;
BEGIN
    FOR i IN 1 .. tasks LOOP
        PERFORM pg_sleep(0.02);
        COMMIT;
        answer := bulk.submit_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
            'action', 'CREATE',
            'create', jsonb_build_object('type', 'provider', 'id', 'small' || i, 'data', bench.provider_data(i, 0))))));
        IF answer ->> 'status' IS DISTINCT FROM 'ACCEPTED' THEN
            RAISE EXCEPTION 'submit of small task % answered %', i, answer;
        END IF;
        id := answer ->> 'bulkId';
        t0 := clock_timestamp();
        COMMIT;
        answer := bulk.wait(id, '30 seconds');
        IF answer ->> 'status' IS DISTINCT FROM 'SUCCESS' THEN
            RAISE EXCEPTION 'small task % ended %, expected SUCCESS', id, answer ->> 'status';
        END IF;
        INSERT INTO bench.latency VALUES (id, t0);
        COMMIT;
    END LOOP;
END
$$;

-- Correctness of a task the worker applied: SUCCESS, one final receipt per operation, exactly `conflicts` of them
-- FAILURE with the 409 ALREADY_EXISTS error of DESIGN §4 (the message naming the operation's id), the others
-- SUCCESS without an error.
-- Hash joins whatever the statistics (the bench analyzes no table): a nested loop over a 1000000-operation task's
-- receipts and operations would run for hours.
CREATE FUNCTION bench.assert_task(task_id text, operations integer, conflicts integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t         bulk.tasks;
    receipts  bigint;
    succeeded bigint;
    refused   bigint;
BEGIN
    SELECT * INTO STRICT t FROM bulk.tasks WHERE bulk_id = task_id;
    -- Receipt rows as stored (a run of successes covers seq .. last_seq): a repeated receipt counts twice.
    SELECT coalesce(sum(r.last_seq - r.seq + 1), 0) INTO receipts FROM bulk.operation_results r WHERE r.bulk_id = task_id;
    -- Each operation's receipt, read by pg_bulk's own walker (one pass over the chunks and the runs, whatever
    -- the tables' statistics: a join planned on a never-analyzed table rebuilt a hash per chunk, for minutes).
    SELECT count(*) FILTER (WHERE r.status = 'SUCCESS' AND r.error_type IS NULL),
           count(*) FILTER (WHERE r.status = 'FAILURE' AND r.error_code = 409 AND r.error_type = 'ALREADY_EXISTS'
                              AND r.error_message = format('record with id ''%s'' already exists', r.id))
      INTO succeeded, refused
      FROM bulk.receipts(task_id) r;
    IF t.status <> 'SUCCESS' OR t.operation_count <> operations OR t.applied_count <> operations
       OR receipts <> operations OR succeeded <> operations - conflicts OR refused <> conflicts THEN
        RAISE EXCEPTION 'task %: status % (expected SUCCESS), operations % applied % receipts % (expected %), '
                        'SUCCESS % (expected %), 409 ALREADY_EXISTS % (expected %)',
            task_id, t.status, t.operation_count, t.applied_count, receipts, operations,
            succeeded, operations - conflicts, refused, conflicts;
    END IF;
END
$$;

-- Fails the bench unless got = expected.
CREATE FUNCTION bench.expect(what text, got anyelement, expected anyelement) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF got IS DISTINCT FROM expected THEN
        RAISE EXCEPTION '%: expected %, got %', what, expected, got;
    END IF;
END
$$;

-- The PATCH and ifVersion section (issue 16), on the rows of the create request:
--   upsert_if  the upsert request, each operation with "ifVersion": 2 (the version the upsert task leaves)
--   patch      PATCH p1 .. pN: a flat merge patch of two of the stored properties (name, active)
CREATE FUNCTION bench.patch_data(i integer) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('name', 'Patched provider #' || i || ' (patched)', 'active', i % 2 = 0)
$$;
INSERT INTO bench.requests
SELECT 'upsert_if', jsonb_build_object('operations', jsonb_agg(
           jsonb_set(op, '{upsert,ifVersion}', '2'::jsonb) ORDER BY position))
  FROM bench.requests r, jsonb_array_elements(r.doc -> 'operations') WITH ORDINALITY AS o(op, position)
 WHERE r.name = 'upsert';
INSERT INTO bench.requests
SELECT 'patch', jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
           'action', 'PATCH',
           'patch', jsonb_build_object('type', 'provider', 'id', bench.resource_id('p', i, :'ids'),
                                       'data', bench.patch_data(i)))
           ORDER BY i))
  FROM generate_series(1, :n) AS i;
