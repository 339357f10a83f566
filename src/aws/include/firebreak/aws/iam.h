// File: iam.h
//
// Typed IAM operations over AwsClient::Query() (query protocol, Version=2010-05-08). IAM is
// global: requests go to iam.amazonaws.com and are signed for us-east-1 whatever the client's
// region. These are the containment steps for a compromised user (deactivate keys, remove the
// console password, attach a deny-all policy) and the creation of a break-glass user.
//
// Each operation has a request and a response struct, the encoder of the form parameters
// botocore sends (../shared/notes/aws-wire-protocols.md 1.2; Action and Version are added by
// Query()), the parser of the reply and the call itself. Operations without output return a
// response holding only the request id. Times are ISO-8601 on the wire.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"

namespace firebreak::aws::iam {

using TimePoint = std::chrono::system_clock::time_point;

struct Tag {
    std::string key;
    std::string value;
};

// ---- CreateUser ---------------------------------------------------------------------------------

struct CreateUserRequest {
    std::string user_name;
    std::string path;  // empty = "/" (not sent)
    std::vector<Tag> tags;
};

struct User {
    std::string path;
    std::string user_name;
    std::string user_id;  // AIDA...
    std::string arn;
    std::optional<TimePoint> create_date;
    std::vector<Tag> tags;
};

struct CreateUserResponse {
    User user;
    std::string request_id;
};

QueryParams EncodeCreateUser(const CreateUserRequest& request);

Outcome<CreateUserResponse> ParseCreateUser(const XmlReply& reply);

Outcome<CreateUserResponse> CreateUser(const AwsClient& client, const CreateUserRequest& request);

// ---- CreateAccessKey ----------------------------------------------------------------------------

struct CreateAccessKeyRequest {
    std::string user_name;  // empty = the caller's own user
};

struct AccessKey {
    std::string user_name;
    std::string access_key_id;
    // SECRET. The secret access key: AWS shows it in this reply only. Hand it to whoever needs it
    // and drop it; never log it, put it in a message or an error, or print it (ToString() leaves
    // it out).
    std::string secret_access_key;
    std::string status;  // "Active" | "Inactive"
    std::optional<TimePoint> create_date;

    // "AKIA************MPLE (user bob, Active)": for logs and messages; never the secret.
    std::string ToString() const;
};

struct CreateAccessKeyResponse {
    AccessKey access_key;
    std::string request_id;
};

QueryParams EncodeCreateAccessKey(const CreateAccessKeyRequest& request);

// Fails with InvalidResponse when the reply has no AccessKey with an id and a secret.
Outcome<CreateAccessKeyResponse> ParseCreateAccessKey(const XmlReply& reply);

Outcome<CreateAccessKeyResponse> CreateAccessKey(const AwsClient& client,
                                                 const CreateAccessKeyRequest& request);

// ---- UpdateAccessKey ----------------------------------------------------------------------------

enum class AccessKeyStatus : uint8_t { kActive, kInactive };

// "Active" | "Inactive"
std::string_view AccessKeyStatusName(AccessKeyStatus status);

struct UpdateAccessKeyRequest {
    std::string user_name;  // empty = the caller's own user
    std::string access_key_id;
    AccessKeyStatus status = AccessKeyStatus::kInactive;
};

struct UpdateAccessKeyResponse {
    std::string request_id;
};

QueryParams EncodeUpdateAccessKey(const UpdateAccessKeyRequest& request);

Outcome<UpdateAccessKeyResponse> ParseUpdateAccessKey(const XmlReply& reply);

Outcome<UpdateAccessKeyResponse> UpdateAccessKey(const AwsClient& client,
                                                 const UpdateAccessKeyRequest& request);

// ---- ListAccessKeys -----------------------------------------------------------------------------

struct ListAccessKeysRequest {
    std::string user_name;  // empty = the caller's own user
    std::string marker;     // from a truncated previous page
    std::optional<int> max_items;
};

struct AccessKeyMetadata {
    std::string user_name;
    std::string access_key_id;
    std::string status;  // "Active" | "Inactive" (as AWS sent it)
    std::optional<TimePoint> create_date;
};

struct ListAccessKeysResponse {
    std::vector<AccessKeyMetadata> access_key_metadata;
    bool is_truncated = false;
    std::string marker;  // pass back as the request's marker when is_truncated
    std::string request_id;
};

QueryParams EncodeListAccessKeys(const ListAccessKeysRequest& request);

Outcome<ListAccessKeysResponse> ParseListAccessKeys(const XmlReply& reply);

Outcome<ListAccessKeysResponse> ListAccessKeys(const AwsClient& client,
                                               const ListAccessKeysRequest& request);

// ---- GetAccessKeyLastUsed
// ------------------------------------------------------------------------

struct GetAccessKeyLastUsedRequest {
    std::string access_key_id;
};

// ServiceName and Region are "N/A" and LastUsedDate absent for a key never used (since IAM began
// tracking on 2015-04-22). A key outside the caller's account is refused with AccessDenied.
struct AccessKeyLastUsed {
    std::optional<TimePoint> last_used_date;
    std::string service_name;  // "ec2", "iam", ... or "N/A"
    std::string region;        // "us-east-1", ... or "N/A"
};

struct GetAccessKeyLastUsedResponse {
    std::string user_name;  // the IAM user owning the key
    AccessKeyLastUsed access_key_last_used;
    std::string request_id;
};

QueryParams EncodeGetAccessKeyLastUsed(const GetAccessKeyLastUsedRequest& request);

// Fails with InvalidResponse when the reply has no AccessKeyLastUsed element.
Outcome<GetAccessKeyLastUsedResponse> ParseGetAccessKeyLastUsed(const XmlReply& reply);

Outcome<GetAccessKeyLastUsedResponse> GetAccessKeyLastUsed(
        const AwsClient& client, const GetAccessKeyLastUsedRequest& request);

// ---- DeleteLoginProfile -------------------------------------------------------------------------

struct DeleteLoginProfileRequest {
    std::string user_name;
};

struct DeleteLoginProfileResponse {
    std::string request_id;
};

QueryParams EncodeDeleteLoginProfile(const DeleteLoginProfileRequest& request);

Outcome<DeleteLoginProfileResponse> ParseDeleteLoginProfile(const XmlReply& reply);

// A user without a console password fails with NoSuchEntity (HTTP 404).
Outcome<DeleteLoginProfileResponse> DeleteLoginProfile(const AwsClient& client,
                                                       const DeleteLoginProfileRequest& request);

// ---- AttachUserPolicy ---------------------------------------------------------------------------

struct AttachUserPolicyRequest {
    std::string user_name;
    std::string policy_arn;  // "arn:aws:iam::aws:policy/AWSDenyAll"
};

struct AttachUserPolicyResponse {
    std::string request_id;
};

QueryParams EncodeAttachUserPolicy(const AttachUserPolicyRequest& request);

Outcome<AttachUserPolicyResponse> ParseAttachUserPolicy(const XmlReply& reply);

Outcome<AttachUserPolicyResponse> AttachUserPolicy(const AwsClient& client,
                                                   const AttachUserPolicyRequest& request);

// ---- PutUserPolicy ------------------------------------------------------------------------------

struct PutUserPolicyRequest {
    std::string user_name;
    std::string policy_name;
    std::string policy_document;  // the policy JSON text
};

struct PutUserPolicyResponse {
    std::string request_id;
};

QueryParams EncodePutUserPolicy(const PutUserPolicyRequest& request);

Outcome<PutUserPolicyResponse> ParsePutUserPolicy(const XmlReply& reply);

Outcome<PutUserPolicyResponse> PutUserPolicy(const AwsClient& client,
                                             const PutUserPolicyRequest& request);

// ---- ListAttachedUserPolicies -------------------------------------------------------------------

struct ListAttachedUserPoliciesRequest {
    std::string user_name;
    std::string path_prefix;  // empty = all
    std::string marker;
    std::optional<int> max_items;
};

struct AttachedPolicy {
    std::string policy_name;
    std::string policy_arn;
};

struct ListAttachedUserPoliciesResponse {
    std::vector<AttachedPolicy> attached_policies;
    bool is_truncated = false;
    std::string marker;
    std::string request_id;
};

QueryParams EncodeListAttachedUserPolicies(const ListAttachedUserPoliciesRequest& request);

Outcome<ListAttachedUserPoliciesResponse> ParseListAttachedUserPolicies(const XmlReply& reply);

Outcome<ListAttachedUserPoliciesResponse> ListAttachedUserPolicies(
        const AwsClient& client, const ListAttachedUserPoliciesRequest& request);

}  // namespace firebreak::aws::iam
