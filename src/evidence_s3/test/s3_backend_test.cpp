// File: s3_backend_test.cpp
//
// The evidence vault on S3 against the sandbox cloud started in-process: a bucket created with
// Object Lock, evidence added and sealed through S3VaultBackend, verified through the S3 API; then
// what Object Lock must refuse (deleting a retained version, replacing a key through the vault)
// and what verify must catch when S3 allows it (a new version over an object, a delete marker).
#include "firebreak/evidence_s3/s3_backend.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>

#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/s3.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/evidence/vault_verify.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"
#include "sandbox_client.h"

namespace firebreak::evidence {
namespace {

namespace fs = std::filesystem;

constexpr char kVaultBucket[] = "security-evidence-vault";

class S3VaultTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-s3-vault-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<sandbox::World> world = sandbox::LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        sandbox::SandboxOptions options;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.threads = 2;
        auto started = sandbox::Sandbox::Start(std::move(options), std::move(*world));
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(*started);
        transport_ = aws::MakeCurlTransport({});
        aws::s3::CreateBucketRequest create;
        create.bucket = kVaultBucket;
        create.object_lock_enabled = true;
        ASSERT_TRUE(aws::s3::CreateBucket(Client(), create).has_value());
        KeyStore keys = KeyStore::Open((dir_ / "keys").string()).value();
        ASSERT_TRUE(
                keys.Rotate(std::chrono::system_clock::now() - std::chrono::hours(1)).has_value());
        key_ = std::make_unique<PrivateKey>(keys.Current().value());
        published_ = ParsePublishedKeys(keys.PublishedJson().value()).value();
    }

    void TearDown() override {
        transport_.reset();
        if (sandbox_) {
            sandbox_->Stop();
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    aws::AwsClient Client() const {
        return testing::SandboxClient(sandbox_->endpoint_url(), transport_);
    }

    std::unique_ptr<Vault> OpenVault(const std::string& bucket = kVaultBucket) {
        VaultDescriptor defaults;
        defaults.account_id = "111111111111";
        defaults.region = "us-east-1";
        defaults.retention_days = 7;
        Result<std::unique_ptr<Vault>> vault =
                Vault::Open(std::make_unique<S3VaultBackend>(Client(), bucket),
                            "firebreak/",
                            true,
                            defaults,
                            std::chrono::system_clock::now());
        EXPECT_TRUE(vault.has_value()) << vault.error().message();
        return vault.has_value() ? std::move(*vault) : nullptr;
    }

    EvidenceEntry Add(Vault& vault, const std::string& bytes) {
        EvidenceInput input;
        input.case_id = "CASE-42";
        input.kind = "api-response";
        input.source = "ec2:DescribeInstances 111111111111/us-east-1";
        input.collected_by = "playbook-run:r-42";
        Result<EvidenceEntry> entry = vault.Add(input, bytes, std::chrono::system_clock::now());
        EXPECT_TRUE(entry.has_value()) << entry.error().message();
        return entry.has_value() ? *entry : EvidenceEntry{};
    }

    VaultVerifyReport Verify(Vault& vault) {
        S3VaultBackend backend(Client(), kVaultBucket);
        return VerifyVault(backend, vault.descriptor(), published_);
    }

    static const VerifyItem* Find(const VaultVerifyReport& report, const std::string& key) {
        for (const VerifyItem& item : report.items) {
            if (item.key == key) {
                return &item;
            }
        }
        return nullptr;
    }

    fs::path dir_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::shared_ptr<aws::HttpTransport> transport_;
    std::unique_ptr<PrivateKey> key_;
    std::vector<PublishedKey> published_;
};

TEST_F(S3VaultTest, SealedEvidenceVerifiesThroughS3WithObjectLock) {
    std::unique_ptr<Vault> vault = OpenVault();
    ASSERT_NE(vault, nullptr);
    EvidenceEntry a = Add(*vault, "{\"Reservations\":[]}");
    Add(*vault, "{\"Snapshots\":[{\"SnapshotId\":\"snap-1\"}]}");
    Result<std::optional<SealedDigest>> sealed =
            vault->Seal(*key_, std::chrono::system_clock::now(), false);
    ASSERT_TRUE(sealed.has_value()) << sealed.error().message();
    ASSERT_TRUE(sealed->has_value());
    EXPECT_TRUE((*sealed)->key.starts_with("firebreak/AWSLogs/111111111111/CloudTrail-Digest/"));
    VaultVerifyReport report = Verify(*vault);
    EXPECT_TRUE(report.ok()) << RenderVerifyText(report, true);
    EXPECT_EQ(report.entries_valid, 2u);
    EXPECT_EQ(report.digests_valid, 1u);

    // S3 holds the retention: the object carries COMPLIANCE and a retain-until date.
    aws::s3::GetObjectRequest get;
    get.bucket = kVaultBucket;
    get.key = a.object_key;
    aws::Outcome<aws::s3::GetObjectResponse> object = aws::s3::GetObject(Client(), get);
    ASSERT_TRUE(object.has_value());
    EXPECT_EQ(object->object_lock_mode, aws::s3::ObjectLockMode::kCompliance);
    ASSERT_TRUE(object->object_lock_retain_until.has_value());
    EXPECT_GT(*object->object_lock_retain_until,
              std::chrono::system_clock::now() + std::chrono::hours(24 * 6));

    // A reopened vault (another process) sees the manifest and the chain.
    std::unique_ptr<Vault> again = OpenVault();
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->entry_count(), 2u);
    EXPECT_EQ(again->uncovered_count(), 0u);
    EXPECT_EQ(again->newest_digest_key(), (*sealed)->key);
}

TEST_F(S3VaultTest, ObjectLockRefusesDeletionAndReplacement) {
    std::unique_ptr<Vault> vault = OpenVault();
    ASSERT_NE(vault, nullptr);
    EvidenceEntry a = Add(*vault, "{\"Reservations\":[]}");
    S3VaultBackend backend(Client(), kVaultBucket);
    Status deleted = backend.Delete(a.object_key, std::chrono::system_clock::now());
    EXPECT_EQ(deleted.code(), StatusCode::kPermissionDenied) << deleted.ToString();
    EXPECT_NE(deleted.message().find("Object Lock"), std::string::npos);
    // Raw S3: deleting the version is refused by the sandbox's Object Lock.
    aws::s3::HeadObjectRequest head;
    head.bucket = kVaultBucket;
    head.key = a.object_key;
    std::string version = aws::s3::HeadObject(Client(), head).value().version_id;
    aws::s3::DeleteObjectRequest raw;
    raw.bucket = kVaultBucket;
    raw.key = a.object_key;
    raw.version_id = version;
    raw.bypass_governance_retention = true;
    aws::Outcome<aws::s3::DeleteObjectResponse> refused = aws::s3::DeleteObject(Client(), raw);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "AccessDenied");
    // Write-once through the vault: the same bytes are a harmless retry, others are refused.
    PutRequest put;
    put.key = a.entry_key;
    put.bytes = a.json;
    Result<PutResult> retried = backend.PutOnce(put);
    ASSERT_TRUE(retried.has_value()) << retried.error().message();
    EXPECT_FALSE(retried->created);
    std::string other = a.json + " ";
    put.bytes = other;
    Result<PutResult> replaced = backend.PutOnce(put);
    ASSERT_FALSE(replaced.has_value());
    EXPECT_EQ(replaced.error().code(), StatusCode::kAlreadyExists);
}

TEST_F(S3VaultTest, WhatS3AllowsVerifyCatches) {
    std::unique_ptr<Vault> vault = OpenVault();
    ASSERT_NE(vault, nullptr);
    EvidenceEntry a = Add(*vault, "{\"Reservations\":[]}");
    EvidenceEntry b = Add(*vault, "{\"Volumes\":[]}");
    ASSERT_TRUE(vault->Seal(*key_, std::chrono::system_clock::now(), false).has_value());
    // A new version over one object (no condition), a delete marker over the other.
    aws::s3::PutObjectRequest overwrite;
    overwrite.bucket = kVaultBucket;
    overwrite.key = a.object_key;
    overwrite.body = "{\"Reservations\":[{\"forged\":true}]}";
    ASSERT_TRUE(aws::s3::PutObject(Client(), overwrite).has_value());
    aws::s3::DeleteObjectRequest marker;
    marker.bucket = kVaultBucket;
    marker.key = b.object_key;
    aws::Outcome<aws::s3::DeleteObjectResponse> marked = aws::s3::DeleteObject(Client(), marker);
    ASSERT_TRUE(marked.has_value());
    EXPECT_TRUE(marked->delete_marker);
    VaultVerifyReport report = Verify(*vault);
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, a.object_key), nullptr);
    EXPECT_EQ(Find(report, a.object_key)->status, ItemStatus::kHashMismatch);
    ASSERT_NE(Find(report, b.object_key), nullptr);
    EXPECT_EQ(Find(report, b.object_key)->status, ItemStatus::kMissing);
}

TEST_F(S3VaultTest, BucketWithoutObjectLockIsRefused) {
    aws::s3::CreateBucketRequest create;
    create.bucket = "plain-bucket-no-lock";
    ASSERT_TRUE(aws::s3::CreateBucket(Client(), create).has_value());
    VaultDescriptor defaults;
    Result<std::unique_ptr<Vault>> vault =
            Vault::Open(std::make_unique<S3VaultBackend>(Client(), "plain-bucket-no-lock"),
                        "",
                        true,
                        defaults,
                        std::chrono::system_clock::now());
    ASSERT_FALSE(vault.has_value());
    EXPECT_EQ(vault.error().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(vault.error().message().find("has no Object Lock"), std::string::npos)
            << vault.error().message();
}

}  // namespace
}  // namespace firebreak::evidence
