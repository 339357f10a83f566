// File: builtin_rules.h
//
// The rule files of the top-level rules/ folder, embedded at build time.
#pragma once

#include <vector>

#include "firebreak/rules/rule.h"

namespace firebreak {

// One RuleSource per file, named "builtin:<file name>".
std::vector<rules::RuleSource> BuiltinRuleSources();

}  // namespace firebreak
