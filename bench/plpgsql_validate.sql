-- The PL/pgSQL contender of bench/validate_submit.sh: a straightforward validator of resource bulk requests
-- written in PL/pgSQL, doing for each operation what bulk.validate_resources (C++) does for the bench's
-- "provider" profile:
--   * request: an object whose only key is a non-empty "operations" array of at most pg_bulk.max_operations
--     (an SQL error otherwise, as the C++ raises);
--   * operation shape: an object, "action" a string CREATE, UPSERT or DELETE, no key but "action" and the payload
--     key matching the action, the payload an object with only type, id, data, contained, meta (type, id for
--     DELETE);
--   * "type" a string naming a ROOT profile of bulk.profiles;
--   * "id" 1 to 64 characters of [A-Za-z0-9._:-], required unless the action is CREATE;
--   * "data" an object (not for DELETE), "meta" null or an object, "contained" absent, null or {} (none of the
--     bench's profiles declares contained slots: the function refuses profiles that do);
--   * every data property declared by the profile, null meaning absent; the JSON type (jsonb_typeof) of each
--     value per its declared type; required properties present; for text types the code format, minLength,
--     maxLength (in characters), enum and pattern; for numbers integer-ness and int64 range, min, max and enum;
--     for arrays minItems, maxItems and every item (not null) against the items spec.
-- It returns how many operations are invalid. It refuses (raises) data types it does not implement (object,
-- date, datetime, time, uri, url): the bench's profile uses none of them.
--
-- Written the way one would write it for production in PL/pgSQL, not to lose: the profile definitions are read
-- once per call into a jsonb map; key checks use jsonb operators (op - 'action' - payload_key) instead of loops;
-- one loop over jsonb_array_elements for the operations, one over jsonb_each for each operation's data, and
-- array items are read by index.
CREATE FUNCTION bench.plpgsql_validate(doc jsonb) RETURNS integer
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    profiles        jsonb;    -- {profile key: definition} of the ROOT profiles, read once
    required_counts jsonb;    -- {profile key: number of its required properties}
    operations      jsonb;
    op              jsonb;
    action          text;
    payload_key     text;
    payload         jsonb;
    type_name       text;
    definition      jsonb;
    properties      jsonb;
    data            jsonb;
    member          record;   -- one (key, value) of data
    spec            jsonb;    -- the property's spec, or its items' spec for an array
    rules           jsonb;
    data_type       text;
    is_array        boolean;
    item_count      integer;
    item            jsonb;
    txt             text;
    num             numeric;
    required_seen   integer;
    invalid         integer := 0;
BEGIN
    -- Request-level checks: SQL errors, like the C++ (SQLSTATE 22023 / 54000).
    IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'bulk request must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(doc) AS k WHERE k <> 'operations') THEN
        RAISE EXCEPTION 'bulk request has an unexpected key (only "operations" is allowed)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    operations := doc -> 'operations';
    IF jsonb_typeof(operations) IS DISTINCT FROM 'array' OR jsonb_array_length(operations) = 0 THEN
        RAISE EXCEPTION 'bulk request must have a non-empty "operations" array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_array_length(operations) > current_setting('pg_bulk.max_operations')::integer THEN
        RAISE EXCEPTION 'bulk request has more operations than pg_bulk.max_operations'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;

    -- The profiles, once.
    SELECT jsonb_object_agg(p.key, p.definition),
           jsonb_object_agg(p.key, (SELECT count(*) FROM jsonb_each(p.definition -> 'properties') AS e
                                     WHERE e.value -> 'rules' -> 'required' = 'true'))
      INTO profiles, required_counts
      FROM bulk.profiles AS p
     WHERE p.kind = 'ROOT';
    IF EXISTS (SELECT 1 FROM bulk.profiles AS p
                WHERE p.kind = 'ROOT' AND coalesce(p.definition -> 'contained', '{}') <> '{}') THEN
        RAISE EXCEPTION 'bench.plpgsql_validate does not implement contained slots';
    END IF;

    <<each_operation>>
    FOR op IN SELECT e.value FROM jsonb_array_elements(operations) AS e LOOP
        -- Operation shape.
        IF jsonb_typeof(op) <> 'object' OR jsonb_typeof(op -> 'action') IS DISTINCT FROM 'string' THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
        action := op ->> 'action';
        IF action NOT IN ('CREATE', 'UPSERT', 'DELETE') THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
        payload_key := lower(action);
        payload := op -> payload_key;
        IF (op - 'action' - payload_key) <> '{}' OR jsonb_typeof(payload) IS DISTINCT FROM 'object' THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
        IF action = 'DELETE' THEN
            IF (payload - '{type,id}'::text[]) <> '{}' THEN
                invalid := invalid + 1; CONTINUE each_operation;
            END IF;
        ELSIF (payload - '{type,id,data,contained,meta}'::text[]) <> '{}' THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;

        -- Type: a ROOT profile.
        IF jsonb_typeof(payload -> 'type') IS DISTINCT FROM 'string' THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
        type_name := payload ->> 'type';
        definition := profiles -> type_name;
        IF definition IS NULL THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;

        -- Id: optional for CREATE only.
        IF coalesce(jsonb_typeof(payload -> 'id'), 'null') = 'null' THEN
            IF action <> 'CREATE' THEN
                invalid := invalid + 1; CONTINUE each_operation;
            END IF;
        ELSIF jsonb_typeof(payload -> 'id') <> 'string' OR (payload ->> 'id') !~ '^[A-Za-z0-9._:-]{1,64}$' THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
        IF action = 'DELETE' THEN
            CONTINUE each_operation;
        END IF;

        -- Payload members.
        data := payload -> 'data';
        IF jsonb_typeof(data) IS DISTINCT FROM 'object'
           OR coalesce(jsonb_typeof(payload -> 'meta'), 'null') NOT IN ('null', 'object')
           OR coalesce(payload -> 'contained', 'null') NOT IN ('null', '{}') THEN
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;

        -- Data properties.
        properties := definition -> 'properties';
        required_seen := 0;
        FOR member IN SELECT e.key, e.value FROM jsonb_each(data) AS e LOOP
            spec := properties -> member.key;
            IF spec IS NULL THEN                                   -- not declared by the profile
                invalid := invalid + 1; CONTINUE each_operation;
            END IF;
            IF jsonb_typeof(member.value) = 'null' THEN            -- null means absent
                CONTINUE;
            END IF;
            rules := spec -> 'rules';
            IF rules -> 'required' = 'true' THEN
                required_seen := required_seen + 1;
            END IF;
            data_type := spec ->> 'type';
            is_array := data_type = 'array';
            IF is_array THEN
                IF jsonb_typeof(member.value) <> 'array' THEN
                    invalid := invalid + 1; CONTINUE each_operation;
                END IF;
                item_count := jsonb_array_length(member.value);
                IF item_count < (rules ->> 'minItems')::integer OR item_count > (rules ->> 'maxItems')::integer THEN
                    invalid := invalid + 1; CONTINUE each_operation;
                END IF;
                spec := spec -> 'items';
                rules := spec -> 'rules';
                data_type := spec ->> 'type';
            ELSE
                item_count := 1;
            END IF;

            -- The value itself, or each item of an array.
            FOR i IN 0 .. item_count - 1 LOOP
                IF is_array THEN
                    item := member.value -> i;
                ELSE
                    item := member.value;
                END IF;
                CASE
                WHEN data_type IN ('symbol', 'code', 'markdown') THEN
                    IF jsonb_typeof(item) <> 'string' THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                    txt := item #>> '{}';
                    IF data_type = 'code' AND (txt = '' OR txt ~ '^ | $|  |[\t\n\r]') THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                    IF length(txt) < (rules ->> 'minLength')::integer OR length(txt) > (rules ->> 'maxLength')::integer
                       OR (rules ? 'enum' AND NOT ((rules -> 'enum') ? txt))
                       OR (rules ? 'pattern' AND txt !~ (rules ->> 'pattern')) THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                WHEN data_type IN ('integer', 'decimal') THEN
                    IF jsonb_typeof(item) <> 'number' THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                    num := item::numeric;
                    IF data_type = 'integer'
                       AND (num <> trunc(num) OR num NOT BETWEEN -9223372036854775808 AND 9223372036854775807) THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                    IF num < (rules ->> 'min')::numeric OR num > (rules ->> 'max')::numeric
                       OR (rules ? 'enum' AND NOT ((rules -> 'enum') @> jsonb_build_array(item))) THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                WHEN data_type = 'boolean' THEN
                    IF jsonb_typeof(item) <> 'boolean' THEN
                        invalid := invalid + 1; CONTINUE each_operation;
                    END IF;
                ELSE
                    RAISE EXCEPTION 'bench.plpgsql_validate does not implement data type %', data_type;
                END CASE;
            END LOOP;
        END LOOP;

        IF required_seen < (required_counts ->> type_name)::integer THEN   -- a required property is missing
            invalid := invalid + 1; CONTINUE each_operation;
        END IF;
    END LOOP;
    RETURN invalid;
END
$fn$;
COMMENT ON FUNCTION bench.plpgsql_validate(jsonb) IS
    'PL/pgSQL equivalent of bulk.validate_resources for the bench profile: returns the number of invalid operations';
