#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/matcher/compiled_ruleset.h"
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
