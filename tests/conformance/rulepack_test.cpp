// The built-in rule pack loads without diagnostics errors, passes lint, and every rule's own tests
// pass through the compiled matcher; every rule has a positive and a negative test.
#include <gtest/gtest.h>

#include "firebreak/builtin_rules.h"
#include "firebreak/pipeline/rule_tests.h"

namespace firebreak {
namespace {

TEST(BuiltinPack, LoadsLintsAndPassesItsTests) {
    Diagnostics diags;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), rules::LoadOptions{}, &diags);
    for (const auto& d : diags.items()) {
        ADD_FAILURE() << d.ToString();
    }
    ASSERT_TRUE(loaded.ok);
    EXPECT_GE(loaded.rules.size(), 60u);
    Diagnostics lint;
    rules::LintRules(loaded.rules, &lint);
    for (const auto& d : lint.items()) {
        if (d.severity == DiagSeverity::kError) {
            ADD_FAILURE() << d.ToString();
        }
    }
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
    auto report = pipeline::RunRuleTests(*ruleset);
    for (const auto& f : report.failures) {
        ADD_FAILURE() << f.pos.ToString() << " " << f.rule_id << " [" << f.test_name
                      << "]: " << f.message;
    }
    EXPECT_EQ(report.failed, 0);
    EXPECT_GE(report.passed, 120);
}

}  // namespace
}  // namespace firebreak
