// File: s3.h
//
// Typed S3 operations over AwsClient::Send() (REST-XML, SendOptions::s3): objects with Object
// Lock for the evidence vault (write-once PutObject with If-None-Match, HeadObject, DeleteObject,
// object retention, buckets created with Object Lock and their default retention, the version
// history), listing the CloudTrail archive, and the bucket settings a responder closes (public
// access block, bucket policy).
//
// Addressing. Virtual-hosted (`bucket.s3.{region}.amazonaws.com/key`) by default; path-style
// (`{endpoint}/bucket/key`) when the client has an S3 endpoint override (the sandbox, MinIO:
// awscli and boto3 do the same) or when the bucket name cannot be a single DNS label (dots,
// uppercase, underscores: a dotted name would not match the *.s3 TLS certificate). Keys are
// percent-encoded per segment ('/' kept).
//
// Every request sets x-amz-content-sha256 to the hex SHA-256 of its body; PutObject and
// PutPublicAccessBlock also send Content-MD5 (S3 requires it with Object Lock and for the
// latter) and an explicit Content-Type (otherwise curl adds application/x-www-form-urlencoded,
// which S3 would store as the object's type). Sub-resources are written pre-sorted as `name=` with
// RFC 3986 encoded values, the form every SigV4 implementation (including curl 7.88's)
// canonicalises the same way.
//
// Each operation has a request and a response struct, BuildXRequest (the HTTP request before
// Host and signing; it refuses bad input with ApiError code "InvalidArgument"), ParseX (the
// response) and the call itself.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/aws/http.h"

namespace firebreak::aws::s3 {

using TimePoint = std::chrono::system_clock::time_point;

// ---- Addressing ---------------------------------------------------------------------------------

enum class Addressing : uint8_t { kVirtualHosted, kPathStyle };

// 3..63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit.
bool IsVirtualHostableBucket(std::string_view bucket);

Addressing ChooseAddressing(const AwsClient& client, std::string_view bucket);

// host_prefix "bucket." for virtual-hosted requests; S3 signing rules either way.
SendOptions MakeSendOptions(std::string_view bucket, Addressing addressing);

// The wire path: "/bucket/key" or "/key"; with an empty key "/bucket" or "/".
std::string RequestPath(std::string_view bucket, std::string_view key, Addressing addressing);

// RFC 1123 ("Wed, 12 Oct 2009 17:50:00 GMT"), the form of Last-Modified.
std::optional<TimePoint> ParseHttpDate(std::string_view text);

// ---- Object Lock --------------------------------------------------------------------------------

enum class ObjectLockMode : uint8_t { kGovernance, kCompliance };

std::string_view ObjectLockModeName(ObjectLockMode mode);  // "GOVERNANCE" | "COMPLIANCE"

enum class LegalHold : uint8_t { kOff, kOn };

std::string_view LegalHoldName(LegalHold hold);  // "OFF" | "ON"

// ---- PutObject ----------------------------------------------------------------------------------

struct PutObjectRequest {
    std::string bucket;
    std::string key;
    std::string body;
    std::string content_type;  // empty = "binary/octet-stream" (S3's default)
    // User metadata, sent as x-amz-meta-<name>. Names are HTTP tokens (S3 stores them lower
    // case; two names equal but for case are refused); values printable ASCII.
    std::map<std::string, std::string> metadata;
    // Mode and retain-until go together (S3 refuses one without the other); the bucket must have
    // Object Lock enabled.
    std::optional<ObjectLockMode> object_lock_mode;
    std::optional<TimePoint> object_lock_retain_until;  // sent as ISO-8601, whole seconds
    std::optional<LegalHold> legal_hold;
    // Sends `If-None-Match: *`: S3 writes the object only when the key has no current version
    // (a delete marker does not count), else fails with PreconditionFailed (HTTP 412); a
    // concurrent conditional write of the same key may fail with ConditionalRequestConflict (409).
    bool if_none_match = false;
};

struct PutObjectResponse {
    std::string etag;        // quoted, as S3 sends it: "\"<md5 hex>\""
    std::string version_id;  // empty when the bucket is not versioned
    std::string request_id;
};

Outcome<HttpRequest> BuildPutObjectRequest(const PutObjectRequest& request, Addressing addressing);

Outcome<PutObjectResponse> ParsePutObject(const HttpResponse& response);

Outcome<PutObjectResponse> PutObject(const AwsClient& client, const PutObjectRequest& request);

// ---- GetObject ----------------------------------------------------------------------------------

struct GetObjectRequest {
    std::string bucket;
    std::string key;
    std::string version_id;  // empty = the current version
};

struct GetObjectResponse {
    std::string body;
    std::optional<int64_t> content_length;  // Content-Length, when the reply has one
    std::string etag;                       // quoted, as S3 sends it
    std::optional<TimePoint> last_modified;
    std::string content_type;
    std::map<std::string, std::string>
            metadata;  // x-amz-meta-* with the prefix removed, lower case
    std::optional<ObjectLockMode> object_lock_mode;
    std::optional<TimePoint> object_lock_retain_until;
    std::optional<LegalHold> legal_hold;
    std::string version_id;
    std::string request_id;
};

Outcome<HttpRequest> BuildGetObjectRequest(const GetObjectRequest& request, Addressing addressing);

// Fails with InvalidResponse on an unknown lock mode or legal hold, or a malformed retain-until.
Outcome<GetObjectResponse> ParseGetObject(HttpResponse response);

// A missing key fails with NoSuchKey (HTTP 404).
Outcome<GetObjectResponse> GetObject(const AwsClient& client, const GetObjectRequest& request);

// ---- HeadObject ---------------------------------------------------------------------------------

// GetObject's headers without the body (HEAD /bucket/key[?versionId=]).
using HeadObjectRequest = GetObjectRequest;
using HeadObjectResponse = GetObjectResponse;  // body always empty; content_length is the size

Outcome<HttpRequest> BuildHeadObjectRequest(const HeadObjectRequest& request,
                                            Addressing addressing);

Outcome<HeadObjectResponse> ParseHeadObject(const HttpResponse& response);

// HEAD replies have no body, so S3's error code is not on the wire: a missing key, version or
// bucket, and a current version that is a delete marker, fail with code "NotFound" (HTTP 404); a
// version_id naming a delete marker fails with "MethodNotAllowed" (HTTP 405); a denial is
// "Forbidden" (HTTP 403).
Outcome<HeadObjectResponse> HeadObject(const AwsClient& client, const HeadObjectRequest& request);

// ---- DeleteObject -------------------------------------------------------------------------------

struct DeleteObjectRequest {
    std::string bucket;
    std::string key;
    // Empty: on a versioned bucket S3 adds a delete marker (allowed even when the current version
    // is locked; nothing is destroyed); on an unversioned one it removes the object. Given: that
    // version is removed for good, which Object Lock refuses while it is retained or on legal hold
    // (AccessDenied, HTTP 403).
    std::string version_id;
    // x-amz-bypass-governance-retention: true. Lets a caller with s3:BypassGovernanceRetention
    // remove a version under GOVERNANCE retention; never a COMPLIANCE one or a legal hold.
    bool bypass_governance_retention = false;
};

struct DeleteObjectResponse {
    bool delete_marker = false;  // x-amz-delete-marker: a marker was added or removed
    std::string version_id;      // the marker's or the removed version's id
    std::string request_id;
};

Outcome<HttpRequest> BuildDeleteObjectRequest(const DeleteObjectRequest& request,
                                              Addressing addressing);

Outcome<DeleteObjectResponse> ParseDeleteObject(const HttpResponse& response);

Outcome<DeleteObjectResponse> DeleteObject(const AwsClient& client,
                                           const DeleteObjectRequest& request);

// ---- PutObjectRetention -------------------------------------------------------------------------

// PUT /bucket/key?retention[&versionId=] with <Retention><Mode/><RetainUntilDate/></Retention>
// and its Content-MD5. Extending a retention is always allowed; shortening it or changing
// GOVERNANCE <-> COMPLIANCE is refused for COMPLIANCE, and for GOVERNANCE unless
// bypass_governance_retention is set and the caller has s3:BypassGovernanceRetention
// (AccessDenied, HTTP 403). A bucket without Object Lock fails with InvalidRequest.
struct PutObjectRetentionRequest {
    std::string bucket;
    std::string key;
    std::string version_id;  // empty = the current version
    ObjectLockMode mode = ObjectLockMode::kGovernance;
    TimePoint retain_until{};  // sent as ISO-8601, whole seconds
    bool bypass_governance_retention = false;
};

struct PutObjectRetentionResponse {
    std::string request_id;
};

Outcome<HttpRequest> BuildPutObjectRetentionRequest(const PutObjectRetentionRequest& request,
                                                    Addressing addressing);

Outcome<PutObjectRetentionResponse> ParsePutObjectRetention(const HttpResponse& response);

Outcome<PutObjectRetentionResponse> PutObjectRetention(const AwsClient& client,
                                                       const PutObjectRetentionRequest& request);

// ---- GetObjectRetention -------------------------------------------------------------------------

struct GetObjectRetentionRequest {
    std::string bucket;
    std::string key;
    std::string version_id;  // empty = the current version
};

struct GetObjectRetentionResponse {
    std::optional<ObjectLockMode> mode;
    std::optional<TimePoint> retain_until;
    std::string request_id;
};

Outcome<HttpRequest> BuildGetObjectRetentionRequest(const GetObjectRetentionRequest& request,
                                                    Addressing addressing);

// Needs a Retention root element; an unknown mode or a malformed date is InvalidResponse.
Outcome<GetObjectRetentionResponse> ParseGetObjectRetention(const HttpResponse& response);

// A version without retention fails with NoSuchObjectLockConfiguration (HTTP 404).
Outcome<GetObjectRetentionResponse> GetObjectRetention(const AwsClient& client,
                                                       const GetObjectRetentionRequest& request);

// ---- CreateBucket -------------------------------------------------------------------------------

struct CreateBucketRequest {
    std::string bucket;
    // Where the bucket lives; empty = the client's region. Sent as
    // <CreateBucketConfiguration><LocationConstraint>, except for us-east-1 (S3 refuses an
    // explicit us-east-1 constraint). The request is signed for the client's region, which S3
    // wants to match (IllegalLocationConstraintException otherwise).
    std::string region;
    // x-amz-bucket-object-lock-enabled: true. Object Lock also turns versioning on, for good.
    bool object_lock_enabled = false;
};

struct CreateBucketResponse {
    std::string location;  // the Location header ("/bucket" or the bucket's URL)
    std::string request_id;
};

// `region` must already be filled in (CreateBucket() does it from the client).
Outcome<HttpRequest> BuildCreateBucketRequest(const CreateBucketRequest& request,
                                              Addressing addressing);

Outcome<CreateBucketResponse> ParseCreateBucket(const HttpResponse& response);

// An existing name fails with BucketAlreadyOwnedByYou or BucketAlreadyExists (HTTP 409); a name
// S3 cannot take with InvalidBucketName (the client only checks that it is not empty).
Outcome<CreateBucketResponse> CreateBucket(const AwsClient& client,
                                           const CreateBucketRequest& request);

// ---- PutObjectLockConfiguration -----------------------------------------------------------------

// PUT /bucket?object-lock with <ObjectLockConfiguration><ObjectLockEnabled>Enabled</...> and,
// when default_mode is set, a default retention rule (exactly one of days and years > 0),
// with its Content-MD5. Applies to versions written afterwards. The bucket must have been created
// with Object Lock (or have versioning enabled, which then enables Object Lock for good).
struct PutObjectLockConfigurationRequest {
    std::string bucket;
    std::optional<ObjectLockMode> default_mode;  // nullopt = no default retention
    int days = 0;
    int years = 0;
};

struct PutObjectLockConfigurationResponse {
    std::string request_id;
};

Outcome<HttpRequest> BuildPutObjectLockConfigurationRequest(
        const PutObjectLockConfigurationRequest& request, Addressing addressing);

Outcome<PutObjectLockConfigurationResponse> ParsePutObjectLockConfiguration(
        const HttpResponse& response);

Outcome<PutObjectLockConfigurationResponse> PutObjectLockConfiguration(
        const AwsClient& client, const PutObjectLockConfigurationRequest& request);

// ---- GetObjectLockConfiguration -----------------------------------------------------------------

struct GetObjectLockConfigurationRequest {
    std::string bucket;
};

struct GetObjectLockConfigurationResponse {
    bool object_lock_enabled = false;            // <ObjectLockEnabled>Enabled</ObjectLockEnabled>
    std::optional<ObjectLockMode> default_mode;  // the default retention, when there is one
    int days = 0;
    int years = 0;
    std::string request_id;
};

Outcome<HttpRequest> BuildGetObjectLockConfigurationRequest(
        const GetObjectLockConfigurationRequest& request, Addressing addressing);

// Needs an ObjectLockConfiguration root element; an unknown mode is InvalidResponse.
Outcome<GetObjectLockConfigurationResponse> ParseGetObjectLockConfiguration(
        const HttpResponse& response);

// A bucket without Object Lock fails with ObjectLockConfigurationNotFoundError (HTTP 404).
Outcome<GetObjectLockConfigurationResponse> GetObjectLockConfiguration(
        const AwsClient& client, const GetObjectLockConfigurationRequest& request);

// ---- ListObjectVersions -------------------------------------------------------------------------

struct ListObjectVersionsRequest {
    std::string bucket;
    std::string prefix;
    std::string key_marker;         // resume after this key (next_key_marker)...
    std::string version_id_marker;  // ... and this version of it (next_version_id_marker)
    std::optional<int> max_keys;    // 1..1000 (service default 1000)
};

// One entry of a key's history: a version or a delete marker.
struct ObjectVersionEntry {
    std::string key;
    std::string version_id;  // "null" for a version written while unversioned
    bool is_latest = false;
    bool delete_marker = false;
    int64_t size = 0;  // versions only
    std::string etag;  // versions only; quoted
    std::optional<TimePoint> last_modified;
};

struct ListObjectVersionsResponse {
    // Versions and delete markers in S3's order: by key, then newest first.
    std::vector<ObjectVersionEntry> entries;
    bool is_truncated = false;
    std::string next_key_marker;
    std::string next_version_id_marker;
    std::string request_id;
};

// GET /bucket?encoding-type=url&key-marker=&max-keys=&prefix=&version-id-marker=&versions=
Outcome<HttpRequest> BuildListObjectVersionsRequest(const ListObjectVersionsRequest& request,
                                                    Addressing addressing);

// Needs a ListVersionsResult root element.
Outcome<ListObjectVersionsResponse> ParseListObjectVersions(const HttpResponse& response);

Outcome<ListObjectVersionsResponse> ListObjectVersions(const AwsClient& client,
                                                       const ListObjectVersionsRequest& request);

// ---- ListObjectsV2 ------------------------------------------------------------------------------

struct ListObjectsV2Request {
    std::string bucket;
    std::string prefix;
    std::string delimiter;  // "/" groups keys into common_prefixes
    std::string continuation_token;
    std::optional<int> max_keys;  // 1..1000 (service default 1000)
    std::string start_after;
};

struct Object {
    std::string key;
    int64_t size = 0;
    std::string etag;  // quoted, as S3 sends it
    std::optional<TimePoint> last_modified;
    std::string storage_class;
};

struct ListObjectsV2Response {
    std::vector<Object> contents;
    std::vector<std::string> common_prefixes;
    bool is_truncated = false;
    std::string next_continuation_token;  // pass back as continuation_token when is_truncated
    int64_t key_count = 0;
    std::string request_id;
};

// GET /bucket?continuation-token=&delimiter=&encoding-type=url&list-type=2&max-keys=&prefix=
// &start-after= (only the parameters given; encoding-type=url as botocore sends, so keys that XML
// cannot carry survive; replies are decoded when they say <EncodingType>url</EncodingType>).
Outcome<HttpRequest> BuildListObjectsV2Request(const ListObjectsV2Request& request,
                                               Addressing addressing);

Outcome<ListObjectsV2Response> ParseListObjectsV2(const HttpResponse& response);

Outcome<ListObjectsV2Response> ListObjectsV2(const AwsClient& client,
                                             const ListObjectsV2Request& request);

// ---- PutPublicAccessBlock -----------------------------------------------------------------------

struct PutPublicAccessBlockRequest {
    std::string bucket;
    bool block_public_acls = true;
    bool ignore_public_acls = true;
    bool block_public_policy = true;
    bool restrict_public_buckets = true;
};

struct PutPublicAccessBlockResponse {
    std::string request_id;
};

// PUT /bucket?publicAccessBlock= with the PublicAccessBlockConfiguration XML and its Content-MD5.
Outcome<HttpRequest> BuildPutPublicAccessBlockRequest(const PutPublicAccessBlockRequest& request,
                                                      Addressing addressing);

Outcome<PutPublicAccessBlockResponse> ParsePutPublicAccessBlock(const HttpResponse& response);

Outcome<PutPublicAccessBlockResponse> PutPublicAccessBlock(
        const AwsClient& client, const PutPublicAccessBlockRequest& request);

// ---- GetBucketPolicy ----------------------------------------------------------------------------

struct GetBucketPolicyRequest {
    std::string bucket;
};

struct GetBucketPolicyResponse {
    std::string policy;  // the policy JSON text, as stored
    std::string request_id;
};

Outcome<HttpRequest> BuildGetBucketPolicyRequest(const GetBucketPolicyRequest& request,
                                                 Addressing addressing);

Outcome<GetBucketPolicyResponse> ParseGetBucketPolicy(HttpResponse response);

// A bucket without a policy fails with NoSuchBucketPolicy (HTTP 404).
Outcome<GetBucketPolicyResponse> GetBucketPolicy(const AwsClient& client,
                                                 const GetBucketPolicyRequest& request);

// ---- DeleteBucketPolicy -------------------------------------------------------------------------

struct DeleteBucketPolicyRequest {
    std::string bucket;
};

struct DeleteBucketPolicyResponse {
    std::string request_id;
};

Outcome<HttpRequest> BuildDeleteBucketPolicyRequest(const DeleteBucketPolicyRequest& request,
                                                    Addressing addressing);

Outcome<DeleteBucketPolicyResponse> ParseDeleteBucketPolicy(const HttpResponse& response);

Outcome<DeleteBucketPolicyResponse> DeleteBucketPolicy(const AwsClient& client,
                                                       const DeleteBucketPolicyRequest& request);

// ---- GetPublicAccessBlock -----------------------------------------------------------------------

struct GetPublicAccessBlockRequest {
    std::string bucket;
};

// A bucket without a configuration fails with NoSuchPublicAccessBlockConfiguration (HTTP 404).
struct GetPublicAccessBlockResponse {
    bool block_public_acls = false;
    bool ignore_public_acls = false;
    bool block_public_policy = false;
    bool restrict_public_buckets = false;
    std::string request_id;
};

Outcome<HttpRequest> BuildGetPublicAccessBlockRequest(const GetPublicAccessBlockRequest& request,
                                                      Addressing addressing);

// Needs a PublicAccessBlockConfiguration root element.
Outcome<GetPublicAccessBlockResponse> ParseGetPublicAccessBlock(const HttpResponse& response);

Outcome<GetPublicAccessBlockResponse> GetPublicAccessBlock(
        const AwsClient& client, const GetPublicAccessBlockRequest& request);

// ---- DeletePublicAccessBlock --------------------------------------------------------------------

// CloudTrail names it DeleteBucketPublicAccessBlock.
struct DeletePublicAccessBlockRequest {
    std::string bucket;
};

struct DeletePublicAccessBlockResponse {
    std::string request_id;
};

Outcome<HttpRequest> BuildDeletePublicAccessBlockRequest(
        const DeletePublicAccessBlockRequest& request, Addressing addressing);

Outcome<DeletePublicAccessBlockResponse> ParseDeletePublicAccessBlock(const HttpResponse& response);

Outcome<DeletePublicAccessBlockResponse> DeletePublicAccessBlock(
        const AwsClient& client, const DeletePublicAccessBlockRequest& request);

// ---- PutBucketPolicy ----------------------------------------------------------------------------

// `policy` is the policy JSON text, sent as the body with its Content-MD5. S3 refuses a document
// that is not a policy with MalformedPolicy.
struct PutBucketPolicyRequest {
    std::string bucket;
    std::string policy;
};

struct PutBucketPolicyResponse {
    std::string request_id;
};

Outcome<HttpRequest> BuildPutBucketPolicyRequest(const PutBucketPolicyRequest& request,
                                                 Addressing addressing);

Outcome<PutBucketPolicyResponse> ParsePutBucketPolicy(const HttpResponse& response);

Outcome<PutBucketPolicyResponse> PutBucketPolicy(const AwsClient& client,
                                                 const PutBucketPolicyRequest& request);

}  // namespace firebreak::aws::s3
