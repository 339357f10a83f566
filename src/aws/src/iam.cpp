// File: iam.cpp
//
// IAM operations: form parameters for Query() and readers of the <OpResult> element.
#include "firebreak/aws/iam.h"

#include <utility>

namespace firebreak::aws::iam {
namespace {

constexpr const char* kMember = "member";
constexpr ServiceId kService = ServiceId::kIam;

void AddUserName(const std::string& user_name, QueryParams* params) {
    if (!user_name.empty())
        params->Add("UserName", user_name);
}

void AddMarker(const std::string& marker, std::optional<int> max_items, QueryParams* params) {
    if (!marker.empty())
        params->Add("Marker", marker);
    if (max_items)
        params->AddInt("MaxItems", *max_items);
}

std::vector<Tag> ReadTags(const pugi::xml_node& tags) {
    std::vector<Tag> out;
    for (pugi::xml_node member : tags.children(kMember))
        out.push_back({ChildText(member, "Key"), ChildText(member, "Value")});
    return out;
}

template <class Response>
Response RequestIdOnly(const XmlReply& reply) {
    Response out;
    out.request_id = reply.request_id;
    return out;
}

}  // namespace

// ---- CreateUser ---------------------------------------------------------------------------------

QueryParams EncodeCreateUser(const CreateUserRequest& request) {
    QueryParams params;
    if (!request.path.empty())
        params.Add("Path", request.path);
    params.Add("UserName", request.user_name);
    params.AddTags("Tags", request.tags, true);
    return params;
}

Outcome<CreateUserResponse> ParseCreateUser(const XmlReply& reply) {
    pugi::xml_node user = reply.result.child("User");
    if (!user)
        return InvalidResponse("iam:CreateUser", "no User element");
    CreateUserResponse out;
    out.user.path = ChildText(user, "Path");
    out.user.user_name = ChildText(user, "UserName");
    out.user.user_id = ChildText(user, "UserId");
    out.user.arn = ChildText(user, "Arn");
    out.user.create_date = ChildTime(user, "CreateDate");
    out.user.tags = ReadTags(user.child("Tags"));
    out.request_id = reply.request_id;
    return out;
}

Outcome<CreateUserResponse> CreateUser(const AwsClient& client, const CreateUserRequest& request) {
    return CallQuery(client, kService, "CreateUser", EncodeCreateUser(request), ParseCreateUser);
}

// ---- CreateAccessKey ----------------------------------------------------------------------------

std::string AccessKey::ToString() const {
    Credentials id_only{access_key_id, "", "", std::nullopt};
    std::string out = id_only.RedactedKeyId();
    out += " (user " + (user_name.empty() ? std::string("?") : user_name);
    if (!status.empty())
        out += ", " + status;
    out += ")";
    return out;
}

QueryParams EncodeCreateAccessKey(const CreateAccessKeyRequest& request) {
    QueryParams params;
    AddUserName(request.user_name, &params);
    return params;
}

Outcome<CreateAccessKeyResponse> ParseCreateAccessKey(const XmlReply& reply) {
    pugi::xml_node key = reply.result.child("AccessKey");
    CreateAccessKeyResponse out;
    out.access_key.user_name = ChildText(key, "UserName");
    out.access_key.access_key_id = ChildText(key, "AccessKeyId");
    out.access_key.secret_access_key = ChildText(key, "SecretAccessKey");
    out.access_key.status = ChildText(key, "Status");
    out.access_key.create_date = ChildTime(key, "CreateDate");
    if (out.access_key.access_key_id.empty() || out.access_key.secret_access_key.empty()) {
        // The message names what is missing, never a value.
        return InvalidResponse("iam:CreateAccessKey",
                               "no AccessKey with AccessKeyId and SecretAccessKey");
    }
    out.request_id = reply.request_id;
    return out;
}

Outcome<CreateAccessKeyResponse> CreateAccessKey(const AwsClient& client,
                                                 const CreateAccessKeyRequest& request) {
    return CallQuery(client,
                     kService,
                     "CreateAccessKey",
                     EncodeCreateAccessKey(request),
                     ParseCreateAccessKey);
}

// ---- UpdateAccessKey ----------------------------------------------------------------------------

std::string_view AccessKeyStatusName(AccessKeyStatus status) {
    return status == AccessKeyStatus::kActive ? "Active" : "Inactive";
}

QueryParams EncodeUpdateAccessKey(const UpdateAccessKeyRequest& request) {
    QueryParams params;
    AddUserName(request.user_name, &params);
    params.Add("AccessKeyId", request.access_key_id);
    params.Add("Status", std::string(AccessKeyStatusName(request.status)));
    return params;
}

Outcome<UpdateAccessKeyResponse> ParseUpdateAccessKey(const XmlReply& reply) {
    return RequestIdOnly<UpdateAccessKeyResponse>(reply);
}

Outcome<UpdateAccessKeyResponse> UpdateAccessKey(const AwsClient& client,
                                                 const UpdateAccessKeyRequest& request) {
    return CallQuery(client,
                     kService,
                     "UpdateAccessKey",
                     EncodeUpdateAccessKey(request),
                     ParseUpdateAccessKey);
}

// ---- ListAccessKeys -----------------------------------------------------------------------------

QueryParams EncodeListAccessKeys(const ListAccessKeysRequest& request) {
    QueryParams params;
    AddUserName(request.user_name, &params);
    AddMarker(request.marker, request.max_items, &params);
    return params;
}

Outcome<ListAccessKeysResponse> ParseListAccessKeys(const XmlReply& reply) {
    ListAccessKeysResponse out;
    for (pugi::xml_node member : reply.result.child("AccessKeyMetadata").children(kMember)) {
        AccessKeyMetadata key;
        key.user_name = ChildText(member, "UserName");
        key.access_key_id = ChildText(member, "AccessKeyId");
        key.status = ChildText(member, "Status");
        key.create_date = ChildTime(member, "CreateDate");
        out.access_key_metadata.push_back(std::move(key));
    }
    out.is_truncated = ChildBool(reply.result, "IsTruncated").value_or(false);
    out.marker = ChildText(reply.result, "Marker");
    out.request_id = reply.request_id;
    return out;
}

Outcome<ListAccessKeysResponse> ListAccessKeys(const AwsClient& client,
                                               const ListAccessKeysRequest& request) {
    return CallQuery(
            client, kService, "ListAccessKeys", EncodeListAccessKeys(request), ParseListAccessKeys);
}

// ---- GetAccessKeyLastUsed
// ------------------------------------------------------------------------

QueryParams EncodeGetAccessKeyLastUsed(const GetAccessKeyLastUsedRequest& request) {
    QueryParams params;
    params.Add("AccessKeyId", request.access_key_id);
    return params;
}

Outcome<GetAccessKeyLastUsedResponse> ParseGetAccessKeyLastUsed(const XmlReply& reply) {
    pugi::xml_node last_used = reply.result.child("AccessKeyLastUsed");
    if (!last_used) {
        return MissingElement("iam:GetAccessKeyLastUsed", reply.request_id, "AccessKeyLastUsed");
    }
    GetAccessKeyLastUsedResponse out;
    out.user_name = ChildText(reply.result, "UserName");
    out.access_key_last_used.last_used_date = ChildTime(last_used, "LastUsedDate");
    out.access_key_last_used.service_name = ChildText(last_used, "ServiceName");
    out.access_key_last_used.region = ChildText(last_used, "Region");
    out.request_id = reply.request_id;
    return out;
}

Outcome<GetAccessKeyLastUsedResponse> GetAccessKeyLastUsed(
        const AwsClient& client, const GetAccessKeyLastUsedRequest& request) {
    return CallQuery(client,
                     kService,
                     "GetAccessKeyLastUsed",
                     EncodeGetAccessKeyLastUsed(request),
                     ParseGetAccessKeyLastUsed);
}

// ---- DeleteLoginProfile -------------------------------------------------------------------------

QueryParams EncodeDeleteLoginProfile(const DeleteLoginProfileRequest& request) {
    QueryParams params;
    params.Add("UserName", request.user_name);
    return params;
}

Outcome<DeleteLoginProfileResponse> ParseDeleteLoginProfile(const XmlReply& reply) {
    return RequestIdOnly<DeleteLoginProfileResponse>(reply);
}

Outcome<DeleteLoginProfileResponse> DeleteLoginProfile(const AwsClient& client,
                                                       const DeleteLoginProfileRequest& request) {
    return CallQuery(client,
                     kService,
                     "DeleteLoginProfile",
                     EncodeDeleteLoginProfile(request),
                     ParseDeleteLoginProfile);
}

// ---- AttachUserPolicy ---------------------------------------------------------------------------

QueryParams EncodeAttachUserPolicy(const AttachUserPolicyRequest& request) {
    QueryParams params;
    params.Add("UserName", request.user_name);
    params.Add("PolicyArn", request.policy_arn);
    return params;
}

Outcome<AttachUserPolicyResponse> ParseAttachUserPolicy(const XmlReply& reply) {
    return RequestIdOnly<AttachUserPolicyResponse>(reply);
}

Outcome<AttachUserPolicyResponse> AttachUserPolicy(const AwsClient& client,
                                                   const AttachUserPolicyRequest& request) {
    return CallQuery(client,
                     kService,
                     "AttachUserPolicy",
                     EncodeAttachUserPolicy(request),
                     ParseAttachUserPolicy);
}

// ---- PutUserPolicy ------------------------------------------------------------------------------

QueryParams EncodePutUserPolicy(const PutUserPolicyRequest& request) {
    QueryParams params;
    params.Add("UserName", request.user_name);
    params.Add("PolicyName", request.policy_name);
    params.Add("PolicyDocument", request.policy_document);
    return params;
}

Outcome<PutUserPolicyResponse> ParsePutUserPolicy(const XmlReply& reply) {
    return RequestIdOnly<PutUserPolicyResponse>(reply);
}

Outcome<PutUserPolicyResponse> PutUserPolicy(const AwsClient& client,
                                             const PutUserPolicyRequest& request) {
    return CallQuery(
            client, kService, "PutUserPolicy", EncodePutUserPolicy(request), ParsePutUserPolicy);
}

// ---- ListAttachedUserPolicies -------------------------------------------------------------------

QueryParams EncodeListAttachedUserPolicies(const ListAttachedUserPoliciesRequest& request) {
    QueryParams params;
    params.Add("UserName", request.user_name);
    if (!request.path_prefix.empty())
        params.Add("PathPrefix", request.path_prefix);
    AddMarker(request.marker, request.max_items, &params);
    return params;
}

Outcome<ListAttachedUserPoliciesResponse> ParseListAttachedUserPolicies(const XmlReply& reply) {
    ListAttachedUserPoliciesResponse out;
    for (pugi::xml_node member : reply.result.child("AttachedPolicies").children(kMember)) {
        out.attached_policies.push_back(
                {ChildText(member, "PolicyName"), ChildText(member, "PolicyArn")});
    }
    out.is_truncated = ChildBool(reply.result, "IsTruncated").value_or(false);
    out.marker = ChildText(reply.result, "Marker");
    out.request_id = reply.request_id;
    return out;
}

Outcome<ListAttachedUserPoliciesResponse> ListAttachedUserPolicies(
        const AwsClient& client, const ListAttachedUserPoliciesRequest& request) {
    return CallQuery(client,
                     kService,
                     "ListAttachedUserPolicies",
                     EncodeListAttachedUserPolicies(request),
                     ParseListAttachedUserPolicies);
}

}  // namespace firebreak::aws::iam
