// Names and codes of the receipt error types.
#include "core/errors.hpp"

namespace pg_bulk {

const char *error_type_name(ErrorType type)
{
    switch (type) {
    case ErrorType::InvalidRequest: return "INVALID_REQUEST";
    case ErrorType::UnknownType: return "UNKNOWN_TYPE";
    case ErrorType::InvalidProperty: return "INVALID_PROPERTY";
    case ErrorType::MissingRequired: return "MISSING_REQUIRED";
    case ErrorType::InvalidValue: return "INVALID_VALUE";
    case ErrorType::InvalidContained: return "INVALID_CONTAINED";
    case ErrorType::AlreadyExists: return "ALREADY_EXISTS";
    case ErrorType::NotFound: return "NOT_FOUND";
    case ErrorType::CardinalityViolation: return "CARDINALITY_VIOLATION";
    case ErrorType::Forbidden: return "FORBIDDEN";
    case ErrorType::PreconditionFailed: return "PRECONDITION_FAILED";
    case ErrorType::Internal: return "INTERNAL";
    }
    return "INTERNAL";
}

std::optional<ErrorType> error_type_from_name(std::string_view name)
{
    for (ErrorType type : {ErrorType::InvalidRequest, ErrorType::UnknownType, ErrorType::InvalidProperty,
                           ErrorType::MissingRequired, ErrorType::InvalidValue, ErrorType::InvalidContained,
                           ErrorType::AlreadyExists, ErrorType::NotFound, ErrorType::CardinalityViolation,
                           ErrorType::Forbidden, ErrorType::PreconditionFailed, ErrorType::Internal})
        if (name == error_type_name(type))
            return type;
    return std::nullopt;
}

int error_type_code(ErrorType type)
{
    switch (type) {
    case ErrorType::AlreadyExists:
    case ErrorType::CardinalityViolation: return 409;
    case ErrorType::NotFound: return 404;
    case ErrorType::Forbidden: return 403;
    case ErrorType::PreconditionFailed: return 412;
    case ErrorType::Internal: return 500;
    default: return 400;
    }
}

} // namespace pg_bulk
