// File: sigv4.h
//
// AWS Signature Version 4, written here rather than using libcurl's CURLOPT_AWS_SIGV4: Debian 12's
// curl 7.88 does not sort or encode the query, mis-signs valueless parameters (?publicAccessBlock),
// hashes an empty payload for uploads and orders x-amz-meta-* names wrongly (curl issues #9717,
// #11794, #8107, #8810, #11664). The signer is checked against AWS's published SigV4 test suite
// (src/aws/test/data/sigv4_suite.txt) and by the sandbox, which verifies with the same functions.
//
// The canonical pieces are exposed so the sandbox can recompute a caller's signature and explain
// a mismatch the way AWS does (it returns the canonical request and string to sign it expected).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/http.h"
#include "firebreak/core/status.h"

namespace firebreak::aws {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
    std::optional<std::chrono::system_clock::time_point> expiration;

    bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }

    // "AKIA****************WXYZ"-style: enough to tell keys apart in messages, never the secret.
    std::string RedactedKeyId() const;
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptyPayloadSha256 =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigningOptions {
    std::string region;
    std::string service;  // signing name: ec2, iam, s3, ...
    std::chrono::system_clock::time_point time;
    // S3 rules: the path is signed exactly as sent (no normalisation, no second encoding) and
    // x-amz-content-sha256 is always sent.
    bool s3 = false;
    // Sign UNSIGNED-PAYLOAD instead of the body's hash (S3 over TLS).
    bool unsigned_payload = false;
};

// yyyymmddThhmmssZ
std::string AmzDate(std::chrono::system_clock::time_point time);

// Canonical URI: S3 keeps the wire path; other services remove dot segments and encode the path
// once more (the wire path is already encoded, so AWS compares a double-encoded form).
std::string CanonicalUri(std::string_view wire_path, bool s3);

// Canonical query: every name=value decoded then re-encoded per RFC 3986, sorted by name then
// value; a parameter without '=' has an empty value.
std::string CanonicalQuery(std::string_view wire_query);

// Lowercase names, trimmed values with inner runs of spaces collapsed, duplicates joined with ','
// in order of appearance, sorted by name. Returns the block (each line ends in '\n') and fills
// `signed_headers` ("host;x-amz-date") for the names in `names` (lowercase, sorted, unique).
std::string CanonicalHeaders(const Headers& headers, const std::vector<std::string>& names);

std::string CanonicalRequest(const HttpRequest& request,
                             const std::vector<std::string>& signed_names,
                             std::string_view payload_hash,
                             bool s3);

// "20150830/us-east-1/service/aws4_request"
std::string CredentialScope(std::string_view date,
                            std::string_view region,
                            std::string_view service);

std::string StringToSign(std::string_view amz_date,
                         std::string_view scope,
                         std::string_view canonical_request);

// HMAC chain AWS4+secret → date → region → service → "aws4_request" (32 raw bytes).
std::string DeriveSigningKey(std::string_view secret,
                             std::string_view date,
                             std::string_view region,
                             std::string_view service);

// Hex HMAC-SHA256 of the string to sign with the derived key.
std::string ComputeSignature(std::string_view secret,
                             std::string_view date,
                             std::string_view region,
                             std::string_view service,
                             std::string_view string_to_sign);

// Signs in place: sets X-Amz-Date, X-Amz-Security-Token (when the credentials carry one),
// x-amz-content-sha256 (S3, or when the request already has it) and Authorization. Every header
// present is signed except User-Agent, Expect, X-Amzn-Trace-Id and Authorization. The request
// must already carry Host.
void SignRequest(HttpRequest* request,
                 const Credentials& credentials,
                 const SigningOptions& options);

// The parts of an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.
struct AuthorizationHeader {
    std::string access_key_id;
    std::string date;  // yyyymmdd
    std::string region;
    std::string service;
    std::vector<std::string> signed_headers;
    std::string signature;  // hex
};

// Errors say what is malformed (never echo a secret: the header holds none).
Result<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value);

struct SignatureCheck {
    bool match = false;
    std::string expected_signature;
    std::string canonical_request;
    std::string string_to_sign;
};

// Recomputes the signature of a received request with the caller's secret. `amz_date` is the
// request's X-Amz-Date; the payload hash is x-amz-content-sha256 when present, else SHA-256 of
// the body.
SignatureCheck VerifySignature(const HttpRequest& request,
                               const AuthorizationHeader& auth,
                               std::string_view amz_date,
                               std::string_view secret);

}  // namespace firebreak::aws
