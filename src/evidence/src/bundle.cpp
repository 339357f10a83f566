// File: bundle.cpp
#include "firebreak/evidence/bundle.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/gzip.h"
#include "local_files.h"

namespace firebreak::evidence {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBundleFile = "bundle.json";
constexpr std::string_view kBundleFormat = "firebreak-bundle/1";
constexpr std::string_view kReportFile = "custody-report.md";
constexpr std::string_view kKeysFile = "public-keys.json";

Status CopyObject(VaultBackend& backend, const std::string& key, const fs::path& out) {
    std::optional<StoredObject> object = backend.Get(backend.bucket(), key);
    if (!object.has_value()) {
        return NotFound("cannot read " + key + " from " + backend.Describe());
    }
    std::optional<fs::path> path = internal::SafeJoin(out, key);
    if (!path.has_value()) {
        return InvalidArgument("unusable key " + key);
    }
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(*path, object->bytes));
    if (!object->metadata.empty()) {
        FIREBREAK_RETURN_IF_ERROR(
                internal::WriteFileReplacing(path->string() + std::string(internal::kSidecarSuffix),
                                             internal::SidecarJson(object->metadata)));
    }
    return Status::Ok();
}

void AppendList(std::string* out, std::string_view name, const std::vector<std::string>& keys) {
    out->append(",\"").append(name).append("\":[");
    for (size_t i = 0; i < keys.size(); ++i) {
        out->append(i == 0 ? "\n" : ",\n").append(JsonQuote(keys[i]));
    }
    out->append("]");
}

// Markdown table cells cannot hold '|' or newlines.
std::string Cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        out.append(c == '|' ? "\\|" : c == '\n' ? " " : std::string(1, c));
    }
    return out;
}

std::string CustodyReport(Vault& vault,
                          const std::vector<const EvidenceEntry*>& entries,
                          const std::map<std::string, std::string>& covering_digest,
                          const std::vector<std::pair<std::string, DigestFile>>& digests,
                          const std::vector<PublishedKey>& keys,
                          const VaultVerifyReport& source_report,
                          const ExportOptions& options,
                          const std::string& exported_at,
                          const std::string& bucket) {
    const VaultDescriptor& d = vault.descriptor();
    std::string out;
    out.append("# Chain of custody: case ").append(options.case_id).append("\n\n");
    out.append("Exported ").append(exported_at).append(" by ").append(Cell(options.exported_by));
    out.append(" from the evidence vault `").append(vault.backend().Describe());
    out.append("` (bucket `").append(bucket);
    out.append("`, account ").append(d.account_id).append(", region ").append(d.region);
    out.append(", retention ").append(RetentionModeName(d.retention_mode)).append(" ");
    out.append(std::to_string(d.retention_days)).append(" days).\n\n");

    out.append("## Evidence (").append(std::to_string(entries.size())).append(" items)\n\n");
    out.append(
            "| # | Kind | Name | Collected at | Collected by | Source | SHA-256 | Bytes | "
            "Covered by digest |\n");
    out.append("|---|---|---|---|---|---|---|---|---|\n");
    for (const EvidenceEntry* e : entries) {
        auto digest = covering_digest.find(e->entry_key);
        std::string digest_name = digest == covering_digest.end() ? "(none)" : digest->second;
        size_t slash = digest_name.rfind('/');
        out.append("| ").append(std::to_string(e->seq));
        out.append(" | ").append(Cell(e->kind));
        out.append(" | ").append(Cell(e->name.empty() ? "-" : e->name));
        out.append(" | ").append(e->collected_at);
        out.append(" | ").append(Cell(e->collected_by));
        out.append(" | ").append(Cell(e->source));
        out.append(" | `").append(e->sha256).append("`");
        out.append(" | ").append(std::to_string(e->size));
        out.append(" | ").append(
                Cell(digest_name.substr(slash == std::string::npos ? 0 : slash + 1)));
        out.append(" |\n");
    }
    out.append(
            "\nEach item is stored at `objects/sha256/<first two>/<SHA-256>` (its name is its "
            "hash) and described by `manifest/<#>.json`, which names the SHA-256 of the entry "
            "before it.\n\n");

    out.append("## Digest chain (").append(std::to_string(digests.size())).append(" digests)\n\n");
    out.append("| Digest file | Period | Signing key | Items listed |\n|---|---|---|---|\n");
    for (const auto& [key, digest] : digests) {
        size_t slash = key.rfind('/');
        out.append("| ").append(key.substr(slash + 1));
        out.append(" | ")
                .append(digest.digest_start_time)
                .append(" to ")
                .append(digest.digest_end_time);
        out.append(" | `").append(digest.digest_public_key_fingerprint).append("`");
        out.append(" | ").append(std::to_string(digest.log_files.size())).append(" |\n");
    }
    out.append(
            "\nDigest files are CloudTrail digest files (the same fields, the same SHA256withRSA "
            "signature over the same data-to-sign string, the signature beside each file in "
            "`<file>.sig`). Items of other cases that digests list are left out of this "
            "bundle; `bundle.json` names them and is itself signed.\n\n");

    out.append("## Signing keys\n\n| Fingerprint | Valid from | Valid until |\n|---|---|---|\n");
    for (const PublishedKey& key : keys) {
        out.append("| `").append(key.fingerprint).append("` | ");
        out.append(key.valid_from ? FormatIsoSeconds(*key.valid_from) : "-").append(" | ");
        out.append(key.valid_until ? FormatIsoSeconds(*key.valid_until) : "(current)")
                .append(" |\n");
    }
    out.append(
            "\nCompare these fingerprints with the keys your organisation published "
            "(`public-keys.json` of the key store) before trusting this bundle's copy.\n\n");

    out.append("## Verification at export\n\n");
    out.append("The source vault was verified just before export: ");
    out.append(std::to_string(source_report.digests_valid)).append("/");
    out.append(std::to_string(source_report.digests)).append(" digest files, ");
    out.append(std::to_string(source_report.entries_valid)).append("/");
    out.append(std::to_string(source_report.entries)).append(" manifest entries and ");
    out.append(std::to_string(source_report.objects_valid)).append("/");
    out.append(std::to_string(source_report.objects)).append(" objects valid: ");
    out.append(source_report.ok() ? "**OK**" : "**PROBLEMS FOUND**").append(".\n");
    if (!source_report.ok()) {
        out.append("\n```\n").append(RenderVerifyText(source_report, false)).append("```\n");
    }

    out.append("\n## How to verify this bundle\n\n");
    out.append(
            "With firebreak: `firebreak evidence verify --bundle <this folder>` (add "
            "`--public-keys <published public-keys.json>` to use your own copy of the keys).\n\n");
    out.append("By hand, per digest file, newest first:\n\n");
    out.append("1. `gunzip -c D > d.json`; `sha256sum d.json` gives H.\n");
    out.append(
            "2. The signed string is four lines joined by `\\n` (no final newline): "
            "`digestEndTime`, `digestS3Bucket/digestS3Object`, H, and "
            "`previousDigestSignature` (or `null`).\n");
    out.append(
            "3. `xxd -r -p` the `signature` in `D.sig` into sig.bin and run `openssl dgst "
            "-sha256 -verify key.pem -signature sig.bin signed.txt` with the key whose "
            "fingerprint is `digestPublicKeyFingerprint` (`base64 -d` its `Value` from "
            "public-keys.json, then `openssl rsa -RSAPublicKey_in -inform DER -pubout`).\n");
    out.append("4. H must equal the next newer digest's `previousDigestHashValue`.\n");
    out.append(
            "5. Each `logFiles[].hashValue` is the SHA-256 of that object in this folder "
            "(gunzipped first when it is gzip).\n");
    return out;
}

Result<std::string> ReadIn(const std::string& dir, std::string_view name) {
    return ReadFileToString((fs::path(dir) / std::string(name)).string());
}

}  // namespace

Result<ExportResult> ExportCase(Vault& vault,
                                const PrivateKey& key,
                                const ExportOptions& options,
                                TimePoint now) {
    std::vector<const EvidenceEntry*> entries = vault.Entries(options.case_id);
    if (entries.empty()) {
        return NotFound("the vault has no evidence for case " + options.case_id);
    }
    size_t uncovered = static_cast<size_t>(
            std::count_if(entries.begin(), entries.end(), [&](const EvidenceEntry* e) {
                return !vault.IsCovered(*e);
            }));
    if (uncovered > 0) {
        return Status(StatusCode::kFailedPrecondition,
                      std::to_string(uncovered) + " item(s) of case " + options.case_id +
                              " are not covered by a digest yet (seal the vault first)");
    }
    fs::path out(options.out_dir);
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
        return InvalidArgument(options.out_dir + " is not empty");
    }
    Result<std::vector<PublishedKey>> keys = ParsePublishedKeys(options.published_keys_json);
    if (!keys.has_value()) {
        return keys.error();
    }
    VaultBackend& backend = vault.backend();
    const VaultDescriptor& d = vault.descriptor();
    ExportResult result;
    result.source_report = VerifyVault(backend, d, *keys);

    std::vector<std::string> entry_keys;
    std::vector<std::string> object_keys;
    std::set<std::string> included;
    FIREBREAK_RETURN_IF_ERROR(CopyObject(backend, d.prefix + "vault.json", out));
    included.insert(d.prefix + "vault.json");
    for (const EvidenceEntry* e : entries) {
        FIREBREAK_RETURN_IF_ERROR(CopyObject(backend, e->entry_key, out));
        entry_keys.push_back(e->entry_key);
        included.insert(e->entry_key);
        if (included.insert(e->object_key).second) {
            FIREBREAK_RETURN_IF_ERROR(CopyObject(backend, e->object_key, out));
            object_keys.push_back(e->object_key);
        }
    }
    std::optional<std::vector<std::string>> digest_keys =
            backend.List(backend.bucket(), DigestFolder(d));
    if (!digest_keys.has_value()) {
        return Status(StatusCode::kUnavailable, "cannot list the vault's digests");
    }
    std::vector<std::pair<std::string, DigestFile>> digests;
    std::map<std::string, std::string> covering_digest;
    std::set<std::string> omitted;
    std::vector<std::string> digest_hashes;  // "<key> <sha256 of the uncompressed digest>"
    for (const std::string& digest_key : *digest_keys) {
        FIREBREAK_RETURN_IF_ERROR(CopyObject(backend, digest_key, out));
        std::optional<StoredObject> stored = backend.Get(backend.bucket(), digest_key);
        Result<std::string> json = stored.has_value() ? GzipDecompress(stored->bytes)
                                                      : Result<std::string>(NotFound("gone"));
        Result<DigestFile> digest =
                json.has_value() ? ParseDigest(*json) : Result<DigestFile>(json.error());
        if (!digest.has_value()) {
            continue;  // copied as it is; verification names it
        }
        digest_hashes.push_back(digest_key + " " + Sha256Hex(*json));
        for (const DigestLogFile& log : digest->log_files) {
            if (included.count(log.s3_object) == 0) {
                omitted.insert(log.s3_object);
            } else {
                covering_digest.emplace(log.s3_object, digest_key);
            }
        }
        digests.emplace_back(digest_key, std::move(*digest));
    }
    std::reverse(digests.begin(), digests.end());  // newest first, as verify prints them
    std::string exported_at = FormatIsoSeconds(now);
    std::string report = CustodyReport(vault,
                                       entries,
                                       covering_digest,
                                       digests,
                                       *keys,
                                       result.source_report,
                                       options,
                                       exported_at,
                                       backend.bucket());
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(out / std::string(kReportFile), report));
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(out / std::string(kKeysFile),
                                                           options.published_keys_json));

    std::string fingerprint = key.GetPublicKey().Fingerprint();
    std::string statement = "{\"format\":" + JsonQuote(kBundleFormat);
    statement.append(",\"case\":").append(JsonQuote(options.case_id));
    statement.append(",\"bucket\":").append(JsonQuote(backend.bucket()));
    statement.append(",\"exported_at\":").append(JsonQuote(exported_at));
    statement.append(",\"exported_by\":").append(JsonQuote(options.exported_by));
    statement.append(",\"source\":").append(JsonQuote(backend.Describe()));
    statement.append(",\"fingerprint\":").append(JsonQuote(fingerprint));
    statement.append(",\"custody_report_sha256\":").append(JsonQuote(Sha256Hex(report)));
    AppendList(&statement, "entries", entry_keys);
    AppendList(&statement, "objects", object_keys);
    AppendList(&statement, "omitted", std::vector<std::string>(omitted.begin(), omitted.end()));
    AppendList(&statement, "digests", digest_hashes);
    statement.append("}\n");
    Result<std::string> signature = SignSha256Rsa(key, statement);
    if (!signature.has_value()) {
        return signature.error();
    }
    FIREBREAK_RETURN_IF_ERROR(
            internal::WriteFileReplacing(out / std::string(kBundleFile), statement));
    std::map<std::string, std::string> meta = {{"signature", *signature},
                                               {"signature-algorithm", "SHA256withRSA"},
                                               {"fingerprint", fingerprint}};
    FIREBREAK_RETURN_IF_ERROR(internal::WriteFileReplacing(
            out / (std::string(kBundleFile) + std::string(internal::kSidecarSuffix)),
            internal::SidecarJson(meta)));

    result.entries = entry_keys.size();
    result.objects = object_keys.size();
    result.digests = digests.size();
    result.omitted = omitted.size();
    Result<BundleVerifyReport> check = VerifyBundle(options.out_dir, {});
    if (!check.has_value()) {
        return check.error();
    }
    result.bundle_report = std::move(check->vault);
    return result;
}

Result<BundleVerifyReport> VerifyBundle(const std::string& dir, std::vector<PublishedKey> keys) {
    BundleVerifyReport report;
    Result<std::string> statement = ReadIn(dir, kBundleFile);
    if (!statement.has_value()) {
        return NotFound(dir + " is not an evidence bundle (no bundle.json)");
    }
    Result<event::JsonValue> json = event::ParseJson(*statement);
    if (!json.has_value() || !json->is_object()) {
        return InvalidArgument(dir + "/bundle.json: not a JSON object");
    }
    auto text = [&](std::string_view name) -> std::string {
        const event::JsonValue* v = json->Find(name);
        return v != nullptr && v->is_string() ? v->text : std::string();
    };
    auto list = [&](std::string_view name) {
        std::vector<std::string> out;
        const event::JsonValue* v = json->Find(name);
        if (v != nullptr && v->is_array()) {
            for (const event::JsonValue& item : v->items) {
                if (item.is_string()) {
                    out.push_back(item.text);
                }
            }
        }
        return out;
    };
    if (text("format") != kBundleFormat) {
        return InvalidArgument(dir + "/bundle.json: format is not " + std::string(kBundleFormat));
    }
    BundleInfo& info = report.info;
    info.case_id = text("case");
    info.bucket = text("bucket");
    info.exported_at = text("exported_at");
    info.exported_by = text("exported_by");
    info.fingerprint = text("fingerprint");
    info.custody_report_sha256 = text("custody_report_sha256");
    info.entries = list("entries");
    info.objects = list("objects");
    for (std::string& key : list("omitted")) {
        info.omitted.insert(std::move(key));
    }
    std::vector<std::string> digest_hashes = list("digests");
    if (keys.empty()) {
        report.keys_from_bundle = true;
        Result<std::string> published = ReadIn(dir, kKeysFile);
        if (!published.has_value()) {
            return NotFound(dir + " has no public-keys.json (pass the published keys)");
        }
        Result<std::vector<PublishedKey>> parsed = ParsePublishedKeys(*published);
        if (!parsed.has_value()) {
            return InvalidArgument(dir + "/public-keys.json: " + parsed.error().message());
        }
        keys = std::move(*parsed);
    }
    // The statement: signed by a known key that was valid when the bundle was made.
    Result<std::string> sidecar = ReadIn(dir, std::string(kBundleFile) + ".sig");
    std::map<std::string, std::string> meta = sidecar.has_value()
                                                      ? internal::ParseSidecar(*sidecar)
                                                      : std::map<std::string, std::string>();
    const PublishedKey* signer = nullptr;
    for (const PublishedKey& key : keys) {
        if (key.fingerprint == info.fingerprint) {
            signer = &key;
        }
    }
    std::optional<TimePoint> exported_at = ParseIsoTime(info.exported_at);
    if (meta.count("signature") == 0) {
        report.statement_problem = "bundle.json has no signature (bundle.json.sig)";
    } else if (signer == nullptr) {
        report.statement_problem = "bundle.json is signed by unknown key " + info.fingerprint;
    } else if (!VerifySha256Rsa(signer->key, *statement, meta["signature"])) {
        report.statement_problem = "bundle.json's signature does not verify (edited?)";
    } else if (!exported_at.has_value() || !signer->ValidAt(*exported_at)) {
        report.statement_problem = "bundle.json was signed outside its key's validity period";
    } else {
        Result<std::string> custody = ReadIn(dir, kReportFile);
        if (!custody.has_value() || Sha256Hex(*custody) != info.custody_report_sha256) {
            report.statement_problem = "custody-report.md is missing or was edited";
        }
    }
    // The folder as a vault.
    LocalVaultBackend backend(dir, info.bucket);
    Result<std::string> descriptor_text = ReadIn(dir, "vault.json");
    std::string prefix;
    for (const std::string& key : info.entries) {
        size_t at = key.find("manifest/");
        prefix = at == std::string::npos ? prefix : key.substr(0, at);
    }
    if (!descriptor_text.has_value() && !prefix.empty()) {
        descriptor_text = ReadIn(dir, prefix + "vault.json");
    }
    if (!descriptor_text.has_value()) {
        return NotFound(dir + " has no vault.json");
    }
    Result<VaultDescriptor> descriptor = ParseDescriptor(*descriptor_text);
    if (!descriptor.has_value()) {
        return descriptor.error();
    }
    VaultVerifyOptions options;
    options.omitted = info.omitted;
    report.vault = VerifyVault(backend, *descriptor, keys, options);
    report.vault.vault = dir;
    std::map<std::string, ItemStatus> status;
    for (const VerifyItem& item : report.vault.items) {
        status.emplace(item.key, item.status);
    }
    // Every digest the bundle was made with is still there, unchanged (a dropped digest would
    // otherwise just shorten the chain).
    for (const std::string& line : digest_hashes) {
        size_t space = line.rfind(' ');
        std::string key = line.substr(0, space);
        std::optional<StoredObject> stored = backend.Get(info.bucket, key);
        Result<std::string> inflated = stored.has_value() ? GzipDecompress(stored->bytes)
                                                          : Result<std::string>(NotFound("gone"));
        if (space == std::string::npos || !inflated.has_value() ||
            Sha256Hex(*inflated) != line.substr(space + 1)) {
            ++report.missing_included;
            report.vault.items.push_back(VerifyItem{ItemKind::kDigest,
                                                    key,
                                                    ItemStatus::kMissing,
                                                    "bundle.json lists this digest; it is gone or "
                                                    "changed"});
            ++report.vault.digests;
        }
    }
    for (const std::vector<std::string>* keys_of : {&info.entries, &info.objects}) {
        for (const std::string& key : *keys_of) {
            auto it = status.find(key);
            if (it == status.end() || it->second != ItemStatus::kValid) {
                ++report.missing_included;
            }
        }
    }
    return report;
}

std::string RenderBundleText(const BundleVerifyReport& report, bool verbose) {
    std::string out = "Bundle for case " + report.info.case_id + ", exported " +
                      report.info.exported_at + " by " + report.info.exported_by + "\n";
    out.append("Public keys: ")
            .append(report.keys_from_bundle ? "the bundle's own public-keys.json (compare the "
                                              "fingerprints with the published ones, or pass "
                                              "--public-keys)"
                                            : "as given")
            .append("\n");
    out.append("Statement (bundle.json): ")
            .append(report.statement_problem.empty() ? "signature valid, custody report intact"
                                                     : "INVALID: " + report.statement_problem)
            .append("\n");
    out.append(RenderVerifyText(report.vault, verbose));
    if (report.missing_included > 0) {
        out.append(std::to_string(report.missing_included))
                .append(" item(s) the bundle says it includes did not verify\n");
    }
    out.append(report.ok() ? "BUNDLE OK\n" : "BUNDLE FAILED\n");
    return out;
}

std::string RenderBundleJson(const BundleVerifyReport& report) {
    std::string out = "{\"ok\":";
    out.append(report.ok() ? "true" : "false");
    out.append(",\"case\":").append(JsonQuote(report.info.case_id));
    out.append(",\"exported_at\":").append(JsonQuote(report.info.exported_at));
    out.append(",\"exported_by\":").append(JsonQuote(report.info.exported_by));
    out.append(",\"statement_problem\":").append(JsonQuote(report.statement_problem));
    out.append(",\"missing_included\":").append(std::to_string(report.missing_included));
    std::string vault = RenderVerifyJson(report.vault);
    while (!vault.empty() && vault.back() == '\n') {
        vault.pop_back();
    }
    out.append(",\"vault\":").append(vault).append("}\n");
    return out;
}

}  // namespace firebreak::evidence
