// File: vault_verify.h
//
// `firebreak evidence verify`: proves a vault (or an exported bundle) intact. The digest chain is
// walked backwards from the newest digest with ValidateChain (so every digest's signature, key
// window, location and previous-digest hash, and every listed object's and manifest entry's
// SHA-256, are checked as `aws cloudtrail validate-logs` would). Then what the chain cannot see:
//   * digests in the digest folder that the walk never reached (a forged or re-ordered digest),
//   * manifest entries and objects that no digest lists ("not covered": added after the newest
//     digest, or slipped in),
//   * the manifest's own chain: sequence gaps, each entry's previous_entry_sha256, and each
//     entry's object key naming its SHA-256.
// Keys a bundle left out on purpose (another case's evidence) are "omitted", not missing.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"

namespace firebreak::evidence {

enum class ItemKind : uint8_t { kDigest, kEntry, kObject };

enum class ItemStatus : uint8_t {
    kValid,
    kHashMismatch,
    kSignatureInvalid,  // bad or missing signature, unknown key, key outside its window
    kMissing,
    kNotCovered,
    kInvalidFormat,
    kMoved,         // a digest stored under another digest's key
    kChainBroken,   // previous-digest hash or previous-entry hash differs; sequence gap
    kNotInChain,    // a digest the backwards walk never reached
    kOmitted,       // left out of a bundle on purpose
    kUnreferenced,  // an object no manifest entry names (an interrupted write): not evidence
};

std::string_view ItemKindName(ItemKind kind);        // "digest", "entry", "object"
std::string_view ItemStatusName(ItemStatus status);  // "valid", "hash mismatch", ...

struct VerifyItem {
    ItemKind kind = ItemKind::kDigest;
    std::string key;
    ItemStatus status = ItemStatus::kValid;
    std::string detail;
};

struct VaultVerifyOptions {
    std::set<std::string> omitted;  // keys a bundle left out
    // The writer's last seal (KeyStore::ReadHead): its digest must be in the chain, unchanged,
    // and vault.json must be the one it sealed; otherwise the vault was truncated, reset or edited.
    std::optional<VaultHead> expected_head;
};

struct VaultVerifyReport {
    std::string vault;              // backend's Describe()
    std::vector<VerifyItem> items;  // digests newest first, then entries, then objects
    size_t digests = 0;
    size_t digests_valid = 0;
    size_t entries = 0;
    size_t entries_valid = 0;
    size_t objects = 0;
    size_t objects_valid = 0;
    size_t omitted = 0;
    size_t unreferenced = 0;  // objects no entry names and no digest lists (not a problem)
    std::string newest_digest;
    std::string oldest_start_time;
    std::string newest_end_time;

    size_t problems() const;

    bool ok() const { return problems() == 0 && (digests_valid > 0 || entries == 0); }
};

VaultVerifyReport VerifyVault(VaultBackend& backend,
                              const VaultDescriptor& descriptor,
                              const std::vector<PublishedKey>& keys,
                              const VaultVerifyOptions& options = {});

// Lines like validate-logs' ("Digest file\ts3://b/k\tvalid"; valid items only when `verbose`),
// then the counts per kind and the verdict.
std::string RenderVerifyText(const VaultVerifyReport& report, bool verbose);

// {"ok":..,"vault":..,"digests":{"total":..,"valid":..},"entries":{..},"objects":{..},
//  "items":[{"kind":"digest","key":..,"status":"valid","detail":..}]}
std::string RenderVerifyJson(const VaultVerifyReport& report);

}  // namespace firebreak::evidence
