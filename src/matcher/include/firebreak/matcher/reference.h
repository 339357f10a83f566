// File: reference.h
//
// The reference interpreter: evaluates rule IR directly on a JSON tree in the plainest way
// (walk the tree for each path, try every combination for array consistency). It has no index,
// no field plan, no memoisation. The differential tests hold CompiledRuleset::Match to it.
#pragma once

#include "firebreak/event/json_tree.h"
#include "firebreak/rules/ir.h"

namespace firebreak::matcher {

// `unwrap_cloudtrail` mirrors ReaderOptions::unwrap_cloudtrail_envelopes.
bool ReferenceMatch(const rules::Expr& expr, const event::JsonValue& event, bool unwrap_cloudtrail);

}  // namespace firebreak::matcher
