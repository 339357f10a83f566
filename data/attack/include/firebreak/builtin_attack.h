// File: builtin_attack.h
//
// The MITRE ATT&CK tables of data/attack/ (tactics.tsv, enterprise-cloud.tsv), embedded at build
// time for `firebreak rules coverage`.
#pragma once

#include <vector>

#include "firebreak/rules/rule.h"

namespace firebreak {

// One source per file, named "builtin:<file name>".
std::vector<rules::RuleSource> BuiltinAttackTables();

}  // namespace firebreak
