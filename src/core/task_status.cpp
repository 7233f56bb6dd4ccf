// Names of targets and statuses.
#include "core/task_status.hpp"

namespace pg_bulk {

const char *target_name(Target target)
{
    return target == Target::Resources ? "resources" : "relationships";
}

std::optional<Target> target_from_name(std::string_view name)
{
    for (Target target : {Target::Resources, Target::Relationships})
        if (name == target_name(target))
            return target;
    return std::nullopt;
}

const char *status_name(Status status)
{
    switch (status) {
    case Status::Pending: return "PENDING";
    case Status::Success: return "SUCCESS";
    case Status::Failure: return "FAILURE";
    case Status::Cancelled: return "CANCELLED";
    }
    return "?";
}

std::optional<Status> status_from_name(std::string_view name)
{
    for (Status status : {Status::Pending, Status::Success, Status::Failure, Status::Cancelled})
        if (name == status_name(status))
            return status;
    return std::nullopt;
}

} // namespace pg_bulk
