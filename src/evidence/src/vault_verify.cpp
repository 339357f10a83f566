// File: vault_verify.cpp
#include "firebreak/evidence/vault_verify.h"

#include <algorithm>
#include <map>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/validate.h"

namespace firebreak::evidence {

namespace {

ItemStatus FromFileStatus(FileStatus status) {
    switch (status) {
        case FileStatus::kValid:
            return ItemStatus::kValid;
        case FileStatus::kNotFound:
            return ItemStatus::kMissing;
        case FileStatus::kInvalidFormat:
            return ItemStatus::kInvalidFormat;
        case FileStatus::kMoved:
            return ItemStatus::kMoved;
        case FileStatus::kPublicKeyNotFound:
        case FileStatus::kSignatureInvalid:
        case FileStatus::kKeyOutsideWindow:
            return ItemStatus::kSignatureInvalid;
        case FileStatus::kHashMismatch:
            return ItemStatus::kHashMismatch;
        case FileStatus::kChainBroken:
            return ItemStatus::kChainBroken;
    }
    return ItemStatus::kInvalidFormat;
}

constexpr uint64_t kMaxGapScan = 100000;

class Verifier {
public:
    Verifier(VaultBackend& backend,
             const VaultDescriptor& descriptor,
             const std::vector<PublishedKey>& keys,
             const VaultVerifyOptions& options)
        : backend_(backend),
          descriptor_(descriptor),
          keys_(keys),
          options_(options) {
        report_.vault = backend.Describe();
    }

    VaultVerifyReport Run() {
        std::string manifest_prefix = descriptor_.prefix + "manifest/";
        std::string object_prefix = descriptor_.prefix + "objects/";
        std::vector<std::string> digest_keys = ListOrEmpty(DigestFolder(descriptor_));
        if (!digest_keys.empty()) {
            WalkChain(digest_keys.back(), manifest_prefix);
        }
        if (options_.expected_head.has_value()) {
            CheckHead(*options_.expected_head);
        }
        for (const std::string& key : digest_keys) {
            if (walked_digests_.count(key) == 0) {
                Add(ItemKind::kDigest,
                    key,
                    ItemStatus::kNotInChain,
                    "the backwards walk from the newest digest never reaches it");
            }
        }
        CheckManifest(ListOrEmpty(manifest_prefix));
        for (const std::string& key : ListOrEmpty(object_prefix)) {
            if (seen_.count(key) == 0 && referenced_objects_.count(key) == 0) {
                // Bytes without a manifest entry claim nothing (a write interrupted between the
                // object and its entry leaves one); they are listed, not counted as a problem.
                Add(ItemKind::kObject,
                    key,
                    ItemStatus::kUnreferenced,
                    "no manifest entry names it and no digest lists it");
            } else if (seen_.count(key) == 0) {
                std::optional<StoredObject> object = backend_.Get(backend_.bucket(), key);
                size_t slash = key.rfind('/');
                bool named_right =
                        object.has_value() && Sha256Hex(object->bytes) == key.substr(slash + 1);
                Add(ItemKind::kObject,
                    key,
                    ItemStatus::kNotCovered,
                    named_right ? "no digest lists it (its bytes match its name)"
                                : "no digest lists it, and its bytes do not match its name");
            }
        }
        std::stable_sort(report_.items.begin(),
                         report_.items.end(),
                         [](const VerifyItem& a, const VerifyItem& b) { return a.kind < b.kind; });
        return std::move(report_);
    }

private:
    std::vector<std::string> ListOrEmpty(const std::string& prefix) {
        std::optional<std::vector<std::string>> keys = backend_.List(backend_.bucket(), prefix);
        if (!keys.has_value()) {
            Add(ItemKind::kObject,
                prefix,
                ItemStatus::kMissing,
                "cannot list " + prefix + ": the check is incomplete");
            return {};
        }
        return std::move(*keys);
    }

    void WalkChain(const std::string& newest, const std::string& manifest_prefix) {
        std::map<std::string, PublicKey> by_fingerprint;
        ValidateOptions options;
        options.region = descriptor_.region;
        options.require_gzip = false;
        for (const PublishedKey& key : keys_) {
            by_fingerprint.insert_or_assign(key.fingerprint, key.key.Clone());
            options.key_windows[key.fingerprint] = KeyWindow{key.valid_from, key.valid_until};
        }
        report_.newest_digest = newest;
        ValidationReport chain = ValidateChain(
                backend_, ObjectLocation{backend_.bucket(), newest}, by_fingerprint, options);
        report_.oldest_start_time = chain.oldest_start_time;
        report_.newest_end_time = chain.newest_end_time;
        for (FileResult& file : chain.files) {
            ItemKind kind = file.kind == FileKind::kDigest          ? ItemKind::kDigest
                            : file.key.starts_with(manifest_prefix) ? ItemKind::kEntry
                                                                    : ItemKind::kObject;
            if (kind == ItemKind::kDigest) {
                walked_digests_.insert(file.key);
            }
            ItemStatus status = FromFileStatus(file.status);
            std::string detail = file.message == "valid" ? file.detail
                                 : file.detail.empty()   ? file.message
                                                         : file.message + " (" + file.detail + ")";
            if (status == ItemStatus::kMissing && options_.omitted.count(file.key) > 0) {
                status = ItemStatus::kOmitted;
                detail = "left out of this bundle";
            }
            Add(kind, file.key, status, std::move(detail));
        }
    }

    // Everything up to the writer's last seal must still be here, as it was sealed.
    void CheckHead(const VaultHead& head) {
        std::string descriptor_key = descriptor_.prefix + "vault.json";
        std::optional<StoredObject> descriptor = backend_.Get(backend_.bucket(), descriptor_key);
        if (!descriptor.has_value() || Sha256Hex(descriptor->bytes) != head.descriptor_sha256) {
            Add(ItemKind::kObject,
                descriptor_key,
                ItemStatus::kHashMismatch,
                "vault.json is not the one sealed last (" + head.sealed_at + ")");
        }
        if (head.digest_key.empty()) {
            return;
        }
        if (walked_digests_.count(head.digest_key) == 0) {
            Add(ItemKind::kDigest,
                head.digest_key,
                ItemStatus::kMissing,
                "the newest digest sealed (" + head.sealed_at +
                        ") is not in the vault's chain: the vault was truncated or its chain "
                        "reset");
            return;
        }
        std::optional<StoredObject> stored = backend_.Get(backend_.bucket(), head.digest_key);
        Result<std::string> json = stored.has_value() ? GzipDecompress(stored->bytes)
                                                      : Result<std::string>(NotFound("gone"));
        if (!json.has_value() || Sha256Hex(*json) != head.digest_sha256) {
            Add(ItemKind::kDigest,
                head.digest_key,
                ItemStatus::kHashMismatch,
                "not the digest that was sealed (" + head.sealed_at + ")");
        }
    }

    void CheckManifest(const std::vector<std::string>& keys) {
        std::map<uint64_t, EvidenceEntry> entries;
        for (const std::string& key : keys) {
            std::optional<StoredObject> stored = backend_.Get(backend_.bucket(), key);
            Result<EvidenceEntry> entry = stored.has_value()
                                                  ? ParseEntry(stored->bytes)
                                                  : Result<EvidenceEntry>(NotFound("unreadable"));
            if (!entry.has_value() || EntryKey(descriptor_.prefix, entry->seq) != key) {
                if (seen_.count(key) == 0) {
                    Add(ItemKind::kEntry,
                        key,
                        ItemStatus::kInvalidFormat,
                        entry.has_value() ? "its seq does not match its key"
                                          : entry.error().message());
                }
                continue;
            }
            if (seen_.count(key) == 0) {
                Add(ItemKind::kEntry, key, ItemStatus::kNotCovered, "no digest lists it");
            }
            if (entry->object_key != ObjectKey(descriptor_.prefix, entry->sha256)) {
                Add(ItemKind::kEntry,
                    key,
                    ItemStatus::kInvalidFormat,
                    "object " + entry->object_key + " is not the content address of sha256 " +
                            entry->sha256);
            } else if (options_.omitted.count(entry->object_key) == 0 &&
                       !(entry->uncompressed_sha256.empty() && Valid(key) &&
                         Valid(entry->object_key))) {
                // (Skipped when the chain walk already hashed these very bytes: a plain object
                // and its entry both valid under a digest, which listed the entry's SHA-256.)
                // The stored bytes themselves (digests list an inflated hash for gzip objects,
                // so a re-compressed object is only caught here).
                std::optional<StoredObject> object =
                        backend_.Get(backend_.bucket(), entry->object_key);
                if (!object.has_value()) {
                    Add(ItemKind::kObject,
                        entry->object_key,
                        ItemStatus::kMissing,
                        "named by " + key);
                } else if (Sha256Hex(object->bytes) != entry->sha256) {
                    Add(ItemKind::kObject,
                        entry->object_key,
                        ItemStatus::kHashMismatch,
                        "its bytes are not the SHA-256 that " + key + " names");
                }
            }
            referenced_objects_.insert(entry->object_key);
            entries.emplace(entry->seq, std::move(*entry));
        }
        // The manifest's own chain: 1, 2, 3... each naming the hash of the one before.
        uint64_t expected = 1;
        const EvidenceEntry* previous = nullptr;
        for (const auto& [seq, entry] : entries) {
            if (expected < seq) {
                // A gap: each missing entry a digest listed is already named; the rest is one
                // item (a hostile sequence number must not make a billion).
                uint64_t unnamed = 0;
                std::string first;
                for (uint64_t n = expected; n < seq && n < expected + kMaxGapScan; ++n) {
                    std::string key = EntryKey(descriptor_.prefix, n);
                    if (seen_.count(key) == 0 && options_.omitted.count(key) == 0) {
                        ++unnamed;
                        if (first.empty()) {
                            first = key;
                        }
                    }
                }
                if (seq - expected > kMaxGapScan || unnamed > 0) {
                    Add(ItemKind::kEntry,
                        first.empty() ? EntryKey(descriptor_.prefix, expected) : first,
                        ItemStatus::kMissing,
                        "the manifest jumps from entry " + std::to_string(expected - 1) + " to " +
                                std::to_string(seq) + " (" + std::to_string(seq - expected) +
                                " missing)");
                }
                previous = nullptr;
                expected = seq;
            }
            if (previous != nullptr && entry.previous_entry_sha256 != Sha256Hex(previous->json)) {
                Add(ItemKind::kEntry,
                    entry.entry_key.empty() ? EntryKey(descriptor_.prefix, seq) : entry.entry_key,
                    ItemStatus::kChainBroken,
                    "previous_entry_sha256 does not match entry " + std::to_string(seq - 1));
            } else if (seq == 1 && !entry.previous_entry_sha256.empty()) {
                Add(ItemKind::kEntry,
                    EntryKey(descriptor_.prefix, seq),
                    ItemStatus::kChainBroken,
                    "the first entry names a previous entry");
            }
            previous = &entry;
            expected = seq + 1;
        }
    }

    bool Valid(const std::string& key) const {
        auto it = seen_.find(key);
        return it != seen_.end() && report_.items[it->second].status == ItemStatus::kValid;
    }

    // Records an item. A key already recorded keeps its first problem; a later problem replaces
    // "valid" or "not covered" (the more specific finding wins).
    void Add(ItemKind kind, const std::string& key, ItemStatus status, std::string detail) {
        auto [it, inserted] = seen_.emplace(key, report_.items.size());
        if (!inserted) {
            VerifyItem& existing = report_.items[it->second];
            bool replaceable =
                    existing.status == ItemStatus::kValid ||
                    (existing.status == ItemStatus::kNotCovered && status != ItemStatus::kOmitted);
            if (replaceable && status != ItemStatus::kValid && status != existing.status) {
                Count(existing, -1);
                existing.status = status;
                existing.detail = std::move(detail);
                Count(existing, +1);
            }
            return;
        }
        report_.items.push_back(VerifyItem{kind, key, status, std::move(detail)});
        Count(report_.items.back(), +1);
    }

    void Count(const VerifyItem& item, int delta) {
        auto bump = [delta](size_t* n) {
            *n = static_cast<size_t>(static_cast<long>(*n) + delta);
        };
        bool valid = item.status == ItemStatus::kValid;
        if (item.status == ItemStatus::kOmitted) {
            bump(&report_.omitted);
            return;
        }
        if (item.status == ItemStatus::kUnreferenced) {
            bump(&report_.unreferenced);
            return;
        }
        switch (item.kind) {
            case ItemKind::kDigest:
                bump(&report_.digests);
                if (valid)
                    bump(&report_.digests_valid);
                break;
            case ItemKind::kEntry:
                bump(&report_.entries);
                if (valid)
                    bump(&report_.entries_valid);
                break;
            case ItemKind::kObject:
                bump(&report_.objects);
                if (valid)
                    bump(&report_.objects_valid);
                break;
        }
    }

    VaultBackend& backend_;
    const VaultDescriptor& descriptor_;
    const std::vector<PublishedKey>& keys_;
    const VaultVerifyOptions& options_;
    VaultVerifyReport report_;
    std::set<std::string> walked_digests_;
    std::map<std::string, size_t> seen_;        // key -> index in report_.items
    std::set<std::string> referenced_objects_;  // object keys manifest entries name
};

void AppendCount(std::string_view name, size_t valid, size_t total, std::string* out) {
    out->append(std::to_string(valid)).append("/").append(std::to_string(total)).append(" ");
    out->append(name).append(" valid");
    if (valid < total) {
        out->append(", ").append(std::to_string(total - valid)).append(" INVALID");
    }
    out->push_back('\n');
}

}  // namespace

std::string_view ItemKindName(ItemKind kind) {
    switch (kind) {
        case ItemKind::kDigest:
            return "digest";
        case ItemKind::kEntry:
            return "entry";
        case ItemKind::kObject:
            return "object";
    }
    return "object";
}

std::string_view ItemStatusName(ItemStatus status) {
    switch (status) {
        case ItemStatus::kValid:
            return "valid";
        case ItemStatus::kHashMismatch:
            return "hash mismatch";
        case ItemStatus::kSignatureInvalid:
            return "signature invalid";
        case ItemStatus::kMissing:
            return "missing";
        case ItemStatus::kNotCovered:
            return "not covered";
        case ItemStatus::kInvalidFormat:
            return "invalid format";
        case ItemStatus::kMoved:
            return "moved";
        case ItemStatus::kChainBroken:
            return "chain broken";
        case ItemStatus::kNotInChain:
            return "not in chain";
        case ItemStatus::kOmitted:
            return "omitted";
        case ItemStatus::kUnreferenced:
            return "unreferenced";
    }
    return "invalid format";
}

size_t VaultVerifyReport::problems() const {
    return (digests - digests_valid) + (entries - entries_valid) + (objects - objects_valid);
}

VaultVerifyReport VerifyVault(VaultBackend& backend,
                              const VaultDescriptor& descriptor,
                              const std::vector<PublishedKey>& keys,
                              const VaultVerifyOptions& options) {
    return Verifier(backend, descriptor, keys, options).Run();
}

std::string RenderVerifyText(const VaultVerifyReport& report, bool verbose) {
    static constexpr std::string_view kLabels[] = {"Digest file", "Manifest entry", "Object"};
    std::string out;
    for (const VerifyItem& item : report.items) {
        if ((item.status == ItemStatus::kValid || item.status == ItemStatus::kOmitted ||
             item.status == ItemStatus::kUnreferenced) &&
            !verbose) {
            continue;
        }
        out.append(kLabels[static_cast<size_t>(item.kind)]).append("\t");
        out.append(item.key).append("\t");
        if (item.status == ItemStatus::kValid || item.status == ItemStatus::kOmitted ||
            item.status == ItemStatus::kUnreferenced) {
            out.append(ItemStatusName(item.status));
        } else {
            out.append("INVALID: ").append(ItemStatusName(item.status));
        }
        if (!item.detail.empty() && item.status != ItemStatus::kValid) {
            out.append(": ").append(item.detail);
        }
        out.push_back('\n');
    }
    out.append("\nVault ").append(report.vault);
    if (report.newest_digest.empty()) {
        out.append(": no digest files\n");
    } else {
        out.append(", digests from ")
                .append(report.oldest_start_time)
                .append(" to ")
                .append(report.newest_end_time)
                .append(":\n");
    }
    AppendCount("digest files", report.digests_valid, report.digests, &out);
    AppendCount("manifest entries", report.entries_valid, report.entries, &out);
    AppendCount("objects", report.objects_valid, report.objects, &out);
    if (report.unreferenced > 0) {
        out.append(std::to_string(report.unreferenced))
                .append(" object(s) no entry names (interrupted writes; not evidence)\n");
    }
    if (report.omitted > 0) {
        out.append(std::to_string(report.omitted))
                .append(" left out of this bundle (other cases)\n");
    }
    out.append(report.ok() ? "OK: every item verified\n"
                           : "FAILED: " + std::to_string(report.problems()) + " problem(s)" +
                                     (report.digests_valid == 0 && report.entries > 0
                                              ? ", and no valid digest"
                                              : "") +
                                     "\n");
    return out;
}

std::string RenderVerifyJson(const VaultVerifyReport& report) {
    std::string out = "{\"ok\":";
    out.append(report.ok() ? "true" : "false");
    out.append(",\"vault\":").append(JsonQuote(report.vault));
    out.append(",\"newest_digest\":").append(JsonQuote(report.newest_digest));
    out.append(",\"from\":").append(JsonQuote(report.oldest_start_time));
    out.append(",\"to\":").append(JsonQuote(report.newest_end_time));
    auto counts = [&out](std::string_view name, size_t total, size_t valid) {
        out.append(",\"").append(name).append("\":{\"total\":").append(std::to_string(total));
        out.append(",\"valid\":").append(std::to_string(valid)).append("}");
    };
    counts("digests", report.digests, report.digests_valid);
    counts("entries", report.entries, report.entries_valid);
    counts("objects", report.objects, report.objects_valid);
    out.append(",\"omitted\":").append(std::to_string(report.omitted));
    out.append(",\"items\":[");
    for (size_t i = 0; i < report.items.size(); ++i) {
        const VerifyItem& item = report.items[i];
        out.append(i == 0 ? "" : ",")
                .append("{\"kind\":")
                .append(JsonQuote(ItemKindName(item.kind)));
        out.append(",\"key\":").append(JsonQuote(item.key));
        out.append(",\"status\":").append(JsonQuote(ItemStatusName(item.status)));
        out.append(",\"detail\":").append(JsonQuote(item.detail)).append("}");
    }
    out.append("]}\n");
    return out;
}

}  // namespace firebreak::evidence
