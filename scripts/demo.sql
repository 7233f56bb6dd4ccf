-- The demo: a sample profile, one bulk request, its answer and its receipts.
\pset pager off
\echo '== Define a CONTAINED profile "hours" and a ROOT profile "provider"'
SELECT bulk.define_profile('hours', '{
  "properties": {
    "day":   {"type": "code", "rules": {"required": true, "enum": ["mon", "tue", "wed", "thu", "fri"]}},
    "opens": {"type": "time"}, "closes": {"type": "time"}}}', 'CONTAINED');
SELECT bulk.define_profile('provider', '{
  "description": "A health-care provider",
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}},
    "website":        {"type": "url"}},
  "contained": {"openingHours": {"types": ["hours"], "cardinality": "0:*"}}}');

\echo '== A request with an invalid operation is REJECTED: every operation gets a receipt, nothing is queued'
SELECT jsonb_pretty(bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Bob", "practiceNumber": "12"}}}]}'));

\echo '== A valid request is ACCEPTED and queued as a bulk task'
SELECT bulk.submit_resources('{"operations": [
  {"action": "CREATE", "create": {"type": "provider", "id": "p1",
     "data": {"name": "Ann", "practiceNumber": 1234, "specialities": ["Nurse"], "website": "https://ann.example"},
     "contained": {"openingHours": [{"data": {"day": "mon", "opens": "08:00:00", "closes": "17:00:00"}}]}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "Generated id"}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "Bob"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "p3"}}]}') AS answer \gset
\echo :answer

\echo '== The background worker applies it; bulk.wait returns when the task has ended'
SELECT bulk.wait((:'answer'::jsonb) ->> 'bulkId') ->> 'status' AS task_status;

\echo '== Its receipts: one per operation, in order (the DELETE of a missing id fails with 404, the task goes on)'
SELECT seq, action, type, id, status, error_code, error_type, error_message
  FROM bulk.receipts((:'answer'::jsonb) ->> 'bulkId');

\echo '== The stored resources'
SELECT type, id, data FROM bulk.resources ORDER BY type, id;

\echo '== The task log'
SELECT level, message FROM bulk.logs((:'answer'::jsonb) ->> 'bulkId');
