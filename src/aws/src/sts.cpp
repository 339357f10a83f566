// File: sts.cpp
//
// STS operations: form parameters for Query() and readers of the <OpResult> element.
#include "firebreak/aws/sts.h"

#include <charconv>

namespace firebreak::aws::sts {
namespace {

ApiError InvalidResponse(const char* operation, const std::string& what) {
    ApiError error = ClientError("InvalidResponse", "reply: " + what);
    error.operation = operation;
    return error;
}

}  // namespace

// ---- AssumeRole ---------------------------------------------------------------------------------

QueryParams EncodeAssumeRole(const AssumeRoleRequest& request) {
    QueryParams params;
    params.Add("RoleArn", request.role_arn);
    params.Add("RoleSessionName", request.role_session_name);
    if (request.duration_seconds)
        params.AddInt("DurationSeconds", *request.duration_seconds);
    for (size_t i = 0; i < request.tags.size(); ++i) {
        std::string prefix = "Tags.member." + std::to_string(i + 1);
        params.Add(prefix + ".Key", request.tags[i].key);
        params.Add(prefix + ".Value", request.tags[i].value);
    }
    if (!request.external_id.empty())
        params.Add("ExternalId", request.external_id);
    return params;
}

Outcome<AssumeRoleResponse> ParseAssumeRole(const XmlReply& reply) {
    pugi::xml_node credentials = reply.result.child("Credentials");
    AssumeRoleResponse out;
    out.credentials.access_key_id = ChildText(credentials, "AccessKeyId");
    out.credentials.secret_access_key = ChildText(credentials, "SecretAccessKey");
    out.credentials.session_token = ChildText(credentials, "SessionToken");
    out.credentials.expiration = ParseIsoTime(ChildText(credentials, "Expiration"));
    // Messages name the missing parts, never a value.
    if (out.credentials.empty() || out.credentials.session_token.empty()) {
        return InvalidResponse("sts:AssumeRole",
                               "Credentials lack AccessKeyId, SecretAccessKey or SessionToken");
    }
    if (!out.credentials.expiration)
        return InvalidResponse("sts:AssumeRole", "Credentials have no valid Expiration");
    pugi::xml_node user = reply.result.child("AssumedRoleUser");
    out.assumed_role_user.arn = ChildText(user, "Arn");
    out.assumed_role_user.assumed_role_id = ChildText(user, "AssumedRoleId");
    std::string packed = ChildText(reply.result, "PackedPolicySize");
    int size = 0;
    auto [end, ec] = std::from_chars(packed.data(), packed.data() + packed.size(), size);
    if (!packed.empty() && ec == std::errc() && end == packed.data() + packed.size())
        out.packed_policy_size = size;
    out.request_id = reply.request_id;
    return out;
}

Outcome<AssumeRoleResponse> AssumeRole(const AwsClient& client, const AssumeRoleRequest& request) {
    Outcome<XmlReply> reply =
            client.Query(ServiceId::kSts, "AssumeRole", EncodeAssumeRole(request));
    if (!reply)
        return reply.error();
    return ParseAssumeRole(*reply);
}

// ---- GetCallerIdentity --------------------------------------------------------------------------

QueryParams EncodeGetCallerIdentity(const GetCallerIdentityRequest& /*request*/) {
    return QueryParams();
}

Outcome<GetCallerIdentityResponse> ParseGetCallerIdentity(const XmlReply& reply) {
    GetCallerIdentityResponse out;
    out.arn = ChildText(reply.result, "Arn");
    out.user_id = ChildText(reply.result, "UserId");
    out.account = ChildText(reply.result, "Account");
    if (out.arn.empty() || out.account.empty())
        return InvalidResponse("sts:GetCallerIdentity", "no Arn or Account");
    out.request_id = reply.request_id;
    return out;
}

Outcome<GetCallerIdentityResponse> GetCallerIdentity(const AwsClient& client,
                                                     const GetCallerIdentityRequest& request) {
    Outcome<XmlReply> reply =
            client.Query(ServiceId::kSts, "GetCallerIdentity", EncodeGetCallerIdentity(request));
    if (!reply)
        return reply.error();
    return ParseGetCallerIdentity(*reply);
}

}  // namespace firebreak::aws::sts
