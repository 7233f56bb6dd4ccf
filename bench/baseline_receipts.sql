-- The baselines' receipts table: one row per operation, primary key (bulk_id, seq), the columns and defaults of
-- bulk.operation_results without last_seq. bulk.operation_results itself stores a run of consecutive successes
-- of a batch as one row (seq .. last_seq); the baselines write the straightforward one row per operation.
CREATE TABLE bench.receipts (
    bulk_id       text NOT NULL,
    seq           integer NOT NULL,
    status        text NOT NULL CHECK (status IN ('SUCCESS', 'FAILURE', 'CANCELLED')),
    error         jsonb,
    completed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (bulk_id, seq)
);
