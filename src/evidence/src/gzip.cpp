// File: gzip.cpp
//
// zlib with windowBits 15 + 16 reads and writes the gzip wrapper.
#include "firebreak/evidence/gzip.h"

#include <algorithm>
#include <climits>

#include <zlib.h>

namespace firebreak::evidence {

namespace {

constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kChunk = 64 * 1024;

}  // namespace

bool IsGzip(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Result<std::string> GzipCompress(std::string_view data) {
    z_stream stream{};
    if (deflateInit2(&stream, 6, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Internal("cannot initialise the gzip compressor");
    }
    std::string out;
    size_t offset = 0;
    int rc = Z_OK;
    char buffer[kChunk];
    do {
        size_t in_size = std::min<size_t>(data.size() - offset, UINT_MAX);
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offset));
        stream.avail_in = static_cast<uInt>(in_size);
        bool last = offset + in_size == data.size();
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof(buffer);
            rc = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
            out.append(buffer, sizeof(buffer) - stream.avail_out);
        } while (stream.avail_out == 0 && rc != Z_STREAM_END);
        offset += in_size - stream.avail_in;
    } while (rc != Z_STREAM_END && rc != Z_STREAM_ERROR);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        return Internal("gzip compression failed");
    }
    return out;
}

Result<std::string> GzipDecompress(std::string_view gzip, size_t max_bytes) {
    if (!IsGzip(gzip)) {
        return DataLoss("not gzip data");
    }
    std::string out;
    size_t offset = 0;
    char buffer[kChunk];
    while (offset < gzip.size()) {  // one iteration per gzip member
        z_stream stream{};
        if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
            return Internal("cannot initialise the gzip decompressor");
        }
        int rc = Z_OK;
        while (rc != Z_STREAM_END) {
            size_t in_size = std::min<size_t>(gzip.size() - offset, UINT_MAX);
            if (in_size == 0) {
                inflateEnd(&stream);
                return DataLoss("truncated gzip data");
            }
            stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data() + offset));
            stream.avail_in = static_cast<uInt>(in_size);
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof(buffer);
            rc = inflate(&stream, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END) {
                inflateEnd(&stream);
                return DataLoss("corrupt gzip data");
            }
            offset += in_size - stream.avail_in;
            size_t produced = sizeof(buffer) - stream.avail_out;
            if (out.size() + produced > max_bytes) {
                inflateEnd(&stream);
                return Status(StatusCode::kResourceExhausted,
                              "gzip data inflates beyond the limit");
            }
            out.append(buffer, produced);
            if (rc == Z_OK && produced == 0 && stream.avail_in != 0) {
                inflateEnd(&stream);
                return DataLoss("corrupt gzip data");
            }
        }
        inflateEnd(&stream);
        // Trailing zero padding after the last member is tolerated, other bytes must be a member.
        if (offset < gzip.size() && !IsGzip(gzip.substr(offset))) {
            if (gzip.substr(offset).find_first_not_of('\0') == std::string_view::npos) {
                break;
            }
            return DataLoss("trailing garbage after gzip data");
        }
    }
    return out;
}

}  // namespace firebreak::evidence
