// The error boundary between C++ exceptions and PostgreSQL's ereport/longjmp (CONVENTIONS.md):
// - pg_call runs PostgreSQL code that may ereport and rethrows its error as a C++ PgError, so a
//   longjmp never skips a C++ destructor;
// - sql_entry runs the C++ body of an SQL-callable function and turns any exception into an
//   ereport only after every C++ object of the body is destroyed.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// A PostgreSQL error caught by pg_call; rethrown unchanged (SQLSTATE, message, detail) at the entry.
// It owns its ErrorData, which lives in a memory context of its own under TopMemoryContext: a caught
// error crosses transaction boundaries (the worker aborts the batch transaction, then logs or rethrows
// the error), so it must not live in any transaction's memory. Copies share it; the last one deletes it.
class PgError : public std::exception {
public:
    // Takes ownership of `data`, which must be alone in its own context (see take_error).
    explicit PgError(ErrorData *data);
    const ErrorData *data() const { return owner_->data; }
    const char *what() const noexcept override;
    // Gives the error's memory to `context` (e.g. the transaction's, freed when PostgreSQL has handled
    // the error) and returns it for ReThrowError: from now on PostgreSQL owns it, not this object, so
    // a longjmp may skip this object's destructor without leaking.
    ErrorData *hand_over(MemoryContext context) noexcept;

private:
    struct Owner {
        explicit Owner(ErrorData *data) : data(data) {}
        Owner(const Owner &) = delete;
        Owner &operator=(const Owner &) = delete;
        ~Owner();
        ErrorData *data;
        bool owned = true;
    };
    std::shared_ptr<Owner> owner_;
};

// An error the C++ code raises itself, with its SQLSTATE (e.g. ERRCODE_INVALID_PARAMETER_VALUE).
class SqlError : public std::runtime_error {
public:
    SqlError(int sqlstate, const std::string &message, std::string detail = {})
        : std::runtime_error(message), sqlstate(sqlstate), detail(std::move(detail)) {}
    int sqlstate;
    std::string detail;
};

// Copies the error being handled out of ErrorContext into a new memory context of its own (for
// PgError), clears the error state and switches back to `context`.
ErrorData *take_error(MemoryContext context);

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

// What an entry point must report after its C++ frames are gone. Plain pointers into PostgreSQL's
// memory (the current transaction's, or TopMemoryContext outside one): nothing in it needs a
// destructor, so the longjmp of raise_pending skips none.
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
