// File: s3_worm_test.cpp
//
// The S3 write-once operations the evidence vault builds on: conditional PutObject
// (If-None-Match), HeadObject, DeleteObject, object retention, CreateBucket with Object Lock, the
// bucket's Object Lock configuration and ListObjectVersions. Each test checks the request as it
// goes on the wire (method, path, query, headers, body) and the parsing of S3's reply, against a
// scripted transport.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "fake_transport.h"
#include "firebreak/aws/s3.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/core/crypto.h"

namespace firebreak::aws {
namespace {

using FakeTransport = testing::FakeTransport;
using TimePoint = std::chrono::system_clock::time_point;

constexpr int64_t kJan2030 = 1893456000;  // 2030-01-01T00:00:00Z
constexpr std::string_view kNs = "http://s3.amazonaws.com/doc/2006-03-01/";

TimePoint At(int64_t seconds) {
    return TimePoint(std::chrono::seconds(seconds));
}

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
    const std::string* value = request.Header(name);
    return value != nullptr ? *value : "(absent)";
}

std::string SignedHeaders(const HttpRequest& request) {
    auto auth = ParseAuthorizationHeader(*request.Header("Authorization"));
    std::string out;
    for (const std::string& name : auth->signed_headers)
        out += (out.empty() ? "" : ";") + name;
    return out;
}

// "region/service" of the request's credential scope.
std::string Scope(const HttpRequest& request) {
    const std::string* header = request.Header("Authorization");
    if (header == nullptr)
        return "(unsigned)";
    auto auth = ParseAuthorizationHeader(*header);
    return auth ? auth->region + "/" + auth->service : "(malformed)";
}

std::string S3Error(std::string_view code, std::string_view message) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + std::string(code) +
           "</Code><Message>" + std::string(message) +
           "</Message><RequestId>err-1</RequestId><HostId>h</HostId></Error>";
}

class S3WormTest : public ::testing::Test {
protected:
    const FakeTransport::Sent& Only() const {
        EXPECT_EQ(transport_->sent().size(), 1u);
        return transport_->sent().back();
    }

    std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
    AwsClient client_ = testing::MakeTestClient(transport_);
};

// ---- PutObject If-None-Match --------------------------------------------------------------------

TEST_F(S3WormTest, PutObjectIfNoneMatchSendsTheStarAndSignsIt) {
    transport_->Reply(200, "", {{"ETag", "\"e\""}, {"x-amz-version-id", "v1"}});
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "objects/ab/abcd";
    request.body = "evidence";
    request.if_none_match = true;
    auto out = s3::PutObject(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(HeaderOf(sent, "If-None-Match"), "*");
    EXPECT_NE(SignedHeaders(sent).find("if-none-match"), std::string::npos) << SignedHeaders(sent);
    EXPECT_EQ(out->version_id, "v1");
}

TEST_F(S3WormTest, PutObjectWithoutIfNoneMatchSendsNoCondition) {
    transport_->Reply(200, "", {});
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "k";
    ASSERT_TRUE(s3::PutObject(client_, request).has_value());
    EXPECT_EQ(Only().request.Header("If-None-Match"), nullptr);
}

TEST_F(S3WormTest, PutObjectOnAnExistingKeyFailsWithPreconditionFailed) {
    transport_->Reply(412,
                      S3Error("PreconditionFailed",
                              "At least one of the pre-conditions you specified did not hold"),
                      {{"x-amz-request-id", "r412"}});
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "k";
    request.if_none_match = true;
    auto out = s3::PutObject(client_, request);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "PreconditionFailed");
    EXPECT_EQ(out.error().http_status, 412);
    EXPECT_EQ(out.error().request_id, "r412");
    EXPECT_FALSE(out.error().retryable);
    EXPECT_EQ(transport_->sent().size(), 1u);  // not retried
}

TEST_F(S3WormTest, PutObjectConditionalConflictIsReturnedAsIs) {
    transport_->Reply(409,
                      S3Error("ConditionalRequestConflict",
                              "A conflicting conditional operation is currently in progress "
                              "against this resource. Please try again."));
    s3::PutObjectRequest request;
    request.bucket = "evidence-vault";
    request.key = "k";
    request.if_none_match = true;
    auto out = s3::PutObject(client_, request);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "ConditionalRequestConflict");
    EXPECT_EQ(out.error().http_status, 409);
}

// ---- HeadObject ---------------------------------------------------------------------------------

TEST_F(S3WormTest, HeadObjectReadsSizeLockAndMetadata) {
    transport_->Reply(200,
                      "",
                      {{"ETag", "\"abc\""},
                       {"Content-Length", "1234"},
                       {"Content-Type", "application/octet-stream"},
                       {"Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"},
                       {"x-amz-object-lock-mode", "GOVERNANCE"},
                       {"x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00.000Z"},
                       {"x-amz-object-lock-legal-hold", "OFF"},
                       {"X-Amz-Meta-Sha256", "deadbeef"},
                       {"x-amz-version-id", "v7"},
                       {"x-amz-request-id", "rh"}});
    auto out = s3::HeadObject(client_, {"evidence-vault", "objects/k", "v7"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "HEAD");
    EXPECT_EQ(sent.path, "/objects/k");
    EXPECT_EQ(sent.query, "versionId=v7");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(out->content_length, 1234);
    EXPECT_TRUE(out->body.empty());
    EXPECT_EQ(out->etag, "\"abc\"");
    EXPECT_EQ(out->object_lock_mode, s3::ObjectLockMode::kGovernance);
    EXPECT_EQ(out->object_lock_retain_until, At(kJan2030));
    EXPECT_EQ(out->legal_hold, s3::LegalHold::kOff);
    EXPECT_EQ(out->metadata.at("sha256"), "deadbeef");
    EXPECT_EQ(out->version_id, "v7");
    EXPECT_EQ(out->request_id, "rh");
    EXPECT_EQ(out->last_modified, At(1704067200));
}

TEST_F(S3WormTest, HeadObjectOfAMissingKeyIsNotFound) {
    transport_->Reply(404, "", {{"x-amz-request-id", "r404"}});
    auto out = s3::HeadObject(client_, {"evidence-vault", "missing", ""});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "NotFound");
    EXPECT_EQ(out.error().http_status, 404);
    EXPECT_EQ(out.error().request_id, "r404");
    EXPECT_EQ(out.error().operation, "s3:HeadObject");
    EXPECT_EQ(Only().request.query, "");
}

TEST_F(S3WormTest, HeadObjectOfADeleteMarkerVersionIsMethodNotAllowed) {
    transport_->Reply(405, "", {{"x-amz-delete-marker", "true"}});
    auto out = s3::HeadObject(client_, {"evidence-vault", "k", "dm1"});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "MethodNotAllowed");
    EXPECT_EQ(out.error().http_status, 405);
}

TEST_F(S3WormTest, HeadObjectWithAnUnknownLockModeIsInvalidResponse) {
    transport_->Reply(200, "", {{"x-amz-object-lock-mode", "FOREVER"}});
    auto out = s3::HeadObject(client_, {"evidence-vault", "k", ""});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");
}

// ---- DeleteObject -------------------------------------------------------------------------------

TEST_F(S3WormTest, DeleteObjectWithoutAVersionAddsADeleteMarker) {
    transport_->Reply(204, "", {{"x-amz-delete-marker", "true"}, {"x-amz-version-id", "dm1"}});
    auto out = s3::DeleteObject(client_, {"evidence-vault", "objects/k", "", false});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "DELETE");
    EXPECT_EQ(sent.path, "/objects/k");
    EXPECT_EQ(sent.query, "");
    EXPECT_EQ(sent.Header("x-amz-bypass-governance-retention"), nullptr);
    EXPECT_TRUE(out->delete_marker);
    EXPECT_EQ(out->version_id, "dm1");
}

TEST_F(S3WormTest, DeleteObjectVersionWithBypassSendsTheHeader) {
    transport_->Reply(204, "", {{"x-amz-version-id", "v1"}});
    auto out = s3::DeleteObject(client_, {"evidence-vault", "k", "v1+/=", true});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.query, "versionId=v1%2B%2F%3D");
    EXPECT_EQ(HeaderOf(sent, "x-amz-bypass-governance-retention"), "true");
    EXPECT_NE(SignedHeaders(sent).find("x-amz-bypass-governance-retention"), std::string::npos);
    EXPECT_FALSE(out->delete_marker);
    EXPECT_EQ(out->version_id, "v1");
}

TEST_F(S3WormTest, DeleteObjectOfALockedVersionIsAccessDenied) {
    transport_->Reply(
            403, S3Error("AccessDenied", "Access Denied because object protected by object lock."));
    auto out = s3::DeleteObject(client_, {"evidence-vault", "k", "v1", false});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "AccessDenied");
    EXPECT_EQ(out.error().message, "Access Denied because object protected by object lock.");
    EXPECT_EQ(out.error().http_status, 403);
}

TEST_F(S3WormTest, DeleteObjectRefusesAnEmptyKey) {
    auto out = s3::DeleteObject(client_, {"evidence-vault", "", "", false});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidArgument");
    EXPECT_EQ(out.error().operation, "s3:DeleteObject");
    EXPECT_TRUE(transport_->sent().empty());
}

// ---- Object retention ---------------------------------------------------------------------------

TEST_F(S3WormTest, PutObjectRetentionSendsTheRetentionDocumentWithItsMd5) {
    transport_->Reply(200, "", {{"x-amz-request-id", "rr"}});
    s3::PutObjectRetentionRequest request;
    request.bucket = "evidence-vault";
    request.key = "objects/k";
    request.version_id = "v1";
    request.mode = s3::ObjectLockMode::kCompliance;
    request.retain_until = At(kJan2030);
    auto out = s3::PutObjectRetention(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.path, "/objects/k");
    EXPECT_EQ(sent.query, "retention=&versionId=v1");
    std::string body = "<Retention xmlns=\"" + std::string(kNs) +
                       "\"><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z"
                       "</RetainUntilDate></Retention>";
    EXPECT_EQ(sent.body, body);
    EXPECT_EQ(HeaderOf(sent, "Content-MD5"), Base64Encode(Md5(body)));
    EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/xml");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), Sha256Hex(body));
    EXPECT_EQ(sent.Header("x-amz-bypass-governance-retention"), nullptr);
    EXPECT_EQ(out->request_id, "rr");
}

TEST_F(S3WormTest, PutObjectRetentionOfTheCurrentVersionWithBypass) {
    transport_->Reply(200, "", {});
    s3::PutObjectRetentionRequest request;
    request.bucket = "evidence-vault";
    request.key = "k";
    request.retain_until = At(kJan2030);
    request.bypass_governance_retention = true;
    ASSERT_TRUE(s3::PutObjectRetention(client_, request).has_value());
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.query, "retention=");
    EXPECT_NE(sent.body.find("<Mode>GOVERNANCE</Mode>"), std::string::npos);
    EXPECT_EQ(HeaderOf(sent, "x-amz-bypass-governance-retention"), "true");
}

TEST_F(S3WormTest, GetObjectRetentionParsesModeAndDate) {
    transport_->Reply(200,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Retention xmlns=\"" +
                              std::string(kNs) +
                              "\"><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-01T00:00:00.000Z"
                              "</RetainUntilDate></Retention>",
                      {{"x-amz-request-id", "rg"}});
    auto out = s3::GetObjectRetention(client_, {"evidence-vault", "k", "v2"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(Only().request.method, "GET");
    EXPECT_EQ(Only().request.query, "retention=&versionId=v2");
    EXPECT_EQ(out->mode, s3::ObjectLockMode::kGovernance);
    EXPECT_EQ(out->retain_until, At(kJan2030));
    EXPECT_EQ(out->request_id, "rg");
}

TEST_F(S3WormTest, GetObjectRetentionRefusesABadReply) {
    transport_->Reply(200, "<Retention><Mode>SOMETIMES</Mode></Retention>", {});
    auto bad_mode = s3::GetObjectRetention(client_, {"evidence-vault", "k", ""});
    ASSERT_FALSE(bad_mode.has_value());
    EXPECT_EQ(bad_mode.error().code, "InvalidResponse");

    transport_->Reply(200, "<Retention><RetainUntilDate>soon</RetainUntilDate></Retention>", {});
    auto bad_date = s3::GetObjectRetention(client_, {"evidence-vault", "k", ""});
    ASSERT_FALSE(bad_date.has_value());
    EXPECT_EQ(bad_date.error().code, "InvalidResponse");

    transport_->Reply(200, "<LegalHold><Status>ON</Status></LegalHold>", {});
    auto wrong_root = s3::GetObjectRetention(client_, {"evidence-vault", "k", ""});
    ASSERT_FALSE(wrong_root.has_value());
    EXPECT_EQ(wrong_root.error().code, "InvalidResponse");
}

TEST_F(S3WormTest, GetObjectRetentionOfAVersionWithoutOne) {
    transport_->Reply(404,
                      S3Error("NoSuchObjectLockConfiguration",
                              "The specified object does not have a ObjectLock configuration"));
    auto out = s3::GetObjectRetention(client_, {"evidence-vault", "k", ""});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "NoSuchObjectLockConfiguration");
    EXPECT_EQ(out.error().http_status, 404);
}

// ---- CreateBucket -------------------------------------------------------------------------------

TEST_F(S3WormTest, CreateBucketInUsEast1HasNoLocationConstraint) {
    transport_->Reply(200, "", {{"Location", "/evidence-vault"}, {"x-amz-request-id", "rc"}});
    s3::CreateBucketRequest request;
    request.bucket = "evidence-vault";
    request.object_lock_enabled = true;
    auto out = s3::CreateBucket(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const FakeTransport::Sent& sent = Only();
    EXPECT_EQ(sent.request.method, "PUT");
    EXPECT_EQ(sent.request.path, "/");
    EXPECT_EQ(sent.endpoint.host, "evidence-vault.s3.us-east-1.amazonaws.com");
    EXPECT_EQ(sent.request.body, "");
    EXPECT_EQ(HeaderOf(sent.request, "x-amz-bucket-object-lock-enabled"), "true");
    EXPECT_EQ(HeaderOf(sent.request, "x-amz-content-sha256"), kEmptyPayloadSha256);
    EXPECT_EQ(out->location, "/evidence-vault");
    EXPECT_EQ(out->request_id, "rc");
}

TEST_F(S3WormTest, CreateBucketElsewhereSendsTheClientsRegion) {
    AwsClient eu = testing::MakeTestClient(transport_, "eu-west-1");
    transport_->Reply(200, "", {{"Location", "http://vault-eu.s3.amazonaws.com/"}});
    s3::CreateBucketRequest request;
    request.bucket = "vault-eu";
    auto out = s3::CreateBucket(eu, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.body,
              "<CreateBucketConfiguration xmlns=\"" + std::string(kNs) +
                      "\"><LocationConstraint>eu-west-1</LocationConstraint>"
                      "</CreateBucketConfiguration>");
    EXPECT_EQ(HeaderOf(sent, "x-amz-content-sha256"), Sha256Hex(sent.body));
    EXPECT_EQ(sent.Header("x-amz-bucket-object-lock-enabled"), nullptr);
    EXPECT_EQ(Scope(sent), "eu-west-1/s3");
    EXPECT_EQ(Only().endpoint.host, "vault-eu.s3.eu-west-1.amazonaws.com");
}

TEST_F(S3WormTest, CreateBucketThatExistsIsAConflict) {
    transport_->Reply(409,
                      S3Error("BucketAlreadyOwnedByYou",
                              "Your previous request to create the named bucket succeeded and you "
                              "already own it."));
    auto out = s3::CreateBucket(client_, {"evidence-vault", "", true});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "BucketAlreadyOwnedByYou");
    EXPECT_EQ(out.error().http_status, 409);
}

// ---- Object Lock configuration ------------------------------------------------------------------

TEST_F(S3WormTest, PutObjectLockConfigurationWithADefaultRetention) {
    transport_->Reply(200, "", {});
    s3::PutObjectLockConfigurationRequest request;
    request.bucket = "evidence-vault";
    request.default_mode = s3::ObjectLockMode::kCompliance;
    request.years = 7;
    ASSERT_TRUE(s3::PutObjectLockConfiguration(client_, request).has_value());
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "PUT");
    EXPECT_EQ(sent.query, "object-lock=");
    std::string body = "<ObjectLockConfiguration xmlns=\"" + std::string(kNs) +
                       "\"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention>"
                       "<Mode>COMPLIANCE</Mode><Years>7</Years></DefaultRetention></Rule>"
                       "</ObjectLockConfiguration>";
    EXPECT_EQ(sent.body, body);
    EXPECT_EQ(HeaderOf(sent, "Content-MD5"), Base64Encode(Md5(body)));
}

TEST_F(S3WormTest, PutObjectLockConfigurationWithoutARule) {
    transport_->Reply(200, "", {});
    s3::PutObjectLockConfigurationRequest request;
    request.bucket = "evidence-vault";
    ASSERT_TRUE(s3::PutObjectLockConfiguration(client_, request).has_value());
    EXPECT_EQ(Only().request.body.find("<Rule>"), std::string::npos);
}

TEST_F(S3WormTest, PutObjectLockConfigurationRefusesAnAmbiguousPeriod) {
    s3::PutObjectLockConfigurationRequest both;
    both.bucket = "evidence-vault";
    both.default_mode = s3::ObjectLockMode::kGovernance;
    both.days = 1;
    both.years = 1;
    EXPECT_FALSE(s3::PutObjectLockConfiguration(client_, both).has_value());
    s3::PutObjectLockConfigurationRequest neither = both;
    neither.days = 0;
    neither.years = 0;
    EXPECT_FALSE(s3::PutObjectLockConfiguration(client_, neither).has_value());
    s3::PutObjectLockConfigurationRequest no_mode;
    no_mode.bucket = "evidence-vault";
    no_mode.days = 3;
    auto out = s3::PutObjectLockConfiguration(client_, no_mode);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidArgument");
    EXPECT_TRUE(transport_->sent().empty());
}

TEST_F(S3WormTest, GetObjectLockConfigurationParsesTheRule) {
    transport_->Reply(200,
                      "<ObjectLockConfiguration xmlns=\"" + std::string(kNs) +
                              "\"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule>"
                              "<DefaultRetention><Mode>GOVERNANCE</Mode><Days>30</Days>"
                              "</DefaultRetention></Rule></ObjectLockConfiguration>",
                      {});
    auto out = s3::GetObjectLockConfiguration(client_, {"evidence-vault"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(Only().request.query, "object-lock=");
    EXPECT_TRUE(out->object_lock_enabled);
    EXPECT_EQ(out->default_mode, s3::ObjectLockMode::kGovernance);
    EXPECT_EQ(out->days, 30);
    EXPECT_EQ(out->years, 0);

    transport_->Reply(200,
                      "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
                      "</ObjectLockConfiguration>",
                      {});
    auto bare = s3::GetObjectLockConfiguration(client_, {"evidence-vault"});
    ASSERT_TRUE(bare.has_value());
    EXPECT_TRUE(bare->object_lock_enabled);
    EXPECT_FALSE(bare->default_mode.has_value());
}

// ---- ListObjectVersions -------------------------------------------------------------------------

TEST_F(S3WormTest, ListObjectVersionsRequestAndInterleavedReply) {
    transport_->Reply(
            200,
            "<ListVersionsResult xmlns=\"" + std::string(kNs) +
                    "\"><Name>evidence-vault</Name><Prefix>a%20b/</Prefix>"
                    "<KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>"
                    "<NextKeyMarker>a%20b/z</NextKeyMarker><NextVersionIdMarker>v9"
                    "</NextVersionIdMarker><MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>"
                    "<DeleteMarker><Key>a%20b/x</Key><VersionId>dm</VersionId>"
                    "<IsLatest>true</IsLatest><LastModified>2024-01-01T00:00:00.000Z"
                    "</LastModified></DeleteMarker>"
                    "<Version><Key>a%20b/x</Key><VersionId>v1</VersionId><IsLatest>false"
                    "</IsLatest><LastModified>2023-12-31T00:00:00.000Z</LastModified>"
                    "<ETag>&quot;e1&quot;</ETag><Size>11</Size><StorageClass>STANDARD"
                    "</StorageClass></Version>"
                    "<Version><Key>a%20b/z</Key><VersionId>v9</VersionId><IsLatest>true"
                    "</IsLatest><ETag>&quot;e9&quot;</ETag><Size>3</Size></Version>"
                    "<EncodingType>url</EncodingType></ListVersionsResult>",
            {{"x-amz-request-id", "rl"}});
    s3::ListObjectVersionsRequest request;
    request.bucket = "evidence-vault";
    request.prefix = "a b/";
    request.key_marker = "a b/w";
    request.version_id_marker = "v0";
    request.max_keys = 3;
    auto out = s3::ListObjectVersions(client_, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const HttpRequest& sent = Only().request;
    EXPECT_EQ(sent.method, "GET");
    EXPECT_EQ(sent.path, "/");
    EXPECT_EQ(sent.query,
              "encoding-type=url&key-marker=a%20b%2Fw&max-keys=3&prefix=a%20b%2F&"
              "version-id-marker=v0&versions=");
    ASSERT_EQ(out->entries.size(), 3u);
    EXPECT_EQ(out->entries[0].key, "a b/x");
    EXPECT_TRUE(out->entries[0].delete_marker);
    EXPECT_TRUE(out->entries[0].is_latest);
    EXPECT_EQ(out->entries[0].version_id, "dm");
    EXPECT_FALSE(out->entries[1].delete_marker);
    EXPECT_FALSE(out->entries[1].is_latest);
    EXPECT_EQ(out->entries[1].size, 11);
    EXPECT_EQ(out->entries[1].etag, "\"e1\"");
    EXPECT_EQ(out->entries[1].version_id, "v1");
    EXPECT_EQ(out->entries[2].key, "a b/z");
    EXPECT_TRUE(out->is_truncated);
    EXPECT_EQ(out->next_key_marker, "a b/z");
    EXPECT_EQ(out->next_version_id_marker, "v9");
    EXPECT_EQ(out->request_id, "rl");
}

TEST_F(S3WormTest, ListObjectVersionsNeedsItsRootElement) {
    transport_->Reply(200, "<ListBucketResult></ListBucketResult>", {});
    auto out = s3::ListObjectVersions(client_, {"evidence-vault", "", "", "", std::nullopt});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidResponse");
}

}  // namespace
}  // namespace firebreak::aws
