// The SigmaHQ AWS CloudTrail rules (../shared/corpus/sigma-aws, 57 rules, DRL 1.1, read from there
// as the Sigma issue requires) load without errors, and each is shown to fire on an event written
// from its logic and to stay quiet on a near miss: the events are ours, in tests/sigma/
// (`tests-for` files). Every test runs through the compiled matcher (alone and mixed with the
// built-in pack) and through the reference interpreter, which must agree.
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "firebreak/builtin_attack.h"
#include "firebreak/builtin_rules.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/pipeline/rule_tests.h"
#include "firebreak/rules/coverage.h"

namespace firebreak {
namespace {

const std::string kCorpus = std::string(FIREBREAK_SHARED_DIR) + "/corpus/sigma-aws";
const std::string kTests = std::string(FIREBREAK_SOURCE_DIR) + "/tests/sigma";

rules::LoadResult LoadSigma(Diagnostics* diags) {
    auto sources = rules::ReadRuleSources({kCorpus, kTests}, diags);
    return rules::LoadRules(sources, rules::LoadOptions{}, diags);
}

TEST(SigmaCorpus, AllRulesLoadAndEachHasAMatchAndANearMiss) {
    Diagnostics diags;
    auto loaded = LoadSigma(&diags);
    for (const Diagnostic& d : diags.items()) {
        ADD_FAILURE() << d.ToString();
    }
    ASSERT_TRUE(loaded.ok);
    EXPECT_EQ(loaded.rules.size(), 57u);
    EXPECT_EQ(loaded.sigma_rules, 57);
    for (const rules::Rule& r : loaded.rules) {
        EXPECT_EQ(r.format, rules::RuleFormat::kSigma) << r.id;
        int match = 0;
        int no_match = 0;
        for (const rules::RuleTest& t : r.tests) {
            (t.expect_match ? match : no_match) += 1;
        }
        EXPECT_GE(match, 1) << r.pos.ToString() << " " << r.title;
        EXPECT_GE(no_match, 1) << r.pos.ToString() << " " << r.title;
        EXPECT_FALSE(r.title.empty());
        EXPECT_FALSE(r.author.empty()) << r.id << ": attribution must be kept";
    }
}

void ExpectAllTestsPass(std::vector<rules::Rule> rules, int min_passed) {
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(rules));
    auto report = pipeline::RunRuleTests(*ruleset);
    for (const auto& f : report.failures) {
        ADD_FAILURE() << f.pos.ToString() << " " << f.rule_id << " [" << f.test_name
                      << "]: " << f.message;
    }
    EXPECT_EQ(report.failed, 0);
    EXPECT_GE(report.passed, min_passed);
}

TEST(SigmaCorpus, TestsPassThroughTheCompiledMatcher) {
    Diagnostics diags;
    auto loaded = LoadSigma(&diags);
    ASSERT_TRUE(loaded.ok);
    size_t tests = 0;
    for (const rules::Rule& r : loaded.rules) {
        tests += r.tests.size();
    }
    EXPECT_GE(tests, 200u);
    ExpectAllTestsPass(std::move(loaded.rules), static_cast<int>(tests));
}

TEST(SigmaCorpus, MixedWithTheBuiltinPackNothingChanges) {
    Diagnostics diags;
    auto sigma = LoadSigma(&diags);
    auto builtin = rules::LoadRules(BuiltinRuleSources(), rules::LoadOptions{}, &diags);
    ASSERT_TRUE(sigma.ok && builtin.ok);
    std::vector<rules::Rule> all = std::move(builtin.rules);
    for (rules::Rule& r : sigma.rules) {
        all.push_back(std::move(r));
    }
    ExpectAllTestsPass(std::move(all), 500);
}

TEST(SigmaCorpus, ReferenceInterpreterAgrees) {
    Diagnostics diags;
    auto loaded = LoadSigma(&diags);
    ASSERT_TRUE(loaded.ok);
    int checked = 0;
    for (const rules::Rule& r : loaded.rules) {
        for (const rules::RuleTest& t : r.tests) {
            auto json = event::ParseJson(t.event_json);
            ASSERT_TRUE(json) << t.pos.ToString();
            EXPECT_EQ(matcher::ReferenceMatch(r.Condition(), *json, true), t.expect_match)
                    << t.pos.ToString() << " " << r.title << " [" << t.name << "]";
            ++checked;
        }
    }
    EXPECT_GE(checked, 200);
}

// The shipped ATT&CK tables parse cleanly and know every technique the built-in pack and the
// SigmaHQ rules name (revoked ones included, counted under their replacements).
TEST(SigmaCorpus, AttackTablesKnowEveryTechniqueTheRulesName) {
    auto tables = BuiltinAttackTables();
    ASSERT_EQ(tables.size(), 2u);
    const auto& techniques =
            tables[0].name == "builtin:enterprise-cloud.tsv" ? tables[0] : tables[1];
    const auto& tactics = tables[0].name == "builtin:tactics.tsv" ? tables[0] : tables[1];
    Diagnostics diags;
    auto catalog = rules::AttackCatalog::Parse(
            tactics.name, tactics.text, techniques.name, techniques.text, &diags);
    for (const Diagnostic& d : diags.items()) {
        ADD_FAILURE() << d.ToString();
    }
    EXPECT_EQ(catalog.tactics().size(), 15u);
    EXPECT_GE(catalog.technique_count(), 150u);
    auto sigma = LoadSigma(&diags);
    auto builtin = rules::LoadRules(BuiltinRuleSources(), rules::LoadOptions{}, &diags);
    std::vector<rules::Rule> all = std::move(builtin.rules);
    for (rules::Rule& r : sigma.rules) {
        all.push_back(std::move(r));
    }
    auto report = rules::BuildCoverage(all, catalog);
    for (const auto& u : report.unknown) {
        ADD_FAILURE() << "technique not in the ATT&CK table: " << u.id;
    }
    EXPECT_GE(report.technique_count, 50u);
}

// Every file under tests/sigma names a corpus rule, and every corpus rule has a file.
TEST(SigmaCorpus, OneTestFilePerRule) {
    namespace fs = std::filesystem;
    std::map<std::string, int> stems;
    for (const auto& e : fs::recursive_directory_iterator(kCorpus)) {
        if (e.path().extension() == ".yml") {
            stems[e.path().stem().string()] |= 1;
        }
    }
    for (const auto& e : fs::recursive_directory_iterator(kTests)) {
        if (e.path().extension() == ".yaml") {
            stems[e.path().stem().string()] |= 2;
        }
    }
    EXPECT_EQ(stems.size(), 57u);
    for (const auto& [stem, bits] : stems) {
        EXPECT_EQ(bits, 3) << stem;
    }
}

}  // namespace
}  // namespace firebreak
