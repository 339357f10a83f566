#include "response_context.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "aws_cli.h"
#include "firebreak/aws/sts.h"
#include "firebreak/response/evidence_record.h"
#include "firebreak/response/expr.h"

namespace firebreak::cli {

using event::JsonValue;
using namespace firebreak::response;  // NOLINT(google-build-using-namespace): CLI wiring

void PrintDiagnostics(const Diagnostics& diags) {
    for (const Diagnostic& d : diags.items()) {
        std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
}

bool LoadConfigFile(const std::string& path,
                    Context* ctx,
                    Diagnostics* diags,
                    const OtherConfigKey& other) {
    std::optional<rules::Node> config = ReadConfigFile(path, diags);
    if (!config) {
        return false;
    }
    for (const auto& [key, value] : config->members) {
        if (key == "accounts") {
            AccountRegistry loaded = LoadAccounts(value, diags);
            for (const AccountInfo& a : loaded.accounts()) {
                ctx->accounts.Add(a);
            }
        } else if (key == "notifications") {
            const rules::Node* sinks = value.is_object() ? value.Find("sinks") : nullptr;
            if (sinks == nullptr) {
                diags->Error("missing-field", value.pos, "'notifications' needs a 'sinks' list");
                continue;
            }
            for (SinkConfig& s : LoadSinks(*sinks, diags)) {
                ctx->sinks.push_back(std::move(s));
            }
        } else if (key == "evidence") {
            LoadVaultSettings(value, &ctx->vault_settings, diags);
        } else if (other && other(key, value)) {
            continue;
        } else {
            diags->Error("unknown-key",
                         value.key_pos,
                         "unknown config key '" + key +
                                 (other ? "' (expected accounts, notifications, evidence, serve, "
                                          "rules, builtin-rules, playbooks, builtin-playbooks, "
                                          "sources, findings, response)"
                                        : "' (expected accounts, notifications, evidence)"));
        }
    }
    return !diags->has_errors();
}

// Builds the store, registry, sinks and AWS client. Prints problems; false on failure.
bool BuildContext(const ResponseFlags& flags,
                  bool need_aws,
                  Context* ctx,
                  const OtherConfigKey& other) {
    Diagnostics diags;
    if (!flags.config.empty()) {
        LoadConfigFile(flags.config, ctx, &diags, other);
    }
    if (!flags.accounts.empty()) {
        AccountRegistry loaded = LoadAccountsFile(flags.accounts, &diags);
        for (const AccountInfo& a : loaded.accounts()) {
            ctx->accounts.Add(a);
        }
    }
    PrintDiagnostics(diags);
    if (diags.has_errors()) {
        return false;
    }
    // The vault: --vault, else the config's, else beside the run journal.
    VaultSettings& vs = ctx->vault_settings;
    const VaultSettings defaults;
    std::filesystem::path state_folder = std::filesystem::path(flags.state).parent_path();
    if (!flags.vault.empty()) {
        vs.vault = flags.vault;
    } else if (vs.vault == defaults.vault && !state_folder.empty()) {
        vs.vault = (state_folder / "vault").string();
    }
    if (!flags.evidence_keys.empty()) {
        vs.keys = flags.evidence_keys;
    } else if (vs.keys == defaults.keys && !state_folder.empty()) {
        vs.keys = (state_folder / "evidence-keys").string();
    }
    ctx->record_evidence = vs.record && !flags.no_evidence;
    std::error_code ec;
    std::filesystem::path state(flags.state);
    if (state.has_parent_path()) {
        std::filesystem::create_directories(state.parent_path(), ec);
    }
    Result<std::unique_ptr<RunStore>> store = RunStore::Open(flags.state);
    if (!store) {
        std::fprintf(stderr,
                     "firebreak: run store %s: %s\n",
                     flags.state.c_str(),
                     store.error().message().c_str());
        return false;
    }
    ctx->store = std::move(*store);
    if (!need_aws) {
        return true;
    }
    Result<aws::AwsClient> client =
            MakeCliAwsClient(AwsFlags{flags.profile, flags.region, flags.endpoint_url});
    if (!client) {
        std::fprintf(stderr, "firebreak: %s\n", client.error().message().c_str());
        return false;
    }
    ctx->transport = client->transport();
    ctx->base.emplace(std::move(*client));
    ctx->roles = std::make_unique<aws::RoleSessionCache>(*ctx->base, "firebreak-responder");
    ctx->notifier = std::make_unique<Notifier>(ctx->sinks, ctx->transport, ctx->base);
    return true;
}

// The caller's identity (once).
void LearnCaller(Context* ctx) {
    if (ctx->caller_known || !ctx->base) {
        return;
    }
    ctx->caller_known = true;
    aws::Outcome<aws::sts::GetCallerIdentityResponse> who = aws::sts::GetCallerIdentity(*ctx->base);
    if (who) {
        ctx->caller_account = who->account;
        ctx->caller_arn = who->arn;
    }
}

// The vault, opened (and with `create`, created) once per command.
Result<evidence::Vault*> ContextVault(Context* ctx, bool create) {
    if (ctx->vault == nullptr) {
        Result<std::unique_ptr<evidence::Vault>> vault =
                OpenVault(ctx->vault_settings,
                          ctx->base ? &*ctx->base : nullptr,
                          create,
                          std::chrono::system_clock::now());
        if (!vault) {
            return vault.error();
        }
        ctx->vault = std::move(*vault);
    }
    return ctx->vault.get();
}

// Writes a digest over what is not yet sealed, when the settings ask for one after each run.
// The digest's key, "" when none was written.
Result<std::string> SealAfterRun(Context* ctx) {
    if (!ctx->vault_settings.seal_after_run || ctx->vault == nullptr) {
        return std::string();
    }
    Result<std::optional<evidence::SealedDigest>> sealed = SealVault(
            ctx->vault_settings, *ctx->vault, false, true, std::chrono::system_clock::now());
    if (!sealed) {
        return sealed.error();
    }
    return sealed->has_value() ? (*sealed)->key : std::string();
}

std::string Items(size_t n) {
    return std::to_string(n) + (n == 1 ? " item" : " items");
}

// The engine's on_run_settled: the run goes into the vault. A vault problem never stops the
// response: it is a warning, and `firebreak runs record` adds the run later.
void RecordSettledRun(Context* ctx, const std::string& run_id) {
    std::lock_guard<std::mutex> lock(ctx->vault_mu);
    const std::string& where = ctx->vault_settings.vault;
    auto warn = [&](const std::string& why) {
        std::fprintf(stderr,
                     "firebreak: evidence for run %s (vault %s): %s; the run journal keeps "
                     "everything, record it later with firebreak runs record %s\n",
                     run_id.c_str(),
                     where.c_str(),
                     why.c_str(),
                     run_id.c_str());
    };
    Result<evidence::Vault*> vault = ContextVault(ctx, /*create=*/true);
    if (!vault) {
        warn(vault.error().message());
        return;
    }
    Result<RecordSummary> summary =
            RecordRunEvidence(*ctx->store, run_id, **vault, std::chrono::system_clock::now());
    if (!summary) {
        warn(summary.error().message());
        return;
    }
    if (summary->added == 0) {
        return;
    }
    std::string line = "evidence: " + Items(summary->added) + " recorded in " + where + " (case " +
                       summary->case_id + ")";
    Result<std::string> digest = SealAfterRun(ctx);
    if (!digest) {
        std::fprintf(stderr,
                     "firebreak: evidence for run %s (vault %s): recorded, but no digest was "
                     "written: %s; the next digest covers these items\n",
                     run_id.c_str(),
                     where.c_str(),
                     digest.error().message().c_str());
    } else if (!digest->empty()) {
        line += ", digest " + *digest;
    }
    if (ctx->evidence_log) {
        ctx->evidence_log(line + " for run " + run_id);
        return;
    }
    ctx->evidence_lines.push_back(std::move(line));
}

// The evidence lines of the runs that settled, after their report (stderr under --json, so
// stdout stays JSON).
void FlushEvidenceLines(Context* ctx, bool json) {
    for (const std::string& line : ctx->evidence_lines) {
        std::fprintf(json ? stderr : stdout, "%s\n", line.c_str());
    }
    ctx->evidence_lines.clear();
}

EngineOptions MakeEngineOptions(Context* ctx, bool quiet_progress) {
    EngineOptions options;
    options.store = ctx->store.get();
    options.accounts = &ctx->accounts;
    options.notifier = ctx->notifier.get();
    options.default_account = ctx->caller_account;
    options.default_region = ctx->base ? ctx->base->region() : "";
    options.client_for = [ctx](const std::string& account,
                               const std::string& region) -> Result<aws::AwsClient> {
        std::string r = region.empty() ? ctx->base->region() : region;
        const AccountInfo* info = ctx->accounts.Find(account);
        if (info != nullptr && !info->role.empty() && account != ctx->caller_account) {
            return ctx->roles->ForAccount(account, info->role, r);
        }
        if (!account.empty() && !ctx->caller_account.empty() && account != ctx->caller_account) {
            return Status(StatusCode::kFailedPrecondition,
                          "the credentials are for account " + ctx->caller_account +
                                  " and the account registry names no role for " + account +
                                  " (add it with role: <role name or ARN>)");
        }
        return ctx->base->WithRegion(r);
    };
    if (ctx->record_evidence) {
        options.on_run_settled = [ctx](const std::string& run_id) {
            RecordSettledRun(ctx, run_id);
        };
    }
    if (const char* crash = std::getenv("FIREBREAK_TEST_CRASH_AFTER_MUTATIONS")) {
        options.crash_after_mutations = std::atoi(crash);
    }
    if (!quiet_progress) {
        options.on_step = [](const StepRecord& step) {
            std::fprintf(stderr,
                         "  %-10s %s%s%s\n",
                         std::string(StepStatusName(step.status)).c_str(),
                         step.key.c_str(),
                         step.action.empty() ? "" : "  ",
                         step.action.c_str());
        };
    }
    return options;
}

JsonValue ReportJson(const RunReport& report) {
    const RunRecord& run = report.run;
    JsonValue out = JsonObject();
    SetMember(&out, "id", JsonString(run.id));
    SetMember(&out, "playbook", JsonString(run.playbook_id));
    SetMember(&out, "apply", JsonBool(run.apply));
    SetMember(&out, "status", JsonString(std::string(RunStatusName(run.status))));
    SetMember(&out, "case", JsonString(run.case_id));
    SetMember(&out, "account", JsonString(run.account));
    SetMember(&out, "region", JsonString(run.region));
    SetMember(&out, "finding", JsonString(run.finding_id));
    SetMember(&out, "created_by", JsonString(run.created_by));
    SetMember(&out, "created_at", JsonString(run.created_at));
    SetMember(&out, "updated_at", JsonString(run.updated_at));
    SetMember(&out, "error", JsonString(run.error));
    Result<JsonValue> inputs = event::ParseJson(run.inputs_json);
    SetMember(&out, "inputs", inputs ? *inputs : JsonObject());
    std::vector<JsonValue> steps;
    for (const StepRecord& s : report.steps) {
        JsonValue j = JsonObject();
        SetMember(&j, "key", JsonString(s.key));
        SetMember(&j, "id", JsonString(s.step_id));
        SetMember(&j, "kind", JsonString(s.kind));
        SetMember(&j, "action", JsonString(s.action));
        SetMember(&j, "status", JsonString(std::string(StepStatusName(s.status))));
        SetMember(&j, "changes", JsonBool(s.mutates));
        Result<JsonValue> params = event::ParseJson(s.params_json);
        SetMember(&j, "params", params ? *params : JsonValue());
        Result<JsonValue> result = event::ParseJson(s.result_json);
        SetMember(&j, "result", result ? *result : JsonValue());
        std::vector<JsonValue> ids;
        for (const std::string& id : s.request_ids) {
            ids.push_back(JsonString(id));
        }
        SetMember(&j, "request_ids", JsonArray(std::move(ids)));
        SetMember(&j, "already_done", JsonBool(s.already_done));
        SetMember(&j, "detail", JsonString(s.detail));
        SetMember(&j, "error", JsonString(s.error));
        steps.push_back(std::move(j));
    }
    SetMember(&out, "steps", JsonArray(std::move(steps)));
    std::vector<JsonValue> approvals;
    for (const ApprovalRecord& a : report.approvals) {
        JsonValue j = JsonObject();
        SetMember(&j, "step", JsonString(a.step_key));
        SetMember(&j, "decision", JsonString(a.decision));
        SetMember(&j, "decided_by", JsonString(a.decided_by));
        SetMember(&j, "deadline", JsonString(a.deadline));
        SetMember(&j, "default", JsonString(a.default_decision));
        approvals.push_back(std::move(j));
    }
    SetMember(&out, "approvals", JsonArray(std::move(approvals)));
    std::vector<JsonValue> notes;
    for (const NotificationRecord& n : report.notifications) {
        JsonValue j = JsonObject();
        SetMember(&j, "step", JsonString(n.step_key));
        SetMember(&j, "sink", JsonString(n.sink));
        SetMember(&j, "delivered", JsonBool(n.delivered));
        SetMember(&j, "attempts", JsonInt(n.attempts));
        SetMember(&j, "error", JsonString(n.last_error));
        notes.push_back(std::move(j));
    }
    SetMember(&out, "notifications", JsonArray(std::move(notes)));
    std::vector<JsonValue> captures;
    for (const CaptureRecord& c : report.captures) {
        JsonValue j = JsonObject();
        SetMember(&j, "name", JsonString(c.name));
        SetMember(&j, "step", JsonString(c.step_key));
        SetMember(&j, "sha256", JsonString(c.sha256));
        SetMember(&j, "bytes", JsonInt(static_cast<int64_t>(c.content.size())));
        SetMember(&j, "at", JsonString(c.at));
        captures.push_back(std::move(j));
    }
    SetMember(&out, "evidence", JsonArray(std::move(captures)));
    return out;
}

}  // namespace firebreak::cli
