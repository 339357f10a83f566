#include <gtest/gtest.h>

#include "../src/sigma_value.h"
#include "firebreak/rules/rule.h"

namespace firebreak::rules {
namespace {

// A CloudTrail Sigma rule with the given detection block (indented by 4).
std::string SigmaRule(const std::string& detection, const std::string& extra = "") {
    return "title: Test rule\n"
           "id: 11111111-2222-3333-4444-555555555555\n"
           "status: test\n"
           "description: Something happened\n"
           "author: Someone\n"
           "references:\n    - https://example.com/a\n"
           "tags:\n    - attack.persistence\n    - attack.t1098\n    - "
           "attack.privilege_escalation\n"
           "logsource:\n    product: aws\n    service: cloudtrail\n"
           "detection:\n" +
           detection + "falsepositives:\n    - Admins\nlevel: high\n" + extra;
}

LoadResult Load(const std::string& text, Diagnostics* d, LoadOptions options = {}) {
    return LoadRules({{"r.yml", text}}, options, d);
}

std::string Canonical(const std::string& detection) {
    Diagnostics d;
    auto r = Load(SigmaRule(detection), &d);
    EXPECT_EQ(r.rules.size(), 1u);
    for (const Diagnostic& x : d.items()) {
        if (x.severity == DiagSeverity::kError) {
            ADD_FAILURE() << x.ToString();
        }
    }
    return r.rules.empty() ? "" : r.rules[0].match.ToCanonicalString();
}

const Diagnostic* FindCode(const Diagnostics& d, const std::string& code) {
    for (const Diagnostic& x : d.items()) {
        if (x.code == code) {
            return &x;
        }
    }
    return nullptr;
}

TEST(SigmaStrings, EscapesFollowTheSpecification) {
    using sigma::GlobText;
    using sigma::ParseSigmaString;
    EXPECT_EQ(GlobText(ParseSigmaString(R"(a*b?c)")), "a*b?c");
    EXPECT_EQ(*sigma::PlainText(ParseSigmaString(R"(a\*b\?c)")), "a*b?c");
    EXPECT_EQ(*sigma::PlainText(ParseSigmaString(R"(C:\Windows\x)")), R"(C:\Windows\x)");
    auto g = ParseSigmaString(R"(a\\*)");  // literal backslash, then a wildcard
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].text, "a\\");
    EXPECT_EQ(g[1].kind, GlobPattern::TokenKind::kAnyRun);
    EXPECT_EQ(*sigma::PlainText(ParseSigmaString(R"(trailing\)")), "trailing\\");
}

TEST(SigmaStrings, Base64OffsetMatchesTheReferenceVariants) {
    EXPECT_EQ(sigma::Base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(sigma::Base64Offsets("foobar"),
              (std::vector<std::string>{"Zm9vYmFy", "Zvb2Jhc", "mb29iYX"}));
    EXPECT_EQ(sigma::Base64Offsets("http://"),
              (std::vector<std::string>{"aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"}));
}

TEST(SigmaStrings, Utf16Encodings) {
    EXPECT_EQ(sigma::EncodeUtf16("cmd", sigma::Utf16::kLe), std::string("c\0m\0d\0", 6));
    EXPECT_EQ(sigma::EncodeUtf16("cmd", sigma::Utf16::kBe), std::string("\0c\0m\0d", 6));
    EXPECT_EQ(sigma::EncodeUtf16("c", sigma::Utf16::kLeBom),
              std::string("\xff\xfe"
                          "c\0",
                          4));
}

TEST(SigmaStrings, WindashReplacesOnlyFlagDashes) {
    auto one = sigma::Windash(sigma::ParseSigmaString(" -f"));
    ASSERT_TRUE(one);
    ASSERT_EQ(one->size(), 5u);
    EXPECT_EQ(*sigma::PlainText((*one)[1]), " /f");
    EXPECT_EQ(*sigma::PlainText((*one)[2]), " \u2013f");
    auto force = sigma::Windash(sigma::ParseSigmaString("--force"));
    ASSERT_EQ(force->size(), 5u);  // only the dash before the word
    EXPECT_EQ(*sigma::PlainText((*force)[1]), "-/force");
    EXPECT_EQ(sigma::Windash(sigma::ParseSigmaString("a-b"))->size(), 1u);
    EXPECT_FALSE(sigma::Windash(sigma::ParseSigmaString("-a -b -c -d -e")));
}

TEST(SigmaRules, MetadataMapsIntoTheRule) {
    Diagnostics d;
    auto r = Load(SigmaRule("    selection:\n        eventName: CreateUser\n"
                            "    condition: selection\n"),
                  &d);
    ASSERT_EQ(r.rules.size(), 1u) << (d.items().empty() ? "" : d.items()[0].ToString());
    const Rule& rule = r.rules[0];
    EXPECT_EQ(rule.format, RuleFormat::kSigma);
    EXPECT_EQ(rule.id, "11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(rule.title, "Test rule");
    EXPECT_EQ(rule.severity, Severity::kHigh);
    EXPECT_EQ(rule.mitre, std::vector<std::string>{"T1098"});
    EXPECT_EQ(rule.tactics, (std::vector<std::string>{"persistence", "privilege-escalation"}));
    EXPECT_EQ(rule.author, "Someone");
    EXPECT_EQ(rule.description,
              "Something happened. References: https://example.com/a . False positives: Admins.");
    EXPECT_EQ(r.sigma_rules, 1);
}

TEST(SigmaRules, SelectionsAndValues) {
    EXPECT_EQ(Canonical("    selection:\n        eventSource: iam.amazonaws.com\n"
                        "        eventName:\n            - CreateUser\n            - 'Delete*'\n"
                        "    condition: selection\n"),
              R"(and("eventSource"**:[{"sigma-glob":"iam.amazonaws.com"}], )"
              R"("eventName"**:[{"sigma-glob":"CreateUser"},{"sigma-glob":"Delete*"}]))");
    // A list of maps is OR; null is "absent or null".
    EXPECT_EQ(
            Canonical("    sel:\n        - errorCode: null\n        - errorCode: Success\n"
                      "    condition: sel\n"),
            R"(or("errorCode"**:[null,{"exists":false}], "errorCode"**:[{"sigma-glob":"Success"}]))");
}

TEST(SigmaRules, Modifiers) {
    EXPECT_EQ(
            Canonical("    s:\n        userAgent|contains|all:\n            - a\n            - b\n"
                      "    condition: s\n"),
            R"(and("userAgent"**:[{"sigma-glob":"*a*"}], "userAgent"**:[{"sigma-glob":"*b*"}]))");
    EXPECT_EQ(Canonical("    s:\n        eventName|startswith|cased: Put\n    condition: s\n"),
              R"("eventName"**:[{"sigma-glob-cased":"Put*"}])");
    EXPECT_EQ(Canonical("    s:\n        userIdentity.arn|re|i: '.+:assumed-role/aws:.+'\n"
                        "    condition: s\n"),
              R"("userIdentity.arn"**:[{"re":".+:assumed-role/aws:.+","i":true}])");
    EXPECT_EQ(Canonical("    s:\n        sourceIPAddress|cidr: 10.0.0.0/8\n    condition: s\n"),
              R"("sourceIPAddress"**:[{"cidr":"10.0.0.0/8"}])");
    EXPECT_EQ(Canonical("    s:\n        a|fieldref|endswith: b.c\n    condition: s\n"),
              R"("a"**:[{"fieldref-endswith":"b.c"}])");
    EXPECT_EQ(Canonical("    s:\n        a|neq: x\n    condition: s\n"),
              R"(not("a"**:[{"sigma-glob":"x"}]))");
    EXPECT_EQ(Canonical("    s:\n        a|gte: 5\n    condition: s\n"),
              R"("a"**:[{"sigma-numeric":[">=",5]}])");
    EXPECT_EQ(Canonical("    s:\n        a|exists: false\n    condition: s\n"),
              R"("a"**:[{"exists":false}])");
    EXPECT_EQ(Canonical("    s:\n        a|base64offset|contains: foobar\n    condition: s\n"),
              R"("a"**:[{"sigma-glob":"*Zm9vYmFy*"},{"sigma-glob":"*Zvb2Jhc*"},)"
              R"({"sigma-glob":"*mb29iYX*"}])");
    EXPECT_EQ(Canonical("    keywords:\n        - TruffleHog\n    condition: keywords\n"),
              R"(""**:[{"sigma-glob":"*TruffleHog*"}])");
}

TEST(SigmaRules, ConditionGrammar) {
    std::string sels =
            "    sel_a:\n        a: 1\n    sel_b:\n        b: 2\n    filter:\n        c: 3\n"
            "    _hidden:\n        d: 4\n";
    EXPECT_EQ(Canonical(sels + "    condition: 1 of sel_* and not filter\n"),
              R"(and(or("a"**:[{"sigma-glob":"1"}], "b"**:[{"sigma-glob":"2"}]), )"
              R"(not("c"**:[{"sigma-glob":"3"}])))");
    // not binds tighter than and, and tighter than or; `them` leaves out _identifiers.
    EXPECT_EQ(Canonical(sels + "    condition: all of them or (_hidden)\n"),
              R"(or(and("c"**:[{"sigma-glob":"3"}], "a"**:[{"sigma-glob":"1"}], )"
              R"("b"**:[{"sigma-glob":"2"}]), "d"**:[{"sigma-glob":"4"}]))");
    EXPECT_EQ(Canonical(sels + "    condition:\n        - sel_a and _hidden\n"
                               "        - filter\n"),
              R"(or(and("a"**:[{"sigma-glob":"1"}], "d"**:[{"sigma-glob":"4"}]), )"
              R"("c"**:[{"sigma-glob":"3"}]))");
}

TEST(SigmaRules, UnsupportedConstructsAreDiagnosedWithPositions) {
    struct Case {
        std::string detection;
        std::string code;
        std::string needle;
    };

    std::vector<Case> cases = {
            {"    s:\n        a|hour: 3\n    condition: s\n", "sigma-unsupported", "'hour'"},
            {"    s:\n        a|frobnicate: 3\n    condition: s\n",
             "sigma-unknown-modifier",
             "'frobnicate'"},
            {"    s:\n        a: 1\n    condition: s | count() > 5\n",
             "sigma-condition",
             "aggregations"},
            {"    s:\n        a: 1\n    condition: 2 of s*\n", "sigma-condition", "'2 of'"},
            {"    s:\n        a: 1\n    condition: s and nope\n",
             "sigma-condition",
             "'nope' is not a search identifier"},
            {"    s:\n        a|expand: '%Admins%'\n    condition: s\n",
             "sigma-placeholder",
             "%Admins%"},
            {"    s:\n        a|contains|base64: x\n    condition: s\n",
             "sigma-bad-modifier",
             "wildcards"},
            {"    s:\n        a|cidr: 10.0.0.1/8\n    condition: s\n",
             "sigma-bad-value",
             "host bits"},
            {"    s:\n        a|all: x\n    condition: s\n", "sigma-bad-modifier", "'all'"},
            {"    s:\n        a|re: '(unclosed'\n    condition: s\n", "sigma-bad-regex", "RE2"},
            {"    s:\n        a: 1\n    condition: " + std::string(200, '(') + "s" +
                     std::string(200, ')') + "\n",
             "sigma-condition",
             "deeper than 128"},
            {"    s:\n        a: 1\n    condition: " +
                     [] {
                         std::string n;
                         for (int i = 0; i < 300; ++i) {
                             n += "not ";
                         }
                         return n;
                     }() +
                     "s\n",
             "sigma-condition",
             "deeper than 128"},
    };
    for (const Case& c : cases) {
        Diagnostics d;
        auto r = Load(SigmaRule(c.detection), &d);
        EXPECT_FALSE(r.ok) << c.detection;
        const Diagnostic* x = FindCode(d, c.code);
        ASSERT_NE(x, nullptr) << c.detection << " -> "
                              << (d.items().empty() ? "" : d.items()[0].ToString());
        EXPECT_NE(x->message.find(c.needle), std::string::npos) << x->ToString();
        EXPECT_EQ(x->pos.file, "r.yml");
        EXPECT_GT(x->pos.line, 10) << x->ToString();
        EXPECT_GT(x->pos.column, 0) << x->ToString();
        EXPECT_EQ(r.skipped_rules, 1);
    }
    // The modifier error points at the key.
    Diagnostics d;
    Load(SigmaRule("    s:\n        a|hour: 3\n    condition: s\n"), &d);
    EXPECT_EQ(d.items()[0].pos.line, 17);
    EXPECT_EQ(d.items()[0].pos.column, 9);
}

TEST(SigmaRules, CorrelationsAndCollectionsAreRefused) {
    Diagnostics d;
    auto r = Load("title: c\nid: x\ncorrelation:\n    type: event_count\n    rules: [a]\n", &d);
    ASSERT_TRUE(d.has_errors());
    EXPECT_NE(d.items()[0].message.find("correlation rules (type: event_count)"),
              std::string::npos);
    Diagnostics d2;
    Load("action: global\nlogsource:\n    product: aws\n", &d2);
    ASSERT_TRUE(d2.has_errors());
    EXPECT_NE(d2.items()[0].message.find("action: global"), std::string::npos);
}

TEST(SigmaRules, OtherLogSourcesAreCountedNotLoaded) {
    Diagnostics d;
    std::string windows =
            "title: w\nid: w1\nlogsource:\n    product: windows\n    category: process_creation\n"
            "detection:\n    s:\n        Image|endswith: '\\cmd.exe'\n    condition: s\nlevel: "
            "low\n";
    auto r = Load(windows + "---\n" + SigmaRule("    s:\n        eventName: X\n    condition: s\n"),
                  &d);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.rules.size(), 1u);
    EXPECT_EQ(r.other_logsource_rules, 1);
    EXPECT_EQ(d.warning_count(), 1);
    EXPECT_EQ(d.items()[0].code, "sigma-other-logsource");
}

TEST(SigmaRules, ExpandUsesConfiguredPlaceholders) {
    LoadOptions options;
    options.sigma_placeholders["Admins"] = {"alice", "bob"};
    Diagnostics d;
    auto r = Load(SigmaRule("    s:\n        userIdentity.userName|expand: '%Admins%'\n"
                            "    condition: s\n"),
                  &d,
                  options);
    ASSERT_EQ(r.rules.size(), 1u);
    EXPECT_EQ(r.rules[0].match.ToCanonicalString(),
              R"("userIdentity.userName"**:[{"sigma-glob":"alice"},{"sigma-glob":"bob"}])");
}

TEST(SigmaRules, FiltersAmendTheRulesTheyName) {
    std::string second =
            "title: Second\nid: second-id\nname: second_rule\nlogsource:\n    product: aws\n"
            "    service: cloudtrail\ndetection:\n    s:\n        eventName: Y\n"
            "    condition: s\nlevel: low\n";
    std::string filter =
            "title: Not the break-glass role\nid: f1\nlogsource:\n    product: aws\n"
            "    service: cloudtrail\nfilter:\n    rules:\n"
            "        - 11111111-2222-3333-4444-555555555555\n        - second_rule\n"
            "        - not-loaded\n    selection:\n"
            "        userIdentity.arn|contains: ':assumed-role/BreakGlass/'\n"
            "    condition: not selection\n";
    Diagnostics d;
    auto r = LoadRules({{"r.yml", SigmaRule("    s:\n        eventName: X\n    condition: s\n")},
                        {"second.yml", second},
                        {"f.yml", filter}},
                       LoadOptions{},
                       &d);
    ASSERT_TRUE(r.ok) << d.items()[0].ToString();
    ASSERT_EQ(r.rules.size(), 2u);
    EXPECT_EQ(r.sigma_filters, 1);
    for (const Rule& rule : r.rules) {
        EXPECT_EQ(rule.filters, std::vector<std::string>{"f1"});
        EXPECT_NE(
                rule.match.ToCanonicalString().find(
                        R"(not("userIdentity.arn"**:[{"sigma-glob":"*:assumed-role/BreakGlass/*"}]))"),
                std::string::npos)
                << rule.match.ToCanonicalString();
    }
    const Diagnostic* unused = FindCode(d, "sigma-filter-unused");
    ASSERT_NE(unused, nullptr);
    EXPECT_NE(unused->message.find("not-loaded"), std::string::npos);
    // `rules: any` applies to every Sigma rule.
    Diagnostics d2;
    std::string any = filter;
    any.replace(any.find("    rules:\n"),
                std::string("    rules:\n        - 11111111-2222-3333-4444-555555555555\n        - "
                            "second_rule\n        - not-loaded\n")
                        .size(),
                "    rules: any\n");
    auto r2 = LoadRules({{"second.yml", second}, {"f.yml", any}}, LoadOptions{}, &d2);
    ASSERT_EQ(r2.rules.size(), 1u);
    EXPECT_EQ(r2.rules[0].filters, std::vector<std::string>{"f1"});
}

TEST(SigmaRules, MixedFoldersAndSideTests) {
    Diagnostics d;
    std::string own = "id: own\ntitle: t\ndescription: d\nseverity: low\nmatch: {eventName: [X]}\n";
    std::string tests =
            "tests-for: 11111111-2222-3333-4444-555555555555\ntests:\n"
            "  - name: fires\n    expect: match\n    event: {eventName: X}\n";
    auto r =
            LoadRules({{"own.yaml", own},
                       {"sigma.yml", SigmaRule("    s:\n        eventName: X\n    condition: s\n")},
                       {"tests.yaml", tests}},
                      LoadOptions{},
                      &d);
    ASSERT_TRUE(r.ok) << d.items()[0].ToString();
    ASSERT_EQ(r.rules.size(), 2u);
    EXPECT_EQ(r.rules[0].format, RuleFormat::kFirebreak);
    EXPECT_EQ(r.rules[1].format, RuleFormat::kSigma);
    ASSERT_EQ(r.rules[1].tests.size(), 1u);
    EXPECT_TRUE(r.rules[1].tests[0].expect_match);

    Diagnostics d2;
    LoadRules({{"tests.yaml", tests}}, LoadOptions{}, &d2);
    ASSERT_TRUE(d2.has_errors());
    EXPECT_EQ(d2.items()[0].code, "unknown-rule");
}

}  // namespace
}  // namespace firebreak::rules
