// File: gzip.h
//
// gzip (RFC 1952) compression and decompression of whole buffers on zlib, for CloudTrail log and
// digest files, which are stored gzipped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "firebreak/core/status.h"

namespace firebreak::evidence {

Result<std::string> GzipCompress(std::string_view data);

// Inflates one or more concatenated gzip members. DataLoss for corrupt or truncated input;
// ResourceExhausted when the output would exceed `max_bytes`.
Result<std::string> GzipDecompress(std::string_view gzip, size_t max_bytes = 256u << 20);

// True when the bytes start with the gzip magic number (1f 8b).
bool IsGzip(std::string_view bytes);

}  // namespace firebreak::evidence
