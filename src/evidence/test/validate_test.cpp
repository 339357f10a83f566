// File: validate_test.cpp
//
// A chain of three hourly digests over five gzipped log files in a temporary folder, then one
// kind of tampering per test, each on a fresh copy.
#include "firebreak/evidence/validate.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/writer.h"

namespace firebreak::evidence {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBucket = "trail-bucket";

const PrivateKey& TrailKey() {
    static const PrivateKey key = std::move(PrivateKey::Generate().value());
    return key;
}

const PrivateKey& AttackerKey() {
    static const PrivateKey key = std::move(PrivateKey::Generate().value());
    return key;
}

std::string LogText(int i) {
    return "{\"Records\":[{\"eventVersion\":\"1.08\",\"eventName\":\"RunInstances\",\"n\":" +
           std::to_string(i) + "}]}";
}

std::string LogKey(int i) {
    return "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/28/"
           "123456789012_CloudTrail_us-east-1_20261128T0" +
           std::to_string(i) + "05Z_abc" + std::to_string(i) + ".json.gz";
}

std::string EndTime(int hour) {
    return "2026-11-28T0" + std::to_string(hour) + ":00:00Z";
}

class ChainTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::path(::testing::TempDir()) /
                ("evidence_chain_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        source_ = std::make_unique<LocalFolderSource>(root_.string());
        for (int i = 1; i <= 5; ++i) {
            ASSERT_TRUE(source_->Put(kBucket, LogKey(i), *GzipCompress(LogText(i))).ok());
        }
        // Digest 1 (starting) covers logs 1-2, digest 2 logs 3-4, digest 3 log 5.
        const int groups[3][2] = {{1, 2}, {3, 4}, {5, 5}};
        std::optional<PreviousDigest> previous;
        for (int d = 0; d < 3; ++d) {
            std::vector<LogFileInput> logs;
            for (int i = groups[d][0]; i <= groups[d][1]; ++i) {
                LogFileInput log;
                log.s3_bucket = std::string(kBucket);
                log.s3_object = LogKey(i);
                log.bytes = *GzipCompress(LogText(i));
                log.newest_event_time = EndTime(d + 1);
                log.oldest_event_time = EndTime(d);
                logs.push_back(log);
            }
            headers_[d] = Header(d + 1);
            Result<SignedDigest> digest =
                    BuildSignedDigest(headers_[d], logs, previous, TrailKey());
            ASSERT_TRUE(digest.has_value()) << digest.error().message();
            ASSERT_TRUE(source_->Put(kBucket,
                                     headers_[d].digest_s3_object,
                                     digest->gzip,
                                     digest->signature_hex)
                                .ok());
            previous = PreviousDigest{std::string(kBucket),
                                      headers_[d].digest_s3_object,
                                      digest->json,
                                      digest->signature_hex};
            digests_[d] = *digest;
            logs_[d] = logs;
        }
        keys_.emplace(TrailKey().GetPublicKey().Fingerprint(), TrailKey().GetPublicKey());
    }

    void TearDown() override { fs::remove_all(root_); }

    static DigestHeader Header(int hour) {
        DigestHeader header;
        header.aws_account_id = "123456789012";
        header.digest_start_time = EndTime(hour - 1);
        header.digest_end_time = EndTime(hour);
        header.digest_s3_bucket = std::string(kBucket);
        header.digest_s3_object = *DigestObjectKey(
                "", "123456789012", "us-east-1", "main", "us-east-1", header.digest_end_time);
        return header;
    }

    fs::path PathOf(std::string_view key) const { return root_ / kBucket / key; }

    void Overwrite(std::string_view key, std::string_view bytes) const {
        std::ofstream out(PathOf(key), std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }

    std::string DigestKey(int index) const { return headers_[index].digest_s3_object; }

    ValidationReport Validate() {
        ValidateOptions options;
        options.region = "us-east-1";
        return ValidateChain(*source_, {std::string(kBucket), DigestKey(2)}, keys_, options);
    }

    static const FileResult* Find(const ValidationReport& report, std::string_view key) {
        for (const FileResult& file : report.files) {
            if (file.key == key) {
                return &file;
            }
        }
        return nullptr;
    }

    static FileStatus StatusOf(const ValidationReport& report, std::string_view key) {
        const FileResult* file = Find(report, key);
        EXPECT_NE(file, nullptr) << key;
        return file == nullptr ? FileStatus::kValid : file->status;
    }

    fs::path root_;
    std::unique_ptr<LocalFolderSource> source_;
    DigestHeader headers_[3];
    SignedDigest digests_[3];
    std::vector<LogFileInput> logs_[3];
    std::map<std::string, PublicKey> keys_;
};

TEST_F(ChainTest, IntactChainIsValid) {
    ValidationReport report = Validate();
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 3u);
    EXPECT_EQ(report.logs_valid, 5u);
    EXPECT_EQ(report.digests_invalid + report.logs_invalid, 0u);
    ASSERT_EQ(report.files.size(), 8u);
    EXPECT_EQ(report.files[0].key, DigestKey(2));
    EXPECT_EQ(report.files[1].key, LogKey(5));
    EXPECT_EQ(report.files[2].key, DigestKey(1));
    EXPECT_EQ(report.files[7].key, LogKey(2));
    EXPECT_EQ(report.oldest_start_time, "2026-11-28T00:00:00Z");
    EXPECT_EQ(report.newest_end_time, "2026-11-28T03:00:00Z");
    EXPECT_EQ(RenderText(report, false),
              "Results found for 2026-11-28T00:00:00Z to 2026-11-28T03:00:00Z:\n\n"
              "3/3 digest files valid\n5/5 log files valid\n");
    std::string verbose = RenderText(report, true);
    EXPECT_EQ(verbose.substr(0, verbose.find('\n')),
              "Digest file\ts3://trail-bucket/" + DigestKey(2) + "\tvalid");
    EXPECT_NE(verbose.find("Log file\ts3://trail-bucket/" + LogKey(1) + "\tvalid\n"),
              std::string::npos);
    std::string json = RenderJson(report);
    EXPECT_EQ(json.rfind("{\"ok\":true,\"digests\":{\"valid\":3,\"invalid\":0},"
                         "\"logs\":{\"valid\":5,\"invalid\":0},",
                         0),
              0u)
            << json;
}

TEST_F(ChainTest, DigestFieldsAreWhatWasSigned) {
    const DigestFile& first = digests_[0].digest;
    EXPECT_FALSE(first.previous_digest_s3_bucket.has_value());
    EXPECT_FALSE(first.previous_digest_signature.has_value());
    const DigestFile& second = digests_[1].digest;
    EXPECT_EQ(*second.previous_digest_s3_object, DigestKey(0));
    EXPECT_EQ(*second.previous_digest_signature, digests_[0].signature_hex);
    EXPECT_EQ(second.log_files.size(), 2u);
    EXPECT_EQ(second.oldest_event_time, EndTime(1));
    EXPECT_EQ(second.newest_event_time, EndTime(2));
    EXPECT_EQ(*ParseDigest(*GzipDecompress(digests_[1].gzip)), second);
}

TEST_F(ChainTest, ChangedByteInLogIsHashMismatch) {
    std::string text = LogText(3);
    text[text.size() - 4] = '9';
    Overwrite(LogKey(3), *GzipCompress(text));
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, LogKey(3)), FileStatus::kHashMismatch);
    EXPECT_EQ(report.logs_valid, 4u);
    EXPECT_EQ(report.logs_invalid, 1u);
    EXPECT_EQ(report.digests_valid, 3u);
    EXPECT_EQ(RenderText(report, false),
              "Log file\ts3://trail-bucket/" + LogKey(3) +
                      "\tINVALID: hash value doesn't match\n\n"
                      "Results found for 2026-11-28T00:00:00Z to 2026-11-28T03:00:00Z:\n\n"
                      "3/3 digest files valid\n4/5 log files valid, 1/5 log files INVALID\n");
}

TEST_F(ChainTest, CorruptGzipLogIsInvalidFormat) {
    std::string gz = *GzipCompress(LogText(1));
    gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
    Overwrite(LogKey(1), gz);
    ValidationReport report = Validate();
    FileStatus status = StatusOf(report, LogKey(1));
    EXPECT_TRUE(status == FileStatus::kInvalidFormat || status == FileStatus::kHashMismatch);
    EXPECT_FALSE(report.ok());
}

TEST_F(ChainTest, DeletedLogIsNotFound) {
    fs::remove(PathOf(LogKey(4)));
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, LogKey(4)), FileStatus::kNotFound);
    EXPECT_EQ(Find(report, LogKey(4))->message, "INVALID: not found");
    EXPECT_EQ(report.logs_valid, 4u);
}

TEST_F(ChainTest, DeletedMiddleDigestIsNotFoundAndTheWalkGoesOn) {
    fs::remove(PathOf(DigestKey(1)));
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, DigestKey(2)), FileStatus::kValid);
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kNotFound);
    EXPECT_EQ(StatusOf(report, DigestKey(0)), FileStatus::kValid);  // found by listing
    EXPECT_EQ(report.digests_valid, 2u);
    EXPECT_EQ(report.digests_invalid, 1u);
    EXPECT_EQ(report.logs_valid, 3u);
    EXPECT_NE(RenderText(report, false)
                      .find("Digest file\ts3://trail-bucket/" + DigestKey(1) +
                            "\tINVALID: not found\n"),
              std::string::npos);

    ValidateOptions no_listing;
    no_listing.use_listing = false;
    report = ValidateChain(*source_, {std::string(kBucket), DigestKey(2)}, keys_, no_listing);
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kNotFound);
    EXPECT_EQ(Find(report, DigestKey(0)), nullptr);
    EXPECT_EQ(report.digests_valid, 1u);
}

TEST_F(ChainTest, OlderChainBeforeAStartingDigestIsWalkedToo) {
    // Logging was restarted: a new starting digest at 04:00 after the 03:00 one.
    Result<SignedDigest> restart = BuildSignedDigest(Header(4), {}, std::nullopt, TrailKey());
    ASSERT_TRUE(restart.has_value());
    std::string key = restart->digest.digest_s3_object;
    ASSERT_TRUE(source_->Put(kBucket, key, restart->gzip, restart->signature_hex).ok());
    ValidationReport report = ValidateChain(*source_, {std::string(kBucket), key}, keys_);
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 4u);
    EXPECT_EQ(report.logs_valid, 5u);
    std::optional<std::vector<std::string>> listed =
            source_->List(kBucket, "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/");
    ASSERT_TRUE(listed.has_value());
    EXPECT_EQ(listed->size(), 4u);
    EXPECT_EQ(listed->back(), key);
}

TEST_F(ChainTest, EditedDigestIsSignatureInvalid) {
    DigestFile edited = digests_[1].digest;
    edited.newest_event_time = "2026-11-28T02:30:00Z";
    Overwrite(DigestKey(1), *GzipCompress(SerializeDigest(edited)));
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kSignatureInvalid);
    EXPECT_EQ(Find(report, DigestKey(1))->message, "INVALID: signature verification failed");
    // Its logs are not vouched for; the walk goes on to the older digest.
    EXPECT_EQ(Find(report, LogKey(3)), nullptr);
    EXPECT_EQ(StatusOf(report, DigestKey(0)), FileStatus::kValid);
    EXPECT_EQ(report.digests_valid, 2u);
    EXPECT_EQ(report.logs_valid, 3u);
}

TEST_F(ChainTest, ForgedSignatureWithUnknownKeyIsPublicKeyNotFound) {
    // The attacker rewrites log 3 and re-signs digest 2 with its own key.
    std::string text = LogText(3) + " ";
    Overwrite(LogKey(3), *GzipCompress(text));
    std::vector<LogFileInput> logs = logs_[1];
    logs[0].bytes = text;
    PreviousDigest previous{
            std::string(kBucket), DigestKey(0), digests_[0].json, digests_[0].signature_hex};
    Result<SignedDigest> forged = BuildSignedDigest(headers_[1], logs, previous, AttackerKey());
    ASSERT_TRUE(forged.has_value());
    ASSERT_TRUE(source_->Put(kBucket, DigestKey(1), forged->gzip, forged->signature_hex).ok());
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kPublicKeyNotFound);
    EXPECT_EQ(Find(report, DigestKey(1))->message,
              "INVALID: public key not found in region us-east-1 for fingerprint " +
                      AttackerKey().GetPublicKey().Fingerprint());
    // Digest 3 still names the genuine digest 2's hash, so the chain check also objects once the
    // attacker's key is (wrongly) trusted.
    keys_.emplace(AttackerKey().GetPublicKey().Fingerprint(), AttackerKey().GetPublicKey());
    report = Validate();
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kChainBroken);
}

TEST_F(ChainTest, ForgedSignatureClaimingTheTrailKeyIsSignatureInvalid) {
    DigestFile forged = digests_[1].digest;
    forged.log_files[0].hash_value = std::string(64, '0');
    std::string json = SerializeDigest(forged);  // keeps the trail key's fingerprint
    Result<std::string> signature =
            SignSha256Rsa(AttackerKey(), DataToSign(forged, Sha256Hex(json)));
    ASSERT_TRUE(signature.has_value());
    ASSERT_TRUE(source_->Put(kBucket, DigestKey(1), *GzipCompress(json), *signature).ok());
    ValidationReport report = Validate();
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kSignatureInvalid);
    EXPECT_FALSE(report.ok());
}

TEST_F(ChainTest, SwappedDigestsAreMoved) {
    fs::path a = PathOf(DigestKey(0));
    fs::path b = PathOf(DigestKey(1));
    fs::path tmp = root_ / "swap";
    for (const char* suffix : {"", ".sig"}) {
        fs::rename(a.string() + suffix, tmp);
        fs::rename(b.string() + suffix, a.string() + suffix);
        fs::rename(tmp, b.string() + suffix);
    }
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, DigestKey(2)), FileStatus::kValid);
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kMoved);
    EXPECT_EQ(Find(report, DigestKey(1))->message,
              "INVALID: has been moved from its original location");
    EXPECT_EQ(StatusOf(report, DigestKey(0)), FileStatus::kMoved);
    EXPECT_EQ(report.digests_valid, 1u);
}

TEST_F(ChainTest, ReplacedOlderDigestIsChainBroken) {
    // A validly signed but different digest 1 (e.g. made with a stolen key) in the right place.
    std::vector<LogFileInput> logs = logs_[0];
    logs.pop_back();
    Result<SignedDigest> other = BuildSignedDigest(headers_[0], logs, std::nullopt, TrailKey());
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(source_->Put(kBucket, DigestKey(0), other->gzip, other->signature_hex).ok());
    ValidationReport report = Validate();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(StatusOf(report, DigestKey(0)), FileStatus::kChainBroken);
    EXPECT_NE(Find(report, DigestKey(0))->message.find("previousDigestHashValue"),
              std::string::npos);

    ValidateOptions cli_like;
    cli_like.check_previous_hash = false;
    report = ValidateChain(*source_, {std::string(kBucket), DigestKey(2)}, keys_, cli_like);
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
}

TEST_F(ChainTest, GarbageDigestIsInvalidFormat) {
    Overwrite(DigestKey(2), *GzipCompress("{\"digestStartTime\": 1"));
    ValidationReport report = Validate();
    EXPECT_EQ(StatusOf(report, DigestKey(2)), FileStatus::kInvalidFormat);
    EXPECT_FALSE(Find(report, DigestKey(2))->detail.empty());
    EXPECT_EQ(StatusOf(report, DigestKey(1)), FileStatus::kValid);  // the walk goes on by listing
    EXPECT_EQ(report.digests_valid, 2u);
    EXPECT_EQ(report.logs_valid, 4u);
    Overwrite(DigestKey(2), "not gzip");
    EXPECT_EQ(StatusOf(Validate(), DigestKey(2)), FileStatus::kInvalidFormat);
    EXPECT_FALSE(RenderJson(Validate()).empty());
}

TEST_F(ChainTest, MissingNewestDigestIsNotFound) {
    ValidationReport report =
            ValidateChain(*source_, {std::string(kBucket), "AWSLogs/none.json.gz"}, keys_);
    EXPECT_FALSE(report.ok());
    ASSERT_EQ(report.files.size(), 1u);
    EXPECT_EQ(report.files[0].status, FileStatus::kNotFound);
}

TEST_F(ChainTest, PlainTextSidecarAndMissingSidecar) {
    Overwrite(DigestKey(2) + ".sig", digests_[2].signature_hex + "\n");
    EXPECT_TRUE(Validate().ok());
    fs::remove(PathOf(DigestKey(2) + ".sig"));
    EXPECT_EQ(StatusOf(Validate(), DigestKey(2)), FileStatus::kSignatureInvalid);
}

// A chain made and signed by Python (json, gzip, the `rsa` package awscli uses): see
// test/data/make_python_chain.py. Its JSON is indented, so only the exact stored bytes hash right.
TEST(IndependentChainTest, PythonSignedChainValidates) {
    std::string dir = std::string(FIREBREAK_SOURCE_DIR) + "/src/evidence/test/data/python_chain";
    Result<std::string> value = ReadFileToString(dir + "/public_key.b64");
    Result<std::string> newest = ReadFileToString(dir + "/newest_digest_key");
    ASSERT_TRUE(value.has_value() && newest.has_value());
    Result<PublicKey> key = PublicKey::FromDerBase64(value->substr(0, value->find('\n')));
    ASSERT_TRUE(key.has_value()) << key.error().message();
    std::map<std::string, PublicKey> keys;
    keys.emplace("aws-style-fingerprint-0123456789", std::move(*key));
    std::string newest_key = newest->substr(0, newest->find('\n'));
    EXPECT_EQ(
            newest_key,
            *DigestObjectKey(
                    "", "210987654321", "eu-west-1", "main", "eu-west-1", "2026-11-28T02:00:00Z"));
    LocalFolderSource source(dir);
    ValidationReport report = ValidateChain(source, {"py-bucket", newest_key}, keys);
    EXPECT_TRUE(report.ok()) << RenderText(report, true);
    EXPECT_EQ(report.digests_valid, 2u);
    EXPECT_EQ(report.logs_valid, 2u);

    Result<std::string> json = GzipDecompress(source.Get("py-bucket", newest_key)->bytes);
    ASSERT_TRUE(json.has_value());
    Result<DigestFile> digest = ParseDigest(*json);
    ASSERT_TRUE(digest.has_value()) << digest.error().message();
    EXPECT_EQ(digest->log_files.size(), 1u);
    EXPECT_TRUE(digest->previous_digest_signature.has_value());
}

TEST(LocalFolderSourceTest, RefusesKeysOutsideTheRoot) {
    LocalFolderSource source(::testing::TempDir());
    EXPECT_FALSE(source.Get("b", "../x").has_value());
    EXPECT_FALSE(source.Get("b", "a//x").has_value());
    EXPECT_FALSE(source.Get("..", "x").has_value());
    EXPECT_FALSE(source.Get("", "x").has_value());
    EXPECT_FALSE(source.Put("b", "/abs", "x").ok());
    EXPECT_FALSE(source.Get(std::string_view("a\0b", 3), "x").has_value());
    EXPECT_FALSE(source.List("..", "").has_value());
    std::optional<std::vector<std::string>> none = source.List("no-such-bucket-here", "a/");
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace firebreak::evidence
