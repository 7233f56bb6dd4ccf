-- Data types of DESIGN §2 through bulk.validate_resources (a dry run): valid and invalid values of each,
-- wrong JSON kinds, null as absent, and the REJECTED document's shape.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

-- One property per type.
SELECT bulk.define_profile('all', '{"properties": {
  "s":   {"type": "symbol"},   "c":  {"type": "code"},     "m":  {"type": "markdown"}, "u": {"type": "uri"},
  "l":   {"type": "url"},      "i":  {"type": "integer"},  "d":  {"type": "decimal"},  "b": {"type": "boolean"},
  "dt":  {"type": "date"},     "ts": {"type": "datetime"}, "tm": {"type": "time"},
  "arr": {"type": "array", "items": {"type": "integer"}},
  "obj": {"type": "object", "properties": {
           "x":     {"type": "symbol"},
           "inner": {"type": "object", "properties": {"y": {"type": "integer", "rules": {"required": true}}}}}}}}');

-- Dry run of one CREATE of an "all" resource with data {property: value}: 'VALID' or "ERROR_TYPE: message".
CREATE FUNCTION pg_temp.check(property text, value jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT CASE r->>'status' WHEN 'VALID' THEN 'VALID'
         ELSE (r#>>'{receipts,0,error,type}') || ': ' || (r#>>'{receipts,0,error,message}') END
    FROM bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
         'action', 'CREATE', 'create', jsonb_build_object('type', 'all', 'data', jsonb_build_object(property, value)))))) r
$$;
-- The same, 'ok' or only what follows "create.data.<property>: " when the error is an INVALID_VALUE.
CREATE FUNCTION pg_temp.brief(property text, value jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT CASE c WHEN 'VALID' THEN 'ok' ELSE regexp_replace(c, '^INVALID_VALUE: operation 0: create\.data\.\w+: ', '') END
    FROM pg_temp.check(property, value) c
$$;

--
-- Wrong JSON kinds: each type accepts exactly one kind (a string of the right format for text types).
--
SELECT p AS property, pg_temp.brief(p, sample) AS string, pg_temp.brief(p, '1') AS number,
       pg_temp.brief(p, 'true') AS boolean, pg_temp.brief(p, '[]') AS array, pg_temp.brief(p, '{}') AS object
  FROM (VALUES ('s', '"x"'::jsonb), ('c', '"x"'), ('m', '"x"'), ('u', '"x"'), ('l', '"https://x"'), ('i', '"1"'),
               ('d', '"1.5"'), ('b', '"true"'), ('dt', '"2023"'), ('ts', '"2023-01-01T00:00:00Z"'),
               ('tm', '"00:00:00"'), ('arr', '"[]"'), ('obj', '"{}"')) t(p, sample);

--
-- symbol: any string. markdown: any string.
--
SELECT v AS symbol, pg_temp.check('s', v::jsonb) FROM (VALUES
  ('"x"'), ('""'), ('"  two  spaces "'), ('"tab\there\nnewline"'), ('"émoji 😀"')) t(v);
SELECT v AS markdown, pg_temp.check('m', v::jsonb) FROM (VALUES ('"# Title\n\n*bold*  text "'), ('""')) t(v);

--
-- code: no leading/trailing whitespace, no doubled space, no tab/CR/LF; not empty.
--
SELECT v AS code, pg_temp.check('c', v::jsonb) FROM (VALUES
  ('"Pharmacist"'), ('"General Practitioner"'), ('"é ü-1.2"'), ('"a  b"'), ('" a"'), ('"a "'), ('""'),
  ('"a\tb"'), ('"a\nb"')) t(v);

--
-- uri: non-empty, no whitespace or control characters. url: absolute http(s) with a host.
--
SELECT v AS uri, pg_temp.check('u', v::jsonb) FROM (VALUES
  ('"urn:oid:1.2.3"'), ('"../relative/path"'), ('"ftp://x.org/a"'), ('"a b"'), ('""'), ('"a\u0001b"')) t(v);
SELECT v AS url, pg_temp.check('l', v::jsonb) FROM (VALUES
  ('"https://example.org/a?b=1#c"'), ('"http://localhost:8080"'), ('"HTTPS://EXAMPLE.ORG"'), ('"https://user@host/"'),
  ('"ftp://example.org/file"'), ('"https://"'), ('"http:///path"'), ('"https://?q"'), ('"example.org"'),
  ('"//example.org"'), ('"https://exa mple.org"'), ('"mailto:a@b.c"'), ('""')) t(v);

--
-- integer: a whole JSON number in int64 range. Decided: a number written with a fraction (1.0) is REJECTED.
-- jsonb keeps a number as numeric, so what the validator sees is jsonb's text of it: 1e2 arrives as 100
-- (accepted), 1.0 stays 1.0 and 1.50e1 stays 15.0 (rejected), 1e400 arrives as 401 digits (out of range).
--
SELECT v AS written, v::jsonb AS "jsonb holds" FROM (VALUES ('1e2'), ('1E+2'), ('1.0'), ('1.5e1'), ('1.50e1'), ('-0')) t(v);
SELECT v AS integer, pg_temp.check('i', v::jsonb) FROM (VALUES
  ('1'), ('-0'), ('1e2'), ('1.5e1'), ('1.0'), ('1.5'), ('1.50e1'), ('1e-2'),
  ('9223372036854775807'), ('9223372036854775808'), ('-9223372036854775808'), ('-9223372036854775809'),
  ('1e400'), ('-1e400'), ('1e-400'), ('"1"')) t(v);

--
-- decimal: any JSON number, however large or small; never a string.
--
SELECT v AS decimal, pg_temp.check('d', v::jsonb) FROM (VALUES
  ('0'), ('-1.5'), ('3.14159265358979323846264338327950288'), ('1e400'), ('-1e400'), ('1e-400'), ('"1.5"'), ('"NaN"')) t(v);
-- SQL numerics NaN and +/-Infinity have no JSON form: to_jsonb makes them strings, which no number type accepts.
SELECT n AS numeric, pg_temp.check('d', to_jsonb(n)) AS decimal, pg_temp.check('i', to_jsonb(n)) AS integer
  FROM (VALUES ('NaN'::numeric), ('Infinity'), ('-Infinity')) t(n);

--
-- boolean: true or false only.
--
SELECT v AS boolean, pg_temp.check('b', v::jsonb) FROM (VALUES ('true'), ('false'), ('"true"'), ('0')) t(v);

--
-- date: YYYY, YYYY-MM or YYYY-MM-DD naming a real calendar date (Gregorian leap years), year 0001-9999.
--
SELECT v AS date, pg_temp.check('dt', v::jsonb) FROM (VALUES
  ('"2023"'), ('"2023-02"'), ('"2023-02-28"'), ('"2024-02-29"'), ('"2000-02-29"'), ('"0001-01-01"'), ('"9999-12-31"'),
  ('"2023-02-30"'), ('"2023-02-29"'), ('"1900-02-29"'), ('"2023-04-31"'), ('"2023-13"'), ('"2023-00"'), ('"2023-01-00"'),
  ('"2023-2-1"'), ('"23"'), ('"0000"'), ('"20230101"'), ('"2023/01/01"'), ('"2023-01-01T00:00:00Z"'), ('" 2023"'),
  ('""')) t(v);

--
-- datetime: YYYY-MM-DDThh:mm:ss[.fraction] with a timezone, Z or +/-hh:mm (up to 14:59).
--
SELECT v AS datetime, pg_temp.check('ts', v::jsonb) FROM (VALUES
  ('"2023-01-01T10:00:00Z"'), ('"2023-01-01T10:00:00+02:00"'), ('"2023-01-01T10:00:00.123-05:30"'),
  ('"2024-02-29T23:59:59.123456789+14:00"'), ('"2023-01-01T10:00:00"'), ('"2023-01-01T10:00:00.5"'),
  ('"2023-01-01 10:00:00Z"'), ('"2023-01-01t10:00:00z"'), ('"2023-02-30T10:00:00Z"'), ('"2023-01-01T24:00:00Z"'),
  ('"2023-01-01T10:00Z"'), ('"2023-01-01T10:00:00+15:00"'), ('"2023-01-01T10:00:00+0200"'), ('"2023-01-01"'),
  ('"2023-01-01T10:00:00.Z"'), ('"2023-01-01T10:00:00.1234567890Z"')) t(v);

--
-- time: hh:mm:ss with an optional fraction of 1-9 digits, 00:00:00 to 23:59:59.999999999, no timezone.
--
SELECT v AS time, pg_temp.check('tm', v::jsonb) FROM (VALUES
  ('"10:00:00"'), ('"00:00:00"'), ('"23:59:59.999"'), ('"24:00:00"'), ('"10:60:00"'), ('"10:00:60"'), ('"10:00"'),
  ('"1:00:00"'), ('"10:00:00Z"'), ('"10:00:00+01:00"'), ('"10:00:00."')) t(v);

--
-- array: items validated one by one (the path names the index); a null item is an error, not "absent".
--
SELECT v AS array, pg_temp.check('arr', v::jsonb) FROM (VALUES
  ('[]'), ('[1, 2, 3]'), ('[1, "2"]'), ('[1, null]'), ('[[1]]'), ('[1, 2.5]'), ('{"0": 1}')) t(v);

--
-- object: nested properties, validated like the profile's own; undeclared nested property → INVALID_PROPERTY.
--
SELECT v AS object, pg_temp.check('obj', v::jsonb) FROM (VALUES
  ('{}'), ('{"x": "a", "inner": {"y": 1}}'), ('{"x": null, "inner": null}'), ('{"inner": {}}'), ('{"inner": {"y": null}}'),
  ('{"inner": {"y": 1, "z": 2}}'), ('{"z": 1}'), ('{"x": 1}'), ('{"inner": {"y": "1"}}'), ('[]')) t(v);

--
-- null is treated as absent: a null optional property is fine, a null required one is missing.
-- A property the profile does not declare is an error even when null (a misspelt key is never ignored).
--
SELECT bulk.define_profile('person', '{"properties": {"name": {"type": "symbol", "rules": {"required": true}},
                                                      "age": {"type": "integer"}}}');
SELECT d AS data, r->>'status' AS status, r#>>'{receipts,0,error,type}' AS type, r#>>'{receipts,0,error,message}' AS message
  FROM (VALUES ('{"name": "Ann", "age": null}'::jsonb), ('{"name": null}'), ('{}'), ('{"name": "Ann", "nmae": null}'),
               ('{"name": "Ann", "we\"ird\\key": 1}'), ('{"name": "Ann", "": 1}')) t(d),
       LATERAL bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(
           jsonb_build_object('action', 'CREATE', 'create', jsonb_build_object('type', 'person', 'data', d))))) r;

--
-- The answer documents. VALID for a dry run without errors; REJECTED lists one receipt per operation in
-- order: FAILURE with the error for every invalid one, CANCELLED for the valid ones.
--
SELECT bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "person", "data": {"name": "Ann"}}},
  {"action": "UPSERT", "upsert": {"type": "person", "id": "p2", "data": {"name": "Bob", "age": 42}}}]}');
SELECT jsonb_pretty(bulk.validate_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "person", "id": "p1", "data": {"name": "Ann"}}},
  {"action": "CREATE", "create": {"type": "person", "id": "p2", "data": {"name": "Bob", "age": 1.5}}},
  {"action": "UPSERT", "upsert": {"type": "person", "id": "p3", "data": {"name": "Cid"}}},
  {"action": "UPSERT", "upsert": {"type": "person", "id": "p4", "data": {"age": 3}}},
  {"action": "CREATE", "create": {"type": "all", "data": {"dt": "2023-02-30", "ts": "2023-01-01T10:00:00"}}},
  {"action": "DELETE", "delete": {"type": "person", "id": "p5"}}]}'));
