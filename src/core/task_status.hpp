// What a task targets and the statuses of tasks and receipts (DESIGN §1, §5), with the names
// stored in bulk.tasks and bulk.operation_results.
#pragma once

#include <optional>
#include <string_view>

namespace pg_bulk {

enum class Target { Resources, Relationships };
const char *target_name(Target target);  // "resources", "relationships"
std::optional<Target> target_from_name(std::string_view name);

enum class Status { Pending, Success, Failure, Cancelled };
const char *status_name(Status status);  // "PENDING", ...
std::optional<Status> status_from_name(std::string_view name);

} // namespace pg_bulk
