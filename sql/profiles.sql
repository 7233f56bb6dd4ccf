-- Profiles (DESIGN §2): define_profile / drop_profile, meta-validation of definitions (SQLSTATE 22023,
-- message naming the JSON path), direct writes to bulk.profiles, versions, dependencies, cache invalidation.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

-- Runs a statement; answers 'no error' or "SQLSTATE: message".
\i sql/include/error_of.sql
-- define_profile, answering 'defined' or "SQLSTATE: message".
CREATE FUNCTION pg_temp.define(key text, definition text, kind text DEFAULT 'ROOT') RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM bulk.define_profile(key, definition::jsonb, kind); RETURN 'defined';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM; END$$;
-- Dry run of one CREATE of `type` with `data`: 'VALID' or "ERROR_TYPE: message".
CREATE FUNCTION pg_temp.check(type text, data jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT CASE r->>'status' WHEN 'VALID' THEN 'VALID'
         ELSE (r#>>'{receipts,0,error,type}') || ': ' || (r#>>'{receipts,0,error,message}') END
    FROM bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', type, 'data', data))))) r
$$;

--
-- Defining profiles: the example of DESIGN §2 (a CONTAINED profile must exist before a slot names it).
--
SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{
  "description": "A health-care provider",
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}},
    "address":        {"type": "object", "properties": {"city": {"type": "symbol", "description": "town"}}}},
  "contained": {
    "openingHours": {"types": ["hours"], "cardinality": "0:*", "description": "when it is open"}}}');
SELECT key, kind, version, created_at = updated_at AS fresh FROM bulk.profiles ORDER BY key COLLATE "C";
SELECT pg_temp.check('provider', '{"name": "Dr Who", "practiceNumber": 7, "specialities": ["Nurse"], "address": {"city": "Bern"}}');
-- An empty definition is a profile without properties.
SELECT pg_temp.define('empty', '{}'), pg_temp.check('empty', '{}');
-- Keys: ^[A-Za-z0-9-][A-Za-z0-9_-]{0,61}$
SELECT k AS key, pg_temp.define(k, '{}') FROM (VALUES ('a_b-C'), ('-leading-dash'), ('9lives'), (repeat('k', 62))) t(k);

--
-- Meta-validation: every problem is SQLSTATE 22023 naming the JSON path inside the definition.
--
SELECT label, pg_temp.define('p', d) AS result FROM (VALUES
  ('unknown type',             '{"properties": {"a": {"type": "text"}}}'),
  ('type missing',             '{"properties": {"a": {"rules": {}}}}'),
  ('type not a string',        '{"properties": {"a": {"type": ["symbol"]}}}'),
  ('unknown rule',             '{"properties": {"a": {"type": "symbol", "rules": {"maxlength": 3}}}}'),
  ('rules not an object',      '{"properties": {"a": {"type": "symbol", "rules": ["required"]}}}'),
  ('maxLength on integer',     '{"properties": {"a": {"type": "integer", "rules": {"maxLength": 3}}}}'),
  ('min on symbol',            '{"properties": {"a": {"type": "symbol", "rules": {"min": 1}}}}'),
  ('minItems on code',         '{"properties": {"a": {"type": "code", "rules": {"minItems": 1}}}}'),
  ('pattern on date',          '{"properties": {"a": {"type": "date", "rules": {"pattern": "^2"}}}}'),
  ('enum on boolean',          '{"properties": {"a": {"type": "boolean", "rules": {"enum": [true]}}}}'),
  ('enum on decimal',          '{"properties": {"a": {"type": "decimal", "rules": {"enum": [1.5]}}}}'),
  ('required on array items',  '{"properties": {"a": {"type": "array", "items": {"type": "symbol", "rules": {"required": true}}}}}'),
  ('required not a boolean',   '{"properties": {"a": {"type": "symbol", "rules": {"required": "yes"}}}}'),
  ('min > max',                '{"properties": {"a": {"type": "integer", "rules": {"min": 5, "max": 1}}}}'),
  ('minLength > maxLength',    '{"properties": {"a": {"type": "symbol", "rules": {"minLength": 5, "maxLength": 1}}}}'),
  ('minItems > maxItems',      '{"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"minItems": 2, "maxItems": 1}}}}'),
  ('negative minLength',       '{"properties": {"a": {"type": "symbol", "rules": {"minLength": -1}}}}'),
  ('fractional maxItems',      '{"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"maxItems": 1.5}}}}'),
  ('min as a string',          '{"properties": {"a": {"type": "decimal", "rules": {"min": "0"}}}}'),
  ('empty enum',               '{"properties": {"a": {"type": "code", "rules": {"enum": []}}}}'),
  ('enum 1.5 on integer',      '{"properties": {"a": {"type": "integer", "rules": {"enum": [1, 1.5]}}}}'),
  ('enum "1" on integer',      '{"properties": {"a": {"type": "integer", "rules": {"enum": ["1"]}}}}'),
  ('enum 1 on code',           '{"properties": {"a": {"type": "code", "rules": {"enum": ["x", 1]}}}}'),
  ('invalid regex',            '{"properties": {"a": {"type": "symbol", "rules": {"pattern": "^(a"}}}}'),
  ('pattern not a string',     '{"properties": {"a": {"type": "symbol", "rules": {"pattern": 1}}}}'),
  ('array without items',      '{"properties": {"a": {"type": "array"}}}'),
  ('items on a symbol',        '{"properties": {"a": {"type": "symbol", "items": {"type": "symbol"}}}}'),
  ('object without properties','{"properties": {"a": {"type": "object"}}}'),
  ('properties on an integer', '{"properties": {"a": {"type": "integer", "properties": {}}}}'),
  ('unknown key in a property','{"properties": {"a": {"type": "symbol", "required": true}}}'),
  ('description not a string', '{"properties": {"a": {"type": "symbol", "description": 1}}}'),
  ('deep path',                '{"properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "uuid"}}}}}}'),
  ('property name with _',     '{"properties": {"_a": {"type": "symbol"}}}'),
  ('property name with quote', '{"properties": {"a\"b": {"type": "symbol"}}}'),
  ('property name with \',     '{"properties": {"a\\b": {"type": "symbol"}}}'),
  ('empty property name',      '{"properties": {"": {"type": "symbol"}}}'),
  ('property name too long',   '{"properties": {"' || repeat('n', 63) || '": {"type": "symbol"}}}'),
  ('nested bad name',          '{"properties": {"a": {"type": "object", "properties": {"b c": {"type": "symbol"}}}}}'),
  ('properties not an object', '{"properties": [{"a": {"type": "symbol"}}]}'),
  ('property spec not object', '{"properties": {"a": "symbol"}}'),
  ('unknown top-level key',    '{"properties": {}, "rules": {}}'),
  ('top-level description',    '{"description": 5}'),
  ('definition not an object', '[]'),
  ('definition is null',       'null')
) t(label, d);

-- Property specs nest at most 32 levels: 31 objects around a symbol pass, 32 objects around it do not.
SELECT n AS objects, CASE WHEN length(r) > 130 THEN left(r, 60) || ' ... ' || right(r, 62) ELSE r END AS result
  FROM (VALUES (31), (32)) t(n),
       LATERAL pg_temp.define('deep' || n, '{"properties": {"a": ' || repeat('{"type": "object", "properties": {"a": ', n)
                                           || '{"type": "symbol"}' || repeat('}}', n) || '}}') r;

-- Contained slots: types must name existing CONTAINED profiles, cardinality one of four.
SELECT label, pg_temp.define('p', d) AS result FROM (VALUES
  ('missing profile',          '{"contained": {"c": {"types": ["nosuch"], "cardinality": "0:1"}}}'),
  ('ROOT profile',             '{"contained": {"c": {"types": ["hours", "provider"], "cardinality": "0:1"}}}'),
  ('types empty',              '{"contained": {"c": {"types": [], "cardinality": "0:1"}}}'),
  ('types missing',            '{"contained": {"c": {"cardinality": "0:1"}}}'),
  ('types not an array',       '{"contained": {"c": {"types": "hours", "cardinality": "0:1"}}}'),
  ('type not a string',        '{"contained": {"c": {"types": [1], "cardinality": "0:1"}}}'),
  ('bad cardinality',          '{"contained": {"c": {"types": ["hours"], "cardinality": "1:2"}}}'),
  ('cardinality N:N',          '{"contained": {"c": {"types": ["hours"], "cardinality": "N:N"}}}'),
  ('cardinality not a string', '{"contained": {"c": {"types": ["hours"], "cardinality": 1}}}'),
  ('cardinality missing',      '{"contained": {"c": {"types": ["hours"]}}}'),
  ('unknown key in a slot',    '{"contained": {"c": {"types": ["hours"], "cardinality": "0:1", "max": 3}}}'),
  ('bad slot key',             '{"contained": {"_c": {"types": ["hours"], "cardinality": "0:1"}}}'),
  ('slot not an object',       '{"contained": {"c": ["hours"]}}'),
  ('contained not an object',  '{"contained": [{"types": ["hours"], "cardinality": "0:1"}]}')
) t(label, d);
-- A ROOT profile cannot contain itself; a CONTAINED one can (entries nest).
SELECT pg_temp.define('selfroot', '{"contained": {"c": {"types": ["selfroot"], "cardinality": "0:*"}}}');
SELECT pg_temp.define('tree', '{"contained": {"c": {"types": ["tree"], "cardinality": "0:*"}}}', 'CONTAINED');

-- Bad profile keys and kinds.
SELECT coalesce(k, '<NULL>') AS key, pg_temp.define(k, '{}', kind) AS result FROM (VALUES
  (repeat('k', 63), 'ROOT'), ('_private', 'ROOT'), ('say"hi"', 'ROOT'), ('back\slash', 'ROOT'), ('', 'ROOT'),
  ('two words', 'ROOT'), ('café', 'ROOT'), ('okkey', 'root'), ('okkey', 'OTHER')
) t(k, kind);
-- Only the valid definitions above were stored.
SELECT key, kind, version FROM bulk.profiles ORDER BY key COLLATE "C";

--
-- Writes straight into bulk.profiles get the same validation.
--
SELECT pg_temp.error_of($$INSERT INTO bulk.profiles (key, definition) VALUES ('direct', '{"properties": {"a": {"type": "text"}}}')$$);
SELECT pg_temp.error_of($$INSERT INTO bulk.profiles (key, definition) VALUES ('_direct', '{}')$$);
SELECT pg_temp.error_of($$INSERT INTO bulk.profiles (key, kind, definition) VALUES ('direct', 'OTHER', '{}')$$);
SELECT pg_temp.error_of($$UPDATE bulk.profiles SET definition = '{"properties": {"name": {"type": "symbol", "rules": {"min": 1}}}}' WHERE key = 'provider'$$);
SELECT pg_temp.error_of($$UPDATE bulk.profiles SET definition = definition - 'contained' || '{"contained": {"h": {"types": ["provider"], "cardinality": "0:1"}}}' WHERE key = 'provider'$$);
-- A valid direct insert: version and created_at are set by the table, whatever the writer says.
INSERT INTO bulk.profiles (key, kind, definition, version, created_at) VALUES ('direct', 'CONTAINED', '{}', 42, '2000-01-01');
SELECT key, kind, version, created_at > '2000-01-01' AS created_now FROM bulk.profiles WHERE key = 'direct';

--
-- Versions: each update increments version; created_at is kept, updated_at moves.
--
SELECT created_at AS provider_created FROM bulk.profiles WHERE key = 'provider' \gset
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}, "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');
UPDATE bulk.profiles SET version = 1, created_at = '2000-01-01' WHERE key = 'provider';
SELECT key, version, created_at = :'provider_created' AS created_kept, updated_at > created_at AS updated_later
  FROM bulk.profiles WHERE key = 'provider';
-- Renaming is refused.
SELECT pg_temp.error_of($$UPDATE bulk.profiles SET key = 'supplier' WHERE key = 'provider'$$);

--
-- Dropping and kind changes are refused while something uses the profile.
--
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('nosuch')$$);
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('hours')$$);
SELECT pg_temp.error_of($$DELETE FROM bulk.profiles WHERE key = 'hours'$$);
SELECT pg_temp.error_of($$SELECT bulk.define_profile('hours', '{}', 'ROOT')$$);
-- define_profile's kind defaults to ROOT: redefining a CONTAINED profile must repeat its kind.
SELECT pg_temp.error_of($$SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "symbol"}}}')$$);
SELECT pg_temp.define('hours', '{"properties": {"day": {"type": "symbol"}}}', 'CONTAINED');
-- Resources of a type exist (a row written directly, as the worker would).
INSERT INTO bulk.resources (type, id, data) VALUES ('provider', 'p1', '{"name": "x"}');
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('provider')$$);
SELECT pg_temp.error_of($$SELECT bulk.define_profile('provider', '{}', 'CONTAINED')$$);
DELETE FROM bulk.resources;
-- Once unused, a profile changes kind and drops: the container first, then what it contained.
SELECT pg_temp.define('direct', '{}', 'ROOT');
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('provider')$$);
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('hours')$$);
-- A profile that contains itself does not block its own drop.
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('tree')$$);
SELECT key, kind, version FROM bulk.profiles ORDER BY key COLLATE "C";

--
-- The compiled-profile cache: a change applies to the next request of the same session.
--
SELECT pg_temp.check('cached', '{"n": 1}');
SELECT bulk.define_profile('cached', '{"properties": {"n": {"type": "integer"}}}');
SELECT pg_temp.check('cached', '{"n": 1}');
SELECT bulk.define_profile('cached', '{"properties": {"n": {"type": "symbol"}}}');
SELECT pg_temp.check('cached', '{"n": 1}');
-- Inside a transaction the change is seen at once; a rollback brings the old definition back.
BEGIN;
SELECT bulk.define_profile('cached', '{"properties": {"n": {"type": "integer"}}}');
SELECT pg_temp.check('cached', '{"n": 1}');
ROLLBACK;
SELECT pg_temp.check('cached', '{"n": 1}');
BEGIN;
SAVEPOINT s;
UPDATE bulk.profiles SET definition = '{"properties": {"m": {"type": "integer"}}}' WHERE key = 'cached';
SELECT pg_temp.check('cached', '{"n": "x"}');
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.check('cached', '{"n": "x"}');
COMMIT;
DELETE FROM bulk.profiles WHERE key = 'cached';
SELECT pg_temp.check('cached', '{"n": "x"}');
-- Dropping and recreating the extension in the same session forgets every profile.
SELECT bulk.define_profile('cached', '{}');
SELECT pg_temp.check('cached', '{}');
SET client_min_messages = warning;
DROP EXTENSION pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
SELECT pg_temp.check('cached', '{}');
