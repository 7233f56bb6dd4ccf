-- Every document pg_bulk writes in jsonb's binary form (src/pg/bridge/jsonb_builder.cpp: answers, receipts,
-- stored errors, load reports, staged rows turned into operations, PATCH merges) must read back exactly as
-- the same JSON parsed from text: keys sorted and distinct, numbers, booleans, nulls and nested containers
-- where jsonb's own code looks for them. Equality of jsonb walks both binary forms, key by key.
\i sql/include/worker_on_fresh_extension.sql
SET client_min_messages = warning;
CREATE TEMP TABLE documents (what text, document jsonb);
CREATE TABLE staged (action text, type text, id text, data jsonb, meta jsonb);
RESET client_min_messages;

-- Looks up every key of every object, at every depth, through jsonb's binary search: a key out of order
-- would not be found.
CREATE FUNCTION pg_temp.all_keys_found(document jsonb) RETURNS boolean LANGUAGE sql AS $$
    WITH RECURSIVE value(v) AS (SELECT document
                                UNION ALL
                                SELECT c.v FROM value,
                                       LATERAL (SELECT e.value FROM jsonb_each(CASE WHEN jsonb_typeof(value.v) = 'object'
                                                                                    THEN value.v END) e
                                                UNION ALL
                                                SELECT a.value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value.v) = 'array'
                                                                                              THEN value.v END) a) c(v))
    SELECT coalesce(bool_and(v ? k AND v -> k IS NOT NULL), true)
      FROM value, LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(v) = 'object' THEN v END) k
$$;

SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}},
  "address": {"type": "object", "properties": {"city": {"type": "symbol"}, "zip": {"type": "integer"}}}}}');
ALTER SYSTEM SET pg_bulk.poll_interval = '100ms';
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

INSERT INTO documents
SELECT 'REJECTED', bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "a", "data": {"name": "A"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "b", "data": {"name": 7}}},
  {"action": "MOVE"}]}')
UNION ALL SELECT 'VALID', bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "a"}}]}');

SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "a", "data": {"name": "A", "address": {"city": "X", "zip": 1}}}},
  {"action": "CREATE", "create": {"type": "office", "data": {"name": "generated"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "a", "data": {"name": "again"}}},
  {"action": "PATCH", "patch": {"type": "office", "id": "a", "data": {"address": {"zip": null, "city": "Y"}}}},
  {"action": "DELETE", "delete": {"type": "office", "id": "nobody"}}]}', 'documents-1') AS accepted \gset
INSERT INTO documents VALUES ('ACCEPTED', :'accepted'),
  ('ACCEPTED replayed', bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "office", "id": "a"}}]}',
                                              'documents-1'));
SELECT :'accepted'::jsonb ->> 'status' AS accepted_status, :'accepted'::jsonb ->> 'bulkId' AS bulk_id \gset
SELECT :'accepted_status' AS accepted_status;
INSERT INTO documents VALUES ('task', bulk.wait(:'bulk_id'));
INSERT INTO documents VALUES ('retry', bulk.retry(:'bulk_id')), ('retry replayed', bulk.retry(:'bulk_id'));
INSERT INTO documents SELECT 'stored error', error FROM bulk.operation_results WHERE bulk_id = :'bulk_id' AND error IS NOT NULL;
INSERT INTO documents SELECT 'patched data', data FROM bulk.resources WHERE type = 'office' AND id = 'a';

INSERT INTO staged VALUES ('CREATE', 'office', 's1', '{"name": "S", "address": {"zip": 2}}', '{"m": [1, true, null]}'),
                          ('CREATE', 'office', 's2', '"not an object"', NULL),
                          ('CREATE', 'office', 's1', '{"name": "twice"}', NULL),
                          ('UPSERT', 'office', NULL, '{"name": "no id"}', NULL),
                          (NULL, NULL, NULL, NULL, NULL);
INSERT INTO documents VALUES ('load', bulk.load('staged'));
INSERT INTO documents SELECT 'staged operations', operations FROM bulk.task_operations
 WHERE bulk_id = (SELECT d.document -> 'bulkIds' ->> 0 FROM documents d WHERE d.what = 'load');
INSERT INTO documents SELECT 'load reject ' || row_identity, operation || jsonb_build_object('error', error)
  FROM bulk.load_rejects;
INSERT INTO documents SELECT 'load status', bulk.load_status(d.document ->> 'loadId') FROM documents d WHERE d.what = 'load';

SELECT what, document = document::text::jsonb AS reads_back, pg_temp.all_keys_found(document) AS keys_found,
       jsonb_typeof(document) AS kind
  FROM documents ORDER BY what;
-- What the documents hold (a jsonb walk of each, through the same binary form).
SELECT document FROM documents WHERE what IN ('REJECTED', 'patched data', 'staged operations') ORDER BY what;

-- Back to the test instance's configuration: paused.
ALTER SYSTEM RESET pg_bulk.poll_interval;
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
DROP TABLE staged;
DROP EXTENSION pg_bulk CASCADE;
