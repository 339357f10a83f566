// fuzz_rule_loader: arbitrary bytes as one YAML rule file (firebreak or Sigma format, with
// tests-for documents) -> rules::LoadRules (skip_invalid off and
// on) -> rules::LintRules -> CompiledRuleset::Compile -> pipeline::RunRuleTests.
//
// Properties checked on every input:
//   * no sanitizer report, no uncaught exception (yaml-cpp throws; the loader must catch);
//   * skip_invalid changes only LoadResult::ok: the same rules load either way, with the same
//     diagnostics;
//   * errors => !ok without skip_invalid; every diagnostic has a code and a message;
//   * loaded rules compile, and their canonical conditions are stable;
//   * RunRuleTests accounts for every test; and for every test event that is one valid JSON
//     object without duplicate keys, the compiled matcher agrees with the reference interpreter.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/pipeline/rule_tests.h"
#include "firebreak/rules/rule.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;

std::string DiagText(const Diagnostics& diags) {
    std::string out;
    for (const Diagnostic& d : diags.items()) {
        FIREBREAK_FUZZ_CHECK(!d.code.empty() && !d.message.empty(),
                             "diagnostic without code or message: " + d.ToString());
        out += d.ToString() + "\n";
    }
    return out;
}

void CheckTestsAgainstReference(const matcher::CompiledRuleset& rs) {
    event::EventReader reader(rs.plan(), event::ReaderOptions{});
    matcher::MatchScratch scratch(rs);
    std::vector<uint32_t> matched;
    for (size_t r = 0; r < rs.rule_count(); ++r) {
        const rules::Rule& rule = rs.rule(r);
        rules::Expr condition = rule.Condition();
        for (const rules::RuleTest& test : rule.tests) {
            auto tree = event::ParseJson(test.event_json);
            if (!tree || !tree->is_object() || tree->Find("Records") != nullptr ||
                firebreak::fuzz::HasDuplicateKeys(*tree)) {
                continue;
            }
            int events = 0;
            bool compiled = false;
            std::vector<event::ReadIssue> issues;
            reader.ReadBytes(
                    test.event_json,
                    [&](const event::ExtractedEvent& ev, uint64_t) {
                        ++events;
                        matched.clear();
                        rs.Match(ev, scratch, &matched);
                        for (uint32_t m : matched) {
                            compiled |= m == r;
                        }
                    },
                    &issues);
            FIREBREAK_FUZZ_CHECK(events == 1 && issues.empty(),
                                 "a valid JSON test event was not read as one event: " +
                                         firebreak::fuzz::Printable(test.event_json));
            bool reference = matcher::ReferenceMatch(condition, *tree, true);
            FIREBREAK_FUZZ_CHECK(compiled == reference,
                                 "compiled matcher and reference disagree on rule " + rule.id +
                                         " (compiled " + (compiled ? "matches" : "does not match") +
                                         ")\ncondition: " + condition.ToCanonicalString() +
                                         "\nevent: " + firebreak::fuzz::Printable(test.event_json));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<rules::RuleSource> sources = {
            {"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};

    Diagnostics strict_diags;
    rules::LoadResult strict = rules::LoadRules(sources, rules::LoadOptions{}, &strict_diags);
    std::string strict_text = DiagText(strict_diags);
    FIREBREAK_FUZZ_CHECK(strict.ok == !strict_diags.has_errors(),
                         "LoadResult::ok disagrees with the diagnostics:\n" + strict_text);

    Diagnostics lax_diags;
    rules::LoadOptions lax_options;
    lax_options.skip_invalid = true;
    rules::LoadResult lax = rules::LoadRules(sources, lax_options, &lax_diags);
    FIREBREAK_FUZZ_CHECK(lax.ok, "skip_invalid load is not ok");
    FIREBREAK_FUZZ_CHECK(DiagText(lax_diags) == strict_text,
                         "skip_invalid changed the diagnostics");
    FIREBREAK_FUZZ_CHECK(
            lax.rules.size() == strict.rules.size() && lax.skipped_rules == strict.skipped_rules,
            "skip_invalid changed which rules load");
    for (const rules::Rule& r : lax.rules) {
        FIREBREAK_FUZZ_CHECK(!r.id.empty(), "a loaded rule has no id");
    }

    Diagnostics lint_diags;
    rules::LintRules(lax.rules, &lint_diags);
    DiagText(lint_diags);

    std::vector<std::string> canonical;
    for (const rules::Rule& r : lax.rules) {
        canonical.push_back(r.Condition().ToCanonicalString());
    }
    size_t test_count = 0;
    for (const rules::Rule& r : lax.rules) {
        test_count += r.tests.size();
    }
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(lax.rules));
    FIREBREAK_FUZZ_CHECK(ruleset->rule_count() == canonical.size(), "rule count changed");
    for (size_t i = 0; i < ruleset->rule_count(); ++i) {
        FIREBREAK_FUZZ_CHECK(ruleset->ToCanonicalString(i) == canonical[i],
                             "canonical condition changed by compilation");
    }
    pipeline::RuleTestReport report = pipeline::RunRuleTests(*ruleset);
    FIREBREAK_FUZZ_CHECK(report.passed + report.failed == static_cast<int>(test_count) &&
                                 report.failures.size() == static_cast<size_t>(report.failed),
                         "RunRuleTests lost count of tests");
    CheckTestsAgainstReference(*ruleset);
    return 0;
}
