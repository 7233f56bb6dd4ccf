// Converting errors between PostgreSQL and C++.
#include "pg/pg_call.hpp"

#include <new>

#include "core/errors.hpp"

namespace pg_bulk::pg {

ErrorData *take_error(MemoryContext context)
{
    MemoryContextSwitchTo(context);
    ErrorData *data = CopyErrorData();
    FlushErrorState();
    return data;
}

ErrorData *copy_error(const ErrorData *error, MemoryContext context)
{
    return pg_call([&] {
        auto *copy = static_cast<ErrorData *>(MemoryContextAlloc(context, sizeof(ErrorData)));
        *copy = *error;
        for (char **text : {&copy->message, &copy->detail, &copy->detail_log, &copy->hint, &copy->context,
                            &copy->backtrace, &copy->schema_name, &copy->table_name, &copy->column_name,
                            &copy->datatype_name, &copy->constraint_name, &copy->internalquery})
            if (*text)
                *text = MemoryContextStrdup(context, *text);
        copy->assoc_context = context;
        return copy;
    });
}

// Copies a message into palloc'd memory; an allocation failure here surfaces as the original
// out-of-memory error once the entry point raises.
static char *copy_text(const char *text)
{
    return MemoryContextStrdup(CurTransactionContext ? CurTransactionContext : TopMemoryContext, text);
}

void capture_exception(PendingError &pending) noexcept
{
    try {
        throw;
    } catch (const PgError &error) {
        pending.pg_error = error.data();
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
