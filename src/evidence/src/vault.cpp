// File: vault.cpp
#include "firebreak/evidence/vault.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>
#include <thread>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/writer.h"

namespace firebreak::evidence {

namespace {

constexpr std::string_view kDescriptorFile = "vault.json";
constexpr std::string_view kDescriptorFormat = "firebreak-vault/1";
constexpr std::string_view kManifestFolder = "manifest/";
constexpr int kMaxAddAttempts = 8;
constexpr size_t kMaxChainWalk = 100000;

bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

bool IsName(std::string_view text, bool allow_colon) {
    if (text.empty() || text.size() > 128) {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [allow_colon](char c) {
        return IsNameChar(c) || (allow_colon && c == ':');
    });
}

// Appends `"name":"value"` to an object being written (`out` starts with "{").
void AppendField(std::string* out, std::string_view name, std::string_view value) {
    if (out->size() > 1) {
        out->push_back(',');
    }
    AppendJsonString(name, out);
    out->push_back(':');
    AppendJsonString(value, out);
}

class JsonReader {
public:
    JsonReader(const event::JsonValue& object, std::string where)
        : object_(object),
          where_(std::move(where)) {}

    Status String(std::string_view name, std::string* out, bool required = true) const {
        const event::JsonValue* v = object_.Find(name);
        if (v == nullptr || v->type == event::JsonValue::Type::kNull) {
            if (required) {
                return InvalidArgument(where_ + std::string(name) + ": missing");
            }
            return Status::Ok();
        }
        if (!v->is_string()) {
            return InvalidArgument(where_ + std::string(name) + ": expected a string");
        }
        *out = v->text;
        return Status::Ok();
    }

    Status Unsigned(std::string_view name, uint64_t* out) const {
        const event::JsonValue* v = object_.Find(name);
        if (v == nullptr || !v->is_number()) {
            return InvalidArgument(where_ + std::string(name) + ": expected a number");
        }
        const char* begin = v->text.data();
        const char* end = begin + v->text.size();
        auto [ptr, ec] = std::from_chars(begin, end, *out);
        if (ec != std::errc() || ptr != end) {
            return InvalidArgument(where_ + std::string(name) + ": expected a whole number, got " +
                                   v->text);
        }
        return Status::Ok();
    }

private:
    const event::JsonValue& object_;
    std::string where_;
};

std::optional<uint64_t> SeqFromKey(std::string_view key) {
    size_t slash = key.rfind('/');
    std::string_view name = key.substr(slash == std::string_view::npos ? 0 : slash + 1);
    if (!name.ends_with(".json")) {
        return std::nullopt;
    }
    name.remove_suffix(5);
    uint64_t seq = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), seq);
    if (ec != std::errc() || ptr != name.data() + name.size() || seq == 0) {
        return std::nullopt;
    }
    return seq;
}

}  // namespace

bool IsEvidenceKind(std::string_view kind) {
    return std::find(std::begin(kEvidenceKinds), std::end(kEvidenceKinds), kind) !=
           std::end(kEvidenceKinds);
}

std::string EntryKey(std::string_view prefix, uint64_t seq) {
    char digits[24];
    std::snprintf(digits, sizeof(digits), "%020llu", static_cast<unsigned long long>(seq));
    return std::string(prefix) + std::string(kManifestFolder) + digits + ".json";
}

std::string ObjectKey(std::string_view prefix, std::string_view sha256_hex) {
    std::string key(prefix);
    key.append("objects/sha256/").append(sha256_hex.substr(0, 2)).append("/").append(sha256_hex);
    return key;
}

std::string DigestFolder(const VaultDescriptor& descriptor) {
    return descriptor.prefix + "AWSLogs/" + descriptor.account_id + "/CloudTrail-Digest/" +
           descriptor.region + "/";
}

std::string SerializeEntry(const EvidenceEntry& entry) {
    std::string out = "{\"seq\":" + std::to_string(entry.seq);
    auto field = [&out](std::string_view name, std::string_view value) {
        out.push_back(',');
        AppendJsonString(name, &out);
        out.push_back(':');
        AppendJsonString(value, &out);
    };
    field("case", entry.case_id);
    field("kind", entry.kind);
    field("name", entry.name);
    field("media_type", entry.media_type);
    field("source", entry.source);
    field("collected_by", entry.collected_by);
    field("collected_at", entry.collected_at);
    field("stored_at", entry.stored_at);
    field("ref", entry.ref);
    field("sha256", entry.sha256);
    if (!entry.uncompressed_sha256.empty()) {
        field("uncompressed_sha256", entry.uncompressed_sha256);
    }
    out.append(",\"size\":").append(std::to_string(entry.size));
    field("object", entry.object_key);
    field("retention_mode", entry.retention_mode);
    field("retain_until", entry.retain_until);
    if (entry.previous_entry_sha256.empty()) {
        out.append(",\"previous_entry_sha256\":null");
    } else {
        field("previous_entry_sha256", entry.previous_entry_sha256);
    }
    out.append("}\n");
    return out;
}

Result<EvidenceEntry> ParseEntry(std::string_view json) {
    Result<event::JsonValue> root = event::ParseJson(json);
    if (!root.has_value()) {
        return InvalidArgument("not JSON: " + root.error().message());
    }
    if (!root->is_object()) {
        return InvalidArgument("expected an object");
    }
    JsonReader r(*root, "");
    EvidenceEntry e;
    FIREBREAK_RETURN_IF_ERROR(r.Unsigned("seq", &e.seq));
    FIREBREAK_RETURN_IF_ERROR(r.String("case", &e.case_id));
    FIREBREAK_RETURN_IF_ERROR(r.String("kind", &e.kind));
    FIREBREAK_RETURN_IF_ERROR(r.String("name", &e.name, false));
    FIREBREAK_RETURN_IF_ERROR(r.String("media_type", &e.media_type, false));
    FIREBREAK_RETURN_IF_ERROR(r.String("source", &e.source));
    FIREBREAK_RETURN_IF_ERROR(r.String("collected_by", &e.collected_by));
    FIREBREAK_RETURN_IF_ERROR(r.String("collected_at", &e.collected_at));
    FIREBREAK_RETURN_IF_ERROR(r.String("stored_at", &e.stored_at));
    FIREBREAK_RETURN_IF_ERROR(r.String("ref", &e.ref, false));
    FIREBREAK_RETURN_IF_ERROR(r.String("sha256", &e.sha256));
    FIREBREAK_RETURN_IF_ERROR(r.String("uncompressed_sha256", &e.uncompressed_sha256, false));
    FIREBREAK_RETURN_IF_ERROR(r.Unsigned("size", &e.size));
    FIREBREAK_RETURN_IF_ERROR(r.String("object", &e.object_key));
    FIREBREAK_RETURN_IF_ERROR(r.String("retention_mode", &e.retention_mode));
    FIREBREAK_RETURN_IF_ERROR(r.String("retain_until", &e.retain_until));
    FIREBREAK_RETURN_IF_ERROR(r.String("previous_entry_sha256", &e.previous_entry_sha256, false));
    if (e.seq == 0) {
        return InvalidArgument("seq: must be 1 or more");
    }
    if (e.sha256.size() != 64 || !HexDecode(e.sha256).has_value()) {
        return InvalidArgument("sha256: expected 64 hex digits");
    }
    e.json = std::string(json);
    return e;
}

std::string SerializeDescriptor(const VaultDescriptor& d) {
    std::string out;
    out.push_back('{');
    AppendField(&out, "format", kDescriptorFormat);
    AppendField(&out, "prefix", d.prefix);
    AppendField(&out, "account_id", d.account_id);
    AppendField(&out, "region", d.region);
    AppendField(&out, "name", d.name);
    AppendField(&out, "retention_mode", RetentionModeName(d.retention_mode));
    out.append(",\"retention_days\":").append(std::to_string(d.retention_days));
    AppendField(&out, "created_at", d.created_at);
    out.append("}\n");
    return out;
}

Result<VaultDescriptor> ParseDescriptor(std::string_view json) {
    Result<event::JsonValue> root = event::ParseJson(json);
    if (!root.has_value()) {
        return InvalidArgument("vault.json: not JSON: " + root.error().message());
    }
    if (!root->is_object()) {
        return InvalidArgument("vault.json: expected an object");
    }
    JsonReader r(*root, "vault.json: ");
    std::string format;
    FIREBREAK_RETURN_IF_ERROR(r.String("format", &format));
    if (format != kDescriptorFormat) {
        return InvalidArgument("vault.json: format: \"" + format + "\" is not " +
                               std::string(kDescriptorFormat));
    }
    VaultDescriptor d;
    std::string mode;
    uint64_t days = 0;
    FIREBREAK_RETURN_IF_ERROR(r.String("prefix", &d.prefix, false));
    FIREBREAK_RETURN_IF_ERROR(r.String("account_id", &d.account_id));
    FIREBREAK_RETURN_IF_ERROR(r.String("region", &d.region));
    FIREBREAK_RETURN_IF_ERROR(r.String("name", &d.name));
    FIREBREAK_RETURN_IF_ERROR(r.String("retention_mode", &mode));
    FIREBREAK_RETURN_IF_ERROR(r.Unsigned("retention_days", &days));
    FIREBREAK_RETURN_IF_ERROR(r.String("created_at", &d.created_at));
    std::optional<RetentionMode> parsed = ParseRetentionMode(mode);
    if (!parsed.has_value()) {
        return InvalidArgument("vault.json: retention_mode: expected GOVERNANCE or COMPLIANCE");
    }
    d.retention_mode = *parsed;
    // 100 years, the longest Object Lock default retention S3 accepts; it also keeps
    // now + retention_days inside the clock's range.
    if (days > kMaxRetentionDays) {
        return InvalidArgument("vault.json: retention_days: more than " +
                               std::to_string(kMaxRetentionDays) + " (100 years)");
    }
    d.retention_days = static_cast<int64_t>(days);
    if (!IsName(d.account_id, false) || !IsName(d.region, false) || !IsName(d.name, false)) {
        return InvalidArgument(
                "vault.json: account_id, region and name must be 1-128 of "
                "[A-Za-z0-9._-]");
    }
    if (!ParseIsoTime(d.created_at).has_value()) {
        return InvalidArgument("vault.json: created_at: not an ISO-8601 time");
    }
    return d;
}

Result<std::unique_ptr<Vault>> Vault::Open(std::unique_ptr<VaultBackend> backend,
                                           std::string_view prefix,
                                           bool create,
                                           const VaultDescriptor& defaults,
                                           TimePoint now) {
    std::string normalized(prefix);
    if (!normalized.empty() && normalized.back() != '/') {
        normalized.push_back('/');
    }
    std::string key = normalized + std::string(kDescriptorFile);
    std::optional<StoredObject> stored = backend->Get(backend->bucket(), key);
    if (!stored.has_value()) {
        if (!create) {
            return NotFound("no evidence vault at " + backend->Describe() + " (no " + key + ")");
        }
        VaultDescriptor d = defaults;
        d.prefix = normalized;
        d.created_at = FormatIsoSeconds(now);
        if (!IsName(d.account_id, false) || !IsName(d.region, false) || !IsName(d.name, false)) {
            return InvalidArgument(
                    "vault account id, region and name must be 1-128 of "
                    "[A-Za-z0-9._-]");
        }
        if (d.retention_days < 1) {
            return InvalidArgument("vault retention must be at least one day");
        }
        std::string json = SerializeDescriptor(d);
        PutRequest put;
        put.key = key;
        put.bytes = json;
        put.content_type = "application/json";
        put.retention = Retention{d.retention_mode, now + std::chrono::days(d.retention_days)};
        Result<PutResult> written = backend->PutOnce(put);
        if (!written.has_value() && written.error().code() != StatusCode::kAlreadyExists) {
            return written.error();
        }
        stored = backend->Get(backend->bucket(), key);
        if (!stored.has_value()) {
            return Status(StatusCode::kUnavailable, "cannot read back " + key);
        }
    }
    Result<VaultDescriptor> descriptor = ParseDescriptor(stored->bytes);
    if (!descriptor.has_value()) {
        return InvalidArgument(backend->Describe() + ": " + descriptor.error().message());
    }
    if (descriptor->prefix != normalized) {
        return InvalidArgument(backend->Describe() + ": " + key + " says the vault's prefix is \"" +
                               descriptor->prefix + "\"");
    }
    std::unique_ptr<Vault> vault(new Vault(std::move(backend), std::move(*descriptor)));
    vault->descriptor_json_ = std::move(stored->bytes);
    FIREBREAK_RETURN_IF_ERROR(vault->LoadManifest());
    FIREBREAK_RETURN_IF_ERROR(vault->LoadNewestDigest());
    return vault;
}

Status Vault::LoadManifest() {
    entries_.clear();
    by_ref_.clear();
    std::string folder = descriptor_.prefix + std::string(kManifestFolder);
    std::optional<std::vector<std::string>> keys = backend_->List(backend_->bucket(), folder);
    if (!keys.has_value()) {
        return Status(StatusCode::kUnavailable,
                      "cannot list " + folder + " in " + backend_->Describe());
    }
    for (const std::string& key : *keys) {
        std::optional<uint64_t> seq = SeqFromKey(key);
        if (!seq.has_value() || key != EntryKey(descriptor_.prefix, *seq)) {
            warnings_.push_back("unexpected manifest object " + key + " (ignored)");
            continue;
        }
        next_seq_ = std::max(next_seq_, *seq + 1);
        std::optional<StoredObject> stored = backend_->Get(backend_->bucket(), key);
        if (!stored.has_value()) {
            warnings_.push_back("manifest entry " + key + " cannot be read");
            continue;
        }
        Result<EvidenceEntry> entry = ParseEntry(stored->bytes);
        if (!entry.has_value() || entry->seq != *seq) {
            warnings_.push_back("manifest entry " + key + " is damaged: " +
                                (entry.has_value() ? "its seq differs from its name"
                                                   : entry.error().message()));
            continue;
        }
        entry->entry_key = key;
        entries_.push_back(std::move(*entry));
    }
    std::sort(entries_.begin(), entries_.end(), [](const EvidenceEntry& a, const EvidenceEntry& b) {
        return a.seq < b.seq;
    });
    for (size_t i = 0; i < entries_.size(); ++i) {
        if (!entries_[i].ref.empty()) {
            by_ref_.emplace(entries_[i].ref, i);
        }
    }
    return Status::Ok();
}

Status Vault::LoadNewestDigest() {
    newest_digest_key_.clear();
    newest_digest_end_.clear();
    newest_digest_json_.clear();
    newest_digest_signature_.clear();
    covered_seq_ = 0;
    std::string folder = DigestFolder(descriptor_);
    std::optional<std::vector<std::string>> keys = backend_->List(backend_->bucket(), folder);
    if (!keys.has_value()) {
        return Status(StatusCode::kUnavailable,
                      "cannot list " + folder + " in " + backend_->Describe());
    }
    if (keys->empty()) {
        return Status::Ok();
    }
    // Digest keys sort by time: YYYY/MM/DD folders, then the end time in the name.
    std::string key = keys->back();
    bool newest = true;
    for (size_t walked = 0; walked < kMaxChainWalk && !key.empty(); ++walked) {
        std::optional<StoredObject> stored = backend_->Get(backend_->bucket(), key);
        Result<std::string> json = stored.has_value() ? GzipDecompress(stored->bytes)
                                                      : Result<std::string>(NotFound("missing"));
        Result<DigestFile> digest =
                json.has_value() ? ParseDigest(*json) : Result<DigestFile>(json.error());
        if (!digest.has_value()) {
            warnings_.push_back("digest " + key + " cannot be read (" + digest.error().message() +
                                ")" + (newest ? "; the next digest starts a new chain" : ""));
            return Status::Ok();
        }
        if (newest) {
            auto signature = stored->metadata.find("signature");
            if (signature == stored->metadata.end()) {
                warnings_.push_back("digest " + key +
                                    " has no signature; the next digest starts a new chain");
                return Status::Ok();
            }
            newest_digest_key_ = key;
            newest_digest_end_ = digest->digest_end_time;
            newest_digest_json_ = std::move(*json);
            newest_digest_signature_ = signature->second;
            newest = false;
        }
        for (const DigestLogFile& log : digest->log_files) {
            std::optional<uint64_t> seq = SeqFromKey(log.s3_object);
            if (seq.has_value() && log.s3_object == EntryKey(descriptor_.prefix, *seq)) {
                covered_seq_ = std::max(covered_seq_, *seq);
            }
        }
        if (covered_seq_ > 0 || !digest->previous_digest_s3_object.has_value()) {
            return Status::Ok();
        }
        key = *digest->previous_digest_s3_object;
    }
    return Status::Ok();
}

size_t Vault::uncovered_count() const {
    return static_cast<size_t>(
            std::count_if(entries_.begin(), entries_.end(), [this](const EvidenceEntry& e) {
                return e.seq > covered_seq_;
            }));
}

Retention Vault::RetentionFrom(TimePoint now) const {
    return Retention{descriptor_.retention_mode,
                     std::chrono::floor<std::chrono::seconds>(now) +
                             std::chrono::days(descriptor_.retention_days)};
}

Result<EvidenceEntry> Vault::Add(const EvidenceInput& input,
                                 std::string_view bytes,
                                 TimePoint now) {
    if (!IsName(input.case_id, true)) {
        return InvalidArgument("case id \"" + input.case_id +
                               "\": expected 1-128 of [A-Za-z0-9._:-]");
    }
    if (!IsEvidenceKind(input.kind)) {
        std::string kinds;
        for (std::string_view kind : kEvidenceKinds) {
            kinds.append(kinds.empty() ? "" : ", ").append(kind);
        }
        return InvalidArgument("kind \"" + input.kind + "\": expected one of " + kinds);
    }
    if (input.source.empty() || input.collected_by.empty()) {
        return InvalidArgument("evidence needs a source and a collector (collected_by)");
    }
    if (!input.ref.empty()) {
        if (const EvidenceEntry* existing = FindByRef(input.ref)) {
            return *existing;
        }
    }
    EvidenceEntry entry;
    entry.case_id = input.case_id;
    entry.kind = input.kind;
    entry.source = input.source;
    entry.collected_by = input.collected_by;
    entry.collected_at =
            FormatIsoSeconds(input.collected_at == TimePoint{} ? now : input.collected_at);
    entry.stored_at = FormatIsoSeconds(now);
    entry.name = input.name;
    entry.media_type = input.media_type;
    entry.ref = input.ref;
    entry.sha256 = Sha256Hex(bytes);
    entry.size = bytes.size();
    if (IsGzip(bytes)) {
        Result<std::string> inflated = GzipDecompress(bytes, size_t{4} << 30);
        if (!inflated.has_value()) {
            return InvalidArgument("the bytes start like gzip but do not inflate (" +
                                   inflated.error().message() +
                                   "); compress them again or wrap them before storing");
        }
        entry.uncompressed_sha256 = Sha256Hex(*inflated);
    }
    entry.object_key = ObjectKey(descriptor_.prefix, entry.sha256);
    Retention retention = RetentionFrom(now);
    entry.retention_mode = std::string(RetentionModeName(retention.mode));
    entry.retain_until = FormatIsoSeconds(retention.until);

    PutRequest object;
    object.key = entry.object_key;
    object.bytes = bytes;
    object.content_type = input.media_type;
    object.retention = retention;
    Result<PutResult> stored = backend_->PutOnce(object);
    if (!stored.has_value()) {
        if (stored.error().code() == StatusCode::kAlreadyExists) {
            return DataLoss(entry.object_key + " holds bytes whose SHA-256 is not its name: " +
                            "the vault is damaged (run `firebreak evidence verify`)");
        }
        return stored.error();
    }
    for (int attempt = 0; attempt < kMaxAddAttempts; ++attempt) {
        entry.seq = next_seq_;
        entry.previous_entry_sha256 = entries_.empty() ? "" : Sha256Hex(entries_.back().json);
        entry.entry_key = EntryKey(descriptor_.prefix, entry.seq);
        entry.json = SerializeEntry(entry);
        PutRequest put;
        put.key = entry.entry_key;
        put.bytes = entry.json;
        put.content_type = "application/json";
        put.retention = retention;
        Result<PutResult> written = backend_->PutOnce(put);
        if (written.has_value()) {
            ++next_seq_;
            entries_.push_back(entry);
            if (!entry.ref.empty()) {
                by_ref_.emplace(entry.ref, entries_.size() - 1);
            }
            return entry;
        }
        if (written.error().code() != StatusCode::kAlreadyExists) {
            return written.error();
        }
        // Another writer took this sequence number: read the manifest again and go after it.
        FIREBREAK_RETURN_IF_ERROR(LoadManifest());
        if (!entry.ref.empty()) {
            if (const EvidenceEntry* existing = FindByRef(entry.ref)) {
                return *existing;
            }
        }
    }
    return Status(StatusCode::kUnavailable,
                  "could not append to the manifest: other writers kept taking the next number");
}

Result<std::optional<SealedDigest>> Vault::Seal(const PrivateKey& key,
                                                TimePoint now,
                                                bool even_if_empty) {
    std::vector<const EvidenceEntry*> uncovered;
    for (const EvidenceEntry& entry : entries_) {
        if (entry.seq > covered_seq_) {
            uncovered.push_back(&entry);
        }
    }
    if (uncovered.empty() && !even_if_empty) {
        return std::optional<SealedDigest>();
    }
    TimePoint end = std::chrono::floor<std::chrono::seconds>(now);
    std::string start = descriptor_.created_at;
    if (!newest_digest_end_.empty()) {
        start = newest_digest_end_;
        std::optional<TimePoint> previous_end = ParseIsoTime(newest_digest_end_);
        if (previous_end.has_value() && end <= *previous_end) {
            // Digest keys are unique per second, and a digest must never end in the future (a
            // key rotated now would not have been valid then): wait for the next second.
            TimePoint next = *previous_end + std::chrono::seconds(1);
            if (next - end > std::chrono::seconds(2)) {
                return Status(StatusCode::kFailedPrecondition,
                              "the newest digest ends at " + newest_digest_end_ +
                                      ", later than now (" + FormatIsoSeconds(end) +
                                      "): is the clock wrong?");
            }
            sleep_(std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
            end = next;
        }
    }
    DigestFile d;
    d.aws_account_id = descriptor_.account_id;
    d.digest_start_time = start;
    d.digest_end_time = FormatIsoSeconds(end);
    d.digest_s3_bucket = backend_->bucket();
    Result<std::string> digest_key = DigestObjectKey(descriptor_.prefix,
                                                     descriptor_.account_id,
                                                     descriptor_.region,
                                                     descriptor_.name,
                                                     descriptor_.region,
                                                     d.digest_end_time);
    if (!digest_key.has_value()) {
        return digest_key.error();
    }
    d.digest_s3_object = *digest_key;
    d.newest_event_time = d.digest_end_time;
    std::set<std::string> objects_listed;
    uint64_t covered = covered_seq_;
    {
        // vault.json in every digest: its account, region and retention cannot change unseen.
        DigestLogFile descriptor;
        descriptor.s3_bucket = backend_->bucket();
        descriptor.s3_object = descriptor_.prefix + std::string(kDescriptorFile);
        descriptor.hash_value = Sha256Hex(descriptor_json_);
        descriptor.newest_event_time = descriptor_.created_at;
        descriptor.oldest_event_time = descriptor_.created_at;
        d.log_files.push_back(std::move(descriptor));
    }
    for (const EvidenceEntry* entry : uncovered) {
        if (objects_listed.insert(entry->object_key).second) {
            DigestLogFile object;
            object.s3_bucket = backend_->bucket();
            object.s3_object = entry->object_key;
            object.hash_value =
                    entry->uncompressed_sha256.empty() ? entry->sha256 : entry->uncompressed_sha256;
            object.newest_event_time = entry->collected_at;
            object.oldest_event_time = entry->collected_at;
            d.log_files.push_back(std::move(object));
        }
        DigestLogFile manifest;
        manifest.s3_bucket = backend_->bucket();
        manifest.s3_object = entry->entry_key;
        manifest.hash_value = Sha256Hex(entry->json);
        manifest.newest_event_time = entry->collected_at;
        manifest.oldest_event_time = entry->collected_at;
        d.log_files.push_back(std::move(manifest));
        covered = std::max(covered, entry->seq);
    }
    for (size_t i = 0; i < d.log_files.size(); ++i) {
        const DigestLogFile& log = d.log_files[i];
        if (i == 0 || log.newest_event_time > d.newest_event_time) {
            d.newest_event_time = log.newest_event_time;
        }
        if (!d.oldest_event_time.has_value() || log.oldest_event_time < *d.oldest_event_time) {
            d.oldest_event_time = log.oldest_event_time;
        }
    }
    std::optional<PreviousDigest> previous;
    if (!newest_digest_key_.empty()) {
        previous = PreviousDigest{backend_->bucket(),
                                  newest_digest_key_,
                                  newest_digest_json_,
                                  newest_digest_signature_};
    }
    Result<SignedDigest> signed_digest = SignDigest(std::move(d), previous, key);
    if (!signed_digest.has_value()) {
        return signed_digest.error();
    }
    PutRequest put;
    put.key = *digest_key;
    put.bytes = signed_digest->gzip;
    put.content_type = "application/x-gzip";
    put.metadata["signature"] = signed_digest->signature_hex;
    put.metadata["signature-algorithm"] = std::string(kSignatureAlgorithm);
    put.retention = RetentionFrom(now);
    Result<PutResult> written = backend_->PutOnce(put);
    if (!written.has_value()) {
        return written.error();
    }
    newest_digest_key_ = *digest_key;
    newest_digest_end_ = signed_digest->digest.digest_end_time;
    newest_digest_json_ = signed_digest->json;
    newest_digest_signature_ = signed_digest->signature_hex;
    covered_seq_ = covered;
    SealedDigest sealed;
    sealed.key = *digest_key;
    sealed.digest = std::move(signed_digest->digest);
    sealed.signature_hex = std::move(signed_digest->signature_hex);
    sealed.entries = uncovered.size();
    return std::optional<SealedDigest>(std::move(sealed));
}

std::string SerializeHead(const VaultHead& head) {
    std::string out;
    out.push_back('{');
    AppendField(&out, "vault", head.vault);
    AppendField(&out, "descriptor_sha256", head.descriptor_sha256);
    AppendField(&out, "digest_key", head.digest_key);
    AppendField(&out, "digest_sha256", head.digest_sha256);
    out.append(",\"covered_seq\":").append(std::to_string(head.covered_seq));
    AppendField(&out, "sealed_at", head.sealed_at);
    out.append("}\n");
    return out;
}

Result<VaultHead> ParseHead(std::string_view json) {
    Result<event::JsonValue> root = event::ParseJson(json);
    if (!root.has_value() || !root->is_object()) {
        return InvalidArgument("head: not a JSON object");
    }
    JsonReader r(*root, "head: ");
    VaultHead head;
    FIREBREAK_RETURN_IF_ERROR(r.String("vault", &head.vault));
    FIREBREAK_RETURN_IF_ERROR(r.String("descriptor_sha256", &head.descriptor_sha256));
    FIREBREAK_RETURN_IF_ERROR(r.String("digest_key", &head.digest_key));
    FIREBREAK_RETURN_IF_ERROR(r.String("digest_sha256", &head.digest_sha256));
    FIREBREAK_RETURN_IF_ERROR(r.Unsigned("covered_seq", &head.covered_seq));
    FIREBREAK_RETURN_IF_ERROR(r.String("sealed_at", &head.sealed_at));
    return head;
}

std::string Vault::Identity() const {
    return backend_->Identity() + (descriptor_.prefix.empty() ? "" : "/" + descriptor_.prefix);
}

Status Vault::Refresh() {
    FIREBREAK_RETURN_IF_ERROR(LoadManifest());
    return LoadNewestDigest();
}

VaultHead Vault::Head() const {
    VaultHead head;
    head.vault = Identity();
    head.descriptor_sha256 = Sha256Hex(descriptor_json_);
    head.digest_key = newest_digest_key_;
    head.digest_sha256 = newest_digest_key_.empty() ? "" : Sha256Hex(newest_digest_json_);
    head.covered_seq = covered_seq_;
    head.sealed_at = newest_digest_end_;
    return head;
}

Status Vault::CheckHead(const VaultHead& head) const {
    std::string problem;
    if (Sha256Hex(descriptor_json_) != head.descriptor_sha256) {
        problem = "vault.json changed since the last seal";
    } else if (newest_digest_key_ != head.digest_key) {
        problem = "its newest digest is " +
                  (newest_digest_key_.empty() ? std::string("missing") : newest_digest_key_) +
                  ", not " + head.digest_key + " (sealed " + head.sealed_at + ")";
    } else if (Sha256Hex(newest_digest_json_) != head.digest_sha256) {
        problem = "its newest digest " + head.digest_key + " is not the file that was sealed";
    }
    if (problem.empty()) {
        return Status::Ok();
    }
    return Status(StatusCode::kFailedPrecondition,
                  "refusing to seal " + Identity() + ": " + problem +
                          ". The vault was truncated, reset or edited, or another key store "
                          "sealed it; run `firebreak evidence verify`");
}

std::vector<const EvidenceEntry*> Vault::Entries(std::string_view case_id) const {
    std::vector<const EvidenceEntry*> out;
    for (const EvidenceEntry& entry : entries_) {
        if (case_id.empty() || entry.case_id == case_id) {
            out.push_back(&entry);
        }
    }
    return out;
}

const EvidenceEntry* Vault::FindByRef(std::string_view ref) const {
    auto it = by_ref_.find(std::string(ref));
    return it == by_ref_.end() ? nullptr : &entries_[it->second];
}

Result<std::string> Vault::ReadObject(const EvidenceEntry& entry) {
    std::optional<StoredObject> stored = backend_->Get(backend_->bucket(), entry.object_key);
    if (!stored.has_value()) {
        return NotFound(entry.object_key + " is missing from the vault");
    }
    if (Sha256Hex(stored->bytes) != entry.sha256) {
        return DataLoss(entry.object_key + ": the bytes do not match their SHA-256");
    }
    return std::move(stored->bytes);
}

}  // namespace firebreak::evidence
