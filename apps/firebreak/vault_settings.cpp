// File: vault_settings.cpp
#include "vault_settings.h"

#include <cstdio>

#include "firebreak/core/file.h"
#include "firebreak/evidence_s3/s3_backend.h"
#include "firebreak/response/playbook.h"

namespace firebreak::cli {

namespace {

bool ReadText(const rules::Node& value, const char* key, std::string* out, Diagnostics* diags) {
    if (!value.is_string() && !value.is_number()) {
        diags->Error("bad-value", value.pos, std::string("evidence.") + key + ": expected text");
        return false;
    }
    *out = value.text;
    return true;
}

bool ReadBool(const rules::Node& value, const char* key, bool* out, Diagnostics* diags) {
    if (!value.is_bool()) {
        diags->Error("bad-value",
                     value.pos,
                     std::string("evidence.") + key + ": expected true or false");
        return false;
    }
    *out = value.boolean;
    return true;
}

}  // namespace

void LoadVaultSettings(const rules::Node& node, VaultSettings* settings, Diagnostics* diags) {
    if (!node.is_object()) {
        diags->Error("bad-value", node.pos, "'evidence' must be a mapping");
        return;
    }
    for (const auto& [key, value] : node.members) {
        std::string text;
        if (key == "vault") {
            ReadText(value, "vault", &settings->vault, diags);
        } else if (key == "keys") {
            ReadText(value, "keys", &settings->keys, diags);
        } else if (key == "retention") {
            if (!ReadText(value, "retention", &text, diags)) {
                continue;
            }
            std::optional<std::chrono::milliseconds> duration = response::ParseDuration(text);
            auto days = duration ? std::chrono::floor<std::chrono::days>(*duration)
                                 : std::chrono::days(0);
            if (!duration || days.count() < 1 || days.count() > evidence::kMaxRetentionDays) {
                diags->Error("bad-value",
                             value.pos,
                             "evidence.retention: '" + text +
                                     "' is not a duration from one day to 100 years (e.g. 365d)");
                continue;
            }
            settings->descriptor.retention_days = days.count();
        } else if (key == "retention-mode") {
            if (!ReadText(value, "retention-mode", &text, diags)) {
                continue;
            }
            std::optional<evidence::RetentionMode> mode = evidence::ParseRetentionMode(text);
            if (!mode) {
                diags->Error("bad-value",
                             value.pos,
                             "evidence.retention-mode: expected COMPLIANCE or GOVERNANCE");
                continue;
            }
            settings->descriptor.retention_mode = *mode;
        } else if (key == "account-id") {
            ReadText(value, "account-id", &settings->descriptor.account_id, diags);
        } else if (key == "region") {
            ReadText(value, "region", &settings->descriptor.region, diags);
        } else if (key == "name") {
            ReadText(value, "name", &settings->descriptor.name, diags);
        } else if (key == "record") {
            ReadBool(value, "record", &settings->record, diags);
        } else if (key == "seal-after-run") {
            ReadBool(value, "seal-after-run", &settings->seal_after_run, diags);
        } else {
            diags->Error("unknown-key",
                         value.key_pos,
                         "unknown evidence setting '" + key +
                                 "' (expected vault, keys, retention, retention-mode, account-id, "
                                 "region, name, record, seal-after-run)");
        }
    }
}

std::optional<rules::Node> ReadConfigFile(const std::string& path, Diagnostics* diags) {
    Result<std::string> text = ReadFileToString(path);
    if (!text) {
        diags->Error("io", SourcePos{path, 0, 0}, text.error().message());
        return std::nullopt;
    }
    std::vector<rules::Node> docs = rules::ParseYamlDocuments(*text, path, diags);
    if (docs.empty() || !docs[0].is_object()) {
        diags->Error("bad-value", SourcePos{path, 1, 1}, "the config file must be a mapping");
        return std::nullopt;
    }
    return std::move(docs[0]);
}

bool LoadVaultSettingsFile(const std::string& path, VaultSettings* settings, Diagnostics* diags) {
    std::optional<rules::Node> config = ReadConfigFile(path, diags);
    if (!config) {
        return false;
    }
    int before = diags->error_count();
    if (const rules::Node* node = config->Find("evidence")) {
        LoadVaultSettings(*node, settings, diags);
    }
    return diags->error_count() == before;
}

bool IsS3Location(const std::string& location) {
    return location.rfind("s3://", 0) == 0;
}

Result<std::unique_ptr<evidence::Vault>> OpenVault(const VaultSettings& settings,
                                                   const aws::AwsClient* client,
                                                   bool create,
                                                   std::chrono::system_clock::time_point now) {
    if (IsS3Location(settings.vault)) {
        std::string rest = settings.vault.substr(5);
        size_t slash = rest.find('/');
        std::string bucket = rest.substr(0, slash);
        std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
        if (bucket.empty()) {
            return InvalidArgument("vault " + settings.vault + ": no bucket name");
        }
        if (client == nullptr) {
            return InvalidArgument("vault " + settings.vault +
                                   " is in S3: it needs AWS credentials");
        }
        auto backend = std::make_unique<evidence::S3VaultBackend>(*client, bucket);
        return evidence::Vault::Open(std::move(backend), prefix, create, settings.descriptor, now);
    }
    auto backend =
            std::make_unique<evidence::LocalVaultBackend>(settings.vault, settings.descriptor.name);
    return evidence::Vault::Open(std::move(backend), "", create, settings.descriptor, now);
}

Result<evidence::PrivateKey> SigningKey(const VaultSettings& settings,
                                        bool create_if_missing,
                                        std::chrono::system_clock::time_point now) {
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return store.error();
    }
    if (store->CurrentRecord() == nullptr && create_if_missing) {
        Result<std::string> fingerprint = store->Rotate(now);
        if (!fingerprint) {
            return fingerprint.error();
        }
        std::fprintf(
                stderr,
                "firebreak: created evidence signing key %s in %s; publish %s/public-keys.json "
                "where verifiers can get it\n",
                fingerprint->c_str(),
                settings.keys.c_str(),
                settings.keys.c_str());
    }
    return store->Current();
}

Result<std::optional<evidence::SealedDigest>> SealVault(const VaultSettings& settings,
                                                        evidence::Vault& vault,
                                                        bool even_if_empty,
                                                        bool key_if_missing,
                                                        std::chrono::system_clock::time_point now) {
    Result<evidence::PrivateKey> key = SigningKey(settings, key_if_missing, now);
    if (!key) {
        return key.error();
    }
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return store.error();
    }
    FIREBREAK_RETURN_IF_ERROR(vault.Refresh());
    Result<std::optional<evidence::VaultHead>> head = store->ReadHead(vault.Identity());
    if (!head) {
        return head.error();
    }
    if (head->has_value()) {
        FIREBREAK_RETURN_IF_ERROR(vault.CheckHead(**head));
    }
    Result<std::optional<evidence::SealedDigest>> sealed = vault.Seal(*key, now, even_if_empty);
    if (!sealed) {
        return sealed.error();
    }
    if (sealed->has_value() || !head->has_value()) {
        FIREBREAK_RETURN_IF_ERROR(store->WriteHead(vault.Head()));
    }
    return sealed;
}

std::optional<evidence::VaultHead> RecordedHead(const VaultSettings& settings,
                                                const evidence::Vault& vault) {
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return std::nullopt;
    }
    Result<std::optional<evidence::VaultHead>> head = store->ReadHead(vault.Identity());
    return head ? *head : std::nullopt;
}

}  // namespace firebreak::cli
