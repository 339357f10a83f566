// File: bundle.h
//
// Chain of custody: `firebreak evidence export CASE` writes one case's evidence as a
// self-contained folder that a third party verifies with nothing but the folder:
//   vault.json, manifest/..., objects/...   the case's entries and objects, same keys as the vault
//   AWSLogs/.../CloudTrail-Digest/...       every digest file of the vault (+ .sig sidecars), so
//                                           the whole chain walks; other cases' entries and
//                                           objects they list are left out on purpose
//   public-keys.json                        the signing keys with their validity windows
//   custody-report.md                       who collected what, when, from where, its SHA-256,
//                                           which digest covers it, and how it was verified
//   bundle.json + bundle.json.sig           what is included and what was left out, the report's
//                                           SHA-256, signed with the vault's current key, so
//                                           nobody can drop an item and call it "left out"
// The bundle is a local vault: `firebreak evidence verify --bundle DIR` checks the signature of
// bundle.json, then VerifyVault with bundle.json's left-out keys as omitted.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/evidence/vault_verify.h"

namespace firebreak::evidence {

struct ExportOptions {
    std::string case_id;
    std::string out_dir;              // must not exist or be empty
    std::string exported_by;          // who ran the export
    std::string published_keys_json;  // public-keys.json (KeyStore::PublishedJson)
};

struct ExportResult {
    size_t entries = 0;
    size_t objects = 0;
    size_t digests = 0;
    size_t omitted = 0;
    VaultVerifyReport source_report;  // the vault as verified before exporting
    VaultVerifyReport bundle_report;  // the written bundle, verified from its own files
};

// Writes the bundle. The case's entries must all be covered by a digest (seal first). Refuses a
// case with no entries, and an out_dir that holds files.
Result<ExportResult> ExportCase(Vault& vault,
                                const PrivateKey& key,
                                const ExportOptions& options,
                                TimePoint now);

struct BundleInfo {
    std::string case_id;
    std::string bucket;
    std::string exported_at;
    std::string exported_by;
    std::string fingerprint;  // of the key that signed bundle.json
    std::vector<std::string> entries;
    std::vector<std::string> objects;
    std::set<std::string> omitted;
    std::string custody_report_sha256;
};

struct BundleVerifyReport {
    BundleInfo info;
    std::string statement_problem;  // empty when bundle.json's signature and report hash verify
    VaultVerifyReport vault;
    size_t missing_included = 0;    // included keys the vault check did not find valid
    bool keys_from_bundle = false;  // verified with the bundle's own public-keys.json

    bool ok() const { return statement_problem.empty() && missing_included == 0 && vault.ok(); }
};

// Verifies a bundle folder. `keys` empty: the bundle's own public-keys.json.
Result<BundleVerifyReport> VerifyBundle(const std::string& dir, std::vector<PublishedKey> keys);

std::string RenderBundleText(const BundleVerifyReport& report, bool verbose);
std::string RenderBundleJson(const BundleVerifyReport& report);

}  // namespace firebreak::evidence
