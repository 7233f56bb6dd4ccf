-- Setup of bench/validate_submit.sh, run once on the bench's throwaway cluster (psql variable :n, the number of
-- operations). Creates the extension, the sample profile, the request every contender reads, the table of the
-- set-based INSERT baseline and the in-server timer of the two validators.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION pg_bulk;
CREATE SCHEMA bench;
RESET client_min_messages;

-- The sample profile (DESIGN §2).
DO $$ BEGIN PERFORM bulk.define_profile('provider', '{
  "description": "A healthcare provider (pg_bulk bench)",
  "properties": {
    "name":           {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
    "practiceNumber": {"type": "integer", "rules": {"min": 0}},
    "specialities":   {"type": "array",
                       "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse", "Dentist"]}}},
    "active":         {"type": "boolean"}
  }}'); END $$;

-- The request: N CREATE operations with varied values, stored once so every contender reads the same document.
-- STORAGE EXTERNAL keeps it out of line but uncompressed: the contenders that read it from the table (submit and
-- the set-based INSERT) do not each pay a pglz decompression of ~20 MB that is no part of what is compared.
CREATE TABLE bench.request (doc jsonb NOT NULL);
ALTER TABLE bench.request ALTER COLUMN doc SET STORAGE EXTERNAL;
INSERT INTO bench.request (doc)
SELECT jsonb_build_object('operations', jsonb_agg(jsonb_build_object(
           'action', 'CREATE',
           'create', jsonb_build_object(
               'type', 'provider',
               'id', 'p' || i,
               'data', jsonb_build_object(
                   'name', (ARRAY['Dr ', 'Prof ', '', 'Sr ', 'Ms '])[1 + i % 5]
                           || (ARRAY['Naledi', 'Johan', 'Ayesha', 'Thabo', 'Zoë', 'Pieter', 'Lindiwe', 'Sipho',
                                     'Fatima', 'Karabo', 'Anneke'])[1 + i % 11]
                           || ' '
                           || (ARRAY['Dlamini', 'van der Merwe', 'Naidoo', 'Botha', 'Mokoena', 'Smith', 'Pillay',
                                     'Nkosi', 'Müller', 'Khumalo-Ndlovu'])[1 + i % 10]
                           || CASE WHEN i % 13 = 0 THEN ' (locum, after-hours and weekend practice)' ELSE '' END
                           || ' #' || i,
                   'practiceNumber', CASE WHEN i % 10 = 0 THEN NULL ELSE (i::bigint * 7919) % 9999991 END,
                   'specialities', (ARRAY['["Nurse"]', '["Pharmacist"]', '["Dentist", "Nurse"]', '[]',
                                          '["Pharmacist", "Nurse", "Dentist"]', '["Dentist"]',
                                          '["Nurse", "Pharmacist"]'])[1 + i % 7]::jsonb,
                   'active', i % 3 <> 0)
               -- a few operations leave specialities out altogether; practiceNumber is null (absent) in 10%
               - CASE WHEN i % 11 = 0 THEN 'specialities' ELSE '' END))
           ORDER BY i))
  FROM generate_series(1, :n) AS i;

-- The request must fit pg_bulk.max_request_bytes (the size the C++ checks is the uncompressed jsonb's).
DO $$
DECLARE
    bytes bigint := (SELECT pg_column_size(doc) FROM bench.request);
    limit_bytes bigint := (SELECT setting::bigint FROM pg_settings WHERE name = 'pg_bulk.max_request_bytes');
BEGIN
    IF bytes >= limit_bytes THEN
        RAISE EXCEPTION 'the bench request is % bytes, not under pg_bulk.max_request_bytes (% bytes): lower BENCH_N',
            bytes, limit_bytes;
    END IF;
END
$$;

-- The set-based baseline's target, shaped like bulk.resources: primary key (type, id), jsonb data, timestamps
-- with defaults.
CREATE TABLE bench.providers (LIKE bulk.resources INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);

-- One timed run of a validator, in milliseconds, measured inside the server with clock_timestamp(). The request
-- is first read into a variable outside the timed section: jsonb_concat with '{}' returns its detoasted input, so
-- both validators get the same flat in-memory document and neither pays the TOAST fetch. Asserts the answer:
-- {"status": "VALID"} from bulk.validate_resources, 0 invalid operations from bench.plpgsql_validate.
CREATE FUNCTION bench.time_validator(contender text) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    doc      jsonb;
    started  timestamptz;
    elapsed  double precision;
    answer   jsonb;
    invalid  integer;
BEGIN
    SELECT r.doc || '{}'::jsonb INTO STRICT doc FROM bench.request AS r;
    IF contender = 'validate_resources' THEN
        started := clock_timestamp();
        answer := bulk.validate_resources(doc);
        elapsed := 1000 * extract(epoch FROM clock_timestamp() - started);
        IF answer IS DISTINCT FROM '{"status": "VALID"}'::jsonb THEN
            RAISE EXCEPTION 'bulk.validate_resources did not answer {"status": "VALID"} but %', left(answer::text, 2000);
        END IF;
    ELSIF contender = 'plpgsql' THEN
        started := clock_timestamp();
        invalid := bench.plpgsql_validate(doc);
        elapsed := 1000 * extract(epoch FROM clock_timestamp() - started);
        IF invalid IS DISTINCT FROM 0 THEN
            RAISE EXCEPTION 'bench.plpgsql_validate found % invalid operations, expected 0', invalid;
        END IF;
    ELSE
        RAISE EXCEPTION 'unknown contender %', contender;
    END IF;
    RETURN elapsed;
END
$$;
