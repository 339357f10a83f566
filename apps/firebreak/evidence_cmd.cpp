#include "evidence_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "aws_cli.h"
#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/core/file.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/validate.h"
#include "firebreak/evidence_s3/cloudtrail_keys.h"
#include "firebreak/evidence_s3/s3_source.h"

namespace firebreak::cli {
namespace {

using evidence::PrivateKey;
using evidence::PublicKey;

namespace fs = std::filesystem;

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kPemSuffix = ".pem";
constexpr std::string_view kPrivateSuffix = ".private.pem";
constexpr std::string_view kPublicSuffix = ".public.pem";

bool EndsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Creates `path` (refusing to overwrite) with `mode` and writes `data`.
Status WriteNewFile(const std::string& path, const std::string& data, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return InvalidArgument(path + ": " + std::strerror(errno));
    }
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            std::string message = path + ": " + std::strerror(errno);
            ::close(fd);
            return InvalidArgument(message);
        }
        done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) {
        return InvalidArgument(path + ": " + std::strerror(errno));
    }
    return Status();
}

int RunKeysGenerate(const EvidenceArgs& args) {
    std::error_code ec;
    fs::create_directories(args.keys_out, ec);
    if (ec || !fs::is_directory(args.keys_out)) {
        std::fprintf(stderr,
                     "firebreak: %s: cannot create the folder%s%s\n",
                     args.keys_out.c_str(),
                     ec ? ": " : "",
                     ec ? ec.message().c_str() : "");
        return kExitUsage;
    }
    Result<PrivateKey> key = PrivateKey::Generate(2048);
    if (!key) {
        std::fprintf(stderr, "firebreak: %s\n", key.error().message().c_str());
        return kExitProblem;
    }
    PublicKey public_key = key->GetPublicKey();
    std::string fingerprint = public_key.Fingerprint();
    std::string base = (fs::path(args.keys_out) / fingerprint).string();
    Status s = WriteNewFile(base + std::string(kPrivateSuffix), key->ToPem(), 0600);
    if (s.ok()) {
        s = WriteNewFile(base + std::string(kPublicSuffix), public_key.ToPem(), 0644);
    }
    if (!s.ok()) {
        std::fprintf(stderr, "firebreak: %s\n", s.message().c_str());
        return kExitUsage;
    }
    std::printf("%s\n", fingerprint.c_str());
    return kExitOk;
}

// The public keys (every *.pem except *.private.pem) of `dir`, sorted by file name. Files that do
// not parse are reported in `errors`.
std::vector<std::pair<std::string, PublicKey>> LoadKeyFolder(const std::string& dir,
                                                             std::vector<std::string>* errors) {
    std::vector<std::string> paths;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (EndsWith(name, kPemSuffix) && !EndsWith(name, kPrivateSuffix) &&
            entry.is_regular_file(ec)) {
            paths.push_back(entry.path().string());
        }
    }
    if (ec) {
        errors->push_back(dir + ": " + ec.message());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::pair<std::string, PublicKey>> keys;
    for (const std::string& path : paths) {
        Result<std::string> text = ReadFileToString(path);
        if (!text) {
            errors->push_back(text.error().message());
            continue;
        }
        Result<PublicKey> key = PublicKey::FromPem(*text);
        if (!key) {
            errors->push_back(path + ": " + key.error().message());
            continue;
        }
        keys.emplace_back(path, std::move(*key));
    }
    return keys;
}

int RunKeysList(const EvidenceArgs& args) {
    if (!fs::is_directory(args.keys_dir)) {
        std::fprintf(stderr, "firebreak: %s: not a folder\n", args.keys_dir.c_str());
        return kExitUsage;
    }
    std::vector<std::string> errors;
    std::vector<std::pair<std::string, PublicKey>> keys = LoadKeyFolder(args.keys_dir, &errors);
    for (const auto& [path, key] : keys) {
        std::printf("%s\t%s\n", key.Fingerprint().c_str(), path.c_str());
    }
    for (const std::string& e : errors) {
        std::fprintf(stderr, "firebreak: %s\n", e.c_str());
    }
    return errors.empty() ? kExitOk : kExitProblem;
}

// --public-keys: a folder of .pem files, one PEM file, or a ListPublicKeys reply (JSON).
bool LoadPublicKeys(const std::string& where, std::map<std::string, PublicKey>* out) {
    if (fs::is_directory(where)) {
        std::vector<std::string> errors;
        for (auto& [path, key] : LoadKeyFolder(where, &errors)) {
            std::string fingerprint = key.Fingerprint();
            out->insert_or_assign(fingerprint, std::move(key));
        }
        for (const std::string& e : errors) {
            std::fprintf(stderr, "firebreak: %s\n", e.c_str());
        }
        if (errors.empty() && out->empty()) {
            std::fprintf(stderr, "firebreak: %s: no public key (.pem) files\n", where.c_str());
        }
        return errors.empty() && !out->empty();
    }
    Result<std::string> text = ReadFileToString(where);
    if (!text) {
        std::fprintf(stderr, "firebreak: %s\n", text.error().message().c_str());
        return false;
    }
    if (text->find("-----BEGIN") != std::string::npos) {
        Result<PublicKey> key = PublicKey::FromPem(*text);
        if (!key) {
            std::fprintf(
                    stderr, "firebreak: %s: %s\n", where.c_str(), key.error().message().c_str());
            return false;
        }
        std::string fingerprint = key->Fingerprint();
        out->insert_or_assign(fingerprint, std::move(*key));
        return true;
    }
    Result<std::map<std::string, PublicKey>> keys = evidence::ParseListPublicKeys(*text);
    if (!keys) {
        std::fprintf(stderr, "firebreak: %s: %s\n", where.c_str(), keys.error().message().c_str());
        return false;
    }
    *out = std::move(*keys);
    return true;
}

// The region of a digest key laid out as .../CloudTrail-Digest/{region}/..., for messages only.
std::string RegionOfDigestKey(std::string_view key) {
    constexpr std::string_view kFolder = "CloudTrail-Digest/";
    size_t at = key.find(kFolder);
    if (at == std::string_view::npos) {
        return "";
    }
    std::string_view rest = key.substr(at + kFolder.size());
    return std::string(rest.substr(0, rest.find('/')));
}

// An AWS client from --endpoint-url/--region/--profile and the usual config and credential chain.
std::optional<aws::AwsClient> MakeAwsClient(const EvidenceArgs& args) {
    Result<aws::AwsClient> client =
            MakeCliAwsClient(AwsFlags{args.profile, args.region, args.endpoint_url});
    if (!client) {
        std::fprintf(stderr, "firebreak: %s\n", client.error().message().c_str());
        return std::nullopt;
    }
    return std::move(*client);
}

// "YYYYMMDDTHHMMSSZ" of a digest key ending in "_<stamp>.json.gz", or "" for other keys.
std::string_view DigestStamp(std::string_view key) {
    constexpr std::string_view kSuffix = ".json.gz";
    constexpr size_t kStamp = 16;
    if (key.find("_CloudTrail-Digest_") == std::string_view::npos || !EndsWith(key, kSuffix) ||
        key.size() < kSuffix.size() + kStamp + 1) {
        return {};
    }
    std::string_view stamp = key.substr(key.size() - kSuffix.size() - kStamp, kStamp);
    if (key[key.size() - kSuffix.size() - kStamp - 1] != '_' || stamp[8] != 'T' ||
        stamp[15] != 'Z') {
        return {};
    }
    return stamp;
}

// --latest: the newest digest (by the time in its name) under
// {prefix/}AWSLogs/{account}/CloudTrail-Digest/{region}/, of --trail when given.
std::optional<std::string> FindLatestDigest(evidence::ObjectSource& source,
                                            const EvidenceArgs& args,
                                            const std::string& region) {
    std::string folder = args.prefix;
    while (!folder.empty() && folder.back() == '/') {
        folder.pop_back();
    }
    if (!folder.empty()) {
        folder.push_back('/');
    }
    folder += "AWSLogs/" + args.account + "/CloudTrail-Digest/" + region + "/";
    std::optional<std::vector<std::string>> keys = source.List(args.bucket, folder);
    if (!keys) {
        std::fprintf(
                stderr, "firebreak: cannot list s3://%s/%s\n", args.bucket.c_str(), folder.c_str());
        return std::nullopt;
    }
    std::string best;
    std::string_view best_stamp;
    for (const std::string& key : *keys) {
        std::string_view stamp = DigestStamp(key);
        std::string_view name = std::string_view(key).substr(key.rfind('/') + 1);
        if (stamp.empty() ||
            (!args.trail.empty() && !name.starts_with(args.account + "_CloudTrail-Digest_" +
                                                      region + "_" + args.trail + "_"))) {
            continue;
        }
        if (best.empty() || stamp > best_stamp || (stamp == best_stamp && key > best)) {
            best = key;
            best_stamp = DigestStamp(best);
        }
    }
    if (best.empty()) {
        std::fprintf(stderr,
                     "firebreak: no digest files under s3://%s/%s\n",
                     args.bucket.c_str(),
                     folder.c_str());
        return std::nullopt;
    }
    return best;
}

int RunVerifyCloudTrail(const EvidenceArgs& args) {
    if (args.s3 == !args.root.empty()) {
        std::fprintf(stderr, "firebreak: give one of --root DIR and --s3\n");
        return kExitUsage;
    }
    if (!args.s3 && !fs::is_directory(args.root)) {
        std::fprintf(stderr, "firebreak: %s: not a folder (--root)\n", args.root.c_str());
        return kExitUsage;
    }
    if (args.digest.empty() == !args.latest) {
        std::fprintf(stderr, "firebreak: give one of --digest BUCKET/KEY and --latest\n");
        return kExitUsage;
    }
    if (args.latest && (args.bucket.empty() || args.account.empty())) {
        std::fprintf(stderr, "firebreak: --latest needs --bucket and --account (and --region)\n");
        return kExitUsage;
    }
    const bool keys_from_aws = args.public_keys == "aws";
    std::optional<aws::AwsClient> client;
    if (args.s3 || keys_from_aws) {
        client = MakeAwsClient(args);
        if (!client) {
            return kExitUsage;
        }
    }
    std::unique_ptr<evidence::ObjectSource> source;
    evidence::S3ObjectSource* s3_source = nullptr;
    if (args.s3) {
        auto s3 = std::make_unique<evidence::S3ObjectSource>(*client);
        s3_source = s3.get();
        source = std::move(s3);
    } else {
        source = std::make_unique<evidence::LocalFolderSource>(args.root);
    }
    std::string region = !args.region.empty() ? args.region : client ? client->region() : "";
    evidence::ObjectLocation newest;
    if (args.latest) {
        if (region.empty()) {
            std::fprintf(stderr, "firebreak: --latest needs --region\n");
            return kExitUsage;
        }
        std::optional<std::string> key = FindLatestDigest(*source, args, region);
        if (!key) {
            return kExitProblem;
        }
        newest = {args.bucket, *key};
    } else {
        size_t slash = args.digest.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == args.digest.size()) {
            std::fprintf(
                    stderr, "firebreak: --digest %s: expected BUCKET/KEY\n", args.digest.c_str());
            return kExitUsage;
        }
        newest = {args.digest.substr(0, slash), args.digest.substr(slash + 1)};
        fs::path digest_path = fs::path(args.root) / newest.bucket / newest.key;
        if (!args.s3 && !fs::is_regular_file(digest_path)) {
            std::fprintf(stderr,
                         "firebreak: %s: no such digest file (--digest under --root)\n",
                         digest_path.string().c_str());
            return kExitUsage;
        }
    }
    std::map<std::string, PublicKey> keys;
    if (keys_from_aws) {
        Result<std::map<std::string, PublicKey>> fetched =
                evidence::FetchCloudTrailPublicKeys(*client);
        if (!fetched) {
            std::fprintf(stderr, "firebreak: %s\n", fetched.error().message().c_str());
            return kExitUsage;
        }
        keys = std::move(*fetched);
    } else if (!LoadPublicKeys(args.public_keys, &keys)) {
        return kExitUsage;
    }
    evidence::ValidateOptions options;
    options.check_previous_hash = !args.cli_compatible;
    options.region = RegionOfDigestKey(newest.key);
    evidence::ValidationReport report = evidence::ValidateChain(*source, newest, keys, options);
    std::string out = args.json ? evidence::RenderJson(report) + "\n"
                                : evidence::RenderText(report, args.verbose);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (s3_source != nullptr) {
        for (const std::string& error : s3_source->errors()) {
            std::fprintf(stderr, "firebreak: %s\n", error.c_str());
        }
    }
    return report.ok() ? kExitOk : kExitProblem;
}

}  // namespace

EvidenceCommands AddEvidenceCommands(CLI::App& app, EvidenceArgs* args) {
    EvidenceCommands c;
    CLI::App* evidence =
            app.add_subcommand("evidence", "Signing keys and CloudTrail log integrity validation");
    evidence->require_subcommand(1);
    CLI::App* keys = evidence->add_subcommand("keys", "RSA key pairs for signing digest files");
    keys->require_subcommand(1);
    c.keys_generate = keys->add_subcommand(
            "generate",
            "Make an RSA-2048 key pair: DIR/<fingerprint>.private.pem (0600) and .public.pem");
    c.keys_generate->add_option("--out", args->keys_out, "Folder for the key files")->required();
    c.keys_list =
            keys->add_subcommand("list", "Fingerprints of the public keys (*.pem) in a folder");
    c.keys_list->add_option("--keys", args->keys_dir, "Folder of key files")->required();

    c.verify_cloudtrail = evidence->add_subcommand(
            "verify-cloudtrail",
            "Validate CloudTrail digest files and log files on disk or through the S3 API, like "
            "`aws cloudtrail validate-logs`");
    CLI::App* v = c.verify_cloudtrail;
    v->add_option(
            "--root", args->root, "Folder holding <bucket>/<key> objects (and .sig sidecars)");
    v->add_flag("--s3",
                args->s3,
                "Read digests and logs through the S3 API (GetObject, ListObjectsV2); the "
                "signature comes from the object metadata");
    v->add_option("--digest", args->digest, "The newest digest to start from: BUCKET/KEY");
    v->add_flag("--latest",
                args->latest,
                "Start from the newest digest under --bucket [--prefix] --account --region "
                "[--trail], found by listing");
    v->add_option("--bucket", args->bucket, "The trail's bucket (--latest)");
    v->add_option("--prefix", args->prefix, "The trail's S3 key prefix (--latest)");
    v->add_option("--account", args->account, "The account of the digests (--latest)");
    v->add_option("--trail", args->trail, "Only this trail's digests (--latest)");
    v->add_option("--public-keys",
                  args->public_keys,
                  "A folder of public key .pem files, one .pem file, a ListPublicKeys reply "
                  "(JSON), or `aws`: CloudTrail ListPublicKeys at the endpoint")
            ->required();
    v->add_option(
            "--endpoint-url",
            args->endpoint_url,
            "Send the S3 and CloudTrail calls here (e.g. the sandbox: http://127.0.0.1:4566)");
    v->add_option("--region",
                  args->region,
                  "AWS region (default: the AWS config chain); also the digests' region for "
                  "--latest");
    v->add_option("--profile", args->profile, "AWS profile");
    v->add_flag("--json", args->json, "Machine-readable report");
    v->add_flag("--verbose,-v", args->verbose, "List valid files too");
    v->add_flag("--cli-compatible",
                args->cli_compatible,
                "Skip the previousDigestHashValue check, as `aws cloudtrail validate-logs` does");
    return c;
}

int RunEvidenceCommands(const EvidenceCommands& commands, const EvidenceArgs& args) {
    if (commands.keys_generate->parsed()) {
        return RunKeysGenerate(args);
    }
    if (commands.keys_list->parsed()) {
        return RunKeysList(args);
    }
    if (commands.verify_cloudtrail->parsed()) {
        return RunVerifyCloudTrail(args);
    }
    return -1;
}

}  // namespace firebreak::cli
