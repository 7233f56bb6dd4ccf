-- submit_resources / validate_resources: answers, receipts, queueing, idempotency, limits.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/include/error_of.sql

SELECT bulk.define_profile('provider', '{
  "properties": {
    "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities": {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}}
  }}');

-- An accepted request: a bk_ KSUID bulk id, one task row, its operations stored, receipts PENDING.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "Generated id"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "Bob", "practiceNumber": 7},
                                  "meta": {"source": "test"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p3"}}]}') AS answer \gset
SELECT :'answer'::jsonb ->> 'status' AS status,
       (:'answer'::jsonb ->> 'bulkId') ~ '^bk_[0-9A-Za-z]{27}$' AS bulk_id_is_ksuid,
       jsonb_object_keys(:'answer'::jsonb) AS keys ORDER BY keys;
SELECT :'answer'::jsonb ->> 'bulkId' AS bulk_id \gset
SELECT target, status, operation_count, submitted_by = 'postgres'::regrole AS mine, idempotency_key,
       started_at IS NULL AS not_started
  FROM bulk.tasks WHERE bulk_id = :'bulk_id';
SELECT first_operation, jsonb_array_length(operations) FROM bulk.task_operations WHERE bulk_id = :'bulk_id';
-- Receipts in operation order; the generated id is derived from the bulk id and stable.
SELECT seq, action, type, id ~ '^[0-9A-Za-z]{27}$' AS id_generated, CASE WHEN seq <> 1 THEN id END AS id, status
  FROM bulk.receipts(:'bulk_id');
SELECT (SELECT id FROM bulk.receipts(:'bulk_id') WHERE seq = 1) = (SELECT id FROM bulk.receipts(:'bulk_id') WHERE seq = 1)
       AS generated_id_is_stable,
       (SELECT id FROM bulk.receipts(:'bulk_id') WHERE seq = 1) = bulk._generated_id(:'bulk_id', 1) AS derived;
SELECT bulk.task(:'bulk_id', false) = jsonb_build_object('bulkId', :'bulk_id', 'status', 'PENDING') AS task_without_receipts;
SELECT jsonb_path_query_array(bulk.task(:'bulk_id'), '$.receipts[*].status') AS receipt_statuses;

-- Chunks of 1000 operations keep the request's order and content exactly.
SET pg_bulk.max_operations = 2500;
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'provider', 'id', 'c' || i,
         'data', jsonb_build_object('name', repeat('x', i % 50), 'practiceNumber', i))) ORDER BY i)))
         ->> 'bulkId' AS big_id
  FROM generate_series(1, 2345) i \gset
RESET pg_bulk.max_operations;
SELECT first_operation, jsonb_array_length(operations) FROM bulk.task_operations
 WHERE bulk_id = :'big_id' ORDER BY first_operation;
SELECT count(*) AS operations, bool_and(r.id = 'c' || (r.seq + 1)) AS ids_in_order
  FROM bulk.receipts(:'big_id') r;
SELECT (SELECT jsonb_agg(e ORDER BY o.first_operation, e.n)
          FROM bulk.task_operations o, jsonb_array_elements(o.operations) WITH ORDINALITY e(e, n)
         WHERE o.bulk_id = :'big_id')
     = (SELECT jsonb_agg(jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object('type', 'provider',
              'id', 'c' || i, 'data', jsonb_build_object('name', repeat('x', i % 50), 'practiceNumber', i))) ORDER BY i)
          FROM generate_series(1, 2345) i) AS chunks_equal_request;

-- A rejected request: every invalid operation reported, in order; the valid ones CANCELLED; nothing queued.
SELECT count(*) AS tasks_before FROM bulk.tasks \gset
SELECT jsonb_pretty(bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "ok", "data": {"name": "Fine"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "bad", "data": {"name": "X", "practiceNumber": "7"}}},
  {"action": "MERGE", "merge": {"type": "provider", "id": "x"}},
  {"action": "UPSERT", "create": {"type": "provider", "id": "x", "data": {"name": "X"}}},
  {"action": "CREATE", "create": {"type": "nurse", "data": {"name": "X"}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "X", "fax": "123"}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"practiceNumber": 1}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "data": {"name": "X"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "has space"}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "ok2"}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "X", "specialities": ["Nurse", "Surgeon"]}}}
  ]}'));
SELECT count(*) - :tasks_before AS tasks_queued_by_rejection FROM bulk.tasks;

-- validate_resources is the same check without queueing.
SELECT bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "p1"}}]}');
SELECT bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider"}}]}');
SELECT count(*) - :tasks_before AS tasks_queued_by_validate FROM bulk.tasks;

-- The task row is written in the caller's transaction: a rollback submits nothing.
BEGIN;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "rb"}}]}')
       ->> 'status' AS status_inside_rolled_back_transaction;
SELECT count(*) - :tasks_before AS queued_inside FROM bulk.tasks;
ROLLBACK;
SELECT count(*) - :tasks_before AS queued_after_rollback FROM bulk.tasks;

-- Idempotency: the same key by the same role returns the first answer and queues nothing more.
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "i1"}}]}',
                             'nightly-2026-11-25') ->> 'bulkId' AS first_id \gset
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "i2"}}]}',
                             'nightly-2026-11-25') ->> 'bulkId' = :'first_id' AS same_answer;
SELECT count(*) AS tasks_with_key FROM bulk.tasks WHERE idempotency_key = 'nightly-2026-11-25';
-- A rejected request is not remembered: nothing was queued under its key.
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider"}}]}', 'k2') ->> 'status';
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "k"}}]}', 'k2') ->> 'status';
-- Another role has its own key space.
CREATE ROLE bulk_test_other IN ROLE bulk_writer;
SET ROLE bulk_test_other;
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "i1"}}]}',
                             'nightly-2026-11-25') ->> 'bulkId' <> :'first_id' AS other_role_gets_new_task;
RESET ROLE;
SELECT count(*) AS tasks_with_key FROM bulk.tasks WHERE idempotency_key = 'nightly-2026-11-25';
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "i1"}}]}', '')$$);
SELECT pg_temp.error_of(format($$SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "i1"}}]}', %L)$$, repeat('k', 201)));

-- Request-level errors are SQL errors: 22023 for the shape, 54000 for the limits.
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('[]')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('"operations"')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{}')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": {}}')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": []}')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": [], "extra": 1}')$$);
SELECT pg_temp.error_of($$SELECT bulk.validate_resources('{"operations": null}')$$);
SELECT pg_temp.error_of($$SELECT bulk.submit_resources(NULL)$$);
SELECT bulk.validate_resources(NULL);
SET pg_bulk.max_operations = 2;
SELECT pg_temp.error_of($$SELECT bulk.submit_resources('{"operations": [1, 2, 3]}')$$);
SELECT bulk.submit_resources('{"operations": [1, 2]}') -> 'receipts' -> 0 -> 'error';
RESET pg_bulk.max_operations;
SET pg_bulk.max_request_bytes = '1kB';
SELECT pg_temp.error_of(format($$SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "%s"}}]}')$$, repeat('a', 1100)));
RESET pg_bulk.max_request_bytes;
SHOW pg_bulk.max_operations;
SHOW pg_bulk.max_request_bytes;
-- Only a superuser may raise the limits.
SET ROLE bulk_test_other;
SELECT pg_temp.error_of($$SET pg_bulk.max_operations = 1000000$$);
RESET ROLE;

-- Unknown bulk ids: P0002.
SELECT pg_temp.error_of($$SELECT bulk.task('bk_nope')$$);
SELECT pg_temp.error_of($$SELECT * FROM bulk.receipts('bk_nope')$$);

DROP OWNED BY bulk_test_other;
DROP ROLE bulk_test_other;
