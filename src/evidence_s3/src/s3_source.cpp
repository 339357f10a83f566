// File: s3_source.cpp
#include "firebreak/evidence_s3/s3_source.h"

#include <utility>

#include "firebreak/aws/s3.h"

namespace firebreak::evidence {
namespace {

std::string S3Url(std::string_view bucket, std::string_view key) {
    std::string url = "s3://";
    url.append(bucket).append("/").append(key);
    return url;
}

}  // namespace

std::optional<StoredObject> S3ObjectSource::Get(std::string_view bucket, std::string_view key) {
    aws::s3::GetObjectRequest request;
    request.bucket = std::string(bucket);
    request.key = std::string(key);
    aws::Outcome<aws::s3::GetObjectResponse> reply = aws::s3::GetObject(client_, request);
    if (!reply) {
        if (reply.error().code != "NoSuchKey") {
            errors_.push_back("GetObject " + S3Url(bucket, key) + ": " + reply.error().ToString());
        }
        return std::nullopt;
    }
    return StoredObject{std::move(reply->body), std::move(reply->metadata)};
}

std::optional<std::vector<std::string>> S3ObjectSource::List(std::string_view bucket,
                                                             std::string_view prefix) {
    aws::s3::ListObjectsV2Request request;
    request.bucket = std::string(bucket);
    request.prefix = std::string(prefix);
    request.max_keys = page_size_;
    std::vector<std::string> keys;
    for (size_t page = 0; page < max_list_pages_; ++page) {
        aws::Outcome<aws::s3::ListObjectsV2Response> reply =
                aws::s3::ListObjectsV2(client_, request);
        if (!reply) {
            errors_.push_back("ListObjectsV2 " + S3Url(bucket, prefix) + ": " +
                              reply.error().ToString());
            return std::nullopt;
        }
        for (aws::s3::Object& object : reply->contents) {
            keys.push_back(std::move(object.key));
        }
        if (!reply->is_truncated) {
            return keys;
        }
        if (reply->next_continuation_token.empty()) {
            errors_.push_back("ListObjectsV2 " + S3Url(bucket, prefix) +
                              ": truncated reply without a continuation token");
            return std::nullopt;
        }
        request.continuation_token = std::move(reply->next_continuation_token);
    }
    errors_.push_back("ListObjectsV2 " + S3Url(bucket, prefix) + ": more than " +
                      std::to_string(max_list_pages_) + " pages");
    return std::nullopt;
}

}  // namespace firebreak::evidence
