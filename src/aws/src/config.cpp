#include "firebreak/aws/config.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "firebreak/core/text.h"

namespace firebreak::aws {
namespace {

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

// Merges `from` into `into`, keys in `from` winning.
void Merge(const ConfigSection& from, ConfigSection* into) {
    for (const auto& [k, v] : from.values)
        into->values[k] = v;
    for (const auto& [k, v] : from.nested)
        into->nested[k] = v;
}

enum class FileKind { kConfig, kCredentials };

void ParseIni(std::string_view text,
              const std::string& path,
              FileKind kind,
              SharedConfig* out,
              Diagnostics* diags) {
    ConfigSection* section = nullptr;
    std::map<std::string, ConfigSection> local_profiles;
    std::string nested_key;  // the key whose indented sub-keys follow
    int line_no = 0;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view raw = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
        std::string_view line = Trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        SourcePos pos{path, line_no, 1};
        if (line[0] == '[') {
            nested_key.clear();
            if (line.back() != ']') {
                diags->Error("bad-section", pos, "section header is missing its closing ']'");
                section = nullptr;
                continue;
            }
            std::string_view name = Trim(line.substr(1, line.size() - 2));
            if (kind == FileKind::kConfig) {
                if (name.substr(0, 8) == "profile ") {
                    name = Trim(name.substr(8));
                } else if (name.substr(0, 9) == "services ") {
                    std::string key(Trim(name.substr(9)));
                    section = &out->services[key];
                    section->name = key;
                    section->pos = pos;
                    continue;
                } else if (name != "default") {
                    // The CLI ignores [name] without "profile " in config (sso-session etc.).
                    section = nullptr;
                    continue;
                }
            }
            std::string key(name);
            section = &local_profiles[key];
            section->name = key;
            if (section->pos.line == 0)
                section->pos = pos;
            continue;
        }
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            diags->Error("bad-line", pos, "expected 'key = value' or a [section] header");
            continue;
        }
        if (section == nullptr) {
            if (!indented)
                nested_key.clear();
            continue;  // keys of an ignored section or before any section
        }
        std::string key = AsciiLower(Trim(line.substr(0, eq)));
        std::string value(Trim(line.substr(eq + 1)));
        if (indented && !nested_key.empty()) {
            section->nested[nested_key][key] = value;
            continue;
        }
        if (value.empty()) {
            nested_key = key;
            section->nested[key];
        } else {
            nested_key.clear();
            section->values[key] = value;
        }
    }
    for (auto& [name, profile] : local_profiles) {
        auto [it, inserted] = out->profiles.try_emplace(name, profile);
        if (!inserted)
            Merge(profile, &it->second);
    }
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string HomeDir(const EnvLookup& env) {
    if (auto home = env("HOME"))
        return *home;
    return ".";
}

}  // namespace

EnvLookup ProcessEnvironment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr)
            return std::nullopt;
        return std::string(value);
    };
}

const std::string* ConfigSection::Get(std::string_view key) const {
    auto it = values.find(std::string(key));
    return it == values.end() ? nullptr : &it->second;
}

const ConfigSection* SharedConfig::Profile(std::string_view name) const {
    auto it = profiles.find(std::string(name));
    return it == profiles.end() ? nullptr : &it->second;
}

SharedConfig ParseSharedConfig(std::string_view config_text,
                               const std::string& config_path,
                               std::string_view credentials_text,
                               const std::string& credentials_path,
                               Diagnostics* diags) {
    SharedConfig out;
    out.config_path = config_path;
    out.credentials_path = credentials_path;
    ParseIni(config_text, config_path, FileKind::kConfig, &out, diags);
    ParseIni(credentials_text, credentials_path, FileKind::kCredentials, &out, diags);
    return out;
}

SharedConfig LoadSharedConfig(const EnvLookup& env, Diagnostics* diags) {
    std::string config_path = env("AWS_CONFIG_FILE").value_or(HomeDir(env) + "/.aws/config");
    std::string credentials_path =
            env("AWS_SHARED_CREDENTIALS_FILE").value_or(HomeDir(env) + "/.aws/credentials");
    std::string config_text = ReadWholeFile(config_path).value_or("");
    std::string credentials_text = ReadWholeFile(credentials_path).value_or("");
    return ParseSharedConfig(config_text, config_path, credentials_text, credentials_path, diags);
}

Endpoint DefaultEndpoint(ServiceId service, std::string_view region) {
    const ServiceInfo& info = GetService(service);
    Endpoint out;
    out.scheme = "https";
    std::string suffix = region.substr(0, 3) == "cn-" ? "amazonaws.com.cn" : "amazonaws.com";
    if (info.global) {
        out.host = std::string(info.endpoint_prefix) + "." + suffix;
    } else {
        out.host = std::string(info.endpoint_prefix) + "." + std::string(region) + "." + suffix;
    }
    return out;
}

std::string SigningRegion(ServiceId service, std::string_view region) {
    if (GetService(service).global) {
        return region.substr(0, 3) == "cn-" ? "cn-north-1" : "us-east-1";
    }
    return std::string(region);
}

Result<ResolvedConfig> ResolveConfig(const ConfigOverrides& overrides,
                                     const SharedConfig& shared,
                                     const EnvLookup& env) {
    ResolvedConfig out;
    if (!overrides.profile.empty()) {
        out.profile = overrides.profile;
        out.profile_explicit = true;
    } else if (auto p = env("AWS_PROFILE")) {
        out.profile = *p;
        out.profile_explicit = true;
    } else if (auto d = env("AWS_DEFAULT_PROFILE")) {
        out.profile = *d;
        out.profile_explicit = true;
    } else {
        out.profile = "default";
    }
    const ConfigSection* profile = shared.Profile(out.profile);
    if (out.profile_explicit && profile == nullptr) {
        return NotFound("profile '" + out.profile + "' is not in " + shared.config_path + " or " +
                        shared.credentials_path);
    }

    if (!overrides.region.empty()) {
        out.region = overrides.region;
        out.region_source = "--region";
    } else if (auto r = env("AWS_REGION"); r && !r->empty()) {
        out.region = *r;
        out.region_source = "AWS_REGION";
    } else if (auto dr = env("AWS_DEFAULT_REGION"); dr && !dr->empty()) {
        out.region = *dr;
        out.region_source = "AWS_DEFAULT_REGION";
    } else if (profile != nullptr && profile->Get("region") != nullptr) {
        out.region = *profile->Get("region");
        out.region_source = "profile " + out.profile;
    }

    // Endpoints, lowest precedence first so later ones overwrite.
    auto set_all = [&](std::string_view url, std::string_view source) -> Status {
        auto endpoint = ParseEndpointUrl(url);
        if (!endpoint)
            return InvalidArgument(std::string(source) + ": " + endpoint.error().message());
        for (auto& slot : out.endpoints)
            slot = *endpoint;
        return Status::Ok();
    };
    auto set_one = [&](ServiceId id, std::string_view url, std::string_view source) -> Status {
        auto endpoint = ParseEndpointUrl(url);
        if (!endpoint)
            return InvalidArgument(std::string(source) + ": " + endpoint.error().message());
        out.endpoints[static_cast<size_t>(id)] = *endpoint;
        return Status::Ok();
    };
    bool ignore_configured = false;
    if (auto ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
        ignore_configured = AsciiLower(*ignore) == "true";
    if (!ignore_configured) {
        if (profile != nullptr) {
            if (const std::string* url = profile->Get("endpoint_url")) {
                FIREBREAK_RETURN_IF_ERROR(
                        set_all(*url, "profile " + out.profile + " endpoint_url"));
            }
            if (const std::string* services_name = profile->Get("services")) {
                auto it = shared.services.find(*services_name);
                if (it != shared.services.end()) {
                    for (int i = 0; i < kServiceCount; ++i) {
                        const ServiceInfo& info = GetService(static_cast<ServiceId>(i));
                        auto nested = it->second.nested.find(std::string(info.config_key));
                        if (nested == it->second.nested.end())
                            continue;
                        auto url = nested->second.find("endpoint_url");
                        if (url == nested->second.end())
                            continue;
                        FIREBREAK_RETURN_IF_ERROR(set_one(
                                info.id,
                                url->second,
                                "services " + *services_name + " " + std::string(info.config_key)));
                    }
                }
            }
        }
        if (auto url = env("AWS_ENDPOINT_URL"); url && !url->empty()) {
            FIREBREAK_RETURN_IF_ERROR(set_all(*url, "AWS_ENDPOINT_URL"));
        }
        for (int i = 0; i < kServiceCount; ++i) {
            const ServiceInfo& info = GetService(static_cast<ServiceId>(i));
            std::string name = "AWS_ENDPOINT_URL_" + std::string(info.env_suffix);
            if (auto url = env(name); url && !url->empty()) {
                FIREBREAK_RETURN_IF_ERROR(set_one(info.id, *url, name));
            }
        }
    }
    if (!overrides.endpoint_url.empty()) {
        FIREBREAK_RETURN_IF_ERROR(set_all(overrides.endpoint_url, "--endpoint-url"));
    }

    if (!overrides.ca_bundle.empty()) {
        out.transport.ca_bundle = overrides.ca_bundle;
    } else if (auto ca = env("AWS_CA_BUNDLE")) {
        out.transport.ca_bundle = *ca;
    } else if (profile != nullptr && profile->Get("ca_bundle") != nullptr) {
        out.transport.ca_bundle = *profile->Get("ca_bundle");
    }
    out.transport.verify_tls = !overrides.no_verify_ssl;

    std::optional<std::string> attempts = env("AWS_MAX_ATTEMPTS");
    if (!attempts && profile != nullptr && profile->Get("max_attempts") != nullptr) {
        attempts = *profile->Get("max_attempts");
    }
    if (attempts) {
        int n = 0;
        auto [ptr, ec] = std::from_chars(attempts->data(), attempts->data() + attempts->size(), n);
        if (ec != std::errc() || ptr != attempts->data() + attempts->size() || n < 1 || n > 20) {
            return InvalidArgument("max_attempts must be a whole number from 1 to 20, not '" +
                                   *attempts + "'");
        }
        out.retry.max_attempts = n;
    }
    return out;
}

}  // namespace firebreak::aws
