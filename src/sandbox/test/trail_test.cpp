// File: trail_test.cpp
//
// Tests for the sandbox's CloudTrail: records compared byte for byte with real CloudTrail records
// (examples/), the EventBridge envelope, and the recorder's files (S3 layout, names, gzip, read
// back with firebreak's own archive lister and event reader), flush triggers, concurrency, retry
// after a failed write, and the live stream's bounded queues.
#include "firebreak/sandbox/trail.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "firebreak/event/archive.h"
#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

TimePoint At(std::string_view iso) {
    std::optional<int64_t> secs = event::ParseUtcTime(iso);
    EXPECT_TRUE(secs.has_value()) << iso;
    return TimePoint(std::chrono::seconds(secs.value_or(0)));
}

std::string Gunzip(const std::string& bytes) {
    z_stream zs{};
    EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    char chunk[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof(chunk);
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk, sizeof(chunk) - zs.avail_out);
    }
    EXPECT_EQ(rc, Z_STREAM_END);
    inflateEnd(&zs);
    return out;
}

std::string ReadFileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Waits (bounded) for a condition another thread makes true.
bool WaitFor(const std::function<bool()>& condition, milliseconds limit = milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(milliseconds(2));
    }
    return true;
}

// True when `text` has the shape of `pattern`, where '@' stands for one [A-Za-z0-9] and every
// other character for itself.
bool MatchesShape(std::string_view text, std::string_view pattern) {
    if (text.size() != pattern.size()) {
        return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alnum =
                (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (pattern[i] == '@' ? !alnum : c != pattern[i]) {
            return false;
        }
    }
    return true;
}

// A fresh folder under the system temp dir, removed afterwards.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("firebreak-trail-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }

    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }

    std::string str() const { return path_.string(); }

    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Reads events back with firebreak's own reader: eventID of each event, file by file.
std::vector<std::string> ReadEventIds(const std::vector<std::string>& files) {
    event::FieldPlan plan;
    event::FieldId id = plan.Intern("eventID");
    event::EventReader reader(plan, event::ReaderOptions{});
    std::vector<std::string> ids;
    for (const std::string& file : files) {
        std::vector<event::ReadIssue> issues;
        event::ReadStats stats = reader.ReadFile(
                file,
                [&](const event::ExtractedEvent& e, uint64_t) {
                    ids.emplace_back(e.FirstString(id));
                },
                &issues);
        EXPECT_TRUE(issues.empty()) << file << ": " << issues.front().message;
        EXPECT_FALSE(stats.truncated);
    }
    return ids;
}

std::vector<std::string> ListedFiles(const std::string& root) {
    event::ArchiveListing listing = event::ListArchive({root}, event::ArchiveFilter{});
    EXPECT_TRUE(listing.problems.empty());
    std::vector<std::string> paths;
    for (const event::ArchiveFile& f : listing.files) {
        paths.push_back(f.path);
    }
    return paths;
}

CallerIdentity IamUser() {
    CallerIdentity id;
    id.type = CallerIdentity::Type::kIamUser;
    id.account_id = "111122223333";
    id.principal_id = "AIDAFW2NJ2HBRC53CI4JQ";
    id.arn = "arn:aws:iam::111122223333:user/svc-backup2";
    id.access_key_id = "AKIAQRDBSG6GHUR6ZYDV";
    id.user_name = "svc-backup2";
    return id;
}

CallerIdentity Root() {
    CallerIdentity id;
    id.type = CallerIdentity::Type::kRoot;
    id.account_id = "123456789012";
    id.principal_id = "123456789012";
    id.arn = "arn:aws:iam::123456789012:root";
    id.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    return id;
}

CallerIdentity AssumedRole() {
    CallerIdentity id;
    id.type = CallerIdentity::Type::kAssumedRole;
    id.account_id = "777788889999";
    id.principal_id = "AROAAU3H6JKPZDFLW2KRW:gd-triage";
    id.arn = "arn:aws:sts::777788889999:assumed-role/SecurityTooling-gd-triage/gd-triage";
    id.access_key_id = "ASIAFO7PNQW3G4A3HAHM";
    id.role_name = "SecurityTooling-gd-triage";
    id.role_id = "AROAAU3H6JKPZDFLW2KRW";
    id.role_arn = "arn:aws:iam::777788889999:role/SecurityTooling-gd-triage";
    id.session_name = "gd-triage";
    id.session_created = "2026-11-02T19:01:59Z";
    return id;
}

TlsDetails Tls(std::string host) {
    TlsDetails tls;
    tls.client_provided_host_header = std::move(host);
    return tls;
}

// The StopLogging call of examples/events/cloudtrail-stoplogging.json.
ApiCallRecord StopLoggingCall() {
    ApiCallRecord r;
    r.event_version = "1.10";
    r.identity = IamUser();
    r.event_time = At("2026-11-02T12:25:02Z");
    r.event_source = "cloudtrail.amazonaws.com";
    r.event_name = "StopLogging";
    r.aws_region = "us-east-1";
    r.source_ip_address = "203.0.113.66";
    r.user_agent =
            "aws-cli/2.13.5 Python/3.11.4 Linux/6.3.0-kali1-amd64 exe/x86_64.kali.2023 prompt/off "
            "command/cloudtrail.stop-logging";
    r.request_parameters =
            R"({"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"})";
    r.request_id = "4b617255-d875-4654-a5af-c3da7816713c";
    r.event_id = "e87d763f-b651-4136-941f-42267bdf78c6";
    r.recipient_account_id = "111122223333";
    r.tls_details = Tls("cloudtrail.us-east-1.amazonaws.com");
    return r;
}

// ---- records ----------------------------------------------------------------------------------

TEST(CloudTrailRecord, IamUserRecordEqualsTheRealRecord) {
    const std::string expected =
            R"({"eventVersion":"1.10","userIdentity":{"type":"IAMUser",)"
            R"("principalId":"AIDAFW2NJ2HBRC53CI4JQ","arn":"arn:aws:iam::111122223333:user/svc-backup2",)"
            R"("accountId":"111122223333","accessKeyId":"AKIAQRDBSG6GHUR6ZYDV","userName":"svc-backup2"},)"
            R"("eventTime":"2026-11-02T12:25:02Z","eventSource":"cloudtrail.amazonaws.com",)"
            R"("eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.66",)"
            R"("userAgent":"aws-cli/2.13.5 Python/3.11.4 Linux/6.3.0-kali1-amd64 exe/x86_64.kali.2023 )"
            R"(prompt/off command/cloudtrail.stop-logging",)"
            R"("requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"},)"
            R"("responseElements":null,"requestID":"4b617255-d875-4654-a5af-c3da7816713c",)"
            R"("eventID":"e87d763f-b651-4136-941f-42267bdf78c6","readOnly":false,)"
            R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333",)"
            R"("eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)"
            R"("cipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("clientProvidedHostHeader":"cloudtrail.us-east-1.amazonaws.com"}})";
    const std::string record = BuildCloudTrailRecord(StopLoggingCall());
    EXPECT_EQ(record, expected);

    // And it is the detail of the real example event, compacted.
    const std::string example =
            ReadFileBytes(FIREBREAK_SOURCE_DIR "/examples/events/cloudtrail-stoplogging.json");
    Result<event::JsonValue> parsed = event::ParseJson(example);
    ASSERT_TRUE(parsed.has_value());
    const event::JsonValue* detail = parsed->Find("detail");
    ASSERT_NE(detail, nullptr);
    EXPECT_EQ(record, event::ToJson(*detail));
}

TEST(CloudTrailRecord, AssumedRoleRecordEqualsTheRealRecord) {
    // examples/archive:
    // .../777788889999_CloudTrail_eu-west-1_20261102T2106Z_6NAahAp4CC8ZgKbh.json.gz
    ApiCallRecord r;
    r.identity = AssumedRole();
    r.event_time = At("2026-11-02T21:02:02Z");
    r.event_source = "guardduty.amazonaws.com";
    r.event_name = "ListFindings";
    r.aws_region = "eu-west-1";
    r.source_ip_address = "192.0.2.22";
    r.user_agent =
            "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 "
            "md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
            "cfg/retry-mode#legacy Botocore/1.34.145";
    r.request_parameters =
            R"({"detectorId":"1fce9a89df535db2a04ac20e96971243","findingCriteria":{"criterion":)"
            R"({"updatedAt":{"greaterThanOrEqual":1793649720975},"service.archived":{"eq":["false"]}}},)"
            R"("maxResults":50})";
    r.request_id = "b179098a-37b6-48ae-bf40-535da2bcdbb8";
    r.event_id = "d40b650f-1d56-4c05-b6df-1c7784e059a1";
    r.read_only = true;
    r.recipient_account_id = "777788889999";
    r.tls_details = Tls("guardduty.eu-west-1.amazonaws.com");
    const std::string expected =
            R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",)"
            R"("principalId":"AROAAU3H6JKPZDFLW2KRW:gd-triage",)"
            R"("arn":"arn:aws:sts::777788889999:assumed-role/SecurityTooling-gd-triage/gd-triage",)"
            R"("accountId":"777788889999","accessKeyId":"ASIAFO7PNQW3G4A3HAHM",)"
            R"("sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAAU3H6JKPZDFLW2KRW",)"
            R"("arn":"arn:aws:iam::777788889999:role/SecurityTooling-gd-triage",)"
            R"("accountId":"777788889999","userName":"SecurityTooling-gd-triage"},)"
            R"("webIdFederationData":{},"attributes":{"creationDate":"2026-11-02T19:01:59Z",)"
            R"("mfaAuthenticated":"false"}}},"eventTime":"2026-11-02T21:02:02Z",)"
            R"("eventSource":"guardduty.amazonaws.com","eventName":"ListFindings",)"
            R"("awsRegion":"eu-west-1","sourceIPAddress":"192.0.2.22","userAgent":"Boto3/1.34.145 )"
            R"(md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 )"
            R"(lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 )"
            R"(cfg/retry-mode#legacy Botocore/1.34.145","requestParameters":)"
            R"({"detectorId":"1fce9a89df535db2a04ac20e96971243","findingCriteria":{"criterion":)"
            R"({"updatedAt":{"greaterThanOrEqual":1793649720975},"service.archived":{"eq":["false"]}}},)"
            R"("maxResults":50},"responseElements":null,)"
            R"("requestID":"b179098a-37b6-48ae-bf40-535da2bcdbb8",)"
            R"("eventID":"d40b650f-1d56-4c05-b6df-1c7784e059a1","readOnly":true,)"
            R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"777788889999",)"
            R"("eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)"
            R"("cipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("clientProvidedHostHeader":"guardduty.eu-west-1.amazonaws.com"}})";
    EXPECT_EQ(BuildCloudTrailRecord(r), expected);

    CallerIdentity mfa = AssumedRole();
    mfa.mfa_authenticated = true;
    EXPECT_NE(BuildUserIdentity(mfa).find(R"("mfaAuthenticated":"true")"), std::string::npos);
}

TEST(CloudTrailRecord, RootRecordWithAndWithoutAlias) {
    ApiCallRecord r;
    r.identity = Root();
    r.event_time = At("2024-08-01T11:45:22Z");
    r.event_source = "sts.amazonaws.com";
    r.event_name = "GetCallerIdentity";
    r.aws_region = "us-east-1";
    r.source_ip_address = "198.51.100.7";
    r.user_agent = "aws-cli/2.9.19";
    r.request_id = "11111111-2222-3333-4444-555555555555";
    r.event_id = "66666666-7777-8888-9999-000000000000";
    r.read_only = true;
    r.recipient_account_id = "123456789012";
    const std::string expected =
            R"({"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"123456789012",)"
            R"("arn":"arn:aws:iam::123456789012:root","accountId":"123456789012",)"
            R"("accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"eventTime":"2024-08-01T11:45:22Z",)"
            R"("eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity",)"
            R"("awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.9.19",)"
            R"("requestParameters":null,"responseElements":null,)"
            R"("requestID":"11111111-2222-3333-4444-555555555555",)"
            R"("eventID":"66666666-7777-8888-9999-000000000000","readOnly":true,)"
            R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012",)"
            R"("eventCategory":"Management"})";
    EXPECT_EQ(BuildCloudTrailRecord(r), expected);

    // With an account alias, Root carries it as userName; a console session adds its attributes.
    CallerIdentity aliased = Root();
    aliased.user_name = "acme-prod";
    aliased.session_created = "2024-08-01T11:00:00Z";
    aliased.mfa_authenticated = true;
    EXPECT_EQ(
            BuildUserIdentity(aliased),
            R"({"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root",)"
            R"("accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE",)"
            R"("userName":"acme-prod","sessionContext":{"sessionIssuer":{},)"
            R"("webIdFederationData":{},"attributes":{"creationDate":"2024-08-01T11:00:00Z",)"
            R"("mfaAuthenticated":"true"}}})");
}

TEST(CloudTrailRecord, DeniedEc2CallEqualsTheRealRecord) {
    // examples/archive, 444455556666 eu-west-1: a denied DescribeInstances.
    ApiCallRecord r;
    r.event_version = "1.09";
    r.identity.type = CallerIdentity::Type::kAssumedRole;
    r.identity.account_id = "444455556666";
    r.identity.principal_id = "AROAFTHBHFC4CM3NKR5ZO:inventory-sync";
    r.identity.arn = "arn:aws:sts::444455556666:assumed-role/inventory-sync-role/inventory-sync";
    r.identity.access_key_id = "ASIALLMD32DABK2EPCLT";
    r.identity.role_name = "inventory-sync-role";
    r.identity.role_id = "AROAFTHBHFC4CM3NKR5ZO";
    r.identity.role_arn = "arn:aws:iam::444455556666:role/inventory-sync-role";
    r.identity.session_name = "inventory-sync";
    r.identity.session_created = "2026-11-02T09:00:15Z";
    r.event_time = At("2026-11-02T09:00:20Z");
    r.event_source = "ec2.amazonaws.com";
    r.event_name = "DescribeInstances";
    r.aws_region = "eu-west-1";
    r.source_ip_address = "198.51.100.95";
    r.user_agent =
            "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 "
            "md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy "
            "Botocore/1.35.36";
    r.error_code = CloudTrailEc2ErrorCode("UnauthorizedOperation");
    r.error_message =
            "You are not authorized to perform this operation. User: "
            "arn:aws:sts::444455556666:assumed-role/inventory-sync-role/inventory-sync is not "
            "authorized to perform: ec2:DescribeInstances because no identity-based policy allows "
            "the ec2:DescribeInstances action";
    r.request_parameters = R"({"instancesSet":{},"filterSet":{}})";
    r.request_id = "29d70773-0c97-45f5-90d1-fb31ad9446c8";
    r.event_id = "9e1a4de1-9e39-48cc-a0f4-3094da6a75b8";
    r.read_only = true;
    r.recipient_account_id = "444455556666";
    r.tls_details = Tls("ec2.eu-west-1.amazonaws.com");
    const std::string expected =
            R"({"eventVersion":"1.09","userIdentity":{"type":"AssumedRole",)"
            R"("principalId":"AROAFTHBHFC4CM3NKR5ZO:inventory-sync",)"
            R"("arn":"arn:aws:sts::444455556666:assumed-role/inventory-sync-role/inventory-sync",)"
            R"("accountId":"444455556666","accessKeyId":"ASIALLMD32DABK2EPCLT",)"
            R"("sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAFTHBHFC4CM3NKR5ZO",)"
            R"("arn":"arn:aws:iam::444455556666:role/inventory-sync-role","accountId":"444455556666",)"
            R"("userName":"inventory-sync-role"},"webIdFederationData":{},)"
            R"("attributes":{"creationDate":"2026-11-02T09:00:15Z","mfaAuthenticated":"false"}}},)"
            R"("eventTime":"2026-11-02T09:00:20Z","eventSource":"ec2.amazonaws.com",)"
            R"("eventName":"DescribeInstances","awsRegion":"eu-west-1",)"
            R"("sourceIPAddress":"198.51.100.95","userAgent":"Boto3/1.35.36 md/Botocore#1.35.36 )"
            R"(ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.10 )"
            R"(md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36",)"
            R"("errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized )"
            R"(to perform this operation. User: )"
            R"(arn:aws:sts::444455556666:assumed-role/inventory-sync-role/inventory-sync is not )"
            R"(authorized to perform: ec2:DescribeInstances because no identity-based policy allows )"
            R"(the ec2:DescribeInstances action","requestParameters":{"instancesSet":{},)"
            R"("filterSet":{}},"responseElements":null,)"
            R"("requestID":"29d70773-0c97-45f5-90d1-fb31ad9446c8",)"
            R"("eventID":"9e1a4de1-9e39-48cc-a0f4-3094da6a75b8","readOnly":true,)"
            R"("eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"444455556666",)"
            R"("eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)"
            R"("cipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("clientProvidedHostHeader":"ec2.eu-west-1.amazonaws.com"}})";
    EXPECT_EQ(BuildCloudTrailRecord(r), expected);
}

TEST(CloudTrailRecord, DeniedCallWithNullParameters) {
    ApiCallRecord r;
    r.identity = IamUser();
    r.event_time = At("2026-11-02T12:30:00Z");
    r.event_source = "sts.amazonaws.com";
    r.event_name = "AssumeRole";
    r.aws_region = "us-east-1";
    r.source_ip_address = "203.0.113.66";
    r.user_agent = "aws-cli/2.9.19";
    r.error_code = "AccessDenied";
    r.error_message =
            "User: arn:aws:iam::111122223333:user/svc-backup2 is not authorized to perform: "
            "sts:AssumeRole on resource: arn:aws:iam::111122223333:role/admin";
    r.request_id = "req-1";
    r.event_id = "evt-1";
    r.read_only = true;
    r.recipient_account_id = "111122223333";
    EXPECT_EQ(
            BuildCloudTrailRecord(r),
            R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser",)"
            R"("principalId":"AIDAFW2NJ2HBRC53CI4JQ",)"
            R"("arn":"arn:aws:iam::111122223333:user/svc-backup2","accountId":"111122223333",)"
            R"("accessKeyId":"AKIAQRDBSG6GHUR6ZYDV","userName":"svc-backup2"},)"
            R"("eventTime":"2026-11-02T12:30:00Z","eventSource":"sts.amazonaws.com",)"
            R"("eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.66",)"
            R"("userAgent":"aws-cli/2.9.19","errorCode":"AccessDenied","errorMessage":"User: )"
            R"(arn:aws:iam::111122223333:user/svc-backup2 is not authorized to perform: )"
            R"(sts:AssumeRole on resource: arn:aws:iam::111122223333:role/admin",)"
            R"("requestParameters":null,"responseElements":null,"requestID":"req-1",)"
            R"("eventID":"evt-1","readOnly":true,"eventType":"AwsApiCall",)"
            R"("managementEvent":true,"recipientAccountId":"111122223333",)"
            R"("eventCategory":"Management"})");
}

TEST(CloudTrailRecord, S3DataEventWithResourcesAndAdditionalData) {
    // The real GetObject record (examples/archive, eu-west-1) without the fields the sandbox does
    // not produce (vpcEndpointId, vpcEndpointAccountId, ec2RoleDelivery).
    ApiCallRecord r;
    r.event_version = "1.10";
    r.identity.type = CallerIdentity::Type::kAssumedRole;
    r.identity.account_id = "111122223333";
    r.identity.principal_id = "AROAXZOLLXIGYIXR4AN7F:i-06c196b09b4082013";
    r.identity.arn =
            "arn:aws:sts::111122223333:assumed-role/orders-api-instance-role/i-06c196b09b4082013";
    r.identity.access_key_id = "ASIAUTNLC2YRGT5JBTNF";
    r.identity.role_name = "orders-api-instance-role";
    r.identity.role_id = "AROAXZOLLXIGYIXR4AN7F";
    r.identity.role_arn = "arn:aws:iam::111122223333:role/orders-api-instance-role";
    r.identity.session_name = "i-06c196b09b4082013";
    r.identity.session_created = "2026-11-01T23:19:43Z";
    r.event_time = At("2026-11-02T00:02:01Z");
    r.event_source = "s3.amazonaws.com";
    r.event_name = "GetObject";
    r.aws_region = "eu-west-1";
    r.source_ip_address = "10.21.31.173";
    r.user_agent = "aws-sdk-java/2.28.11";
    r.request_parameters =
            R"({"bucketName":"prod-app-config-eu","Host":"prod-app-config-eu.s3.eu-west-1.amazonaws.com",)"
            R"("key":"prod/orders-api/feature-flags.json"})";
    r.additional_event_data =
            R"({"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader",)"
            R"("x-amz-id-2":"uME5STNkwBzrxXkeKcpJ9kypvVNLqBwWtw2rViG6bvBC1nn4nHPVimCHa/ewT1LypPEvEZNuHCE=",)"
            R"("bytesTransferredOut":1893})";
    r.request_id = "FD5A7AA9BBC85FCF";
    r.event_id = "c5ff275f-4d48-40bd-94bc-04cfd22abea1";
    r.read_only = true;
    r.resources = {
            {"arn:aws:s3:::prod-app-config-eu/prod/orders-api/feature-flags.json",
             "",
             "AWS::S3::Object"},
            {"arn:aws:s3:::prod-app-config-eu", "111122223333", "AWS::S3::Bucket"},
    };
    r.event_category = EventCategory::kData;
    r.recipient_account_id = "111122223333";
    r.tls_details = Tls("prod-app-config-eu.s3.eu-west-1.amazonaws.com");
    const std::string expected =
            R"({"eventVersion":"1.10","userIdentity":{"type":"AssumedRole",)"
            R"("principalId":"AROAXZOLLXIGYIXR4AN7F:i-06c196b09b4082013",)"
            R"("arn":"arn:aws:sts::111122223333:assumed-role/orders-api-instance-role/i-06c196b09b4082013",)"
            R"("accountId":"111122223333","accessKeyId":"ASIAUTNLC2YRGT5JBTNF",)"
            R"("sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAXZOLLXIGYIXR4AN7F",)"
            R"("arn":"arn:aws:iam::111122223333:role/orders-api-instance-role",)"
            R"("accountId":"111122223333","userName":"orders-api-instance-role"},)"
            R"("webIdFederationData":{},"attributes":{"creationDate":"2026-11-01T23:19:43Z",)"
            R"("mfaAuthenticated":"false"}}},"eventTime":"2026-11-02T00:02:01Z",)"
            R"("eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1",)"
            R"("sourceIPAddress":"10.21.31.173","userAgent":"aws-sdk-java/2.28.11",)"
            R"("requestParameters":{"bucketName":"prod-app-config-eu",)"
            R"("Host":"prod-app-config-eu.s3.eu-west-1.amazonaws.com",)"
            R"("key":"prod/orders-api/feature-flags.json"},"responseElements":null,)"
            R"("additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader",)"
            R"("x-amz-id-2":"uME5STNkwBzrxXkeKcpJ9kypvVNLqBwWtw2rViG6bvBC1nn4nHPVimCHa/ewT1LypPEvEZNuHCE=",)"
            R"("bytesTransferredOut":1893},"requestID":"FD5A7AA9BBC85FCF",)"
            R"("eventID":"c5ff275f-4d48-40bd-94bc-04cfd22abea1","readOnly":true,)"
            R"("resources":[{"type":"AWS::S3::Object",)"
            R"("ARN":"arn:aws:s3:::prod-app-config-eu/prod/orders-api/feature-flags.json"},)"
            R"({"accountId":"111122223333","type":"AWS::S3::Bucket",)"
            R"("ARN":"arn:aws:s3:::prod-app-config-eu"}],"eventType":"AwsApiCall",)"
            R"("managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data",)"
            R"("tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("clientProvidedHostHeader":"prod-app-config-eu.s3.eu-west-1.amazonaws.com"}})";
    EXPECT_EQ(BuildCloudTrailRecord(r), expected);
}

TEST(CloudTrailRecord, OptionalFieldsInAwsOrder) {
    ApiCallRecord r = StopLoggingCall();
    r.event_version = "1.08";
    r.api_version = "2013-11-01";
    r.shared_event_id = "1a3ec25c-1527-4772-bba8-0fdf03b24bc5";
    r.response_elements = R"({"_return":true})";
    r.tls_details.reset();
    const std::string record = BuildCloudTrailRecord(r);
    EXPECT_NE(record.find(R"("requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:)"
                          R"(111122223333:trail/org-trail"},"responseElements":{"_return":true},)"
                          R"("requestID":)"),
              std::string::npos)
            << record;
    EXPECT_NE(record.find(R"("eventType":"AwsApiCall","apiVersion":"2013-11-01",)"
                          R"("managementEvent":true,"recipientAccountId":"111122223333",)"
                          R"("sharedEventID":"1a3ec25c-1527-4772-bba8-0fdf03b24bc5",)"
                          R"("eventCategory":"Management"})"),
              std::string::npos)
            << record;
    EXPECT_EQ(record.find("tlsDetails"), std::string::npos);
    EXPECT_EQ(record.find("errorCode"), std::string::npos);
    EXPECT_EQ(record.find("additionalEventData"), std::string::npos);
    EXPECT_EQ(record.find("resources"), std::string::npos);
}

TEST(CloudTrailRecord, StringsAreJsonEscaped) {
    ApiCallRecord r = StopLoggingCall();
    r.user_agent = "evil\"agent\\ \n\t\x01 é";
    r.identity.user_name = "o'brien\"x";
    r.error_code = "AccessDenied";
    r.error_message = "line1\nline2 \"quoted\"";
    const std::string record = BuildCloudTrailRecord(r);
    Result<event::JsonValue> parsed = event::ParseJson(record);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message() << "\n" << record;
    EXPECT_EQ(parsed->Find("userAgent")->text, "evil\"agent\\ \n\t\x01 é");
    EXPECT_EQ(parsed->Find("errorMessage")->text, "line1\nline2 \"quoted\"");
    EXPECT_EQ(parsed->Find("userIdentity")->Find("userName")->text, "o'brien\"x");
    EXPECT_NE(record.find(R"("userAgent":"evil\"agent\\ \n\t\u0001 é")"), std::string::npos)
            << record;
}

// ---- helpers ----------------------------------------------------------------------------------

TEST(CloudTrailHelpers, Ec2ErrorCodesGetTheirCloudTrailPrefix) {
    EXPECT_EQ(CloudTrailEc2ErrorCode("UnauthorizedOperation"), "Client.UnauthorizedOperation");
    EXPECT_EQ(CloudTrailEc2ErrorCode("InvalidInstanceID.NotFound"),
              "Client.InvalidInstanceID.NotFound");
    EXPECT_EQ(CloudTrailEc2ErrorCode("DryRunOperation"), "Client.DryRunOperation");
    EXPECT_EQ(CloudTrailEc2ErrorCode("InsufficientInstanceCapacity"),
              "Server.InsufficientInstanceCapacity");
    EXPECT_EQ(CloudTrailEc2ErrorCode("InternalError"), "Server.InternalError");
    EXPECT_EQ(CloudTrailEc2ErrorCode("Client.UnauthorizedOperation"),
              "Client.UnauthorizedOperation");
    EXPECT_EQ(CloudTrailEc2ErrorCode("Server.Unavailable"), "Server.Unavailable");
}

TEST(CloudTrailHelpers, JavaStyleTime) {
    EXPECT_EQ(JavaStyleTime(At("2024-08-01T11:45:22Z")), "Aug 1, 2024, 11:45:22 AM");
    EXPECT_EQ(JavaStyleTime(At("2024-08-01T13:33:28Z")), "Aug 1, 2024, 1:33:28 PM");
    EXPECT_EQ(JavaStyleTime(At("2024-08-02T08:23:24Z")), "Aug 2, 2024, 8:23:24 AM");
    EXPECT_EQ(JavaStyleTime(At("2026-11-02T06:32:04Z")), "Nov 2, 2026, 6:32:04 AM");
    EXPECT_EQ(JavaStyleTime(At("2025-01-01T00:00:00Z")), "Jan 1, 2025, 12:00:00 AM");
    EXPECT_EQ(JavaStyleTime(At("2025-12-31T12:05:09Z")), "Dec 31, 2025, 12:05:09 PM");
    EXPECT_EQ(JavaStyleTime(At("2025-12-31T23:59:59Z")), "Dec 31, 2025, 11:59:59 PM");
}

TEST(CloudTrailHelpers, IsoTimeTruncatesToTheSecond) {
    EXPECT_EQ(IsoTime(At("2026-11-02T12:25:02Z")), "2026-11-02T12:25:02Z");
    EXPECT_EQ(IsoTime(At("2026-11-02T12:25:02Z") + milliseconds(999)), "2026-11-02T12:25:02Z");
    EXPECT_EQ(IsoTime(At("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
    EXPECT_EQ(IsoTime(TimePoint{}), "1970-01-01T00:00:00Z");
}

TEST(CloudTrailHelpers, EventBridgeSourceAndDetailType) {
    EXPECT_EQ(EventBridgeSource("ec2.amazonaws.com"), "aws.ec2");
    EXPECT_EQ(EventBridgeSource("elasticloadbalancing.amazonaws.com"), "aws.elasticloadbalancing");
    EXPECT_EQ(EventBridgeSource("signin.amazonaws.com"), "aws.signin");
    EXPECT_EQ(EventBridgeDetailType("AwsApiCall"), "AWS API Call via CloudTrail");
    EXPECT_EQ(EventBridgeDetailType("AwsConsoleSignIn"), "AWS Console Sign In via CloudTrail");
    EXPECT_EQ(EventBridgeDetailType("AwsServiceEvent"), "AWS Service Event via CloudTrail");
}

TEST(CloudTrailHelpers, EnvelopeEqualsTheRealEvent) {
    const ApiCallRecord call = StopLoggingCall();
    const std::string record = BuildCloudTrailRecord(call);
    const std::string envelope =
            BuildEventBridgeEnvelope(call, record, "fc4a2c87-82c9-4949-a4b9-e8febd131b98");
    EXPECT_EQ(envelope,
              R"({"version":"0","id":"fc4a2c87-82c9-4949-a4b9-e8febd131b98",)"
              R"("detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail",)"
              R"("account":"111122223333","time":"2026-11-02T12:25:02Z","region":"us-east-1",)"
              R"("resources":[],"detail":)" +
                      record + "}");
    const std::string example =
            ReadFileBytes(FIREBREAK_SOURCE_DIR "/examples/events/cloudtrail-stoplogging.json");
    Result<event::JsonValue> parsed = event::ParseJson(example);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(envelope, event::ToJson(*parsed));

    // firebreak's reader unwraps it like any CloudTrail envelope.
    event::FieldPlan plan;
    event::FieldId name = plan.Intern("eventName");
    event::FieldId source = plan.Intern("source");
    event::EventReader reader(plan, event::ReaderOptions{});
    int events = 0;
    reader.ReadBytes(
            envelope,
            [&](const event::ExtractedEvent& e, uint64_t) {
                ++events;
                EXPECT_EQ(e.shape, event::EventShape::kUnwrappedEnvelope);
                EXPECT_EQ(e.FirstString(name), "StopLogging");
                EXPECT_EQ(e.FirstString(source), "aws.cloudtrail");
            },
            nullptr);
    EXPECT_EQ(events, 1);
}

// ---- recorder: files --------------------------------------------------------------------------

// A small, distinct record per index (the recorder treats records as opaque JSON).
std::string TestRecord(const std::string& event_id, const std::string& time) {
    return R"({"eventVersion":"1.08","eventTime":")" + time +
           R"(","eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventID":")" + event_id +
           R"("})";
}

TrailDelivery Delivery(std::string prefix = "") {
    return TrailDelivery{"111122223333", "us-east-1", "trail-bucket", std::move(prefix)};
}

TEST(TrailRecorder, SizeFlushWritesTheS3LayoutAndReadsBackInOrder) {
    TempDir dir;
    std::mutex mu;
    std::vector<TrailLogFile> seen;
    std::vector<std::string> seen_bytes;
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    options.max_records_per_file = 3;
    options.max_age = std::chrono::hours(1);
    options.on_file_written = [&](const TrailLogFile& f) {
        std::lock_guard lock(mu);
        seen.push_back(f);
        seen_bytes.emplace_back(f.gzip_bytes);
        seen.back().gzip_bytes = {};
    };
    TrailRecorder recorder(options);

    // One record a minute from 12:01: the files' stamps are their newest events.
    std::vector<std::string> ids;
    std::vector<std::string> texts;
    for (int i = 0; i < 7; ++i) {
        char time[32];
        std::snprintf(time, sizeof(time), "2026-11-02T12:%02d:30Z", i + 1);
        ids.push_back("id-" + std::to_string(i));
        texts.push_back(TestRecord(ids.back(), time));
        recorder.Append(Delivery("team/logs"), texts.back(), At(time));
    }
    EXPECT_EQ(recorder.FileCount(), 2u);  // 3 + 3 written by size, 1 still buffered
    EXPECT_EQ(recorder.RecordCount(), 6u);
    EXPECT_EQ(recorder.PendingCount(), 1u);
    ASSERT_TRUE(recorder.Flush().ok());
    EXPECT_EQ(recorder.FileCount(), 3u);
    EXPECT_EQ(recorder.RecordCount(), 7u);
    EXPECT_EQ(recorder.PendingCount(), 0u);

    const std::vector<std::string> written = recorder.WrittenFiles();
    ASSERT_EQ(written.size(), 3u);
    const std::string folder =
            dir.str() +
            "/trail-bucket/team/logs/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/";
    const char* stamps[] = {"03", "06", "07"};
    for (size_t i = 0; i < written.size(); ++i) {
        EXPECT_TRUE(MatchesShape(written[i],
                                 folder + "111122223333_CloudTrail_us-east-1_20261102T12" +
                                         stamps[i] + "Z_" + std::string(16, '@') + ".json.gz"))
                << written[i];
        std::optional<event::S3Layout> parsed = event::ParseS3Layout(written[i]);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(parsed->account, "111122223333");
        EXPECT_EQ(parsed->region, "us-east-1");
        EXPECT_EQ(parsed->day_start, *event::ParseUtcTime("2026-11-02"));
        EXPECT_EQ(parsed->delivery_time,
                  event::ParseUtcTime(std::string("2026-11-02T12:") + stamps[i] + ":00Z"));
    }

    // The files, gunzipped, are exactly {"Records":[...]} of the appended texts.
    EXPECT_EQ(Gunzip(ReadFileBytes(written[0])),
              "{\"Records\":[" + texts[0] + "," + texts[1] + "," + texts[2] + "]}");
    EXPECT_EQ(Gunzip(ReadFileBytes(written[2])), "{\"Records\":[" + texts[6] + "]}");

    // firebreak's archive lister finds exactly these files (no temporaries), in time order, and
    // its reader gives back every record in order.
    const std::vector<std::string> listed = ListedFiles(dir.str());
    EXPECT_EQ(listed, written);
    EXPECT_EQ(ReadEventIds(listed), ids);

    // The hook saw each file with its S3 object key and its bytes.
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), 3u);
    for (size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(seen[i].path, written[i]);
        EXPECT_EQ(seen[i].bucket, "trail-bucket");
        EXPECT_EQ(dir.str() + "/trail-bucket/" + seen[i].object_key, written[i]);
        EXPECT_TRUE(seen[i].object_key.starts_with("team/logs/AWSLogs/111122223333/CloudTrail/"));
        EXPECT_EQ(seen_bytes[i], ReadFileBytes(written[i]));
    }
    EXPECT_EQ(seen[0].record_count, 3u);
    EXPECT_EQ(seen[2].record_count, 1u);
}

TEST(TrailRecorder, EmptyPrefixAndSeparateBuffersPerDelivery) {
    TempDir dir;
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    options.max_age = std::chrono::hours(1);
    TrailRecorder recorder(options);
    const TimePoint t = At("2026-12-31T23:59:10Z");
    recorder.Append(Delivery(), TestRecord("a1", "x"), t);
    recorder.Append({"111122223333", "eu-west-1", "trail-bucket", ""}, TestRecord("b1", "x"), t);
    recorder.Append({"444455556666", "us-east-1", "trail-bucket", ""}, TestRecord("c1", "x"), t);
    recorder.Append(Delivery(), TestRecord("a2", "x"), t);
    recorder.Append(Delivery("p"), TestRecord("d1", "x"), t);
    EXPECT_EQ(recorder.FileCount(), 0u);
    ASSERT_TRUE(recorder.Flush().ok());
    EXPECT_EQ(recorder.FileCount(), 4u);

    auto expected_path =
            [&](const std::string& prefix, const std::string& acct, const std::string& region) {
                return dir.str() + "/trail-bucket/" + prefix + "AWSLogs/" + acct + "/CloudTrail/" +
                       region + "/2026/12/31/" + acct + "_CloudTrail_" + region +
                       "_20261231T2359Z_" + std::string(16, '@') + ".json.gz";
            };
    std::map<std::string, std::vector<std::string>> by_place;
    for (const std::string& path : recorder.WrittenFiles()) {
        std::string place;
        for (const char* p : {"", "p/"}) {
            for (const char* acct : {"111122223333", "444455556666"}) {
                for (const char* region : {"us-east-1", "eu-west-1"}) {
                    if (MatchesShape(path, expected_path(p, acct, region))) {
                        place = std::string(p) + acct + " " + region;
                    }
                }
            }
        }
        ASSERT_FALSE(place.empty()) << path;
        by_place[place] = ReadEventIds({path});
    }
    using Ids = std::vector<std::string>;
    EXPECT_EQ(by_place["111122223333 us-east-1"], (Ids{"a1", "a2"}));
    EXPECT_EQ(by_place["111122223333 eu-west-1"], (Ids{"b1"}));
    EXPECT_EQ(by_place["444455556666 us-east-1"], (Ids{"c1"}));
    EXPECT_EQ(by_place["p/111122223333 us-east-1"], (Ids{"d1"}));
}

TEST(TrailRecorder, AgeFlushByTheBackgroundThread) {
    TempDir dir;
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    options.max_records_per_file = 100;
    options.max_age = milliseconds(50);
    TrailRecorder recorder(options);
    recorder.Append(Delivery(), TestRecord("x1", "t"), At("2026-11-02T10:00:00Z"));
    recorder.Append(Delivery(), TestRecord("x2", "t"), At("2026-11-02T10:00:01Z"));
    ASSERT_TRUE(WaitFor([&] { return recorder.RecordCount() == 2; }));
    EXPECT_EQ(recorder.FileCount(), 1u);
    EXPECT_EQ(ReadEventIds(recorder.WrittenFiles()), (std::vector<std::string>{"x1", "x2"}));

    // A later record starts a new age window and a new file.
    recorder.Append(Delivery(), TestRecord("x3", "t"), At("2026-11-02T10:05:00Z"));
    ASSERT_TRUE(WaitFor([&] { return recorder.FileCount() == 2; }));
    EXPECT_EQ(recorder.PendingCount(), 0u);
}

TEST(TrailRecorder, DestructionWritesEverythingAppended) {
    TempDir dir;
    std::vector<std::string> ids;
    {
        TrailRecorderOptions options;
        options.out_dir = dir.str();
        options.max_age = std::chrono::hours(1);
        TrailRecorder recorder(options);
        for (int i = 0; i < 5; ++i) {
            ids.push_back("d" + std::to_string(i));
            recorder.Append(Delivery(), TestRecord(ids.back(), "t"), At("2026-11-02T10:00:00Z"));
        }
        EXPECT_EQ(recorder.FileCount(), 0u);
    }
    EXPECT_EQ(ReadEventIds(ListedFiles(dir.str())), ids);

    // Records appended after an explicit Stop() are written too.
    TempDir dir2;
    {
        TrailRecorderOptions options;
        options.out_dir = dir2.str();
        options.max_age = std::chrono::hours(1);
        TrailRecorder recorder(options);
        recorder.Append(Delivery(), TestRecord("s1", "t"), At("2026-11-02T10:00:00Z"));
        recorder.Stop();
        EXPECT_EQ(recorder.FileCount(), 1u);
        recorder.Append(Delivery(), TestRecord("s2", "t"), At("2026-11-02T10:00:00Z"));
        recorder.Stop();  // idempotent
    }
    std::vector<std::string> files = ListedFiles(dir2.str());
    std::vector<std::string> got = ReadEventIds(files);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"s1", "s2"}));
}

TEST(TrailRecorder, ConcurrentAppendsLoseNothing) {
    TempDir dir;
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    options.max_records_per_file = 100;
    options.max_age = milliseconds(20);  // the flusher races the size trigger too
    std::atomic<uint64_t> hooked{0};
    std::atomic<size_t> largest{0};
    options.on_file_written = [&](const TrailLogFile& f) {
        hooked += f.record_count;
        size_t prev = largest.load();
        while (f.record_count > prev && !largest.compare_exchange_weak(prev, f.record_count)) {
        }
    };
    TrailRecorder recorder(options);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 1000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&recorder, t] {
            TrailDelivery where = Delivery();
            where.region = t % 2 == 0 ? "us-east-1" : "eu-west-1";
            for (int i = 0; i < kPerThread; ++i) {
                std::string id = std::to_string(t) + "-" + std::to_string(i);
                recorder.Append(where, TestRecord(id, "t"), At("2026-11-02T10:00:00Z"));
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    ASSERT_TRUE(recorder.Flush().ok());
    EXPECT_EQ(recorder.RecordCount(), 8000u);
    EXPECT_EQ(recorder.PendingCount(), 0u);
    EXPECT_EQ(hooked.load(), 8000u);
    EXPECT_LE(largest.load(), 100u);
    EXPECT_GE(recorder.FileCount(), 80u);

    const std::vector<std::string> files = ListedFiles(dir.str());
    EXPECT_EQ(files.size(), recorder.FileCount());
    std::set<std::string> all;
    for (const std::string& file : files) {
        // Within a file, each thread's records keep the order they were appended in.
        std::map<std::string, int> last;
        for (const std::string& id : ReadEventIds({file})) {
            all.insert(id);
            const size_t dash = id.find('-');
            const std::string thread = id.substr(0, dash);
            const int n = std::stoi(id.substr(dash + 1));
            auto [it, inserted] = last.try_emplace(thread, n);
            if (!inserted) {
                EXPECT_GT(n, it->second) << file;
                it->second = n;
            }
        }
    }
    EXPECT_EQ(all.size(), 8000u);
}

TEST(TrailRecorder, FailedWriteKeepsTheRecordsAndRetries) {
    TempDir dir;
    // A file where the bucket folder should be: creating the folders fails.
    const fs::path blocker = dir.path() / "trail-bucket";
    std::ofstream(blocker) << "not a folder";
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    options.max_records_per_file = 2;
    options.max_age = std::chrono::hours(1);
    TrailRecorder recorder(options);
    recorder.Append(Delivery(), TestRecord("f1", "t"), At("2026-11-02T10:00:00Z"));
    recorder.Append(Delivery(), TestRecord("f2", "t"), At("2026-11-02T10:00:00Z"));  // size: fails
    EXPECT_EQ(recorder.WriteErrors(), 1u);
    EXPECT_FALSE(recorder.LastWriteError().ok());
    recorder.Append(Delivery(), TestRecord("f3", "t"), At("2026-11-02T10:00:00Z"));
    EXPECT_EQ(recorder.FileCount(), 0u);  // no retry before max_age
    EXPECT_EQ(recorder.PendingCount(), 3u);
    Status status = recorder.Flush();
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(recorder.PendingCount(), 3u);

    fs::remove(blocker);
    ASSERT_TRUE(recorder.Flush().ok());
    EXPECT_EQ(recorder.PendingCount(), 0u);
    EXPECT_EQ(recorder.RecordCount(), 3u);
    EXPECT_EQ(recorder.FileCount(), 2u);  // at most max_records_per_file per file
    EXPECT_EQ(ReadEventIds(recorder.WrittenFiles()), (std::vector<std::string>{"f1", "f2", "f3"}));
}

TEST(TrailRecorder, HostileKeyPrefixStaysInsideTheFolder) {
    TempDir dir;
    std::string object_key;
    TrailRecorderOptions options;
    options.out_dir = (dir.path() / "out").string();
    options.on_file_written = [&](const TrailLogFile& f) {
        object_key = f.object_key;
    };
    TrailRecorder recorder(options);
    recorder.Append(Delivery("../../escape"), TestRecord("h1", "t"), At("2026-11-02T10:00:00Z"));
    ASSERT_TRUE(recorder.Flush().ok());
    ASSERT_EQ(recorder.WrittenFiles().size(), 1u);
    const std::string path = recorder.WrittenFiles()[0];
    EXPECT_TRUE(path.starts_with(options.out_dir + "/trail-bucket/%2E%2E/%2E%2E/escape/AWSLogs/"))
            << path;
    EXPECT_TRUE(object_key.starts_with("../../escape/AWSLogs/111122223333/")) << object_key;
    EXPECT_FALSE(fs::exists(dir.path() / "escape"));
}

// ---- recorder: live stream --------------------------------------------------------------------

TrailRecorderOptions StreamOnly(const TempDir& dir) {
    TrailRecorderOptions options;
    options.out_dir = dir.str();
    return options;
}

TEST(TrailStream, SubscribersGetEveryEnvelopeInOrder) {
    TempDir dir;
    TrailRecorder recorder(StreamOnly(dir));
    std::shared_ptr<Subscription> a = recorder.Subscribe(16);
    std::shared_ptr<Subscription> b = recorder.Subscribe(16);
    EXPECT_EQ(recorder.SubscriberCount(), 2u);
    const ApiCallRecord call = StopLoggingCall();
    const std::string record = BuildCloudTrailRecord(call);
    const std::string e1 = BuildEventBridgeEnvelope(call, record, "id-1");
    const std::string e2 = BuildEventBridgeEnvelope(call, record, "id-2");
    recorder.Publish(e1);
    recorder.Publish(e2);
    for (const auto& sub : {a, b}) {
        EXPECT_EQ(sub->Next(milliseconds(1000)), e1);
        EXPECT_EQ(sub->Next(milliseconds(1000)), e2);
        EXPECT_EQ(sub->dropped(), 0u);
        EXPECT_EQ(sub->delivered(), 2u);
    }

    // Dropping a subscription unsubscribes it; closing one does too.
    b.reset();
    EXPECT_EQ(recorder.SubscriberCount(), 1u);
    a->Close();
    EXPECT_EQ(recorder.SubscriberCount(), 0u);
    recorder.Publish(e1);
    EXPECT_EQ(a->queued(), 0u);
    EXPECT_EQ(a->Next(milliseconds(1000)), std::nullopt);
}

TEST(TrailStream, FullQueueDropsTheOldestAndCounts) {
    TempDir dir;
    TrailRecorder recorder(StreamOnly(dir));
    std::shared_ptr<Subscription> sub = recorder.Subscribe(3);
    for (int i = 1; i <= 5; ++i) {
        recorder.Publish("{\"n\":" + std::to_string(i) + "}");
    }
    EXPECT_EQ(sub->dropped(), 2u);
    EXPECT_EQ(sub->queued(), 3u);
    EXPECT_EQ(sub->Next(milliseconds(0)), "{\"n\":3}");
    EXPECT_EQ(sub->Next(milliseconds(0)), "{\"n\":4}");
    EXPECT_EQ(sub->Next(milliseconds(0)), "{\"n\":5}");
}

TEST(TrailStream, NextTimesOutAndWakesOnPublish) {
    TempDir dir;
    TrailRecorder recorder(StreamOnly(dir));
    std::shared_ptr<Subscription> sub = recorder.Subscribe(4);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(sub->Next(milliseconds(30)), std::nullopt);
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
    EXPECT_FALSE(sub->closed());

    std::optional<std::string> got;
    std::thread waiter([&] { got = sub->Next(milliseconds(10000)); });
    recorder.Publish("{\"late\":true}");
    waiter.join();
    EXPECT_EQ(got, "{\"late\":true}");
}

TEST(TrailStream, StopWakesWaitersAndClosesSubscriptions) {
    TempDir dir;
    TrailRecorder recorder(StreamOnly(dir));
    std::shared_ptr<Subscription> sub = recorder.Subscribe(4);
    recorder.Publish("{\"kept\":1}");
    std::atomic<bool> waiting{false};
    std::optional<std::string> first;
    std::optional<std::string> second;
    std::chrono::steady_clock::duration blocked{};
    std::thread waiter([&] {
        first = sub->Next(milliseconds(10000));
        waiting = true;
        const auto start = std::chrono::steady_clock::now();
        second = sub->Next(milliseconds(60000));
        blocked = std::chrono::steady_clock::now() - start;
    });
    ASSERT_TRUE(WaitFor([&] { return waiting.load(); }));
    recorder.Stop();
    waiter.join();
    EXPECT_EQ(first, "{\"kept\":1}");
    EXPECT_EQ(second, std::nullopt);
    EXPECT_LT(blocked, std::chrono::seconds(30));
    EXPECT_TRUE(sub->closed());
    EXPECT_TRUE(recorder.Subscribe(4)->closed());
    recorder.Publish("{\"after\":1}");
    EXPECT_EQ(sub->queued(), 0u);
}

}  // namespace
}  // namespace firebreak::sandbox
