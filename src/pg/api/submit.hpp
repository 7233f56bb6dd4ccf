// Validating a request and queueing it as a task: bulk.submit_* for the caller, bulk.retry for the
// original submitter.
#pragma once

#include <optional>
#include <string>

#include "core/json_builder.hpp"
#include "pg/bridge/postgres.hpp"
#include "pg/store/task_store.hpp"

namespace pg_bulk::pg {

// Validates `request` against the cached definitions and, when `queue` and valid, queues it as a task
// submitted by `submitter` (under its idempotency `key`, if any); writes the answer (REJECTED, VALID or
// ACCEPTED) to `answer`. Returns the task that holds the request, when queued (or replayed).
// SPI-connected callers only.
std::optional<std::string> validate_and_queue(JsonBuilder &answer, const Jsonb *request, bool queue, Target target,
                                              const std::optional<std::string> &key, Oid submitter);

} // namespace pg_bulk::pg
