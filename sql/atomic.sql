-- Atomic requests (DESIGN §11; issue 16): "atomic": true applies every operation of the task or none. On
-- the first failing operation nothing of the task remains: that operation's receipt says why, every other
-- is CANCELLED and the task ends FAILURE. Bounded by pg_bulk.max_atomic_operations, checked at submit. The
-- worker is switched on for this file and left paused.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_profile('office', '{"properties": {"city": {"type": "symbol"}}}');
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "1:N"}');

\i sql/include/applied.sql

-- The request's shape: "atomic" is a boolean; an atomic request holds at most pg_bulk.max_atomic_operations.
SHOW pg_bulk.max_atomic_operations;
SELECT bulk.validate_resources('{"atomic": "yes", "operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}');
SELECT bulk.validate_resources('{"atomic": true, "operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}}]}');
SET pg_bulk.max_atomic_operations = 1;
SELECT bulk.submit_resources('{"atomic": true, "operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}},
                                                              {"action": "DELETE", "delete": {"type": "provider", "id": "y"}}]}');
-- A request that is not atomic is not bounded by it.
SELECT bulk.validate_resources('{"atomic": false, "operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "x"}},
                                                                {"action": "DELETE", "delete": {"type": "provider", "id": "y"}}]}');
RESET pg_bulk.max_atomic_operations;

ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

-- An atomic request that succeeds: every operation applied, as in any task.
SELECT bulk.submit_resources('{"atomic": true, "operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Bob"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o1", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o2", "data": {}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.task(:'task', false) ->> 'status' AS status;

-- One that fails in its middle (a DELETE of a missing id): nothing of it remains, the failing operation
-- says why, every other is CANCELLED, the task is FAILURE. Batches of 2 operations (the worker reloads its
-- settings before it takes up a task): the operations of the batches before the failure were applied in the
-- same transaction, and are undone too.
ALTER SYSTEM SET pg_bulk.batch_size = 2;
SELECT pg_reload_conf();
SELECT bulk.submit_resources('{"atomic": true, "operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p3", "data": {"name": "Cy"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "Ann B."}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"name": "Bob B."}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p9"}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p4", "data": {"name": "Di"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.task(:'task', false) ->> 'status' AS status;
SELECT message FROM bulk.logs(:'task') WHERE level = 'ERROR';
SELECT type, id, data, version FROM bulk.resources ORDER BY type, id;
-- Its metrics count the CANCELLED receipts; bulk.retry queues its failed and cancelled operations again, as an
-- ordinary (not atomic) task.
SELECT bulk.metrics(:'task') -> 'counts' AS counts;
SELECT bulk.retry(:'task') ->> 'bulkId' AS retry \gset
SELECT t.atomic, t.operation_count, r.status, r.count
  FROM bulk.tasks t,
       LATERAL (SELECT status, count(*) FROM pg_temp.applied(:'retry') GROUP BY status ORDER BY status) r
 WHERE t.bulk_id = :'retry';
SELECT bulk.submit_resources('{"operations": [{"action": "DELETE", "delete": {"type": "provider", "id": "p3"}},
                                              {"action": "DELETE", "delete": {"type": "provider", "id": "p4"}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');

-- Relationships: a CREATE whose endpoint is missing fails the atomic request, and the relationship created
-- before it in the same request is not there.
SELECT bulk.submit_relationships('{"atomic": true, "operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w2", "from": {"type": "provider", "id": "p2"}, "to": {"type": "office", "id": "o9"}}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w3", "from": {"type": "provider", "id": "p2"}, "to": {"type": "office", "id": "o2"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT count(*) AS relationships FROM bulk.relationships;
-- The same without the failing one: all applied.
SELECT bulk.submit_relationships('{"atomic": true, "operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w3", "from": {"type": "provider", "id": "p2"}, "to": {"type": "office", "id": "o2"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
-- A failure that only the batch rules see (a cardinality broken in the request itself) and a PATCH whose
-- merge breaks the profile fail an atomic request as well.
SELECT bulk.submit_relationships('{"atomic": true, "operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1"}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w4", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o2"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, from_id, to_id, version FROM bulk.relationships ORDER BY id;
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}},
                                                        "rank": {"type": "integer", "rules": {"required": true}}}}');
SELECT bulk.submit_resources('{"atomic": true, "operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "Ann C.", "rank": 1}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"name": "Bob C."}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT type, id, data, version FROM bulk.resources WHERE type = 'provider' ORDER BY id;

-- Back to the configuration of the test instance: paused, default batches.
ALTER SYSTEM RESET pg_bulk.batch_size;
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
