// The receipt error of an operation whose apply raised a PostgreSQL error (one-by-one mode),
// with the SQLSTATEs it tells apart, so the core decides without PostgreSQL's headers.
#pragma once

#include <string>

#include "core/planned_operation.hpp"

namespace pg_bulk {

// PostgreSQL's packing of a five-character SQLSTATE into an int (MAKE_SQLSTATE).
constexpr int make_sqlstate(const char (&code)[6])
{
    int packed = 0;
    for (int i = 4; i >= 0; --i)
        packed = (packed << 6) | ((code[i] - '0') & 0x3F);
    return packed;
}
// The five characters back (unpack_sql_state).
std::string sqlstate_text(int sqlstate);

constexpr int sqlstate_unique_violation = make_sqlstate("23505");
constexpr int sqlstate_foreign_key_violation = make_sqlstate("23503");
constexpr int sqlstate_insufficient_privilege = make_sqlstate("42501");

// A unique violation of one of bulk.relationships' cardinality indexes (relationships_*, not its
// primary key) is CARDINALITY_VIOLATION, another one ALREADY_EXISTS; a foreign key violation is
// NOT_FOUND (an endpoint), a privilege error FORBIDDEN, anything else INTERNAL with the SQLSTATE.
OperationError error_from_postgres(const PlannedOperation &operation, int sqlstate, const std::string &message,
                                   const std::string &constraint);

} // namespace pg_bulk
