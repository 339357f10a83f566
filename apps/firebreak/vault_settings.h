// File: vault_settings.h
//
// Where the CLI finds the evidence vault and its signing keys: the `evidence:` section of the
// config file (--config), overridden by --vault / --evidence-keys, defaulting to folders under
// firebreak-state/. Shared by `firebreak evidence ...` and `firebreak respond`/`runs` (which
// record playbook actions and findings in the vault).
//
//   evidence:
//     vault: firebreak-state/vault       # a folder, or s3://bucket[/prefix] (Object Lock bucket)
//     keys: firebreak-state/evidence-keys
//     retention: 365d                    # how long every object is retained (days)
//     retention-mode: COMPLIANCE         # or GOVERNANCE
//     account-id: "999999999999"         # the digest files' account folder (the security account)
//     region: us-east-1                  # the digest files' region folder
//     name: firebreak-vault              # the digest files' "trail" name
//     record: true                       # respond/runs record actions and findings
//     seal-after-run: true               # a digest is written after each run that recorded
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/rules/node.h"

namespace firebreak::cli {

struct VaultSettings {
    std::string vault = "firebreak-state/vault";
    std::string keys = "firebreak-state/evidence-keys";
    evidence::VaultDescriptor descriptor;  // used when the vault is created
    bool record = true;
    bool seal_after_run = true;
};

// Reads an `evidence:` mapping into `settings` (only the keys present). Problems go to `diags`
// with file:line:column.
void LoadVaultSettings(const rules::Node& node, VaultSettings* settings, Diagnostics* diags);

// A config file's top-level mapping (--config): read, parsed as YAML, and checked to be a
// mapping; nullopt (with the problem in `diags`) otherwise. Each section's loader reads its key.
std::optional<rules::Node> ReadConfigFile(const std::string& path, Diagnostics* diags);

// Reads the `evidence:` section of a config file, if it has one (other sections are left to
// their own loaders). False when the file cannot be read or the section is bad.
bool LoadVaultSettingsFile(const std::string& path, VaultSettings* settings, Diagnostics* diags);

bool IsS3Location(const std::string& location);  // "s3://..."

// Opens (or, with `create`, creates) the vault at settings.vault. An s3:// vault needs `client`
// (an AwsClient for the bucket's account and region).
Result<std::unique_ptr<evidence::Vault>> OpenVault(const VaultSettings& settings,
                                                   const aws::AwsClient* client,
                                                   bool create,
                                                   std::chrono::system_clock::time_point now);

// The key store's current signing key. With `create_if_missing`, an empty store gets its first
// key (and says so on stderr, naming the public-keys.json to publish).
Result<evidence::PrivateKey> SigningKey(const VaultSettings& settings,
                                        bool create_if_missing,
                                        std::chrono::system_clock::time_point now);

// Seals `vault` with the key store's current key, guarded by the head the key store keeps for
// this vault: the vault is read again, and sealing is refused (FailedPrecondition) when its newest
// digest or vault.json is not what this key store sealed last (a truncated, reset or edited
// vault). The first seal of a vault by this key store records its head. `key_if_missing`: create
// the first signing key when the store has none.
Result<std::optional<evidence::SealedDigest>> SealVault(const VaultSettings& settings,
                                                        evidence::Vault& vault,
                                                        bool even_if_empty,
                                                        bool key_if_missing,
                                                        std::chrono::system_clock::time_point now);

// The head this key store recorded for `vault` (for verify), nullopt when none.
std::optional<evidence::VaultHead> RecordedHead(const VaultSettings& settings,
                                                const evidence::Vault& vault);

}  // namespace firebreak::cli
