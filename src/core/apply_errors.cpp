// Mapping PostgreSQL errors met while applying one operation to receipt errors (DESIGN §4).
#include "core/apply_errors.hpp"

namespace pg_bulk {

std::string sqlstate_text(int sqlstate)
{
    std::string text(5, '0');
    for (char &c : text) {
        c = static_cast<char>((sqlstate & 0x3F) + '0');
        sqlstate >>= 6;
    }
    return text;
}

OperationError error_from_postgres(const PlannedOperation &operation, int sqlstate, const std::string &message,
                                   const std::string &constraint)
{
    if (sqlstate == sqlstate_unique_violation && constraint.rfind("relationships_", 0) == 0 &&
        constraint != "relationships_pkey")
        return OperationError{ErrorType::CardinalityViolation, message};
    if (sqlstate == sqlstate_unique_violation)
        return already_exists(operation);
    if (sqlstate == sqlstate_foreign_key_violation)
        return OperationError{ErrorType::NotFound, message};
    if (sqlstate == sqlstate_insufficient_privilege)
        return OperationError{ErrorType::Forbidden, message};
    return OperationError{ErrorType::Internal, message, sqlstate_text(sqlstate)};
}

} // namespace pg_bulk
