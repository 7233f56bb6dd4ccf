// The receipt and error objects of the answers.
#include "core/receipt.hpp"

namespace pg_bulk {

void write_receipt(JsonBuilder &out, const Receipt &receipt)
{
    out.begin_object();
    if (receipt.action)
        out.member("action", action_name(*receipt.action));
    if (receipt.type)
        out.member("type", *receipt.type);
    if (receipt.id)
        out.member("id", *receipt.id);
    out.member("status", status_name(receipt.status));
    if (receipt.completed_at)
        out.member("completedAt", *receipt.completed_at);
    if (receipt.version)
        out.integer_member("version", receipt.version);
    if (receipt.error) {
        out.key("error");
        write_error(out, *receipt.error);
    } else if (receipt.stored_error) {
        out.key("error");
        out.copy(*receipt.stored_error);
    }
    out.end_object();
}

void write_error(JsonBuilder &out, const OperationError &error)
{
    out.begin_object();
    out.integer_member("code", error_type_code(error.type));
    out.member("type", error_type_name(error.type));
    out.member("message", error.message);
    if (!error.sqlstate.empty()) {
        out.key("details");
        out.begin_array();
        out.begin_object();
        out.member("sqlstate", error.sqlstate);
        out.end_object();
        out.end_array();
    }
    out.end_object();
}

} // namespace pg_bulk
