-- PATCH (DESIGN §11; issue 16): a JSON merge patch (RFC 7396) of a stored resource's or relationship's
-- data, contained and meta. Submit checks the values a patch gives (not `required`); the worker merges
-- and checks the merged record, failing only that operation (with the path) when the merge breaks the
-- profile; a missing record is NOT_FOUND; ifVersion applies; receipts carry the version written. The
-- worker is switched on for this file and left paused.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code", "rules": {"required": true}}, "open": {"type": "time"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{"properties": {
    "name": {"type": "symbol", "rules": {"required": true}},
    "rank": {"type": "integer", "rules": {"min": 1, "max": 10}},
    "tags": {"type": "array", "items": {"type": "code"}},
    "address": {"type": "object", "properties": {"city": {"type": "symbol", "rules": {"required": true}}, "zip": {"type": "code"}}}},
  "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"},
                "main": {"types": ["hours"], "cardinality": "0:1"}}}');
SELECT bulk.define_profile('office', '{"properties": {"city": {"type": "symbol"}}}');
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "1:N", "properties": {"role": {"type": "code", "rules": {"required": true}},
                                                                                  "since": {"type": "date"}}}');

\i sql/include/applied.sql

-- Submit checks what a patch gives: declared properties, their types and rules, nested objects as
-- patches of their own; a null removes, but not a required property; data cannot be null; a
-- relationship PATCH cannot move its endpoints; id is required.
SELECT r -> 'error' ->> 'type' AS type, r -> 'error' ->> 'message' AS message
FROM jsonb_array_elements(bulk.validate_resources('{"operations": [
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"rank": 11}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"nick": "x"}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"name": null}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"address": {"zip": " 1"}}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"address": {"city": null}}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": null}},
  {"action": "PATCH", "patch": {"type": "provider", "data": {"rank": 2}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "contained": {"openingHours": [{"data": {}}]}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "contained": {"main": []}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "meta": [1]}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"rank": 2, "address": {"zip": "A1"}}, "contained": {"main": null}, "meta": {"x": null}, "ifVersion": 3}}
]}') -> 'receipts') AS r;
SELECT r -> 'error' ->> 'type' AS type, r -> 'error' ->> 'message' AS message
FROM jsonb_array_elements(bulk.validate_relationships('{"operations": [
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "to": {"type": "office", "id": "o2"}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"role": null}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"since": "2024-13"}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"since": "2024-12"}, "meta": {"src": "hr"}}}
]}') -> 'receipts') AS r;

ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();

-- Versions through CREATE -> UPSERT -> PATCH -> DELETE, and merge semantics: members replaced, nested
-- objects merged, null removing (also inside a nested object), arrays replaced whole, contained slots
-- replaced (several entries) or merged (one entry), meta merged.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann", "rank": 3}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o1", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o2", "data": {}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "Ann", "rank": 4, "tags": ["a", "b"],
     "address": {"city": "Paris", "zip": "75001"}}, "contained": {"main": {"data": {"day": "Mon", "open": "08:00:00"}}},
     "meta": {"source": "hr", "batch": 7}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.submit_resources('{"operations": [
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"rank": 5, "tags": ["c"], "address": {"zip": null}},
     "contained": {"main": {"data": {"open": "09:00:00"}}, "openingHours": [{"data": {"day": "Tue"}}]},
     "meta": {"batch": null, "by": "ops"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, contained, meta, version FROM bulk.resources WHERE type = 'provider';
-- A patch object for a nested object the record does not have yet: the nulls inside are dropped.
SELECT bulk.submit_resources('{"operations": [
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"address": null}, "contained": {"openingHours": null}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"address": {"city": "Lyon", "zip": null}}, "meta": null}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, contained, meta, version FROM bulk.resources WHERE type = 'provider';

-- A merge that breaks the profile fails that operation only, with the path (the record is left as it
-- was); a PATCH of a missing id is NOT_FOUND; ifVersion matching and not; ids repeating in a batch see
-- what the operations before them wrote.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Bob"}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"address": {"zip": "69001"}}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"rank": 2}, "ifVersion": 1}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"rank": 3}, "ifVersion": 1}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "contained": {"main": {"data": {"day": null}}}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p9", "data": {"rank": 2}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p9", "data": {"rank": 2}, "ifVersion": 1}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"name": "Anne"}, "ifVersion": 4}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p1", "data": {"name": "Anna"}, "ifVersion": 9}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p2"}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p2", "data": {"rank": 4}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, contained, version FROM bulk.resources WHERE type = 'provider' ORDER BY id;
-- bulk.task's receipts carry the version a PATCH wrote.
SELECT jsonb_agg(r - 'completedAt') AS receipts FROM jsonb_array_elements(bulk.task(:'task') -> 'receipts') AS r
WHERE r ->> 'action' = 'PATCH' AND r ->> 'status' = 'SUCCESS';
SELECT bulk.submit_resources('{"operations": [
  {"action": "DELETE", "delete": {"type": "provider", "id": "p1", "ifVersion": 5}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');

-- Relationships: data and meta merged, endpoints kept, created_at kept, versions; the merged record
-- checked against the definition; NOT_FOUND; ifVersion.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p3", "data": {"name": "Cy"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.submit_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p3"}, "to": {"type": "office", "id": "o1"},
     "data": {"role": "nurse"}, "meta": {"source": "hr"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT created_at AS w1_created FROM bulk.relationships WHERE id = 'w1' \gset
SELECT bulk.submit_relationships('{"operations": [
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"since": "2024-05"}, "meta": {"source": null, "checked": true}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"role": "lead"}, "ifVersion": 2}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w1", "data": {"role": "head"}, "ifVersion": 2}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w9", "data": {"role": "lead"}}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w2", "from": {"type": "provider", "id": "p3"}, "to": {"type": "office", "id": "o2"},
     "data": {"role": "nurse"}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w2", "data": {"since": "2020"}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, from_id, to_id, data, meta, version, created_at = :'w1_created' AS created_kept
FROM bulk.relationships ORDER BY id;
-- A definition that gains a required property: a PATCH of a relationship without it fails, with the path.
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "1:N", "properties": {"role": {"type": "code", "rules": {"required": true}},
                                                                                  "since": {"type": "date"},
                                                                                  "level": {"type": "integer", "rules": {"required": true}}}}');
SELECT bulk.submit_relationships('{"operations": [
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w2", "data": {"since": "2021"}}},
  {"action": "PATCH", "patch": {"type": "worksAt", "id": "w2", "data": {"level": 2}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, version FROM bulk.relationships ORDER BY id;

-- A profile tightened since a record was stored: a PATCH of another property fails, since the merged
-- record breaks the new rule.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p4", "data": {"name": "Di", "rank": 5}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.define_profile('provider', '{"properties": {
    "name": {"type": "symbol", "rules": {"required": true}}, "rank": {"type": "integer", "rules": {"max": 4}}}}');
SELECT bulk.submit_resources('{"operations": [
  {"action": "PATCH", "patch": {"type": "provider", "id": "p4", "data": {"name": "Dee"}}},
  {"action": "PATCH", "patch": {"type": "provider", "id": "p4", "data": {"name": "Dee", "rank": 4}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, version FROM bulk.resources WHERE id = 'p4';

-- Conditional writes whose ids no other operation of the batch names are written by statements that check
-- the version themselves; those that miss are told apart (PRECONDITION_FAILED, NOT_FOUND) afterwards.
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "office", "id": "o3", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o4", "data": {}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o5", "data": {}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "office", "id": "o1", "data": {"city": "A"}, "ifVersion": 1}},
  {"action": "UPSERT", "upsert": {"type": "office", "id": "o2", "data": {"city": "B"}, "ifVersion": 2}},
  {"action": "UPSERT", "upsert": {"type": "office", "id": "o9", "data": {"city": "C"}, "ifVersion": 1}},
  {"action": "DELETE", "delete": {"type": "office", "id": "o3", "ifVersion": 1}},
  {"action": "DELETE", "delete": {"type": "office", "id": "o4", "ifVersion": 3}},
  {"action": "DELETE", "delete": {"type": "office", "id": "o8", "ifVersion": 1}},
  {"action": "UPSERT", "upsert": {"type": "office", "id": "o5", "data": {"city": "D"}}},
  {"action": "CREATE", "create": {"type": "office", "id": "o6", "data": {}}}]}') ->> 'bulkId' AS task \gset
SELECT * FROM pg_temp.applied(:'task');
SELECT id, data, version FROM bulk.resources WHERE type = 'office' ORDER BY id;

-- Back to the configuration of the test instance: paused.
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
