// File: config.h
//
// Configuration as AWS users already have it: the shared `config` and `credentials` files with
// profiles (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), region resolution
// (flag, AWS_REGION, AWS_DEFAULT_REGION, the profile's region) and endpoint overrides (flag
// --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, a profile's `services` section
// and `endpoint_url`, in that order of precedence, as the AWS SDKs document it).
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "firebreak/aws/http.h"
#include "firebreak/aws/service.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/core/status.h"

namespace firebreak::aws {

// Reads an environment variable; injectable so tests do not depend on the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

EnvLookup ProcessEnvironment();

// A profile or services section: keys are lowercased; a key whose value is empty and followed by
// indented "k = v" lines holds them in `nested` ("s3 =\n  addressing_style = path").
struct ConfigSection {
    std::string name;
    std::map<std::string, std::string> values;
    std::map<std::string, std::map<std::string, std::string>> nested;
    SourcePos pos;  // where the section header is

    const std::string* Get(std::string_view key) const;
};

struct SharedConfig {
    // Profiles from both files; a key in `credentials` wins over the same key in `config`.
    std::map<std::string, ConfigSection> profiles;
    std::map<std::string, ConfigSection> services;  // [services NAME] sections of `config`
    std::string config_path;
    std::string credentials_path;

    const ConfigSection* Profile(std::string_view name) const;
};

// Parses the two files' text. `config` uses [profile NAME] (and [default]), `credentials` uses
// [NAME]. Malformed lines are diagnosed with file:line and skipped.
SharedConfig ParseSharedConfig(std::string_view config_text,
                               const std::string& config_path,
                               std::string_view credentials_text,
                               const std::string& credentials_path,
                               Diagnostics* diags);

// Reads the files named by AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, defaulting to
// ~/.aws/config and ~/.aws/credentials. Missing files are not an error.
SharedConfig LoadSharedConfig(const EnvLookup& env, Diagnostics* diags);

struct RetryPolicy {
    int max_attempts = 3;                        // AWS "standard" mode; AWS_MAX_ATTEMPTS
    std::chrono::milliseconds base_delay{1000};  // delay = random(0, base * 2^attempt)
    std::chrono::milliseconds max_delay{20000};  // cap, as the SDKs' standard mode
};

// What the command line says; empty means "not given".
struct ConfigOverrides {
    std::string profile;
    std::string region;
    std::string endpoint_url;  // every service
    std::string ca_bundle;
    bool no_verify_ssl = false;
};

struct ResolvedConfig {
    std::string profile;            // the profile in effect ("default" when none named)
    bool profile_explicit = false;  // named by flag or AWS_PROFILE (then env keys are not used)
    std::string region;             // may be empty: calls to regional services then fail clearly
    std::string region_source;      // "--region", "AWS_REGION", "profile default", ...
    std::array<std::optional<Endpoint>, kServiceCount> endpoints;  // overrides per service
    TransportOptions transport;
    RetryPolicy retry;
};

Result<ResolvedConfig> ResolveConfig(const ConfigOverrides& overrides,
                                     const SharedConfig& shared,
                                     const EnvLookup& env);

// https://{prefix}.{region}.amazonaws.com (amazonaws.com.cn in China regions); IAM is global.
Endpoint DefaultEndpoint(ServiceId service, std::string_view region);

// The region a request is signed for: us-east-1 for global services, else `region`.
std::string SigningRegion(ServiceId service, std::string_view region);

}  // namespace firebreak::aws
