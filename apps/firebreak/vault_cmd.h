// File: vault_cmd.h
//
// The evidence vault's commands, under `firebreak evidence`:
//   keys rotate | keys publish          firebreak's own signing keys (a key store folder)
//   add CASE --kind K --file F|--text T collect an item by hand (a note, a log file, a reply)
//   seal [--every 1h]                   write a signed digest over what is not yet covered
//                                       (periodically, like CloudTrail's hourly digests)
//   list [CASE]                         the manifest
//   verify [--bundle DIR]               the chain walk, per digest, entry and object
//   export CASE --out DIR               a self-contained chain-of-custody bundle
// The CLI only wires src/evidence to the settings (vault_settings.h) and prints.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "aws_cli.h"
#include "vault_settings.h"

namespace firebreak::cli {

struct VaultArgs {
    std::string config;
    std::string vault;
    std::string keys;
    std::string case_id;
    std::string kind;
    std::string file;
    std::string text;
    std::string source;
    std::string collected_by;
    std::string collected_at;
    std::string name;
    std::string media_type;
    std::string bundle;
    std::string public_keys;
    std::string out;
    std::string exported_by;
    AwsFlags aws;  // for an s3:// vault
    bool even_if_empty = false;
    std::string every;  // seal --every DURATION: keep sealing periodically
    bool no_seal = false;
    bool json = false;
    bool verbose = false;
};

struct VaultCommands {
    CLI::App* keys_rotate = nullptr;
    CLI::App* keys_publish = nullptr;
    CLI::App* add = nullptr;
    CLI::App* seal = nullptr;
    CLI::App* list = nullptr;
    CLI::App* verify = nullptr;
    CLI::App* export_case = nullptr;
};

// Adds the commands to the `evidence` subcommand (AddEvidenceCommands must have run).
VaultCommands AddVaultCommands(CLI::App& app, VaultArgs* args);

// Runs whichever was parsed; -1 when none was. 0 ok, 1 a problem found, 2 usage or I/O error.
int RunVaultCommands(const VaultCommands& commands, const VaultArgs& args);

}  // namespace firebreak::cli
