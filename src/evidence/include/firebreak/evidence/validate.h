// File: validate.h
//
// The chain walk of `aws cloudtrail validate-logs` (../shared/notes/aws-wire-protocols.md 3.3),
// over an abstract object store. From the newest digest backwards, per digest: found, gunzip and
// JSON ("invalid format"), required fields, stored location equals the digest's own
// digestS3Bucket/digestS3Object ("has been moved"), public key known by fingerprint, signature;
// then per log file of a digest whose signature verified: found, gunzip, SHA-256 equals hashValue.
// The walk follows previousDigestS3Bucket/Object until a starting digest (previous* null).
//
// Beyond the CLI: the SHA-256 of each previous digest actually found is compared with the newer
// digest's previousDigestHashValue (kChainBroken), so a replaced or re-signed older digest is
// caught; a loop in the chain is also kChainBroken. Like the CLI, after a digest that is missing or
// unreadable, or after a starting digest, the walk goes on with the next older digest of the same
// trail in the same `CloudTrail-Digest/{region}/` folder, when the source can list (without a
// listing it stops there). Unlike the CLI, logs of a digest whose signature did not verify are not
// checked (their hashes come from an untrusted file) and are not counted.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/evidence/keys.h"

namespace firebreak::evidence {

struct StoredObject {
    std::string bytes;                            // possibly gzip
    std::map<std::string, std::string> metadata;  // "signature", "signature-algorithm"
};

class ObjectSource {
public:
    virtual ~ObjectSource() = default;

    // nullopt when there is no such object (or it cannot be read).
    virtual std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) = 0;

    // Every key under `prefix` (a folder ending in "/"), or nullopt when the source cannot list.
    virtual std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                         std::string_view prefix) {
        (void)bucket;
        (void)prefix;
        return std::nullopt;
    }
};

// Objects under `<root>/<bucket>/<key>`. Metadata comes from a sidecar `<key>.sig` next to the
// object: either JSON {"signature": "<hex>", "signature-algorithm": "SHA256withRSA"} (any string
// members become metadata) or plain text holding just the hex signature (the algorithm is then
// SHA256withRSA). Keys with empty, "." or ".." segments, or a bucket with a "/", are not found.
class LocalFolderSource : public ObjectSource {
public:
    explicit LocalFolderSource(std::string root) : root_(std::move(root)) {}

    std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) override;

    // Object keys (sidecars excluded), sorted.
    std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                 std::string_view prefix) override;

    // Writes the object and, when `signature_hex` is not empty, its JSON sidecar (creating
    // folders).
    Status Put(std::string_view bucket,
               std::string_view key,
               std::string_view bytes,
               std::string_view signature_hex = {});

private:
    std::string root_;
};

enum class FileKind : uint8_t { kDigest, kLog };

enum class FileStatus : uint8_t {
    kValid,
    kNotFound,
    kInvalidFormat,
    kMoved,
    kPublicKeyNotFound,
    kSignatureInvalid,
    kHashMismatch,
    kChainBroken,
    kKeyOutsideWindow,  // signed by a known key, but the digest's end time is outside its window
};

std::string_view FileStatusName(FileStatus status);  // "valid", "not_found", ...

struct FileResult {
    FileKind kind = FileKind::kDigest;
    std::string bucket;
    std::string key;
    FileStatus status = FileStatus::kValid;
    std::string message;  // the CLI's wording: "valid", "INVALID: not found", ...
    std::string detail;   // ours, for diagnosis: the parse error, the hashes that differ, ...
};

// When a public key may sign (inclusive; open-ended where absent).
struct KeyWindow {
    std::optional<std::chrono::system_clock::time_point> valid_from;
    std::optional<std::chrono::system_clock::time_point> valid_until;
};

struct ValidateOptions {
    std::string region;  // only for the "public key not found in region" message
    size_t max_digests = 100000;
    bool check_previous_hash = true;  // kChainBroken on a previousDigestHashValue mismatch
    bool require_gzip = true;         // false: plain (uncompressed) objects are accepted too
    bool use_listing = true;          // false: stop at a missing digest or a starting digest
    // By fingerprint: a digest whose digestEndTime is outside its key's window is
    // kKeyOutsideWindow. Keys without an entry are not checked.
    std::map<std::string, KeyWindow> key_windows;
};

struct ValidationReport {
    std::vector<FileResult> files;  // newest digest first; each digest followed by its logs
    size_t digests_valid = 0;
    size_t digests_invalid = 0;
    size_t logs_valid = 0;
    size_t logs_invalid = 0;
    std::string oldest_start_time;  // over the digests that were read
    std::string newest_end_time;

    bool ok() const { return digests_invalid == 0 && logs_invalid == 0 && digests_valid > 0; }
};

struct ObjectLocation {
    std::string bucket;
    std::string key;
};

ValidationReport ValidateChain(ObjectSource& source,
                               const ObjectLocation& newest_digest,
                               const std::map<std::string, PublicKey>& keys_by_fingerprint,
                               const ValidateOptions& options = {});

// The CLI's lines: "Digest file\ts3://b/k\tvalid" ... (valid files only when `verbose`), then
// "Results found for A to B:", "n/m digest files valid[, k/m digest files INVALID]" and the same
// for log files, or "No digests found".
std::string RenderText(const ValidationReport& report, bool verbose);

// {"ok":..,"digests":{"valid":..,"invalid":..},"logs":{..},"files":[{"kind":"digest",..}]}
std::string RenderJson(const ValidationReport& report);

}  // namespace firebreak::evidence
