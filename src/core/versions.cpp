// ifVersion: its submit-time check and the outcome of a conditional operation.
#include "core/versions.hpp"

#include "core/data_validator.hpp"
#include "core/planned_operation.hpp"
#include "core/value_checks.hpp"

namespace pg_bulk {

bool takes_if_version(Action action)
{
    return action != Action::Create;
}

void check_if_version(const JsonNode &if_version, const PathFrame &path)
{
    if (if_version.is(JsonKind::Number)) {
        checks::ParsedNumber number = checks::parse_number(if_version.number_text());
        if (number.fits_int64 && number.integer >= 1 && number.integer <= INT32_MAX)
            return;
        fail_at(ErrorType::InvalidRequest, path,
                "expected a version from 1 to 2147483647, got " + if_version.number_text());
    }
    fail_at(ErrorType::InvalidRequest, path, "expected a version from 1 to 2147483647, " + got_kind(if_version));
}

std::optional<int32_t> read_if_version(const JsonNode &payload)
{
    auto if_version = payload.find("ifVersion");
    if (!if_version || !if_version->is(JsonKind::Number))
        return std::nullopt;
    return static_cast<int32_t>(checks::parse_number(if_version->number_text()).integer);
}

int32_t next_version(std::optional<int32_t> stored)
{
    return stored ? *stored + 1 : first_version;
}

std::optional<OperationError> failed_precondition(const PlannedOperation &operation, std::optional<int32_t> stored)
{
    if (!operation.if_version)
        return std::nullopt;
    if (!stored)
        return not_found(operation);
    if (*stored != *operation.if_version)
        return OperationError{ErrorType::PreconditionFailed,
                              "record with id '" + operation.id + "' is at version " + std::to_string(*stored) +
                                  ", not at the expected version " + std::to_string(*operation.if_version)};
    return std::nullopt;
}

} // namespace pg_bulk
