#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/pattern.h"

namespace firebreak::matcher {
namespace {

std::vector<uint32_t> MatchOne(const std::vector<std::string>& patterns, const std::string& ev) {
    std::vector<rules::Rule> rs;
    for (size_t i = 0; i < patterns.size(); ++i) {
        Diagnostics d;
        rules::Rule r;
        r.id = "r" + std::to_string(i);
        r.match = *rules::CompilePatternJson(patterns[i], &d);
        rs.push_back(std::move(r));
    }
    auto ruleset = CompiledRuleset::Compile(std::move(rs));
    event::EventReader reader(ruleset->plan(), {});
    MatchScratch scratch(*ruleset);
    std::vector<uint32_t> matched;
    reader.ReadBytes(
            ev,
            [&](const event::ExtractedEvent& e, uint64_t) { ruleset->Match(e, scratch, &matched); },
            nullptr);
    return matched;
}

TEST(Matcher, IndexedAndUnindexedRulesBothFire) {
    auto m = MatchOne({R"({"eventName":["StopLogging"]})",
                       R"({"sourceIPAddress":[{"cidr":"10.0.0.0/8"}]})",
                       R"({"eventName":["StartLogging"]})"},
                      R"({"eventName":"StopLogging","sourceIPAddress":"10.1.2.3"})");
    EXPECT_EQ(m, (std::vector<uint32_t>{0, 1}));
}

TEST(Matcher, ArrayOfObjectsNeedsOneElement) {
    std::string p = R"({"r":{"items":{"port":[22],"cidr":["0.0.0.0/0"]}}})";
    EXPECT_EQ(MatchOne({p}, R"({"r":{"items":[{"port":22,"cidr":"0.0.0.0/0"}]}})").size(), 1u);
    EXPECT_TRUE(
            MatchOne(
                    {p},
                    R"({"r":{"items":[{"port":22,"cidr":"10.0.0.0/8"},{"port":443,"cidr":"0.0.0.0/0"}]}})")
                    .empty());
}

TEST(Matcher, CloudTrailEnvelopeIsUnwrapped) {
    std::string ev =
            R"({"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail","account":"111122223333","time":"2026-11-02T10:00:00Z","region":"us-east-1","resources":[],"detail":{"eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}})";
    EXPECT_EQ(MatchOne({R"({"eventName":["StopLogging"]})"}, ev).size(), 1u);
    EXPECT_EQ(MatchOne({R"({"detail":{"eventName":["StopLogging"]},"source":["aws.cloudtrail"]})"},
                       ev)
                      .size(),
              1u);
}

}  // namespace
}  // namespace firebreak::matcher

namespace firebreak::matcher {
namespace {

// The IR holds Sigma-style boolean logic: And/Or/Not over contains and regex predicates, matched by
// the compiled matcher and the reference interpreter alike.
TEST(Matcher, BooleanLogicWithContainsAndRegex) {
    std::string error;
    auto re = rules::MakeRegexMatcher("^aws-cli/2\\.[0-9]+", false, false, false, &error);
    ASSERT_TRUE(re) << error;
    EXPECT_FALSE(rules::MakeRegexMatcher("(", false, false, false, &error));
    rules::ValueMatcher contains;
    contains.kind = rules::MatcherKind::kContainsIgnoreCase;
    contains.strings = {"KALI"};
    contains.folded.emplace_back("KALI");
    contains.canonical = R"({"contains|i":"KALI"})";
    auto field = [](std::string path, rules::ValueMatcher m) {
        rules::FieldTest t;
        t.path = std::move(path);
        t.canonical = t.path + m.canonical;
        t.any_of.push_back(std::move(m));
        return rules::MakeField(std::move(t));
    };
    std::vector<rules::Expr> both;
    both.push_back(field("userAgent", *re));
    both.push_back(rules::MakeNot(field("userAgent", contains)));
    rules::Rule rule;
    rule.id = "sigma-like";
    rule.match = rules::MakeAnd(std::move(both));
    rules::Expr condition = rule.match;
    std::vector<rules::Rule> rs;
    rs.push_back(std::move(rule));
    auto ruleset = CompiledRuleset::Compile(std::move(rs));
    event::EventReader reader(ruleset->plan(), {});
    MatchScratch scratch(*ruleset);
    for (auto [ua, expected] :
         std::vector<std::pair<std::string, bool>>{{"aws-cli/2.13.5 Python/3.11", true},
                                                   {"aws-cli/2.13.5 Linux/6.3.0-Kali1", false},
                                                   {"Boto3/1.28.0", false}}) {
        std::string ev = "{\"userAgent\":" + JsonQuote(ua) + "}";
        std::vector<uint32_t> matched;
        reader.ReadBytes(
                ev,
                [&](const event::ExtractedEvent& e, uint64_t) {
                    ruleset->Match(e, scratch, &matched);
                },
                nullptr);
        EXPECT_EQ(!matched.empty(), expected) << ua;
        EXPECT_EQ(ReferenceMatch(condition, *event::ParseJson(ev), true), expected) << ua;
    }
}

}  // namespace
}  // namespace firebreak::matcher

namespace firebreak::matcher {
namespace {

// Several wildcard alternatives on one field run as one RE2 alternation; it must agree with the
// glob matcher (and the reference) on every edge: empty segments, escaped stars, regex
// metacharacters in literals, newlines, multi-byte characters.
TEST(Matcher, WildcardAlternationAgreesWithTheReference) {
    std::string pattern =
            R"p({"ua":[{"wildcard":"*kali*"},{"wildcard":"a.c*"},{"wildcard":"x\\*y*z"},{"wildcard":"*"},{"wildcard":"(+)"}]})p";
    std::string only_specific =
            R"p({"ua":[{"wildcard":"*kali*"},{"wildcard":"a.c*"},{"wildcard":"x\\*y*z"},{"wildcard":"(+)"}]})p";
    for (const std::string& p : {pattern, only_specific}) {
        Diagnostics d;
        auto expr = rules::CompilePatternJson(p, &d);
        ASSERT_TRUE(expr) << p;
        for (std::string value : {"kali",
                                  "Linux/6.3-kali1",
                                  "abc",
                                  "a.c",
                                  "a.cdef",
                                  "x*yz",
                                  "x*y..z",
                                  "xyz",
                                  "(+)",
                                  "(((+)",
                                  "",
                                  "line\nkali",
                                  "é-kali-ü"}) {
            std::string ev = "{\"ua\":" + JsonQuote(value) + "}";
            auto tree = event::ParseJson(ev);
            ASSERT_TRUE(tree.has_value()) << ev;
            bool ref = ReferenceMatch(*expr, *tree, false);
            EXPECT_EQ(!MatchOne({p}, ev).empty(), ref) << p << " on " << ev;
        }
    }
}

}  // namespace
}  // namespace firebreak::matcher
