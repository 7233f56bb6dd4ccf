// The error catalogue of receipts (DESIGN §4) and the exceptions the core throws for
// problems that are not about one operation (a bad profile definition, a malformed request).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pg_bulk {

enum class ErrorType {
    InvalidRequest,
    UnknownType,
    InvalidProperty,
    MissingRequired,
    InvalidValue,
    InvalidContained,
    AlreadyExists,
    NotFound,
    CardinalityViolation,
    Forbidden,
    PreconditionFailed,
    Internal,
};

// "INVALID_VALUE" etc., as written in receipts.
const char *error_type_name(ErrorType type);
// The type a receipt name stands for ("INVALID_VALUE" -> InvalidValue); nullopt for any other text.
std::optional<ErrorType> error_type_from_name(std::string_view name);
// The HTTP-like code of a type: 400, 403, 404, 409, 412 or 500.
int error_type_code(ErrorType type);

// Why one operation fails; the message already names the operation and the JSON path.
struct OperationError {
    ErrorType type;
    std::string message;
    std::string sqlstate = {};  // INTERNAL errors: PostgreSQL's SQLSTATE, reported in details
};

// A profile or relationship definition that cannot be compiled (SQLSTATE 22023 in SQL).
class DefinitionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A whole request that cannot be validated operation by operation.
class RequestError : public std::runtime_error {
public:
    enum class Kind { InvalidParameter, LimitExceeded };  // SQLSTATE 22023, 54000
    RequestError(Kind kind, const std::string &message) : std::runtime_error(message), kind(kind) {}
    Kind kind;
};

} // namespace pg_bulk
