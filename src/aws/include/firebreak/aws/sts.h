// File: sts.h
//
// Typed STS operations over AwsClient::Query() (query protocol, Version=2011-06-15), sent to the
// client region's endpoint (sts.{region}.amazonaws.com, as awscli v2 does). AssumeRole is how the
// security account reaches into member accounts (AssumeRoleProvider in credentials.h caches such
// sessions); GetCallerIdentity tells who a set of credentials belongs to.
//
// Each operation has a request and a response struct, the encoder of the form parameters botocore
// sends (../shared/notes/aws-wire-protocols.md 1.2), the parser of the reply and the call itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/aws/sigv4.h"

namespace firebreak::aws::sts {

struct Tag {
    std::string key;
    std::string value;
};

// ---- AssumeRole ---------------------------------------------------------------------------------

struct AssumeRoleRequest {
    std::string role_arn;
    std::string role_session_name;
    std::optional<int> duration_seconds;  // 900..43200 (the role's maximum); AWS default 3600
    std::string external_id;              // empty = not sent
    std::vector<Tag> tags;                // session tags
};

struct AssumedRoleUser {
    std::string arn;              // arn:aws:sts::123456789012:assumed-role/IR/ir
    std::string assumed_role_id;  // AROA...:ir
};

struct AssumeRoleResponse {
    // SECRET: credentials.secret_access_key and session_token. Use them to sign, never print
    // them (Credentials::RedactedKeyId() is what messages show).
    Credentials credentials;
    AssumedRoleUser assumed_role_user;
    std::optional<int> packed_policy_size;  // percent of the allowed session policy/tag size
    std::string request_id;
};

QueryParams EncodeAssumeRole(const AssumeRoleRequest& request);

// Fails with InvalidResponse when Credentials lack a key id, secret, session token or a valid
// Expiration.
Outcome<AssumeRoleResponse> ParseAssumeRole(const XmlReply& reply);

Outcome<AssumeRoleResponse> AssumeRole(const AwsClient& client, const AssumeRoleRequest& request);

// ---- GetCallerIdentity --------------------------------------------------------------------------

struct GetCallerIdentityRequest {};

struct GetCallerIdentityResponse {
    std::string arn;
    std::string user_id;
    std::string account;
    std::string request_id;
};

QueryParams EncodeGetCallerIdentity(const GetCallerIdentityRequest& request);

// Fails with InvalidResponse when Arn or Account is missing.
Outcome<GetCallerIdentityResponse> ParseGetCallerIdentity(const XmlReply& reply);

Outcome<GetCallerIdentityResponse> GetCallerIdentity(const AwsClient& client,
                                                     const GetCallerIdentityRequest& request = {});

}  // namespace firebreak::aws::sts
