-- Included by the pg_regress files on PATCH and atomic requests: pg_temp.applied(bulk_id) waits for a task and
-- returns its receipts as rows, without times.
CREATE FUNCTION pg_temp.applied(bulk_id text)
RETURNS TABLE (seq integer, action text, id text, status text, version integer, error text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bulk.wait(bulk_id);
    RETURN QUERY SELECT r.seq, r.action, r.id, r.status, r.version, r.error_type || ': ' || r.error_message
                 FROM bulk.receipts(bulk_id) r;
END
$$;
