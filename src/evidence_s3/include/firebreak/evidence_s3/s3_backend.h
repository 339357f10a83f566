// File: s3_backend.h
//
// The evidence vault in an S3 bucket with Object Lock: every object is written with
// `If-None-Match: *` (S3 refuses to replace an existing key: 412) and with the vault's retention
// as Object Lock headers (x-amz-object-lock-mode, x-amz-object-lock-retain-until-date), so S3
// itself refuses to delete or shorten the retention of a version before its date, whoever asks.
// A bucket without Object Lock is refused: evidence is not kept without WORM.
//
// What S3 still allows, and how verify sees it: a new version put over a key without the
// condition (GetObject then returns the new bytes: "hash mismatch", while the locked original
// stays retrievable by version id), and a delete marker (GetObject says NoSuchKey: "missing",
// the locked version stays). Reads go through S3ObjectSource.
#pragma once

#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/evidence/vault_backend.h"
#include "firebreak/evidence_s3/s3_source.h"

namespace firebreak::evidence {

class S3VaultBackend : public VaultBackend {
public:
    S3VaultBackend(aws::AwsClient client, std::string bucket)
        : client_(client),
          source_(std::move(client)),
          bucket_(std::move(bucket)) {}

    const std::string& bucket() const override { return bucket_; }

    std::string Describe() const override { return "s3://" + bucket_; }

    std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) override;
    std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                 std::string_view prefix) override;
    Result<PutResult> PutOnce(const PutRequest& request) override;

    // Deletes the current version of `key` (by version id, so S3 applies Object Lock; without a
    // version id S3 would only add a delete marker). kPermissionDenied when S3 refuses.
    Status Delete(std::string_view key, TimePoint now) override;

private:
    aws::AwsClient client_;
    S3ObjectSource source_;
    std::string bucket_;
};

}  // namespace firebreak::evidence
