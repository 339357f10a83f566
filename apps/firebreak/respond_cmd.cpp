#include "respond_cmd.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "aws_cli.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/sts.h"
#include "firebreak/builtin_playbooks.h"
#include "firebreak/core/file.h"
#include "firebreak/response/accounts.h"
#include "firebreak/response/engine.h"
#include "firebreak/response/evidence_record.h"
#include "firebreak/response/expr.h"
#include "firebreak/response/notify.h"
#include "firebreak/response/playbook.h"
#include "firebreak/response/run_store.h"
#include "response_context.h"
#include "vault_settings.h"

namespace firebreak::cli {
namespace {

using event::JsonValue;
using namespace firebreak::response;  // NOLINT(google-build-using-namespace): CLI wiring

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

std::string Indent(const std::string& text, const std::string& pad) {
    std::string out = pad;
    for (char c : text) {
        out.push_back(c);
        if (c == '\n') {
            out += pad;
        }
    }
    return out;
}

void PrintReport(const RunReport& report) {
    const RunRecord& run = report.run;
    std::printf("%s %s  run %s  case %s\n",
                run.apply ? "Run of" : "Plan for",
                run.playbook_id.c_str(),
                run.id.c_str(),
                run.case_id.c_str());
    std::printf("  account %s, region %s, status %s\n",
                run.account.c_str(),
                run.region.c_str(),
                std::string(RunStatusName(run.status)).c_str());
    if (!run.inputs_json.empty() && run.inputs_json != "{}") {
        std::printf("  inputs %s\n", run.inputs_json.c_str());
    }
    int n = 0;
    for (const StepRecord& s : report.steps) {
        ++n;
        std::string what = s.action.empty() ? s.kind : s.action;
        std::string tag = s.kind == "action" ? (s.mutates ? " [changes]" : " [read]") : "";
        std::printf("%3d. %-10s %s  %s%s%s\n",
                    n,
                    std::string(StepStatusName(s.status)).c_str(),
                    s.key.c_str(),
                    what.c_str(),
                    tag.c_str(),
                    s.already_done ? " (already done)" : "");
        if (!s.params_json.empty() && s.params_json != "{}") {
            std::printf("%s\n", Indent(s.params_json, "       ").c_str());
        }
        if (!s.detail.empty()) {
            std::printf("%s\n", Indent(s.detail, "       - ").c_str());
        }
        if (!s.request_ids.empty()) {
            std::string ids;
            for (const std::string& id : s.request_ids) {
                ids += (ids.empty() ? "" : ", ") + id;
            }
            std::printf("       request ids: %s\n", ids.c_str());
        }
        if (!s.error.empty()) {
            std::printf("       error: %s\n", s.error.c_str());
        }
    }
    for (const ApprovalRecord& a : report.approvals) {
        std::printf("  approval %s: %s (deadline %s, default %s)%s%s\n",
                    a.step_key.c_str(),
                    a.decision.empty() ? "PENDING" : a.decision.c_str(),
                    a.deadline.c_str(),
                    a.default_decision.c_str(),
                    a.decided_by.empty() ? "" : " by ",
                    a.decided_by.c_str());
    }
    for (const NotificationRecord& note : report.notifications) {
        std::printf("  notification %s -> %s: %s after %d attempt%s%s%s\n",
                    note.step_key.c_str(),
                    note.sink.c_str(),
                    note.delivered ? "delivered" : "FAILED",
                    note.attempts,
                    note.attempts == 1 ? "" : "s",
                    note.last_error.empty() || note.delivered ? "" : ": ",
                    note.delivered ? "" : note.last_error.c_str());
    }
    for (const CaptureRecord& c : report.captures) {
        std::printf("  evidence %s (step %s): %zu bytes, sha256 %s\n",
                    c.name.c_str(),
                    c.step_key.c_str(),
                    c.content.size(),
                    c.sha256.c_str());
    }
    if (!run.error.empty()) {
        std::printf(
                "  %s: %s\n", std::string(RunStatusName(run.status)).c_str(), run.error.c_str());
    }
}

int ExitFor(const RunReport& report) {
    switch (report.run.status) {
        case RunStatus::kPlanned:
        case RunStatus::kSucceeded:
        case RunStatus::kWaitingApproval:
            return kExitOk;
        default:
            return kExitProblem;
    }
}

void Emit(const RunReport& report, bool json) {
    if (json) {
        std::printf("%s\n", event::ToJson(ReportJson(report)).c_str());
    } else {
        PrintReport(report);
    }
}

PlaybookSet LoadAllPlaybooks(const ResponseFlags& flags, Diagnostics* diags) {
    std::vector<rules::RuleSource> builtin;
    if (!flags.no_builtin) {
        builtin = BuiltinPlaybookSources();
    }
    return LoadPlaybookSet(flags.playbook_paths, builtin, ActionRegistry::Builtin(), diags);
}

// A playbook by id (built-in or --playbooks) or a path to a playbook file.
std::shared_ptr<const Playbook> ResolvePlaybook(const ResponseFlags& flags,
                                                const std::string& name,
                                                Diagnostics* diags) {
    PlaybookSet set = LoadAllPlaybooks(flags, diags);
    for (const auto& pb : set.playbooks) {
        if (pb->id == name) {
            return pb;
        }
    }
    std::error_code ec;
    if (std::filesystem::is_regular_file(name, ec)) {
        Result<std::string> text = ReadFileToString(name);
        if (!text) {
            diags->Error("io", SourcePos{name, 0, 0}, text.error().message());
            return nullptr;
        }
        std::vector<Playbook> loaded = LoadPlaybooks(*text, name, ActionRegistry::Builtin(), diags);
        if (loaded.size() == 1) {
            return std::make_shared<const Playbook>(std::move(loaded[0]));
        }
        if (loaded.size() > 1) {
            diags->Error("ambiguous",
                         SourcePos{name, 0, 0},
                         "the file holds several playbooks; name one by id with --playbooks " +
                                 name + " <id>");
        }
        return nullptr;
    }
    std::string ids;
    for (const auto& pb : set.playbooks) {
        ids += (ids.empty() ? "" : ", ") + pb->id;
    }
    diags->Error("not-found",
                 SourcePos{},
                 "no playbook '" + name + "' (known: " + (ids.empty() ? "none" : ids) + ")");
    return nullptr;
}

int RunRespond(const ResponseFlags& flags, const RespondFlags& rf) {
    Diagnostics diags;
    std::shared_ptr<const Playbook> playbook = ResolvePlaybook(flags, rf.playbook, &diags);
    PrintDiagnostics(diags);
    if (playbook == nullptr) {
        return kExitUsage;
    }
    RunRequest request;
    request.playbook = playbook;
    request.apply = false;
    request.account = rf.account;
    request.region = flags.region;
    request.case_id = rf.case_id;
    for (const std::string& kv : rf.inputs) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::fprintf(
                    stderr, "firebreak respond: --input wants name=value, got '%s'\n", kv.c_str());
            return kExitUsage;
        }
        request.inputs[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    // Shorthands for the common inputs of the built-in playbooks.
    const std::pair<const std::string*, const char*> shorthands[] = {
            {&rf.instance, "instance_id"},
            {&rf.access_key, "access_key_id"},
            {&rf.bucket, "bucket"},
            {&rf.trail, "trail_name"},
            {&rf.group, "group_id"},
            {&rf.user, "user_name"}};
    for (const auto& [value, name] : shorthands) {
        if (!value->empty()) {
            if (playbook->FindInput(name) == nullptr) {
                std::fprintf(stderr,
                             "firebreak respond: playbook %s has no input %s\n",
                             playbook->id.c_str(),
                             name);
                return kExitUsage;
            }
            request.inputs[name] = *value;
        }
    }
    if (!rf.finding_file.empty()) {
        Result<std::string> text = ReadFileToString(rf.finding_file);
        if (!text) {
            std::fprintf(stderr, "firebreak respond: %s\n", text.error().message().c_str());
            return kExitUsage;
        }
        Result<std::vector<JsonValue>> findings = ParseFindings(*text);
        if (!findings) {
            std::fprintf(stderr,
                         "firebreak respond: %s: %s\n",
                         rf.finding_file.c_str(),
                         findings.error().message().c_str());
            return kExitUsage;
        }
        const JsonValue* chosen = nullptr;
        std::vector<const JsonValue*> candidates;  // after --rule
        std::vector<const JsonValue*> triggered;   // candidates that trigger the playbook
        for (const JsonValue& f : *findings) {
            if (!rf.rule.empty()) {
                const JsonValue* pf = f.Find("ProductFields");
                const JsonValue* rule = pf != nullptr ? pf->Find("firebreak/RuleId") : nullptr;
                const JsonValue* generator = f.Find("GeneratorId");
                if (!((rule != nullptr && rule->text == rf.rule) ||
                      (generator != nullptr && generator->text == rf.rule))) {
                    continue;
                }
            }
            if (!rf.finding_id.empty()) {
                if (FindingId(f) == rf.finding_id) {
                    chosen = &f;
                }
            } else {
                candidates.push_back(&f);
                if (PlaybookTriggered(*playbook, f, JsonValue())) {
                    triggered.push_back(&f);
                }
            }
        }
        if (rf.finding_id.empty()) {
            if (candidates.size() == 1) {
                chosen = candidates[0];
            } else if (triggered.size() == 1) {
                chosen = triggered[0];
            } else {
                std::fprintf(stderr,
                             "firebreak respond: %s holds %zu findings, %zu of them trigger %s; "
                             "pick one with --finding-id\n",
                             rf.finding_file.c_str(),
                             findings->size(),
                             triggered.size(),
                             playbook->id.c_str());
                for (const JsonValue* f : triggered) {
                    std::fprintf(stderr, "  %s\n", FindingId(*f).c_str());
                }
                return kExitUsage;
            }
        }
        if (chosen == nullptr) {
            std::fprintf(stderr,
                         "firebreak respond: no finding %s in %s\n",
                         rf.finding_id.c_str(),
                         rf.finding_file.c_str());
            return kExitUsage;
        }
        request.finding = *chosen;
        if (!PlaybookTriggered(*playbook, request.finding, JsonValue())) {
            std::fprintf(stderr,
                         "firebreak respond: note: finding %s does not match %s's triggers; "
                         "responding because you asked\n",
                         FindingId(request.finding).c_str(),
                         playbook->id.c_str());
        }
    }
    if (!rf.event_file.empty()) {
        Result<std::string> text = ReadFileToString(rf.event_file);
        Result<JsonValue> ev = text ? event::ParseJson(*text) : Result<JsonValue>(text.error());
        if (!ev || !ev->is_object()) {
            std::fprintf(stderr,
                         "firebreak respond: %s: %s\n",
                         rf.event_file.c_str(),
                         ev ? "not a JSON object" : ev.error().message().c_str());
            return kExitUsage;
        }
        request.event = std::move(*ev);
    }

    Context ctx;
    if (!BuildContext(flags, true, &ctx)) {
        return kExitUsage;
    }
    LearnCaller(&ctx);
    request.created_by = ctx.caller_arn;
    // Always plan first (printed whole at the end, no progress lines); apply only a plan that
    // went through, with a progress line per step on stderr.
    Engine planner(MakeEngineOptions(&ctx, /*quiet_progress=*/true));
    Engine engine(MakeEngineOptions(&ctx, flags.json));
    Result<RunReport> plan = planner.Start(request);
    if (!plan) {
        std::fprintf(stderr, "firebreak respond: %s\n", plan.error().message().c_str());
        return kExitUsage;
    }
    if (!rf.apply || plan->run.status != RunStatus::kPlanned) {
        Emit(*plan, flags.json);
        if (!flags.json && plan->run.status == RunStatus::kPlanned) {
            std::printf("Nothing was changed. Run again with --apply to carry out this plan.\n");
        }
        FlushEvidenceLines(&ctx, flags.json);
        return ExitFor(*plan);
    }
    if (!flags.json) {
        PrintReport(*plan);
        std::printf("\nApplying.\n");
    }
    request.apply = true;
    request.case_id = plan->run.case_id;
    request.account = plan->run.account;
    request.region = plan->run.region;
    Result<RunReport> applied = engine.Start(request);
    if (!applied) {
        FlushEvidenceLines(&ctx, flags.json);
        std::fprintf(stderr, "firebreak respond: %s\n", applied.error().message().c_str());
        return kExitProblem;
    }
    Emit(*applied, flags.json);
    if (!flags.json && applied->run.status == RunStatus::kWaitingApproval) {
        for (const ApprovalRecord& a : applied->approvals) {
            if (a.decision.empty()) {
                std::printf(
                        "Waiting for approval: firebreak runs approve %s %s --by NAME "
                        "(or deny)\n",
                        applied->run.id.c_str(),
                        a.step_key.c_str());
            }
        }
    }
    FlushEvidenceLines(&ctx, flags.json);
    return ExitFor(*applied);
}

// `runs show`: the vault entries the run recorded (when there is a vault).
void ShowVaultEntries(Context* ctx, const RunReport& report, bool json) {
    Result<evidence::Vault*> vault = ContextVault(ctx, /*create=*/false);
    if (!vault) {
        if (vault.error().code() != StatusCode::kNotFound && !json) {
            std::printf("  vault %s: %s\n",
                        ctx->vault_settings.vault.c_str(),
                        vault.error().message().c_str());
        }
        if (json) {
            std::printf("%s\n", event::ToJson(ReportJson(report)).c_str());
        }
        return;
    }
    std::vector<const evidence::EvidenceEntry*> entries = RunEvidenceEntries(**vault, report.run);
    if (json) {
        JsonValue out = ReportJson(report);
        std::vector<JsonValue> items;
        for (const evidence::EvidenceEntry* e : entries) {
            JsonValue j = JsonObject();
            SetMember(&j, "seq", JsonInt(static_cast<int64_t>(e->seq)));
            SetMember(&j, "kind", JsonString(e->kind));
            SetMember(&j, "sha256", JsonString(e->sha256));
            SetMember(&j, "name", JsonString(e->name));
            SetMember(&j, "ref", JsonString(e->ref));
            SetMember(&j, "collected_at", JsonString(e->collected_at));
            items.push_back(std::move(j));
        }
        SetMember(&out, "vault", JsonString(ctx->vault_settings.vault));
        SetMember(&out, "vault_entries", JsonArray(std::move(items)));
        std::printf("%s\n", event::ToJson(out).c_str());
        return;
    }
    std::printf("  vault %s: %s for this run\n",
                ctx->vault_settings.vault.c_str(),
                entries.empty() ? "nothing recorded" : Items(entries.size()).c_str());
    for (const evidence::EvidenceEntry* e : entries) {
        std::printf("    #%-5llu %-14s sha256 %s  %s\n",
                    static_cast<unsigned long long>(e->seq),
                    e->kind.c_str(),
                    e->sha256.substr(0, 16).c_str(),
                    e->name.c_str());
    }
    if (entries.empty() && report.run.status != RunStatus::kRunning) {
        std::printf("    (record it with firebreak runs record %s)\n", report.run.id.c_str());
    }
}

// `runs record RUN|--all`: adds runs to the vault (those recorded while it was unreachable).
int RecordRuns(Context* ctx, const ResponseFlags& flags, const RunsFlags& rf) {
    if (flags.no_evidence) {
        std::fprintf(stderr, "firebreak runs record: --no-evidence turns recording off\n");
        return kExitUsage;
    }
    if (rf.all == !rf.run.empty()) {
        std::fprintf(stderr, "firebreak runs record: name one run, or --all\n");
        return kExitUsage;
    }
    std::vector<std::string> ids;
    if (rf.all) {
        Result<std::vector<RunRecord>> runs = ctx->store->ListRuns(0, std::nullopt);
        if (!runs) {
            std::fprintf(stderr, "firebreak runs record: %s\n", runs.error().message().c_str());
            return kExitProblem;
        }
        for (auto it = runs->rbegin(); it != runs->rend(); ++it) {  // oldest first
            ids.push_back(it->id);
        }
    } else {
        ids.push_back(rf.run);
    }
    const std::string& where = ctx->vault_settings.vault;
    Result<evidence::Vault*> vault = ContextVault(ctx, /*create=*/true);
    if (!vault) {
        std::fprintf(stderr,
                     "firebreak runs record: vault %s: %s\n",
                     where.c_str(),
                     vault.error().message().c_str());
        return kExitProblem;
    }
    int exit_code = kExitOk;
    size_t added = 0;
    for (const std::string& id : ids) {
        Result<RecordSummary> summary =
                RecordRunEvidence(*ctx->store, id, **vault, std::chrono::system_clock::now());
        if (!summary) {
            std::fprintf(stderr,
                         "firebreak runs record: %s: %s\n",
                         id.c_str(),
                         summary.error().message().c_str());
            bool unknown = summary.error().code() == StatusCode::kNotFound && !rf.all;
            exit_code = unknown ? kExitUsage : kExitProblem;
            continue;
        }
        added += summary->added;
        std::printf("%s  case %s: %zu added, %zu already in the vault\n",
                    summary->run_id.c_str(),
                    summary->case_id.c_str(),
                    summary->added,
                    summary->already);
    }
    std::string line = "evidence: " + Items(added) + " recorded in " + where;
    if (added > 0) {
        Result<std::string> digest = SealAfterRun(ctx);
        if (!digest) {
            std::fprintf(stderr,
                         "firebreak runs record: no digest was written: %s\n",
                         digest.error().message().c_str());
            exit_code = kExitProblem;
        } else if (!digest->empty()) {
            line += ", digest " + *digest;
        }
    }
    std::printf("%s\n", line.c_str());
    return exit_code;
}

int RunRunsCommand(const ResponseCommands& commands, const ResponseArgs& args) {
    const ResponseFlags& flags = args.common;
    const RunsFlags& rf = args.runs;
    bool needs_aws = commands.runs_approve->parsed() || commands.runs_deny->parsed() ||
                     commands.runs_resume->parsed();
    Context ctx;
    if (!BuildContext(flags, needs_aws, &ctx)) {
        return kExitUsage;
    }
    if (commands.runs_list->parsed()) {
        std::optional<RunStatus> status;
        if (!rf.status.empty()) {
            status = ParseRunStatus(rf.status);
            if (!status) {
                std::fprintf(stderr, "firebreak runs list: unknown status %s\n", rf.status.c_str());
                return kExitUsage;
            }
        }
        Result<std::vector<RunRecord>> runs = ctx.store->ListRuns(rf.limit, status);
        if (!runs) {
            std::fprintf(stderr, "firebreak runs list: %s\n", runs.error().message().c_str());
            return kExitProblem;
        }
        if (flags.json) {
            for (const RunRecord& r : *runs) {
                RunReport report;
                report.run = r;
                std::printf("%s\n", event::ToJson(ReportJson(report)).c_str());
            }
            return kExitOk;
        }
        std::printf("%-25s %-24s %-6s %-17s %-14s %s\n",
                    "RUN",
                    "PLAYBOOK",
                    "MODE",
                    "STATUS",
                    "ACCOUNT",
                    "CREATED");
        for (const RunRecord& r : *runs) {
            std::printf("%-25s %-24s %-6s %-17s %-14s %s\n",
                        r.id.c_str(),
                        r.playbook_id.c_str(),
                        r.apply ? "apply" : "plan",
                        std::string(RunStatusName(r.status)).c_str(),
                        r.account.c_str(),
                        r.created_at.c_str());
        }
        return kExitOk;
    }
    if (commands.runs_record->parsed()) {
        return RecordRuns(&ctx, flags, rf);
    }
    EngineOptions options = MakeEngineOptions(&ctx, flags.json);
    if (needs_aws) {
        LearnCaller(&ctx);
        options.default_account = ctx.caller_account;
    } else {
        options.client_for = [](const std::string&, const std::string&) -> Result<aws::AwsClient> {
            return Status(StatusCode::kFailedPrecondition, "no AWS access for this command");
        };
    }
    Engine engine(std::move(options));
    Result<RunReport> report = Status(StatusCode::kInternal, "no command");
    if (commands.runs_show->parsed()) {
        report = engine.Report(rf.run);
    } else if (commands.runs_resume->parsed()) {
        report = engine.Resume(rf.run, ActionRegistry::Builtin());
    } else {
        std::string by = rf.by;
        if (by.empty()) {
            const char* user = std::getenv("USER");
            by = user != nullptr ? user : "";
        }
        if (by.empty()) {
            std::fprintf(stderr, "firebreak runs: say who decides with --by NAME\n");
            return kExitUsage;
        }
        report = engine.Decide(rf.run,
                               rf.step,
                               commands.runs_approve->parsed(),
                               by,
                               rf.reason,
                               ActionRegistry::Builtin());
    }
    if (!report) {
        std::fprintf(stderr, "firebreak runs: %s\n", report.error().message().c_str());
        return report.error().code() == StatusCode::kNotFound ? kExitUsage : kExitProblem;
    }
    if (commands.runs_show->parsed()) {
        if (flags.no_evidence) {
            Emit(*report, flags.json);
            return kExitOk;
        }
        if (!flags.json) {
            PrintReport(*report);
        }
        ShowVaultEntries(&ctx, *report, flags.json);
        return kExitOk;
    }
    Emit(*report, flags.json);
    FlushEvidenceLines(&ctx, flags.json);
    return ExitFor(*report);
}

int RunPlaybooksCommand(const ResponseCommands& commands, const ResponseArgs& args) {
    const ResponseFlags& flags = args.common;
    if (commands.playbooks_actions->parsed()) {
        for (const ActionDef& def : ActionRegistry::Builtin().actions()) {
            std::string params;
            for (const ActionParam& p : def.params) {
                params += (params.empty() ? "" : ", ") + p.name + (p.required ? "*" : "");
            }
            std::printf("%-50s %-7s %s\n",
                        def.name.c_str(),
                        def.mutates ? "change" : "read",
                        params.c_str());
        }
        return kExitOk;
    }
    Diagnostics diags;
    ResponseFlags lint_flags = flags;
    if (commands.playbooks_lint->parsed() && !args.lint_paths.empty()) {
        lint_flags.playbook_paths = args.lint_paths;
        lint_flags.no_builtin = true;
    }
    PlaybookSet set = LoadAllPlaybooks(lint_flags, &diags);
    PrintDiagnostics(diags);
    if (commands.playbooks_lint->parsed()) {
        std::printf("%zu playbook%s, %d error%s, %d warning%s\n",
                    set.playbooks.size(),
                    set.playbooks.size() == 1 ? "" : "s",
                    diags.error_count(),
                    diags.error_count() == 1 ? "" : "s",
                    diags.warning_count(),
                    diags.warning_count() == 1 ? "" : "s");
        return diags.has_errors() ? kExitProblem : kExitOk;
    }
    if (commands.playbooks_show->parsed()) {
        const Playbook* pb = set.Find(args.show_id);
        if (pb == nullptr) {
            std::fprintf(
                    stderr, "firebreak playbooks show: no playbook %s\n", args.show_id.c_str());
            return kExitUsage;
        }
        std::printf("# %s (%s)\n%s", pb->id.c_str(), pb->origin.c_str(), pb->source.c_str());
        return kExitOk;
    }
    for (const auto& pb : set.playbooks) {
        std::string inputs;
        for (const InputDef& in : pb->inputs) {
            inputs += (inputs.empty() ? "" : ", ") + in.name;
        }
        std::printf("%-28s %s\n%-28s inputs: %s\n",
                    pb->id.c_str(),
                    pb->title.c_str(),
                    "",
                    inputs.c_str());
    }
    return diags.has_errors() ? kExitProblem : kExitOk;
}

void AddCommonFlags(CLI::App* cmd, ResponseFlags* flags, bool aws) {
    cmd->add_option(
            "--state", flags->state, "Run journal (SQLite; default firebreak-state/runs.db)");
    cmd->add_option("--config,-c",
                    flags->config,
                    "Config file: accounts (the account registry), notifications.sinks and "
                    "evidence (the vault)");
    cmd->add_option("--accounts", flags->accounts, "Account registry file (accounts: [...])");
    cmd->add_option(
               "--playbooks", flags->playbook_paths, "Extra playbook file or folder (repeatable)")
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_flag(
            "--no-builtin-playbooks", flags->no_builtin, "Do not load the built-in playbooks");
    cmd->add_flag("--json", flags->json, "Print the run as JSON");
    if (aws) {
        cmd->add_option("--endpoint-url",
                        flags->endpoint_url,
                        "Send every AWS call here (e.g. the sandbox: http://127.0.0.1:4566)");
        cmd->add_option("--region", flags->region, "AWS region (default: the AWS config chain)");
        cmd->add_option("--profile", flags->profile, "AWS profile");
    }
}

void AddEvidenceFlags(CLI::App* cmd, ResponseFlags* flags) {
    cmd->add_option("--vault",
                    flags->vault,
                    "Evidence vault runs are recorded in (default: the config's evidence.vault, "
                    "else beside --state: firebreak-state/vault)");
    cmd->add_option("--evidence-keys",
                    flags->evidence_keys,
                    "Key store that signs the vault's digests (default: evidence.keys, else "
                    "beside --state: firebreak-state/evidence-keys)");
    cmd->add_flag("--no-evidence",
                  flags->no_evidence,
                  "Do not record the run in the evidence vault (the journal still keeps it)");
}

}  // namespace

ResponseCommands AddResponseCommands(CLI::App& app, ResponseArgs* args) {
    ResponseCommands c;
    RespondFlags& rf = args->respond;
    c.respond = app.add_subcommand(
            "respond", "Plan (and with --apply, carry out) a playbook's response to a finding");
    c.respond->add_option("playbook", rf.playbook, "Playbook id or file")->required();
    c.respond->add_option("--finding",
                          rf.finding_file,
                          "ASFF finding(s): JSON, JSON Lines (hunt --format jsonl) or a "
                          "BatchImportFindings body");
    c.respond->add_option("--finding-id", rf.finding_id, "Which finding of --finding");
    c.respond->add_option("--rule", rf.rule, "Only the findings of this rule id in --finding");
    c.respond->add_option("--event",
                          rf.event_file,
                          "The triggering event (CloudTrail record or EventBridge event, JSON)");
    c.respond->add_option("--input,-i", rf.inputs, "Playbook input name=value (repeatable)")
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    c.respond->add_option("--instance", rf.instance, "Shorthand for --input instance_id=...");
    c.respond->add_option("--access-key", rf.access_key, "Shorthand for --input access_key_id=...");
    c.respond->add_option("--bucket", rf.bucket, "Shorthand for --input bucket=...");
    c.respond->add_option("--trail", rf.trail, "Shorthand for --input trail_name=...");
    c.respond->add_option("--group", rf.group, "Shorthand for --input group_id=...");
    c.respond->add_option("--user", rf.user, "Shorthand for --input user_name=...");
    c.respond->add_option("--account", rf.account, "Account to act in (default: the finding's)");
    c.respond->add_option("--case",
                          rf.case_id,
                          "Case id (default: derived from the playbook and finding, so a rerun "
                          "continues the same case)");
    c.respond->add_flag("--apply", rf.apply, "Carry out the plan (default: only show it)");
    AddCommonFlags(c.respond, &args->common, true);
    AddEvidenceFlags(c.respond, &args->common);

    CLI::App* runs = app.add_subcommand(
            "runs", "List, show, approve, deny, resume and record playbook runs");
    runs->require_subcommand(1);
    RunsFlags& runs_flags = args->runs;
    c.runs_list = runs->add_subcommand("list", "Runs, newest first");
    c.runs_list->add_option("--status", runs_flags.status, "Only runs with this status");
    c.runs_list->add_option("--limit", runs_flags.limit, "At most this many (default 50)");
    AddCommonFlags(c.runs_list, &args->common, false);
    c.runs_show = runs->add_subcommand("show", "A run's steps, requests, results and approvals");
    c.runs_show->add_option("run", runs_flags.run, "Run id (or a unique prefix)")->required();
    AddCommonFlags(c.runs_show, &args->common, false);
    AddEvidenceFlags(c.runs_show, &args->common);
    for (CLI::App** cmd : {&c.runs_approve, &c.runs_deny}) {
        bool approve = cmd == &c.runs_approve;
        *cmd = runs->add_subcommand(approve ? "approve" : "deny",
                                    approve ? "Approve a waiting step and continue the run"
                                            : "Deny a waiting step (the run stops there)");
        (*cmd)->add_option("run", runs_flags.run, "Run id (or a unique prefix)")->required();
        (*cmd)->add_option("step", runs_flags.step, "The approve step's key")->required();
        (*cmd)->add_option("--by", runs_flags.by, "Who decides (default $USER)");
        (*cmd)->add_option("--reason", runs_flags.reason, "Why");
        AddCommonFlags(*cmd, &args->common, true);
        AddEvidenceFlags(*cmd, &args->common);
    }
    c.runs_resume = runs->add_subcommand(
            "resume", "Continue an interrupted run, or one whose approval timed out");
    c.runs_resume->add_option("run", runs_flags.run, "Run id (or a unique prefix)")->required();
    AddCommonFlags(c.runs_resume, &args->common, true);
    AddEvidenceFlags(c.runs_resume, &args->common);
    c.runs_record = runs->add_subcommand(
            "record",
            "Record runs in the evidence vault (those that settled while it was unreachable)");
    c.runs_record->add_option("run", runs_flags.run, "Run id (or a unique prefix)");
    c.runs_record->add_flag("--all", runs_flags.all, "Every run in the journal, oldest first");
    AddCommonFlags(c.runs_record, &args->common, false);
    AddEvidenceFlags(c.runs_record, &args->common);

    CLI::App* playbooks = app.add_subcommand("playbooks", "List, check and show playbooks");
    playbooks->require_subcommand(1);
    c.playbooks_list = playbooks->add_subcommand("list", "The loaded playbooks and their inputs");
    AddCommonFlags(c.playbooks_list, &args->common, false);
    c.playbooks_lint = playbooks->add_subcommand("lint", "Check playbook files for problems");
    c.playbooks_lint->add_option("paths",
                                 args->lint_paths,
                                 "Playbook files or folders (default: built-in and --playbooks)");
    AddCommonFlags(c.playbooks_lint, &args->common, false);
    c.playbooks_show = playbooks->add_subcommand("show", "Print a playbook's source");
    c.playbooks_show->add_option("id", args->show_id, "Playbook id")->required();
    AddCommonFlags(c.playbooks_show, &args->common, false);
    c.playbooks_actions =
            playbooks->add_subcommand("actions", "The AWS actions steps can call (* = required)");
    return c;
}

int RunResponseCommands(const ResponseCommands& commands, const ResponseArgs& args) {
    if (commands.respond->parsed()) {
        return RunRespond(args.common, args.respond);
    }
    if (commands.runs_list->parsed() || commands.runs_show->parsed() ||
        commands.runs_approve->parsed() || commands.runs_deny->parsed() ||
        commands.runs_resume->parsed() || commands.runs_record->parsed()) {
        return RunRunsCommand(commands, args);
    }
    if (commands.playbooks_list->parsed() || commands.playbooks_lint->parsed() ||
        commands.playbooks_show->parsed() || commands.playbooks_actions->parsed()) {
        return RunPlaybooksCommand(commands, args);
    }
    return -1;
}

}  // namespace firebreak::cli
