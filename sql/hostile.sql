-- Hostile and huge input: every case gets a clear error or FAILURE receipt, never a crash.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_bulk CASCADE;
CREATE EXTENSION pg_bulk;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/include/error_of.sql
-- The first error of a one-operation request, or its status when valid.
CREATE FUNCTION pg_temp.verdict(request jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(r -> 'receipts' -> 0 -> 'error' ->> 'type' || ': ' || (r -> 'receipts' -> 0 -> 'error' ->> 'message'),
                    r ->> 'status')
      FROM bulk.validate_resources(request) r
$$;
CREATE FUNCTION pg_temp.create_op(data jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('operations', jsonb_build_array(jsonb_build_object('action', 'CREATE',
           'create', jsonb_build_object('type', 'provider', 'data', data))))
$$;

SELECT bulk.define_profile('provider', '{
  "properties": {
    "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer"},
    "rating": {"type": "decimal"},
    "address": {"type": "object", "properties": {"city": {"type": "symbol"}}}
  }}');

-- 10,000 levels of nesting: the validator stops at the first level the profile does not allow.
SELECT pg_temp.verdict(('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": {"name": "x", "address": '
       || repeat('{"city": ', 10000) || '"deep"' || repeat('}', 10000) || '}}}]}')::jsonb);
SELECT pg_temp.verdict(('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": {"name": "x", "address": '
       || repeat('{"city": ', 1000) || '"deep"' || repeat('}', 1000) || '}}}]}')::jsonb);
SELECT pg_temp.verdict(('{"operations": [' || repeat('[', 1000) || repeat(']', 1000) || ']}')::jsonb);

-- 50 MB strings: as a value (message quotes an excerpt), as a key, as a type, as an id.
SELECT pg_temp.verdict(pg_temp.create_op(jsonb_build_object('name', repeat('x', 50 * 1024 * 1024))));
SELECT pg_temp.verdict(pg_temp.create_op(jsonb_build_object('name', 'n', repeat('k', 50 * 1024 * 1024), 1)));
SELECT length(bulk.validate_resources(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
       'action', 'CREATE', 'create', jsonb_build_object('type', repeat('t', 50 * 1024 * 1024), 'data', '{}'::jsonb)))))::text)
       < 1000 AS receipt_stays_small;
SELECT pg_temp.verdict(jsonb_build_object('operations', jsonb_build_array(jsonb_build_object(
       'action', 'DELETE', 'delete', jsonb_build_object('type', 'provider', 'id', repeat('i', 50 * 1024 * 1024))))));

-- Numbers beyond every range.
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "practiceNumber": 1e400}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "practiceNumber": -1e400}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "rating": 1e400}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "rating": -1e-400}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "practiceNumber": 123456789012345678901234567890}'));

-- Keys with quotes, backslashes, control characters, dots, or empty: quoted in the path.
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "a\"b\\c": 1}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "": 1}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "line\nbreak\u0001": 1}'));
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "n", "address": {"x.y": 1}}'));
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "\"": 1}}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": "x''; DROP TABLE bulk.tasks; --", "data": {}}}]}');
SELECT count(*) AS tasks_table_still_there FROM bulk.tasks;
SELECT pg_temp.error_of($$SELECT pg_temp.verdict('{"operations": [{"action": "CREATE\u0000", "create": {}}]}')$$);
SELECT pg_temp.verdict('{"operations": [{"action": "créate", "créate": {}}]}');
SELECT pg_temp.verdict(pg_temp.create_op('{"name": "\ud83d\ude00 emoji"}'));

-- Odd shapes where objects are expected.
SELECT pg_temp.verdict('{"operations": [null]}');
SELECT pg_temp.verdict('{"operations": [{"action": null, "create": {}}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": []}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": []}}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "contained": "x"}}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "meta": 1}}]}');
SELECT pg_temp.verdict('{"operations": [{"action": "CREATE", "create": {"type": 7, "data": {}}}]}');
SELECT pg_temp.error_of($$SELECT bulk.validate_resources('7')$$);
SELECT pg_temp.error_of($$SELECT bulk.validate_resources('null')$$);

-- 100,000 operations with the limit raised: accepted, every operation stored.
SET pg_bulk.max_operations = 100000;
SELECT bulk.submit_resources(jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE',
       'create', jsonb_build_object('type', 'provider', 'id', 'p' || i, 'data', jsonb_build_object('name', 'N' || i))))))
       ->> 'bulkId' AS big_id
  FROM generate_series(1, 100000) i \gset
SELECT operation_count FROM bulk.tasks WHERE bulk_id = :'big_id';
SELECT count(*) AS chunks, sum(jsonb_array_length(operations)) AS operations
  FROM bulk.task_operations WHERE bulk_id = :'big_id';
-- ... and 100,000 invalid ones: every one reported.
SELECT jsonb_array_length(r -> 'receipts') AS receipts,
       jsonb_path_query_array(r, '$.receipts[last].error.message') AS last_error
  FROM bulk.validate_resources((SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object('action', 'CREATE',
       'create', jsonb_build_object('type', 'provider', 'data', jsonb_build_object('name', i)))))
       FROM generate_series(1, 100000) i)) r;
RESET pg_bulk.max_operations;

-- An unknown id or key is quoted by its first 64 characters, however long the argument (it goes into
-- the message and the server log), by every function that reports one.
SELECT f.call, pg_temp.error_of(format(f.call, repeat('x', 100000))) AS error
  FROM (VALUES ('SELECT bulk.task(%L)'), ('SELECT * FROM bulk.receipts(%L)'), ('SELECT bulk.metrics(%L)'),
               ('SELECT * FROM bulk.logs(%L)'), ('SELECT bulk.wait(%L, ''1 second'')'), ('SELECT bulk.cancel(%L)'),
               ('SELECT bulk.load_status(%L)'), ('SELECT bulk.drop_profile(%L)'),
               ('SELECT bulk.drop_relationship(%L)')) AS f(call);
SELECT pg_temp.error_of($$SELECT bulk.task('"quoted" \ and é')$$) AS escaped;
