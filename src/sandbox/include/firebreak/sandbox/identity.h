// File: identity.h
//
// Who made a sandbox call: resolved from the request's access key id by the world
// (World::ResolveAccessKey) and used by the IAM evaluator and the CloudTrail recorder (to build
// `userIdentity`). Shared vocabulary between the world model and the trail writer.
#pragma once

#include <cstdint>
#include <string>

namespace firebreak::sandbox {

struct CallerIdentity {
    enum class Type : uint8_t { kRoot, kIamUser, kAssumedRole };

    Type type = Type::kIamUser;
    std::string account_id;     // 12 digits
    std::string principal_id;   // account id (root), AIDA... (user), AROA...:session (role)
    std::string arn;            // arn:aws:iam::ACCT:root | :user/NAME |
                                // arn:aws:sts::ACCT:assumed-role/ROLE/SESSION
    std::string access_key_id;  // AKIA... (long-term) or ASIA... (session)
    std::string user_name;      // IAM user name (kIamUser), account alias or empty (kRoot)

    // kAssumedRole only: the role the session was issued for.
    std::string role_name;
    std::string role_id;   // AROA...
    std::string role_arn;  // arn:aws:iam::ACCT:role/PATH/NAME
    std::string session_name;
    std::string session_created;  // ISO-8601 UTC, "2024-08-02T08:20:52Z"
    bool mfa_authenticated = false;
};

}  // namespace firebreak::sandbox
