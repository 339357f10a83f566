#include "serve_config.h"

#include <cstdlib>
#include <set>

#include "firebreak/response/playbook.h"

namespace firebreak::cli {
namespace {

// "${NAME}" reads the environment (secrets stay out of the file); the message names the
// variable, never a value.
bool ReadSecret(const rules::Node& value,
                const std::string& key,
                std::string* out,
                Diagnostics* diags) {
    if (!value.is_string()) {
        diags->Error("bad-value", value.pos, key + ": expected text or \"${ENV_NAME}\"");
        return false;
    }
    const std::string& text = value.text;
    if (text.size() > 3 && text.compare(0, 2, "${") == 0 && text.back() == '}') {
        std::string name = text.substr(2, text.size() - 3);
        const char* env = std::getenv(name.c_str());
        if (env == nullptr || *env == '\0') {
            diags->Error("missing-env",
                         value.pos,
                         key + ": the environment variable " + name + " is not set");
            return false;
        }
        *out = env;
        return true;
    }
    *out = text;
    return true;
}

bool ReadString(const rules::Node& value,
                const std::string& key,
                std::string* out,
                Diagnostics* diags) {
    if (!value.is_string() && !value.is_number()) {
        diags->Error("bad-value", value.pos, key + ": expected text");
        return false;
    }
    *out = value.text;
    return true;
}

bool ReadBool(const rules::Node& value, const std::string& key, bool* out, Diagnostics* diags) {
    if (!value.is_bool()) {
        diags->Error("bad-value", value.pos, key + ": expected true or false");
        return false;
    }
    *out = value.boolean;
    return true;
}

bool ReadCount(const rules::Node& value,
               const std::string& key,
               uint64_t min,
               uint64_t max,
               uint64_t* out,
               Diagnostics* diags) {
    char* end = nullptr;
    unsigned long long n = value.is_number() ? std::strtoull(value.text.c_str(), &end, 10) : 0;
    if (!value.is_number() || end == nullptr || *end != '\0' || n < min || n > max) {
        diags->Error("bad-value",
                     value.pos,
                     key + ": expected a whole number from " + std::to_string(min) + " to " +
                             std::to_string(max));
        return false;
    }
    *out = n;
    return true;
}

bool ReadSize(const rules::Node& value,
              const std::string& key,
              uint64_t min,
              uint64_t max,
              uint64_t* out,
              Diagnostics* diags) {
    std::optional<uint64_t> n;
    if (value.is_string() || value.is_number()) {
        n = ParseByteSize(value.text);
    }
    if (!n.has_value() || *n < min || *n > max) {
        diags->Error("bad-value",
                     value.pos,
                     key + ": expected a size such as 16MiB (from " + std::to_string(min) + " to " +
                             std::to_string(max) + " bytes)");
        return false;
    }
    *out = *n;
    return true;
}

bool ReadDuration(const rules::Node& value,
                  const std::string& key,
                  bool allow_zero,
                  std::chrono::milliseconds* out,
                  Diagnostics* diags) {
    std::optional<std::chrono::milliseconds> d;
    if (value.is_string() || value.is_number()) {
        d = response::ParseDuration(value.text);
    }
    if (!d.has_value() || (d->count() == 0 && !allow_zero) || d->count() < 0 ||
        *d > std::chrono::hours(24 * 366)) {
        diags->Error("bad-value",
                     value.pos,
                     key + ": expected a duration such as 2s, 500ms, 1h" +
                             (allow_zero ? " (0 = off)" : ""));
        return false;
    }
    *out = *d;
    return true;
}

bool ReadStringList(const rules::Node& value,
                    const std::string& key,
                    std::vector<std::string>* out,
                    Diagnostics* diags) {
    if (value.is_string()) {
        out->push_back(value.text);
        return true;
    }
    if (!value.is_array()) {
        diags->Error("bad-value", value.pos, key + ": expected a list of text");
        return false;
    }
    bool ok = true;
    for (const rules::Node& item : value.items) {
        if (!item.is_string() && !item.is_number()) {
            diags->Error("bad-value",
                         item.pos,
                         key + ": expected text, got " + std::string(item.TypeName()));
            ok = false;
            continue;
        }
        out->push_back(item.text);
    }
    return ok;
}

bool ExpectMapping(const rules::Node& value, const std::string& key, Diagnostics* diags) {
    if (!value.is_object()) {
        diags->Error("bad-value", value.pos, "'" + key + "' must be a mapping");
        return false;
    }
    return true;
}

void UnknownKey(const std::string& section,
                const std::string& key,
                const rules::Node& value,
                const char* expected,
                Diagnostics* diags) {
    diags->Error("unknown-key",
                 value.key_pos,
                 "unknown key '" + key + "' in " + section + " (expected " + expected + ")");
}

void LoadServeSection(const rules::Node& node, ServeConfig* config, Diagnostics* diags) {
    if (!ExpectMapping(node, "serve", diags)) {
        return;
    }
    for (const auto& [key, value] : node.members) {
        std::string name = "serve." + key;
        uint64_t n = 0;
        std::string text;
        std::chrono::milliseconds d{0};
        if (key == "listen") {
            if (ReadString(value, name, &text, diags) &&
                !ParseListen(text, &config->host, &config->port)) {
                diags->Error("bad-value",
                             value.pos,
                             name + ": expected host:port (e.g. 127.0.0.1:8443)");
            }
        } else if (key == "token") {
            ReadSecret(value, name, &config->token, diags);
        } else if (key == "hmac-secret") {
            ReadSecret(value, name, &config->hmac_secret, diags);
        } else if (key == "state") {
            ReadString(value, name, &config->state, diags);
        } else if (key == "workers") {
            if (ReadCount(value, name, 0, 256, &n, diags)) {
                config->workers = static_cast<unsigned>(n);
            }
        } else if (key == "max-body") {
            if (ReadSize(value, name, 1024, 1ull << 30, &n, diags)) {
                config->max_body = n;
            }
        } else if (key == "seal-every") {
            if (ReadDuration(value, name, true, &d, diags)) {
                config->seal_every = std::chrono::duration_cast<std::chrono::seconds>(d);
            }
        } else if (key == "queue") {
            if (!ExpectMapping(value, name, diags)) {
                continue;
            }
            for (const auto& [qkey, qvalue] : value.members) {
                if (qkey == "max-batches") {
                    if (ReadCount(qvalue, name + ".max-batches", 1, 1u << 20, &n, diags)) {
                        config->max_batches = n;
                    }
                } else if (qkey == "max-bytes") {
                    if (ReadSize(qvalue, name + ".max-bytes", 1u << 20, 64ull << 30, &n, diags)) {
                        config->max_bytes = n;
                    }
                } else {
                    UnknownKey(name, qkey, qvalue, "max-batches, max-bytes", diags);
                }
            }
        } else {
            UnknownKey("serve",
                       key,
                       value,
                       "listen, token, hmac-secret, state, workers, queue, max-body, seal-every",
                       diags);
        }
    }
}

void LoadSources(const rules::Node& node, ServeConfig* config, Diagnostics* diags) {
    if (!node.is_array()) {
        diags->Error("bad-value", node.pos, "'sources' must be a list");
        return;
    }
    for (const rules::Node& item : node.items) {
        if (!ExpectMapping(item, "sources[]", diags)) {
            continue;
        }
        ServeSource source;
        source.pos = item.pos;
        const rules::Node* type = item.Find("type");
        if (type == nullptr || !type->is_string() ||
            (type->text != "folder" && type->text != "sandbox")) {
            diags->Error(type == nullptr ? "missing-field" : "bad-value",
                         type == nullptr ? item.pos : type->pos,
                         "sources: each source needs type: folder or type: sandbox");
            continue;
        }
        source.type =
                type->text == "folder" ? ServeSource::Type::kFolder : ServeSource::Type::kSandbox;
        bool ok = true;
        for (const auto& [key, value] : item.members) {
            std::string name = "sources." + type->text + "." + key;
            if (key == "type") {
                continue;
            }
            if (source.type == ServeSource::Type::kFolder && key == "path") {
                ok &= ReadString(value, name, &source.path, diags);
            } else if (source.type == ServeSource::Type::kFolder && key == "poll") {
                ok &= ReadDuration(value, name, false, &source.poll, diags);
            } else if (source.type == ServeSource::Type::kSandbox && key == "url") {
                ok &= ReadString(value, name, &source.url, diags);
            } else if (source.type == ServeSource::Type::kSandbox && key == "region") {
                ok &= ReadString(value, name, &source.region, diags);
            } else if (source.type == ServeSource::Type::kSandbox && key == "wait") {
                ok &= ReadDuration(value, name, false, &source.wait, diags);
            } else {
                UnknownKey("sources",
                           key,
                           value,
                           source.type == ServeSource::Type::kFolder ? "type, path, poll"
                                                                     : "type, url, region, wait",
                           diags);
                ok = false;
            }
        }
        if (source.type == ServeSource::Type::kFolder && source.path.empty()) {
            diags->Error("missing-field", item.pos, "sources: a folder source needs path");
            ok = false;
        }
        if (source.type == ServeSource::Type::kSandbox && source.url.empty()) {
            diags->Error("missing-field", item.pos, "sources: a sandbox source needs url");
            ok = false;
        }
        if (ok) {
            config->sources.push_back(std::move(source));
        }
    }
}

void LoadFindings(const rules::Node& node, ServeConfig* config, Diagnostics* diags) {
    if (!ExpectMapping(node, "findings", diags)) {
        return;
    }
    for (const auto& [key, value] : node.members) {
        std::chrono::milliseconds d{0};
        if (key == "aggregation-window") {
            if (ReadDuration(value, "findings.aggregation-window", false, &d, diags)) {
                config->aggregation_window = std::chrono::duration_cast<std::chrono::seconds>(d);
            }
        } else if (key == "securityhub") {
            if (!ExpectMapping(value, "findings.securityhub", diags)) {
                continue;
            }
            for (const auto& [skey, svalue] : value.members) {
                if (skey == "enabled") {
                    ReadBool(svalue, "findings.securityhub.enabled", &config->securityhub, diags);
                } else if (skey == "region") {
                    ReadString(svalue,
                               "findings.securityhub.region",
                               &config->securityhub_region,
                               diags);
                } else {
                    UnknownKey("findings.securityhub", skey, svalue, "enabled, region", diags);
                }
            }
        } else {
            UnknownKey("findings", key, value, "aggregation-window, securityhub", diags);
        }
    }
}

const std::set<std::string>& SeverityLabels() {
    static const std::set<std::string> labels = {
            "informational", "low", "medium", "high", "critical", "*"};
    return labels;
}

void LoadResponse(const rules::Node& node, ServeConfig* config, Diagnostics* diags) {
    if (!ExpectMapping(node, "response", diags)) {
        return;
    }
    for (const auto& [key, value] : node.members) {
        uint64_t n = 0;
        if (key == "workers") {
            if (ReadCount(value, "response.workers", 1, 64, &n, diags)) {
                config->response_workers = static_cast<unsigned>(n);
            }
        } else if (key == "notify") {
            ReadStringList(value, "response.notify", &config->notify, diags);
        } else if (key == "auto-apply") {
            if (!value.is_array()) {
                diags->Error("bad-value", value.pos, "response.auto-apply must be a list");
                continue;
            }
            for (const rules::Node& item : value.items) {
                if (!ExpectMapping(item, "response.auto-apply[]", diags)) {
                    continue;
                }
                pipeline::AutoApplyRule rule;
                bool has_playbook = false;
                for (const auto& [akey, avalue] : item.members) {
                    std::string name = "response.auto-apply." + akey;
                    if (akey == "playbook") {
                        has_playbook = ReadString(avalue, name, &rule.playbook, diags);
                    } else if (akey == "accounts") {
                        ReadStringList(avalue, name, &rule.accounts, diags);
                    } else if (akey == "environments") {
                        ReadStringList(avalue, name, &rule.environments, diags);
                    } else if (akey == "severities") {
                        std::vector<std::string> severities;
                        ReadStringList(avalue, name, &severities, diags);
                        for (const std::string& s : severities) {
                            if (SeverityLabels().count(s) == 0) {
                                diags->Error("bad-value",
                                             avalue.pos,
                                             name + ": '" + s +
                                                     "' is not a severity (informational, low, "
                                                     "medium, high, critical)");
                            }
                        }
                        rule.severities = std::move(severities);
                    } else {
                        UnknownKey("response.auto-apply",
                                   akey,
                                   avalue,
                                   "playbook, accounts, environments, severities",
                                   diags);
                    }
                }
                if (!has_playbook) {
                    diags->Error("missing-field",
                                 item.pos,
                                 "response.auto-apply: each entry names a playbook (an id or a "
                                 "glob; \"*\" for all)");
                    continue;
                }
                config->auto_apply.push_back(std::move(rule));
            }
        } else {
            UnknownKey("response", key, value, "workers, notify, auto-apply", diags);
        }
    }
}

}  // namespace

std::optional<uint64_t> ParseByteSize(std::string_view text) {
    size_t i = 0;
    uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (n > (1ull << 50)) {
            return std::nullopt;
        }
        n = n * 10 + static_cast<uint64_t>(text[i] - '0');
        ++i;
    }
    if (i == 0) {
        return std::nullopt;
    }
    std::string_view unit = text.substr(i);
    while (!unit.empty() && unit.front() == ' ') {
        unit.remove_prefix(1);
    }
    uint64_t scale = 1;
    if (unit.empty() || unit == "B") {
        scale = 1;
    } else if (unit == "KiB" || unit == "K") {
        scale = 1ull << 10;
    } else if (unit == "MiB" || unit == "M") {
        scale = 1ull << 20;
    } else if (unit == "GiB" || unit == "G") {
        scale = 1ull << 30;
    } else if (unit == "KB") {
        scale = 1000;
    } else if (unit == "MB") {
        scale = 1000 * 1000;
    } else if (unit == "GB") {
        scale = 1000ull * 1000 * 1000;
    } else {
        return std::nullopt;
    }
    return n * scale;
}

bool ParseListen(std::string_view text, std::string* host, int* port) {
    std::string_view h;
    std::string_view p = text;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return false;
        }
        h = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
    }
    if (p.empty() || p.size() > 5) {
        return false;
    }
    int n = 0;
    for (char c : p) {
        if (c < '0' || c > '9') {
            return false;
        }
        n = n * 10 + (c - '0');
    }
    if (n > 65535) {
        return false;
    }
    if (!h.empty()) {
        *host = std::string(h);
    }
    *port = n;
    return true;
}

bool LoadServeKey(const std::string& key,
                  const rules::Node& value,
                  ServeConfig* config,
                  Diagnostics* diags) {
    if (key == "serve") {
        LoadServeSection(value, config, diags);
    } else if (key == "rules") {
        ReadStringList(value, "rules", &config->rules, diags);
    } else if (key == "builtin-rules") {
        ReadBool(value, "builtin-rules", &config->builtin_rules, diags);
    } else if (key == "playbooks") {
        ReadStringList(value, "playbooks", &config->playbooks, diags);
    } else if (key == "builtin-playbooks") {
        ReadBool(value, "builtin-playbooks", &config->builtin_playbooks, diags);
    } else if (key == "sources") {
        LoadSources(value, config, diags);
    } else if (key == "findings") {
        LoadFindings(value, config, diags);
    } else if (key == "response") {
        LoadResponse(value, config, diags);
    } else {
        return false;
    }
    return true;
}

void CheckServeConfig(const ServeConfig& config, const SourcePos& file_pos, Diagnostics* diags) {
    if (config.token.empty()) {
        diags->Error("missing-field",
                     file_pos,
                     "serve.token is required: the API and ingest demand a bearer token (set "
                     "serve.token: ${FIREBREAK_TOKEN} or --token-env)");
    } else if (config.token.size() < 16) {
        diags->Error("bad-value",
                     file_pos,
                     "serve.token: at least 16 characters (e.g. openssl rand -hex 24)");
    }
    if (!config.hmac_secret.empty() && config.hmac_secret.size() < 16) {
        diags->Error("bad-value", file_pos, "serve.hmac-secret: at least 16 characters");
    }
    std::set<std::string> seen;
    for (const ServeSource& s : config.sources) {
        std::string id = s.type == ServeSource::Type::kFolder ? "folder:" + s.path : s.url;
        if (!seen.insert(id).second) {
            diags->Error("duplicate-source", s.pos, "sources: " + id + " is listed twice");
        }
    }
}

}  // namespace firebreak::cli
