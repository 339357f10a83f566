// File: evidence_cmd.h
//
// `firebreak evidence keys generate|list` and `firebreak evidence verify-cloudtrail`: flags and
// runners. The CLI only wires the evidence module (src/evidence) to files and folders, and
// src/evidence_s3 to the S3 and CloudTrail APIs.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace firebreak::cli {

struct EvidenceArgs {
    std::string keys_out;     // keys generate --out
    std::string keys_dir;     // keys list --keys
    std::string root;         // verify-cloudtrail --root
    std::string digest;       // verify-cloudtrail --digest BUCKET/KEY
    std::string public_keys;  // a folder of .pem files, a ListPublicKeys reply, one .pem, "aws"
    bool s3 = false;          // verify-cloudtrail --s3: read through the S3 API
    std::string endpoint_url;
    std::string region;
    std::string profile;
    bool latest = false;  // --latest: the newest digest under --bucket/--prefix/--account/--region
    std::string bucket;
    std::string prefix;
    std::string account;
    std::string trail;  // --trail NAME: only this trail's digests with --latest
    bool json = false;
    bool verbose = false;
    bool cli_compatible = false;
};

struct EvidenceCommands {
    CLI::App* keys_generate = nullptr;
    CLI::App* keys_list = nullptr;
    CLI::App* verify_cloudtrail = nullptr;
};

EvidenceCommands AddEvidenceCommands(CLI::App& app, EvidenceArgs* args);

// Runs whichever of the commands was parsed; -1 when none was. Exit 0 when all is well, 1 when
// something is invalid, 2 on usage errors (missing or unreadable files, bad flags).
int RunEvidenceCommands(const EvidenceCommands& commands, const EvidenceArgs& args);

}  // namespace firebreak::cli
