// File: vault.h
//
// The evidence vault: content-addressed objects with custody metadata, an append-only manifest,
// and a CloudTrail-format signed digest chain over both.
//
// Layout (every key below the vault's prefix; all written once, retained):
//   vault.json                                   the descriptor (names the digests' account,
//                                                region and trail name; retention policy)
//   objects/sha256/ab/<64 hex>                   the evidence bytes, keyed by their SHA-256
//   manifest/<20-digit seq>.json                 one entry per collected item: case, kind,
//                                                source, collected by/at, object hash, and the
//                                                SHA-256 of the previous entry (a hash chain)
//   AWSLogs/<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_
//       <name>_<region>_<YYYYMMDDTHHMMSSZ>.json.gz   digest files, signature in metadata
//
// A digest lists, as CloudTrail's `logFiles`, every manifest entry added since the previous digest
// and the object it describes (hashValue = SHA-256 of the object, inflated first when it is gzip,
// as CloudTrail hashes log files), and is signed with SHA256withRSA over CloudTrail's data-to-sign
// string, chained to the previous digest by its hash and signature. The chain is walked by the
// same code as CloudTrail's (ValidateChain, `validate-logs`' algorithm). The AWS CLI itself cannot
// check a vault: it finds digests by trail and gunzips every listed file, and vault entries and
// objects are not gzip.
//
// One writer at a time per vault is expected (serve, or a CLI run). Concurrent writers cannot
// corrupt it: every key is created once, and a writer that loses a race for a manifest sequence
// number reloads and takes the next one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/vault_backend.h"

namespace firebreak::evidence {

// The longest retention a vault accepts: 100 years (S3 Object Lock's own limit for a default
// retention), which also keeps "now + retention" inside the clock's range.
inline constexpr int64_t kMaxRetentionDays = 36500;

// What the descriptor (vault.json) says.
struct VaultDescriptor {
    std::string prefix;                       // "" or ending in "/"
    std::string account_id = "000000000000";  // digest files' awsAccountId and key folder
    std::string region = "local";             // the digests' region folder
    std::string name = "firebreak-vault";     // the digests' "trail" name
    RetentionMode retention_mode = RetentionMode::kCompliance;
    int64_t retention_days = 365;
    std::string created_at;  // "2026-11-28T22:00:00Z"
};

// Kinds of evidence. The five, plus what firebreak records by itself.
inline constexpr std::string_view kEvidenceKinds[] = {
        "log-file",        // a CloudTrail/VPC flow/application log file
        "api-response",    // a describe/get call's reply captured by a playbook or responder
        "snapshot",        // an EBS snapshot id (and its description)
        "command-output",  // output of an SSM command, a memory capture's listing
        "note",            // a responder's note
        "finding",         // the finding that opened the case (ASFF)
        "action",          // a change made by a playbook: the request and AWS's reply
};

bool IsEvidenceKind(std::string_view kind);

// What the collector says about an item.
struct EvidenceInput {
    std::string case_id;       // [A-Za-z0-9._:-], 1..128 characters
    std::string kind;          // one of kEvidenceKinds
    std::string source;        // "ec2:DescribeInstances 111122223333/us-east-1", a file path...
    std::string collected_by;  // "arn:aws:iam::...:user/alice", "playbook-run:r-1f2e..."
    TimePoint collected_at{};  // when it was collected (not when it was stored)
    std::string name;          // a file name for exports: "describe-instances.json"
    std::string media_type;    // "application/json", "application/gzip", "text/plain"
    // Idempotency: an entry with the same ref is not added twice (the first is returned). Playbook
    // steps use "run/<run id>/step/<key>".
    std::string ref;
};

// One manifest entry, as stored.
struct EvidenceEntry {
    uint64_t seq = 0;
    std::string case_id;
    std::string kind;
    std::string source;
    std::string collected_by;
    std::string collected_at;  // ISO, whole seconds
    std::string stored_at;
    std::string name;
    std::string media_type;
    std::string ref;
    std::string sha256;  // of the stored bytes (the content address)
    // SHA-256 of the inflated bytes when the object is gzip (what a digest lists); empty otherwise.
    std::string uncompressed_sha256;
    uint64_t size = 0;
    std::string object_key;
    std::string retain_until;  // ISO
    std::string retention_mode;
    std::string previous_entry_sha256;  // of the previous entry's JSON; empty for the first

    std::string entry_key;  // not stored: where the entry is
    std::string json;       // not stored: the exact bytes of the entry (hashed by digests)
};

// Compact JSON of an entry (entry_key and json excluded), and back. Parse errors name the field.
std::string SerializeEntry(const EvidenceEntry& entry);
Result<EvidenceEntry> ParseEntry(std::string_view json);

std::string EntryKey(std::string_view prefix, uint64_t seq);  // prefix + manifest/000..42.json
std::string ObjectKey(std::string_view prefix, std::string_view sha256_hex);
std::string DigestFolder(const VaultDescriptor& descriptor);  // ...CloudTrail-Digest/<region>/

std::string SerializeDescriptor(const VaultDescriptor& descriptor);
Result<VaultDescriptor> ParseDescriptor(std::string_view json);

// The digest a Seal() wrote.
struct SealedDigest {
    std::string key;
    DigestFile digest;
    std::string signature_hex;
    size_t entries = 0;  // manifest entries it covers
};

// What the writer remembers of its last seal, kept beside the signing keys (which an attacker of
// the vault cannot write): the vault, the newest digest it signed and vault.json's hash. Seal
// refuses to chain onto anything else (a truncated tail, a reset chain, a planted digest, an
// edited vault.json), and verify names the same.
struct VaultHead {
    std::string vault;  // Vault::Identity()
    std::string descriptor_sha256;
    std::string digest_key;
    std::string digest_sha256;  // of the uncompressed digest
    uint64_t covered_seq = 0;
    std::string sealed_at;
};

std::string SerializeHead(const VaultHead& head);
Result<VaultHead> ParseHead(std::string_view json);

class Vault {
public:
    // Opens the vault in `backend` (under `prefix`). When vault.json is absent and `create` is
    // set, the vault is created with `defaults` (its prefix is taken from `prefix`); otherwise
    // kNotFound. Reads the manifest and finds the newest digest.
    static Result<std::unique_ptr<Vault>> Open(std::unique_ptr<VaultBackend> backend,
                                               std::string_view prefix,
                                               bool create,
                                               const VaultDescriptor& defaults,
                                               TimePoint now);

    const VaultDescriptor& descriptor() const { return descriptor_; }

    VaultBackend& backend() { return *backend_; }

    // Stores `bytes` (content-addressed, written once, retained) and appends a manifest entry.
    // With a ref already in the manifest, returns that entry and writes nothing.
    Result<EvidenceEntry> Add(const EvidenceInput& input, std::string_view bytes, TimePoint now);

    // Writes a digest over the entries added since the last digest, signed with `key`. With no
    // new entries it still writes one when `even_if_empty` (periodic digests prove continuity, as
    // CloudTrail's hourly digests do); otherwise returns nullopt.
    Result<std::optional<SealedDigest>> Seal(const PrivateKey& key,
                                             TimePoint now,
                                             bool even_if_empty);

    // Entries in sequence order; those of one case when `case_id` is not empty.
    std::vector<const EvidenceEntry*> Entries(std::string_view case_id = {}) const;
    const EvidenceEntry* FindByRef(std::string_view ref) const;

    size_t entry_count() const { return entries_.size(); }

    // Entries not yet listed by a digest.
    size_t uncovered_count() const;

    bool IsCovered(const EvidenceEntry& entry) const { return entry.seq <= covered_seq_; }

    // The newest digest's key and end time ("" when there is none).
    const std::string& newest_digest_key() const { return newest_digest_key_; }

    const std::string& newest_digest_end() const { return newest_digest_end_; }

    // What Open() noticed and worked around (an unreadable entry or newest digest); `verify`
    // names these in full.
    const std::vector<std::string>& warnings() const { return warnings_; }

    // Seal() waits for the next second when the newest digest ends at this one (digest names
    // are unique per second); tests replace the wait.
    void SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep) {
        sleep_ = std::move(sleep);
    }

    // Where the vault is, stably (an absolute folder, or s3://bucket/prefix).
    std::string Identity() const;

    // Reads the manifest and the newest digest again (another process may have written since).
    Status Refresh();

    // The head after the last Seal (or as opened).
    VaultHead Head() const;

    // FailedPrecondition, naming what differs, unless the vault's newest digest and vault.json
    // are the ones `head` recorded.
    Status CheckHead(const VaultHead& head) const;

    // The object bytes of an entry (checked against its SHA-256: DataLoss on a mismatch).
    Result<std::string> ReadObject(const EvidenceEntry& entry);

private:
    Vault(std::unique_ptr<VaultBackend> backend, VaultDescriptor descriptor)
        : backend_(std::move(backend)),
          descriptor_(std::move(descriptor)) {}

    Status LoadManifest();
    Status LoadNewestDigest();
    Retention RetentionFrom(TimePoint now) const;

    std::unique_ptr<VaultBackend> backend_;
    VaultDescriptor descriptor_;
    // By sequence number. A gap (a deleted entry) is left for verify to name; new entries go
    // after the highest number.
    std::vector<EvidenceEntry> entries_;
    std::map<std::string, size_t> by_ref_;  // ref -> index in entries_
    uint64_t covered_seq_ = 0;              // entries up to this seq are listed by a digest
    uint64_t next_seq_ = 1;                 // above every manifest key seen, readable or not
    std::string newest_digest_key_;
    std::string newest_digest_end_;
    std::string newest_digest_json_;
    std::string newest_digest_signature_;
    std::string descriptor_json_;
    std::vector<std::string> warnings_;
    std::function<void(std::chrono::milliseconds)> sleep_ = [](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
    };
};

}  // namespace firebreak::evidence
