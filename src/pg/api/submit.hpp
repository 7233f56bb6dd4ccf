// Validating a request and queueing it as a task: bulk.submit_* for the caller, bulk.retry for the
// original submitter.
#pragma once

#include <optional>
#include <string>

#include "pg/bridge/postgres.hpp"
#include "pg/store/task_store.hpp"

namespace pg_bulk::pg {

struct SubmitAnswer {
    std::string document;                // ACCEPTED, VALID or REJECTED, as JSON text
    std::optional<std::string> bulk_id;  // the task that holds the request, when queued (or replayed)
};

// Validates `request` against the cached definitions and, when `queue` and valid, queues it as a task
// submitted by `submitter` (under its idempotency `key`, if any). SPI-connected callers only.
SubmitAnswer validate_and_queue(const Jsonb *request, bool queue, Target target, const std::optional<std::string> &key,
                                Oid submitter);

} // namespace pg_bulk::pg
