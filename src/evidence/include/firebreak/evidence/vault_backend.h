// File: vault_backend.h
//
// Where the evidence vault keeps its bytes: a write-once object store with retention. Objects
// are created once and never replaced; deleting one before its retain-until time is refused. The
// local folder backend (the embedded default) enforces this itself; the S3 backend
// (src/evidence_s3) writes with S3 Object Lock (mode + retain-until) and conditional writes
// (If-None-Match: *), so S3 enforces it even against a caller who bypasses firebreak.
//
// Keys are full object keys (the vault's prefix included), exactly what digest files name in
// `s3Object`. A backend is one bucket: Get/List (from ObjectSource) answer nothing for another
// bucket name.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "firebreak/core/status.h"
#include "firebreak/evidence/validate.h"

namespace firebreak::evidence {

using TimePoint = std::chrono::system_clock::time_point;

// S3 Object Lock's two modes: COMPLIANCE cannot be shortened or removed by anyone; GOVERNANCE
// can by a principal allowed to bypass it (S3). The local backend refuses both alike.
enum class RetentionMode : uint8_t { kGovernance, kCompliance };

std::string_view RetentionModeName(RetentionMode mode);  // "GOVERNANCE" | "COMPLIANCE"

std::optional<RetentionMode> ParseRetentionMode(std::string_view text);  // either case

struct Retention {
    RetentionMode mode = RetentionMode::kCompliance;
    TimePoint until{};
};

// Metadata names the backends store beside an object (S3: x-amz-meta-*; local: the sidecar).
inline constexpr std::string_view kMetaRetainUntil = "retain-until";
inline constexpr std::string_view kMetaRetentionMode = "retention-mode";

struct PutRequest {
    std::string key;
    std::string_view bytes;
    std::string content_type;  // empty: application/octet-stream
    // User metadata ("signature", "signature-algorithm" for digests). Names lower case.
    std::map<std::string, std::string> metadata;
    std::optional<Retention> retention;
};

struct PutResult {
    // False when the key already held exactly these bytes (a retried write): nothing was written.
    bool created = true;
    std::string version_id;  // S3 version id when the bucket is versioned
};

class VaultBackend : public ObjectSource {
public:
    // The bucket name digests record (s3Bucket, digestS3Bucket).
    virtual const std::string& bucket() const = 0;

    // Where it is, for messages: "/srv/vault" or "s3://bucket".
    virtual std::string Describe() const = 0;

    // Where it is, stably: an absolute, canonical folder for the local backend.
    virtual std::string Identity() const { return Describe(); }

    // Creates `request.key`. When it exists: the same bytes give created=false (so a retried
    // write is harmless); other bytes are refused with kAlreadyExists ("... is written once").
    virtual Result<PutResult> PutOnce(const PutRequest& request) = 0;

    // Removes an object. kPermissionDenied while it is retained; kNotFound when absent.
    virtual Status Delete(std::string_view key, TimePoint now) = 0;
};

// The vault in a folder: `<root>/<key>`, metadata (and retention) in `<root>/<key>.sig` JSON
// sidecars. Objects are created with link(2) (never over an existing file) and made read-only
// (0444). Anyone with write access to the folder can still remove files; `firebreak evidence
// verify` then names what is missing. For WORM against the host's own administrators use the S3
// backend with Object Lock in COMPLIANCE mode.
class LocalVaultBackend : public VaultBackend {
public:
    LocalVaultBackend(std::filesystem::path root, std::string bucket)
        : root_(std::move(root)),
          bucket_(std::move(bucket)) {}

    const std::string& bucket() const override { return bucket_; }

    std::string Describe() const override { return root_.string(); }

    std::string Identity() const override;

    const std::filesystem::path& root() const { return root_; }

    std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) override;
    std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                 std::string_view prefix) override;
    Result<PutResult> PutOnce(const PutRequest& request) override;
    Status Delete(std::string_view key, TimePoint now) override;

private:
    std::filesystem::path root_;
    std::string bucket_;
};

}  // namespace firebreak::evidence
