// File: rule_tests.h
//
// Runs every rule's embedded tests (`tests:` in the rule file) through the same compiled matcher
// and event reader that `hunt` uses. A test passes when its rule's outcome on the event is the
// expected one (other rules may match too).
#pragma once

#include <string>
#include <vector>

#include "firebreak/matcher/compiled_ruleset.h"

namespace firebreak::pipeline {

struct RuleTestFailure {
    std::string rule_id;
    std::string test_name;
    SourcePos pos;
    std::string message;
};

struct RuleTestReport {
    int passed = 0;
    int failed = 0;
    std::vector<RuleTestFailure> failures;
};

RuleTestReport RunRuleTests(const matcher::CompiledRuleset& ruleset);

}  // namespace firebreak::pipeline
