// Validators of resource and relationship operations over the cached definitions.
#include "pg/store/target_validator.hpp"

namespace pg_bulk::pg {

TargetValidator::TargetValidator(Target target) : definitions_(catalog())
{
    // A relationship type sent as a resource operation is named as such.
    if (target == Target::Resources)
        resources_.emplace(*definitions_, patterns_, definitions_.get());
    else
        relationships_.emplace(*definitions_, *definitions_, patterns_);
}

const OperationValidator &TargetValidator::get() const
{
    if (resources_)
        return *resources_;
    return *relationships_;
}

} // namespace pg_bulk::pg
