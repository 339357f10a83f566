#include "firebreak/rules/pattern.h"

#include <gtest/gtest.h>

namespace firebreak::rules {
namespace {

TEST(Pattern, FlattensNestedAndDottedKeysToTheSamePath) {
    Diagnostics d;
    auto a = CompilePatternJson(R"({"a":{"b":["x"]}})", &d);
    auto b = CompilePatternJson(R"({"a.b":["x"]})", &d);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->ToCanonicalString(), b->ToCanonicalString());
    EXPECT_EQ(a->ToCanonicalString(), R"(all("a.b":["x"]))");
}

TEST(Pattern, OrExpandsIntoAlternatives) {
    Diagnostics d;
    auto e = CompilePatternJson(R"({"s":["x"],"$or":[{"a":[1]},{"b":[{"prefix":"p"}]}]})", &d);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->ToCanonicalString(),
              R"(or(all("a":[1], "s":["x"]), all("b":[{"prefix":"p"}], "s":["x"])))");
}

TEST(Pattern, RefusesWithAPositionedReason) {
    Diagnostics d;
    EXPECT_FALSE(CompilePatternJson(R"({"a":[{"cidr":"10.0.0.1/32"}]})", &d));
    ASSERT_TRUE(d.has_errors());
    EXPECT_NE(d.items()[0].message.find("mask bits"), std::string::npos);
}

}  // namespace
}  // namespace firebreak::rules
