#include <gtest/gtest.h>

#include "firebreak/rules/rule.h"

namespace firebreak::rules {
namespace {

TEST(RuleLoader, ReportsUnknownKeysWithLineAndColumn) {
    Diagnostics d;
    auto r = LoadRules({{"x.yaml",
                         "id: a\ntitle: t\ndescription: d\nseverity: high\n"
                         "match: {eventName: [X]}\nsevertiy: low\n"}},
                       LoadOptions{},
                       &d);
    ASSERT_TRUE(d.has_errors());
    EXPECT_EQ(d.items()[0].code, "unknown-key");
    EXPECT_EQ(d.items()[0].pos.line, 6);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.skipped_rules, 1);
}

TEST(RuleLoader, DuplicateIdsAreErrorsAndSkipInvalidKeepsTheRest) {
    Diagnostics d;
    std::string rule = "id: a\ntitle: t\ndescription: d\nseverity: low\nmatch: {eventName: [X]}\n";
    LoadOptions options;
    options.skip_invalid = true;
    auto r = LoadRules({{"x.yaml", rule + "---\n" + rule}}, options, &d);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.rules.size(), 1u);
    EXPECT_EQ(d.items()[0].code, "duplicate-id");
}

TEST(RuleLoader, YamlTypingFollowsTheCoreSchema) {
    Diagnostics d;
    auto r = LoadRules({{"x.yaml",
                         "id: a\ntitle: t\ndescription: d\nseverity: low\n"
                         "match: {a: [300, \"300\", true, null]}\n"}},
                       LoadOptions{},
                       &d);
    ASSERT_EQ(r.rules.size(), 1u);
    EXPECT_EQ(r.rules[0].match.ToCanonicalString(), R"(all("a":[300,"300",true,null]))");
}

}  // namespace
}  // namespace firebreak::rules

namespace firebreak::rules {
namespace {

TEST(RuleLoader, YamlSyntaxErrorsNameTheLine) {
    Diagnostics d;
    auto r = LoadRules({{"bad.yaml", "id: a\ntitle: [unclosed\n"}}, LoadOptions{}, &d);
    ASSERT_TRUE(d.has_errors());
    EXPECT_EQ(d.items()[0].code, "yaml-syntax");
    EXPECT_GE(d.items()[0].pos.line, 2);
    EXPECT_FALSE(r.ok);
    Diagnostics comma;
    LoadRules({{"comma.yaml", ","}}, LoadOptions{}, &comma);  // once hung yaml-cpp
    EXPECT_TRUE(comma.has_errors());
}

TEST(RuleLoader, AnchorsAliasesAndTagsAreHonoured) {
    Diagnostics d;
    auto r = LoadRules({{"x.yaml",
                         "id: a\ntitle: t\ndescription: d\nseverity: low\n"
                         "match: {a: &vals [1, !!str 2]}\nunless:\n  - {b: *vals}\n"}},
                       LoadOptions{},
                       &d);
    ASSERT_EQ(r.rules.size(), 1u) << (d.items().empty() ? "" : d.items()[0].ToString());
    EXPECT_EQ(r.rules[0].Condition().ToCanonicalString(),
              R"(and(all("a":[1,"2"]), not(all("b":[1,"2"]))))");
}

}  // namespace
}  // namespace firebreak::rules
