// The error boundary between C++ exceptions and PostgreSQL's ereport/longjmp (CONVENTIONS.md):
// - pg_call runs PostgreSQL code that may ereport and rethrows its error as a C++ PgError, so a
//   longjmp never skips a C++ destructor;
// - sql_entry runs the C++ body of an SQL-callable function and turns any exception into an
//   ereport only after every C++ object of the body is destroyed.
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>

#include "pg/postgres.hpp"

namespace pg_bulk::pg {

// A PostgreSQL error caught by pg_call; rethrown unchanged (SQLSTATE, message, detail) at the entry.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *data) : data_(data) {}
    ErrorData *data() const { return data_; }
    const char *what() const noexcept override { return data_->message ? data_->message : "PostgreSQL error"; }

private:
    ErrorData *data_;
};

// An error the C++ code raises itself, with its SQLSTATE (e.g. ERRCODE_INVALID_PARAMETER_VALUE).
class SqlError : public std::runtime_error {
public:
    SqlError(int sqlstate, const std::string &message, std::string detail = {})
        : std::runtime_error(message), sqlstate(sqlstate), detail(std::move(detail)) {}
    int sqlstate;
    std::string detail;
};

// Copies the error being handled out of ErrorContext and clears the error state.
ErrorData *take_error(MemoryContext context);
// A copy of `error` allocated in `context` (e.g. to outlive the subtransaction it was caught in).
ErrorData *copy_error(const ErrorData *error, MemoryContext context);

// Runs `body`, which must hold no C++ object with a destructor across a PostgreSQL call.
template <typename Body>
auto pg_call(Body &&body) -> decltype(body())
{
    using Result = decltype(body());
    MemoryContext context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    if constexpr (std::is_void_v<Result>) {
        PG_TRY();
        {
            body();
        }
        PG_CATCH();
        {
            error = take_error(context);
        }
        PG_END_TRY();
        if (error)
            throw PgError(error);
    } else {
        // Scalars only (pointers, Datums, flags): the value must survive a longjmp in a volatile.
        static_assert(std::is_scalar_v<Result>, "pg_call returns scalars only");
        volatile Result result{};
        PG_TRY();
        {
            result = body();
        }
        PG_CATCH();
        {
            error = take_error(context);
        }
        PG_END_TRY();
        if (error)
            throw PgError(error);
        return result;
    }
}

// What an entry point must report after its C++ frames are gone.
struct PendingError {
    ErrorData *pg_error = nullptr;
    int sqlstate = 0;
    char *message = nullptr;
    char *detail = nullptr;
};

// Converts the exception being handled (inside a catch block) into a PendingError.
void capture_exception(PendingError &pending) noexcept;
// Raises the pending error with ereport(ERROR); returns when there is none.
void raise_pending(const PendingError &pending);

// Runs the C++ body of an SQL-callable function and reports its exception as an SQL error.
template <typename Body>
Datum sql_entry(Body &&body)
{
    PendingError pending;
    Datum result = 0;
    try {
        result = body();
    } catch (...) {
        capture_exception(pending);
    }
    raise_pending(pending);
    return result;
}

// CHECK_FOR_INTERRUPTS from C++: a cancel or timeout arrives as a PgError.
void check_for_interrupts();

} // namespace pg_bulk::pg
