-- Included by the pg_regress files that switch the worker on (\i from the directory pg_regress runs
-- in): waits until a worker an earlier file switched on is paused again, creates the extension
-- afresh, and defines pg_temp.wait_until and pg_temp.error_of.
SET client_min_messages = warning;
DO $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '30 seconds';
BEGIN
    IF to_regclass('bulk.workers') IS NOT NULL THEN
        WHILE NOT EXISTS (SELECT FROM bulk.workers WHERE paused) AND clock_timestamp() < deadline LOOP
            PERFORM pg_sleep(0.01);
        END LOOP;
    END IF;
END
$$;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;

-- Polls a boolean SQL expression until it holds (true) or 30 seconds have passed (false).
CREATE FUNCTION pg_temp.wait_until(condition text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '30 seconds';
    met boolean;
BEGIN
    LOOP
        EXECUTE 'SELECT ' || condition INTO met;
        IF met OR clock_timestamp() > deadline THEN
            RETURN met;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;

-- The SQLSTATE and message of a statement's error (bulk ids masked), or 'no error'.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'bk_\w{27}', '<bulk id>', 'g');
END
$$;
