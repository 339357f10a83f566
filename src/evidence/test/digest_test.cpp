// File: digest_test.cpp
#include "firebreak/evidence/digest.h"

#include <gtest/gtest.h>

#include "firebreak/evidence/gzip.h"

namespace firebreak::evidence {
namespace {

DigestFile SampleDigest() {
    DigestFile d;
    d.aws_account_id = "123456789012";
    d.digest_start_time = "2015-08-17T14:01:31Z";
    d.digest_end_time = "2015-08-17T15:01:31Z";
    d.digest_s3_bucket = "trail-bucket";
    d.digest_s3_object =
            "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2015/08/17/"
            "123456789012_CloudTrail-Digest_us-east-1_main_us-east-1_20150817T150131Z.json.gz";
    d.digest_public_key_fingerprint = "0123456789abcdef0123456789abcdef";
    d.newest_event_time = "2015-08-17T15:00:00Z";
    d.oldest_event_time = "2015-08-17T14:05:00Z";
    d.previous_digest_s3_bucket = "trail-bucket";
    d.previous_digest_s3_object = "AWSLogs/prev.json.gz";
    d.previous_digest_hash_value = std::string(64, 'a');
    d.previous_digest_hash_algorithm = "SHA-256";
    d.previous_digest_signature = "beef";
    DigestLogFile log;
    log.s3_bucket = "trail-bucket";
    log.s3_object = "AWSLogs/123456789012/CloudTrail/us-east-1/2015/08/17/log \"1\".json.gz";
    log.hash_value = std::string(64, 'b');
    log.newest_event_time = "2015-08-17T15:00:00Z";
    log.oldest_event_time = "2015-08-17T14:05:00Z";
    d.log_files.push_back(log);
    return d;
}

TEST(DigestTest, SerializeUsesCloudTrailFieldOrderAndNulls) {
    DigestFile d = SampleDigest();
    d.oldest_event_time.reset();
    d.previous_digest_s3_bucket.reset();
    d.previous_digest_s3_object.reset();
    d.previous_digest_hash_value.reset();
    d.previous_digest_hash_algorithm.reset();
    d.previous_digest_signature.reset();
    d.log_files.clear();
    EXPECT_EQ(SerializeDigest(d),
              "{\"awsAccountId\":\"123456789012\",\"digestStartTime\":\"2015-08-17T14:01:31Z\","
              "\"digestEndTime\":\"2015-08-17T15:01:31Z\",\"digestS3Bucket\":\"trail-bucket\","
              "\"digestS3Object\":\"" +
                      d.digest_s3_object +
                      "\",\"digestPublicKeyFingerprint\":\"0123456789abcdef0123456789abcdef\","
                      "\"digestSignatureAlgorithm\":\"SHA256withRSA\","
                      "\"newestEventTime\":\"2015-08-17T15:00:00Z\",\"oldestEventTime\":null,"
                      "\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,"
                      "\"previousDigestHashValue\":null,\"previousDigestHashAlgorithm\":null,"
                      "\"previousDigestSignature\":null,\"logFiles\":[]}");
}

TEST(DigestTest, RoundTrip) {
    DigestFile d = SampleDigest();
    Result<DigestFile> parsed = ParseDigest(SerializeDigest(d));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(*parsed, d);

    d.previous_digest_s3_bucket.reset();
    d.previous_digest_s3_object.reset();
    d.previous_digest_hash_value.reset();
    d.previous_digest_hash_algorithm.reset();
    d.previous_digest_signature.reset();
    d.oldest_event_time.reset();
    parsed = ParseDigest(SerializeDigest(d));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(*parsed, d);
}

TEST(DigestTest, DataToSignIsExact) {
    DigestFile d = SampleDigest();
    std::string hash(64, 'c');
    EXPECT_EQ(DataToSign(d, hash),
              "2015-08-17T15:01:31Z\ntrail-bucket/" + d.digest_s3_object + "\n" + hash + "\nbeef");
    d.previous_digest_signature.reset();
    EXPECT_EQ(DataToSign(d, "00"),
              "2015-08-17T15:01:31Z\ntrail-bucket/" + d.digest_s3_object + "\n00\nnull");
}

TEST(DigestTest, ParseErrorsNameTheField) {
    EXPECT_NE(ParseDigest("not json").error().message().find("not JSON"), std::string::npos);
    EXPECT_NE(ParseDigest("[1,2]").error().message().find("not a JSON object"), std::string::npos);
    EXPECT_EQ(ParseDigest("").has_value(), false);

    std::string json = SerializeDigest(SampleDigest());
    std::string no_fp = json;
    no_fp.replace(no_fp.find("\"digestPublicKeyFingerprint\""), 28, "\"other\"");
    EXPECT_EQ(ParseDigest(no_fp).error().message(),
              "digestPublicKeyFingerprint: required field is missing or null");

    std::string bad_type = json;
    bad_type.replace(bad_type.find("\"2015-08-17T15:01:31Z\""), 22, "42");
    EXPECT_EQ(ParseDigest(bad_type).error().message(), "digestEndTime: expected a string");

    std::string no_prev_sig = json;
    no_prev_sig.replace(no_prev_sig.find("\"previousDigestSignature\""), 25, "\"x\"");
    EXPECT_EQ(ParseDigest(no_prev_sig).error().message(),
              "previousDigestSignature: required field is missing");

    std::string bad_log = json;
    bad_log.replace(bad_log.find("\"hashValue\":\""), 13, "\"hashValue\":[\"");
    bad_log.insert(bad_log.find("\"", bad_log.find("\"hashValue\":[\"") + 14) + 1, "]");
    EXPECT_EQ(ParseDigest(bad_log).error().message(), "logFiles[0].hashValue: expected a string");

    EXPECT_EQ(ParseDigest(R"({"digestStartTime":"a","digestEndTime":"b","digestS3Bucket":"c",)"
                          R"("digestS3Object":"d","digestPublicKeyFingerprint":"e",)"
                          R"("previousDigestSignature":null,"logFiles":{}})")
                      .error()
                      .message(),
              "logFiles: expected an array");
}

TEST(DigestTest, ObjectKeyFollowsCloudTrailLayout) {
    Result<std::string> key = DigestObjectKey(
            "logs/", "123456789012", "eu-west-1", "main", "us-east-1", "2015-08-17T15:01:31Z");
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(*key,
              "logs/AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2015/08/17/"
              "123456789012_CloudTrail-Digest_eu-west-1_main_us-east-1_20150817T150131Z.json.gz");
    EXPECT_EQ(*DigestObjectKey("", "1", "r", "t", "h", "2015-08-17T15:01:31Z"),
              "AWSLogs/1/CloudTrail-Digest/r/2015/08/17/1_CloudTrail-Digest_r_t_h_20150817T150131Z"
              ".json.gz");
    EXPECT_EQ(*DigestObjectKey("p", "1", "r", "t", "h", "2015-08-17T15:01:31Z"),
              *DigestObjectKey("p/", "1", "r", "t", "h", "2015-08-17T15:01:31Z"));
    EXPECT_FALSE(DigestObjectKey("", "1", "r", "t", "h", "2015-08-17T15:01:31.5Z").has_value());
    EXPECT_FALSE(DigestObjectKey("", "1", "r", "t", "h", "2015-08-17 15:01:31Z").has_value());
    EXPECT_FALSE(DigestObjectKey("", "", "r", "t", "h", "2015-08-17T15:01:31Z").has_value());
}

TEST(GzipTest, RoundTripAndErrors) {
    std::string text(200000, 'x');
    for (size_t i = 0; i < text.size(); i += 7) {
        text[i] = static_cast<char>('a' + i % 26);
    }
    Result<std::string> gz = GzipCompress(text);
    ASSERT_TRUE(gz.has_value());
    EXPECT_TRUE(IsGzip(*gz));
    EXPECT_EQ(*GzipDecompress(*gz), text);
    EXPECT_EQ(*GzipDecompress(*GzipCompress("")), "");
    EXPECT_EQ(*GzipDecompress(*gz + *GzipCompress("tail")), text + "tail");  // two members
    EXPECT_FALSE(GzipDecompress("plain").has_value());
    EXPECT_FALSE(GzipDecompress(gz->substr(0, gz->size() / 2)).has_value());
    EXPECT_FALSE(GzipDecompress(*gz + "junk").has_value());
    EXPECT_EQ(GzipDecompress(*gz, 1000).error().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace firebreak::evidence
