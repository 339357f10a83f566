// The EventBridge conformance corpus (../shared/corpus/eventbridge): every pattern/event case must
// give event-ruler's answer through both the compiled matcher (with the real event reader) and the
// reference interpreter; every pattern marked invalid must be refused, every valid one accepted.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/pattern.h"

namespace firebreak {
namespace {

std::vector<std::string> ReadLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    return lines;
}

std::string CorpusDir() {
    return std::string(FIREBREAK_SHARED_DIR) + "/corpus/eventbridge/";
}

// Compiles one pattern into a one-rule ruleset and matches one event through the real reader.
bool FastMatch(const rules::Expr& expr, const std::string& event_json) {
    rules::Rule rule;
    rule.id = "case";
    rule.match = expr;
    std::vector<rules::Rule> rs;
    rs.push_back(std::move(rule));
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(rs));
    event::ReaderOptions options;
    options.unwrap_cloudtrail_envelopes = false;  // the corpus is plain EventBridge
    event::EventReader reader(ruleset->plan(), options);
    matcher::MatchScratch scratch(*ruleset);
    std::vector<uint32_t> matched;
    int events = 0;
    reader.ReadBytes(
            event_json,
            [&](const event::ExtractedEvent& ev, uint64_t) {
                ++events;
                ruleset->Match(ev, scratch, &matched);
            },
            nullptr);
    EXPECT_EQ(events, 1) << event_json;
    return !matched.empty();
}

TEST(EventBridgeCorpus, MatchCases) {
    auto lines = ReadLines(CorpusDir() + "match-cases.jsonl");
    ASSERT_GT(lines.size(), 600u) << "corpus not found under " << CorpusDir();
    int passed = 0;
    int failed = 0;
    for (const std::string& line : lines) {
        auto c = event::ParseJson(line);
        ASSERT_TRUE(c.has_value()) << line;
        const event::JsonValue* pattern = c->Find("pattern");
        const event::JsonValue* ev = c->Find("event");
        const event::JsonValue* expected = c->Find("match");
        ASSERT_TRUE(pattern && ev && expected);
        Diagnostics diags;
        auto expr = rules::CompilePattern(rules::FromJsonValue(*pattern, {}), &diags);
        if (!expr) {
            ADD_FAILURE() << "pattern refused: " << line << "\n"
                          << (diags.items().empty() ? "" : diags.items()[0].ToString());
            ++failed;
            continue;
        }
        std::string event_json = event::ToJson(*ev);
        bool fast = FastMatch(*expr, event_json);
        bool ref = matcher::ReferenceMatch(*expr, *ev, false);
        if (fast == expected->boolean && ref == expected->boolean) {
            ++passed;
        } else {
            ++failed;
            ADD_FAILURE() << "expected " << expected->boolean << " fast " << fast << " reference "
                          << ref << ": " << line;
        }
    }
    std::printf("eventbridge match cases: %d passed, %d failed\n", passed, failed);
}

TEST(EventBridgeCorpus, PatternValidity) {
    auto lines = ReadLines(CorpusDir() + "pattern-validity.jsonl");
    ASSERT_GT(lines.size(), 100u);
    int passed = 0;
    int failed = 0;
    for (const std::string& line : lines) {
        auto c = event::ParseJson(line);
        ASSERT_TRUE(c.has_value()) << line;
        const std::string& text = c->Find("pattern_text")->text;
        bool accepted_expected = c->Find("accepted")->boolean;
        Diagnostics diags;
        bool accepted = rules::CompilePatternJson(text, &diags).has_value();
        if (accepted == accepted_expected && (accepted || diags.has_errors())) {
            ++passed;
        } else {
            ++failed;
            ADD_FAILURE() << "expected accepted=" << accepted_expected << ": " << text << "\n"
                          << (diags.items().empty() ? "" : diags.items()[0].ToString());
        }
    }
    std::printf("eventbridge pattern validity: %d passed, %d failed\n", passed, failed);
}

}  // namespace
}  // namespace firebreak
