// Sigma semantics end to end through both back ends: rules loaded by the Sigma front end, events
// read by the real EventReader into the compiled matcher, and the same events through the
// reference interpreter. Each case states the outcome and both back ends must give it.
#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/rule.h"

namespace firebreak::matcher {
namespace {

std::string Rule(const std::string& id, const std::string& detection) {
    return "title: '" + id + "'\nid: '" + id + "'" +
           "\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n" + detection +
           "level: low\n";
}

class SigmaMatch : public ::testing::Test {
protected:
    void Load(const std::vector<std::string>& rules_text) {
        std::string all;
        for (const std::string& r : rules_text) {
            all += (all.empty() ? "" : "---\n") + r;
        }
        Diagnostics d;
        rules::LoadOptions options;
        options.sigma_placeholders["Admins"] = {"alice", "bo?"};
        auto loaded = rules::LoadRules({{"t.yml", all}}, options, &d);
        for (const Diagnostic& x : d.items()) {
            if (x.severity == DiagSeverity::kError) {
                ADD_FAILURE() << x.ToString();
            }
        }
        ASSERT_TRUE(loaded.ok);
        conditions_.clear();
        for (const rules::Rule& r : loaded.rules) {
            conditions_.push_back(r.Condition());
            ids_.push_back(r.id);
        }
        ruleset_ = CompiledRuleset::Compile(std::move(loaded.rules));
    }

    // Ids of the rules that fire, from the compiled matcher; checks the reference agrees.
    std::vector<std::string> Fire(const std::string& event_json) {
        event::EventReader reader(ruleset_->plan(), {});
        MatchScratch scratch(*ruleset_);
        std::vector<uint32_t> matched;
        int events = 0;
        reader.ReadBytes(
                event_json,
                [&](const event::ExtractedEvent& e, uint64_t) {
                    ruleset_->Match(e, scratch, &matched);
                    ++events;
                },
                nullptr);
        EXPECT_EQ(events, 1) << event_json;
        std::vector<std::string> out;
        for (uint32_t i : matched) {
            out.push_back(ruleset_->rule(i).id);
        }
        auto json = event::ParseJson(event_json);
        EXPECT_TRUE(json);
        std::vector<std::string> reference;
        for (size_t i = 0; i < conditions_.size(); ++i) {
            if (ReferenceMatch(conditions_[i], *json, true)) {
                reference.push_back(ruleset_->rule(i).id);
            }
        }
        EXPECT_EQ(out, reference) << "compiled and reference disagree on " << event_json;
        return out;
    }

    using Ids = std::vector<std::string>;

    std::shared_ptr<const CompiledRuleset> ruleset_;
    std::vector<rules::Expr> conditions_;
    std::vector<std::string> ids_;
};

TEST_F(SigmaMatch, ContainsOnAnObjectSearchesItsLeavesNotItsKeys) {
    Load({Rule("versioning",
               "    s:\n        eventName: PutBucketVersioning\n"
               "        requestParameters|contains: 'Suspended'\n    condition: s\n"),
          Rule("attribute",
               "    s:\n        requestParameters.attribute: userData\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"eventName":"PutBucketVersioning","requestParameters":{"bucketName":"b",
        "VersioningConfiguration":{"Status":"Suspended"},"attribute":"userData"}})"),
              (Ids{"versioning", "attribute"}));
    EXPECT_EQ(Fire(R"({"eventName":"PutBucketVersioning","requestParameters":{"bucketName":"b",
        "VersioningConfiguration":{"Status":"Enabled"},"Suspended":1}})"),
              Ids{});
    // Arrays of objects inside the object are walked too.
    EXPECT_EQ(
            Fire(R"({"eventName":"putbucketversioning","requestParameters":[{"x":[{"y":"suspended!"}]}]})"),
            Ids{"versioning"});
}

TEST_F(SigmaMatch, PlainValuesAreCaseInsensitiveAndMatchScalarsByText) {
    Load({Rule("enable",
               "    s:\n        eventName: UpdateDetector\n        requestParameters.enable: "
               "'false'\n"
               "    condition: s\n"),
          Rule("number", "    s:\n        count: 5\n    condition: s\n"),
          Rule("many", "    s:\n        eventName: [A1, B2, C3, D4, E5, F6]\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"eventName":"updatedetector","requestParameters":{"enable":false}})"),
              Ids{"enable"});
    EXPECT_EQ(Fire(R"({"eventName":"UpdateDetector","requestParameters":{"enable":"FALSE"}})"),
              Ids{"enable"});
    EXPECT_EQ(Fire(R"({"eventName":"UpdateDetector","requestParameters":{"enable":true}})"), Ids{});
    EXPECT_EQ(Fire(R"({"count":5})"), Ids{"number"});
    EXPECT_EQ(Fire(R"({"count":"5"})"), Ids{"number"});
    EXPECT_EQ(Fire(R"({"count":5.0})"), Ids{});  // text comparison: "5.0" is not "5"
    EXPECT_EQ(Fire(R"({"eventName":"d4"})"), Ids{"many"});
    EXPECT_EQ(Fire(R"({"eventName":"D44"})"), Ids{});
}

TEST_F(SigmaMatch, NullExistsAndNeq) {
    Load({Rule("null", "    s:\n        errorCode: null\n    condition: s\n"),
          Rule("exists", "    s:\n        requestParameters|exists: true\n    condition: s\n"),
          Rule("neq", "    s:\n        userIdentity.type|neq: Root\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"eventName":"X"})"), (Ids{"null", "neq"}));
    EXPECT_EQ(Fire(R"({"errorCode":null,"requestParameters":{},"userIdentity":{"type":"root"}})"),
              (Ids{"null", "exists"}));
    EXPECT_EQ(
            Fire(R"({"errorCode":"AccessDenied","requestParameters":null,"userIdentity":{"type":"IAMUser"}})"),
            (Ids{"exists", "neq"}));
}

TEST_F(SigmaMatch, FieldRefComparesTwoFieldsOfTheEvent) {
    Load({Rule("same", "    s:\n        a|fieldref: b\n    condition: s\n"),
          Rule("suffix",
               "    s:\n        userIdentity.arn|fieldref|endswith: requestParameters.userName\n"
               "    condition: s\n")});
    EXPECT_EQ(Fire(R"({"a":"x","b":["y","x"]})"), Ids{"same"});
    EXPECT_EQ(Fire(R"({"a":"x","b":"X"})"), Ids{});  // case-sensitive
    EXPECT_EQ(Fire(R"({"a":1,"b":"1"})"), Ids{"same"});
    EXPECT_EQ(Fire(R"({"userIdentity":{"arn":"arn:aws:iam::111122223333:user/alice"},
        "requestParameters":{"userName":"alice"}})"),
              Ids{"suffix"});
    EXPECT_EQ(Fire(R"({"userIdentity":{"arn":"arn:aws:iam::111122223333:user/alice"},
        "requestParameters":{"userName":"bob"}})"),
              Ids{});
}

TEST_F(SigmaMatch, KeywordsGlobsRegexAndPlaceholders) {
    Load({Rule("keyword", "    keywords:\n        - TruffleHog\n    condition: keywords\n"),
          Rule("glob", "    s:\n        userAgent: 'caf? */?.*'\n    condition: s\n"),
          Rule("regex", "    s:\n        port|re: '^2[0-9]$'\n    condition: s\n"),
          Rule("expand",
               "    s:\n        userIdentity.userName|expand: '%Admins%'\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"userAgent":"x","requestParameters":{"tags":[{"v":"via trufflehog 3"}]}})"),
              Ids{"keyword"});
    EXPECT_EQ(Fire(R"({"userAgent":"CAFÉ x/1.2"})"), Ids{"glob"});  // ? is one character
    EXPECT_EQ(Fire(R"({"userAgent":"cafe x/12"})"), Ids{});
    EXPECT_EQ(Fire(R"({"port":22})"), Ids{"regex"});
    EXPECT_EQ(Fire(R"({"port":220})"), Ids{});
    EXPECT_EQ(Fire(R"({"userIdentity":{"userName":"Bob"}})"), Ids{"expand"});
    EXPECT_EQ(Fire(R"({"userIdentity":{"userName":"carol"}})"), Ids{});
}

TEST_F(SigmaMatch, RegexLiteralPrefilterIsExact) {
    // ':assumed-role/aws:' is the atom RE2's prefilter requires; values without it never reach
    // the regex, values with it (in any case) still must match the regex itself.
    Load({Rule("imds",
               "    s:\n        userIdentity.arn|re: '.+:assumed-role/aws:.+'\n    condition: s\n"),
          Rule("alt",
               "    s:\n        userAgent|re: '(Boto3|aws-cli)/[0-9]+'\n    condition: s\n")});
    EXPECT_EQ(
            Fire(R"({"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}})"),
            Ids{"imds"});
    EXPECT_EQ(
            Fire(R"({"userIdentity":{"arn":"arn:aws:sts::1:ASSUMED-ROLE/aws:ec2-instance/i-1"}})"),
            Ids{});  // case-sensitive: the atom is found in lowered text, the regex says no
    EXPECT_EQ(Fire(R"({"userIdentity":{"arn":":assumed-role/aws:"}})"), Ids{});
    EXPECT_EQ(Fire(R"({"userIdentity":{"arn":"arn:aws:iam::1:user/bob"}})"), Ids{});
    EXPECT_EQ(Fire(R"({"userAgent":"aws-cli/2.13"})"), Ids{"alt"});
    EXPECT_EQ(Fire(R"({"userAgent":"Boto3/x"})"), Ids{});
}

TEST_F(SigmaMatch, FiltersSuppressWhatTheyExclude) {
    Load({Rule("roles", "    s:\n        userIdentity.type: AssumedRole\n    condition: s\n"),
          "title: Known automation\nid: f-auto\nlogsource:\n    product: aws\n"
          "    service: cloudtrail\nfilter:\n    rules: [roles]\n    selection:\n"
          "        userIdentity.arn|startswith: 'arn:aws:sts::111122223333:assumed-role/ci-'\n"
          "    condition: not selection\n"});
    EXPECT_EQ(
            Fire(R"({"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/admin/x"}})"),
            Ids{"roles"});
    EXPECT_EQ(
            Fire(R"({"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ci-deploy/x"}})"),
            Ids{});
}

TEST_F(SigmaMatch, EnvelopesAreUnwrappedForSigmaToo) {
    Load({Rule("stop",
               "    s:\n        eventSource: cloudtrail.amazonaws.com\n        eventName: "
               "StopLogging\n"
               "        requestParameters|contains: prod\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail",
        "source":"aws.cloudtrail","account":"111122223333","time":"2026-11-02T10:00:00Z",
        "region":"us-east-1","resources":[],"detail":{"eventName":"StopLogging",
        "eventSource":"cloudtrail.amazonaws.com","requestParameters":{"name":"prod-trail"}}})"),
              Ids{"stop"});
}

TEST_F(SigmaMatch, AnObjectWhereTheIndexExpectsAStringStillCounts) {
    // The discriminant index reads eventName; a deep test also sees leaves of an object there.
    Load({Rule("odd", "    s:\n        eventName: DeleteBucket\n    condition: s\n")});
    EXPECT_EQ(Fire(R"({"eventName":{"inner":"DeleteBucket"}})"), Ids{"odd"});
    EXPECT_EQ(Fire(R"({"eventName":{"inner":"DeleteTrail"}})"), Ids{});
}

}  // namespace
}  // namespace firebreak::matcher
