-- Relationships end to end (DESIGN §2–§5; issue 4): relationship definitions and their
-- meta-validation, submit-time validation of relationship requests, and the worker applying them
-- with endpoint, id and cardinality checks (1:1, 1:N, N:N), the cascade of a resource DELETE to its
-- relationships, receipts, metrics and logs.
-- The test configuration starts the worker paused (pg_bulk.enabled = off); the apply part switches
-- it on with ALTER SYSTEM + reload and waits for it with bounded polls, and the file leaves it
-- paused. Bulk ids, generated ids, pids and times differ from run to run: only derived values are
-- printed.
\i sql/include/worker_on_fresh_extension.sql
\set VERBOSITY terse

-- Runs a statement; answers 'no error' or "SQLSTATE: message".
\i sql/include/error_of.sql

-- define_relationship, answering 'defined' or "SQLSTATE: message".
CREATE FUNCTION pg_temp.define(key text, definition text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bulk.define_relationship(key, definition::jsonb);
    RETURN 'defined';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Dry run of one relationship operation: 'VALID' or "<code> <TYPE>: <message>".
CREATE FUNCTION pg_temp.check(operation jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT CASE r ->> 'status' WHEN 'VALID' THEN 'VALID'
           ELSE concat_ws(' ', r #>> '{receipts,0,error,code}', r #>> '{receipts,0,error,type}') || ': ' ||
                (r #>> '{receipts,0,error,message}') END
      FROM bulk.validate_relationships(jsonb_build_object('operations', jsonb_build_array(operation))) r
$$;

-- A CREATE or UPSERT of relationship `id` of `type` from `from_id` to `to_id` (from a provider to an
-- office unless said otherwise), with `data` when given.
CREATE FUNCTION pg_temp.rel(action text, type text, id text, from_id text, to_id text, data jsonb DEFAULT NULL,
                            from_type text DEFAULT 'provider', to_type text DEFAULT 'office') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('action', action, lower(action),
               jsonb_strip_nulls(jsonb_build_object('type', type, 'id', id,
                                                    'from', jsonb_build_object('type', from_type, 'id', from_id),
                                                    'to', jsonb_build_object('type', to_type, 'id', to_id)))
               || CASE WHEN data IS NULL THEN '{}' ELSE jsonb_build_object('data', data) END)
$$;

-- The receipts of a task, without completion times (shown as whether they are there).
CREATE FUNCTION pg_temp.receipts(bulk_id text)
RETURNS TABLE (seq integer, action text, type text, id text, status text, code integer, error_type text,
               error_message text, completed boolean) LANGUAGE sql AS $$
    SELECT seq, action, type, id, status, error_code, error_type, error_message, completed_at IS NOT NULL
      FROM bulk.receipts(bulk_id)
$$;

-- The stored relationships, in a fixed order.
CREATE VIEW pg_temp.stored AS
    SELECT type, id, from_type || ' ' || from_id AS "from", to_type || ' ' || to_id AS "to", cardinality, data
      FROM bulk.relationships ORDER BY type COLLATE "C", id COLLATE "C";

SELECT bulk.define_profile('hours', '{"properties": {"day": {"type": "code"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_profile('office', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}}}}');
SELECT bulk.define_profile('patient', '{"properties": {"name": {"type": "symbol"}}}');

-------------------------------------------------------------------------------------------------
-- Relationship definitions: define_relationship (create or replace), the table, versions.
-------------------------------------------------------------------------------------------------
-- 1:N: a provider works at many offices, an office has at most one provider (the docs' example).
SELECT bulk.define_relationship('worksAt', '{
  "description": "A provider works at an office",
  "from": {"profileKey": "provider"},
  "to":   {"profileKey": "office"},
  "cardinality": "1:N",
  "properties": {"since": {"type": "date"},
                 "role":  {"type": "code", "rules": {"enum": ["owner", "locum"]}}}}');
-- 1:1: a provider manages at most one office, an office has at most one manager; a required property.
SELECT bulk.define_relationship('manages', '{
  "from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1",
  "properties": {"title": {"type": "symbol", "rules": {"required": true, "maxLength": 10}}}}');
-- N:N between providers (from and to may be the same profile), without properties.
SELECT bulk.define_relationship('knows', '{
  "from": {"profileKey": "provider"}, "to": {"profileKey": "provider"}, "cardinality": "N:N"}');
SELECT key, version, created_at = updated_at AS fresh, definition ->> 'cardinality' AS cardinality
  FROM bulk.relationship_definitions ORDER BY key COLLATE "C";

-- Create or replace: the version grows, created_at stays.
SELECT created_at AS knows_created FROM bulk.relationship_definitions WHERE key = 'knows' \gset
SELECT bulk.define_relationship('knows', '{
  "description": "Providers who know each other",
  "from": {"profileKey": "provider"}, "to": {"profileKey": "provider"}, "cardinality": "N:N"}');
SELECT key, version, created_at = :'knows_created' AS created_kept, updated_at >= created_at AS updated,
       definition ->> 'description' AS description
  FROM bulk.relationship_definitions WHERE key = 'knows';

-- Keys: ^[A-Za-z0-9-][A-Za-z0-9_-]{0,61}$
SELECT k AS key, pg_temp.define(k, '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                     "cardinality": "N:N"}') AS result
  FROM (VALUES ('a_b-C'), ('-dash'), ('9'), (repeat('k', 62)), (repeat('k', 63)), ('_a'), (''), ('a b'), ('a.b'),
               ('é')) t(k);
DELETE FROM bulk.relationship_definitions WHERE key IN ('a_b-C', '-dash', '9', repeat('k', 62));

-------------------------------------------------------------------------------------------------
-- Meta-validation: SQLSTATE 22023 naming the definition and the JSON path, as for profiles; the
-- properties go through the profile-property compiler (same messages as in profiles.out).
-------------------------------------------------------------------------------------------------
SELECT label, pg_temp.define('r', d) AS result FROM (VALUES
  ('valid, minimal',            '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('from missing',              '{"to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('to missing',                '{"from": {"profileKey": "provider"}, "cardinality": "1:1"}'),
  ('from not an object',        '{"from": "provider", "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('from with an unknown key',  '{"from": {"profileKey": "provider", "id": "x"}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('profileKey missing',        '{"from": {}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('profileKey not a string',   '{"from": {"profileKey": 1}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('from profile unknown',      '{"from": {"profileKey": "nurse"}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('to profile unknown',        '{"from": {"profileKey": "provider"}, "to": {"profileKey": "Office"}, "cardinality": "1:1"}'),
  ('from profile CONTAINED',    '{"from": {"profileKey": "hours"}, "to": {"profileKey": "office"}, "cardinality": "1:1"}'),
  ('to profile CONTAINED',      '{"from": {"profileKey": "provider"}, "to": {"profileKey": "hours"}, "cardinality": "1:1"}'),
  ('cardinality missing',       '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}}'),
  ('cardinality 1:*',           '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:*"}'),
  ('cardinality n:n',           '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "n:n"}'),
  ('cardinality N:1',           '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "N:1"}'),
  ('cardinality not a string',  '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": 11}'),
  ('description not a string',  '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "description": ["x"]}'),
  ('unknown top-level key',     '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "contained": {}}'),
  ('property: unknown type',    '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "text"}}}'),
  ('property: deep unknown type','{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "uuid"}}}}}}'),
  ('property: unknown rule',    '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "symbol", "rules": {"maxlength": 3}}}}'),
  ('property: min on symbol',   '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "symbol", "rules": {"min": 1}}}}'),
  ('property: min > max',       '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "integer", "rules": {"min": 5, "max": 1}}}}'),
  ('property: invalid regex',   '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "symbol", "rules": {"pattern": "^(a"}}}}'),
  ('property: array w/o items', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "array"}}}'),
  ('property: unknown key',     '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a": {"type": "symbol", "required": true}}}'),
  ('property: bad name',        '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": {"a b": {"type": "symbol"}}}'),
  ('properties not an object',  '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1", "properties": []}'),
  ('definition not an object',  '[]'),
  ('definition is JSON null',   'null')
) t(label, d);
SELECT pg_temp.error_of($$SELECT bulk.define_relationship('r', NULL)$$) AS sql_null_definition;
SELECT pg_temp.error_of($$SELECT bulk.define_relationship(NULL, '{}')$$) AS sql_null_key;
-- Only the valid one was stored; a refused replacement leaves the stored definition as it was.
SELECT pg_temp.define('r', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "hours"}, "cardinality": "1:1"}');
SELECT key, version, definition FROM bulk.relationship_definitions WHERE key = 'r';

-- Direct writes to bulk.relationship_definitions go through the same trigger.
SELECT pg_temp.error_of($$INSERT INTO bulk.relationship_definitions (key, definition)
    VALUES ('direct', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1",
                        "properties": {"a": {"type": "text"}}}')$$) AS direct_insert_bad_type;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationship_definitions (key, definition)
    VALUES ('direct', '{"from": {"profileKey": "patient"}, "to": {"profileKey": "hours"}, "cardinality": "1:1"}')$$)
    AS direct_insert_contained;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationship_definitions (key, definition)
    VALUES ('bad key', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"}, "cardinality": "1:1"}')$$)
    AS direct_insert_bad_key;
INSERT INTO bulk.relationship_definitions (key, definition, version, created_at, updated_at)
VALUES ('direct', '{"from": {"profileKey": "patient"}, "to": {"profileKey": "office"}, "cardinality": "N:N"}',
        42, '2000-01-01', '2000-01-01');
SELECT key, version, created_at > '2000-01-01' AS created_now FROM bulk.relationship_definitions WHERE key = 'direct';
SELECT pg_temp.error_of($$UPDATE bulk.relationship_definitions
    SET definition = jsonb_set(definition, '{cardinality}', '"M:N"') WHERE key = 'direct'$$) AS direct_update_bad;
SELECT pg_temp.error_of($$UPDATE bulk.relationship_definitions SET key = 'renamed' WHERE key = 'direct'$$)
    AS direct_rename;
UPDATE bulk.relationship_definitions SET definition = jsonb_set(definition, '{cardinality}', '"1:N"')
 WHERE key = 'direct';
SELECT key, version, definition ->> 'cardinality' AS cardinality FROM bulk.relationship_definitions WHERE key = 'direct';

-------------------------------------------------------------------------------------------------
-- Dependencies: profiles used by a definition cannot be dropped or become CONTAINED; drop_relationship.
-------------------------------------------------------------------------------------------------
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('patient')$$) AS drop_from_profile;
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('office')$$) AS drop_to_profile;
SELECT pg_temp.error_of($$SELECT bulk.define_profile('patient', '{}', 'CONTAINED')$$) AS patient_to_contained;
SELECT pg_temp.error_of($$DELETE FROM bulk.profiles WHERE key = 'patient'$$) AS delete_patient_row;
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('nothing')$$) AS drop_unknown;
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('direct')$$) AS drop_direct;
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('direct')$$) AS drop_direct_again;
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('r')$$) AS drop_r;
-- Once no definition uses it, the profile can be dropped.
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('patient')$$) AS drop_patient_now;
SELECT key FROM bulk.relationship_definitions ORDER BY key COLLATE "C";

-------------------------------------------------------------------------------------------------
-- Submit-time validation (worker paused: nothing is applied here).
-------------------------------------------------------------------------------------------------
SELECT label, pg_temp.check(op::jsonb) AS result FROM (VALUES
  -- valid shapes
  ('create with id',           '{"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"since": "2021-03", "role": "owner"}}}'),
  ('create without id, data',  '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('create, data null',        '{"action": "CREATE", "create": {"type": "worksAt", "id": null, "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": null}}'),
  ('upsert',                   '{"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {}}}'),
  ('delete',                   '{"action": "DELETE", "delete": {"type": "worksAt", "id": "w1"}}'),
  ('self relationship',        '{"action": "CREATE", "create": {"type": "knows", "from": {"type": "provider", "id": "p1"}, "to": {"type": "provider", "id": "p1"}}}'),
  -- operation shape
  ('not an object',            '["CREATE"]'),
  ('unknown action',           '{"action": "LINK", "link": {"type": "worksAt", "id": "w1"}}'),
  ('payload key mismatch',     '{"action": "UPSERT", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('payload not an object',    '{"action": "DELETE", "delete": "w1"}'),
  ('type missing',             '{"action": "CREATE", "create": {"id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('type not a string',        '{"action": "CREATE", "create": {"type": ["worksAt"], "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('unknown payload key',      '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "label": "x"}}'),
  ('bad id',                   '{"action": "CREATE", "create": {"type": "worksAt", "id": "has space", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('id too long',              '{"action": "CREATE", "create": {"type": "worksAt", "id": "' || repeat('i', 65) || '", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('id not a string',          '{"action": "CREATE", "create": {"type": "worksAt", "id": 7, "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('upsert without id',        '{"action": "UPSERT", "upsert": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('delete without id',        '{"action": "DELETE", "delete": {"type": "worksAt"}}'),
  ('delete with endpoints',    '{"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}}}'),
  ('delete with data',         '{"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "data": {}}}'),
  -- unknown definition
  ('unknown definition',       '{"action": "CREATE", "create": {"type": "worksat", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('a profile as the type',    '{"action": "UPSERT", "upsert": {"type": "provider", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('delete, unknown def.',     '{"action": "DELETE", "delete": {"type": "dropped", "id": "w1"}}'),
  -- endpoints
  ('from missing',             '{"action": "CREATE", "create": {"type": "worksAt", "to": {"type": "office", "id": "o1"}}}'),
  ('to missing',               '{"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}}}'),
  ('from null',                '{"action": "CREATE", "create": {"type": "worksAt", "from": null, "to": {"type": "office", "id": "o1"}}}'),
  ('from not an object',       '{"action": "CREATE", "create": {"type": "worksAt", "from": "provider/p1", "to": {"type": "office", "id": "o1"}}}'),
  ('from with unknown key',    '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1", "data": {}}, "to": {"type": "office", "id": "o1"}}}'),
  ('from.type missing',        '{"action": "CREATE", "create": {"type": "worksAt", "from": {"id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('from.type not a string',   '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": 1, "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('from of the wrong type',   '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "office", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('to of the wrong type',     '{"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "provider", "id": "o1"}}}'),
  ('to of an unknown type',    '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "shop", "id": "o1"}}}'),
  ('to of a CONTAINED type',   '{"action": "CREATE", "create": {"type": "knows", "from": {"type": "provider", "id": "p1"}, "to": {"type": "hours", "id": "h1"}}}'),
  ('from.id missing',          '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider"}, "to": {"type": "office", "id": "o1"}}}'),
  ('to.id bad',                '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o/1"}}}'),
  ('to.id empty',              '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": ""}}}'),
  ('to.id a number',           '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": 1}}}'),
  -- relationship properties
  ('data not an object',       '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": "2021"}}'),
  ('undeclared property',      '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"until": "2022"}}}'),
  ('property on N:N w/o props','{"action": "CREATE", "create": {"type": "knows", "from": {"type": "provider", "id": "p1"}, "to": {"type": "provider", "id": "p2"}, "data": {"since": "2022"}}}'),
  ('bad date',                 '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"since": "2021-02-30"}}}'),
  ('wrong JSON kind',          '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"since": 2021}}}'),
  ('enum violated',            '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"role": "boss"}}}'),
  ('maxLength violated',       '{"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"title": "Chief medical officer"}}}'),
  ('required, data absent',    '{"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}}}'),
  ('required, data null',      '{"action": "UPSERT", "upsert": {"type": "manages", "id": "m1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": null}}'),
  ('required, data empty',     '{"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {}}}'),
  ('required property null',   '{"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"title": null}}}'),
  ('required present',         '{"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "data": {"title": "Head"}}}'),
  -- resource operations sent to submit_relationships
  ('resource create',          '{"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}}'),
  ('resource upsert w/ meta',  '{"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "Ann"}, "meta": {}}}'),
  ('resource contained',       '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "contained": {}}}'),
  -- meta: any object, as for resources
  ('meta object',              '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "meta": {"source": {"system": "hr"}}}}'),
  ('meta null',                '{"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "meta": null}}'),
  ('meta not an object',       '{"action": "CREATE", "create": {"type": "worksAt", "from": {"type": "provider", "id": "p1"}, "to": {"type": "office", "id": "o1"}, "meta": ["hr"]}}'),
  ('meta on a delete',         '{"action": "DELETE", "delete": {"type": "worksAt", "id": "w1", "meta": {}}}')
) t(label, op);

-- A changed definition applies to the requests validated afterwards (the cache is invalidated).
SELECT pg_temp.check(pg_temp.rel('CREATE', 'knows', 'k1', 'p1', 'p2', '{"since": "2020"}', 'provider', 'provider'))
       AS before_change;
SELECT bulk.define_relationship('knows', '{
  "description": "Providers who know each other",
  "from": {"profileKey": "provider"}, "to": {"profileKey": "provider"}, "cardinality": "N:N",
  "properties": {"since": {"type": "date"}}}');
SELECT pg_temp.check(pg_temp.rel('CREATE', 'knows', 'k1', 'p1', 'p2', '{"since": "2020"}', 'provider', 'provider'))
       AS after_change;

-- A whole rejected request: every invalid operation reported in order, the valid ones CANCELLED,
-- receipts carrying the relationship type and id; nothing queued.
SELECT count(*) AS tasks_before FROM bulk.tasks \gset
SELECT jsonb_pretty(bulk.submit_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}},
  {"action": "CREATE", "create": {"type": "nope", "id": "w2", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}},
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "w3", "from": {"type": "office", "id": "o1"},
                                  "to": {"type": "office", "id": "o2"}}},
  {"action": "DELETE", "delete": {"type": "knows", "id": "k1"}},
  {"action": "CREATE", "create": {"type": "manages", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}}]}')) AS rejected;
SELECT count(*) - :tasks_before AS tasks_queued FROM bulk.tasks;

-- A resource operation in a relationship request: INVALID_REQUEST, the request is REJECTED.
SELECT jsonb_pretty(bulk.submit_relationships('{"operations": [
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}}]}')) AS resource_op_in_relationships;
-- A relationship operation in a resource request: INVALID_REQUEST, the request is REJECTED.
SELECT jsonb_pretty(bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
  {"action": "CREATE", "create": {"type": "worksAt", "id": "w1", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "Bob"},
                                  "from": {"type": "provider", "id": "p1"}}}]}')) AS relationship_op_in_resources;
SELECT count(*) - :tasks_before AS tasks_queued FROM bulk.tasks;

-- validate_relationships of a valid request; request-level errors are SQL errors.
SELECT bulk.validate_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1"}}]}') AS valid;
SELECT pg_temp.error_of($$SELECT bulk.submit_relationships(NULL)$$) AS null_request;
SELECT pg_temp.error_of($$SELECT bulk.submit_relationships('{"operations": []}')$$) AS no_operations;
SELECT pg_temp.error_of($$SELECT bulk.validate_relationships('{"operations": [], "x": 1}')$$) AS extra_key;
SET pg_bulk.max_operations = 2;
SELECT pg_temp.error_of($$SELECT bulk.submit_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w1"}},
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w2"}},
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "w3"}}]}')$$) AS too_many;
RESET pg_bulk.max_operations;

-- An accepted relationship request: a task with target relationships; idempotency as for resources.
SELECT bulk.submit_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "nothing"}}]}', 'rel-key') ->> 'bulkId' AS idem \gset
SELECT bulk.submit_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "worksAt", "id": "other"}}]}', 'rel-key') ->> 'bulkId' = :'idem'
       AS same_answer;
SELECT target, status, operation_count FROM bulk.tasks WHERE bulk_id = :'idem';
SELECT count(*) - :tasks_before AS tasks_queued FROM bulk.tasks;

-- A task whose relationship definition is dropped before it runs (possible while no relationship of
-- that type exists) ends as FAILURE when the worker takes it up, its operations INTERNAL.
SELECT bulk.define_relationship('temporary', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                               "cardinality": "N:N"}');
SELECT bulk.submit_relationships('{"operations": [
  {"action": "DELETE", "delete": {"type": "temporary", "id": "t1"}},
  {"action": "CREATE", "create": {"type": "temporary", "id": "t2", "from": {"type": "provider", "id": "p1"},
                                  "to": {"type": "office", "id": "o1"}}}]}') ->> 'bulkId' AS doomed \gset
SELECT bulk.drop_relationship('temporary');

-------------------------------------------------------------------------------------------------
-- Apply: the worker on.
-------------------------------------------------------------------------------------------------
ALTER SYSTEM SET pg_bulk.enabled = on;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE NOT paused)') AS worker_running;

SELECT bulk.wait(:'doomed') ->> 'status' AS doomed_status;
SELECT * FROM pg_temp.receipts(:'doomed');
SELECT bulk.wait(:'idem') ->> 'status' AS idem_status;
SELECT * FROM pg_temp.receipts(:'idem');

-- Resources to link.
SELECT bulk.submit_resources(jsonb_build_object('operations',
         (SELECT jsonb_agg(jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object(
                 'type', t, 'id', left(t, 1) || i, 'data', jsonb_build_object('name', t || ' ' || i))) ORDER BY t, i)
            FROM unnest(ARRAY['provider', 'office']) t, generate_series(1, 5) i))) ->> 'bulkId' AS res \gset
SELECT bulk.wait(:'res') ->> 'status' AS resources_status;
SELECT type, string_agg(id, ' ' ORDER BY id COLLATE "C") AS ids FROM bulk.resources GROUP BY type ORDER BY type COLLATE "C";

--
-- 1:1 (manages): each provider and each office in at most one relationship of the type.
--
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'manages', 'm1', 'p1', 'o1', '{"title": "Head"}'),   -- 0 ok
  pg_temp.rel('CREATE', 'manages', 'm2', 'p2', 'o2', '{"title": "Head"}'),   -- 1 ok: other provider, other office
  pg_temp.rel('CREATE', 'manages', 'm3', 'p1', 'o3', '{"title": "Head"}'),   -- 2 p1 already manages (m1)
  pg_temp.rel('CREATE', 'manages', 'm4', 'p3', 'o1', '{"title": "Head"}'),   -- 3 o1 already managed (m1)
  pg_temp.rel('CREATE', 'manages', 'm5', 'p1', 'o1', '{"title": "Head"}'),   -- 4 same pair, another id
  pg_temp.rel('CREATE', 'manages', 'm1', 'p1', 'o1', '{"title": "Head"}'),   -- 5 same pair, same id
  pg_temp.rel('CREATE', 'manages', 'm2', 'p4', 'o4', '{"title": "Head"}'),   -- 6 same id, other pair
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'manages', 'id', 'm2')),  -- 7
  pg_temp.rel('CREATE', 'manages', 'm6', 'p2', 'o2', '{"title": "Deputy"}'), -- 8 ok: m2 was deleted by 7
  pg_temp.rel('UPSERT', 'manages', 'm1', 'p1', 'o4', '{"title": "Moved"}'),  -- 9 ok: m1 moves to o4
  pg_temp.rel('CREATE', 'manages', 'm7', 'p3', 'o1', '{"title": "Head"}'),   -- 10 ok: o1 was freed by 9
  pg_temp.rel('UPSERT', 'manages', 'm7', 'p3', 'o2', '{"title": "Head"}'),   -- 11 o2 already managed (m6): m7 stays
  pg_temp.rel('UPSERT', 'manages', 'm8', 'p3', 'o5', '{"title": "Head"}')    -- 12 upsert creating: p3 already (m7)
))) ->> 'bulkId' AS one_one \gset
SELECT bulk.wait(:'one_one') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'one_one');
SELECT * FROM pg_temp.stored WHERE type = 'manages';
-- Across tasks (the stored rows, not only the batch's own view): the same checks.
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'manages', 'm9', 'p1', 'o5', '{"title": "Head"}'),   -- 0 p1 already manages (m1)
  pg_temp.rel('CREATE', 'manages', 'm9', 'p5', 'o2', '{"title": "Head"}'),   -- 1 o2 already managed (m6)
  pg_temp.rel('CREATE', 'manages', 'm9', 'p3', 'o1', '{"title": "Head"}'),   -- 2 same pair as m7
  pg_temp.rel('CREATE', 'manages', 'm7', 'p3', 'o1', '{"title": "Head"}'),   -- 3 m7 exists
  pg_temp.rel('CREATE', 'manages', 'm9', 'p5', 'o5', '{"title": "Head"}'),   -- 4 ok
  pg_temp.rel('UPSERT', 'manages', 'm6', 'p2', 'o2', '{"title": "Boss"}')    -- 5 ok: same endpoints, new data
))) ->> 'bulkId' AS one_one_b \gset
SELECT bulk.wait(:'one_one_b') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'one_one_b');
SELECT * FROM pg_temp.stored WHERE type = 'manages';

--
-- 1:N (worksAt): a provider at many offices, each office with at most one provider.
--
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'worksAt', 'w1', 'p1', 'o1', '{"since": "2020"}'),   -- 0 ok
  pg_temp.rel('CREATE', 'worksAt', 'w2', 'p1', 'o2'),                          -- 1 ok: p1 at a second office
  pg_temp.rel('CREATE', 'worksAt', 'w3', 'p1', 'o3', '{"role": "locum"}'),   -- 2 ok: and a third
  pg_temp.rel('CREATE', 'worksAt', 'w4', 'p2', 'o1'),                          -- 3 o1 already has w1
  pg_temp.rel('CREATE', 'worksAt', 'w5', 'p1', 'o1'),                          -- 4 same pair as w1
  pg_temp.rel('CREATE', 'worksAt', 'w1', 'p1', 'o1'),                          -- 5 w1 exists
  pg_temp.rel('UPSERT', 'worksAt', 'w2', 'p2', 'o2', '{"role": "owner"}'),   -- 6 ok: w2 moves to p2
  pg_temp.rel('CREATE', 'worksAt', 'w6', 'p2', 'o4')                           -- 7 ok
))) ->> 'bulkId' AS one_n \gset
SELECT bulk.wait(:'one_n') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'one_n');
SELECT * FROM pg_temp.stored WHERE type = 'worksAt';
SELECT created_at AS w2_created FROM bulk.relationships WHERE type = 'worksAt' AND id = 'w2' \gset
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'worksAt', 'w7', 'p3', 'o2'),                          -- 0 o2 already has w2
  pg_temp.rel('UPSERT', 'worksAt', 'w6', 'p2', 'o3'),                          -- 1 o3 already has w3: w6 stays at o4
  pg_temp.rel('UPSERT', 'worksAt', 'w2', 'p3', 'o2'),                          -- 2 ok: w2 moves to p3 (o2 is its own)
  pg_temp.rel('UPSERT', 'worksAt', 'w8', 'p3', 'o5', '{"since": "2024-02-29"}')  -- 3 ok: creates w8
))) ->> 'bulkId' AS one_n_b \gset
SELECT bulk.wait(:'one_n_b') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'one_n_b');
SELECT * FROM pg_temp.stored WHERE type = 'worksAt';
-- An UPSERT rewrites the row (endpoints, data; absent data becomes {}) and keeps its created_at.
SELECT created_at = :'w2_created' AS w2_created_kept, updated_at > created_at AS w2_updated
  FROM bulk.relationships WHERE type = 'worksAt' AND id = 'w2';

--
-- N:N (knows): no limit, except one relationship per (from, to) pair.
--
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'knows', 'k1', 'p1', 'p2', NULL, 'provider', 'provider'),  -- 0 ok
  pg_temp.rel('CREATE', 'knows', 'k2', 'p1', 'p3', NULL, 'provider', 'provider'),  -- 1 ok: same from
  pg_temp.rel('CREATE', 'knows', 'k3', 'p3', 'p2', NULL, 'provider', 'provider'),  -- 2 ok: same to
  pg_temp.rel('CREATE', 'knows', 'k4', 'p2', 'p1', NULL, 'provider', 'provider'),  -- 3 ok: the reverse pair
  pg_temp.rel('CREATE', 'knows', 'k5', 'p1', 'p1', NULL, 'provider', 'provider'),  -- 4 ok: to itself
  pg_temp.rel('CREATE', 'knows', 'k6', 'p1', 'p2', NULL, 'provider', 'provider'),  -- 5 same pair as k1, another id
  pg_temp.rel('CREATE', 'knows', 'k1', 'p1', 'p2', NULL, 'provider', 'provider'),  -- 6 same pair, same id
  pg_temp.rel('UPSERT', 'knows', 'k2', 'p1', 'p2', NULL, 'provider', 'provider'),  -- 7 moving k2 onto k1's pair
  pg_temp.rel('UPSERT', 'knows', 'k1', 'p1', 'p2', NULL, 'provider', 'provider')   -- 8 ok: k1 rewritten in place
))) ->> 'bulkId' AS n_n \gset
SELECT bulk.wait(:'n_n') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'n_n');
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'knows', 'k7', 'p3', 'p2', NULL, 'provider', 'provider'),  -- 0 same pair as k3 (stored)
  pg_temp.rel('CREATE', 'knows', 'k3', 'p4', 'p5', NULL, 'provider', 'provider'),  -- 1 k3 exists
  pg_temp.rel('CREATE', 'knows', 'k7', 'p2', 'p3', NULL, 'provider', 'provider')   -- 2 ok: reverse of k3
))) ->> 'bulkId' AS n_n_b \gset
SELECT bulk.wait(:'n_n_b') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'n_n_b');
SELECT * FROM pg_temp.stored WHERE type = 'knows';

--
-- Missing endpoints (404 naming the endpoint), DELETE of a missing relationship (404), ids per type.
--
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'worksAt', 'x1', 'p9', 'o5'),                          -- 0 from missing
  pg_temp.rel('CREATE', 'worksAt', 'x2', 'p4', 'o9'),                          -- 1 to missing
  pg_temp.rel('UPSERT', 'worksAt', 'x3', 'p8', 'o8'),                          -- 2 both: from named
  pg_temp.rel('UPSERT', 'worksAt', 'w1', 'p1', 'o9'),                          -- 3 upsert of w1 onto a missing office
  pg_temp.rel('CREATE', 'knows', 'x4', 'p1', 'o1', NULL, 'provider', 'provider'),  -- 4 provider o1 does not exist
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'worksAt', 'id', 'nope')),  -- 5
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'worksAt', 'id', 'k1')),    -- 6 a knows id
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'worksAt', 'id', 'w3')),    -- 7 ok
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'worksAt', 'id', 'w3')),    -- 8 gone by 7
  pg_temp.rel('CREATE', 'worksAt', 'k1', 'p4', 'o3')                           -- 9 ok: ids are per type
))) ->> 'bulkId' AS missing \gset
SELECT bulk.wait(:'missing') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'missing');
SELECT * FROM pg_temp.stored WHERE type = 'worksAt';

--
-- CREATE without an id: the receipt names the generated id, and the relationship is stored under it.
--
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object('type', 'knows',
      'from', jsonb_build_object('type', 'provider', 'id', 'p4'),
      'to', jsonb_build_object('type', 'provider', 'id', 'p5'))),
  jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object('type', 'knows',
      'from', jsonb_build_object('type', 'provider', 'id', 'p4'),
      'to', jsonb_build_object('type', 'provider', 'id', 'p5')))
))) ->> 'bulkId' AS generated \gset
SELECT bulk.wait(:'generated') ->> 'status' AS status;
SELECT seq, action, type, id = bulk._generated_id(:'generated', seq) AS id_is_generated, id ~ '^[0-9A-Za-z]{27}$' AS ksuid,
       status, error_type, replace(error_message, bulk._generated_id(:'generated', 0), '<generated 0>') AS error_message
  FROM bulk.receipts(:'generated');
SELECT type, id = bulk._generated_id(:'generated', 0) AS stored_under_generated_id, from_id, to_id
  FROM bulk.relationships WHERE type = 'knows' AND from_id = 'p4' AND to_id = 'p5';
-- The task document: receipts carry action, relationship type and id, status, error, completedAt.
SELECT bulk._generated_id(:'generated', 0) AS gen0, bulk._generated_id(:'generated', 1) AS gen1 \gset
SELECT replace(replace(jsonb_pretty(jsonb_set(bulk.task(:'generated') - 'bulkId', '{receipts}', (
         SELECT jsonb_agg(jsonb_set(r, '{completedAt}', to_jsonb(r ? 'completedAt')) ORDER BY n)
           FROM jsonb_array_elements(bulk.task(:'generated') -> 'receipts') WITH ORDINALITY e(r, n)))),
         :'gen0', '<generated 0>'), :'gen1', '<generated 1>') AS task;

--
-- Relationship data: stored as given, {} when absent.
--
SELECT type, id, data FROM bulk.relationships WHERE (type, id) IN (('worksAt', 'w1'), ('worksAt', 'w6'), ('manages', 'm6'))
 ORDER BY type COLLATE "C", id COLLATE "C";

--
-- Metrics and logs of a relationship task.
--
SELECT m ->> 'status' AS status, m -> 'operations' AS operations, m -> 'counts' AS counts,
       (m ->> 'submittedAt')::timestamptz <= (m ->> 'startedAt')::timestamptz AS submitted_before_start,
       (m ->> 'startedAt')::timestamptz <= (m ->> 'finishedAt')::timestamptz AS started_before_finish,
       (m ->> 'queueSeconds')::numeric >= 0 AS queue_seconds, (m ->> 'runSeconds')::numeric >= 0 AS run_seconds,
       jsonb_typeof(m -> 'operationsPerSecond') IN ('number', 'null') AS rate
  FROM bulk.metrics(:'one_one') m;
SELECT level, regexp_replace(message, 'pid \d+', 'pid <pid>') AS message FROM bulk.logs(:'one_one');
SELECT level, regexp_replace(message, 'pid \d+', 'pid <pid>') AS message FROM bulk.logs(:'doomed');
SELECT target, status, operation_count, applied_count, attempts, started_at IS NOT NULL AS started,
       finished_at IS NOT NULL AS finished
  FROM bulk.tasks WHERE bulk_id = :'one_one';

--
-- Deleting a resource deletes its relationships, in the same operation (the foreign keys cascade).
--
SELECT * FROM pg_temp.stored WHERE 'provider p3' IN ("from", "to") OR "to" = 'office o5';
-- The definition and the profiles are in use now.
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('knows')$$) AS drop_knows;
SELECT pg_temp.error_of($$DELETE FROM bulk.relationship_definitions WHERE key = 'worksAt'$$) AS delete_definition_row;
SELECT pg_temp.error_of($$TRUNCATE bulk.relationship_definitions$$) AS truncate_definitions;
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('provider')$$) AS drop_provider;
-- A resource UPSERT keeps the resource's relationships; DELETE p3 takes its relationships (from and
-- to) with it; DELETE then CREATE of o5 in one task leaves the new o5 without w8.
SELECT bulk.submit_resources('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {"name": "provider 1 renamed"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p3"}},
  {"action": "DELETE", "delete": {"type": "office", "id": "o5"}},
  {"action": "CREATE", "create": {"type": "office", "id": "o5", "data": {"name": "new office 5"}}}]}') ->> 'bulkId' AS cascade \gset
SELECT bulk.wait(:'cascade') ->> 'status' AS status;
SELECT seq, action, type, id, status FROM bulk.receipts(:'cascade');
SELECT * FROM pg_temp.stored WHERE 'provider p3' IN ("from", "to") OR "to" = 'office o5';
SELECT type, id FROM bulk.relationships
 WHERE (from_type, from_id) = ('provider', 'p1') OR (to_type, to_id) = ('provider', 'p1')
 ORDER BY type COLLATE "C", id COLLATE "C";
-- An endpoint deleted by an earlier task: 404 when the relationship is applied. The relationships
-- p3 and the old o5 were in are gone: o1 (m7) and o5 (w8) are free again.
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'manages', 'm10', 'p3', 'o3', '{"title": "Head"}'),  -- 0 p3 was deleted
  pg_temp.rel('UPSERT', 'worksAt', 'w2', 'p3', 'o2'),                          -- 1 w2 was deleted with p3: p3 missing
  pg_temp.rel('CREATE', 'worksAt', 'w8', 'p5', 'o5'),                          -- 2 ok: w8 went with the old o5
  pg_temp.rel('CREATE', 'manages', 'm10', 'p4', 'o1', '{"title": "Head"}'),  -- 3 ok: o1 free since m7 went with p3
  pg_temp.rel('CREATE', 'knows', 'k8', 'p3', 'p1', NULL, 'provider', 'provider'),  -- 4 p3 was deleted
  jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', 'knows', 'id', 'k2'))  -- 5 went with p3
))) ->> 'bulkId' AS after_delete \gset
SELECT bulk.wait(:'after_delete') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'after_delete');
SELECT type, masked_id AS id, "from", "to", cardinality, data
  FROM pg_temp.stored, LATERAL (SELECT CASE id WHEN :'gen0' THEN '<generated 0>' ELSE id END) m(masked_id)
 ORDER BY type COLLATE "C", masked_id COLLATE "C";

-------------------------------------------------------------------------------------------------
-- The database enforces the same rules for direct writes (unique indexes, foreign keys).
-------------------------------------------------------------------------------------------------
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('manages', 'd1', 'provider', 'p4', 'office', 'o3', '1:1')$$) AS one_to_one_from;
-- A writer claiming another cardinality gets the definition's (the trigger sets it): still 1:1.
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('manages', 'd2', 'provider', 'p4', 'office', 'o3', 'N:N')$$) AS claimed_n_to_n_still_one_to_one;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('manages', 'd1', 'provider', 'p5', 'office', 'o1', '1:1')$$) AS one_to_one_to;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('worksAt', 'd1', 'provider', 'p4', 'office', 'o1', '1:N')$$) AS one_to_n_to;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('knows', 'd1', 'provider', 'p1', 'provider', 'p2', 'N:N')$$) AS pair;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('knows', 'k1', 'provider', 'p5', 'provider', 'p5', 'N:N')$$) AS same_id;
SELECT pg_temp.error_of($$INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality)
    VALUES ('knows', 'd1', 'provider', 'p9', 'provider', 'p1', 'N:N')$$) AS missing_endpoint;

-------------------------------------------------------------------------------------------------
-- Once no relationship of a type exists, its definition can be dropped; then its profiles.
-------------------------------------------------------------------------------------------------
SELECT bulk.submit_relationships(jsonb_build_object('operations', (
         SELECT jsonb_agg(jsonb_build_object('action', 'DELETE', 'delete', jsonb_build_object('type', type, 'id', id))
                          ORDER BY type COLLATE "C", id COLLATE "C")
           FROM bulk.relationships WHERE type = 'manages'))) ->> 'bulkId' AS cleanup \gset
SELECT bulk.wait(:'cleanup') ->> 'status' AS status;
SELECT seq, type, id, status FROM bulk.receipts(:'cleanup');
SELECT pg_temp.error_of($$SELECT bulk.drop_relationship('manages')$$) AS drop_manages;
SELECT pg_temp.error_of($$SELECT bulk.drop_profile('office')$$) AS drop_office;  -- worksAt still uses it

-- A changed cardinality applies to relationships written afterwards: worksAt relaxed to N:N lets a
-- second provider work at o1; the relationships written before keep their 1:N.
SELECT bulk.define_relationship('worksAt', '{"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
                                             "cardinality": "N:N"}');
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  pg_temp.rel('CREATE', 'worksAt', 'w9', 'p5', 'o1')))) ->> 'bulkId' AS relaxed \gset
SELECT bulk.wait(:'relaxed') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'relaxed');
SELECT * FROM pg_temp.stored WHERE type = 'worksAt' AND "to" = 'office o1';

-- Relationships carry meta as resources do: stored as given by CREATE, replaced (or cleared) by UPSERT.
SELECT bulk.submit_relationships(jsonb_build_object('operations', jsonb_build_array(
  jsonb_set(pg_temp.rel('CREATE', 'worksAt', 'wm', 'p5', 'o2'), '{create,meta}', '{"source": "hr"}'),
  jsonb_set(pg_temp.rel('CREATE', 'knows', 'km', 'p5', 'p1', NULL, 'provider', 'provider'), '{create,meta}',
            '{"source": "import", "batch": 7}')))) ->> 'bulkId' AS with_meta \gset
SELECT bulk.wait(:'with_meta') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'with_meta');
SELECT type, id, meta FROM bulk.relationships WHERE id IN ('wm', 'km') ORDER BY id;
SELECT bulk.submit_relationships('{"operations": [
  {"action": "UPSERT", "upsert": {"type": "knows", "id": "km", "from": {"type": "provider", "id": "p5"},
                                  "to": {"type": "provider", "id": "p1"}, "meta": {"source": "fix"}}},
  {"action": "UPSERT", "upsert": {"type": "worksAt", "id": "wm", "from": {"type": "provider", "id": "p5"},
                                  "to": {"type": "office", "id": "o2"}}}]}') ->> 'bulkId' AS meta_upsert \gset
SELECT bulk.wait(:'meta_upsert') ->> 'status' AS status;
SELECT * FROM pg_temp.receipts(:'meta_upsert');
SELECT type, id, meta FROM bulk.relationships WHERE id IN ('wm', 'km') ORDER BY id;

-- Back to the configuration of the test instance: paused.
ALTER SYSTEM RESET pg_bulk.enabled;
SELECT pg_reload_conf();
SELECT pg_temp.wait_until('EXISTS (SELECT FROM bulk.workers WHERE paused)') AS worker_paused;
