// File: digest.cpp
#include "firebreak/evidence/digest.h"

#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::evidence {

namespace {

using event::JsonValue;

void AppendMember(std::string_view name, std::string_view value, std::string* out) {
    if (out->back() != '{') {
        out->push_back(',');
    }
    AppendJsonString(name, out);
    out->push_back(':');
    AppendJsonString(value, out);
}

void AppendNullableMember(std::string_view name,
                          const std::optional<std::string>& value,
                          std::string* out) {
    if (value.has_value()) {
        AppendMember(name, std::string_view(*value), out);
        return;
    }
    if (out->back() != '{') {
        out->push_back(',');
    }
    AppendJsonString(name, out);
    out->append(":null");
}

// Reads the member `name` of `object` into *out. `path` prefixes error messages.
class FieldReader {
public:
    FieldReader(const JsonValue& object, std::string path)
        : object_(object),
          path_(std::move(path)) {}

    Status Required(std::string_view name, std::string* out) const {
        const JsonValue* value = object_.Find(name);
        if (value == nullptr || value->type == JsonValue::Type::kNull) {
            return InvalidArgument(Name(name) + ": required field is missing or null");
        }
        if (!value->is_string()) {
            return InvalidArgument(Name(name) + ": expected a string");
        }
        *out = value->text;
        return Status::Ok();
    }

    // Absent or null leave *out unchanged (empty); a non-string is an error.
    Status Optional(std::string_view name, std::string* out) const {
        std::optional<std::string> value;
        FIREBREAK_RETURN_IF_ERROR(Nullable(name, &value));
        if (value.has_value()) {
            *out = std::move(*value);
        }
        return Status::Ok();
    }

    Status Nullable(std::string_view name, std::optional<std::string>* out) const {
        const JsonValue* value = object_.Find(name);
        if (value == nullptr || value->type == JsonValue::Type::kNull) {
            out->reset();
            return Status::Ok();
        }
        if (!value->is_string()) {
            return InvalidArgument(Name(name) + ": expected a string or null");
        }
        *out = value->text;
        return Status::Ok();
    }

    // Must be present; may be null.
    Status PresentNullable(std::string_view name, std::optional<std::string>* out) const {
        if (object_.Find(name) == nullptr) {
            return InvalidArgument(Name(name) + ": required field is missing");
        }
        return Nullable(name, out);
    }

private:
    std::string Name(std::string_view name) const {
        return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
    }

    const JsonValue& object_;
    std::string path_;
};

Status ParseLogFiles(const JsonValue* list, std::vector<DigestLogFile>* out) {
    if (list == nullptr || list->type == JsonValue::Type::kNull) {
        return Status::Ok();
    }
    if (!list->is_array()) {
        return InvalidArgument("logFiles: expected an array");
    }
    for (size_t i = 0; i < list->items.size(); ++i) {
        const JsonValue& item = list->items[i];
        std::string path = "logFiles[" + std::to_string(i) + "]";
        if (!item.is_object()) {
            return InvalidArgument(path + ": expected an object");
        }
        FieldReader reader(item, path);
        DigestLogFile file;
        FIREBREAK_RETURN_IF_ERROR(reader.Required("s3Bucket", &file.s3_bucket));
        FIREBREAK_RETURN_IF_ERROR(reader.Required("s3Object", &file.s3_object));
        FIREBREAK_RETURN_IF_ERROR(reader.Required("hashValue", &file.hash_value));
        file.hash_algorithm.clear();
        FIREBREAK_RETURN_IF_ERROR(reader.Optional("hashAlgorithm", &file.hash_algorithm));
        FIREBREAK_RETURN_IF_ERROR(reader.Optional("newestEventTime", &file.newest_event_time));
        FIREBREAK_RETURN_IF_ERROR(reader.Optional("oldestEventTime", &file.oldest_event_time));
        out->push_back(std::move(file));
    }
    return Status::Ok();
}

bool AllDigits(std::string_view text) {
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string SerializeDigest(const DigestFile& d) {
    std::string out = "{";
    AppendMember("awsAccountId", d.aws_account_id, &out);
    AppendMember("digestStartTime", d.digest_start_time, &out);
    AppendMember("digestEndTime", d.digest_end_time, &out);
    AppendMember("digestS3Bucket", d.digest_s3_bucket, &out);
    AppendMember("digestS3Object", d.digest_s3_object, &out);
    AppendMember("digestPublicKeyFingerprint", d.digest_public_key_fingerprint, &out);
    AppendMember("digestSignatureAlgorithm", d.digest_signature_algorithm, &out);
    AppendMember("newestEventTime", d.newest_event_time, &out);
    AppendNullableMember("oldestEventTime", d.oldest_event_time, &out);
    AppendNullableMember("previousDigestS3Bucket", d.previous_digest_s3_bucket, &out);
    AppendNullableMember("previousDigestS3Object", d.previous_digest_s3_object, &out);
    AppendNullableMember("previousDigestHashValue", d.previous_digest_hash_value, &out);
    AppendNullableMember("previousDigestHashAlgorithm", d.previous_digest_hash_algorithm, &out);
    AppendNullableMember("previousDigestSignature", d.previous_digest_signature, &out);
    out.append(",\"logFiles\":[");
    for (size_t i = 0; i < d.log_files.size(); ++i) {
        const DigestLogFile& f = d.log_files[i];
        out.append(i == 0 ? "{" : ",{");
        AppendMember("s3Bucket", f.s3_bucket, &out);
        AppendMember("s3Object", f.s3_object, &out);
        AppendMember("hashValue", f.hash_value, &out);
        AppendMember("hashAlgorithm", f.hash_algorithm, &out);
        AppendMember("newestEventTime", f.newest_event_time, &out);
        AppendMember("oldestEventTime", f.oldest_event_time, &out);
        out.push_back('}');
    }
    out.append("]}");
    return out;
}

Result<DigestFile> ParseDigest(std::string_view json) {
    Result<JsonValue> root = event::ParseJson(json);
    if (!root.has_value()) {
        return InvalidArgument("digest file is not JSON: " + root.error().message());
    }
    if (!root->is_object()) {
        return InvalidArgument("digest file is not a JSON object");
    }
    FieldReader reader(*root, "");
    DigestFile d;
    FIREBREAK_RETURN_IF_ERROR(reader.Optional("awsAccountId", &d.aws_account_id));
    FIREBREAK_RETURN_IF_ERROR(reader.Required("digestStartTime", &d.digest_start_time));
    FIREBREAK_RETURN_IF_ERROR(reader.Required("digestEndTime", &d.digest_end_time));
    FIREBREAK_RETURN_IF_ERROR(reader.Required("digestS3Bucket", &d.digest_s3_bucket));
    FIREBREAK_RETURN_IF_ERROR(reader.Required("digestS3Object", &d.digest_s3_object));
    FIREBREAK_RETURN_IF_ERROR(
            reader.Required("digestPublicKeyFingerprint", &d.digest_public_key_fingerprint));
    d.digest_signature_algorithm.clear();
    FIREBREAK_RETURN_IF_ERROR(
            reader.Optional("digestSignatureAlgorithm", &d.digest_signature_algorithm));
    FIREBREAK_RETURN_IF_ERROR(reader.Optional("newestEventTime", &d.newest_event_time));
    FIREBREAK_RETURN_IF_ERROR(reader.Nullable("oldestEventTime", &d.oldest_event_time));
    FIREBREAK_RETURN_IF_ERROR(
            reader.Nullable("previousDigestS3Bucket", &d.previous_digest_s3_bucket));
    FIREBREAK_RETURN_IF_ERROR(
            reader.Nullable("previousDigestS3Object", &d.previous_digest_s3_object));
    FIREBREAK_RETURN_IF_ERROR(
            reader.Nullable("previousDigestHashValue", &d.previous_digest_hash_value));
    FIREBREAK_RETURN_IF_ERROR(
            reader.Nullable("previousDigestHashAlgorithm", &d.previous_digest_hash_algorithm));
    FIREBREAK_RETURN_IF_ERROR(
            reader.PresentNullable("previousDigestSignature", &d.previous_digest_signature));
    FIREBREAK_RETURN_IF_ERROR(ParseLogFiles(root->Find("logFiles"), &d.log_files));
    return d;
}

std::string DataToSign(const DigestFile& digest, std::string_view digest_file_sha256_hex) {
    std::string out;
    out.append(digest.digest_end_time).push_back('\n');
    out.append(digest.digest_s3_bucket).append("/").append(digest.digest_s3_object);
    out.push_back('\n');
    out.append(digest_file_sha256_hex).push_back('\n');
    out.append(digest.previous_digest_signature.value_or("null"));
    return out;
}

Result<std::string> DigestObjectKey(std::string_view prefix,
                                    std::string_view account,
                                    std::string_view region,
                                    std::string_view trail,
                                    std::string_view home_region,
                                    std::string_view end_time) {
    // YYYY-MM-DDTHH:MM:SSZ
    const std::string_view t = end_time;
    bool shaped = t.size() == 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
                  t[16] == ':' && t[19] == 'Z' && AllDigits(t.substr(0, 4)) &&
                  AllDigits(t.substr(5, 2)) && AllDigits(t.substr(8, 2)) &&
                  AllDigits(t.substr(11, 2)) && AllDigits(t.substr(14, 2)) &&
                  AllDigits(t.substr(17, 2));
    if (!shaped) {
        return InvalidArgument("digest end time '" + std::string(end_time) +
                               "' is not YYYY-MM-DDTHH:MM:SSZ");
    }
    if (account.empty() || region.empty() || trail.empty() || home_region.empty()) {
        return InvalidArgument("digest key needs an account, a region, a trail and a home region");
    }
    std::string key(prefix);
    if (!key.empty() && key.back() != '/') {
        key.push_back('/');
    }
    key.append("AWSLogs/").append(account).append("/CloudTrail-Digest/").append(region);
    key.append("/").append(t.substr(0, 4)).append("/").append(t.substr(5, 2));
    key.append("/").append(t.substr(8, 2)).append("/");
    key.append(account).append("_CloudTrail-Digest_").append(region).append("_");
    key.append(trail).append("_").append(home_region).append("_");
    key.append(t.substr(0, 4)).append(t.substr(5, 2)).append(t.substr(8, 2)).append("T");
    key.append(t.substr(11, 2)).append(t.substr(14, 2)).append(t.substr(17, 2)).append("Z.json.gz");
    return key;
}

}  // namespace firebreak::evidence
