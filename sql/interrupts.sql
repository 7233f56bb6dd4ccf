-- Long validations and submits are interruptible (issue 6): validating or submitting 100,000
-- operations stops with 57014 promptly after statement_timeout or pg_cancel_backend, not when the
-- work is done. The bound asserted is 100 ms + 400 ms of slack for a loaded test machine.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
DROP TABLE IF EXISTS public.big_request;
CREATE EXTENSION pg_bulk;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\set VERBOSITY terse

SELECT bulk.define_profile('provider', '{
  "properties": {
    "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200, "pattern": "^[A-Z][a-z]+( [A-Z][a-z]+)*$"}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0, "max": 1000000}},
    "rating": {"type": "decimal", "rules": {"min": 0, "max": 5}},
    "kind": {"type": "code", "rules": {"enum": ["GP", "Nurse", "Pharmacist"]}},
    "born": {"type": "date"},
    "site": {"type": "url"},
    "tags": {"type": "array", "items": {"type": "symbol", "rules": {"pattern": "^[a-z]+-[0-9]+$"}}},
    "specialities": {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}},
    "address": {"type": "object", "properties": {"city": {"type": "symbol", "rules": {"pattern": "^[A-Z]"}},
                                                  "zip": {"type": "symbol", "rules": {"pattern": "^[0-9]{4}$"}}}}}}');

-- 100,000 valid operations, built once (building them is not what is timed). A plain table, so
-- the second session below reads it too.
CREATE TABLE public.big_request AS
SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE',
         'create', jsonb_build_object('type', 'provider', 'id', 'p' || i,
           'data', jsonb_build_object(
             'name', 'Provider ' || initcap('x' || translate(i::text, '0123456789', 'abcdefghij')) || ' Alpha Beta Gamma',
             'practiceNumber', i, 'rating', (i % 50) / 10.0, 'kind', 'GP', 'born', '1980-01-01',
             'site', 'https://example.org/p' || i,
             'tags', (SELECT jsonb_agg('tag-' || t) FROM generate_series(1, 20) t),
             'specialities', jsonb_build_array('Nurse', 'Pharmacist'),
             'address', jsonb_build_object('city', 'Cape Town', 'zip', '8001'))))
         ORDER BY i)) AS request
  FROM generate_series(1, 100000) i;
SET pg_bulk.max_operations = 100000;

-- Without a timeout the validation runs to its end, well past the bound asserted below.
DO $$
DECLARE
    started timestamptz := clock_timestamp();
    answer jsonb;
BEGIN
    answer := bulk.validate_resources((SELECT request FROM public.big_request));
    RAISE NOTICE 'uninterrupted: %, took longer than 500 ms: %', answer,
        clock_timestamp() - started > interval '500 milliseconds';
END
$$;

-- statement_timeout = 100ms: 57014 within 100 ms + 400 ms of the start of the statement (the
-- moment statement_timeout counts from), for a validation and for a submit.
SET statement_timeout = '100ms';
DO $$
DECLARE
    answer jsonb;
BEGIN
    answer := bulk.validate_resources((SELECT request FROM public.big_request));
    RAISE NOTICE 'not interrupted: %', answer;
EXCEPTION WHEN query_canceled THEN
    RAISE NOTICE 'validate: SQLSTATE %, %, stopped within 500 ms: %', SQLSTATE, SQLERRM,
        clock_timestamp() - statement_timestamp() < interval '500 milliseconds';
END
$$;
DO $$
DECLARE
    answer jsonb;
BEGIN
    answer := bulk.submit_resources((SELECT request FROM public.big_request));
    RAISE NOTICE 'not interrupted: %', answer ->> 'status';
EXCEPTION WHEN query_canceled THEN
    RAISE NOTICE 'submit: SQLSTATE %, %, stopped within 500 ms: %', SQLSTATE, SQLERRM,
        clock_timestamp() - statement_timestamp() < interval '500 milliseconds';
END
$$;
-- Uncaught, it is the plain statement timeout error.
SELECT bulk.validate_resources(request) ->> 'status' AS status FROM public.big_request;
RESET statement_timeout;
SELECT count(*) AS tasks_queued FROM bulk.tasks;

-- pg_cancel_backend of a second session validating the request: its query ends with 57014 within
-- 500 ms of the cancel.
SELECT dblink_connect('validator', format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
                      split_part(current_setting('unix_socket_directories'), ',', 1))) AS connected;
SELECT dblink_exec('validator', 'SET pg_bulk.max_operations = 100000') AS set_limit;
SELECT pid AS validator_pid FROM dblink('validator', 'SELECT pg_backend_pid()') AS t(pid integer) \gset
SET regress.validator_pid = :validator_pid;
SELECT dblink_send_query('validator', 'SELECT bulk.validate_resources(request) FROM public.big_request') AS sent;
DO $$
DECLARE
    validator integer := current_setting('regress.validator_pid')::integer;
    deadline timestamptz := clock_timestamp() + interval '30 seconds';
    cancelled_at timestamptz;
    running boolean;
BEGIN
    -- Wait until the validation runs, and give it 200 ms more.
    LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT a.state = 'active' AND a.query LIKE '%validate_resources%' INTO running
          FROM pg_stat_activity a WHERE a.pid = validator;
        EXIT WHEN running OR clock_timestamp() > deadline;
        PERFORM pg_sleep(0.01);
    END LOOP;
    PERFORM pg_sleep(0.2);
    PERFORM pg_stat_clear_snapshot();
    SELECT a.state = 'active' INTO running FROM pg_stat_activity a WHERE a.pid = validator;
    RAISE NOTICE 'still validating after 200 ms: %', running;
    cancelled_at := clock_timestamp();
    PERFORM pg_cancel_backend(validator);
    BEGIN
        PERFORM * FROM dblink_get_result('validator') AS t(answer jsonb);
        RAISE NOTICE 'not cancelled';
    EXCEPTION WHEN query_canceled THEN
        RAISE NOTICE 'cancelled: SQLSTATE %, stopped within 500 ms: %', SQLSTATE,
            clock_timestamp() - cancelled_at < interval '500 milliseconds';
    END;
END
$$;
-- The cancelled session is usable again (once the end of the cancelled query's results is read).
SELECT count(*) AS rest_of_results FROM dblink_get_result('validator') AS t(answer jsonb);
SELECT * FROM dblink('validator', 'SELECT bulk.validate_resources(''{"operations": [
  {"action": "DELETE", "delete": {"type": "provider", "id": "p1"}}]}'')') AS t(answer jsonb);
SELECT dblink_disconnect('validator') AS disconnected;

-- This session too; the same request validates in full without the timeout.
SELECT bulk.validate_resources(request) ->> 'status' AS status FROM public.big_request;
RESET pg_bulk.max_operations;
DROP TABLE public.big_request;
DROP EXTENSION dblink;
