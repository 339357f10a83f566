// File: builtin_playbooks.h
//
// The built-in playbooks (every playbooks/*.yaml, embedded at build time), named
// "builtin:<file name>", so `firebreak respond` works from any folder.
#pragma once

#include <vector>

#include "firebreak/rules/rule.h"

namespace firebreak {

std::vector<rules::RuleSource> BuiltinPlaybookSources();

}  // namespace firebreak
