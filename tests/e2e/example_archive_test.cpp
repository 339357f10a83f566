// The shipped example archive: every intrusion step gives a finding, and no benign event does.
#include <fstream>
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

}  // namespace
}  // namespace firebreak
