// File: pattern.h
//
// Amazon EventBridge event patterns -> rule IR, with EventBridge's exact semantics (event-ruler
// 2.0.1's, where the service and the library differ: see ARCHITECTURE.md). Invalid patterns are
// refused with a diagnostic that names the offending key.
//
// The result is Or(ConsistentAnd(Field...)...): one ConsistentAnd per `$or` combination.
#pragma once

#include <optional>
#include <string_view>

#include "firebreak/core/diagnostics.h"
#include "firebreak/rules/ir.h"
#include "firebreak/rules/node.h"

namespace firebreak::rules {

// Upper bound on `$or` combinations in one pattern (the EventBridge service's limit).
inline constexpr size_t kMaxOrCombinations = 1000;
// Upper bound on fields in one combination (event-ruler's MAXIMUM_RULE_SIZE).
inline constexpr size_t kMaxFieldsPerPattern = 256;

// Compiles a pattern; on error adds diagnostics and returns nullopt.
std::optional<Expr> CompilePattern(const Node& pattern, Diagnostics* diags);

// Convenience for JSON pattern text (used by tests and the conformance corpus).
std::optional<Expr> CompilePatternJson(std::string_view json, Diagnostics* diags);

}  // namespace firebreak::rules
