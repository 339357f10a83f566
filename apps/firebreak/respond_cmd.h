// File: respond_cmd.h
//
// `firebreak respond`, `firebreak runs ...` and `firebreak playbooks ...`: flags and runners.
// The CLI only wires the response module to the AWS client, the store, the config file and the
// evidence vault (every run is recorded there when it settles; `runs record` backfills).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace firebreak::cli {

// Flags every response command shares.
struct ResponseFlags {
    std::string state = "firebreak-state/runs.db";  // the run journal (SQLite)
    std::string config;                             // firebreak.yaml: accounts, notifications
    std::string accounts;                           // an account registry file
    std::vector<std::string> playbook_paths;        // extra playbook files or folders
    bool no_builtin = false;
    // AWS
    std::string endpoint_url;
    std::string region;
    std::string profile;
    bool json = false;
    // The evidence vault runs are recorded in (default: the config's evidence: section, else
    // beside --state: <state folder>/vault and <state folder>/evidence-keys).
    std::string vault;
    std::string evidence_keys;
    bool no_evidence = false;
};

struct RespondFlags {
    std::string playbook;
    std::string finding_file;
    std::string finding_id;
    std::string rule;  // pick the finding(s) of this rule id
    std::string event_file;
    std::vector<std::string> inputs;  // name=value
    std::string instance, access_key, bucket, trail, group, user;
    std::string account;
    std::string case_id;
    bool apply = false;
};

struct RunsFlags {
    std::string run;
    std::string step;
    std::string by;
    std::string reason;
    std::string status;
    int limit = 50;
    bool all = false;  // runs record --all
};

struct ResponseCommands {
    CLI::App* respond = nullptr;
    CLI::App* runs_list = nullptr;
    CLI::App* runs_show = nullptr;
    CLI::App* runs_approve = nullptr;
    CLI::App* runs_deny = nullptr;
    CLI::App* runs_resume = nullptr;
    CLI::App* runs_record = nullptr;
    CLI::App* playbooks_list = nullptr;
    CLI::App* playbooks_lint = nullptr;
    CLI::App* playbooks_show = nullptr;
    CLI::App* playbooks_actions = nullptr;
};

struct ResponseArgs {
    ResponseFlags common;
    RespondFlags respond;
    RunsFlags runs;
    std::vector<std::string> lint_paths;
    std::string show_id;
};

ResponseCommands AddResponseCommands(CLI::App& app, ResponseArgs* args);

// Runs whichever of the commands was parsed; -1 when none was.
int RunResponseCommands(const ResponseCommands& commands, const ResponseArgs& args);

}  // namespace firebreak::cli
