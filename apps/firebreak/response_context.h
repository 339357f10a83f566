// File: response_context.h
//
// What every response command (respond, runs, serve) builds from its flags and the config file:
// the account registry, notification sinks, run journal, AWS client (with member-account role
// sessions), notifier and the evidence vault settled runs are recorded in. Shared wiring only.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/accounts.h"
#include "firebreak/response/engine.h"
#include "firebreak/response/notify.h"
#include "firebreak/response/run_store.h"
#include "firebreak/rules/node.h"
#include "respond_cmd.h"
#include "vault_settings.h"

namespace firebreak::cli {

void PrintDiagnostics(const Diagnostics& diags);

// Everything a response command needs, built from the flags.
struct Context {
    response::AccountRegistry accounts;
    std::vector<response::SinkConfig> sinks;
    std::unique_ptr<response::RunStore> store;
    std::shared_ptr<aws::HttpTransport> transport;
    std::optional<aws::AwsClient> base;
    std::unique_ptr<aws::RoleSessionCache> roles;
    std::unique_ptr<response::Notifier> notifier;
    std::string caller_account;
    std::string caller_arn;
    bool caller_known = false;
    // The evidence vault: settled runs are recorded there (opened on first use).
    VaultSettings vault_settings;
    bool record_evidence = false;
    std::unique_ptr<evidence::Vault> vault;
    std::mutex vault_mu;                      // serve records runs from several threads
    std::vector<std::string> evidence_lines;  // printed after the run's report
    // serve: evidence lines are logged as they happen instead of collected.
    std::function<void(const std::string&)> evidence_log;
};

// Config keys other than accounts, notifications and evidence: true when handled.
using OtherConfigKey = std::function<bool(const std::string& key, const rules::Node& value)>;

// Reads the config file's accounts, notifications and evidence sections into `ctx`; other keys
// go to `other` (unknown-key errors when it is null or returns false).
bool LoadConfigFile(const std::string& path,
                    Context* ctx,
                    Diagnostics* diags,
                    const OtherConfigKey& other = nullptr);

// Builds the store, registry, sinks and AWS client. Prints problems; false on failure.
bool BuildContext(const ResponseFlags& flags,
                  bool need_aws,
                  Context* ctx,
                  const OtherConfigKey& other = nullptr);

// The caller's identity (once).
void LearnCaller(Context* ctx);

// The vault, opened (and with `create`, created) once per command.
Result<evidence::Vault*> ContextVault(Context* ctx, bool create);

// The engine's on_run_settled: the run goes into the vault (a warning when that fails).
void RecordSettledRun(Context* ctx, const std::string& run_id);

// Writes a digest over what is not yet sealed when the settings ask for one after each run: its
// key, "" when none was written.
Result<std::string> SealAfterRun(Context* ctx);

void FlushEvidenceLines(Context* ctx, bool json);

std::string Items(size_t n);

response::EngineOptions MakeEngineOptions(Context* ctx, bool quiet_progress);

// A run report as JSON (respond --json, runs show --json, serve's /v1/runs/{id}).
event::JsonValue ReportJson(const response::RunReport& report);

}  // namespace firebreak::cli
