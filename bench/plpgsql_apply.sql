-- The PL/pgSQL loop baseline of bench/worker_apply.sh: the operations of a request applied one by one the way one
-- would write it without pg_bulk's worker. Each operation runs in its own subtransaction (a BEGIN ... EXCEPTION
-- block) that writes its effect and its receipt row, so a failing operation undoes only itself and gets a FAILURE
-- receipt, as in the worker:
--   CREATE  INSERT; unique_violation -> FAILURE receipt with the 409 ALREADY_EXISTS error document
--   UPSERT  INSERT ... ON CONFLICT (type, id) DO UPDATE (replace data, contained, meta; updated_at = now())
--   DELETE  DELETE; no row -> FAILURE receipt with the 404 NOT_FOUND error document
-- It writes into tables of its own, shaped like the set-based baseline's, so that the three contenders can take
-- turns on each request (bench/worker_apply.sh runs them one right after the other).
\set ON_ERROR_STOP on

CREATE TABLE bench.loop_resources (LIKE bench.resources INCLUDING ALL);
CREATE TABLE bench.loop_receipts (LIKE bench.receipts INCLUDING ALL);

-- Applies the first `n` operations of `request`, receipts under `receipts_id`. Returns the number of FAILURE
-- receipts.
CREATE FUNCTION bench.plpgsql_apply(request jsonb, n integer, receipts_id text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    op       jsonb;
    position bigint;
    action   text;
    payload  jsonb;
    res_type text;
    res_id   text;
    failures integer := 0;
BEGIN
    FOR op, position IN
        SELECT e.op, e.position FROM jsonb_array_elements(request -> 'operations') WITH ORDINALITY AS e(op, position)
         LIMIT n
    LOOP
        action := op ->> 'action';
        payload := op -> lower(action);
        res_type := payload ->> 'type';
        res_id := payload ->> 'id';
        BEGIN
            IF action = 'CREATE' THEN
                INSERT INTO bench.loop_resources (type, id, data, contained, meta)
                VALUES (res_type, res_id, payload -> 'data', payload -> 'contained', payload -> 'meta');
            ELSIF action = 'UPSERT' THEN
                INSERT INTO bench.loop_resources AS r (type, id, data, contained, meta)
                VALUES (res_type, res_id, payload -> 'data', payload -> 'contained', payload -> 'meta')
                    ON CONFLICT (type, id) DO UPDATE
                   SET data = excluded.data, contained = excluded.contained, meta = excluded.meta, updated_at = now();
            ELSIF action = 'DELETE' THEN
                DELETE FROM bench.loop_resources r WHERE r.type = res_type AND r.id = res_id;
                IF NOT FOUND THEN
                    RAISE EXCEPTION USING ERRCODE = 'no_data_found';
                END IF;
            ELSE
                RAISE EXCEPTION 'unknown action %', action;
            END IF;
            INSERT INTO bench.loop_receipts (bulk_id, seq, status) VALUES (receipts_id, (position - 1)::integer, 'SUCCESS');
        EXCEPTION
            WHEN unique_violation THEN
                INSERT INTO bench.loop_receipts (bulk_id, seq, status, error)
                VALUES (receipts_id, (position - 1)::integer, 'FAILURE',
                        jsonb_build_object('code', 409, 'type', 'ALREADY_EXISTS',
                                           'message', format('record with id ''%s'' already exists', res_id)));
                failures := failures + 1;
            WHEN no_data_found THEN
                INSERT INTO bench.loop_receipts (bulk_id, seq, status, error)
                VALUES (receipts_id, (position - 1)::integer, 'FAILURE',
                        jsonb_build_object('code', 404, 'type', 'NOT_FOUND',
                                           'message', format('record with id ''%s'' not found', res_id)));
                failures := failures + 1;
        END;
    END LOOP;
    RETURN failures;
END
$$;

-- One timed run: the first `n` operations of the named request, one transaction, timed including its COMMIT.
CREATE PROCEDURE bench.plpgsql_loop(request_name text, n integer, receipts_id text,
                                    INOUT ms double precision DEFAULT NULL, INOUT failures integer DEFAULT NULL)
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
    failures := bench.plpgsql_apply(request, n, receipts_id);
    COMMIT;
    ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$$;
