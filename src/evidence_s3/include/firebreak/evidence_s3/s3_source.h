// File: s3_source.h
//
// S3 as an evidence::ObjectSource, so ValidateChain (the `validate-logs` walk) reads CloudTrail
// digest and log files through the S3 API: Get is GetObject (the signature comes from the
// object's user metadata, x-amz-meta-signature and x-amz-meta-signature-algorithm), List is
// ListObjectsV2 followed page by page.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/evidence/validate.h"

namespace firebreak::evidence {

class S3ObjectSource : public ObjectSource {
public:
    // `page_size`: ListObjectsV2 MaxKeys (1..1000); at most `max_list_pages` pages per List.
    explicit S3ObjectSource(aws::AwsClient client,
                            int page_size = 1000,
                            size_t max_list_pages = 100000)
        : client_(std::move(client)),
          page_size_(page_size),
          max_list_pages_(max_list_pages) {}

    // nullopt for NoSuchKey and for any other failure (AccessDenied, transport), which is also
    // kept in errors() so a caller can tell "not found" from "could not read".
    std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) override;

    // Every key under `prefix`, in S3's (lexicographic) order; nullopt when a page fails or the
    // page cap is reached.
    std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                 std::string_view prefix) override;

    // "GetObject s3://b/k: AccessDenied: ..." for each call that failed other than NoSuchKey.
    const std::vector<std::string>& errors() const { return errors_; }

private:
    aws::AwsClient client_;
    int page_size_;
    size_t max_list_pages_;
    std::vector<std::string> errors_;
};

}  // namespace firebreak::evidence
