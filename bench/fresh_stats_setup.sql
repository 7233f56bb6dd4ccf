-- Setup of bench/fresh_stats.sh: the bench schema (kept across the fresh installs of pg_bulk the script makes)
-- with the procedure that runs one task through the worker and times it. psql variable :n: operations per task.
\set ON_ERROR_STOP on
SET client_min_messages = error;
CREATE SCHEMA bench;
RESET client_min_messages;
-- The functions read pg_bulk's tables, which each kind of id installs afresh.
SET check_function_bodies = off;

-- Fresh ids, random ('random': uuid-like, spread over the whole primary key) or increasing ('sequential': each
-- batch's ids land on the index's last pages).
CREATE SEQUENCE bench.serial;
CREATE FUNCTION bench.fresh_id(kind text) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT CASE kind WHEN 'random' THEN pg_catalog.gen_random_uuid()::text
                     ELSE 'p' || lpad(nextval('bench.serial')::text, 12, '0') END
$$;

-- `count` ids of stored providers, in random order (read by the bench session: a sequential scan outside the
-- timing, which leaves the planner's statistics alone).
CREATE FUNCTION bench.sample_providers(count integer) RETURNS text[] LANGUAGE sql VOLATILE AS $$
    SELECT array_agg(id) FROM (SELECT id FROM bulk.resources WHERE type = 'provider' ORDER BY random() LIMIT count) s
$$;

-- A request of `n` resource operations `action`: operation i (from 1) names a stored provider when
-- i % existing_every = 0 (one in existing_every), a fresh id otherwise.
CREATE FUNCTION bench.resource_request(action text, n integer, existing_every integer, kind text) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    existing text[] := CASE WHEN existing_every > 0 THEN bench.sample_providers(n / existing_every) END;
BEGIN
    IF existing_every > 0 AND coalesce(array_length(existing, 1), 0) < n / existing_every THEN
        RAISE EXCEPTION 'only % stored providers, % wanted', coalesce(array_length(existing, 1), 0), n / existing_every;
    END IF;
    RETURN (SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', action, lower(action),
                       jsonb_build_object('type', 'provider', 'id', id)
                       || CASE WHEN action = 'DELETE' THEN '{}'::jsonb
                               ELSE jsonb_build_object('data', jsonb_build_object('name', 'Provider ' || i)) END)
                   ORDER BY i))
              FROM generate_series(1, n) AS i,
                   LATERAL (SELECT CASE WHEN existing_every > 0 AND i % existing_every = 0
                                        THEN existing[i / existing_every] ELSE bench.fresh_id(kind) END) AS k(id));
END
$$;

-- The endpoints of the relationship requests of a phase: distinct stored providers in random order.
CREATE TABLE bench.endpoints (ids text[] NOT NULL);

-- A request of `n` relationship CREATEs of type `rel_type`, provider endpoints[2i + shift - 1] -> endpoints[2i +
-- shift] (shift 0 and shift 1 never give the same pair or the same to-side). With `existing`, operation i has the
-- id of a stored relationship of that type when i % 10 = 0 (409); every other id is fresh.
CREATE FUNCTION bench.relationship_request(rel_type text, n integer, shift integer, existing boolean, kind text)
RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    endpoints text[] := (SELECT e.ids FROM bench.endpoints e);
    stored    text[] := CASE WHEN existing THEN (SELECT array_agg(id) FROM (SELECT r.id FROM bulk.relationships r
                                WHERE r.type = rel_type ORDER BY random() LIMIT n / 10) s) END;
BEGIN
    RETURN (SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE', 'create',
                       jsonb_build_object('type', rel_type,
                                          'id', CASE WHEN existing AND i % 10 = 0 THEN stored[i / 10]
                                                     ELSE bench.fresh_id(kind) END,
                                          'from', jsonb_build_object('type', 'provider', 'id', endpoints[2 * i + shift - 1]),
                                          'to', jsonb_build_object('type', 'provider', 'id', endpoints[2 * i + shift])))
                   ORDER BY i))
              FROM generate_series(1, n) AS i);
END
$$;

-- Submits `request` (resources or relationships), waits for the worker, asserts SUCCESS with `failures` FAILURE
-- receipts, and returns the worker's time for the task: its started_at to its finished_at (claim to the commit of
-- the last receipts). The submit and the wait are outside that time.
CREATE PROCEDURE bench.run_task(target text, request jsonb, failures bigint, INOUT ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    answer jsonb;
    task   text;
    failed bigint;
BEGIN
    SET pg_bulk.max_operations = 1000000;
    SET pg_bulk.max_request_bytes = '512MB';
    answer := CASE target WHEN 'resources' THEN bulk.submit_resources(request) ELSE bulk.submit_relationships(request) END;
    IF answer ->> 'status' IS DISTINCT FROM 'ACCEPTED' THEN
        RAISE EXCEPTION 'submit answered %', left(answer::text, 2000);
    END IF;
    task := answer ->> 'bulkId';
    COMMIT;
    IF bulk.wait(task, '30 minutes') ->> 'status' IS DISTINCT FROM 'SUCCESS' THEN
        RAISE EXCEPTION 'task % did not succeed', task;
    END IF;
    SELECT coalesce(sum(last_seq - seq + 1), 0) INTO failed
      FROM bulk.operation_results WHERE bulk_id = task AND status = 'FAILURE';
    IF failed <> failures THEN
        RAISE EXCEPTION 'task %: % FAILURE receipts, expected %', task, failed, failures;
    END IF;
    SELECT 1000 * extract(epoch FROM finished_at - started_at) INTO ms FROM bulk.tasks WHERE bulk_id = task;
END
$$;
