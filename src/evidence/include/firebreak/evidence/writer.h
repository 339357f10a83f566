// File: writer.h
//
// Builds signed CloudTrail-format digest files: the sandbox's CloudTrail, the evidence vault and
// tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/keys.h"

namespace firebreak::evidence {

struct LogFileInput {
    std::string s3_bucket;
    std::string s3_object;
    std::string bytes;  // as stored: gzip is inflated before hashing, other bytes are hashed as-is
    std::string newest_event_time;
    std::string oldest_event_time;
};

struct DigestHeader {
    std::string aws_account_id;
    std::string digest_start_time;
    std::string digest_end_time;
    std::string digest_s3_bucket;
    std::string digest_s3_object;
    // Used when there is no log file; otherwise the newest/oldest over the log files.
    std::string newest_event_time;
};

// The digest before this one: where it is, its uncompressed JSON and its hex signature.
struct PreviousDigest {
    std::string s3_bucket;
    std::string s3_object;
    std::string json;
    std::string signature_hex;
};

struct SignedDigest {
    DigestFile digest;
    std::string json;           // the uncompressed bytes that were hashed
    std::string gzip;           // what is stored at digest_s3_object
    std::string signature_hex;  // x-amz-meta-signature
};

// Fills the digest (fingerprint from the key, previous* null when `previous` is empty), serializes
// it, signs DataToSign over the JSON's SHA-256 and gzips it.
Result<SignedDigest> BuildSignedDigest(const DigestHeader& header,
                                       const std::vector<LogFileInput>& log_files,
                                       const std::optional<PreviousDigest>& previous,
                                       const PrivateKey& key);

// Signs a digest whose fields other than the fingerprint and previous* are filled (the log files'
// hashes already computed): sets those, serializes, signs and gzips.
Result<SignedDigest> SignDigest(DigestFile digest,
                                const std::optional<PreviousDigest>& previous,
                                const PrivateKey& key);

}  // namespace firebreak::evidence
