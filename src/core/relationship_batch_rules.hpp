// The rules of a relationship batch (DESIGN §2 cardinalities, §4 errors): given the planned
// operations, the stored relationships the probes found and the endpoint resources that exist,
// each operation's outcome (409, 404, CARDINALITY_VIOLATION, or success, decided in order as if
// applied one by one) and the rows to delete and insert. The unique indexes and foreign keys of
// bulk.relationships enforce the same rules in the database against concurrent writers.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/planned_operation.hpp"
#include "core/record_patch.hpp"
#include "core/relationship.hpp"

namespace pg_bulk {

using TypeAndId = std::pair<std::string, std::string>;  // of a relationship or of a resource

// Which endpoint a cardinality allows in one relationship of the type at most: the from-resource
// under 1:1, the to-resource under 1:1 and 1:N. (Every cardinality allows a pair at most once.)
bool restricts_from(RelationshipCardinality cardinality);
bool restricts_to(RelationshipCardinality cardinality);

// A relationship as the batch sees it.
struct Relationship {
    Endpoint from, to;
    RelationshipCardinality cardinality = RelationshipCardinality::ManyToMany;  // as stored or written
    bool existed = false;     // before the batch
    bool exists = false;
    bool touched = false;
    bool deleted = false;     // by an operation of this batch: a later write creates it anew
    std::string created_at;   // as stored; kept when a relationship is rewritten
    int32_t version = 0;      // while it exists: as stored, or as written by the batch
    RecordContent stored;     // data and meta as stored (read for the batch's PATCHes only)
    const PlannedOperation *writer = nullptr;
};

// A row to insert; `created_at` is null for now().
struct RelationshipInsert {
    const TypeAndId *key;
    const Relationship *row;
    const std::string *created_at;
};
// Every touched relationship that existed is deleted, every touched one that exists inserted: no
// intermediate state can trip a unique index.
struct RelationshipWrites {
    std::vector<const TypeAndId *> deletes;
    std::vector<RelationshipInsert> inserts;
};

class RelationshipBatch {
public:
    // A stored relationship a probe found (found again by another probe: ignored).
    void add_stored(const TypeAndId &key, const Endpoint &from, const Endpoint &to,
                    RelationshipCardinality cardinality, std::string created_at, int32_t version,
                    RecordContent stored = {});
    // Decides every operation in order. `resources`: the endpoint resources that exist; `patcher`
    // (required when the batch holds a PATCH) merges PATCHes into the records. Throws
    // TaskCannotContinue when an operation's definition is missing.
    void decide(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                const std::set<TypeAndId> &resources, const RecordPatcher *patcher = nullptr);
    // Valid while this batch and the operations are.
    RelationshipWrites writes() const;

private:
    Relationship *find(const TypeAndId &key);
    void link(const TypeAndId &key, const Relationship &relationship);
    void unlink(const TypeAndId &key, const Relationship &relationship);
    std::optional<std::string> conflict(const std::string &type, const Relationship &candidate) const;
    void write(PlannedOperation &operation, const RelationshipDefinition &definition,
               const std::set<TypeAndId> &resources);
    void remove(PlannedOperation &operation);
    void patch(PlannedOperation &operation, const RecordPatcher *patcher);

    std::map<TypeAndId, Relationship> rows_;
    std::map<std::string, std::string> pairs_, froms_, tos_;  // the three rules: key -> relationship id
};

} // namespace pg_bulk
