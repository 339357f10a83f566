// File: digest.h
//
// CloudTrail digest files (../shared/notes/aws-wire-protocols.md section 3.1): the fields, their
// JSON form in CloudTrail's field order, the string that is signed (3.2) and the S3 key a digest
// is stored under. Times are kept as the exact strings of the file ("2015-08-17T15:01:31Z"):
// the signature covers digestEndTime's text, so it must never be reformatted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::evidence {

inline constexpr std::string_view kSignatureAlgorithm = "SHA256withRSA";
inline constexpr std::string_view kHashAlgorithm = "SHA-256";

struct DigestLogFile {
    std::string s3_bucket;
    std::string s3_object;
    std::string hash_value;  // hex SHA-256 of the uncompressed log file
    std::string hash_algorithm = std::string(kHashAlgorithm);
    std::string newest_event_time;
    std::string oldest_event_time;

    bool operator==(const DigestLogFile&) const = default;
};

struct DigestFile {
    std::string aws_account_id;
    std::string digest_start_time;
    std::string digest_end_time;
    std::string digest_s3_bucket;
    std::string digest_s3_object;
    std::string digest_public_key_fingerprint;
    std::string digest_signature_algorithm = std::string(kSignatureAlgorithm);
    std::string newest_event_time;
    std::optional<std::string> oldest_event_time;  // null when no log file was delivered
    // All five are null in a starting digest (the first after logging or validation was enabled).
    std::optional<std::string> previous_digest_s3_bucket;
    std::optional<std::string> previous_digest_s3_object;
    std::optional<std::string> previous_digest_hash_value;  // hex SHA-256 of the uncompressed file
    std::optional<std::string> previous_digest_hash_algorithm;
    std::optional<std::string> previous_digest_signature;  // hex
    std::vector<DigestLogFile> log_files;

    bool operator==(const DigestFile&) const = default;
};

// Compact JSON with CloudTrail's field order; absent optionals are written as null.
std::string SerializeDigest(const DigestFile& digest);

// Parses a digest file's (uncompressed) JSON. Required: the fields `validate-logs` requires
// (digestPublicKeyFingerprint, digestS3Bucket, digestS3Object, digestStartTime, digestEndTime as
// strings; previousDigestSignature present, string or null). Every other known field may be
// absent or null; when present it must have the right type. Unknown fields are ignored. Errors
// name the field ("logFiles[2].hashValue: expected a string").
Result<DigestFile> ParseDigest(std::string_view json);

// The string CloudTrail signs (3.2): digestEndTime "\n" digestS3Bucket "/" digestS3Object "\n"
// hex SHA-256 of the uncompressed digest file "\n" previousDigestSignature (or "null").
std::string DataToSign(const DigestFile& digest, std::string_view digest_file_sha256_hex);

// The key of a digest file: `{prefix/}AWSLogs/{account}/CloudTrail-Digest/{region}/YYYY/MM/DD/
// {account}_CloudTrail-Digest_{region}_{trail}_{home_region}_YYYYMMDDTHHMMSSZ.json.gz`, from the
// digest end time as "YYYY-MM-DDTHH:MM:SSZ" (fractional seconds are refused). An empty prefix
// adds nothing; a trailing slash on the prefix is not doubled.
Result<std::string> DigestObjectKey(std::string_view prefix,
                                    std::string_view account,
                                    std::string_view region,
                                    std::string_view trail,
                                    std::string_view home_region,
                                    std::string_view end_time);

}  // namespace firebreak::evidence
