// The shipped example archive: every intrusion step gives a finding, and no benign event does.
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "firebreak/builtin_rules.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/pipeline/hunt.h"

namespace firebreak {
namespace {

TEST(ExampleArchive, FindsEveryIntrusionStepAndNothingBenign) {
    std::string src = FIREBREAK_SOURCE_DIR;
    std::set<std::string> intrusion_ids;
    std::ifstream in(src + "/examples/events/intrusion.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        auto v = event::ParseJson(line);
        ASSERT_TRUE(v.has_value());
        intrusion_ids.insert(v->Find("eventID")->text);
    }
    ASSERT_GT(intrusion_ids.size(), 20u);
    Diagnostics d;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    auto rs = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
    auto result = pipeline::RunHunt(*rs, {src + "/examples/archive"}, {}, nullptr);
    std::set<std::string> apis;
    for (const auto& f : result.findings) {
        EXPECT_TRUE(intrusion_ids.count(f.event_id)) << "benign event flagged: " << f.rule->id
                                                     << " " << f.event_name << " " << f.principal;
        apis.insert(f.event_name);
    }
    for (const char* api : {"GetCallerIdentity",
                            "ListUsers",
                            "GetAccountAuthorizationDetails",
                            "CreateUser",
                            "AttachUserPolicy",
                            "CreateAccessKey",
                            "CreateLoginProfile",
                            "StopLogging",
                            "AuthorizeSecurityGroupIngress",
                            "DeleteBucketPublicAccessBlock",
                            "PutBucketPolicy",
                            "PutBucketAcl"}) {
        EXPECT_TRUE(apis.count(api)) << "no finding for intrusion step " << api;
    }
}

// A count-only hunt (`--format summary`) counts exactly the findings a full hunt builds.
TEST(ExampleArchive, CountOnlyHuntCountsWhatAFullHuntFinds) {
    std::string src = FIREBREAK_SOURCE_DIR;
    Diagnostics d;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    auto rs = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
    auto full = pipeline::RunHunt(*rs, {src + "/examples/archive"}, {}, nullptr);
    pipeline::HuntOptions count_only;
    count_only.count_only = true;
    count_only.threads = 2;
    auto counted = pipeline::RunHunt(*rs, {src + "/examples/archive"}, count_only, nullptr);
    EXPECT_TRUE(counted.findings.empty());
    std::vector<uint64_t> expected(rs->rule_count(), 0);
    for (const auto& f : full.findings) {
        ++expected[f.rule_index];
    }
    EXPECT_EQ(counted.rule_counts, expected);
    EXPECT_EQ(full.findings.size(), 50u);
}

// The example Sigma rules (examples/sigma, with their placeholders file) mixed with the built-in
// pack: each fires on the intrusion, and still on nothing benign.
TEST(ExampleArchive, ExampleSigmaRulesFireOnTheIntrusionOnly) {
    std::string src = FIREBREAK_SOURCE_DIR;
    std::set<std::string> intrusion_ids;
    std::ifstream in(src + "/examples/events/intrusion.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        intrusion_ids.insert(event::ParseJson(line)->Find("eventID")->text);
    }
    Diagnostics d;
    rules::LoadOptions options;
    options.sigma_placeholders["IamAdmins"] = {"alice.admin", "terraform-ci"};
    auto sources = rules::ReadRuleSources({src + "/examples/sigma"}, &d);
    auto sigma = rules::LoadRules(sources, options, &d);
    auto builtin = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    ASSERT_FALSE(d.has_errors()) << d.items()[0].ToString();
    ASSERT_EQ(sigma.sigma_rules, 3);
    std::vector<rules::Rule> all = std::move(builtin.rules);
    for (rules::Rule& r : sigma.rules) {
        all.push_back(std::move(r));
    }
    auto rs = matcher::CompiledRuleset::Compile(std::move(all));
    auto result = pipeline::RunHunt(*rs, {src + "/examples/archive"}, {}, nullptr);
    std::map<std::string, int> sigma_hits;
    for (const auto& f : result.findings) {
        EXPECT_TRUE(intrusion_ids.count(f.event_id)) << "benign event flagged: " << f.rule->id;
        if (f.rule->format == rules::RuleFormat::kSigma) {
            ++sigma_hits[f.rule->title];
        }
    }
    EXPECT_EQ(sigma_hits["S3 Bucket Policy Grants Access To Everyone"], 1);
    EXPECT_EQ(sigma_hits["IAM User Created By Someone Who Is Not An IAM Administrator"], 1);
    EXPECT_GE(sigma_hits["AWS API Called From An Offensive Security Linux Distribution"], 20);
}

}  // namespace
}  // namespace firebreak
