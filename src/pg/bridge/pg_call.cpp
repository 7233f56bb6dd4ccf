// Converting errors between PostgreSQL and C++.
#include "pg/bridge/pg_call.hpp"

#include <new>

#include "core/errors.hpp"

namespace pg_bulk::pg {

PgError::PgError(ErrorData *data)
try : owner_(std::make_shared<Owner>(data)) {
} catch (...) {
    MemoryContextDelete(data->assoc_context);  // no owner could be made: the bad_alloc goes on instead
}

PgError::Owner::~Owner()
{
    if (owned)
        MemoryContextDelete(data->assoc_context);
}

const char *PgError::what() const noexcept
{
    return owner_->data->message ? owner_->data->message : "PostgreSQL error";
}

ErrorData *PgError::hand_over(MemoryContext context) noexcept
{
    if (owner_->owned) {
        MemoryContextSetParent(owner_->data->assoc_context, context);
        owner_->owned = false;
    }
    return owner_->data;
}

ErrorData *take_error(MemoryContext context)
{
    // ALLOCSET_SMALL_SIZES: an error is a few short strings; the worker may hold fifty of them in a
    // batch applied one by one. CopyErrorData makes the new context the copy's assoc_context.
    MemoryContextSwitchTo(
        AllocSetContextCreate(TopMemoryContext, "pg_bulk caught error", ALLOCSET_SMALL_SIZES));
    ErrorData *data = CopyErrorData();
    MemoryContextSwitchTo(context);
    FlushErrorState();
    return data;
}

// Where a pending error waits for its ereport: the current (sub)transaction's memory, which the abort
// that follows frees; outside a transaction (the worker between batches, which then exits) TopMemoryContext.
static MemoryContext pending_memory()
{
    return CurTransactionContext ? CurTransactionContext : TopMemoryContext;
}

// Copies a message into palloc'd memory; an allocation failure here surfaces as the original
// out-of-memory error once the entry point raises.
static char *copy_text(const char *text)
{
    return MemoryContextStrdup(pending_memory(), text);
}

void capture_exception(PendingError &pending) noexcept
{
    try {
        throw;
    } catch (PgError &error) {
        pending.pg_error = error.hand_over(pending_memory());
    } catch (const SqlError &error) {
        pending.sqlstate = error.sqlstate;
        pending.message = copy_text(error.what());
        if (!error.detail.empty())
            pending.detail = copy_text(error.detail.c_str());
    } catch (const RequestError &error) {
        pending.sqlstate = error.kind == RequestError::Kind::LimitExceeded ? ERRCODE_PROGRAM_LIMIT_EXCEEDED
                                                                           : ERRCODE_INVALID_PARAMETER_VALUE;
        pending.message = copy_text(error.what());
    } catch (const DefinitionError &error) {
        pending.sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
        pending.message = copy_text(error.what());
    } catch (const std::bad_alloc &) {
        pending.sqlstate = ERRCODE_OUT_OF_MEMORY;
        pending.message = copy_text("out of memory in pg_bulk");
    } catch (const std::exception &error) {
        pending.sqlstate = ERRCODE_INTERNAL_ERROR;
        pending.message = copy_text(error.what());
    } catch (...) {
        pending.sqlstate = ERRCODE_INTERNAL_ERROR;
        pending.message = copy_text("unexpected exception in pg_bulk");
    }
}

void raise_pending(const PendingError &pending)
{
    if (pending.pg_error)
        ReThrowError(pending.pg_error);
    if (pending.message)
        ereport(ERROR, (errcode(pending.sqlstate), errmsg("%s", pending.message),
                        pending.detail ? errdetail("%s", pending.detail) : 0));
}

void check_for_interrupts()
{
    pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

} // namespace pg_bulk::pg
