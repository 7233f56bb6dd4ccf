-- Record versions and ifVersion (DESIGN §11; issue 16): a version on every stored resource and
-- relationship (1 when created, +1 at every write, 1 again after a DELETE), in the receipts and in
-- bulk.receipts; UPSERT and DELETE with ifVersion apply only to the record at that version
-- (PRECONDITION_FAILED naming both versions, NOT_FOUND when it is missing), also when the ids of a
-- batch repeat. The worker is switched on for this file and left paused.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_profile('office', '{"properties": {"city": {"type": "symbol"}}}');
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "N:N", "properties": {"role": {"type": "code"}}}');

-- A task's receipts as rows, without times.
CREATE FUNCTION pg_temp.receipts(bulk_id text)
RETURNS TABLE (seq integer, action text, id text, status text, version integer, error text) LANGUAGE sql AS $$
    SELECT seq, action, id, status, version, error_type || ': ' || error_message FROM bulk.receipts(bulk_id)
$$;
-- Waits for a task and returns its receipts (a separate statement from the submit, which must commit first).
CREATE FUNCTION pg_temp.applied(bulk_id text)
RETURNS TABLE (seq integer, action text, id text, status text, version integer, error text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bulk.wait(bulk_id);
    RETURN QUERY SELECT * FROM pg_temp.receipts(bulk_id);
END
$$;

-- ifVersion is checked at submit: a version number, on UPSERT and DELETE only.
SELECT jsonb_pretty(bulk.validate_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A"}, "ifVersion": 0}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p1", "ifVersion": "2"}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p1", "ifVersion": 1.5}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "A"}, "ifVersion": 1}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A"}, "ifVersion": 2147483647}}]}'));
SELECT bulk.validate_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "ifVersion": -1}}]}') -> 'receipts' -> 0 -> 'error';

ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

-- CREATE -> UPSERT -> UPSERT ifVersion -> DELETE ifVersion -> CREATE again, one task each.
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "A"}}},
                            {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "B"}}},
                            {"action": "CREATE", "create": {"type": "office", "id": "o1", "data": {}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.submit_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A2"}}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p3", "data": {"name": "C"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, data, version FROM bulk.resources ORDER BY type, id;
SELECT bulk.submit_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A3"}, "ifVersion": 2}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "B2"}, "ifVersion": 7}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p9", "data": {"name": "Z"}, "ifVersion": 1}},
                            {"action": "DELETE", "delete": {"type": "provider", "id": "p3", "ifVersion": 2}},
                            {"action": "DELETE", "delete": {"type": "provider", "id": "p9", "ifVersion": 1}},
                            {"action": "DELETE", "delete": {"type": "provider", "id": "p2", "ifVersion": 1}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, data, version FROM bulk.resources ORDER BY type, id;
-- A CREATE after the DELETE starts again at 1.
SELECT bulk.submit_resources('{"operations": [{"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "B3"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');

-- Ids repeating within one batch: each operation sees the versions the earlier ones left.
SELECT bulk.submit_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A4"}, "ifVersion": 3}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A5"}, "ifVersion": 3}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A5"}, "ifVersion": 4}},
                            {"action": "DELETE", "delete": {"type": "provider", "id": "p2"}},
                            {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "B4"}}},
                            {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "B5"}, "ifVersion": 1}},
                            {"action": "DELETE", "delete": {"type": "provider", "id": "p2", "ifVersion": 1}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, data, version FROM bulk.resources ORDER BY type, id;

-- bulk.task carries the same versions; a run of successes is one receipt row whatever the versions.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o2", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o3", "data": {}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "A6"}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "o3"}}]}') ->> 'bulkId' AS mixed \gset
SELECT bulk.wait(:'mixed') ->> 'status' AS status;
SELECT jsonb_agg(r - 'completedAt') AS receipts FROM jsonb_array_elements(bulk.task(:'mixed') -> 'receipts') AS r;
SELECT seq, last_seq, status, versions FROM bulk.operation_results WHERE bulk_id = :'mixed';
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o4", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o5", "data": {}}}]}') ->> 'bulkId' AS creates \gset
SELECT bulk.wait(:'creates') ->> 'status' AS status;
SELECT seq, last_seq, status, versions FROM bulk.operation_results WHERE bulk_id = :'creates';
SELECT seq, status, version FROM bulk.receipts(ARRAY[:'creates'], ARRAY['SUCCESS']);

-- Relationships: the same rules.
SELECT bulk.submit_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}},
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"role": "lead"}, "ifVersion": 1}},
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o2"}, "ifVersion": 1}},
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w2", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o2"}, "ifVersion": 1}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w3", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o4"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, to_id, data, version FROM bulk.relationships ORDER BY id;
SELECT bulk.submit_relationships('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w3", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o5"}}},
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "ifVersion": 1}},
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "ifVersion": 2}},
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "ifVersion": 2}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, to_id, version FROM bulk.relationships ORDER BY id;

-- Back to the configuration of the test instance: paused.
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
