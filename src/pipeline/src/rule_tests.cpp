#include "firebreak/pipeline/rule_tests.h"

#include "firebreak/event/event_reader.h"

namespace firebreak::pipeline {

RuleTestReport RunRuleTests(const matcher::CompiledRuleset& ruleset) {
    RuleTestReport report;
    event::EventReader reader(ruleset.plan(), event::ReaderOptions{});
    matcher::MatchScratch scratch(ruleset);
    std::vector<uint32_t> matched;
    std::vector<event::ReadIssue> issues;
    for (size_t r = 0; r < ruleset.rule_count(); ++r) {
        const rules::Rule& rule = ruleset.rule(r);
        for (const rules::RuleTest& test : rule.tests) {
            issues.clear();
            int events = 0;
            bool fired = false;
            auto on_event = [&](const event::ExtractedEvent& ev, uint64_t) {
                ++events;
                matched.clear();
                ruleset.Match(ev, scratch, &matched);
                for (uint32_t m : matched) {
                    fired |= m == r;
                }
            };
            reader.ReadBytes(test.event_json, on_event, &issues);
            std::string problem;
            if (events != 1 || !issues.empty()) {
                problem = "the test event could not be read as one event";
                if (!issues.empty()) {
                    problem += ": " + issues[0].message;
                }
            } else if (fired != test.expect_match) {
                problem = test.expect_match ? "expected a match, the rule did not fire"
                                            : "expected no match, the rule fired";
            }
            if (problem.empty()) {
                ++report.passed;
            } else {
                ++report.failed;
                report.failures.push_back({rule.id, test.name, test.pos, problem});
            }
        }
    }
    return report;
}

}  // namespace firebreak::pipeline
