-- Correctness check of bench/validate_submit.sh, run before any timing: on a small set of valid and invalid
-- operations for the "provider" profile, bench.plpgsql_validate and bulk.validate_resources must agree on every
-- operation (each validated alone) and on the whole request (the number of FAILURE receipts), and both must find
-- exactly the operations this file marks invalid. Raises (and so fails the bench) on any disagreement.
\set ON_ERROR_STOP on
DO $check$
DECLARE
    cases jsonb := $cases$[
      [true,  {"action": "CREATE", "create": {"type": "provider", "id": "v1", "data": {"name": "Ann", "practiceNumber": 0, "specialities": ["Nurse", "Dentist"], "active": true}}}],
      [true,  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "No id is fine for CREATE"}}}],
      [true,  {"action": "CREATE", "create": {"type": "provider", "id": "v3", "data": {"name": "Nulls are absent", "practiceNumber": null, "specialities": null, "active": null}}}],
      [true,  {"action": "UPSERT", "upsert": {"type": "provider", "id": "a.b_c:d-e", "data": {"name": "Bob", "specialities": []}, "meta": {"source": "x"}, "contained": {}}}],
      [true,  {"action": "DELETE", "delete": {"type": "provider", "id": "v5"}}],
      [true,  {"action": "CREATE", "create": {"type": "provider", "id": "v6", "data": {"name": "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"}}}],
      [true,  {"action": "CREATE", "create": {"type": "provider", "id": "v7", "data": {"name": "Big", "practiceNumber": 9223372036854775807}}}],
      [false, {"action": "MERGE", "merge": {"type": "provider", "id": "x1", "data": {"name": "n"}}}],
      [false, {"action": "create", "create": {"type": "provider", "id": "x2", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "upsert": {"type": "provider", "id": "x3", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x4", "data": {"name": "n"}}, "extra": 1}],
      [false, {"create": {"type": "provider", "id": "x5", "data": {"name": "n"}}}],
      [false, {"action": 1, "create": {"type": "provider", "id": "x6", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": "provider"}],
      [false, {"action": "CREATE", "create": {"type": "office", "id": "x8", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": ["provider"], "id": "x9", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"id": "x10", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "p 11", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": 13, "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x14-0123456789012345678901234567890123456789012345678901234567890", "data": {"name": "n"}}}],
      [false, {"action": "UPSERT", "upsert": {"type": "provider", "data": {"name": "n"}}}],
      [false, {"action": "DELETE", "delete": {"type": "provider"}}],
      [false, {"action": "DELETE", "delete": {"type": "provider", "id": "x17", "data": {"name": "n"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x18"}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x19", "data": [1]}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x20", "data": {"name": "n"}, "meta": 1}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x21", "data": {"name": "n"}, "contained": "x"}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x22", "data": {"name": "n"}, "contained": {"hours": []}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x23", "data": {"name": "n"}, "owner": "me"}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x24", "data": {"name": "n", "fax": "021"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x25", "data": {"name": 25}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x26", "data": {"practiceNumber": 26}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x27", "data": {"name": null}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x28", "data": {"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x29", "data": {"name": "n", "practiceNumber": -1}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x30", "data": {"name": "n", "practiceNumber": 1.5}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x31", "data": {"name": "n", "practiceNumber": "31"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x32", "data": {"name": "n", "practiceNumber": 9223372036854775808}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x33", "data": {"name": "n", "specialities": "Nurse"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x34", "data": {"name": "n", "specialities": ["Surgeon"]}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x35", "data": {"name": "n", "specialities": [" Nurse"]}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x36", "data": {"name": "n", "specialities": ["Nurse", null]}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x37", "data": {"name": "n", "specialities": [["Nurse"]]}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x38", "data": {"name": "n", "active": "yes"}}}],
      [false, {"action": "CREATE", "create": {"type": "provider", "id": "x39", "data": {"name": "n", "active": 1}}}],
      [false, 7]
    ]$cases$;
    one jsonb;
    expected_valid boolean;
    cpp_answer jsonb;
    cpp_valid boolean;
    plpgsql_valid boolean;
    disagreements text := '';
    expected_invalid integer := 0;
    cpp_failures integer;
    plpgsql_invalid integer;
BEGIN
    FOR i IN 0 .. jsonb_array_length(cases) - 1 LOOP
        expected_valid := (cases -> i ->> 0)::boolean;
        one := jsonb_build_object('operations', jsonb_build_array(cases -> i -> 1));
        cpp_answer := bulk.validate_resources(one);
        cpp_valid := cpp_answer ->> 'status' = 'VALID';
        plpgsql_valid := bench.plpgsql_validate(one) = 0;
        IF NOT expected_valid THEN
            expected_invalid := expected_invalid + 1;
        END IF;
        IF cpp_valid <> expected_valid OR plpgsql_valid <> expected_valid THEN
            disagreements := disagreements || format(E'\n  case %s (expected %s): validate_resources %s, plpgsql %s: %s%s',
                i, CASE WHEN expected_valid THEN 'valid' ELSE 'invalid' END,
                CASE WHEN cpp_valid THEN 'valid' ELSE 'invalid' END,
                CASE WHEN plpgsql_valid THEN 'valid' ELSE 'invalid' END,
                left((cases -> i -> 1)::text, 160),
                coalesce(E'\n    C++ error: ' || (cpp_answer #>> '{receipts,0,error,message}'), ''));
        END IF;
    END LOOP;
    IF disagreements <> '' THEN
        RAISE EXCEPTION 'the validators do not agree with the expected verdicts:%', disagreements;
    END IF;

    -- The whole set as one request.
    one := jsonb_build_object('operations', jsonb_path_query_array(cases, '$[*][1]'));
    cpp_failures := jsonb_array_length(jsonb_path_query_array(bulk.validate_resources(one),
                                                              '$.receipts[*] ? (@.status == "FAILURE")'));
    plpgsql_invalid := bench.plpgsql_validate(one);
    IF cpp_failures <> expected_invalid OR plpgsql_invalid <> expected_invalid THEN
        RAISE EXCEPTION 'on the whole request: validate_resources reports % failures, plpgsql % invalid, expected %',
            cpp_failures, plpgsql_invalid, expected_invalid;
    END IF;
END
$check$;
