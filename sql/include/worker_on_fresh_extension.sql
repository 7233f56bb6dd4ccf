-- Included by the pg_regress files that switch the worker on (\i from the directory pg_regress runs
-- in): waits until a worker an earlier file switched on is paused again, creates the extension
-- afresh, and defines pg_temp.wait_until.
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
        PERFORM pg_stat_clear_snapshot();  -- pg_stat_activity is otherwise read once per transaction
        EXECUTE 'SELECT ' || condition INTO met;
        IF met THEN
            RETURN true;
        ELSIF clock_timestamp() >= deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;

