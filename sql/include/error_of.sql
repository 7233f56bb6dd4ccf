-- Included by pg_regress files (\i from the directory pg_regress runs in).
-- The SQLSTATE and message of a statement's error (bulk and load ids masked), or 'no error'.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, 'bk_\w{27}', '<bulk id>', 'g'),
                                              'ld_\w{27}', '<load id>', 'g');
END
$$;
