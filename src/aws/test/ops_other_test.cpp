// File: ops_other_test.cpp
//
// The typed CloudTrail, IAM, STS, S3, SSM and SNS operations against a scripted transport: for
// every operation the exact request (method, path, query, headers, the form pairs or JSON body
// botocore sends per ../shared/notes/aws-wire-protocols.md 1.2, the endpoint host and the SigV4
// credential scope), the parsing of the notes' minimal success bodies (1.4), each protocol
// family's error format (1.5), one retry, and AssumeRoleProvider's session cache.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "fake_transport.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/iam.h"
#include "firebreak/aws/s3.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/aws/sns.h"
#include "firebreak/aws/ssm.h"
#include "firebreak/aws/sts.h"
#include "firebreak/core/crypto.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::aws {
namespace {

using FakeTransport = testing::FakeTransport;
using Pairs = std::vector<std::pair<std::string, std::string>>;
using TimePoint = std::chrono::system_clock::time_point;

constexpr std::string_view kIamNs = "https://iam.amazonaws.com/doc/2010-05-08/";
constexpr std::string_view kStsNs = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr std::string_view kSnsNs = "http://sns.amazonaws.com/doc/2010-03-31/";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::string_view kJsonType = "application/x-amz-json-1.1";
constexpr std::string_view kCloudTrailTarget =
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
constexpr int64_t kJan2024 = 1704067200;  // 2024-01-01T00:00:00Z

TimePoint At(int64_t seconds) {
    return TimePoint(std::chrono::seconds(seconds));
}

// A form body as sorted (name, value) pairs ('+' is a space, as in any form body).
Pairs DecodeForm(std::string_view body) {
    Pairs out;
    size_t start = 0;
    while (start <= body.size()) {
        size_t end = std::min(body.find('&', start), body.size());
        std::string item(body.substr(start, end - start));
        std::replace(item.begin(), item.end(), '+', ' ');
        if (!item.empty()) {
            size_t eq = item.find('=');
            out.emplace_back(UriDecode(item.substr(0, eq)),
                             eq == std::string::npos ? "" : UriDecode(item.substr(eq + 1)));
        }
        start = end + 1;
    }
    std::sort(out.begin(), out.end());
    return out;
}

event::JsonValue SortMembers(event::JsonValue value) {
    for (auto& item : value.items)
        item = SortMembers(std::move(item));
    for (auto& member : value.members)
        member.second = SortMembers(std::move(member.second));
    std::stable_sort(value.members.begin(), value.members.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    return value;
}

// JSON text with object members sorted, so bodies compare regardless of member order.
std::string CanonicalJson(std::string_view text) {
    auto parsed = event::ParseJson(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? event::ToJson(SortMembers(std::move(parsed).value())) : std::string();
}

event::JsonValue MustParseJson(std::string_view text) {
    auto parsed = event::ParseJson(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? std::move(parsed).value() : event::JsonValue();
}

// A JSON 1.1 reply as AwsClient::Json() returns it, with request id "rid".
JsonReply MustParseReply(std::string_view text) {
    return JsonReply{MustParseJson(text), "rid"};
}

// "region/service" of the request's Authorization credential scope.
std::string Scope(const HttpRequest& request) {
    const std::string* header = request.Header("Authorization");
    if (header == nullptr)
        return "(unsigned)";
    auto auth = ParseAuthorizationHeader(*header);
    return auth ? auth->region + "/" + auth->service : "(malformed)";
}

std::string SignedHeaders(const HttpRequest& request) {
    auto auth = ParseAuthorizationHeader(*request.Header("Authorization"));
    std::string out;
    for (const std::string& name : auth->signed_headers)
        out += (out.empty() ? "" : ";") + name;
    return out;
}

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
    const std::string* value = request.Header(name);
    return value != nullptr ? *value : "(absent)";
}

std::string QueryReply(std::string_view op, std::string_view ns, std::string_view inner) {
    std::string o(op);
    return "<" + o + "Response xmlns=\"" + std::string(ns) + "\"><" + o + "Result>" +
           std::string(inner) + "</" + o + "Result><ResponseMetadata><RequestId>req-" + o +
           "</RequestId></ResponseMetadata></" + o + "Response>";
}

// Operations without output: no <OpResult> element at all.
std::string EmptyQueryReply(std::string_view op, std::string_view ns) {
    std::string o(op);
    return "<" + o + "Response xmlns=\"" + std::string(ns) +
           "\"><ResponseMetadata><RequestId>req-" + o + "</RequestId></ResponseMetadata></" + o +
           "Response>";
}

std::string QueryError(std::string_view ns, std::string_view code, std::string_view message) {
    return "<ErrorResponse xmlns=\"" + std::string(ns) + "\"><Error><Type>Sender</Type><Code>" +
           std::string(code) + "</Code><Message>" + std::string(message) +
           "</Message></Error><RequestId>err-1</RequestId></ErrorResponse>";
}

const Headers kXml = {{"Content-Type", "text/xml"}};
const Headers kJson = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", "rid"}};

std::string AssumeRoleInner(std::string_view key_id, std::string_view expiration) {
    return "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/IR/ir</Arn>"
           "<AssumedRoleId>AROAEXAMPLEID:ir</AssumedRoleId></AssumedRoleUser><Credentials>"
           "<AccessKeyId>" +
           std::string(key_id) +
           "</AccessKeyId><SecretAccessKey>sessionsecret</SecretAccessKey>"
           "<SessionToken>sessiontoken</SessionToken><Expiration>" +
           std::string(expiration) +
           "</Expiration></Credentials><PackedPolicySize>6</PackedPolicySize>";
}

AwsClient MakeClientWithS3Endpoint(std::shared_ptr<FakeTransport> transport) {
    ResolvedConfig config;
    config.profile = "test";
    config.region = "us-east-1";
    Endpoint endpoint;
    endpoint.scheme = "http";
    endpoint.host = "127.0.0.1";
    endpoint.port = 9000;
    config.endpoints[static_cast<size_t>(ServiceId::kS3)] = endpoint;
    Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt};
    AwsClient client(config, MakeStaticProvider(creds, "test"), std::move(transport));
    client.SetSleepForTesting([](std::chrono::milliseconds) {});
    return client;
}

class OtherOpsTest : public ::testing::Test {
protected:
    // The one request sent so far.
    const FakeTransport::Sent& Only() const {
        EXPECT_EQ(transport_->sent().size(), 1u);
        return transport_->sent().back();
    }

    // A query-protocol request: POST / with the form body, to `host`, signed for `scope`.
    void ExpectQuery(const FakeTransport::Sent& sent,
                     std::string_view expected_body,
                     std::string_view host,
                     std::string_view scope) const {
        EXPECT_EQ(sent.request.method, "POST");
        EXPECT_EQ(sent.request.path, "/");
        EXPECT_EQ(sent.request.query, "");
        EXPECT_EQ(HeaderOf(sent.request, "Content-Type"), kFormType);
        EXPECT_EQ(DecodeForm(sent.request.body), DecodeForm(expected_body));
        EXPECT_EQ(sent.endpoint.host, host);
        EXPECT_EQ(HeaderOf(sent.request, "Host"), host);
        EXPECT_EQ(Scope(sent.request), scope);
    }

    // A JSON 1.1 request: POST / with X-Amz-Target and the JSON body.
    void ExpectJson(const FakeTransport::Sent& sent,
                    std::string_view target,
                    std::string_view expected_body,
                    std::string_view host,
                    std::string_view scope) const {
        EXPECT_EQ(sent.request.method, "POST");
        EXPECT_EQ(sent.request.path, "/");
        EXPECT_EQ(sent.request.query, "");
        EXPECT_EQ(HeaderOf(sent.request, "Content-Type"), kJsonType);
        EXPECT_EQ(HeaderOf(sent.request, "X-Amz-Target"), target);
        EXPECT_EQ(CanonicalJson(sent.request.body), CanonicalJson(expected_body));
        EXPECT_EQ(sent.endpoint.host, host);
        EXPECT_EQ(Scope(sent.request), scope);
    }

    std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
    AwsClient client_ = testing::MakeTestClient(transport_);
};

// ================================ CloudTrail (JSON 1.1) ==========================================

TEST_F(OtherOpsTest, CloudTrailStartLogging) {
    transport_->Reply(200, "{}", kJson);
    auto out = cloudtrail::StartLogging(client_, {"trail1"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->request_id, "rid");
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "StartLogging",
               R"({"Name": "trail1"})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
}

TEST_F(OtherOpsTest, CloudTrailStopLoggingTakesATrailArn) {
    transport_->Reply(200, "{}", kJson);
    const std::string arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/trail1";
    auto out = cloudtrail::StopLogging(client_, {arn});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "StopLogging",
               R"({"Name": ")" + arn + R"("})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
}

TEST_F(OtherOpsTest, CloudTrailGetTrailStatusParsesEpochSecondsWithFractions) {
    transport_->Reply(
            200,
            R"({"IsLogging":true,"StartLoggingTime":1704067200.0,"LatestDeliveryTime":1704067260.5})",
            kJson);
    auto out = cloudtrail::GetTrailStatus(client_, {"trail1"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "GetTrailStatus",
               R"({"Name": "trail1"})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    EXPECT_TRUE(out->is_logging);
    EXPECT_EQ(out->start_logging_time, At(kJan2024));
    EXPECT_EQ(out->latest_delivery_time, At(kJan2024 + 60) + std::chrono::milliseconds(500));
    EXPECT_FALSE(out->stop_logging_time.has_value());
    EXPECT_EQ(out->latest_delivery_error, "");
    EXPECT_EQ(out->request_id, "rid");
}

TEST_F(OtherOpsTest, CloudTrailGetTrailStatusReadsErrorsAndStopTime) {
    transport_->Reply(
            200,
            R"({"IsLogging":false,"StopLoggingTime":1704067300,)"
            R"("LatestDeliveryError":"AccessDenied","LatestDigestDeliveryTime":1704067200,)"
            R"("LatestNotificationError":null})",
            kJson);
    auto out = cloudtrail::GetTrailStatus(client_, {"trail1"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->is_logging);
    EXPECT_EQ(out->stop_logging_time, At(kJan2024 + 100));
    EXPECT_EQ(out->latest_delivery_error, "AccessDenied");
    EXPECT_EQ(out->latest_digest_delivery_time, At(kJan2024));
    EXPECT_EQ(out->latest_notification_error, "");
}

TEST_F(OtherOpsTest, CloudTrailReplyOfTheWrongTypeIsInvalidResponse) {
    transport_->Reply(200, R"({"IsLogging":"yes"})", kJson);
    auto out = cloudtrail::GetTrailStatus(client_, {"trail1"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");
    EXPECT_EQ(out.error().operation, "cloudtrail:GetTrailStatus");
    EXPECT_NE(out.error().message.find("IsLogging"), std::string::npos);
    EXPECT_EQ(out.error().request_id, "rid");

    EXPECT_FALSE(cloudtrail::ParseGetTrailStatus(MustParseReply("[]")).has_value());
    EXPECT_FALSE(cloudtrail::ParseGetTrailStatus(MustParseReply(R"({"StartLoggingTime":"2024"})"))
                         .has_value());
    EXPECT_FALSE(cloudtrail::ParseGetTrailStatus(MustParseReply(R"({"StartLoggingTime":1e300})"))
                         .has_value());
}

TEST_F(OtherOpsTest, CloudTrailDescribeTrails) {
    transport_->Reply(200,
                      R"({"trailList":[{"Name":"trail1","S3BucketName":"ct-logs",)"
                      R"("S3KeyPrefix":"org","TrailARN":"arn:aws:cloudtrail:us-east-1:)"
                      R"(123456789012:trail/trail1","HomeRegion":"us-east-1",)"
                      R"("IsMultiRegionTrail":true,"IsOrganizationTrail":false,)"
                      R"("LogFileValidationEnabled":true,"IncludeGlobalServiceEvents":true,)"
                      R"("HasCustomEventSelectors":false,"SnsTopicARN":"arn:aws:sns:us-east-1:)"
                      R"(123456789012:ct"}]})",
                      kJson);
    cloudtrail::DescribeTrailsRequest request;
    request.trail_name_list = {"trail1"};
    request.include_shadow_trails = false;
    auto out = cloudtrail::DescribeTrails(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "DescribeTrails",
               R"({"trailNameList":["trail1"],"includeShadowTrails":false})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    ASSERT_EQ(out->trails.size(), 1u);
    const cloudtrail::Trail& trail = out->trails[0];
    EXPECT_EQ(trail.name, "trail1");
    EXPECT_EQ(trail.trail_arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/trail1");
    EXPECT_EQ(trail.s3_bucket_name, "ct-logs");
    EXPECT_EQ(trail.s3_key_prefix, "org");
    EXPECT_EQ(out->request_id, "rid");
    EXPECT_EQ(trail.home_region, "us-east-1");
    EXPECT_EQ(trail.sns_topic_arn, "arn:aws:sns:us-east-1:123456789012:ct");
    EXPECT_TRUE(trail.is_multi_region_trail);
    EXPECT_FALSE(trail.is_organization_trail);
    EXPECT_TRUE(trail.log_file_validation_enabled);
    EXPECT_TRUE(trail.include_global_service_events);

    EXPECT_EQ(cloudtrail::EncodeDescribeTrailsJson({}), "{}");
}

TEST_F(OtherOpsTest, CloudTrailCreateTrail) {
    transport_->Reply(200,
                      R"({"Name":"ir-trail","S3BucketName":"ct-logs","S3KeyPrefix":"ir",)"
                      R"("IncludeGlobalServiceEvents":true,"IsMultiRegionTrail":true,)"
                      R"("TrailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/ir-trail",)"
                      R"("LogFileValidationEnabled":true,"KmsKeyId":"arn:aws:kms:us-east-1:)"
                      R"(123456789012:key/k1","IsOrganizationTrail":false})",
                      kJson);
    cloudtrail::CreateTrailRequest request;
    request.name = "ir-trail";
    request.s3_bucket_name = "ct-logs";
    request.s3_key_prefix = "ir";
    request.is_multi_region_trail = true;
    request.enable_log_file_validation = true;
    request.kms_key_id = "alias/ct";
    auto out = cloudtrail::CreateTrail(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "CreateTrail",
               R"({"Name":"ir-trail","S3BucketName":"ct-logs","S3KeyPrefix":"ir",)"
               R"("IsMultiRegionTrail":true,"EnableLogFileValidation":true,"KmsKeyId":"alias/ct"})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    EXPECT_EQ(out->trail.name, "ir-trail");
    EXPECT_EQ(out->trail.trail_arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/ir-trail");
    EXPECT_EQ(out->trail.s3_key_prefix, "ir");
    EXPECT_TRUE(out->trail.is_multi_region_trail);
    EXPECT_TRUE(out->trail.log_file_validation_enabled);
    EXPECT_TRUE(out->trail.include_global_service_events);
    EXPECT_EQ(out->trail.kms_key_id, "arn:aws:kms:us-east-1:123456789012:key/k1");
    EXPECT_EQ(out->request_id, "rid");

    cloudtrail::CreateTrailRequest logs;
    logs.name = "t";
    logs.s3_bucket_name = "b";
    logs.include_global_service_events = false;
    logs.cloud_watch_logs_log_group_arn = "arn:aws:logs:us-east-1:1:log-group:g:*";
    logs.cloud_watch_logs_role_arn = "arn:aws:iam::1:role/r";
    EXPECT_EQ(
            CanonicalJson(cloudtrail::EncodeCreateTrailJson(logs)),
            CanonicalJson(R"({"Name":"t","S3BucketName":"b","IncludeGlobalServiceEvents":false,)"
                          R"("CloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:1:log-group:g:*",)"
                          R"("CloudWatchLogsRoleArn":"arn:aws:iam::1:role/r"})"));
    EXPECT_FALSE(cloudtrail::ParseCreateTrail(MustParseReply(R"({"Name":"t"})")).has_value());
}

TEST_F(OtherOpsTest, CloudTrailCreateTrailAlreadyExists) {
    transport_->Reply(400,
                      R"({"__type":"TrailAlreadyExistsException","message":"Trail ir-trail )"
                      R"(already exists for customer: 123456789012"})",
                      kJson);
    auto out = cloudtrail::CreateTrail(client_, {"ir-trail", "b", "", {}, {}, {}, "", "", ""});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "TrailAlreadyExistsException");
    EXPECT_EQ(out.error().operation, "cloudtrail:CreateTrail");
}

TEST_F(OtherOpsTest, CloudTrailDeleteTrail) {
    transport_->Reply(200, "{}", kJson);
    auto out = cloudtrail::DeleteTrail(client_, {"ir-trail"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "DeleteTrail",
               R"({"Name":"ir-trail"})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    EXPECT_EQ(out->request_id, "rid");
}

TEST_F(OtherOpsTest, CloudTrailGetEventSelectors) {
    transport_->Reply(
            200,
            R"({"TrailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/t",)"
            R"("EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,)"
            R"("DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::b/"]}],)"
            R"("ExcludeManagementEventSources":[]}]})",
            kJson);
    auto out = cloudtrail::GetEventSelectors(client_, {"t"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "GetEventSelectors",
               R"({"TrailName":"t"})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    EXPECT_EQ(out->trail_arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/t");
    ASSERT_EQ(out->event_selectors.size(), 1u);
    EXPECT_EQ(out->event_selectors[0].read_write_type, "All");
    EXPECT_EQ(out->event_selectors[0].include_management_events, true);
    EXPECT_EQ(out->event_selectors[0].data_resources,
              (std::vector<cloudtrail::DataResource>{{"AWS::S3::Object", {"arn:aws:s3:::b/"}}}));
    EXPECT_EQ(out->advanced_event_selector_count, 0u);

    auto advanced = cloudtrail::ParseGetEventSelectors(MustParseReply(
            R"({"TrailARN":"x","AdvancedEventSelectors":[{"Name":"m","FieldSelectors":[]}]})"));
    ASSERT_TRUE(advanced.has_value());
    EXPECT_TRUE(advanced->event_selectors.empty());
    EXPECT_EQ(advanced->advanced_event_selector_count, 1u);
    EXPECT_FALSE(cloudtrail::ParseGetEventSelectors(
                         MustParseReply(R"({"EventSelectors":[{"ReadWriteType":1}]})"))
                         .has_value());
}

TEST_F(OtherOpsTest, CloudTrailPutEventSelectors) {
    transport_->Reply(200,
                      R"({"TrailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/t",)"
                      R"("EventSelectors":[{"ReadWriteType":"WriteOnly",)"
                      R"("IncludeManagementEvents":false,"DataResources":[{"Type":)"
                      R"("AWS::S3::Object","Values":["arn:aws:s3:::evidence/"]}]}]})",
                      kJson);
    cloudtrail::PutEventSelectorsRequest request;
    request.trail_name = "t";
    cloudtrail::EventSelector selector;
    selector.read_write_type = "WriteOnly";
    selector.include_management_events = false;
    selector.data_resources = {{"AWS::S3::Object", {"arn:aws:s3:::evidence/"}}};
    request.event_selectors = {selector};
    auto out = cloudtrail::PutEventSelectors(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               std::string(kCloudTrailTarget) + "PutEventSelectors",
               R"({"TrailName":"t","EventSelectors":[{"ReadWriteType":"WriteOnly",)"
               R"("IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object",)"
               R"("Values":["arn:aws:s3:::evidence/"]}]}]})",
               "cloudtrail.us-east-1.amazonaws.com",
               "us-east-1/cloudtrail");
    ASSERT_EQ(out->event_selectors.size(), 1u);
    EXPECT_EQ(out->event_selectors[0], selector);
    EXPECT_EQ(out->trail_arn, "arn:aws:cloudtrail:us-east-1:123456789012:trail/t");
}

TEST_F(OtherOpsTest, CloudTrailLookupEventsRequestAsBotocoreSendsIt) {
    transport_->Reply(200, R"({"Events":[]})", kJson);
    cloudtrail::LookupEventsRequest request;
    request.lookup_attributes = {{cloudtrail::LookupAttributeKey::kEventName, "StopLogging"}};
    request.max_results = 50;
    auto out = cloudtrail::LookupEvents(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(
            Only(),
            std::string(kCloudTrailTarget) + "LookupEvents",
            R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"StopLogging"}],)"
            R"("MaxResults":50})",
            "cloudtrail.us-east-1.amazonaws.com",
            "us-east-1/cloudtrail");
    EXPECT_TRUE(out->events.empty());
    EXPECT_EQ(out->next_token, "");
}

TEST(CloudTrailEncode, LookupEventsTimesAreEpochSecondsAndEveryKeyHasItsWireName) {
    cloudtrail::LookupEventsRequest request;
    request.lookup_attributes = {{cloudtrail::LookupAttributeKey::kAccessKeyId, "AKIA\"x"}};
    request.start_time = At(kJan2024) + std::chrono::milliseconds(900);
    request.end_time = At(kJan2024 + 3600);
    request.next_token = "tok/1";
    EXPECT_EQ(CanonicalJson(cloudtrail::EncodeLookupEventsJson(request)),
              CanonicalJson(R"({"LookupAttributes":[{"AttributeKey":"AccessKeyId",)"
                            R"("AttributeValue":"AKIA\"x"}],"StartTime":1704067200,)"
                            R"("EndTime":1704070800,"NextToken":"tok/1"})"));
    using Key = cloudtrail::LookupAttributeKey;
    std::vector<std::string> names;
    for (Key key : {Key::kEventId,
                    Key::kEventName,
                    Key::kReadOnly,
                    Key::kUsername,
                    Key::kResourceType,
                    Key::kResourceName,
                    Key::kEventSource,
                    Key::kAccessKeyId}) {
        names.emplace_back(cloudtrail::LookupAttributeKeyName(key));
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"EventId",
                                        "EventName",
                                        "ReadOnly",
                                        "Username",
                                        "ResourceType",
                                        "ResourceName",
                                        "EventSource",
                                        "AccessKeyId"}));
}

constexpr std::string_view kLookupReply =
        R"({"Events":[{"EventId":"0a1b2c3d-0000-4000-8000-000000000001","EventName":"StopLogging",)"
        R"("ReadOnly":"false","AccessKeyId":"AKIAIOSFODNN7EXAMPLE","EventTime":1704067200.0,)"
        R"("EventSource":"cloudtrail.amazonaws.com","Username":"bob","Resources":[{"ResourceType":)"
        R"("AWS::CloudTrail::Trail","ResourceName":"trail1"}],"CloudTrailEvent":"{\"eventVersion\":)"
        R"(\"1.09\",\"eventName\":\"StopLogging\",\"requestParameters\":{\"name\":\"trail1\"}}"},)"
        R"({"EventId":"0a1b2c3d-0000-4000-8000-000000000002","EventName":"LookupEvents",)"
        R"("ReadOnly":"true","EventTime":1704067201,"EventSource":"cloudtrail.amazonaws.com",)"
        R"("Resources":[],"CloudTrailEvent":"{}"}],"NextToken":"page-2"})";

TEST_F(OtherOpsTest, CloudTrailLookupEventsParsesTheReply) {
    transport_->Reply(200, std::string(kLookupReply), kJson);
    auto out = cloudtrail::LookupEvents(client_, {});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->events.size(), 2u);
    EXPECT_EQ(out->request_id, "rid");
    const cloudtrail::Event& stop = out->events[0];
    EXPECT_EQ(stop.event_id, "0a1b2c3d-0000-4000-8000-000000000001");
    EXPECT_EQ(stop.event_name, "StopLogging");
    EXPECT_FALSE(stop.read_only);
    EXPECT_EQ(stop.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    EXPECT_EQ(stop.event_time, At(kJan2024));
    EXPECT_EQ(stop.event_source, "cloudtrail.amazonaws.com");
    EXPECT_EQ(stop.username, "bob");
    ASSERT_EQ(stop.resources.size(), 1u);
    EXPECT_EQ(stop.resources[0].resource_type, "AWS::CloudTrail::Trail");
    EXPECT_EQ(stop.resources[0].resource_name, "trail1");
    // The record travels as a JSON string; it parses as the record.
    event::JsonValue record = MustParseJson(stop.cloud_trail_event);
    ASSERT_NE(record.Find("requestParameters"), nullptr);
    EXPECT_EQ(record.Find("requestParameters")->Find("name")->text, "trail1");
    EXPECT_TRUE(out->events[1].read_only);
    EXPECT_EQ(out->events[1].access_key_id, "");
    EXPECT_EQ(out->next_token, "page-2");
}

TEST(CloudTrailParse, ReadOnlyMustBeTheStringTrueOrFalse) {
    auto as_bool =
            cloudtrail::ParseLookupEvents(MustParseReply(R"({"Events":[{"ReadOnly":true}]})"));
    ASSERT_FALSE(as_bool.has_value());
    EXPECT_EQ(as_bool.error().code, "InvalidResponse");
    EXPECT_FALSE(cloudtrail::ParseLookupEvents(MustParseReply(R"({"Events":[{"ReadOnly":"yes"}]})"))
                         .has_value());
    EXPECT_FALSE(cloudtrail::ParseLookupEvents(MustParseReply(R"({"Events":[1]})")).has_value());
}

TEST_F(OtherOpsTest, CloudTrailLookupAllEventsFollowsNextToken) {
    transport_->Reply(200, std::string(kLookupReply), kJson);
    transport_->Reply(200, R"({"Events":[{"EventId":"e3","EventName":"StartLogging"}]})", kJson);
    cloudtrail::LookupEventsRequest request;
    request.lookup_attributes = {
            {cloudtrail::LookupAttributeKey::kEventSource, "cloudtrail.amazonaws.com"}};
    auto out = cloudtrail::LookupAllEvents(client_, request, 5);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(transport_->sent().size(), 2u);
    EXPECT_EQ(MustParseJson(transport_->sent()[0].request.body).Find("NextToken"), nullptr);
    EXPECT_EQ(MustParseJson(transport_->sent()[1].request.body).Find("NextToken")->text, "page-2");
    ASSERT_EQ(out->events.size(), 3u);
    EXPECT_EQ(out->events[2].event_id, "e3");
    EXPECT_EQ(out->next_token, "");
    EXPECT_EQ(out->request_id, "rid");
}

TEST_F(OtherOpsTest, CloudTrailLookupAllEventsStopsAtThePageCapWithTheTokenToResume) {
    transport_->Reply(200, std::string(kLookupReply), kJson);
    auto out = cloudtrail::LookupAllEvents(client_, {}, 1);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(transport_->sent().size(), 1u);
    EXPECT_EQ(out->events.size(), 2u);
    EXPECT_EQ(out->next_token, "page-2");
}

TEST_F(OtherOpsTest, CloudTrailLookupAllEventsFailsWhenAPageFails) {
    transport_->Reply(200, std::string(kLookupReply), kJson);
    transport_->Reply(
            400, R"({"__type":"InvalidNextTokenException","message":"bad token"})", kJson);
    auto out = cloudtrail::LookupAllEvents(client_, {}, 5);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidNextTokenException");
    EXPECT_EQ(transport_->sent().size(), 2u);
}

TEST_F(OtherOpsTest, JsonErrorWithNamespacedTypeAndRequestId) {
    transport_->Reply(400,
                      R"({"__type":"com.amazonaws.cloudtrail.v20131101#TrailNotFoundException",)"
                      R"("message":"Unknown trail: trail1 for the user: 123456789012"})",
                      {{"Content-Type", "application/x-amz-json-1.1"},
                       {"x-amzn-RequestId", "9f2e1c1e-0000-4000-8000-000000000000"}});
    auto out = cloudtrail::GetTrailStatus(client_, {"trail1"});
    ASSERT_FALSE(out.has_value());
    const ApiError& error = out.error();
    EXPECT_EQ(error.code, "TrailNotFoundException");
    EXPECT_EQ(error.message, "Unknown trail: trail1 for the user: 123456789012");
    EXPECT_EQ(error.request_id, "9f2e1c1e-0000-4000-8000-000000000000");
    EXPECT_EQ(error.http_status, 400);
    EXPECT_EQ(error.operation, "cloudtrail:GetTrailStatus");
    EXPECT_FALSE(error.retryable);
    EXPECT_EQ(transport_->sent().size(), 1u);
}

TEST_F(OtherOpsTest, JsonAccessDeniedWithCapitalMessage) {
    transport_->Reply(
            400,
            R"({"__type":"AccessDeniedException","Message":"User: bob is not authorized"})",
            kJson);
    auto out = cloudtrail::StopLogging(client_, {"trail1"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "AccessDeniedException");
    EXPECT_EQ(out.error().message, "User: bob is not authorized");
    EXPECT_EQ(out.error().ToStatus().code(), StatusCode::kPermissionDenied);
}

// ======================================= IAM (query) =============================================

TEST_F(OtherOpsTest, IamIsGlobalSignedForUsEast1WhateverTheRegion) {
    AwsClient frankfurt = testing::MakeTestClient(transport_, "eu-central-1");
    transport_->Reply(200,
                      QueryReply("CreateUser",
                                 kIamNs,
                                 "<User><Path>/</Path><UserName>ir-bob</UserName><UserId>"
                                 "AIDAEXAMPLEID</UserId><Arn>arn:aws:iam::123456789012:user/ir-bob"
                                 "</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></User>"),
                      kXml);
    iam::CreateUserRequest request;
    request.user_name = "ir-bob";
    request.tags = {{"case", "IR-1"}};
    auto out = iam::CreateUser(frankfurt, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=CreateUser&Version=2010-05-08&UserName=ir-bob&Tags.member.1.Key=case&"
                "Tags.member.1.Value=IR-1",
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_EQ(out->user.path, "/");
    EXPECT_EQ(out->user.user_name, "ir-bob");
    EXPECT_EQ(out->user.user_id, "AIDAEXAMPLEID");
    EXPECT_EQ(out->user.arn, "arn:aws:iam::123456789012:user/ir-bob");
    EXPECT_EQ(out->user.create_date, At(kJan2024));
    EXPECT_EQ(out->request_id, "req-CreateUser");
}

TEST(IamEncode, CreateUserWithPathAndTwoTags) {
    iam::CreateUserRequest request;
    request.user_name = "u";
    request.path = "/ir/";
    request.tags = {{"a", "1"}, {"b", "2"}};
    EXPECT_EQ(iam::EncodeCreateUser(request).Encode(),
              "Path=%2Fir%2F&UserName=u&Tags.member.1.Key=a&Tags.member.1.Value=1&"
              "Tags.member.2.Key=b&Tags.member.2.Value=2");
}

TEST_F(OtherOpsTest, IamCreateAccessKeyParsesTheSecretAndToStringHidesIt) {
    const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    transport_->Reply(200,
                      QueryReply("CreateAccessKey",
                                 kIamNs,
                                 "<AccessKey><UserName>bob</UserName><AccessKeyId>"
                                 "AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Active</Status>"
                                 "<SecretAccessKey>" +
                                         secret +
                                         "</SecretAccessKey><CreateDate>2024-01-01T00:00:00Z"
                                         "</CreateDate></AccessKey>"),
                      kXml);
    auto out = iam::CreateAccessKey(client_, {"bob"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=CreateAccessKey&Version=2010-05-08&UserName=bob",
                "iam.amazonaws.com",
                "us-east-1/iam");
    const iam::AccessKey& key = out->access_key;
    EXPECT_EQ(key.user_name, "bob");
    EXPECT_EQ(key.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    EXPECT_EQ(key.secret_access_key, secret);
    EXPECT_EQ(key.status, "Active");
    EXPECT_EQ(key.create_date, At(kJan2024));
    EXPECT_EQ(key.ToString(), "AKIA************MPLE (user bob, Active)");
    EXPECT_EQ(key.ToString().find(secret), std::string::npos);
}

TEST_F(OtherOpsTest, IamCreateAccessKeyWithoutASecretIsInvalidResponse) {
    transport_->Reply(200,
                      QueryReply("CreateAccessKey",
                                 kIamNs,
                                 "<AccessKey><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
                                 "</AccessKey>"),
                      kXml);
    auto out = iam::CreateAccessKey(client_, {});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");
    EXPECT_EQ(out.error().operation, "iam:CreateAccessKey");
    // No UserName: the caller's own user.
    EXPECT_EQ(DecodeForm(Only().request.body),
              DecodeForm("Action=CreateAccessKey&Version=2010-05-08"));
}

TEST_F(OtherOpsTest, IamUpdateAccessKeyHasNoResultElement) {
    transport_->Reply(200, EmptyQueryReply("UpdateAccessKey", kIamNs), kXml);
    iam::UpdateAccessKeyRequest request;
    request.user_name = "bob";
    request.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    request.status = iam::AccessKeyStatus::kInactive;
    auto out = iam::UpdateAccessKey(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=UpdateAccessKey&Version=2010-05-08&UserName=bob&"
                "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Inactive",
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_EQ(out->request_id, "req-UpdateAccessKey");
    EXPECT_EQ(iam::AccessKeyStatusName(iam::AccessKeyStatus::kActive), "Active");
}

TEST_F(OtherOpsTest, IamListAccessKeys) {
    transport_->Reply(200,
                      QueryReply("ListAccessKeys",
                                 kIamNs,
                                 "<AccessKeyMetadata><member><UserName>bob</UserName><AccessKeyId>"
                                 "AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Active</Status>"
                                 "<CreateDate>2024-01-01T00:00:00Z</CreateDate></member>"
                                 "</AccessKeyMetadata><IsTruncated>false</IsTruncated>"),
                      kXml);
    auto out = iam::ListAccessKeys(client_, {"bob", "", std::nullopt});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=ListAccessKeys&Version=2010-05-08&UserName=bob",
                "iam.amazonaws.com",
                "us-east-1/iam");
    ASSERT_EQ(out->access_key_metadata.size(), 1u);
    EXPECT_EQ(out->access_key_metadata[0].user_name, "bob");
    EXPECT_EQ(out->access_key_metadata[0].access_key_id, "AKIAIOSFODNN7EXAMPLE");
    EXPECT_EQ(out->access_key_metadata[0].status, "Active");
    EXPECT_EQ(out->access_key_metadata[0].create_date, At(kJan2024));
    EXPECT_FALSE(out->is_truncated);
    EXPECT_EQ(out->marker, "");
}

TEST_F(OtherOpsTest, IamListAccessKeysNextPage) {
    transport_->Reply(200,
                      QueryReply("ListAccessKeys",
                                 kIamNs,
                                 "<AccessKeyMetadata/><IsTruncated>true</IsTruncated>"
                                 "<Marker>m2</Marker>"),
                      kXml);
    auto out = iam::ListAccessKeys(client_, {"bob", "m1", 10});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(DecodeForm(Only().request.body),
              DecodeForm("Action=ListAccessKeys&Version=2010-05-08&UserName=bob&Marker=m1&"
                         "MaxItems=10"));
    EXPECT_TRUE(out->access_key_metadata.empty());
    EXPECT_TRUE(out->is_truncated);
    EXPECT_EQ(out->marker, "m2");
}

TEST_F(OtherOpsTest, IamGetAccessKeyLastUsed) {
    transport_->Reply(200,
                      QueryReply("GetAccessKeyLastUsed",
                                 kIamNs,
                                 "<UserName>bob</UserName><AccessKeyLastUsed><Region>us-west-2<"
                                 "/Region><LastUsedDate>2024-01-01T00:00:00Z</LastUsedDate>"
                                 "<ServiceName>s3</ServiceName></AccessKeyLastUsed>"),
                      kXml);
    auto out = iam::GetAccessKeyLastUsed(client_, {"AKIAIOSFODNN7EXAMPLE"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=GetAccessKeyLastUsed&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE",
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_EQ(out->user_name, "bob");
    EXPECT_EQ(out->access_key_last_used.last_used_date, At(kJan2024));
    EXPECT_EQ(out->access_key_last_used.service_name, "s3");
    EXPECT_EQ(out->access_key_last_used.region, "us-west-2");
    EXPECT_FALSE(out->request_id.empty());
}

TEST_F(OtherOpsTest, IamGetAccessKeyLastUsedNeverUsedAndMissing) {
    transport_->Reply(200,
                      QueryReply("GetAccessKeyLastUsed",
                                 kIamNs,
                                 "<UserName>bob</UserName><AccessKeyLastUsed><Region>N/A</Region>"
                                 "<ServiceName>N/A</ServiceName></AccessKeyLastUsed>"),
                      kXml);
    transport_->Reply(200, QueryReply("GetAccessKeyLastUsed", kIamNs, ""), kXml);
    auto unused = iam::GetAccessKeyLastUsed(client_, {"AKIAIOSFODNN7EXAMPLE"});
    ASSERT_TRUE(unused.has_value()) << unused.error().ToString();
    EXPECT_EQ(unused->access_key_last_used.last_used_date, std::nullopt);
    EXPECT_EQ(unused->access_key_last_used.service_name, "N/A");
    EXPECT_EQ(unused->access_key_last_used.region, "N/A");
    auto missing = iam::GetAccessKeyLastUsed(client_, {"AKIAIOSFODNN7EXAMPLE"});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "InvalidResponse");
    EXPECT_EQ(missing.error().operation, "iam:GetAccessKeyLastUsed");
}

TEST_F(OtherOpsTest, IamDeleteLoginProfile) {
    transport_->Reply(200, EmptyQueryReply("DeleteLoginProfile", kIamNs), kXml);
    auto out = iam::DeleteLoginProfile(client_, {"bob"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=DeleteLoginProfile&Version=2010-05-08&UserName=bob",
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_EQ(out->request_id, "req-DeleteLoginProfile");
}

TEST_F(OtherOpsTest, IamAttachUserPolicyEncodesTheArn) {
    transport_->Reply(200, EmptyQueryReply("AttachUserPolicy", kIamNs), kXml);
    auto out = iam::AttachUserPolicy(client_, {"bob", "arn:aws:iam::aws:policy/AWSDenyAll"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=AttachUserPolicy&Version=2010-05-08&UserName=bob&"
                "PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAWSDenyAll",
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_EQ(Only().request.body,
              "Action=AttachUserPolicy&Version=2010-05-08&UserName=bob&"
              "PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAWSDenyAll");
}

TEST_F(OtherOpsTest, IamPutUserPolicyUrlEncodesTheDocument) {
    transport_->Reply(200, EmptyQueryReply("PutUserPolicy", kIamNs), kXml);
    const std::string document =
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})";
    auto out = iam::PutUserPolicy(client_, {"bob", "deny", document});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=PutUserPolicy&Version=2010-05-08&UserName=bob&PolicyName=deny&"
                "PolicyDocument=" +
                        UriEncode(document, false),
                "iam.amazonaws.com",
                "us-east-1/iam");
    EXPECT_NE(Only().request.body.find("PolicyDocument=%7B%22Version%22%3A%222012-10-17%22"),
              std::string::npos);
}

TEST_F(OtherOpsTest, IamListAttachedUserPolicies) {
    transport_->Reply(200,
                      QueryReply("ListAttachedUserPolicies",
                                 kIamNs,
                                 "<AttachedPolicies><member><PolicyName>AWSDenyAll</PolicyName>"
                                 "<PolicyArn>arn:aws:iam::aws:policy/AWSDenyAll</PolicyArn>"
                                 "</member><member><PolicyName>ReadOnlyAccess</PolicyName>"
                                 "<PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn>"
                                 "</member></AttachedPolicies><IsTruncated>true</IsTruncated>"
                                 "<Marker>next</Marker>"),
                      kXml);
    iam::ListAttachedUserPoliciesRequest request;
    request.user_name = "bob";
    auto out = iam::ListAttachedUserPolicies(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=ListAttachedUserPolicies&Version=2010-05-08&UserName=bob",
                "iam.amazonaws.com",
                "us-east-1/iam");
    ASSERT_EQ(out->attached_policies.size(), 2u);
    EXPECT_EQ(out->attached_policies[0].policy_name, "AWSDenyAll");
    EXPECT_EQ(out->attached_policies[0].policy_arn, "arn:aws:iam::aws:policy/AWSDenyAll");
    EXPECT_EQ(out->attached_policies[1].policy_name, "ReadOnlyAccess");
    EXPECT_TRUE(out->is_truncated);
    EXPECT_EQ(out->marker, "next");
}

TEST_F(OtherOpsTest, QueryErrorNoSuchEntity) {
    transport_->Reply(
            404,
            QueryError(kIamNs, "NoSuchEntity", "Login Profile for User bob cannot be found."),
            kXml);
    auto out = iam::DeleteLoginProfile(client_, {"bob"});
    ASSERT_FALSE(out.has_value());
    const ApiError& error = out.error();
    EXPECT_EQ(error.code, "NoSuchEntity");
    EXPECT_EQ(error.message, "Login Profile for User bob cannot be found.");
    EXPECT_EQ(error.request_id, "err-1");
    EXPECT_EQ(error.http_status, 404);
    EXPECT_EQ(error.operation, "iam:DeleteLoginProfile");
    EXPECT_FALSE(error.retryable);
    EXPECT_EQ(error.ToStatus().code(), StatusCode::kNotFound);
    EXPECT_EQ(transport_->sent().size(), 1u);
}

TEST_F(OtherOpsTest, QueryErrorAccessDenied) {
    transport_->Reply(403,
                      QueryError(kIamNs,
                                 "AccessDenied",
                                 "User: arn:aws:iam::123456789012:user/ir is not authorized to "
                                 "perform: iam:AttachUserPolicy on resource: user bob"),
                      kXml);
    auto out = iam::AttachUserPolicy(client_, {"bob", "arn:aws:iam::aws:policy/AWSDenyAll"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "AccessDenied");
    EXPECT_EQ(out.error().http_status, 403);
    EXPECT_NE(out.error().message.find("iam:AttachUserPolicy"), std::string::npos);
    EXPECT_EQ(out.error().ToStatus().code(), StatusCode::kPermissionDenied);
}

// ======================================= STS (query) =============================================

TEST_F(OtherOpsTest, StsAssumeRole) {
    transport_->Reply(
            200,
            QueryReply(
                    "AssumeRole", kStsNs, AssumeRoleInner("ASIAEXAMPLE", "2030-01-01T00:00:00Z")),
            kXml);
    sts::AssumeRoleRequest request;
    request.role_arn = "arn:aws:iam::123456789012:role/IR";
    request.role_session_name = "ir";
    request.duration_seconds = 900;
    request.tags = {{"k", "v"}};
    auto out = sts::AssumeRole(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3A"
                "role%2FIR&RoleSessionName=ir&DurationSeconds=900&Tags.member.1.Key=k&"
                "Tags.member.1.Value=v",
                "sts.us-east-1.amazonaws.com",
                "us-east-1/sts");
    EXPECT_EQ(out->credentials.access_key_id, "ASIAEXAMPLE");
    EXPECT_EQ(out->credentials.secret_access_key, "sessionsecret");
    EXPECT_EQ(out->credentials.session_token, "sessiontoken");
    EXPECT_EQ(out->credentials.expiration, ParseIsoTime("2030-01-01T00:00:00Z"));
    EXPECT_EQ(out->assumed_role_user.arn, "arn:aws:sts::123456789012:assumed-role/IR/ir");
    EXPECT_EQ(out->assumed_role_user.assumed_role_id, "AROAEXAMPLEID:ir");
    EXPECT_EQ(out->packed_policy_size, 6);
    EXPECT_EQ(out->request_id, "req-AssumeRole");
}

TEST_F(OtherOpsTest, StsAssumeRoleWithExternalIdInAnotherRegion) {
    AwsClient ireland = testing::MakeTestClient(transport_, "eu-west-1");
    transport_->Reply(
            200,
            QueryReply(
                    "AssumeRole", kStsNs, AssumeRoleInner("ASIAEXAMPLE", "2030-01-01T00:00:00Z")),
            kXml);
    sts::AssumeRoleRequest request;
    request.role_arn = "arn:aws:iam::123456789012:role/IR";
    request.role_session_name = "ir";
    request.external_id = "ext-1";
    auto out = sts::AssumeRole(ireland, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3A"
                "role%2FIR&RoleSessionName=ir&ExternalId=ext-1",
                "sts.eu-west-1.amazonaws.com",
                "eu-west-1/sts");
}

TEST_F(OtherOpsTest, StsAssumeRoleWithoutCredentialsIsInvalidResponse) {
    transport_->Reply(
            200,
            QueryReply("AssumeRole", kStsNs, "<AssumedRoleUser><Arn>a</Arn></AssumedRoleUser>"),
            kXml);
    auto out = sts::AssumeRole(client_, {"arn:aws:iam::1:role/x", "s", std::nullopt, "", {}});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");

    transport_->Reply(
            200, QueryReply("AssumeRole", kStsNs, AssumeRoleInner("ASIAEXAMPLE", "soon")), kXml);
    auto bad_time = sts::AssumeRole(client_, {"arn:aws:iam::1:role/x", "s", std::nullopt, "", {}});
    ASSERT_FALSE(bad_time.has_value());
    EXPECT_NE(bad_time.error().message.find("Expiration"), std::string::npos);
    // Messages never carry the secret or the token.
    EXPECT_EQ(bad_time.error().ToString().find("sessionsecret"), std::string::npos);
    EXPECT_EQ(bad_time.error().ToString().find("sessiontoken"), std::string::npos);
}

TEST_F(OtherOpsTest, StsGetCallerIdentity) {
    transport_->Reply(200,
                      QueryReply("GetCallerIdentity",
                                 kStsNs,
                                 "<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>"
                                 "AIDAEXAMPLEID</UserId><Account>123456789012</Account>"),
                      kXml);
    auto out = sts::GetCallerIdentity(client_);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(Only(),
                "Action=GetCallerIdentity&Version=2011-06-15",
                "sts.us-east-1.amazonaws.com",
                "us-east-1/sts");
    EXPECT_EQ(Only().request.body, "Action=GetCallerIdentity&Version=2011-06-15");
    EXPECT_EQ(out->arn, "arn:aws:iam::123456789012:user/alice");
    EXPECT_EQ(out->user_id, "AIDAEXAMPLEID");
    EXPECT_EQ(out->account, "123456789012");
}

TEST_F(OtherOpsTest, StsExpiredToken) {
    transport_->Reply(400,
                      QueryError(kStsNs,
                                 "ExpiredTokenException",
                                 "The security token included in the request is expired"),
                      kXml);
    auto out = sts::GetCallerIdentity(client_);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "ExpiredTokenException");
    EXPECT_EQ(out.error().operation, "sts:GetCallerIdentity");
    EXPECT_FALSE(out.error().retryable);
}

// ============================== AssumeRoleProvider session cache =================================

TEST_F(OtherOpsTest, AssumeRoleProviderCachesAndRefreshesWithinTheMargin) {
    const TimePoint expiry = *ParseIsoTime("2030-01-01T00:00:00Z");
    transport_->Reply(
            200,
            QueryReply("AssumeRole", kStsNs, AssumeRoleInner("ASIAFIRST", "2030-01-01T00:00:00Z")),
            kXml);
    transport_->Reply(
            200,
            QueryReply("AssumeRole", kStsNs, AssumeRoleInner("ASIASECOND", "2030-01-01T01:00:00Z")),
            kXml);
    AssumeRoleParams params;
    params.role_arn = "arn:aws:iam::111122223333:role/IR";
    params.session_name = "ir";
    params.duration = std::chrono::seconds(900);
    params.refresh_margin = std::chrono::seconds(300);
    auto source = MakeStaticProvider({"AKIDSOURCE", "sourcesecret", "", std::nullopt}, "source");
    auto provider = std::make_shared<AssumeRoleProvider>(client_, source, params);
    TimePoint now = expiry - std::chrono::hours(1);
    provider->SetClockForTesting([&now] { return now; });

    auto first = provider->Resolve();
    auto second = provider->Resolve();
    ASSERT_TRUE(first.has_value()) << first.error().ToString();
    ASSERT_TRUE(second.has_value()) << second.error().ToString();
    EXPECT_EQ(first->access_key_id, "ASIAFIRST");
    EXPECT_EQ(second->access_key_id, "ASIAFIRST");
    EXPECT_EQ(first->session_token, "sessiontoken");
    EXPECT_EQ(first->expiration, expiry);
    EXPECT_EQ(provider->assume_count(), 1);
    ExpectQuery(Only(),
                "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3A"
                "role%2FIR&RoleSessionName=ir&DurationSeconds=900",
                "sts.us-east-1.amazonaws.com",
                "us-east-1/sts");
    // The call is signed with the source credentials.
    EXPECT_EQ(ParseAuthorizationHeader(*Only().request.Header("Authorization"))->access_key_id,
              "AKIDSOURCE");

    now = expiry - std::chrono::seconds(301);  // still outside the margin
    ASSERT_TRUE(provider->Resolve().has_value());
    EXPECT_EQ(transport_->sent().size(), 1u);

    now = expiry - std::chrono::seconds(299);  // inside it: refresh
    auto refreshed = provider->Resolve();
    ASSERT_TRUE(refreshed.has_value()) << refreshed.error().ToString();
    EXPECT_EQ(refreshed->access_key_id, "ASIASECOND");
    EXPECT_EQ(provider->assume_count(), 2);
    EXPECT_EQ(transport_->sent().size(), 2u);

    // A client on the provider signs with the session and sends its token.
    transport_->Reply(200,
                      QueryReply("GetCallerIdentity",
                                 kStsNs,
                                 "<Arn>arn:aws:sts::111122223333:assumed-role/IR/ir</Arn><UserId>"
                                 "AROAEXAMPLEID:ir</UserId><Account>111122223333</Account>"),
                      kXml);
    auto who = sts::GetCallerIdentity(client_.WithCredentials(provider));
    ASSERT_TRUE(who.has_value()) << who.error().ToString();
    EXPECT_EQ(who->account, "111122223333");
    const HttpRequest& call = transport_->sent().back().request;
    EXPECT_EQ(HeaderOf(call, "X-Amz-Security-Token"), "sessiontoken");
    EXPECT_EQ(ParseAuthorizationHeader(*call.Header("Authorization"))->access_key_id, "ASIASECOND");
    EXPECT_EQ(provider->assume_count(), 2);
}

TEST_F(OtherOpsTest, AssumeRoleProviderRefusesASessionWithoutExpiration) {
    // The provider reads the reply with sts::ParseAssumeRole: no Expiration, no session.
    std::string inner = AssumeRoleInner("ASIANOEXPIRY", "");
    transport_->Reply(200, QueryReply("AssumeRole", kStsNs, inner), kXml);
    transport_->Reply(200, QueryReply("AssumeRole", kStsNs, inner), kXml);
    AssumeRoleParams params;
    params.role_arn = "arn:aws:iam::111122223333:role/IR";
    auto source = MakeStaticProvider({"AKIDSOURCE", "sourcesecret", "", std::nullopt}, "source");
    AssumeRoleProvider provider(client_, source, params);
    auto first = provider.Resolve();
    ASSERT_FALSE(first.has_value());
    EXPECT_EQ(first.error().code, "InvalidResponse");
    EXPECT_EQ(first.error().operation, "sts:AssumeRole");
    EXPECT_NE(first.error().message.find("Expiration"), std::string::npos);
    EXPECT_NE(first.error().message.find(params.role_arn), std::string::npos);
    EXPECT_EQ(first.error().ToString().find("sessionsecret"), std::string::npos);
    EXPECT_FALSE(provider.Resolve().has_value());  // nothing was cached
    EXPECT_EQ(provider.assume_count(), 2);
}

// ======================================= SSM (JSON 1.1) ==========================================

TEST_F(OtherOpsTest, SsmSendCommand) {
    transport_->Reply(200,
                      R"({"Command":{"CommandId":"c0ffee00-0000-4000-8000-000000000001",)"
                      R"("DocumentName":"AWS-RunShellScript","InstanceIds":["i-0abc"],)"
                      R"("Parameters":{"commands":["uname -a"]},"RequestedDateTime":1704067200.0,)"
                      R"("Status":"Pending","StatusDetails":"Pending","TargetCount":1}})",
                      kJson);
    ssm::SendCommandRequest request;
    request.instance_ids = {"i-0abc"};
    request.document_name = "AWS-RunShellScript";
    request.parameters = {{"commands", {"uname -a"}}};
    auto out = ssm::SendCommand(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               "AmazonSSM.SendCommand",
               R"({"InstanceIds":["i-0abc"],"DocumentName":"AWS-RunShellScript",)"
               R"("Parameters":{"commands":["uname -a"]}})",
               "ssm.us-east-1.amazonaws.com",
               "us-east-1/ssm");
    const ssm::Command& command = out->command;
    EXPECT_EQ(command.command_id, "c0ffee00-0000-4000-8000-000000000001");
    EXPECT_EQ(command.document_name, "AWS-RunShellScript");
    EXPECT_EQ(command.instance_ids, (std::vector<std::string>{"i-0abc"}));
    EXPECT_EQ(command.parameters.at("commands"), (std::vector<std::string>{"uname -a"}));
    EXPECT_EQ(command.requested_date_time, At(kJan2024));
    EXPECT_EQ(command.status, "Pending");
    EXPECT_EQ(command.status_details, "Pending");
    EXPECT_EQ(command.target_count, 1);
    EXPECT_EQ(out->request_id, "rid");
}

TEST_F(OtherOpsTest, SsmListCommands) {
    transport_->Reply(200,
                      R"({"Commands":[{"CommandId":"c0ffee00-0000-4000-8000-000000000001",)"
                      R"("DocumentName":"AWS-RunShellScript","Comment":"[firebreak:k1]",)"
                      R"("InstanceIds":["i-0abc"],"Parameters":{"commands":["uname -a"]},)"
                      R"("RequestedDateTime":1704067200.0,"Status":"Success"}],)"
                      R"("NextToken":"t2"})",
                      kJson);
    ssm::ListCommandsRequest request;
    request.instance_id = "i-0abc";
    request.max_results = 10;
    request.next_token = "t1";
    request.filters = {{"DocumentName", "AWS-RunShellScript"}};
    auto out = ssm::ListCommands(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectJson(Only(),
               "AmazonSSM.ListCommands",
               R"({"InstanceId":"i-0abc","MaxResults":10,"NextToken":"t1",)"
               R"("Filters":[{"key":"DocumentName","value":"AWS-RunShellScript"}]})",
               "ssm.us-east-1.amazonaws.com",
               "us-east-1/ssm");
    ASSERT_EQ(out->commands.size(), 1u);
    const ssm::Command& command = out->commands[0];
    EXPECT_EQ(command.command_id, "c0ffee00-0000-4000-8000-000000000001");
    EXPECT_EQ(command.document_name, "AWS-RunShellScript");
    EXPECT_EQ(command.comment, "[firebreak:k1]");
    EXPECT_EQ(command.instance_ids, (std::vector<std::string>{"i-0abc"}));
    EXPECT_EQ(command.parameters.at("commands"), (std::vector<std::string>{"uname -a"}));
    EXPECT_EQ(command.requested_date_time, At(kJan2024));
    EXPECT_EQ(command.status, "Success");
    EXPECT_EQ(out->next_token, "t2");
    EXPECT_EQ(out->request_id, "rid");

    EXPECT_EQ(ssm::EncodeListCommandsJson({}), "{}");
    EXPECT_EQ(ssm::EncodeListCommandsJson({"c-1", "", std::nullopt, "", {}}),
              R"({"CommandId":"c-1"})");
    EXPECT_FALSE(ssm::ParseListCommands(MustParseReply("{}")).has_value());
    EXPECT_FALSE(ssm::ParseListCommands(MustParseReply(R"({"Commands":[{}]})")).has_value());
    EXPECT_FALSE(ssm::ParseListCommands(MustParseReply(R"({"Commands":[1]})")).has_value());
    auto empty = ssm::ParseListCommands(MustParseReply(R"({"Commands":[]})"));
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->commands.empty());
    EXPECT_EQ(empty->next_token, "");
}

TEST(SsmEncode, CommentTimeoutAndSeveralParameters) {
    ssm::SendCommandRequest request;
    request.instance_ids = {"i-1", "i-2"};
    request.document_name = "AWS-RunShellScript";
    request.parameters = {{"commands", {"echo \"a\"", "id"}}, {"workingDirectory", {"/tmp"}}};
    request.comment = "IR-1 triage";
    request.timeout_seconds = 600;
    EXPECT_EQ(CanonicalJson(ssm::EncodeSendCommandJson(request)),
              CanonicalJson(R"({"InstanceIds":["i-1","i-2"],"DocumentName":"AWS-RunShellScript",)"
                            R"("TimeoutSeconds":600,"Comment":"IR-1 triage","Parameters":)"
                            R"({"commands":["echo \"a\"","id"],"workingDirectory":["/tmp"]}})"));
}

TEST(SsmParse, MalformedCommandsAreInvalidResponse) {
    EXPECT_FALSE(ssm::ParseSendCommand(MustParseReply("{}")).has_value());
    EXPECT_FALSE(ssm::ParseSendCommand(MustParseReply(R"({"Command":{}})")).has_value());
    EXPECT_FALSE(ssm::ParseSendCommand(
                         MustParseReply(R"({"Command":{"CommandId":"c","TargetCount":1.5}})"))
                         .has_value());
    EXPECT_FALSE(ssm::ParseSendCommand(
                         MustParseReply(R"({"Command":{"CommandId":"c","InstanceIds":[1]}})"))
                         .has_value());
    auto bad = ssm::ParseSendCommand(MustParseReply(R"({"Command":{}})"));
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().request_id, "rid");
    auto ok = ssm::ParseSendCommand(MustParseReply(R"({"Command":{"CommandId":"c"}})"));
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->command.command_id, "c");
    EXPECT_EQ(ok->request_id, "rid");
}

TEST_F(OtherOpsTest, SsmErrorIsParsedFromTheJsonBody) {
    transport_->Reply(400,
                      R"({"__type":"InvalidInstanceId","Message":"Instances [[i-0abc]] not in a )"
                      R"(valid state for account 123456789012"})",
                      kJson);
    auto out = ssm::SendCommand(client_, {{"i-0abc"}, "AWS-RunShellScript", {}, "", std::nullopt});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidInstanceId");
    EXPECT_EQ(out.error().operation, "ssm:SendCommand");
    EXPECT_EQ(out.error().request_id, "rid");
}

// ======================================= SNS (query) =============================================

TEST_F(OtherOpsTest, SnsPublishWithMessageAttributes) {
    transport_->Reply(200,
                      QueryReply("Publish",
                                 kSnsNs,
                                 "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId>"),
                      kXml);
    sns::PublishRequest request;
    request.topic_arn = "arn:aws:sns:us-east-1:123456789012:ir-alerts";
    request.subject = "alert";
    request.message = "hi";
    request.message_attributes = {{"sev", {"String", "high"}}};
    auto out = sns::Publish(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ExpectQuery(
            Only(),
            "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A"
            "123456789012%3Air-alerts&Subject=alert&Message=hi&"
            "MessageAttributes.entry.1.Name=sev&MessageAttributes.entry.1.Value.DataType=String&"
            "MessageAttributes.entry.1.Value.StringValue=high",
            "sns.us-east-1.amazonaws.com",
            "us-east-1/sns");
    EXPECT_EQ(out->message_id, "94f20ce6-13c5-43a0-9a9e-ca52d816e90b");
    EXPECT_EQ(out->request_id, "req-Publish");
}

TEST_F(OtherOpsTest, SnsTopicNotFound) {
    transport_->Reply(404, QueryError(kSnsNs, "NotFound", "Topic does not exist"), kXml);
    auto out = sns::Publish(client_, {"arn:aws:sns:us-east-1:123456789012:gone", "hi", "", {}});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "NotFound");
    EXPECT_EQ(out.error().operation, "sns:Publish");
    // No subject, no attributes: only what was given is sent.
    EXPECT_EQ(DecodeForm(Only().request.body),
              DecodeForm("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A"
                         "123456789012%3Agone&Message=hi"));
}

TEST(SnsParse, ReplyWithoutMessageIdIsInvalidResponse) {
    XmlReply reply;
    reply.doc = std::make_shared<pugi::xml_document>();
    reply.result = reply.doc->append_child("PublishResult");
    auto out = sns::ParsePublish(reply);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");
}

// ========================================= S3 (REST-XML) =========================================

TEST(S3Addressing, VirtualHostableNamesAndPaths) {
    EXPECT_TRUE(s3::IsVirtualHostableBucket("evidence-vault"));
    EXPECT_TRUE(s3::IsVirtualHostableBucket("abc"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket("ab"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket("logs.example.com"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket("Logs"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket("my_bucket"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket("-abc"));
    EXPECT_FALSE(s3::IsVirtualHostableBucket(std::string(64, 'a')));

    using s3::Addressing;
    EXPECT_EQ(s3::RequestPath("b", "a b/c+d/é", Addressing::kVirtualHosted), "/a%20b/c%2Bd/%C3%A9");
    EXPECT_EQ(s3::RequestPath("b.c", "k/", Addressing::kPathStyle), "/b.c/k/");
    EXPECT_EQ(s3::RequestPath("b", "", Addressing::kPathStyle), "/b");
    EXPECT_EQ(s3::RequestPath("b", "", Addressing::kVirtualHosted), "/");
    EXPECT_EQ(s3::MakeSendOptions("b", Addressing::kVirtualHosted).host_prefix, "b.");
    EXPECT_EQ(s3::MakeSendOptions("b", Addressing::kPathStyle).host_prefix, "");
    EXPECT_TRUE(s3::MakeSendOptions("b", Addressing::kPathStyle).s3);
}

TEST(S3HttpDate, ParsesRfc1123) {
    EXPECT_EQ(s3::ParseHttpDate("Mon, 01 Jan 2024 00:00:00 GMT"), At(kJan2024));
    EXPECT_EQ(s3::ParseHttpDate("Wed, 12 Oct 2009 17:50:00 GMT"), At(1255369800));
    EXPECT_FALSE(s3::ParseHttpDate("2024-01-01T00:00:00Z").has_value());
    EXPECT_FALSE(s3::ParseHttpDate("Mon, 01 Foo 2024 00:00:00 GMT").has_value());
    EXPECT_FALSE(s3::ParseHttpDate("Mon, 01 Jan 2024 00:00:00 PST").has_value());
}

s3::PutObjectRequest EvidenceObject() {
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "cases/IR-1/mem dump.lime";
    request.body = "hello";
    request.content_type = "application/octet-stream";
    request.metadata = {{"case", "IR-1"}, {"sha256", Sha256Hex("hello")}};
    request.object_lock_mode = s3::ObjectLockMode::kGovernance;
    request.object_lock_retain_until = *ParseIsoTime("2030-01-01T00:00:00Z");
    request.legal_hold = s3::LegalHold::kOn;
    return request;
}

TEST_F(OtherOpsTest, S3PutObjectVirtualHostedWithObjectLock) {
    transport_->Reply(200,
                      "",
                      {{"ETag", "\"5d41402abc4b2a76b9719d911017c592\""},
                       {"x-amz-version-id", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"},
                       {"x-amz-request-id", "s3-req-1"}});
    auto out = s3::PutObject(client_, EvidenceObject());
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.path, "/cases/IR-1/mem%20dump.lime");
    EXPECT_EQ(sent.query, "");
    EXPECT_EQ(Only().endpoint.host, "evidence-vault.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(HeaderOf(sent, "Host"), "evidence-vault.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(Scope(sent), "us-east-1/s3");
    EXPECT_EQ(sent.body, "hello");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"),
              "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    EXPECT_EQ(HeaderOf(sent, "Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==");
    EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/octet-stream");
    EXPECT_EQ(HeaderOf(sent, "x-amz-object-lock-mode"), "GOVERNANCE");
    EXPECT_EQ(HeaderOf(sent, "x-amz-object-lock-retain-until-date"), "2030-01-01T00:00:00Z");
    EXPECT_EQ(HeaderOf(sent, "x-amz-object-lock-legal-hold"), "ON");
    EXPECT_EQ(HeaderOf(sent, "x-amz-meta-case"), "IR-1");
    EXPECT_EQ(HeaderOf(sent, "x-amz-meta-sha256"), Sha256Hex("hello"));
    EXPECT_EQ(SignedHeaders(sent),
              "content-md5;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-case;"
              "x-amz-meta-sha256;x-amz-object-lock-legal-hold;x-amz-object-lock-mode;"
              "x-amz-object-lock-retain-until-date");
    EXPECT_EQ(out->etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    EXPECT_EQ(out->version_id, "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY");
    EXPECT_EQ(out->request_id, "s3-req-1");
}

TEST_F(OtherOpsTest, S3PathStyleWithAnEndpointOverride) {
    AwsClient sandbox = MakeClientWithS3Endpoint(transport_);
    transport_->Reply(200, "", {{"ETag", "\"e\""}});
    auto out = s3::PutObject(sandbox, EvidenceObject());
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const FakeTransport::Sent& sent = Only();
    EXPECT_EQ(sent.request.path, "/evidence-vault/cases/IR-1/mem%20dump.lime");
    EXPECT_EQ(sent.endpoint.scheme, "http");
    EXPECT_EQ(sent.endpoint.host, "127.0.0.1");
    EXPECT_EQ(sent.endpoint.port, 9000);
    EXPECT_EQ(HeaderOf(sent.request, "Host"), "127.0.0.1:9000");
    EXPECT_EQ(Scope(sent.request), "us-east-1/s3");
}

TEST_F(OtherOpsTest, S3PathStyleForADottedBucket) {
    transport_->Reply(200, "", {});
    s3::PutObjectRequest request;
    request.bucket = "logs.example.com";
    request.key = "k";
    auto out = s3::PutObject(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(Only().request.path, "/logs.example.com/k");
    EXPECT_EQ(Only().endpoint.host, "s3.us-east-1.amazonaws.com");
    // No content type given: S3's default, not curl's form type.
    EXPECT_EQ(HeaderOf(Only().request, "Content-Type"), "binary/octet-stream");
    EXPECT_EQ(HeaderOf(Only().request, "Content-MD5"), Base64Encode(Md5("")));
    EXPECT_EQ(HeaderOf(Only().request, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(Only().request.Header("x-amz-object-lock-mode"), nullptr);
}

TEST_F(OtherOpsTest, S3MetadataNamesThatPrefixEachOtherAreSignedInOrder) {
    // curl 7.88 orders these wrongly (notes 4.1); our signer sorts by name.
    transport_->Reply(200, "", {});
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "k";
    request.metadata = {{"test", "1"}, {"test-two", "2"}};
    ASSERT_TRUE(s3::PutObject(client_, request).has_value());
    const HttpRequest& sent = Only().request;
    EXPECT_NE(SignedHeaders(sent).find("x-amz-meta-test;x-amz-meta-test-two"), std::string::npos);
    auto auth = ParseAuthorizationHeader(*sent.Header("Authorization"));
    ASSERT_TRUE(auth.has_value());
    EXPECT_TRUE(VerifySignature(sent,
                                *auth,
                                *sent.Header("X-Amz-Date"),
                                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
                        .match);
}

TEST_F(OtherOpsTest, S3PutObjectRefusesBadInputBeforeSending) {
    s3::PutObjectRequest mode_only = EvidenceObject();
    mode_only.object_lock_retain_until.reset();
    auto out = s3::PutObject(client_, mode_only);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidArgument");
    EXPECT_EQ(out.error().operation, "s3:PutObject");

    s3::PutObjectRequest injected = EvidenceObject();
    injected.metadata["note"] = "x\r\nx-amz-acl: public-read";
    EXPECT_FALSE(s3::PutObject(client_, injected).has_value());

    s3::PutObjectRequest bad_name = EvidenceObject();
    bad_name.metadata["a b"] = "v";
    EXPECT_FALSE(s3::PutObject(client_, bad_name).has_value());

    s3::PutObjectRequest collide = EvidenceObject();
    collide.metadata["Case"] = "v";
    EXPECT_FALSE(s3::PutObject(client_, collide).has_value());

    s3::PutObjectRequest no_key = EvidenceObject();
    no_key.key.clear();
    EXPECT_FALSE(s3::PutObject(client_, no_key).has_value());
    EXPECT_FALSE(s3::GetObject(client_, {"a/b", "k", ""}).has_value());
    EXPECT_TRUE(transport_->sent().empty());
}

TEST_F(OtherOpsTest, S3GetObjectReadsHeadersMetadataAndBody) {
    transport_->Reply(200,
                      "evidence bytes",
                      {{"ETag", "\"abc\""},
                       {"Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"},
                       {"Content-Length", "14"},
                       {"Content-Type", "application/octet-stream"},
                       {"x-amz-object-lock-mode", "COMPLIANCE"},
                       {"x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00.000Z"},
                       {"x-amz-object-lock-legal-hold", "OFF"},
                       {"x-amz-version-id", "v1"},
                       {"x-amz-request-id", "s3-req-2"},
                       {"x-amz-meta-Signature", "c2ln"},
                       {"X-Amz-Meta-signing-key-fingerprint", "fp"}});
    auto out = s3::GetObject(client_, {"evidence-vault", "digests/2024/01.json", "v1"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "GET");
    EXPECT_EQ(sent.path, "/digests/2024/01.json");
    EXPECT_EQ(sent.query, "versionId=v1");
    EXPECT_EQ(sent.body, "");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(Only().endpoint.host, "evidence-vault.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(Scope(sent), "us-east-1/s3");

    EXPECT_EQ(out->body, "evidence bytes");
    EXPECT_EQ(out->etag, "\"abc\"");
    EXPECT_EQ(out->last_modified, At(kJan2024));
    EXPECT_EQ(out->content_type, "application/octet-stream");
    EXPECT_EQ(out->object_lock_mode, s3::ObjectLockMode::kCompliance);
    EXPECT_EQ(out->object_lock_retain_until, ParseIsoTime("2030-01-01T00:00:00Z"));
    EXPECT_EQ(out->legal_hold, s3::LegalHold::kOff);
    EXPECT_EQ(out->version_id, "v1");
    EXPECT_EQ(out->request_id, "s3-req-2");
    EXPECT_EQ(out->metadata,
              (std::map<std::string, std::string>{{"signature", "c2ln"},
                                                  {"signing-key-fingerprint", "fp"}}));
}

TEST(S3Parse, GetObjectRefusesUnknownLockValues) {
    HttpResponse response;
    response.status = 200;
    response.headers = {{"x-amz-object-lock-mode", "FOREVER"}};
    EXPECT_FALSE(s3::ParseGetObject(response).has_value());
    response.headers = {{"x-amz-object-lock-retain-until-date", "tomorrow"}};
    EXPECT_FALSE(s3::ParseGetObject(response).has_value());
    response.headers = {{"x-amz-object-lock-legal-hold", "MAYBE"}};
    EXPECT_FALSE(s3::ParseGetObject(response).has_value());
    response.headers = {};
    auto plain = s3::ParseGetObject(response);
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(plain->object_lock_mode.has_value());
    EXPECT_FALSE(plain->legal_hold.has_value());
}

TEST_F(OtherOpsTest, S3NoSuchKeyError) {
    transport_->Reply(404,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
                      "<Message>The specified key does not exist.</Message><Key>missing</Key>"
                      "<RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>",
                      {{"Content-Type", "application/xml"},
                       {"x-amz-request-id", "4442587FB7D0A2F9"},
                       {"x-amz-id-2", "host-id"}});
    auto out = s3::GetObject(client_, {"evidence-vault", "missing", ""});
    ASSERT_FALSE(out.has_value());
    const ApiError& error = out.error();
    EXPECT_EQ(error.code, "NoSuchKey");
    EXPECT_EQ(error.message, "The specified key does not exist.");
    EXPECT_EQ(error.request_id, "4442587FB7D0A2F9");
    EXPECT_EQ(error.http_status, 404);
    EXPECT_EQ(error.operation, "s3:GetObject");
    EXPECT_FALSE(error.retryable);
    EXPECT_EQ(error.ToStatus().code(), StatusCode::kNotFound);
}

TEST_F(OtherOpsTest, S3RetriesA503ThenSucceeds) {
    transport_->Reply(503,
                      "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                      "</Message><RequestId>r1</RequestId></Error>",
                      {{"x-amz-request-id", "r1"}});
    transport_->Reply(200, "body", {{"ETag", "\"e\""}});
    auto out = s3::GetObject(client_, {"evidence-vault", "k", ""});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->body, "body");
    ASSERT_EQ(transport_->sent().size(), 2u);
    EXPECT_EQ(AwsClient::LastCallStats().attempts, 2);
    // Both attempts are the same request, each freshly signed.
    EXPECT_EQ(transport_->sent()[0].request.path, transport_->sent()[1].request.path);
    EXPECT_NE(transport_->sent()[1].request.Header("Authorization"), nullptr);
}

TEST_F(OtherOpsTest, S3ListObjectsV2) {
    transport_->Reply(
            200,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult "
            "xmlns=\"http://s3.amazonaws"
            ".com/doc/2006-03-01/\"><Name>ct-logs</Name><Prefix>AWSLogs%2F</Prefix><KeyCount>2"
            "</KeyCount><MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true"
            "</IsTruncated><Contents><Key>AWSLogs%2F123%2Fa+b%2Bc.json.gz</Key><LastModified>"
            "2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328"
            "&quot;</ETag><Size>1024</Size><StorageClass>STANDARD</StorageClass></Contents>"
            "<Contents><Key>AWSLogs%2F123%2Fd.json.gz</Key><LastModified>2024-01-01T00:01:00.000Z"
            "</LastModified><ETag>&quot;e&quot;</ETag><Size>0</Size><StorageClass>STANDARD"
            "</StorageClass></Contents><CommonPrefixes><Prefix>AWSLogs%2F123%2Fsub%2F</Prefix>"
            "</CommonPrefixes><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
            "</NextContinuationToken></ListBucketResult>",
            {{"x-amz-request-id", "s3-req-3"}});
    s3::ListObjectsV2Request request;
    request.bucket = "ct-logs";
    request.prefix = "AWSLogs/";
    request.delimiter = "/";
    request.continuation_token = "tok+1/=";
    request.max_keys = 2;
    request.start_after = "AWSLogs/0";
    auto out = s3::ListObjectsV2(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "GET");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query,
              "continuation-token=tok%2B1%2F%3D&delimiter=%2F&encoding-type=url&list-type=2&"
              "max-keys=2&prefix=AWSLogs%2F&start-after=AWSLogs%2F0");
    EXPECT_EQ(Only().endpoint.host, "ct-logs.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(Scope(sent), "us-east-1/s3");

    ASSERT_EQ(out->contents.size(), 2u);
    EXPECT_EQ(out->contents[0].key, "AWSLogs/123/a b+c.json.gz");
    EXPECT_EQ(out->contents[0].size, 1024);
    EXPECT_EQ(out->contents[0].etag, "\"9b2cf535f27731c974343645a3985328\"");
    EXPECT_EQ(out->contents[0].last_modified, At(kJan2024));
    EXPECT_EQ(out->contents[0].storage_class, "STANDARD");
    EXPECT_EQ(out->contents[1].key, "AWSLogs/123/d.json.gz");
    EXPECT_EQ(out->common_prefixes, (std::vector<std::string>{"AWSLogs/123/sub/"}));
    EXPECT_TRUE(out->is_truncated);
    EXPECT_EQ(out->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    EXPECT_EQ(out->key_count, 2);
    EXPECT_EQ(out->request_id, "s3-req-3");
}

TEST(S3Parse, ListObjectsV2WithoutEncodingTypeKeepsKeysAsTheyAre) {
    HttpResponse response;
    response.status = 200;
    response.body =
            "<ListBucketResult><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated><Contents>"
            "<Key>a+b%2B</Key><Size>1</Size></Contents></ListBucketResult>";
    auto out = s3::ParseListObjectsV2(response);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->contents.at(0).key, "a+b%2B");
    EXPECT_FALSE(out->is_truncated);

    response.body = "<Other/>";
    EXPECT_FALSE(s3::ParseListObjectsV2(response).has_value());
    response.body = "not xml <";
    EXPECT_FALSE(s3::ParseListObjectsV2(response).has_value());
}

TEST_F(OtherOpsTest, S3ListObjectsV2MinimalRequestPathStyle) {
    AwsClient sandbox = MakeClientWithS3Endpoint(transport_);
    transport_->Reply(200, "<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>", {});
    s3::ListObjectsV2Request request;
    request.bucket = "ct-logs";
    auto out = s3::ListObjectsV2(sandbox, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(Only().request.path, "/ct-logs");
    EXPECT_EQ(Only().request.query, "encoding-type=url&list-type=2");
    EXPECT_TRUE(out->contents.empty());
}

constexpr std::string_view kPublicAccessBlockBody =
        "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
        "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true"
        "</RestrictPublicBuckets></PublicAccessBlockConfiguration>";

TEST_F(OtherOpsTest, S3PutPublicAccessBlock) {
    transport_->Reply(200, "", {{"x-amz-request-id", "s3-req-4"}});
    auto out = s3::PutPublicAccessBlock(client_, {"leaky-bucket", true, true, true, true});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query, "publicAccessBlock=");
    EXPECT_EQ(sent.body, kPublicAccessBlockBody);
    EXPECT_EQ(HeaderOf(sent, "Content-MD5"), Base64Encode(Md5(kPublicAccessBlockBody)));
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), Sha256Hex(kPublicAccessBlockBody));
    EXPECT_EQ(Only().endpoint.host, "leaky-bucket.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(Scope(sent), "us-east-1/s3");
    EXPECT_EQ(out->request_id, "s3-req-4");
}

TEST_F(OtherOpsTest, S3PutPublicAccessBlockPathStyleWithFalseValues) {
    AwsClient sandbox = MakeClientWithS3Endpoint(transport_);
    transport_->Reply(200, "", {});
    auto out = s3::PutPublicAccessBlock(sandbox, {"leaky-bucket", true, false, true, false});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(Only().request.path, "/leaky-bucket");
    EXPECT_EQ(Only().request.query, "publicAccessBlock=");
    EXPECT_NE(Only().request.body.find("<IgnorePublicAcls>false</IgnorePublicAcls>"),
              std::string::npos);
    EXPECT_NE(Only().request.body.find("<RestrictPublicBuckets>false</RestrictPublicBuckets>"),
              std::string::npos);
}

TEST_F(OtherOpsTest, S3GetBucketPolicy) {
    const std::string policy =
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
            R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::leaky-bucket/*"}]})";
    transport_->Reply(200, policy, {{"x-amz-request-id", "s3-req-5"}});
    auto out = s3::GetBucketPolicy(client_, {"leaky-bucket"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "GET");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query, "policy=");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(Only().endpoint.host, "leaky-bucket.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(Scope(sent), "us-east-1/s3");
    EXPECT_EQ(out->policy, policy);
    EXPECT_EQ(out->request_id, "s3-req-5");
}

TEST_F(OtherOpsTest, S3NoSuchBucketPolicy) {
    transport_->Reply(404,
                      "<Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not "
                      "exist</Message><BucketName>leaky-bucket</BucketName><RequestId>r9"
                      "</RequestId></Error>",
                      {{"x-amz-request-id", "r9"}});
    auto out = s3::GetBucketPolicy(client_, {"leaky-bucket"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "NoSuchBucketPolicy");
    EXPECT_EQ(out.error().request_id, "r9");
    EXPECT_EQ(out.error().operation, "s3:GetBucketPolicy");
}

TEST_F(OtherOpsTest, S3PutBucketPolicy) {
    transport_->Reply(204, "", {{"x-amz-request-id", "s3-req-7"}});
    const std::string policy =
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",)"
            R"("Action":"s3:*","Resource":"arn:aws:s3:::leaky-bucket/*"}]})";
    auto out = s3::PutBucketPolicy(client_, {"leaky-bucket", policy});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query, "policy=");
    EXPECT_EQ(sent.body, policy);
    EXPECT_EQ(HeaderOf(sent, "Content-MD5"), Base64Encode(Md5(policy)));
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), Sha256Hex(policy));
    EXPECT_EQ(Only().endpoint.host, "leaky-bucket.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(out->request_id, "s3-req-7");
}

TEST_F(OtherOpsTest, S3GetAndDeletePublicAccessBlock) {
    transport_->Reply(200,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><PublicAccessBlockConfiguration "
                      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><BlockPublicAcls>true<"
                      "/BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><"
                      "BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false<"
                      "/RestrictPublicBuckets></PublicAccessBlockConfiguration>",
                      {{"x-amz-request-id", "s3-req-8"}});
    auto got = s3::GetPublicAccessBlock(client_, {"leaky-bucket"});
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(Only().request.method, "GET");
    EXPECT_EQ(Only().request.query, "publicAccessBlock=");
    EXPECT_TRUE(got->block_public_acls);
    EXPECT_FALSE(got->ignore_public_acls);
    EXPECT_TRUE(got->block_public_policy);
    EXPECT_FALSE(got->restrict_public_buckets);
    EXPECT_EQ(got->request_id, "s3-req-8");

    transport_->Reply(204, "", {{"x-amz-request-id", "s3-req-9"}});
    auto deleted = s3::DeletePublicAccessBlock(client_, {"leaky-bucket"});
    ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
    const HttpRequest& sent = transport_->sent().back().request;
    EXPECT_EQ(sent.method, "DELETE");
    EXPECT_EQ(sent.query, "publicAccessBlock=");
    EXPECT_EQ(sent.body, "");
    EXPECT_EQ(deleted->request_id, "s3-req-9");

    HttpResponse wrong;
    wrong.status = 200;
    wrong.body = "<ListBucketResult/>";
    EXPECT_FALSE(s3::ParseGetPublicAccessBlock(wrong).has_value());
}

TEST_F(OtherOpsTest, S3DeleteBucketPolicy) {
    transport_->Reply(204, "", {{"x-amz-request-id", "s3-req-6"}});
    auto out = s3::DeleteBucketPolicy(client_, {"leaky-bucket"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "DELETE");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query, "policy=");
    EXPECT_EQ(sent.body, "");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(Only().endpoint.host, "leaky-bucket.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(Scope(sent), "us-east-1/s3");
    EXPECT_EQ(out->request_id, "s3-req-6");
}

TEST_F(OtherOpsTest, S3AccessDenied) {
    transport_->Reply(403,
                      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                      "<RequestId>r7</RequestId></Error>",
                      {{"x-amz-request-id", "r7"}});
    auto out = s3::DeleteBucketPolicy(client_, {"leaky-bucket"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "AccessDenied");
    EXPECT_EQ(out.error().http_status, 403);
    EXPECT_EQ(out.error().ToStatus().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace firebreak::aws
