// File: vault_cmd.cpp
#include "vault_cmd.h"

#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "firebreak/core/file.h"
#include "firebreak/core/time.h"
#include "firebreak/evidence/bundle.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/evidence/vault_verify.h"
#include "firebreak/response/playbook.h"

namespace firebreak::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

using Clock = std::chrono::system_clock;

void AddCommonFlags(CLI::App* cmd, VaultArgs* args, bool keys_too) {
    cmd->add_option("--config,-c",
                    args->config,
                    "Config file; its `evidence:` section names the vault and the key store");
    cmd->add_option("--vault",
                    args->vault,
                    "The vault: a folder (default firebreak-state/vault) or s3://bucket[/prefix]");
    cmd->add_option("--endpoint-url", args->aws.endpoint_url, "S3 endpoint (an s3:// vault)");
    cmd->add_option("--region", args->aws.region, "AWS region (an s3:// vault)");
    cmd->add_option("--profile", args->aws.profile, "AWS profile (an s3:// vault)");
    if (keys_too) {
        cmd->add_option("--evidence-keys,--keys",
                        args->keys,
                        "The signing key store (default firebreak-state/evidence-keys)");
    }
}

// The settings from --config, then the flags.
bool Settings(const VaultArgs& args, VaultSettings* settings) {
    if (!args.config.empty()) {
        Diagnostics diags;
        bool ok = LoadVaultSettingsFile(args.config, settings, &diags);
        for (const Diagnostic& d : diags.items()) {
            std::fprintf(stderr, "%s\n", d.ToString().c_str());
        }
        if (!ok) {
            return false;
        }
    }
    if (!args.vault.empty()) {
        settings->vault = args.vault;
    }
    if (!args.keys.empty()) {
        settings->keys = args.keys;
    }
    return true;
}

std::string Whoami() {
    const char* user = std::getenv("USER");
    std::string name = user != nullptr ? user : "";
    if (name.empty()) {
        if (const passwd* pw = ::getpwuid(::getuid())) {
            name = pw->pw_name;
        }
    }
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    return (name.empty() ? "unknown" : name) + "@" + host;
}

// The AWS flags of the command being run (RunVaultCommands sets it).
const AwsFlags* g_aws_flags = nullptr;

Result<std::unique_ptr<evidence::Vault>> Open(const VaultSettings& settings, bool create) {
    std::optional<aws::AwsClient> client;
    if (IsS3Location(settings.vault)) {
        Result<aws::AwsClient> made =
                MakeCliAwsClient(g_aws_flags != nullptr ? *g_aws_flags : AwsFlags{});
        if (!made) {
            return made.error();
        }
        client = std::move(*made);
    }
    Result<std::unique_ptr<evidence::Vault>> vault =
            OpenVault(settings, client ? &*client : nullptr, create, Clock::now());
    if (vault) {
        for (const std::string& warning : (*vault)->warnings()) {
            std::fprintf(
                    stderr, "firebreak: vault %s: %s\n", settings.vault.c_str(), warning.c_str());
        }
    }
    return vault;
}

int Fail(const Status& status) {
    std::fprintf(stderr, "firebreak: %s\n", status.message().c_str());
    return status.code() == StatusCode::kDataLoss ? kExitProblem : kExitUsage;
}

int RunKeysRotate(const VaultSettings& settings) {
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return Fail(store.error());
    }
    const evidence::KeyRecord* previous = store->CurrentRecord();
    std::string previous_fingerprint = previous != nullptr ? previous->fingerprint : "";
    Result<std::string> fingerprint = store->Rotate(Clock::now());
    if (!fingerprint) {
        return Fail(fingerprint.error());
    }
    if (!previous_fingerprint.empty()) {
        std::printf("retired %s (valid until %s)\n",
                    previous_fingerprint.c_str(),
                    store->keys()[store->keys().size() - 2].valid_until->c_str());
    }
    std::printf("current %s (valid from %s)\npublish %s/public-keys.json\n",
                fingerprint->c_str(),
                store->keys().back().valid_from.c_str(),
                settings.keys.c_str());
    return kExitOk;
}

int RunKeysPublish(const VaultSettings& settings, const std::string& out) {
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return Fail(store.error());
    }
    if (store->keys().empty()) {
        std::fprintf(
                stderr,
                "firebreak: %s has no keys (create one with `firebreak evidence keys rotate`)\n",
                settings.keys.c_str());
        return kExitUsage;
    }
    Result<std::string> published = store->PublishedJson();
    if (!published) {
        return Fail(published.error());
    }
    if (out.empty() || out == "-") {
        std::fputs(published->c_str(), stdout);
        return kExitOk;
    }
    std::FILE* f = std::fopen(out.c_str(), "wb");
    if (f == nullptr ||
        std::fwrite(published->data(), 1, published->size(), f) != published->size()) {
        if (f != nullptr) {
            std::fclose(f);
        }
        std::fprintf(stderr, "firebreak: cannot write %s\n", out.c_str());
        return kExitUsage;
    }
    std::fclose(f);
    return kExitOk;
}

int RunAdd(const VaultSettings& settings, const VaultArgs& args) {
    if (args.file.empty() == args.text.empty()) {
        std::fprintf(stderr, "firebreak: evidence add needs exactly one of --file and --text\n");
        return kExitUsage;
    }
    std::string bytes = args.text;
    if (!args.file.empty()) {
        Result<std::string> read = ReadFileToString(args.file, size_t{4} << 30);
        if (!read) {
            return Fail(read.error());
        }
        bytes = std::move(*read);
    }
    Clock::time_point now = Clock::now();
    evidence::EvidenceInput input;
    input.case_id = args.case_id;
    input.kind = args.kind;
    input.source = !args.source.empty() ? args.source
                   : !args.file.empty() ? "file:" + args.file
                                        : "cli";
    input.collected_by = args.collected_by.empty() ? Whoami() : args.collected_by;
    input.collected_at = now;
    if (!args.collected_at.empty()) {
        std::optional<Clock::time_point> at = ParseIsoTime(args.collected_at);
        if (!at) {
            std::fprintf(stderr,
                         "firebreak: --collected-at '%s' is not an ISO-8601 time\n",
                         args.collected_at.c_str());
            return kExitUsage;
        }
        input.collected_at = *at;
    }
    input.name = args.name.empty() && !args.file.empty()
                         ? std::filesystem::path(args.file).filename().string()
                         : args.name;
    input.media_type = args.media_type.empty()
                               ? (args.text.empty() ? "application/octet-stream" : "text/plain")
                               : args.media_type;
    Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, true);
    if (!vault) {
        return Fail(vault.error());
    }
    Result<evidence::EvidenceEntry> entry = (*vault)->Add(input, bytes, now);
    if (!entry) {
        return Fail(entry.error());
    }
    std::printf("added #%llu %s %s (%llu bytes) to case %s\n",
                static_cast<unsigned long long>(entry->seq),
                entry->kind.c_str(),
                entry->sha256.c_str(),
                static_cast<unsigned long long>(entry->size),
                entry->case_id.c_str());
    if (args.no_seal) {
        return kExitOk;
    }
    Result<std::optional<evidence::SealedDigest>> sealed =
            SealVault(settings, **vault, false, true, now);
    if (!sealed) {
        return Fail(sealed.error());
    }
    if (sealed->has_value()) {
        std::printf("sealed in digest %s\n", (*sealed)->key.c_str());
    }
    return kExitOk;
}

std::atomic<bool> g_stop{false};

void OnStopSignal(int) {
    g_stop = true;
}

// `seal --every`: a digest every period, even when nothing is new (each one proves the chain was
// live then), until SIGINT or SIGTERM. The vault is opened again each round so entries added by
// other processes (respond, serve) are covered.
int RunSealEvery(const VaultSettings& settings, const std::string& every) {
    std::optional<std::chrono::milliseconds> period = response::ParseDuration(every);
    if (!period || *period < std::chrono::seconds(1)) {
        std::fprintf(stderr,
                     "firebreak: --every '%s' is not a duration of at least 1s (e.g. 1h)\n",
                     every.c_str());
        return kExitUsage;
    }
    std::signal(SIGINT, OnStopSignal);
    std::signal(SIGTERM, OnStopSignal);
    while (!g_stop) {
        Clock::time_point now = Clock::now();
        Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, true);
        if (!vault) {
            // A vault that is unreachable now may be back next round: say so and keep going.
            std::fprintf(stderr,
                         "firebreak: seal at %s skipped: %s\n",
                         FormatIsoSeconds(now).c_str(),
                         vault.error().message().c_str());
        } else {
            size_t uncovered = (*vault)->uncovered_count();
            Result<std::optional<evidence::SealedDigest>> sealed =
                    SealVault(settings, **vault, true, true, now);
            if (!sealed) {
                std::fprintf(
                        stderr, "firebreak: seal failed: %s\n", sealed.error().message().c_str());
            } else if (sealed->has_value()) {
                std::printf("%s sealed %zu entr%s in %s\n",
                            FormatIsoSeconds(now).c_str(),
                            uncovered,
                            uncovered == 1 ? "y" : "ies",
                            (*sealed)->key.c_str());
                std::fflush(stdout);
            }
        }
        Clock::time_point next = now + *period;
        while (!g_stop && Clock::now() < next) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    return kExitOk;
}

int RunSeal(const VaultSettings& settings, bool even_if_empty) {
    Clock::time_point now = Clock::now();
    Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, true);
    if (!vault) {
        return Fail(vault.error());
    }
    size_t uncovered = (*vault)->uncovered_count();
    Result<std::optional<evidence::SealedDigest>> sealed =
            SealVault(settings, **vault, even_if_empty, true, now);
    if (!sealed) {
        return Fail(sealed.error());
    }
    if (!sealed->has_value()) {
        std::printf("nothing to seal: every entry is covered by %s\n",
                    (*vault)->newest_digest_key().empty() ? "(no digest yet)"
                                                          : (*vault)->newest_digest_key().c_str());
        return kExitOk;
    }
    std::printf("sealed %zu entr%s in %s (%s to %s, key %s)\n",
                uncovered,
                uncovered == 1 ? "y" : "ies",
                (*sealed)->key.c_str(),
                (*sealed)->digest.digest_start_time.c_str(),
                (*sealed)->digest.digest_end_time.c_str(),
                (*sealed)->digest.digest_public_key_fingerprint.c_str());
    return kExitOk;
}

int RunList(const VaultSettings& settings, const VaultArgs& args) {
    Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, false);
    if (!vault) {
        return Fail(vault.error());
    }
    std::vector<const evidence::EvidenceEntry*> entries = (*vault)->Entries(args.case_id);
    if (args.json) {
        std::printf("[");
        for (size_t i = 0; i < entries.size(); ++i) {
            std::string json = entries[i]->json;
            while (!json.empty() && json.back() == '\n') {
                json.pop_back();
            }
            std::printf("%s%s", i == 0 ? "\n" : ",\n", json.c_str());
        }
        std::printf("\n]\n");
        return kExitOk;
    }
    std::printf("%-6s %-14s %-20s %-16s %-10s %s\n",
                "SEQ",
                "KIND",
                "CASE",
                "SHA256",
                "SEALED",
                "SOURCE / COLLECTED BY");
    for (const evidence::EvidenceEntry* e : entries) {
        std::printf("%-6llu %-14s %-20s %-16s %-10s %s / %s\n",
                    static_cast<unsigned long long>(e->seq),
                    e->kind.c_str(),
                    e->case_id.c_str(),
                    e->sha256.substr(0, 16).c_str(),
                    (*vault)->IsCovered(*e) ? "yes" : "no",
                    e->source.c_str(),
                    e->collected_by.c_str());
    }
    std::printf(
            "%zu entr%s, %zu not yet sealed\n",
            entries.size(),
            entries.size() == 1 ? "y" : "ies",
            static_cast<size_t>(std::count_if(entries.begin(), entries.end(), [&](const auto* e) {
                return !(*vault)->IsCovered(*e);
            })));
    return kExitOk;
}

// Published keys from --public-keys, else the key store's public-keys.json.
Result<std::vector<evidence::PublishedKey>> LoadKeys(const VaultSettings& settings,
                                                     const std::string& flag) {
    std::string path = flag;
    if (path.empty()) {
        path = settings.keys + "/public-keys.json";
    }
    Result<std::string> text = ReadFileToString(path);
    if (!text) {
        return text.error();
    }
    Result<std::vector<evidence::PublishedKey>> keys = evidence::ParsePublishedKeys(*text);
    if (!keys) {
        return InvalidArgument(path + ": " + keys.error().message());
    }
    return keys;
}

int RunVerify(const VaultSettings& settings, const VaultArgs& args) {
    if (!args.bundle.empty()) {
        std::vector<evidence::PublishedKey> keys;
        if (!args.public_keys.empty()) {
            Result<std::vector<evidence::PublishedKey>> loaded =
                    LoadKeys(settings, args.public_keys);
            if (!loaded) {
                return Fail(loaded.error());
            }
            keys = std::move(*loaded);
        }
        Result<evidence::BundleVerifyReport> report =
                evidence::VerifyBundle(args.bundle, std::move(keys));
        if (!report) {
            return Fail(report.error());
        }
        std::string text = args.json ? evidence::RenderBundleJson(*report)
                                     : evidence::RenderBundleText(*report, args.verbose);
        std::fputs(text.c_str(), stdout);
        return report->ok() ? kExitOk : kExitProblem;
    }
    Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, false);
    if (!vault) {
        return Fail(vault.error());
    }
    Result<std::vector<evidence::PublishedKey>> keys = LoadKeys(settings, args.public_keys);
    if (!keys) {
        return Fail(keys.error());
    }
    evidence::VaultVerifyOptions options;
    options.expected_head = RecordedHead(settings, **vault);
    evidence::VaultVerifyReport report =
            evidence::VerifyVault((*vault)->backend(), (*vault)->descriptor(), *keys, options);
    if (options.expected_head && !args.json) {
        std::printf("Checked against the last seal recorded in %s (%s)\n",
                    settings.keys.c_str(),
                    options.expected_head->sealed_at.c_str());
    }
    std::string text = args.json ? evidence::RenderVerifyJson(report)
                                 : evidence::RenderVerifyText(report, args.verbose);
    std::fputs(text.c_str(), stdout);
    return report.ok() ? kExitOk : kExitProblem;
}

int RunExport(const VaultSettings& settings, const VaultArgs& args) {
    Clock::time_point now = Clock::now();
    Result<std::unique_ptr<evidence::Vault>> vault = Open(settings, false);
    if (!vault) {
        return Fail(vault.error());
    }
    Result<evidence::PrivateKey> key = SigningKey(settings, false, now);
    if (!key) {
        return Fail(key.error());
    }
    // Everything of the case must be under a digest: seal what is not yet.
    Result<std::optional<evidence::SealedDigest>> sealed =
            SealVault(settings, **vault, false, false, now);
    if (!sealed) {
        return Fail(sealed.error());
    }
    if (sealed->has_value()) {
        std::printf("sealed %zu entr%s first, in %s\n",
                    (*sealed)->entries,
                    (*sealed)->entries == 1 ? "y" : "ies",
                    (*sealed)->key.c_str());
    }
    Result<evidence::KeyStore> store = evidence::KeyStore::Open(settings.keys);
    if (!store) {
        return Fail(store.error());
    }
    Result<std::string> published = store->PublishedJson();
    if (!published) {
        return Fail(published.error());
    }
    evidence::ExportOptions options;
    options.case_id = args.case_id;
    options.out_dir = args.out;
    options.exported_by = args.exported_by.empty() ? Whoami() : args.exported_by;
    options.published_keys_json = *published;
    Result<evidence::ExportResult> result = evidence::ExportCase(**vault, *key, options, now);
    if (!result) {
        return Fail(result.error());
    }
    std::printf(
            "exported case %s to %s: %zu entries, %zu objects, %zu digests (%zu items of other "
            "cases left out)\n",
            args.case_id.c_str(),
            args.out.c_str(),
            result->entries,
            result->objects,
            result->digests,
            result->omitted);
    std::printf("source vault verified: %s; bundle verified from its own files: %s\n",
                result->source_report.ok() ? "OK" : "PROBLEMS (see custody-report.md)",
                result->bundle_report.ok() ? "OK" : "FAILED");
    std::printf("custody report: %s/custody-report.md\n", args.out.c_str());
    return result->source_report.ok() && result->bundle_report.ok() ? kExitOk : kExitProblem;
}

}  // namespace

VaultCommands AddVaultCommands(CLI::App& app, VaultArgs* args) {
    VaultCommands c;
    CLI::App* evidence = app.get_subcommand("evidence");
    CLI::App* keys = evidence->get_subcommand("keys");
    c.keys_rotate = keys->add_subcommand(
            "rotate",
            "Make a new signing key current (the first one, or retire the current key now); "
            "rewrites keys.json and public-keys.json");
    AddCommonFlags(c.keys_rotate, args, true);
    c.keys_publish = keys->add_subcommand(
            "publish", "Print (or write with --out) the public keys with their validity windows");
    AddCommonFlags(c.keys_publish, args, true);
    c.keys_publish->add_option("--out", args->out, "Write to this file instead of stdout");

    c.add = evidence->add_subcommand(
            "add", "Collect an item into the vault (content-addressed, written once, retained)");
    AddCommonFlags(c.add, args, true);
    c.add->add_option("case", args->case_id, "The case id")->required();
    c.add->add_option("--kind",
                      args->kind,
                      "log-file, api-response, snapshot, command-output, note, finding or action")
            ->required();
    c.add->add_option("--file", args->file, "The bytes to store");
    c.add->add_option("--text", args->text, "Or the text to store (a note)");
    c.add->add_option("--source", args->source, "Where it came from (default: the file's path)");
    c.add->add_option(
            "--collected-by", args->collected_by, "Who collected it (default: user@host)");
    c.add->add_option("--collected-at", args->collected_at, "When (ISO-8601; default: now)");
    c.add->add_option("--name", args->name, "A file name for exports (default: the file's name)");
    c.add->add_option("--media-type", args->media_type, "e.g. application/json");
    c.add->add_flag("--no-seal", args->no_seal, "Do not write a digest right away");

    c.seal = evidence->add_subcommand(
            "seal", "Write a signed digest over the entries no digest covers yet");
    AddCommonFlags(c.seal, args, true);
    c.seal->add_flag("--even-if-empty",
                     args->even_if_empty,
                     "Write a digest even when nothing is new (proves the chain is live)");
    c.seal->add_option("--every",
                       args->every,
                       "Keep running: a digest every DURATION (e.g. 1h, as CloudTrail), until "
                       "interrupted");

    c.list = evidence->add_subcommand("list", "The vault's manifest (one case with CASE)");
    AddCommonFlags(c.list, args, false);
    c.list->add_option("case", args->case_id, "Only this case");
    c.list->add_flag("--json", args->json, "The manifest entries as JSON");

    c.verify = evidence->add_subcommand(
            "verify",
            "Walk the vault's digest chain from the newest digest and check every digest, "
            "manifest entry and object (or an exported bundle with --bundle)");
    AddCommonFlags(c.verify, args, true);
    c.verify->add_option("--bundle", args->bundle, "Verify an exported bundle folder instead");
    c.verify->add_option("--public-keys",
                         args->public_keys,
                         "Published keys (public-keys.json); default: the key store's, or the "
                         "bundle's own");
    c.verify->add_flag("--json", args->json, "Machine-readable report");
    c.verify->add_flag("--verbose,-v", args->verbose, "List valid items too");

    c.export_case = evidence->add_subcommand(
            "export", "Write one case as a self-contained bundle with a chain-of-custody report");
    AddCommonFlags(c.export_case, args, true);
    c.export_case->add_option("case", args->case_id, "The case id")->required();
    c.export_case->add_option("--out", args->out, "A new (or empty) folder")->required();
    c.export_case->add_option(
            "--exported-by", args->exported_by, "Who exports (default: user@host)");
    return c;
}

int RunVaultCommands(const VaultCommands& c, const VaultArgs& args) {
    CLI::App* commands[] = {
            c.keys_rotate, c.keys_publish, c.add, c.seal, c.list, c.verify, c.export_case};
    bool any = false;
    for (CLI::App* cmd : commands) {
        any |= cmd != nullptr && cmd->parsed();
    }
    if (!any) {
        return -1;
    }
    g_aws_flags = &args.aws;
    VaultSettings settings;
    if (!Settings(args, &settings)) {
        return kExitUsage;
    }
    if (c.keys_rotate->parsed()) {
        return RunKeysRotate(settings);
    }
    if (c.keys_publish->parsed()) {
        return RunKeysPublish(settings, args.out);
    }
    if (c.add->parsed()) {
        return RunAdd(settings, args);
    }
    if (c.seal->parsed()) {
        if (!args.every.empty()) {
            return RunSealEvery(settings, args.every);
        }
        return RunSeal(settings, args.even_if_empty);
    }
    if (c.list->parsed()) {
        return RunList(settings, args);
    }
    if (c.verify->parsed()) {
        return RunVerify(settings, args);
    }
    return RunExport(settings, args);
}

}  // namespace firebreak::cli
