// One operation of a batch as the worker applies it: read from the stored request, then given an
// outcome by the batch rules (resource_batch_rules.hpp, relationship_batch_rules.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json_view.hpp"
#include "core/operation.hpp"

namespace pg_bulk {

struct Endpoint {
    std::string type;
    std::string id;
};

struct PlannedOperation {
    int32_t seq = 0;
    Action action = Action::Create;
    std::string type;
    std::string id;  // the client's id, or the generated one for a CREATE without id
    // A PATCH's are the patch's (a null one removes), until the batch rules merge them into the record.
    std::optional<JsonNode> data, contained, meta;
    Endpoint from, to;  // relationship operations other than DELETE
    std::optional<int32_t> if_version;  // applied only to the record at this version
    int32_t version = 0;  // of a success: the version written (DELETE: removed); 0 when not known
    std::optional<OperationError> error;  // none: the operation succeeded
};

// The task cannot go on (e.g. a definition it uses was dropped): its remaining operations fail.
class TaskCannotContinue : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads operations [first, first + count) of `chunk`, a stored array whose first operation is
// chunk_first. A CREATE without id gets the id derived from the bulk id and its index.
std::vector<PlannedOperation> plan_operations(const JsonNode &chunk, int32_t chunk_first, int32_t first,
                                              int32_t count, std::string_view bulk_id);

// The first operation of the batch that failed, or nullptr.
const PlannedOperation *first_failure(const std::vector<PlannedOperation> &operations);

// Whether a batch holds a PATCH: its probe must read the stored records.
bool holds_patch(const std::vector<PlannedOperation> &operations);

// The operations in (type, id) byte order, the order of the primary keys (COLLATE "C"): independent
// operations written in this order touch neighbouring index pages one after the other, which is
// markedly faster than request order when ids are numbered ('p9' sorts after 'p10').
std::vector<PlannedOperation *> in_key_order(std::vector<PlannedOperation> &operations);

// "record with id 'x' already exists" and "... not found", shared by both kinds of batch.
OperationError already_exists(const PlannedOperation &operation);
OperationError not_found(const PlannedOperation &operation);

} // namespace pg_bulk
