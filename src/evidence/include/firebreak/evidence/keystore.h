// File: keystore.h
//
// firebreak's own digest-signing keys: generated, rotated and published like CloudTrail's. A key
// store is a folder:
//   keys.json                    [{fingerprint, created_at, valid_from, valid_until|null}, ...]
//   <fingerprint>.private.pem    PKCS#8, mode 0600 (never leaves the folder, never logged)
//   <fingerprint>.public.pem     SubjectPublicKeyInfo
//   public-keys.json             what is published: ListPublicKeys' shape, {"PublicKeyList":[
//                                {"Value": base64 PKCS#1 DER, "ValidityStartTime",
//                                "ValidityEndTime" (null while the key is current),
//                                "Fingerprint"}]}
// Exactly one key is current (valid_until null). Rotation ends the current key's window at the
// rotation time and starts the new key's there; verifiers accept a digest only when its end time
// falls inside its key's window.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/evidence/vault_backend.h"

namespace firebreak::evidence {

// A public key with its validity window (open-ended where absent).
struct PublishedKey {
    std::string fingerprint;
    PublicKey key;
    std::optional<TimePoint> valid_from;
    std::optional<TimePoint> valid_until;

    // True when `t` is inside the window (inclusive at both ends).
    bool ValidAt(TimePoint t) const;
};

struct KeyRecord {
    std::string fingerprint;
    std::string created_at;
    std::string valid_from;
    std::optional<std::string> valid_until;
};

class KeyStore {
public:
    // Reads `folder`/keys.json; an absent folder or file is an empty store.
    static Result<KeyStore> Open(std::string folder);

    const std::vector<KeyRecord>& keys() const { return keys_; }

    const std::string& folder() const { return folder_; }

    // Generates a key, makes it current from `now`, ends the previous current key at `now`, and
    // rewrites keys.json and public-keys.json (each atomically). Returns the new fingerprint.
    Result<std::string> Rotate(TimePoint now, int bits = 2048);

    // The current signing key. FailedPrecondition when the store has none.
    Result<PrivateKey> Current() const;
    const KeyRecord* CurrentRecord() const;

    // public-keys.json's text (ListPublicKeys' shape).
    Result<std::string> PublishedJson() const;

    // The last seal of a vault (heads/<hash of the vault's identity>.json), nullopt if none.
    Result<std::optional<VaultHead>> ReadHead(std::string_view vault_identity) const;
    Status WriteHead(const VaultHead& head) const;

private:
    explicit KeyStore(std::string folder) : folder_(std::move(folder)) {}

    Status Save() const;

    std::string folder_;
    std::vector<KeyRecord> keys_;
};

// Reads a ListPublicKeys-shaped document (ours or `aws cloudtrail list-public-keys` output) with
// the validity windows. Errors name the entry ("PublicKeyList[1].Value: ...").
Result<std::vector<PublishedKey>> ParsePublishedKeys(std::string_view json);

}  // namespace firebreak::evidence
