// Staged rows (DESIGN §7): the columns bulk.load reads, and a fetch of rows turned into the
// operations a client would have sent — {"action": …, "<action>": {"type", "id", "data", …}}, NULL
// columns absent — built in C from the rows' values.
#pragma once

#include <string>
#include <vector>

#include "pg/bridge/postgres.hpp"
#include "pg/store/task_store.hpp"

namespace pg_bulk::pg {

enum class ColumnKind { Text, Json };

struct StagingColumn {
    const char *name;
    ColumnKind kind;
    bool required;
};

// The columns bulk.load reads, per target, in the order a fetch returns them.
const std::vector<StagingColumn> &staging_columns(Target target);

// The select list of the staging query: the row's ctid, then every column of staging_columns(target)
// (`present[i]`: whether column i exists; an absent optional one is selected as NULL), JSON ones as jsonb.
std::string staged_select_list(Target target, const std::vector<bool> &present);

// One jsonb array whose element i is the operation of row i of a fetch of that select list.
Jsonb *staged_operations(SPITupleTable *rows, uint64 count, Target target);

} // namespace pg_bulk::pg
