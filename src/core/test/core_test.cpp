#include <gtest/gtest.h>

#include "firebreak/core/diagnostics.h"
#include "firebreak/core/ip.h"
#include "firebreak/core/status.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"

namespace firebreak {
namespace {

TEST(Ip, ParsesV4AndV6Canonically) {
    EXPECT_EQ(ParseIp("10.0.0.1"), ParseIp("10.0.0.01"));
    EXPECT_EQ(ParseIp("2001:db8::1"), ParseIp("2001:0DB8:0:0:0:0:0:1"));
    EXPECT_EQ(ParseIp("::ffff:1.2.3.4")->bytes[15], 4);
    EXPECT_FALSE(ParseIp("256.0.0.1"));
    EXPECT_FALSE(ParseIp("1.2.3"));
    EXPECT_FALSE(ParseIp("1::2::3"));
    EXPECT_FALSE(ParseIp("AWS Internal"));
    EXPECT_FALSE(ParseIp(""));
}

TEST(Ip, CidrContainsClearsHostBits) {
    auto block = ParseCidr("220.160.153.171/31");
    ASSERT_TRUE(block);
    EXPECT_TRUE(block->Contains(*ParseIp("220.160.153.170")));
    EXPECT_TRUE(block->Contains(*ParseIp("220.160.153.171")));
    EXPECT_FALSE(block->Contains(*ParseIp("220.160.153.172")));
    auto v6 = ParseCidr("2001:db8::/32");
    EXPECT_TRUE(v6->Contains(*ParseIp("2001:DB8:ffff::1")));
    EXPECT_FALSE(v6->Contains(*ParseIp("10.0.0.1")));
    EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
    EXPECT_FALSE(ParseCidr("10.0.0.0"));
}

TEST(Text, NumbersKnowWhetherTheyAreExact) {
    ParsedNumber n;
    ASSERT_TRUE(ParseJsonNumber("300", &n));
    EXPECT_TRUE(n.exact);
    ASSERT_TRUE(ParseJsonNumber("3.0e2", &n));
    EXPECT_TRUE(n.exact);
    EXPECT_EQ(n.value, 300);
    ASSERT_TRUE(ParseJsonNumber("1.0000000000000001", &n));
    EXPECT_FALSE(n.exact);
    ASSERT_TRUE(ParseJsonNumber("1e400", &n));
    EXPECT_FALSE(n.exact);
    ASSERT_TRUE(ParseJsonNumber("-0", &n));
    EXPECT_TRUE(n.exact);
    EXPECT_FALSE(ParseJsonNumber("abc", &n));
    EXPECT_FALSE(ParseJsonNumber("1.2.3", &n));
}

TEST(Text, EqualsIgnoreCaseFollowsEventRuler) {
    EXPECT_TRUE(CaseInsensitiveText("ÉTÉ").Equals("été"));
    EXPECT_TRUE(CaseInsensitiveText("Hello").Equals("hELLO"));
    EXPECT_FALSE(CaseInsensitiveText("STRASSE").Equals("straße"));
    EXPECT_TRUE(CaseInsensitiveText("ab").IsPrefixOf("ABC"));
    EXPECT_TRUE(CaseInsensitiveText("PNG").IsSuffixOf("x.png"));
    EXPECT_FALSE(CaseInsensitiveText("PNG").IsSuffixOf("pn"));
}

TEST(Text, WildcardStarMatchesZeroOrMore) {
    WildcardPattern w{{"a", "c"}};
    EXPECT_TRUE(w.Matches("ac"));
    EXPECT_TRUE(w.Matches("abbbc"));
    EXPECT_FALSE(w.Matches("ab"));
    WildcardPattern star{{"", ""}};
    EXPECT_TRUE(star.Matches(""));
    WildcardPattern mid{{"", "lib", ""}};
    EXPECT_TRUE(mid.Matches("/usr/lib/x"));
    EXPECT_FALSE(mid.Matches("/usr/li/x"));
}

TEST(Diagnostics, FormatsPositions) {
    Diagnostics d;
    d.Error("bad-pattern", SourcePos{"r.yaml", 3, 7}, "oops");
    d.Warning("no-mitre", SourcePos{"r.yaml", 0, 0}, "meh");
    EXPECT_EQ(d.items()[0].ToString(), "r.yaml:3:7: error[bad-pattern]: oops");
    EXPECT_EQ(d.error_count(), 1);
    EXPECT_EQ(d.warning_count(), 1);
}

TEST(Status, ResultCarriesValueOrError) {
    Result<int> ok = 5;
    EXPECT_TRUE(ok.has_value());
    EXPECT_EQ(*ok, 5);
    Result<int> bad = NotFound("x");
    EXPECT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().ToString(), "NOT_FOUND: x");
}

}  // namespace
}  // namespace firebreak

namespace firebreak {
namespace {

TEST(Text, JsonQuoteEscapesExactlyWhatJsonRequires) {
    EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
    EXPECT_EQ(JsonQuote("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    EXPECT_EQ(JsonQuote("été"), "\"été\"");
    EXPECT_EQ(JsonQuote(""), "\"\"");
}

}  // namespace
}  // namespace firebreak

namespace firebreak {
namespace {

// The 8-bytes-at-a-time scan must find an escape at every offset.
TEST(Text, JsonQuoteFindsEscapesAtEveryOffset) {
    for (size_t len = 1; len < 40; ++len) {
        for (size_t at = 0; at < len; ++at) {
            for (char special : {'"', '\\', '\n', '\x1f'}) {
                std::string s(len, 'a');
                s[at] = special;
                std::string quoted = JsonQuote(s);
                EXPECT_EQ(quoted.size(), len + 2 + (special == '\x1f' ? 5 : 1)) << len << " " << at;
            }
        }
    }
    EXPECT_EQ(JsonQuote(std::string(20, '\x7f')), "\"" + std::string(20, '\x7f') + "\"");
}

// Times outside the clock's range (64-bit nanoseconds: 1678..2262) are refused, not overflowed:
// a fuzzed vault.json with year -999 once tripped UBSan in the conversion.
TEST(Time, ParseIsoTimeRefusesTimesTheClockCannotHold) {
    EXPECT_EQ(FormatIsoSeconds(*ParseIsoTime("2262-04-11T00:00:00Z")), "2262-04-11T00:00:00Z");
    EXPECT_EQ(FormatIsoSeconds(*ParseIsoTime("1678-01-01T00:00:00Z")), "1678-01-01T00:00:00Z");
    EXPECT_FALSE(ParseIsoTime("2263-01-01T00:00:00Z").has_value());
    EXPECT_FALSE(ParseIsoTime("9999-12-31T23:59:59Z").has_value());
    EXPECT_FALSE(ParseIsoTime("-999-01-01T00:00:00Z").has_value());
    EXPECT_FALSE(TimeFromEpochSeconds(10'000'000'000LL).has_value());
    EXPECT_EQ(TimeFromEpochSeconds(0), TimePoint{});
}

}  // namespace
}  // namespace firebreak
