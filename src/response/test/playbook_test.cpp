// Loading playbooks: every built-in playbook loads cleanly against the real action registry, and
// every kind of mistake is a diagnostic with file:line:column that names the problem.
#include "firebreak/response/playbook.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/builtin_playbooks.h"
#include "firebreak/response/accounts.h"

namespace firebreak::response {
namespace {

using ::testing::HasSubstr;

std::vector<Diagnostic> Problems(const std::string& yaml) {
    Diagnostics diags;
    std::vector<Playbook> pbs = LoadPlaybooks(yaml, "pb.yaml", ActionRegistry::Builtin(), &diags);
    if (diags.has_errors()) {
        EXPECT_TRUE(pbs.empty()) << "a playbook with errors must not load";
    }
    return diags.items();
}

// The first diagnostic, as "line:col code: message".
std::string First(const std::string& yaml) {
    std::vector<Diagnostic> d = Problems(yaml);
    if (d.empty()) {
        return "(none)";
    }
    return std::to_string(d[0].pos.line) + ":" + std::to_string(d[0].pos.column) + " " + d[0].code +
           ": " + d[0].message;
}

TEST(PlaybookLoad, EveryBuiltinPlaybookLoads) {
    std::vector<rules::RuleSource> sources = BuiltinPlaybookSources();
    ASSERT_GE(sources.size(), 7u);
    Diagnostics diags;
    PlaybookSet set = LoadPlaybookSet({}, sources, ActionRegistry::Builtin(), &diags);
    for (const Diagnostic& d : diags.items()) {
        ADD_FAILURE() << d.ToString();
    }
    for (const char* id : {"ec2-containment",
                           "cloudtrail-reenable",
                           "exposed-access-key",
                           "root-usage",
                           "public-bucket",
                           "security-group-open",
                           "tag-isolate-memory-capture"}) {
        const Playbook* pb = set.Find(id);
        ASSERT_NE(pb, nullptr) << id;
        EXPECT_FALSE(pb->title.empty()) << id;
        EXPECT_FALSE(pb->triggers.empty()) << id;
        EXPECT_EQ(pb->sha256.size(), 64u);
    }
}

TEST(PlaybookLoad, UnknownActionNamesTheServicesActions) {
    std::string msg = First(R"(id: x
title: t
steps:
  - id: a
    action: ec2:DescribeInstance
)");
    EXPECT_THAT(msg, HasSubstr("5:13 unknown-action: unknown action 'ec2:DescribeInstance'"));
    EXPECT_THAT(msg, HasSubstr("ec2:DescribeInstances"));
}

TEST(PlaybookLoad, UnknownAndMissingParameters) {
    std::string msg = First(R"(id: x
title: t
steps:
  - id: a
    action: ec2:CreateTags
    params:
      Resources: [i-1]
      Tag: [{Key: a, Value: b}]
)");
    EXPECT_THAT(msg, HasSubstr("8:7 unknown-param: ec2:CreateTags has no parameter 'Tag'"));
    std::vector<Diagnostic> d = Problems(R"(id: x
title: t
steps:
  - id: a
    action: ec2:CreateTags
    params:
      Resources: [i-1]
)");
    ASSERT_FALSE(d.empty());
    EXPECT_EQ(d[0].code, "missing-param");
    EXPECT_THAT(d[0].message, HasSubstr("needs parameter 'Tags'"));
}

TEST(PlaybookLoad, UndeclaredInputsAndLaterStepsAreRefused) {
    EXPECT_THAT(First(R"(id: x
title: t
steps:
  - id: a
    action: ec2:DescribeInstances
    params: {InstanceIds: ["{{ inputs.instance }}"]}
)"),
                HasSubstr("6:28 unknown-input: 'inputs.instance' is not declared"));
    EXPECT_THAT(First(R"(id: x
title: t
steps:
  - id: a
    action: ec2:DescribeInstances
    params: {InstanceIds: ["{{ steps.b.Result }}"]}
  - id: b
    action: ec2:DescribeInstances
)"),
                HasSubstr("unknown-step: 'steps.b' does not name an earlier step"));
    EXPECT_THAT(First(R"(id: x
title: t
steps:
  - id: a
    capture: {name: n, value: "{{ item }}"}
)"),
                HasSubstr("'item' is only defined inside a step with for-each"));
}

TEST(PlaybookLoad, ExpressionSyntaxErrorsPointAtTheColumn) {
    std::string msg = First(R"(id: x
title: t
steps:
  - id: a
    when: "len(inputs) >"
    capture: {name: n, value: "1"}
)");
    EXPECT_THAT(msg, HasSubstr("5:"));
    EXPECT_THAT(msg, HasSubstr("bad-expression"));
}

TEST(PlaybookLoad, StructureMistakes) {
    EXPECT_THAT(First("id: x\ntitle: t\nsteps:\n  - id: a\n    notify: {to: [s]}\n    "
                      "action: sts:GetCallerIdentity\n"),
                HasSubstr("bad-step: a step has exactly one kind; this one has action, notify"));
    EXPECT_THAT(First("id: x\ntitle: t\nsteps:\n  - id: a\n    action: sts:GetCallerIdentity\n  "
                      "- id: a\n    action: sts:GetCallerIdentity\n"),
                HasSubstr("6:9 duplicate-id: step id 'a' is used twice"));
    EXPECT_THAT(First("id: x\ntitle: t\nstepz: []\n"),
                HasSubstr("3:1 unknown-key: unknown playbook key 'stepz'"));
    EXPECT_THAT(First("title: t\nsteps: []\n"),
                HasSubstr("missing-field: a playbook needs an 'id'"));
    EXPECT_THAT(First("id: x\ntitle: t\nsteps:\n  - id: a\n    approve: {timeout: soon}\n"),
                HasSubstr("'timeout' 'soon' is not a duration"));
    EXPECT_THAT(First("id: x\ntitle: t\nsteps:\n  - id: a\n    decide:\n      - label: d\n        "
                      "steps: []\n      - label: e\n        when: 'true'\n        steps: []\n"),
                HasSubstr("the default and must be the last case"));
    EXPECT_THAT(
            First("id: x\ntitle: t\nsteps:\n  - id: a\n    set-finding-status: {status: DONE}\n"),
            HasSubstr("finding status 'DONE' is not one of"));
    EXPECT_THAT(
            First("id: x\ntitle: t\ntriggers:\n  - event: {source: {prefix: aws}}\nsteps: []\n"),
            HasSubstr("4:"));
    EXPECT_THAT(First("id: x\ntitle: t\nsteps:\n  - id: w\n    wait-until: {action: "
                      "ec2:CreateTags, condition: 'true'}\n"),
                HasSubstr("changes things"));
    EXPECT_THAT(First("id: x\ntitle: t\nscope: {max-resources: 0}\nsteps: []\n"),
                HasSubstr("'max-resources' must be a whole number >= 1"));
}

TEST(PlaybookLoad, GarbageDoesNotCrash) {
    for (const char* text : {"",
                             "---\n",
                             "[1, 2]",
                             "id: [",
                             "steps: {a: 1}",
                             "id: x\nsteps: [1]",
                             "id: x\nsteps:\n  - id: a\n    decide: 5\n",
                             "id: x\nsteps:\n  - {id: a, action: 5}\n"}) {
        Diagnostics diags;
        (void)LoadPlaybooks(text, "g.yaml", ActionRegistry::Builtin(), &diags);
    }
}

TEST(PlaybookTriggers, RulesTypesSeveritiesAndEventPatterns) {
    Diagnostics diags;
    std::vector<Playbook> pbs = LoadPlaybooks(R"(id: t
title: t
triggers:
  - rules: ["cloudtrail-*"]
  - finding-types: ["TTPs/*"]
    severities: [critical]
  - event: {eventName: [CreateTags], requestParameters: {tagSet: {items: {key: [Response]}}}}
steps: []
)",
                                              "t.yaml",
                                              ActionRegistry::Builtin(),
                                              &diags);
    ASSERT_EQ(pbs.size(), 1u) << (diags.items().empty() ? "" : diags.items()[0].ToString());
    auto json = [](const char* text) {
        return *event::ParseJson(text);
    };
    event::JsonValue none;
    EXPECT_TRUE(PlaybookTriggered(
            pbs[0],
            json(R"({"ProductFields":{"firebreak/RuleId":"cloudtrail-logging-stopped"}})"),
            none));
    EXPECT_FALSE(PlaybookTriggered(
            pbs[0], json(R"({"ProductFields":{"firebreak/RuleId":"iam-user-created"}})"), none));
    EXPECT_TRUE(PlaybookTriggered(
            pbs[0],
            json(R"({"Types":["TTPs/MITRE ATT&CK/T1"],"Severity":{"Label":"CRITICAL"}})"),
            none));
    EXPECT_FALSE(PlaybookTriggered(
            pbs[0],
            json(R"({"Types":["TTPs/MITRE ATT&CK/T1"],"Severity":{"Label":"HIGH"}})"),
            none));
    EXPECT_TRUE(PlaybookTriggered(
            pbs[0],
            none,
            json(R"({"eventName":"CreateTags","requestParameters":{"tagSet":{"items":[{"key":"Response","value":"x"}]}}})")));
    // The same record delivered through EventBridge.
    EXPECT_TRUE(PlaybookTriggered(
            pbs[0],
            none,
            json(R"({"detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{"eventName":"CreateTags","requestParameters":{"tagSet":{"items":[{"key":"Response","value":"x"}]}}}})")));
}

TEST(PlaybookHelpers, DurationsAndGlobs) {
    EXPECT_EQ(ParseDuration("5s")->count(), 5000);
    EXPECT_EQ(ParseDuration("500ms")->count(), 500);
    EXPECT_EQ(ParseDuration("10m")->count(), 600000);
    EXPECT_EQ(ParseDuration("2d")->count(), 172800000);
    EXPECT_EQ(ParseDuration("7")->count(), 7000);
    EXPECT_FALSE(ParseDuration("soon"));
    EXPECT_FALSE(ParseDuration("-1s"));
    EXPECT_FALSE(ParseDuration("99999999999999999d"));
    EXPECT_TRUE(GlobMatch("i-*", "i-0abc"));
    EXPECT_TRUE(GlobMatch("*", ""));
    EXPECT_TRUE(GlobMatch("a?c*", "abcdef"));
    EXPECT_FALSE(GlobMatch("i-*", "sg-1"));
}

TEST(AccountRegistryLoad, EntriesAndMistakes) {
    Diagnostics diags;
    std::vector<rules::Node> docs = rules::ParseYamlDocuments(R"(accounts:
  - id: "111111111111"
    name: prod
    environment: production
    role: FirebreakResponder
    notify: [secops]
  - id: 12345
  - {id: "222222222222", colour: blue}
)",
                                                              "acc.yaml",
                                                              &diags);
    ASSERT_EQ(docs.size(), 1u);
    AccountRegistry reg = LoadAccounts(*docs[0].Find("accounts"), &diags);
    ASSERT_EQ(reg.accounts().size(), 1u);
    EXPECT_EQ(reg.Find("111111111111")->environment, "production");
    ASSERT_EQ(diags.error_count(), 2);
    EXPECT_EQ(diags.items()[0].pos.line, 7);
    EXPECT_THAT(diags.items()[0].message, HasSubstr("not 12 digits"));
    EXPECT_EQ(diags.items()[1].code, "unknown-key");
    event::JsonValue j = reg.Find("111111111111")->ToJson();
    EXPECT_EQ(j.Find("Environment")->text, "production");
}

}  // namespace
}  // namespace firebreak::response
