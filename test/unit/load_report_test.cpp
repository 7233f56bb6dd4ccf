// Unit tests for a load's report (core/load_report): rows named by content, the lists capped at 1000
// entries while the counts go on, errors written as receipts write them.
#include "core/load_report.hpp"

#include <gtest/gtest.h>

#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::json;
using test::written;

OperationSummary summary(std::optional<Action> action, std::optional<std::string_view> type,
                         std::optional<std::string_view> id)
{
    OperationSummary operation;
    operation.action = action;
    operation.type = type;
    operation.id = id;
    return operation;
}

json listed(const std::vector<ReportedRow> &rows)
{
    return written([&](JsonBuilder &out) { write_reported_rows(out, rows); });
}

TEST(LoadReport, RowsAreNamedByContentWithNullForWhatIsMissing)
{
    LoadReport report;
    report.add_failure(3, summary(Action::Create, "provider", std::nullopt),
                       OperationError{ErrorType::MissingRequired, "row 3: create.id: required"});
    report.add_warning(9, summary(std::nullopt, "provider", "p1"), "row 9: provider id 'p1' was already staged");
    EXPECT_EQ(listed(report.failures),
              json::parse(R"([{"row": 3, "action": "CREATE", "type": "provider", "id": null, "error": )"
                          R"({"code": 400, "type": "MISSING_REQUIRED", "message": "row 3: create.id: required"}}])"));
    EXPECT_EQ(listed(report.warnings),
              json::parse(R"([{"row": 9, "action": null, "type": "provider", "id": "p1", )"
                          R"("message": "row 9: provider id 'p1' was already staged"}])"));
    EXPECT_EQ(listed({}), json::array());
}

TEST(LoadReport, ListsStopAtTheLimitCountsDoNot)
{
    LoadReport report;
    report.failure_count = max_reported_rows - 2;  // a streamed load's batch starts from the stored counts
    for (int64_t row = 1; row <= 5; ++row)
        report.add_failure(row, summary(Action::Delete, "t", "i"), OperationError{ErrorType::NotFound, "x"});
    EXPECT_EQ(report.failure_count, max_reported_rows + 3);
    ASSERT_EQ(report.failures.size(), 2u);
    EXPECT_EQ(report.failures[1].row, 2);
    EXPECT_TRUE(report.warnings.empty());
    EXPECT_EQ(report.warning_count, 0);
}

} // namespace
} // namespace pg_bulk
