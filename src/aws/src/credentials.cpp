#include "firebreak/aws/credentials.h"

#include <charconv>
#include <set>

#include "firebreak/aws/sts.h"

namespace firebreak::aws {
namespace {

class StaticProvider final : public CredentialsProvider {
public:
    StaticProvider(Credentials credentials, std::string description)
        : credentials_(std::move(credentials)),
          description_(std::move(description)) {}

    Outcome<Credentials> Resolve() override { return credentials_; }

    std::string Describe() const override { return description_; }

private:
    Credentials credentials_;
    std::string description_;
};

// Fails every call with the reason credentials could not be set up (kept until used so that a
// command that never calls AWS does not fail).
class FailingProvider final : public CredentialsProvider {
public:
    explicit FailingProvider(ApiError error) : error_(std::move(error)) {}

    Outcome<Credentials> Resolve() override { return error_; }

    std::string Describe() const override { return error_.message; }

private:
    ApiError error_;
};

std::optional<Credentials> FromEnvironment(const EnvLookup& env) {
    auto key = env("AWS_ACCESS_KEY_ID");
    auto secret = env("AWS_SECRET_ACCESS_KEY");
    if (!key || !secret || key->empty() || secret->empty())
        return std::nullopt;
    Credentials out;
    out.access_key_id = *key;
    out.secret_access_key = *secret;
    if (auto token = env("AWS_SESSION_TOKEN"); token && !token->empty()) {
        out.session_token = *token;
    } else if (auto legacy = env("AWS_SECURITY_TOKEN"); legacy && !legacy->empty()) {
        out.session_token = *legacy;
    }
    return out;
}

std::string ProfileWhere(const SharedConfig& shared) {
    return shared.credentials_path + " / " + shared.config_path;
}

Result<std::shared_ptr<CredentialsProvider>> ProfileProvider(
        const std::string& name,
        const ResolvedConfig& config,
        const SharedConfig& shared,
        const EnvLookup& env,
        const std::shared_ptr<HttpTransport>& transport,
        std::set<std::string>* visiting) {
    const ConfigSection* profile = shared.Profile(name);
    if (profile == nullptr) {
        return NotFound("profile '" + name + "' is not in " + ProfileWhere(shared));
    }
    if (!visiting->insert(name).second) {
        return InvalidArgument("profile '" + name + "' is part of a source_profile loop");
    }
    const std::string* key = profile->Get("aws_access_key_id");
    const std::string* secret = profile->Get("aws_secret_access_key");
    const std::string* role_arn = profile->Get("role_arn");
    auto static_keys = [&]() -> std::shared_ptr<CredentialsProvider> {
        Credentials c;
        c.access_key_id = *key;
        c.secret_access_key = *secret;
        if (const std::string* token = profile->Get("aws_session_token"))
            c.session_token = *token;
        return MakeStaticProvider(std::move(c), "profile " + name);
    };

    if (role_arn != nullptr) {
        std::shared_ptr<CredentialsProvider> source;
        const std::string* source_profile = profile->Get("source_profile");
        const std::string* credential_source = profile->Get("credential_source");
        if (source_profile != nullptr) {
            if (*source_profile == name) {
                if (key == nullptr || secret == nullptr) {
                    return InvalidArgument("profile '" + name +
                                           "' names itself as source_profile but has no keys");
                }
                source = static_keys();
            } else {
                auto inner =
                        ProfileProvider(*source_profile, config, shared, env, transport, visiting);
                if (!inner)
                    return inner.error();
                source = *inner;
            }
        } else if (credential_source != nullptr && *credential_source == "Environment") {
            auto from_env = FromEnvironment(env);
            if (!from_env) {
                return InvalidArgument(
                        "profile '" + name +
                        "' uses credential_source Environment but AWS_ACCESS_KEY_ID / "
                        "AWS_SECRET_ACCESS_KEY are not set");
            }
            source = MakeStaticProvider(*from_env, "environment");
        } else if (credential_source != nullptr) {
            return InvalidArgument("profile '" + name + "': credential_source " +
                                   *credential_source +
                                   " is not supported (use source_profile or Environment)");
        } else {
            return InvalidArgument("profile '" + name +
                                   "' has role_arn but neither source_profile nor "
                                   "credential_source");
        }
        AssumeRoleParams params;
        params.role_arn = *role_arn;
        if (const std::string* session = profile->Get("role_session_name"))
            params.session_name = *session;
        if (const std::string* external = profile->Get("external_id"))
            params.external_id = *external;
        if (const std::string* duration = profile->Get("duration_seconds")) {
            int seconds = 0;
            auto [ptr, ec] =
                    std::from_chars(duration->data(), duration->data() + duration->size(), seconds);
            if (ec != std::errc() || ptr != duration->data() + duration->size() || seconds < 900 ||
                seconds > 43200) {
                return InvalidArgument("profile '" + name +
                                       "': duration_seconds must be 900..43200");
            }
            params.duration = std::chrono::seconds(seconds);
        }
        ResolvedConfig sts_config = config;
        if (const std::string* region = profile->Get("region");
            region != nullptr && sts_config.region.empty()) {
            sts_config.region = *region;
        }
        if (sts_config.region.empty())
            sts_config.region = "us-east-1";
        AwsClient sts(sts_config, source, transport);
        return std::shared_ptr<CredentialsProvider>(
                std::make_shared<AssumeRoleProvider>(std::move(sts), source, std::move(params)));
    }
    if (key != nullptr && secret != nullptr)
        return static_keys();
    for (const char* unsupported :
         {"sso_start_url", "sso_session", "credential_process", "web_identity_token_file"}) {
        if (profile->Get(unsupported) != nullptr) {
            return InvalidArgument("profile '" + name + "' uses " + unsupported +
                                   ", which firebreak does not support yet; export keys with "
                                   "`aws configure export-credentials` or use a role_arn profile");
        }
    }
    return InvalidArgument("profile '" + name +
                           "' has neither aws_access_key_id/aws_secret_access_key nor role_arn");
}

std::string PartitionFor(std::string_view region) {
    if (region.substr(0, 3) == "cn-")
        return "aws-cn";
    if (region.substr(0, 7) == "us-gov-")
        return "aws-us-gov";
    return "aws";
}

}  // namespace

std::shared_ptr<CredentialsProvider> MakeStaticProvider(Credentials credentials,
                                                        std::string description) {
    return std::make_shared<StaticProvider>(std::move(credentials), std::move(description));
}

AssumeRoleProvider::AssumeRoleProvider(AwsClient sts_client,
                                       std::shared_ptr<CredentialsProvider> source,
                                       AssumeRoleParams params)
    : sts_client_(sts_client.WithCredentials(source)),
      source_(std::move(source)),
      params_(std::move(params)),
      clock_([] { return std::chrono::system_clock::now(); }) {}

void AssumeRoleProvider::SetClockForTesting(
        std::function<std::chrono::system_clock::time_point()> clock) {
    std::lock_guard<std::mutex> lock(mu_);
    clock_ = std::move(clock);
}

int AssumeRoleProvider::assume_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return assume_count_;
}

std::string AssumeRoleProvider::Describe() const {
    return "role " + params_.role_arn + " assumed with " + source_->Describe();
}

Outcome<Credentials> AssumeRoleProvider::Resolve() {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_();
    if (cached_ && (!cached_->expiration || *cached_->expiration - params_.refresh_margin > now)) {
        return *cached_;
    }
    sts::AssumeRoleRequest request;
    request.role_arn = params_.role_arn;
    request.role_session_name = params_.session_name;
    request.duration_seconds = static_cast<int>(params_.duration.count());
    request.external_id = params_.external_id;
    ++assume_count_;
    Outcome<sts::AssumeRoleResponse> reply = sts::AssumeRole(sts_client_, request);
    if (!reply) {
        ApiError error = reply.error();
        if (error.code == "InvalidResponse")
            error.message += " (role " + params_.role_arn + ")";
        return error;
    }
    cached_ = std::move(reply->credentials);
    return *cached_;
}

Result<std::shared_ptr<CredentialsProvider>> DefaultCredentialsProvider(
        const ResolvedConfig& config,
        const SharedConfig& shared,
        const EnvLookup& env,
        std::shared_ptr<HttpTransport> transport) {
    if (!config.profile_explicit) {
        if (auto from_env = FromEnvironment(env))
            return MakeStaticProvider(*from_env, "environment");
        if (shared.Profile(config.profile) == nullptr) {
            return std::shared_ptr<
                    CredentialsProvider>(std::make_shared<FailingProvider>(ClientError(
                    "NoCredentials",
                    "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add "
                    "a [default] profile to " +
                            shared.credentials_path +
                            ", or name one with "
                            "--profile / AWS_PROFILE")));
        }
    }
    std::set<std::string> visiting;
    return ProfileProvider(config.profile, config, shared, env, transport, &visiting);
}

RoleSessionCache::RoleSessionCache(AwsClient base_client, std::string session_name)
    : base_client_(std::move(base_client)),
      session_name_(std::move(session_name)) {}

std::shared_ptr<AssumeRoleProvider> RoleSessionCache::Provider(const std::string& role_arn) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = providers_.find(role_arn);
    if (it != providers_.end())
        return it->second;
    AssumeRoleParams params;
    params.role_arn = role_arn;
    params.session_name = session_name_;
    auto provider =
            std::make_shared<AssumeRoleProvider>(base_client_, base_client_.credentials(), params);
    providers_.emplace(role_arn, provider);
    return provider;
}

AwsClient RoleSessionCache::ForAccount(std::string_view account_id,
                                       std::string_view role_name,
                                       std::string_view region) {
    std::string arn = role_name.substr(0, 4) == "arn:"
                              ? std::string(role_name)
                              : "arn:" + PartitionFor(region) + ":iam::" + std::string(account_id) +
                                        ":role/" + std::string(role_name);
    return base_client_.WithRegion(std::string(region)).WithCredentials(Provider(arn));
}

}  // namespace firebreak::aws
