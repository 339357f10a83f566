// File: trail_digest_test.cpp
//
// TrailDigester (the sandbox's CloudTrail digest files) on its own: log files are handed to it as
// the recorder would, rounds are run at chosen times, the digests are stored in a temporary
// folder with their signature sidecars, and src/evidence's ValidateChain (the validate-logs walk)
// must accept the chain. Also: starting digests, empty digests, per-region chains, a stopped
// trail's last digest, repeated end times, and a chain continued after a restart from the tips
// FindChainTips reads back.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "firebreak/core/crypto.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/validate.h"
#include "firebreak/sandbox/trail.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr char kAccount[] = "111111111111";
constexpr char kBucket[] = "trail-logs";
constexpr char kArn[] = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main";

// 2026-11-01T08:00:00Z
TimePoint At(int second_offset) {
    return TimePoint(seconds(1793520000 + second_offset));
}

DigestTrail MainTrail(bool logging = true) {
    return DigestTrail{kArn, "main", kAccount, "us-east-1", kBucket, "logs", logging};
}

class TrailDigestTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        Result<evidence::PrivateKey> key = evidence::PrivateKey::Generate(2048);
        ASSERT_TRUE(key.has_value());
        pem_ = new std::string(key->ToPem());
    }

    static void TearDownTestSuite() {
        delete pem_;
        pem_ = nullptr;
    }

    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-trail-digest-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        digester_ = MakeDigester();
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    std::unique_ptr<TrailDigester> MakeDigester() const {
        Result<evidence::PrivateKey> key = evidence::PrivateKey::FromPem(*pem_);
        EXPECT_TRUE(key.has_value());
        return std::make_unique<TrailDigester>(std::move(*key), At(-3600));
    }

    std::map<std::string, evidence::PublicKey> Keys() const {
        Result<evidence::PrivateKey> key = evidence::PrivateKey::FromPem(*pem_);
        std::map<std::string, evidence::PublicKey> keys;
        evidence::PublicKey pub = key->GetPublicKey();
        std::string fingerprint = pub.Fingerprint();
        keys.emplace(fingerprint, std::move(pub));
        return keys;
    }

    // A log file of `records` delivered to the trail's bucket in `region`, also stored on disk.
    void Deliver(const std::string& region, const std::string& name, int event_second) {
        std::string text = "{\"Records\":[{\"eventName\":\"" + name + "\"}]}";
        Result<std::string> gzip = evidence::GzipCompress(text);
        ASSERT_TRUE(gzip.has_value());
        TrailLogFile file;
        file.bucket = kBucket;
        file.object_key = std::string("logs/AWSLogs/") + kAccount + "/CloudTrail/" + region +
                          "/2026/11/01/" + kAccount + "_CloudTrail_" + region + "_" + name +
                          ".json.gz";
        file.record_count = 1;
        file.gzip_bytes = *gzip;
        file.where = TrailDelivery{kAccount, region, kBucket, "logs"};
        file.oldest_event_time = At(event_second);
        file.newest_event_time = At(event_second);
        ASSERT_TRUE(evidence::LocalFolderSource(dir_.string())
                            .Put(kBucket, file.object_key, *gzip)
                            .ok());
        digester_->AddLogFile(file);
        log_keys_.push_back(file.object_key);
    }

    std::vector<DigestOutput> Round(int second, const std::vector<DigestTrail>& trails) {
        std::vector<DigestOutput> outputs = digester_->Round(trails, At(second));
        evidence::LocalFolderSource folder(dir_.string());
        for (const DigestOutput& out : outputs) {
            EXPECT_TRUE(folder.Put(out.bucket,
                                   out.object_key,
                                   out.signed_digest.gzip,
                                   out.signed_digest.signature_hex)
                                .ok());
        }
        return outputs;
    }

    evidence::ValidationReport Validate(const DigestOutput& newest) {
        evidence::LocalFolderSource folder(dir_.string());
        return evidence::ValidateChain(folder, {newest.bucket, newest.object_key}, Keys());
    }

    static std::string* pem_;
    fs::path dir_;
    std::unique_ptr<TrailDigester> digester_;
    std::vector<std::string> log_keys_;
};

std::string* TrailDigestTest::pem_ = nullptr;

TEST_F(TrailDigestTest, FirstDigestIsAStartingDigestListingThePeriodsFiles) {
    Deliver("us-east-1", "a", 10);
    Deliver("us-east-1", "b", 20);
    EXPECT_EQ(digester_->PendingCount(), 2u);
    std::vector<DigestOutput> outputs = Round(60, {MainTrail()});
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(digester_->PendingCount(), 0u);
    const DigestOutput& out = outputs[0];
    EXPECT_EQ(out.region, "us-east-1");
    EXPECT_EQ(out.log_file_count, 2u);
    EXPECT_EQ(out.object_key,
              "logs/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/01/"
              "111111111111_CloudTrail-Digest_us-east-1_main_us-east-1_20261101T080100Z.json.gz");
    Result<std::string> json = evidence::GzipDecompress(out.signed_digest.gzip);
    ASSERT_TRUE(json.has_value());
    EXPECT_EQ(*json, out.signed_digest.json);
    Result<evidence::DigestFile> digest = evidence::ParseDigest(*json);
    ASSERT_TRUE(digest.has_value()) << digest.error().ToString();
    EXPECT_EQ(digest->aws_account_id, kAccount);
    EXPECT_EQ(digest->digest_start_time, "2026-11-01T07:00:00Z");
    EXPECT_EQ(digest->digest_end_time, "2026-11-01T08:01:00Z");
    EXPECT_EQ(digest->digest_s3_bucket, kBucket);
    EXPECT_EQ(digest->digest_s3_object, out.object_key);
    EXPECT_FALSE(digest->previous_digest_s3_object.has_value());
    EXPECT_FALSE(digest->previous_digest_signature.has_value());
    EXPECT_EQ(digest->oldest_event_time, "2026-11-01T08:00:10Z");
    EXPECT_EQ(digest->newest_event_time, "2026-11-01T08:00:20Z");
    ASSERT_EQ(digest->log_files.size(), 2u);
    EXPECT_EQ(digest->log_files[0].s3_object, log_keys_[0]);
    EXPECT_EQ(digest->log_files[0].hash_value, Sha256Hex("{\"Records\":[{\"eventName\":\"a\"}]}"));
    EXPECT_NE(json->find("\"previousDigestSignature\":null"), std::string::npos);

    evidence::ValidationReport report = Validate(out);
    EXPECT_TRUE(report.ok()) << evidence::RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 1u);
    EXPECT_EQ(report.logs_valid, 2u);
}

TEST_F(TrailDigestTest, LaterDigestsChainAndAnEmptyPeriodStillGetsADigest) {
    Deliver("us-east-1", "a", 10);
    ASSERT_EQ(Round(60, {MainTrail()}).size(), 1u);
    std::vector<DigestOutput> empty = Round(120, {MainTrail()});
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_EQ(empty[0].log_file_count, 0u);
    EXPECT_NE(empty[0].signed_digest.json.find("\"logFiles\":[]"), std::string::npos);
    EXPECT_NE(empty[0].signed_digest.json.find("\"oldestEventTime\":null"), std::string::npos);
    Deliver("us-east-1", "b", 130);
    Deliver("us-east-1", "c", 140);
    std::vector<DigestOutput> third = Round(180, {MainTrail()});
    ASSERT_EQ(third.size(), 1u);
    Result<evidence::DigestFile> digest = evidence::ParseDigest(third[0].signed_digest.json);
    ASSERT_TRUE(digest.has_value());
    EXPECT_EQ(digest->digest_start_time, "2026-11-01T08:02:00Z");
    EXPECT_EQ(digest->previous_digest_s3_object, empty[0].object_key);
    EXPECT_EQ(digest->previous_digest_signature, empty[0].signed_digest.signature_hex);
    EXPECT_EQ(digest->previous_digest_hash_value, Sha256Hex(empty[0].signed_digest.json));

    evidence::ValidationReport report = Validate(third[0]);
    EXPECT_TRUE(report.ok()) << evidence::RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 3u);
    EXPECT_EQ(report.logs_valid, 3u);

    // A changed log byte is caught by the chain the digester made.
    std::string changed_text = "{\"Records\":[{\"eventName\":\"B\"}]}";
    ASSERT_TRUE(evidence::LocalFolderSource(dir_.string())
                        .Put(kBucket, log_keys_[1], *evidence::GzipCompress(changed_text))
                        .ok());
    report = Validate(third[0]);
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.logs_invalid, 1u);
}

TEST_F(TrailDigestTest, EachRegionHasItsOwnChainStartedByItsFirstLogFile) {
    Deliver("eu-west-1", "x", 10);
    std::vector<DigestOutput> outputs = Round(60, {MainTrail()});
    ASSERT_EQ(outputs.size(), 2u);  // home region (empty) and eu-west-1
    EXPECT_EQ(outputs[0].region, "eu-west-1");
    EXPECT_EQ(outputs[0].log_file_count, 1u);
    EXPECT_NE(outputs[0].object_key.find("/CloudTrail-Digest/eu-west-1/"), std::string::npos);
    EXPECT_NE(outputs[0].object_key.find("_CloudTrail-Digest_eu-west-1_main_us-east-1_"),
              std::string::npos);
    EXPECT_EQ(outputs[1].region, "us-east-1");
    EXPECT_EQ(outputs[1].log_file_count, 0u);
    // Both chains go on, empty or not.
    std::vector<DigestOutput> next = Round(120, {MainTrail()});
    ASSERT_EQ(next.size(), 2u);
    for (const DigestOutput& out : next) {
        EXPECT_TRUE(Validate(out).ok()) << out.region;
        EXPECT_EQ(Validate(out).digests_valid, 2u);
    }
}

TEST_F(TrailDigestTest, StoppedTrailGetsALastDigestThenAFreshChain) {
    ASSERT_EQ(Round(60, {MainTrail()}).size(), 1u);
    Deliver("us-east-1", "stop-logging", 70);
    std::vector<DigestOutput> last = Round(120, {MainTrail(false)});
    ASSERT_EQ(last.size(), 1u);
    EXPECT_EQ(last[0].log_file_count, 1u);
    EXPECT_FALSE(digester_->ChainTip(kArn, "us-east-1").has_value());
    EXPECT_TRUE(Round(180, {MainTrail(false)}).empty());
    std::vector<DigestOutput> fresh = Round(240, {MainTrail()});
    ASSERT_EQ(fresh.size(), 1u);
    Result<evidence::DigestFile> digest = evidence::ParseDigest(fresh[0].signed_digest.json);
    ASSERT_TRUE(digest.has_value());
    EXPECT_FALSE(digest->previous_digest_s3_object.has_value());
}

TEST_F(TrailDigestTest, FilesOfNoValidatingTrailAreDropped) {
    Deliver("us-east-1", "a", 10);
    DigestTrail other = MainTrail();
    other.arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/other";
    other.name = "other";
    other.bucket = "elsewhere";
    std::vector<DigestOutput> outputs = Round(60, {other});
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(outputs[0].log_file_count, 0u);
    EXPECT_EQ(digester_->PendingCount(), 0u);
}

TEST_F(TrailDigestTest, RepeatedEndTimeMovesOneSecondOn) {
    std::vector<DigestOutput> first = Round(60, {MainTrail()});
    std::vector<DigestOutput> second = Round(60, {MainTrail()});
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_NE(first[0].object_key, second[0].object_key);
    EXPECT_NE(second[0].object_key.find("20261101T080101Z"), std::string::npos);
    EXPECT_TRUE(Validate(second[0]).ok());
}

TEST_F(TrailDigestTest, ChainContinuesAfterARestartFromTheTipsFound) {
    Deliver("us-east-1", "a", 10);
    Deliver("eu-west-1", "b", 10);
    ASSERT_EQ(Round(60, {MainTrail()}).size(), 2u);
    ASSERT_EQ(Round(120, {MainTrail()}).size(), 2u);

    evidence::LocalFolderSource folder(dir_.string());
    std::map<std::string, DigestChainTip> tips = FindChainTips(folder, MainTrail());
    ASSERT_EQ(tips.size(), 2u);
    EXPECT_NE(tips["us-east-1"].object_key.find("20261101T080200Z"), std::string::npos);
    EXPECT_EQ(tips["us-east-1"].end_time, "2026-11-01T08:02:00Z");
    // Another trail's digests in the same folder are not its tips.
    DigestTrail other = MainTrail();
    other.name = "mai";
    EXPECT_TRUE(FindChainTips(folder, other).empty());

    digester_ = MakeDigester();  // the restarted sandbox
    for (auto& [region, tip] : tips) {
        digester_->SetChainTip(kArn, region, tip);
    }
    Deliver("us-east-1", "c", 130);
    std::vector<DigestOutput> after = Round(180, {MainTrail()});
    ASSERT_EQ(after.size(), 2u);
    for (const DigestOutput& out : after) {
        evidence::ValidationReport report = Validate(out);
        EXPECT_TRUE(report.ok()) << evidence::RenderText(report, true);
        EXPECT_EQ(report.digests_valid, 3u) << out.region;
    }
    EXPECT_EQ(Validate(after[1]).logs_valid, 2u);
}

TEST_F(TrailDigestTest, PublicKeyInfoMatchesTheSigningKey) {
    DigestPublicKey info = digester_->PublicKeyInfo(At(0), At(100));
    EXPECT_EQ(Keys().count(info.fingerprint), 1u);
    Result<evidence::PublicKey> key = evidence::PublicKey::FromDerBase64(info.value_base64);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->Fingerprint(), info.fingerprint);
    EXPECT_EQ(info.validity_end - info.validity_start, seconds(100));
}

}  // namespace
}  // namespace firebreak::sandbox
