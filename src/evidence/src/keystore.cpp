// File: keystore.cpp
#include "firebreak/evidence/keystore.h"

#include <cmath>
#include <filesystem>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"
#include "local_files.h"

namespace firebreak::evidence {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kIndexFile = "keys.json";
constexpr std::string_view kPublishedFile = "public-keys.json";

// A time in a ListPublicKeys reply: epoch seconds (the JSON API) or ISO text (the CLI's output).
Result<std::optional<TimePoint>> ReadTime(const event::JsonValue* value, const std::string& path) {
    if (value == nullptr || value->type == event::JsonValue::Type::kNull) {
        return std::optional<TimePoint>();
    }
    if (value->is_number()) {
        ParsedNumber number;
        // Epoch seconds from 1970 to 2262: the clock counts nanoseconds in 64 bits, so a later
        // time point would overflow.
        constexpr double kLimit = static_cast<double>(
                std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max())
                        .count() -
                1);
        if (!ParseJsonNumber(value->text, &number) || !std::isfinite(number.value) ||
            number.value < 0 || number.value > kLimit) {
            return InvalidArgument(path + ": not a time");
        }
        auto seconds = std::chrono::duration<double>(number.value);
        return std::optional<TimePoint>(TimePoint(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(seconds)));
    }
    if (value->is_string()) {
        std::optional<TimePoint> t = ParseIsoTime(value->text);
        if (!t.has_value()) {
            return InvalidArgument(path + ": \"" + value->text + "\" is not an ISO-8601 time");
        }
        return std::optional<TimePoint>(*t);
    }
    return InvalidArgument(path + ": expected a time (a number or a string)");
}

Status WriteAtomically(const fs::path& path, std::string_view bytes) {
    fs::path temp = path.string() + ".new";
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(temp, bytes));
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        return Status(StatusCode::kUnavailable,
                      "cannot replace " + path.string() + ": " + ec.message());
    }
    return Status::Ok();
}

}  // namespace

bool PublishedKey::ValidAt(TimePoint t) const {
    return (!valid_from.has_value() || *valid_from <= t) &&
           (!valid_until.has_value() || t <= *valid_until);
}

Result<std::vector<PublishedKey>> ParsePublishedKeys(std::string_view json) {
    Result<event::JsonValue> root = event::ParseJson(json);
    if (!root.has_value()) {
        return InvalidArgument("public key list is not JSON: " + root.error().message());
    }
    const event::JsonValue* list = root->is_object() ? root->Find("PublicKeyList") : nullptr;
    if (list == nullptr || !list->is_array()) {
        return InvalidArgument("PublicKeyList: expected an array");
    }
    std::vector<PublishedKey> keys;
    for (size_t i = 0; i < list->items.size(); ++i) {
        const event::JsonValue& item = list->items[i];
        std::string path = "PublicKeyList[" + std::to_string(i) + "]";
        if (!item.is_object()) {
            return InvalidArgument(path + ": expected an object");
        }
        const event::JsonValue* value = item.Find("Value");
        const event::JsonValue* fingerprint = item.Find("Fingerprint");
        if (value == nullptr || !value->is_string()) {
            return InvalidArgument(path + ".Value: expected a string");
        }
        if (fingerprint == nullptr || !fingerprint->is_string() || fingerprint->text.empty()) {
            return InvalidArgument(path + ".Fingerprint: expected a non-empty string");
        }
        Result<PublicKey> key = PublicKey::FromDerBase64(value->text);
        if (!key.has_value()) {
            return InvalidArgument(path + ".Value: " + key.error().message());
        }
        Result<std::optional<TimePoint>> from =
                ReadTime(item.Find("ValidityStartTime"), path + ".ValidityStartTime");
        if (!from.has_value()) {
            return from.error();
        }
        Result<std::optional<TimePoint>> until =
                ReadTime(item.Find("ValidityEndTime"), path + ".ValidityEndTime");
        if (!until.has_value()) {
            return until.error();
        }
        keys.push_back(PublishedKey{fingerprint->text, std::move(*key), *from, *until});
    }
    return keys;
}

Result<KeyStore> KeyStore::Open(std::string folder) {
    KeyStore store(std::move(folder));
    fs::path index = fs::path(store.folder_) / std::string(kIndexFile);
    Result<std::string> text = ReadFileToString(index.string());
    if (!text.has_value()) {
        if (text.error().code() == StatusCode::kNotFound) {
            return store;
        }
        return text.error();
    }
    Result<event::JsonValue> root = event::ParseJson(*text);
    if (!root.has_value()) {
        return InvalidArgument(index.string() + ": " + root.error().message());
    }
    const event::JsonValue* list = root->is_object() ? root->Find("keys") : nullptr;
    if (list == nullptr || !list->is_array()) {
        return InvalidArgument(index.string() + ": keys: expected an array");
    }
    for (size_t i = 0; i < list->items.size(); ++i) {
        const event::JsonValue& item = list->items[i];
        std::string path = index.string() + ": keys[" + std::to_string(i) + "]";
        KeyRecord record;
        auto text_of = [&](std::string_view name, std::string* out) -> Status {
            const event::JsonValue* v = item.is_object() ? item.Find(name) : nullptr;
            if (v == nullptr || !v->is_string()) {
                return InvalidArgument(path + "." + std::string(name) + ": expected a string");
            }
            *out = v->text;
            return Status::Ok();
        };
        FIREBREAK_RETURN_IF_ERROR(text_of("fingerprint", &record.fingerprint));
        FIREBREAK_RETURN_IF_ERROR(text_of("created_at", &record.created_at));
        FIREBREAK_RETURN_IF_ERROR(text_of("valid_from", &record.valid_from));
        const event::JsonValue* until = item.Find("valid_until");
        if (until != nullptr && until->is_string()) {
            record.valid_until = until->text;
        } else if (until != nullptr && until->type != event::JsonValue::Type::kNull) {
            return InvalidArgument(path + ".valid_until: expected a string or null");
        }
        store.keys_.push_back(std::move(record));
    }
    // keys.json is written before public-keys.json: after a crash between the two, the published
    // list is brought up to date here.
    Result<std::string> published = store.PublishedJson();
    Result<std::string> on_disk =
            ReadFileToString((fs::path(store.folder_) / std::string(kPublishedFile)).string());
    if (!store.keys_.empty() && published.has_value() &&
        (!on_disk.has_value() || *on_disk != *published)) {
        FIREBREAK_RETURN_IF_ERROR(
                WriteAtomically(fs::path(store.folder_) / std::string(kPublishedFile), *published));
    }
    return store;
}

const KeyRecord* KeyStore::CurrentRecord() const {
    for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
        if (!it->valid_until.has_value()) {
            return &*it;
        }
    }
    return nullptr;
}

Result<PrivateKey> KeyStore::Current() const {
    const KeyRecord* record = CurrentRecord();
    if (record == nullptr) {
        return Status(StatusCode::kFailedPrecondition,
                      "no current signing key in " + folder_ +
                              " (create one with `firebreak evidence keys rotate --keys " +
                              folder_ + "`)");
    }
    fs::path pem = fs::path(folder_) / (record->fingerprint + ".private.pem");
    Result<std::string> text = ReadFileToString(pem.string());
    if (!text.has_value()) {
        return text.error();
    }
    Result<PrivateKey> key = PrivateKey::FromPem(*text);
    if (!key.has_value()) {
        return InvalidArgument(pem.string() + ": " + key.error().message());
    }
    return key;
}

Result<std::string> KeyStore::Rotate(TimePoint now, int bits) {
    Result<PrivateKey> key = PrivateKey::Generate(bits);
    if (!key.has_value()) {
        return key.error();
    }
    std::error_code ec;
    bool existed = fs::exists(folder_, ec);
    fs::create_directories(folder_, ec);
    if (ec) {
        return Status(StatusCode::kUnavailable, "cannot create " + folder_ + ": " + ec.message());
    }
    if (!existed) {
        fs::permissions(folder_, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    PublicKey public_key = key->GetPublicKey();
    std::string fingerprint = public_key.Fingerprint();
    fs::path base = fs::path(folder_) / fingerprint;
    FIREBREAK_RETURN_IF_ERROR(
            internal::CreateFileOnce(base.string() + ".private.pem", key->ToPem(), 0600));
    FIREBREAK_RETURN_IF_ERROR(
            internal::CreateFileOnce(base.string() + ".public.pem", public_key.ToPem(), 0644));
    std::string at = FormatIsoSeconds(now);
    for (KeyRecord& record : keys_) {
        if (!record.valid_until.has_value()) {
            record.valid_until = at;
        }
    }
    keys_.push_back(KeyRecord{fingerprint, at, at, std::nullopt});
    FIREBREAK_RETURN_IF_ERROR(Save());
    return fingerprint;
}

Status KeyStore::Save() const {
    std::string index = "{\"keys\":[";
    for (size_t i = 0; i < keys_.size(); ++i) {
        const KeyRecord& record = keys_[i];
        index.append(i == 0 ? "\n" : ",\n");
        index.append("{\"fingerprint\":").append(JsonQuote(record.fingerprint));
        index.append(",\"created_at\":").append(JsonQuote(record.created_at));
        index.append(",\"valid_from\":").append(JsonQuote(record.valid_from));
        index.append(",\"valid_until\":")
                .append(record.valid_until ? JsonQuote(*record.valid_until) : "null");
        index.append("}");
    }
    index.append("\n]}\n");
    FIREBREAK_RETURN_IF_ERROR(WriteAtomically(fs::path(folder_) / std::string(kIndexFile), index));
    Result<std::string> published = PublishedJson();
    if (!published.has_value()) {
        return published.error();
    }
    return WriteAtomically(fs::path(folder_) / std::string(kPublishedFile), *published);
}

namespace {

fs::path HeadPath(const std::string& folder, std::string_view vault_identity) {
    return fs::path(folder) / "heads" / (Sha256Hex(vault_identity).substr(0, 32) + ".json");
}

}  // namespace

Result<std::optional<VaultHead>> KeyStore::ReadHead(std::string_view vault_identity) const {
    fs::path path = HeadPath(folder_, vault_identity);
    Result<std::string> text = ReadFileToString(path.string());
    if (!text.has_value()) {
        if (text.error().code() == StatusCode::kNotFound) {
            return std::optional<VaultHead>();
        }
        return text.error();
    }
    Result<VaultHead> head = ParseHead(*text);
    if (!head.has_value()) {
        return InvalidArgument(path.string() + ": " + head.error().message());
    }
    if (head->vault != vault_identity) {
        return InvalidArgument(path.string() + " is the head of " + head->vault);
    }
    return std::optional<VaultHead>(std::move(*head));
}

Status KeyStore::WriteHead(const VaultHead& head) const {
    return WriteAtomically(HeadPath(folder_, head.vault), SerializeHead(head));
}

Result<std::string> KeyStore::PublishedJson() const {
    std::string out = "{\"PublicKeyList\":[";
    for (size_t i = 0; i < keys_.size(); ++i) {
        const KeyRecord& record = keys_[i];
        fs::path pem = fs::path(folder_) / (record.fingerprint + ".public.pem");
        Result<std::string> text = ReadFileToString(pem.string());
        if (!text.has_value()) {
            return text.error();
        }
        Result<PublicKey> key = PublicKey::FromPem(*text);
        if (!key.has_value()) {
            return InvalidArgument(pem.string() + ": " + key.error().message());
        }
        out.append(i == 0 ? "\n" : ",\n");
        out.append("{\"Value\":").append(JsonQuote(key->ToDerBase64()));
        out.append(",\"ValidityStartTime\":").append(JsonQuote(record.valid_from));
        out.append(",\"ValidityEndTime\":")
                .append(record.valid_until ? JsonQuote(*record.valid_until) : "null");
        out.append(",\"Fingerprint\":").append(JsonQuote(record.fingerprint));
        out.append("}");
    }
    out.append("\n]}\n");
    return out;
}

}  // namespace firebreak::evidence
