// File: credentials.h
//
// Where the signing keys come from, in the order AWS CLI users expect (see
// ../shared/notes/aws-wire-protocols.md 4.4): environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), unless a profile was named explicitly; then the
// profile: an assume-role profile (role_arn + source_profile, chained to any depth, loops
// refused), or static keys from the shared credentials/config files.
//
// AssumeRoleProvider is also the central-security-account pattern of the AWS guide: the
// responder's own credentials assume a role in each member account; sessions are cached and
// refreshed before they expire. Secrets never appear in Describe() or in any error.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/error.h"
#include "firebreak/aws/sigv4.h"

namespace firebreak::aws {

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;

    virtual Outcome<Credentials> Resolve() = 0;

    // Where the credentials come from, for messages: "environment", "profile dev (role ...)".
    virtual std::string Describe() const = 0;
};

std::shared_ptr<CredentialsProvider> MakeStaticProvider(Credentials credentials,
                                                        std::string description);

struct AssumeRoleParams {
    std::string role_arn;
    std::string session_name = "firebreak";
    std::string external_id;
    std::chrono::seconds duration{3600};
    // Sessions are refreshed when less than this is left.
    std::chrono::seconds refresh_margin{300};
};

// Calls sts:AssumeRole with `source` credentials through `sts_client`'s endpoint and transport;
// caches the session and refreshes it ahead of expiry. Thread-safe.
class AssumeRoleProvider final : public CredentialsProvider {
public:
    AssumeRoleProvider(AwsClient sts_client,
                       std::shared_ptr<CredentialsProvider> source,
                       AssumeRoleParams params);

    Outcome<Credentials> Resolve() override;

    std::string Describe() const override;

    // Number of AssumeRole calls made (tests check caching).
    int assume_count() const;

    void SetClockForTesting(std::function<std::chrono::system_clock::time_point()> clock);

private:
    AwsClient sts_client_;
    std::shared_ptr<CredentialsProvider> source_;
    AssumeRoleParams params_;
    mutable std::mutex mu_;
    std::optional<Credentials> cached_;
    int assume_count_ = 0;
    std::function<std::chrono::system_clock::time_point()> clock_;
};

// The default chain for `config` (profile, env). `transport` is used for STS calls of
// assume-role profiles. Errors name the profile and file, never a secret.
Result<std::shared_ptr<CredentialsProvider>> DefaultCredentialsProvider(
        const ResolvedConfig& config,
        const SharedConfig& shared,
        const EnvLookup& env,
        std::shared_ptr<HttpTransport> transport);

// One assume-role session per role ARN on top of a base provider: the security account's
// responder credentials reaching into member accounts. Thread-safe.
class RoleSessionCache {
public:
    RoleSessionCache(AwsClient base_client, std::string session_name);

    // A client for `account_id`'s role `role_name` (or a full role ARN in `role_name`) in `region`.
    AwsClient ForAccount(std::string_view account_id,
                         std::string_view role_name,
                         std::string_view region);

    std::shared_ptr<AssumeRoleProvider> Provider(const std::string& role_arn);

private:
    AwsClient base_client_;
    std::string session_name_;
    std::mutex mu_;
    std::map<std::string, std::shared_ptr<AssumeRoleProvider>> providers_;
};

}  // namespace firebreak::aws
