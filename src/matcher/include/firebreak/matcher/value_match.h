// File: value_match.h
//
// One value matcher against one leaf value, with EventBridge's type-aware semantics. Shared by the
// compiled matcher and the reference interpreter (they differ in everything around it: indexing,
// extraction, memoisation, array consistency).
#pragma once

#include <string_view>

#include "firebreak/event/extracted_event.h"
#include "firebreak/rules/ir.h"

namespace firebreak::matcher {

// True when the leaf value (type, text) satisfies `m`. kNotExists is decided per field, not per
// value, and always returns false here.
bool ValueMatches(const rules::ValueMatcher& m, event::ValueType type, std::string_view text);

// Sigma's fieldref: compares two scalar values as text (strings as they are, numbers by literal,
// booleans as "true"/"false"), case-sensitively: `value` equals / contains / starts with / ends
// with `other`. Nulls and objects match nothing.
bool FieldRefMatches(rules::FieldRefMode mode,
                     event::ValueType type,
                     std::string_view value,
                     event::ValueType other_type,
                     std::string_view other);

}  // namespace firebreak::matcher
