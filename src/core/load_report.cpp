// A load's report of failed and warned-about rows.
#include "core/load_report.hpp"

#include "core/receipt.hpp"

namespace pg_bulk {

namespace {

ReportedRow reported(int64_t row, const OperationSummary &operation)
{
    ReportedRow entry{row, operation.action, std::nullopt, std::nullopt, std::nullopt, {}};
    if (operation.type)
        entry.type = std::string(*operation.type);
    if (operation.id)
        entry.id = std::string(*operation.id);
    return entry;
}

void optional_member(JsonBuilder &out, std::string_view name, const std::optional<std::string> &value)
{
    out.key(name);
    if (value)
        out.string(*value);
    else
        out.null();
}

} // namespace

void LoadReport::add_failure(int64_t row, const OperationSummary &operation, OperationError error)
{
    if (failure_count++ < max_reported_rows) {
        failures.push_back(reported(row, operation));
        failures.back().error = std::move(error);
    }
}

void LoadReport::add_warning(int64_t row, const OperationSummary &operation, std::string message)
{
    if (warning_count++ < max_reported_rows) {
        warnings.push_back(reported(row, operation));
        warnings.back().message = std::move(message);
    }
}

void write_reported_rows(JsonBuilder &out, const std::vector<ReportedRow> &rows)
{
    out.begin_array();
    for (const ReportedRow &entry : rows) {
        out.begin_object();
        out.integer_member("row", entry.row);
        optional_member(out, "action",
                        entry.action ? std::optional<std::string>(action_name(*entry.action)) : std::nullopt);
        optional_member(out, "type", entry.type);
        optional_member(out, "id", entry.id);
        if (entry.error) {
            out.key("error");
            write_error(out, *entry.error);
        } else {
            out.member("message", entry.message);
        }
        out.end_object();
    }
    out.end_array();
}

} // namespace pg_bulk
