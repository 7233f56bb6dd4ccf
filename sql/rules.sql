-- Rules of DESIGN §2: required, min/max, minLength/maxLength (characters), minItems/maxItems, enum, pattern.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

SELECT bulk.define_profile('r', '{"properties": {
  "req":   {"type": "symbol", "rules": {"required": true}},
  "opt":   {"type": "symbol", "rules": {"required": false}},
  "flag":  {"type": "boolean", "rules": {"required": false}},
  "age":   {"type": "integer", "rules": {"min": 0, "max": 150}},
  "neg":   {"type": "integer", "rules": {"min": -10, "max": -5}},
  "frac":  {"type": "integer", "rules": {"min": 0.5, "max": 2.5}},
  "big":   {"type": "integer", "rules": {"max": 9007199254740992}},
  "huge":  {"type": "integer", "rules": {"min": -1e300, "max": 1e300}},
  "score": {"type": "decimal", "rules": {"min": -1.5, "max": 2.25}},
  "tiny":  {"type": "decimal", "rules": {"min": 0.0000001}},
  "name":  {"type": "symbol", "rules": {"minLength": 2, "maxLength": 3}},
  "empty": {"type": "symbol", "rules": {"maxLength": 0}},
  "c":     {"type": "code", "rules": {"minLength": 3, "enum": ["a b", "abc", "ab", "bcd"], "pattern": "^a"}},
  "tags":  {"type": "array", "items": {"type": "code", "rules": {"enum": ["a", "b"]}}, "rules": {"minItems": 1, "maxItems": 2}},
  "any":   {"type": "array", "items": {"type": "symbol"}, "rules": {"maxItems": 0}},
  "color": {"type": "code", "rules": {"enum": ["red", "green", "Rouge vif", "é"]}},
  "level": {"type": "integer", "rules": {"enum": [1, 2, 3, -4]}},
  "zip":   {"type": "symbol", "rules": {"pattern": "^[0-9]{4}$"}},
  "loose": {"type": "symbol", "rules": {"pattern": "[0-9]{4}"}},
  "ci":    {"type": "symbol", "rules": {"pattern": "(?i)^ab$"}},
  "three": {"type": "symbol", "rules": {"pattern": "^.{3}$"}},
  "site":  {"type": "url", "rules": {"pattern": "^https://", "maxLength": 30}},
  "nest":  {"type": "object", "properties": {"inner": {"type": "integer", "rules": {"required": true, "min": 1}}}}
}}');

-- Dry run of one CREATE of a resource of type `type` with data `data`: 'VALID' or "ERROR_TYPE: message".
CREATE FUNCTION pg_temp.check(data jsonb, type text DEFAULT 'r') RETURNS text LANGUAGE sql AS $$
  SELECT CASE r->>'status' WHEN 'VALID' THEN 'VALID'
         ELSE (r#>>'{receipts,0,error,type}') || ': ' || (r#>>'{receipts,0,error,message}') END
    FROM bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', type, 'data', data))))) r
$$;
-- The same for data {"req": "x", <member>}, so that only the member under test can fail.
CREATE FUNCTION pg_temp.check_member(member text) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.check(('{"req": "x", ' || member || '}')::jsonb)
$$;

--
-- required: present and not null. An empty string or false is present; null is absent.
--
SELECT d AS data, pg_temp.check(d::jsonb) FROM (VALUES
  ('{"req": "x"}'), ('{"req": ""}'), ('{}'), ('{"req": null}'), ('{"opt": "x"}'), ('{"req": "x", "opt": null, "flag": false}'),
  ('{"req": "x", "nest": {}}'), ('{"req": "x", "nest": {"inner": null}}'), ('{"req": "x", "nest": {"inner": 1}}')) t(d);
-- Required properties are checked in every action that carries data (here UPSERT).
SELECT bulk.validate_resources('{"operations": [{"action": "UPSERT", "upsert": {"type": "r", "id": "r1", "data": {"opt": "x"}}}]}')
       #>> '{receipts,0,error,message}' AS upsert;

--
-- min / max: inclusive bounds. Integer bounds compare exactly, also beyond 2^53; bounds may be fractional.
--
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"age": 0'), ('"age": 150'), ('"age": -1'), ('"age": 151'),
  ('"neg": -10'), ('"neg": -5'), ('"neg": -11'), ('"neg": -4'),
  ('"frac": 0'), ('"frac": 1'), ('"frac": 2'), ('"frac": 3'),
  ('"big": 9007199254740992'), ('"big": 9007199254740993'), ('"big": -9223372036854775808'),
  ('"huge": 9223372036854775807'), ('"huge": -9223372036854775808')) t(m);
-- Decimals compare exactly too; the bound is quoted as the stored definition holds it (0.0000001).
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"score": -1.5'), ('"score": 2.25'), ('"score": 0'), ('"score": 2.2500001'), ('"score": -1.51'), ('"score": 3'),
  ('"score": 1e400'), ('"score": -1e400'), ('"tiny": 0.0000001'), ('"tiny": 0.00000009'), ('"tiny": 0')) t(m);

-- Issue 12: bounds compare exactly with the value as written, never rounded through a double, and messages quote
-- the bound as the stored definition holds it. jsonb keeps 0.3 and 0.30000000000000000001 as written but stores
-- 1e3 as 1000 and 2.5E-1 as 0.25, so those bounds are quoted as 1000 and 0.25.
SELECT bulk.define_profile('exact', '{"properties": {
  "big":   {"type": "integer", "rules": {"max": 9007199254740993}},
  "third": {"type": "decimal", "rules": {"min": 0.1, "max": 0.3}},
  "kilo":  {"type": "decimal", "rules": {"min": 2.5E-1, "max": 1e3}},
  "fine":  {"type": "integer", "rules": {"min": -0, "max": 0.30000000000000000001}},
  "vast":  {"type": "decimal", "rules": {"min": -1e400, "max": 1e400}}}}');
SELECT p AS property, definition #> ARRAY['properties', p, 'rules'] AS stored_rules
  FROM bulk.profiles, unnest(ARRAY['big', 'third', 'kilo', 'fine']) p WHERE key = 'exact';
SELECT m AS member, pg_temp.check(('{' || m || '}')::jsonb, 'exact') FROM (VALUES
  ('"big": 9007199254740993'), ('"big": 9007199254740994'),
  ('"third": 0.3'), ('"third": 0.300000000000000000000'), ('"third": 0.30000000000000000001'),
  ('"third": 0.1'), ('"third": 0.0999999999999999999999999'), ('"third": 1e-1'),
  ('"kilo": 1000'), ('"kilo": 1e3'), ('"kilo": 1000.0000000000000000001'), ('"kilo": 0.25'), ('"kilo": 0.2499999999999999999999'),
  ('"fine": 0'), ('"fine": -1'), ('"fine": 1'),
  ('"vast": 1e400'), ('"vast": -1e400'), ('"vast": 1.0000000000000000000000000000001e400')) t(m);
-- The whole receipt of the first defect: the value the author allowed is valid, the next one names the bound.
SELECT bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "exact", "data": {"big": 9007199254740993}}},
  {"action": "CREATE", "create": {"type": "exact", "data": {"big": 9007199254740994}}}]}');

--
-- minLength / maxLength: counted in characters (Unicode code points), not bytes.
-- 'é' is 2 bytes, '😀' is 4 bytes; 'e' + U+0301 (combining acute) is 2 code points that display as one.
--
SELECT m AS member, octet_length(m::jsonb #>> '{}') AS bytes, pg_temp.check(('{"req": "x", "name": ' || m || '}')::jsonb)
  FROM (VALUES ('"ab"'), ('"abc"'), ('"a"'), ('"abcd"'), ('"é"'), ('"éé"'), ('"ééé"'), ('"éééé"'),
               ('"😀"'), ('"😀😀"'), ('"😀😀😀"'), ('"😀😀😀😀"'), ('"e\u0301"'), ('"e\u0301e\u0301"')) t(m);
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES ('"empty": ""'), ('"empty": " "'), ('"empty": null')) t(m);

--
-- minItems / maxItems count the array's items; each item is then checked against "items" (here an enum).
--
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"tags": []'), ('"tags": ["a"]'), ('"tags": ["a", "b"]'), ('"tags": ["a", "b", "a"]'), ('"tags": ["a", "c"]'),
  ('"tags": ["a", null]'), ('"any": []'), ('"any": ["x"]')) t(m);

--
-- enum: exact, case-sensitive match of a string, code point by code point (no Unicode normalization: 'e' +
-- U+0301 is not the precomposed 'é'); for integers, the integer value (1e0 is jsonb's 1).
--
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"color": "red"'), ('"color": "Rouge vif"'), ('"color": "é"'), ('"color": "Red"'), ('"color": "rouge vif"'),
  ('"color": "e\u0301"'), ('"level": 1'), ('"level": -4'), ('"level": 4'), ('"level": 1e0'), ('"level": 1.0'),
  ('"level": "1"')) t(m);

--
-- pattern: a PostgreSQL (ARE) regular expression, anchored by the author: an unanchored one matches any
-- substring. Embedded options such as (?i) work; '.' is one character, not one byte.
--
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"zip": "1234"'), ('"zip": "12345"'), ('"zip": "x1234"'), ('"zip": "123"'),
  ('"loose": "1234"'), ('"loose": "ab12345cd"'), ('"loose": "12a34"'),
  ('"ci": "AB"'), ('"ci": "aB"'), ('"ci": "abc"'),
  ('"three": "abc"'), ('"three": "été"'), ('"three": "😀😀😀"'), ('"three": "ab"'),
  ('"site": "https://a.org"'), ('"site": "http://a.org"'), ('"site": "https://a-very-long-host-name.example.org"')) t(m);

--
-- Order of checks on one value: type and format, then minLength/maxLength, then enum, then pattern.
--
SELECT m AS member, pg_temp.check_member(m) FROM (VALUES
  ('"c": "a  b"'), ('"c": "ab"'), ('"c": "abcd"'), ('"c": "bcd"'), ('"c": "abc"'), ('"c": "a b"')) t(m);
-- One error per operation: with several bad properties, the first in jsonb's key order (shorter keys
-- first, then bytewise) is reported.
SELECT pg_temp.check('{"name": "a", "age": -1, "zip": "x"}');
