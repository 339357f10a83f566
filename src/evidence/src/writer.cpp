// File: writer.cpp
#include "firebreak/evidence/writer.h"

#include "firebreak/core/crypto.h"
#include "firebreak/evidence/gzip.h"

namespace firebreak::evidence {

Result<SignedDigest> BuildSignedDigest(const DigestHeader& header,
                                       const std::vector<LogFileInput>& log_files,
                                       const std::optional<PreviousDigest>& previous,
                                       const PrivateKey& key) {
    DigestFile d;
    d.aws_account_id = header.aws_account_id;
    d.digest_start_time = header.digest_start_time;
    d.digest_end_time = header.digest_end_time;
    d.digest_s3_bucket = header.digest_s3_bucket;
    d.digest_s3_object = header.digest_s3_object;
    d.newest_event_time = header.newest_event_time;
    for (const LogFileInput& log : log_files) {
        DigestLogFile entry;
        entry.s3_bucket = log.s3_bucket;
        entry.s3_object = log.s3_object;
        if (IsGzip(log.bytes)) {
            Result<std::string> text = GzipDecompress(log.bytes);
            if (!text.has_value()) {
                return InvalidArgument("log file " + log.s3_object + ": " + text.error().message());
            }
            entry.hash_value = Sha256Hex(*text);
        } else {
            entry.hash_value = Sha256Hex(log.bytes);
        }
        entry.newest_event_time = log.newest_event_time;
        entry.oldest_event_time = log.oldest_event_time;
        if (d.log_files.empty() || log.newest_event_time > d.newest_event_time) {
            d.newest_event_time = log.newest_event_time;
        }
        if (!d.oldest_event_time.has_value() || log.oldest_event_time < *d.oldest_event_time) {
            d.oldest_event_time = log.oldest_event_time;
        }
        d.log_files.push_back(std::move(entry));
    }
    return SignDigest(std::move(d), previous, key);
}

Result<SignedDigest> SignDigest(DigestFile digest,
                                const std::optional<PreviousDigest>& previous,
                                const PrivateKey& key) {
    SignedDigest out;
    out.digest = std::move(digest);
    DigestFile& d = out.digest;
    d.digest_public_key_fingerprint = key.GetPublicKey().Fingerprint();
    if (previous.has_value()) {
        d.previous_digest_s3_bucket = previous->s3_bucket;
        d.previous_digest_s3_object = previous->s3_object;
        d.previous_digest_hash_value = Sha256Hex(previous->json);
        d.previous_digest_hash_algorithm = std::string(kHashAlgorithm);
        d.previous_digest_signature = previous->signature_hex;
    }
    out.json = SerializeDigest(d);
    Result<std::string> signature = SignSha256Rsa(key, DataToSign(d, Sha256Hex(out.json)));
    if (!signature.has_value()) {
        return signature.error();
    }
    out.signature_hex = std::move(*signature);
    Result<std::string> gzip = GzipCompress(out.json);
    if (!gzip.has_value()) {
        return gzip.error();
    }
    out.gzip = std::move(*gzip);
    return out;
}

}  // namespace firebreak::evidence
