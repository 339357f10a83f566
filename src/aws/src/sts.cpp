// File: sts.cpp
//
// STS operations: form parameters for Query() and readers of the <OpResult> element.
#include "firebreak/aws/sts.h"

namespace firebreak::aws::sts {

// ---- AssumeRole ---------------------------------------------------------------------------------

QueryParams EncodeAssumeRole(const AssumeRoleRequest& request) {
    QueryParams params;
    params.Add("RoleArn", request.role_arn);
    params.Add("RoleSessionName", request.role_session_name);
    if (request.duration_seconds)
        params.AddInt("DurationSeconds", *request.duration_seconds);
    params.AddTags("Tags", request.tags, true);
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
    out.credentials.expiration = ChildTime(credentials, "Expiration");
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
    out.packed_policy_size = ChildInt<int>(reply.result, "PackedPolicySize");
    out.request_id = reply.request_id;
    return out;
}

Outcome<AssumeRoleResponse> AssumeRole(const AwsClient& client, const AssumeRoleRequest& request) {
    return CallQuery(
            client, ServiceId::kSts, "AssumeRole", EncodeAssumeRole(request), ParseAssumeRole);
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
    return CallQuery(client,
                     ServiceId::kSts,
                     "GetCallerIdentity",
                     EncodeGetCallerIdentity(request),
                     ParseGetCallerIdentity);
}

}  // namespace firebreak::aws::sts
