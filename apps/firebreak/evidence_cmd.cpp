#include "evidence_cmd.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "firebreak/core/file.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/validate.h"

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

int RunVerifyCloudTrail(const EvidenceArgs& args) {
    if (!fs::is_directory(args.root)) {
        std::fprintf(stderr, "firebreak: %s: not a folder (--root)\n", args.root.c_str());
        return kExitUsage;
    }
    size_t slash = args.digest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == args.digest.size()) {
        std::fprintf(stderr, "firebreak: --digest %s: expected BUCKET/KEY\n", args.digest.c_str());
        return kExitUsage;
    }
    evidence::ObjectLocation newest{args.digest.substr(0, slash), args.digest.substr(slash + 1)};
    fs::path digest_path = fs::path(args.root) / newest.bucket / newest.key;
    if (!fs::is_regular_file(digest_path)) {
        std::fprintf(stderr,
                     "firebreak: %s: no such digest file (--digest under --root)\n",
                     digest_path.string().c_str());
        return kExitUsage;
    }
    std::map<std::string, PublicKey> keys;
    if (!LoadPublicKeys(args.public_keys, &keys)) {
        return kExitUsage;
    }
    evidence::LocalFolderSource source(args.root);
    evidence::ValidateOptions options;
    options.check_previous_hash = !args.cli_compatible;
    options.region = RegionOfDigestKey(newest.key);
    evidence::ValidationReport report = evidence::ValidateChain(source, newest, keys, options);
    std::string out = args.json ? evidence::RenderJson(report) + "\n"
                                : evidence::RenderText(report, args.verbose);
    std::fwrite(out.data(), 1, out.size(), stdout);
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
            "Validate CloudTrail digest files and log files on disk, like `aws cloudtrail "
            "validate-logs`");
    CLI::App* v = c.verify_cloudtrail;
    v->add_option("--root", args->root, "Folder holding <bucket>/<key> objects (and .sig sidecars)")
            ->required();
    v->add_option("--digest", args->digest, "The newest digest to start from: BUCKET/KEY")
            ->required();
    v->add_option("--public-keys",
                  args->public_keys,
                  "A folder of public key .pem files, one .pem file, or a ListPublicKeys reply "
                  "(JSON)")
            ->required();
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
