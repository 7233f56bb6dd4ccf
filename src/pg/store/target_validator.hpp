// The submit-time validator of one target's operations against the current definitions, with
// PostgreSQL's regular expressions: shared by bulk.submit_* / bulk.validate_* and bulk.load.
#pragma once

#include <memory>
#include <optional>

#include "core/operation.hpp"
#include "core/task_status.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/store/profile_cache.hpp"

namespace pg_bulk::pg {

class TargetValidator {
public:
    // SPI-connected (the definitions may be loaded).
    explicit TargetValidator(Target target);
    TargetValidator(const TargetValidator &) = delete;
    TargetValidator &operator=(const TargetValidator &) = delete;

    const OperationValidator &get() const;

private:
    std::shared_ptr<const Catalog> definitions_;
    PgPatternEngine patterns_;
    std::optional<ResourceOperationValidator> resources_;
    std::optional<RelationshipOperationValidator> relationships_;
};

} // namespace pg_bulk::pg
