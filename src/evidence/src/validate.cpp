// File: validate.cpp
#include "firebreak/evidence/validate.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"
#include "local_files.h"

namespace firebreak::evidence {

namespace fs = std::filesystem;

namespace {

using internal::kSidecarSuffix;

std::optional<fs::path> BucketPath(const std::string& root, std::string_view bucket) {
    if (bucket.empty() || bucket.find('/') != std::string_view::npos || bucket == "." ||
        bucket == ".." || bucket.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    return fs::path(root) / std::string(bucket);
}

std::optional<fs::path> ObjectPath(const std::string& root,
                                   std::string_view bucket,
                                   std::string_view key) {
    std::optional<fs::path> bucket_path = BucketPath(root, bucket);
    if (!bucket_path.has_value()) {
        return std::nullopt;
    }
    return internal::SafeJoin(*bucket_path, key);
}

std::string S3Url(std::string_view bucket, std::string_view key) {
    std::string url = "s3://";
    url.append(bucket).append("/").append(key);
    return url;
}

FileResult MakeEntry(FileKind kind, const std::string& bucket, const std::string& key) {
    FileResult entry;
    entry.kind = kind;
    entry.bucket = bucket;
    entry.key = key;
    return entry;
}

Result<std::string> Inflate(std::string_view bytes, const ValidateOptions& options) {
    if (IsGzip(bytes)) {
        return GzipDecompress(bytes);
    }
    if (options.require_gzip) {
        return InvalidArgument("not gzip data");
    }
    return std::string(bytes);
}

class ChainWalker {
public:
    ChainWalker(ObjectSource& source,
                const std::map<std::string, PublicKey>& keys,
                const ValidateOptions& options)
        : source_(source),
          keys_(keys),
          options_(options) {}

    ValidationReport Walk(const ObjectLocation& newest) {
        ObjectLocation location = newest;
        std::optional<std::string> expected_hash;  // the newer digest's previousDigestHashValue
        std::string newer_url;
        std::set<std::pair<std::string, std::string>> visited;
        while (true) {
            FileResult entry = MakeEntry(FileKind::kDigest, location.bucket, location.key);
            if (visited.size() >= options_.max_digests) {
                Fail(&entry,
                     FileStatus::kChainBroken,
                     "INVALID: chain is too long",
                     "more than " + std::to_string(options_.max_digests) + " digests");
                return Finish();
            }
            if (!visited.emplace(location.bucket, location.key).second) {
                Fail(&entry,
                     FileStatus::kChainBroken,
                     "INVALID: chain loops back to this digest",
                     "reached again from " + newer_url);
                return Finish();
            }
            std::optional<DigestFile> digest = CheckDigest(&entry, expected_hash, newer_url);
            if (!digest.has_value() || !digest->previous_digest_s3_bucket.has_value() ||
                !digest->previous_digest_s3_object.has_value()) {
                // Missing or unreadable, or a starting digest: go on with an older listed one.
                std::optional<std::string> older = OlderListedDigest(location, visited);
                if (!older.has_value()) {
                    return Finish();
                }
                expected_hash.reset();
                newer_url.clear();
                location.key = std::move(*older);
                continue;
            }
            expected_hash = digest->previous_digest_hash_value;
            newer_url = S3Url(location.bucket, location.key);
            location = {*digest->previous_digest_s3_bucket, *digest->previous_digest_s3_object};
        }
    }

private:
    // The newest digest key older than `location.key` of the same trail (same folder up to the
    // region, same file name up to the timestamp), not yet visited.
    std::optional<std::string> OlderListedDigest(
            const ObjectLocation& location,
            const std::set<std::pair<std::string, std::string>>& visited) {
        constexpr std::string_view kFolder = "CloudTrail-Digest/";
        constexpr size_t kStampAndSuffix = 24;  // YYYYMMDDTHHMMSSZ.json.gz
        const std::string& key = location.key;
        size_t folder = key.find(kFolder);
        size_t region_end =
                folder == std::string::npos ? folder : key.find('/', folder + kFolder.size());
        size_t name = key.rfind('/');
        if (!options_.use_listing || region_end == std::string::npos ||
            key.size() - name - 1 <= kStampAndSuffix) {
            return std::nullopt;
        }
        std::string prefix = key.substr(0, region_end + 1);
        std::string stem = key.substr(name + 1, key.size() - name - 1 - kStampAndSuffix);
        std::optional<std::vector<std::string>> keys = source_.List(location.bucket, prefix);
        if (!keys.has_value()) {
            return std::nullopt;
        }
        std::optional<std::string> best;
        for (const std::string& candidate : *keys) {
            size_t slash = candidate.rfind('/');
            std::string_view file = std::string_view(candidate).substr(slash + 1);
            if (candidate < key && (!best.has_value() || candidate > *best) &&
                file.size() == stem.size() + kStampAndSuffix &&
                file.substr(0, stem.size()) == stem && file.substr(file.size() - 8) == ".json.gz" &&
                visited.count({location.bucket, candidate}) == 0) {
                best = candidate;
            }
        }
        return best;
    }

    // Checks one digest and, when it is valid, its log files. Returns the parsed digest when the
    // walk can go on from it.
    std::optional<DigestFile> CheckDigest(FileResult* entry,
                                          const std::optional<std::string>& expected_hash,
                                          const std::string& newer_url) {
        std::optional<StoredObject> object = source_.Get(entry->bucket, entry->key);
        if (!object.has_value()) {
            Fail(entry, FileStatus::kNotFound, "INVALID: not found", "");
            return std::nullopt;
        }
        Result<std::string> text = Inflate(object->bytes, options_);
        if (!text.has_value()) {
            Fail(entry,
                 FileStatus::kInvalidFormat,
                 "INVALID: invalid format",
                 text.error().message());
            return std::nullopt;
        }
        Result<DigestFile> parsed = ParseDigest(*text);
        if (!parsed.has_value()) {
            Fail(entry,
                 FileStatus::kInvalidFormat,
                 "INVALID: invalid format",
                 parsed.error().message());
            return std::nullopt;
        }
        DigestFile& digest = *parsed;
        if (report_.oldest_start_time.empty() ||
            digest.digest_start_time < report_.oldest_start_time) {
            report_.oldest_start_time = digest.digest_start_time;
        }
        if (digest.digest_end_time > report_.newest_end_time) {
            report_.newest_end_time = digest.digest_end_time;
        }
        std::string text_sha256 = Sha256Hex(*text);
        auto signature = object->metadata.find("signature");
        auto algorithm = object->metadata.find("signature-algorithm");
        if (signature == object->metadata.end() || algorithm == object->metadata.end()) {
            Fail(entry,
                 FileStatus::kSignatureInvalid,
                 "INVALID: signature verification failed",
                 "the object has no signature metadata");
            return digest;
        }
        if (digest.digest_s3_bucket != entry->bucket || digest.digest_s3_object != entry->key) {
            Fail(entry,
                 FileStatus::kMoved,
                 "INVALID: has been moved from its original location",
                 "the digest names " + S3Url(digest.digest_s3_bucket, digest.digest_s3_object));
            return digest;
        }
        auto key = keys_.find(digest.digest_public_key_fingerprint);
        if (key == keys_.end()) {
            Fail(entry,
                 FileStatus::kPublicKeyNotFound,
                 "INVALID: public key not found in region " + options_.region +
                         " for fingerprint " + digest.digest_public_key_fingerprint,
                 "");
            return digest;
        }
        if (algorithm->second != kSignatureAlgorithm) {
            Fail(entry,
                 FileStatus::kSignatureInvalid,
                 "INVALID: signature verification failed",
                 "unsupported signature algorithm '" + algorithm->second + "'");
            return digest;
        }
        if (!VerifySha256Rsa(key->second, DataToSign(digest, text_sha256), signature->second)) {
            Fail(entry,
                 FileStatus::kSignatureInvalid,
                 "INVALID: signature verification failed",
                 "");
            return digest;
        }
        if (std::string window = OutsideKeyWindow(digest); !window.empty()) {
            Fail(entry,
                 FileStatus::kKeyOutsideWindow,
                 "INVALID: signed by public key " + digest.digest_public_key_fingerprint +
                         " outside its validity period",
                 window);
            return digest;
        }
        if (options_.check_previous_hash && expected_hash.has_value() &&
            AsciiLower(*expected_hash) != text_sha256) {
            Fail(entry,
                 FileStatus::kChainBroken,
                 "INVALID: hash value doesn't match the previousDigestHashValue of " + newer_url,
                 "expected " + *expected_hash + ", found " + text_sha256);
            return digest;
        }
        entry->status = FileStatus::kValid;
        entry->message = "valid";
        report_.files.push_back(std::move(*entry));
        ++report_.digests_valid;
        for (const DigestLogFile& log : digest.log_files) {
            CheckLog(log);
        }
        return digest;
    }

    // Why the digest's key was not valid at its end time, or "".
    std::string OutsideKeyWindow(const DigestFile& digest) const {
        auto window = options_.key_windows.find(digest.digest_public_key_fingerprint);
        if (window == options_.key_windows.end()) {
            return "";
        }
        std::optional<TimePoint> end = ParseIsoTime(digest.digest_end_time);
        const KeyWindow& w = window->second;
        if (!end.has_value() || (w.valid_from.has_value() && *end < *w.valid_from) ||
            (w.valid_until.has_value() && *end > *w.valid_until)) {
            return "digestEndTime " + digest.digest_end_time + ", key valid from " +
                   (w.valid_from ? FormatIsoSeconds(*w.valid_from) : std::string("any time")) +
                   " until " +
                   (w.valid_until ? FormatIsoSeconds(*w.valid_until) : std::string("now"));
        }
        return "";
    }

    void CheckLog(const DigestLogFile& log) {
        FileResult entry = MakeEntry(FileKind::kLog, log.s3_bucket, log.s3_object);
        std::optional<StoredObject> object = source_.Get(log.s3_bucket, log.s3_object);
        if (!object.has_value()) {
            Fail(&entry, FileStatus::kNotFound, "INVALID: not found", "");
            return;
        }
        Result<std::string> text = Inflate(object->bytes, options_);
        if (!text.has_value()) {
            Fail(&entry,
                 FileStatus::kInvalidFormat,
                 "INVALID: invalid format",
                 text.error().message());
            return;
        }
        std::string actual = Sha256Hex(*text);
        if (AsciiLower(log.hash_value) != actual) {
            Fail(&entry,
                 FileStatus::kHashMismatch,
                 "INVALID: hash value doesn't match",
                 "expected " + log.hash_value + ", found " + actual);
            return;
        }
        entry.status = FileStatus::kValid;
        entry.message = "valid";
        report_.files.push_back(std::move(entry));
        ++report_.logs_valid;
    }

    void Fail(FileResult* entry, FileStatus status, std::string message, std::string detail) {
        entry->status = status;
        entry->message = std::move(message);
        entry->detail = std::move(detail);
        if (entry->kind == FileKind::kDigest) {
            ++report_.digests_invalid;
        } else {
            ++report_.logs_invalid;
        }
        report_.files.push_back(std::move(*entry));
    }

    ValidationReport Finish() { return std::move(report_); }

    ObjectSource& source_;
    const std::map<std::string, PublicKey>& keys_;
    const ValidateOptions& options_;
    ValidationReport report_;
};

void AppendRatio(size_t valid, size_t invalid, std::string_view name, std::string* out) {
    size_t total = valid + invalid;
    if (total == 0) {
        return;
    }
    std::string of = "/" + std::to_string(total) + " " + std::string(name) + " files ";
    out->append(std::to_string(valid)).append(of).append("valid");
    if (invalid > 0) {
        out->append(", ").append(std::to_string(invalid)).append(of).append("INVALID");
    }
    out->push_back('\n');
}

}  // namespace

std::optional<StoredObject> LocalFolderSource::Get(std::string_view bucket, std::string_view key) {
    std::optional<fs::path> path = ObjectPath(root_, bucket, key);
    if (!path.has_value()) {
        return std::nullopt;
    }
    Result<std::string> bytes = ReadFileToString(path->string(), 1u << 30);
    if (!bytes.has_value()) {
        return std::nullopt;
    }
    StoredObject object;
    object.bytes = std::move(*bytes);
    Result<std::string> sidecar = ReadFileToString(path->string() + std::string(kSidecarSuffix));
    if (sidecar.has_value()) {
        object.metadata = internal::ParseSidecar(*sidecar);
    }
    return object;
}

std::optional<std::vector<std::string>> LocalFolderSource::List(std::string_view bucket,
                                                                std::string_view prefix) {
    std::optional<fs::path> bucket_root = BucketPath(root_, bucket);
    if (!bucket_root.has_value()) {
        return std::nullopt;
    }
    return internal::ListKeys(*bucket_root, prefix);
}

Status LocalFolderSource::Put(std::string_view bucket,
                              std::string_view key,
                              std::string_view bytes,
                              std::string_view signature_hex) {
    std::optional<fs::path> path = ObjectPath(root_, bucket, key);
    if (!path.has_value()) {
        return InvalidArgument("unusable bucket or key: " + S3Url(bucket, key));
    }
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(*path, bytes));
    if (signature_hex.empty()) {
        return Status::Ok();
    }
    std::string sidecar = "{\"signature\":";
    AppendJsonString(signature_hex, &sidecar);
    sidecar.append(",\"signature-algorithm\":");
    AppendJsonString(kSignatureAlgorithm, &sidecar);
    sidecar.append("}\n");
    return internal::WriteFileReplacing(path->string() + std::string(kSidecarSuffix), sidecar);
}

std::string_view FileStatusName(FileStatus status) {
    switch (status) {
        case FileStatus::kValid:
            return "valid";
        case FileStatus::kNotFound:
            return "not_found";
        case FileStatus::kInvalidFormat:
            return "invalid_format";
        case FileStatus::kMoved:
            return "moved";
        case FileStatus::kPublicKeyNotFound:
            return "public_key_not_found";
        case FileStatus::kSignatureInvalid:
            return "signature_invalid";
        case FileStatus::kHashMismatch:
            return "hash_mismatch";
        case FileStatus::kChainBroken:
            return "chain_broken";
        case FileStatus::kKeyOutsideWindow:
            return "key_outside_window";
    }
    return "unknown";
}

ValidationReport ValidateChain(ObjectSource& source,
                               const ObjectLocation& newest_digest,
                               const std::map<std::string, PublicKey>& keys_by_fingerprint,
                               const ValidateOptions& options) {
    return ChainWalker(source, keys_by_fingerprint, options).Walk(newest_digest);
}

std::string RenderText(const ValidationReport& report, bool verbose) {
    std::string out;
    for (const FileResult& file : report.files) {
        if (file.status == FileStatus::kValid && !verbose) {
            continue;
        }
        out.append(file.kind == FileKind::kDigest ? "Digest file\t" : "Log file\t");
        out.append(S3Url(file.bucket, file.key)).append("\t").append(file.message).push_back('\n');
    }
    if (report.digests_valid + report.digests_invalid == 0) {
        out.append("No digests found\n");
        return out;
    }
    if (!out.empty()) {
        out.push_back('\n');
    }
    if (!report.newest_end_time.empty()) {
        out.append("Results found for ").append(report.oldest_start_time).append(" to ");
        out.append(report.newest_end_time).append(":\n\n");
    }
    AppendRatio(report.digests_valid, report.digests_invalid, "digest", &out);
    AppendRatio(report.logs_valid, report.logs_invalid, "log", &out);
    return out;
}

std::string RenderJson(const ValidationReport& report) {
    std::string out = "{\"ok\":";
    out.append(report.ok() ? "true" : "false");
    out.append(",\"digests\":{\"valid\":").append(std::to_string(report.digests_valid));
    out.append(",\"invalid\":").append(std::to_string(report.digests_invalid));
    out.append("},\"logs\":{\"valid\":").append(std::to_string(report.logs_valid));
    out.append(",\"invalid\":").append(std::to_string(report.logs_invalid));
    out.append("},\"oldestStartTime\":");
    AppendJsonString(report.oldest_start_time, &out);
    out.append(",\"newestEndTime\":");
    AppendJsonString(report.newest_end_time, &out);
    out.append(",\"files\":[");
    for (size_t i = 0; i < report.files.size(); ++i) {
        const FileResult& file = report.files[i];
        out.append(i == 0 ? "{\"kind\":" : ",{\"kind\":");
        AppendJsonString(file.kind == FileKind::kDigest ? "digest" : "log", &out);
        out.append(",\"bucket\":");
        AppendJsonString(file.bucket, &out);
        out.append(",\"key\":");
        AppendJsonString(file.key, &out);
        out.append(",\"status\":");
        AppendJsonString(FileStatusName(file.status), &out);
        out.append(",\"message\":");
        AppendJsonString(file.message, &out);
        if (!file.detail.empty()) {
            out.append(",\"detail\":");
            AppendJsonString(file.detail, &out);
        }
        out.push_back('}');
    }
    out.append("]}\n");
    return out;
}

}  // namespace firebreak::evidence
