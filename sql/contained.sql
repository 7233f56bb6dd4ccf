-- Contained entries (DESIGN §2): the four cardinalities, the entry shape {type?, id?, data, contained?},
-- nesting, and CONTAINED profiles used where a ROOT one is expected.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

-- CONTAINED profiles first: a slot can only name profiles that exist.
SELECT bulk.define_profile('slot', '{"properties": {"from": {"type": "time", "rules": {"required": true}}}}', 'CONTAINED');
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code", "rules": {"required": true}}},
                                      "contained": {"slots": {"types": ["slot"], "cardinality": "0:*"}}}', 'CONTAINED');
SELECT bulk.define_profile('phone', '{"properties": {"number": {"type": "symbol"}}}', 'CONTAINED');
SELECT bulk.define_profile('email', '{"properties": {"address": {"type": "symbol", "rules": {"required": true}}}}', 'CONTAINED');
SELECT bulk.define_profile('tree', '{"contained": {"child": {"types": ["tree"], "cardinality": "0:1"}}}', 'CONTAINED');
-- One ROOT profile per cardinality, and one with several slots.
SELECT bulk.define_profile('c01', '{"contained": {"x": {"types": ["phone"], "cardinality": "0:1"}}}');
SELECT bulk.define_profile('c11', '{"contained": {"x": {"types": ["phone"], "cardinality": "1:1"}}}');
SELECT bulk.define_profile('c0n', '{"contained": {"x": {"types": ["phone"], "cardinality": "0:*"}}}');
SELECT bulk.define_profile('c1n', '{"contained": {"x": {"types": ["phone"], "cardinality": "1:*"}}}');
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}},
  "contained": {"contact": {"types": ["phone", "email"], "cardinality": "0:*"},
                "openingHours": {"types": ["hours"], "cardinality": "0:*"},
                "tree": {"types": ["tree"], "cardinality": "0:1"}}}');
SELECT bulk.define_profile('plain', '{"properties": {"name": {"type": "symbol"}}}');

-- Dry run of one CREATE of `type` with `data` and `contained` (left out when NULL): 'VALID' or "ERROR_TYPE: message".
CREATE FUNCTION pg_temp.check(type text, contained jsonb, data jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
  SELECT CASE r->>'status' WHEN 'VALID' THEN 'VALID'
         ELSE (r#>>'{receipts,0,error,type}') || ': ' || (r#>>'{receipts,0,error,message}') END
    FROM bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_strip_nulls(jsonb_build_object('type', type, 'data', data))
                                       || CASE WHEN contained IS NULL THEN '{}'::jsonb
                                               ELSE jsonb_build_object('contained', contained) END)))) r
$$;

--
-- Cardinalities. 0:1 and 1:1 hold one entry object; 0:* and 1:* hold an array of entries, 1:* at least one.
-- An absent slot, a null slot and an absent or null "contained" are all "no entry": fine for 0:1 and 0:*,
-- MISSING_REQUIRED for 1:1 and 1:*.
--
SELECT t AS type, coalesce(c, '<absent>') AS contained, pg_temp.check(t, c::jsonb) FROM (VALUES
  ('c01', NULL), ('c01', '{}'), ('c01', '{"x": null}'), ('c01', '{"x": {"data": {"number": "1"}}}'), ('c01', '{"x": [{"data": {}}]}'),
  ('c11', NULL), ('c11', 'null'), ('c11', '{}'), ('c11', '{"x": null}'), ('c11', '{"x": {"data": {}}}'), ('c11', '{"x": []}'),
  ('c11', '{"x": [{"data": {}}]}'),
  ('c0n', NULL), ('c0n', '{"x": []}'), ('c0n', '{"x": [{"data": {}}, {"id": "p2", "data": {"number": "2"}}]}'),
  ('c0n', '{"x": {"data": {}}}'),
  ('c1n', NULL), ('c1n', '{"x": null}'), ('c1n', '{"x": []}'), ('c1n', '{"x": [{"data": {}}]}'),
  ('c1n', '{"x": [{"data": {}}, {"data": {}}]}'), ('c1n', '{"x": {"data": {}}}')
) t(t, c);

--
-- The "contained" object itself: only declared slot keys.
--
SELECT t AS type, c AS contained, pg_temp.check(t, c::jsonb) FROM (VALUES
  ('c0n', '[]'), ('c0n', '"x"'), ('c0n', '{"y": []}'), ('c0n', '{"x": [], "X": []}'), ('plain', '{"x": []}'), ('plain', '{}')
) t(t, c);

--
-- Entry shape {type?, id?, data, contained?}.
--
SELECT c AS contained, pg_temp.check('c0n', c::jsonb) FROM (VALUES
  ('{"x": [1]}'), ('{"x": [null]}'), ('{"x": ["phone"]}'),
  -- data: required, an object validated against the CONTAINED profile
  ('{"x": [{}]}'), ('{"x": [{"data": null}]}'), ('{"x": [{"data": []}]}'), ('{"x": [{"data": "x"}]}'),
  ('{"x": [{"data": {"nope": 1}}]}'), ('{"x": [{"data": {"number": 1}}]}'),
  -- no other keys
  ('{"x": [{"data": {}, "meta": {}}]}'), ('{"x": [{"data": {}, "Data": {}}]}'),
  -- id: optional, a client id (1 to 64 of [A-Za-z0-9._:-]); a bad one is INVALID_REQUEST like a bad resource id
  ('{"x": [{"data": {}, "id": "a.b_c:d-1"}]}'), ('{"x": [{"data": {}, "id": null}]}'), ('{"x": [{"data": {}, "id": "bad id"}]}'),
  ('{"x": [{"data": {}, "id": ""}]}'), ('{"x": [{"data": {}, "id": 5}]}'),
  ('{"x": [{"data": {}, "id": "' || repeat('i', 64) || '"}]}'), ('{"x": [{"data": {}, "id": "' || repeat('i', 65) || '"}]}'),
  -- type: optional when the slot allows one profile, and then it must be that one
  ('{"x": [{"type": "phone", "data": {}}]}'), ('{"x": [{"type": null, "data": {}}]}'), ('{"x": [{"type": "email", "data": {}}]}'),
  ('{"x": [{"type": "nosuch", "data": {}}]}'), ('{"x": [{"type": "c0n", "data": {}}]}'), ('{"x": [{"type": 1, "data": {}}]}'),
  -- every entry is checked: the second one fails here
  ('{"x": [{"data": {}}, {"data": {"number": true}}]}')
) t(c);

--
-- A slot listing several profiles needs "type" in each entry; data is validated against that profile.
--
SELECT c AS contained, pg_temp.check('provider', c::jsonb, '{"name": "Dr Who"}') FROM (VALUES
  ('{"contact": [{"type": "phone", "data": {"number": "1"}}, {"type": "email", "data": {"address": "a@b.org"}}]}'),
  ('{"contact": [{"data": {"number": "1"}}]}'),
  ('{"contact": [{"type": null, "data": {"number": "1"}}]}'),
  ('{"contact": [{"type": "email", "data": {"number": "1"}}]}'),
  ('{"contact": [{"type": "email", "data": {}}]}'),
  ('{"contact": [{"type": "hours", "data": {"day": "MON"}}]}')
) t(c);

--
-- Entries nest their own contained, validated against the entry's profile, with paths through every level.
--
SELECT c AS contained, pg_temp.check('provider', c::jsonb, '{"name": "Dr Who"}') FROM (VALUES
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {"from": "08:00:00"}}, {"data": {"from": "14:00:00"}}]}}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": null}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {"from": "08:00:00"}}, {"data": {"from": "8am"}}]}}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {}}]}}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": {"data": {"from": "08:00:00"}}}}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": {"nope": []}}]}'),
  ('{"openingHours": [{"data": {"day": "MON"}, "contained": []}]}'),
  ('{"openingHours": [{"data": {}, "contained": {"nope": []}}]}'),
  ('{"tree": {"data": {}, "contained": {"child": {"data": {}, "contained": {"child": {"data": {"leaf": 1}}}}}}}')
) t(c);
-- Entries nest at most 16 levels deep.
SELECT n AS levels, CASE WHEN length(r) > 130 THEN left(r, 60) || ' ... ' || right(r, 66) ELSE r END AS result
  FROM (VALUES (16), (17)) t(n),
       LATERAL pg_temp.check('provider', ('{"tree": ' || repeat('{"data": {}, "contained": {"child": ', n - 1) || '{"data": {}}'
                                          || repeat('}}', n - 1) || '}')::jsonb, '{"name": "Dr Who"}') r;

--
-- The resource's own data is checked before its contained entries.
--
SELECT pg_temp.check('provider', '{"contact": [{"data": {}}]}', '{}');
SELECT pg_temp.check('provider', '{"contact": [{"data": {}}]}', '{"name": "Dr Who"}');

--
-- A CONTAINED profile is no resource type of its own: UNKNOWN_TYPE at the root, whatever the action.
--
SELECT a AS action, r#>>'{receipts,0,error,type}' AS type, r#>>'{receipts,0,error,message}' AS message
  FROM (VALUES ('CREATE', '{"type": "phone", "data": {"number": "1"}}'), ('UPSERT', '{"type": "hours", "id": "h1", "data": {"day": "MON"}}'),
               ('DELETE', '{"type": "phone", "id": "p1"}')) t(a, p),
       LATERAL bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(
           jsonb_build_object('action', a, lower(a), p::jsonb)))) r;
-- A DELETE carries no contained.
SELECT bulk.validate_resources('{"operations": [{"action": "DELETE", "delete": {"type": "c0n", "id": "r1", "contained": {}}}]}')
       #>> '{receipts,0,error}' AS delete_with_contained;
-- An UPSERT validates contained like a CREATE.
SELECT bulk.validate_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "c11", "id": "r1", "data": {}}}]}')
       #>> '{receipts,0,error}' AS upsert_without_required_entry;
