// File: s3_source_test.cpp
//
// S3ObjectSource and FetchCloudTrailPublicKeys against the sandbox cloud started in-process
// (examples/worlds/single-account.yaml: the trail "management-events" has log file validation
// and delivers to the bucket org-cloudtrail-logs). Calls are made, the sandbox writes its log files
// into the bucket and a digest round is run on demand (Sandbox::DeliverDigests); ValidateChain
// then reads everything through the S3 API with the keys from CloudTrail ListPublicKeys. A log
// file overwritten with PutObject is caught, and the chain goes on across a sandbox restart.
#include "firebreak/evidence_s3/s3_source.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/s3.h"
#include "firebreak/aws/sts.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/evidence/validate.h"
#include "firebreak/evidence_s3/cloudtrail_keys.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"
#include "sandbox_client.h"

namespace firebreak::evidence {
namespace {

namespace fs = std::filesystem;

constexpr char kBucket[] = "org-cloudtrail-logs";
constexpr char kDigests[] = "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/";
constexpr char kLogs[] = "AWSLogs/111111111111/CloudTrail/";

class S3SourceTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-evidence-s3-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<sandbox::World> world = sandbox::LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        StartSandbox(std::move(*world));
    }

    void StartSandbox(sandbox::World world) {
        sandbox::SandboxOptions options;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = std::chrono::milliseconds(50);
        options.threads = 2;
        auto started = sandbox::Sandbox::Start(std::move(options), std::move(world));
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(*started);
        transport_ = aws::MakeCurlTransport({});
    }

    void Restart() {
        StopSandbox();
        Diagnostics diags;
        Result<sandbox::World> world =
                sandbox::LoadWorldFile((dir_ / "world.json").string(), &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        StartSandbox(std::move(*world));
    }

    void StopSandbox() {
        transport_.reset();
        if (sandbox_) {
            sandbox_->Stop();
        }
        sandbox_.reset();
    }

    void TearDown() override {
        StopSandbox();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    aws::AwsClient Client() const {
        return testing::SandboxClient(sandbox_->endpoint_url(), transport_);
    }

    // A few recorded calls, their log files written and a digest round.
    void CallsThenDigest(int calls) {
        aws::AwsClient client = Client();
        for (int i = 0; i < calls; ++i) {
            ASSERT_TRUE(aws::cloudtrail::DescribeTrails(client, {}).has_value());
        }
        ASSERT_TRUE(sandbox_->FlushTrail().ok());
        Result<size_t> digests = sandbox_->DeliverDigests();
        ASSERT_TRUE(digests.has_value()) << digests.error().ToString();
        EXPECT_GE(*digests, 1u);
    }

    std::vector<std::string> Keys(const std::string& prefix, int page_size = 1000) {
        S3ObjectSource source(Client(), page_size);
        std::optional<std::vector<std::string>> keys = source.List(kBucket, prefix);
        EXPECT_TRUE(keys.has_value());
        EXPECT_TRUE(source.errors().empty());
        return keys.value_or(std::vector<std::string>());
    }

    ValidationReport ValidateNewest() {
        std::vector<std::string> digests = Keys(kDigests);
        EXPECT_FALSE(digests.empty());
        if (digests.empty()) {
            return {};
        }
        Result<std::map<std::string, PublicKey>> keys = FetchCloudTrailPublicKeys(Client());
        EXPECT_TRUE(keys.has_value());
        if (!keys.has_value()) {
            return {};
        }
        S3ObjectSource source(Client());
        ValidateOptions options;
        options.region = "us-east-1";
        return ValidateChain(source, {kBucket, digests.back()}, *keys, options);
    }

    fs::path dir_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::shared_ptr<aws::HttpTransport> transport_;
};

TEST_F(S3SourceTest, DigestAndLogObjectsAreReadThroughTheS3Api) {
    CallsThenDigest(3);
    std::vector<std::string> digests = Keys(kDigests);
    ASSERT_EQ(digests.size(), 1u);
    S3ObjectSource source(Client());
    std::optional<StoredObject> digest = source.Get(kBucket, digests[0]);
    ASSERT_TRUE(digest.has_value());
    EXPECT_EQ(digest->metadata["signature-algorithm"], "SHA256withRSA");
    EXPECT_EQ(digest->metadata["signature"].size(), 512u);  // hex of a 2048-bit signature
    EXPECT_FALSE(source.Get(kBucket, "no/such/key").has_value());
    EXPECT_TRUE(source.errors().empty());
    EXPECT_FALSE(source.Get("no-such-bucket-here", "x").has_value());
    EXPECT_EQ(source.errors().size(), 1u);

    // Paged listing gives the same keys.
    std::vector<std::string> logs = Keys(kLogs);
    ASSERT_FALSE(logs.empty());
    EXPECT_EQ(Keys(kLogs, 1), logs);

    ValidationReport report = ValidateNewest();
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 1u);
    EXPECT_EQ(report.logs_valid, logs.size());
}

TEST_F(S3SourceTest, PublicKeysComeFromListPublicKeys) {
    Result<sandbox::DigestPublicKey> key = sandbox_->DigestKey();
    ASSERT_TRUE(key.has_value());
    aws::Outcome<aws::cloudtrail::ListPublicKeysResponse> reply =
            aws::cloudtrail::ListPublicKeys(Client(), {});
    ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
    ASSERT_EQ(reply->public_keys.size(), 1u);
    EXPECT_EQ(reply->public_keys[0].fingerprint, key->fingerprint);
    EXPECT_EQ(reply->public_keys[0].value_base64, key->value_base64);
    EXPECT_TRUE(reply->public_keys[0].validity_start_time.has_value());
    EXPECT_TRUE(reply->public_keys[0].validity_end_time.has_value());

    // A window before the key existed lists nothing; a reversed one is refused.
    aws::cloudtrail::ListPublicKeysRequest old;
    old.start_time = std::chrono::system_clock::time_point(std::chrono::seconds(1000000000));
    old.end_time = std::chrono::system_clock::time_point(std::chrono::seconds(1000003600));
    reply = aws::cloudtrail::ListPublicKeys(Client(), old);
    ASSERT_TRUE(reply.has_value());
    EXPECT_TRUE(reply->public_keys.empty());
    std::swap(old.start_time, old.end_time);
    reply = aws::cloudtrail::ListPublicKeys(Client(), old);
    ASSERT_FALSE(reply.has_value());
    EXPECT_EQ(reply.error().code, "InvalidTimeRangeException");

    Result<std::map<std::string, PublicKey>> keys = FetchCloudTrailPublicKeys(Client());
    ASSERT_TRUE(keys.has_value());
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ(keys->begin()->first, key->fingerprint);
    EXPECT_EQ(keys->begin()->second.Fingerprint(), key->fingerprint);
}

TEST_F(S3SourceTest, OverwrittenLogFileIsAHashMismatch) {
    CallsThenDigest(2);
    CallsThenDigest(2);
    ValidationReport report = ValidateNewest();
    ASSERT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 2u);

    std::string victim;
    for (const FileResult& file : report.files) {
        if (file.kind == FileKind::kLog) {
            victim = file.key;
        }
    }
    ASSERT_FALSE(victim.empty());
    aws::s3::PutObjectRequest put;
    put.bucket = kBucket;
    put.key = victim;
    put.body = "{\"Records\":[]}";
    ASSERT_TRUE(aws::s3::PutObject(Client(), put).has_value());
    report = ValidateNewest();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.logs_invalid, 1u);
    size_t mismatches = 0;
    for (const FileResult& file : report.files) {
        if (file.status == FileStatus::kHashMismatch || file.status == FileStatus::kInvalidFormat) {
            EXPECT_EQ(file.key, victim);
            ++mismatches;
        }
    }
    EXPECT_EQ(mismatches, 1u);
}

TEST_F(S3SourceTest, ChainAndKeySurviveARestart) {
    CallsThenDigest(2);
    std::string fingerprint = sandbox_->DigestKey()->fingerprint;
    // Delivered after the last digest and before the restart: the next run's digest lists it.
    ASSERT_TRUE(aws::cloudtrail::DescribeTrails(Client(), {}).has_value());
    ASSERT_TRUE(sandbox_->FlushTrail().ok());
    size_t before_restart = Keys(kLogs).size();
    Restart();
    EXPECT_EQ(sandbox_->DigestKey()->fingerprint, fingerprint);
    CallsThenDigest(1);
    std::vector<std::string> logs = Keys(kLogs);
    EXPECT_EQ(logs.size(), before_restart + 1);
    ValidationReport report = ValidateNewest();
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 2u);
    EXPECT_EQ(report.logs_valid, logs.size());  // every delivered file is in a digest, once
    EXPECT_TRUE(fs::exists(dir_ / "cloudtrail-digest-key.json"));
}

}  // namespace
}  // namespace firebreak::evidence
