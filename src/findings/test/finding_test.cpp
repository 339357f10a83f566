#include "firebreak/findings/finding.h"

#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/rules/rule.h"

namespace firebreak::findings {
namespace {

TEST(Finding, AsffCarriesTheRequiredFieldsAndResources) {
    Diagnostics d;
    auto loaded = rules::LoadRules(
            {{"t.yaml",
              "id: iam-user-created\ntitle: IAM user created\ndescription: A user was created.\n"
              "severity: medium\nmitre: [T1136.003]\nmatch: {eventName: [CreateUser]}\n"
              "resources:\n  - type: AwsIamUser\n"
              "    id: \"arn:aws:iam::{recipientAccountId}:user/{requestParameters.userName}\"\n"}},
            {},
            &d);
    ASSERT_EQ(loaded.rules.size(), 1u) << (d.items().empty() ? "" : d.items()[0].ToString());
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
    event::EventReader reader(ruleset->plan(), {});
    matcher::MatchScratch scratch(*ruleset);
    std::vector<Finding> out;
    reader.ReadBytes(
            R"({"eventTime":"2026-11-02T12:19:10Z","eventName":"CreateUser","eventSource":"iam.amazonaws.com","eventID":"e-1","recipientAccountId":"111122223333","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.66","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ci-deploy"},"requestParameters":{"userName":"svc-backup2"}})",
            [&](const event::ExtractedEvent& e, uint64_t rec) {
                std::vector<uint32_t> m;
                ruleset->Match(e, scratch, &m);
                for (uint32_t r : m) {
                    out.push_back(BuildFinding(*ruleset, r, e, "f.json", rec));
                }
            },
            nullptr);
    ASSERT_EQ(out.size(), 1u);
    auto asff = event::ParseJson(ToAsffJson(out[0], {}));
    ASSERT_TRUE(asff.has_value());
    EXPECT_EQ(asff->Find("Id")->text, "firebreak/iam-user-created/e-1");
    EXPECT_EQ(asff->Find("GeneratorId")->text, "iam-user-created");
    EXPECT_EQ(asff->Find("AwsAccountId")->text, "111122223333");
    EXPECT_EQ(asff->Find("Severity")->Find("Label")->text, "MEDIUM");
    EXPECT_EQ(asff->Find("Resources")->items[0].Find("Id")->text,
              "arn:aws:iam::111122223333:user/svc-backup2");
    EXPECT_EQ(asff->Find("ProductFields")->Find("firebreak/SourceIp")->text, "203.0.113.66");
    for (const char* k : {"SchemaVersion",
                          "ProductArn",
                          "Types",
                          "CreatedAt",
                          "UpdatedAt",
                          "Title",
                          "Description"}) {
        EXPECT_NE(asff->Find(k), nullptr) << k;
    }
}

}  // namespace
}  // namespace firebreak::findings
