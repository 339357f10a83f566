// File: crypto.h
//
// Hashes and encodings shared by the AWS signer, the sandbox and the evidence vault, on OpenSSL's
// libcrypto: SHA-256, HMAC-SHA256, MD5 (only for S3's Content-MD5 and ETag, never for integrity),
// hex and base64. Raw digests are returned as std::string holding bytes.
#pragma once

#include <string>
#include <string_view>

#include "firebreak/core/status.h"

namespace firebreak {

std::string Sha256(std::string_view data);  // 32 raw bytes

std::string Sha256Hex(std::string_view data);  // 64 lowercase hex digits

std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes

std::string Md5(std::string_view data);  // 16 raw bytes

std::string HexEncode(std::string_view bytes);  // lowercase

Result<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);  // standard alphabet, padded

// Accepts the standard alphabet with or without padding; whitespace is an error.
Result<std::string> Base64Decode(std::string_view text);

// Fills `out` with cryptographically secure random bytes (RAND_bytes).
void RandomBytes(char* out, size_t size);

}  // namespace firebreak
