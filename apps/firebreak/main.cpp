// firebreak: the command-line entry point. Wiring only: parse flags, load and compile rules,
// call the pipeline, render output, map outcomes to exit codes (0 ok, 1 --fail-on hit, 2 usage or
// load error).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>

#include "evidence_cmd.h"
#include "firebreak/builtin_attack.h"
#include "firebreak/builtin_rules.h"
#include "firebreak/findings/report.h"
#include "firebreak/pipeline/hunt.h"
#include "firebreak/pipeline/rule_tests.h"
#include "firebreak/rules/coverage.h"
#include "firebreak/rules/node.h"
#include "firebreak/rules/rule.h"
#include "respond_cmd.h"
#include "response_context.h"
#include "rule_loading.h"
#include "sandbox_cmd.h"
#include "serve_cmd.h"
#include "vault_cmd.h"

namespace {

using firebreak::Diagnostics;
using firebreak::cli::AddRuleFlags;
using firebreak::cli::LoadAllRules;
using firebreak::cli::LoadSummary;
using firebreak::cli::PrintDiagnostics;
using firebreak::cli::RuleFlags;
namespace rules = firebreak::rules;

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;

// Loads rules for a `rules` subcommand, printing diagnostics; nullopt when loading failed.
std::optional<std::vector<rules::Rule>> LoadForCommand(const RuleFlags& flags,
                                                       LoadSummary* summary) {
    Diagnostics diags;
    std::vector<rules::Rule> loaded;
    bool ok = LoadAllRules(flags, &loaded, &diags, summary);
    PrintDiagnostics(diags);
    if (!ok) {
        return std::nullopt;
    }
    return loaded;
}

// "firebreak: 160 rules (57 Sigma); 2 invalid skipped; 3 Sigma rules for other log sources ignored"
void PrintLoadSummary(size_t loaded, const LoadSummary& s) {
    std::string line = "firebreak: " + std::to_string(loaded) + " rules loaded";
    if (s.sigma > 0) {
        line += " (" + std::to_string(s.sigma) + " Sigma)";
    }
    if (s.filters > 0) {
        line += "; " + std::to_string(s.filters) + " Sigma filter(s) applied";
    }
    if (s.skipped > 0) {
        line += "; " + std::to_string(s.skipped) + " invalid rule(s) skipped";
    }
    if (s.other_logsource > 0) {
        line += "; " + std::to_string(s.other_logsource) +
                " Sigma rule(s) for other log sources ignored";
    }
    std::fprintf(stderr, "%s\n", line.c_str());
}

std::optional<int64_t> ParseTimeFlag(const std::string& text, const char* name) {
    if (text.empty()) {
        return std::nullopt;
    }
    auto t = firebreak::event::ParseUtcTime(text);
    if (!t) {
        throw CLI::ValidationError(std::string(name),
                                   "expected a UTC time like 2026-11-02 or 2026-11-02T10:15:00Z");
    }
    return t;
}

std::string HumanBytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
    return buf;
}

std::string HumanCount(uint64_t n) {
    char buf[32];
    if (n >= 1000000) {
        std::snprintf(buf, sizeof(buf), "%.2fM", static_cast<double>(n) / 1e6);
    } else if (n >= 10000) {
        std::snprintf(buf, sizeof(buf), "%.1fk", static_cast<double>(n) / 1e3);
    } else {
        std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(n));
    }
    return buf;
}

int RunHuntCommand(const RuleFlags& rule_flags,
                   const std::vector<std::string>& paths,
                   const std::string& format,
                   const std::string& output_path,
                   const firebreak::pipeline::HuntOptions& options,
                   const std::string& fail_on,
                   int progress_mode,
                   bool quiet) {
    Diagnostics diags;
    std::vector<rules::Rule> loaded;
    LoadSummary load_summary;
    bool ok = LoadAllRules(rule_flags, &loaded, &diags, &load_summary);
    PrintDiagnostics(diags);
    if (!ok) {
        std::fprintf(stderr,
                     "firebreak: rules failed to load (%d error(s)); fix them or pass "
                     "--skip-invalid\n",
                     diags.error_count());
        return kExitUsage;
    }
    if (!quiet || load_summary.skipped > 0 || load_summary.other_logsource > 0) {
        PrintLoadSummary(loaded.size(), load_summary);
    }
    if (loaded.empty()) {
        std::fprintf(stderr, "firebreak: no rules loaded\n");
        return kExitUsage;
    }
    std::optional<rules::Severity> fail_level;
    if (!fail_on.empty()) {
        fail_level = rules::ParseSeverity(fail_on);
        if (!fail_level) {
            std::fprintf(
                    stderr, "firebreak: --fail-on: unknown severity \"%s\"\n", fail_on.c_str());
            return kExitUsage;
        }
    }
    auto ruleset = firebreak::matcher::CompiledRuleset::Compile(std::move(loaded));

    std::FILE* out = stdout;
    if (!output_path.empty() && output_path != "-") {
        out = std::fopen(output_path.c_str(), "wb");
        if (out == nullptr) {
            std::fprintf(stderr, "firebreak: cannot write %s\n", output_path.c_str());
            return kExitUsage;
        }
    }
    bool out_is_tty = out == stdout && isatty(STDOUT_FILENO) != 0;
    bool err_is_tty = isatty(STDERR_FILENO) != 0;
    bool show_progress = progress_mode > 0 ||
                         (progress_mode == 0 && err_is_tty && (out_is_tty || out != stdout));

    firebreak::pipeline::HuntProgress progress;
    std::atomic<bool> done{false};
    std::thread bar;
    auto start = std::chrono::steady_clock::now();
    if (show_progress) {
        bar = std::thread([&] {
            while (!done.load()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                double secs =
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                                .count();
                uint64_t bytes = progress.bytes_done.load();
                double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
                double eta =
                        rate > 0 ? static_cast<double>(progress.bytes_total - bytes) / rate : 0;
                std::fprintf(stderr,
                             "\r\033[K[%llu/%llu files] %s events  %s/s  %llu findings  ETA %ds",
                             static_cast<unsigned long long>(progress.files_done.load()),
                             static_cast<unsigned long long>(progress.files_total),
                             HumanCount(progress.events.load()).c_str(),
                             HumanBytes(rate).c_str(),
                             static_cast<unsigned long long>(progress.findings.load()),
                             static_cast<int>(eta + 0.5));
                std::fflush(stderr);
            }
            std::fprintf(stderr, "\r\033[K");
        });
    }
    // Findings stream out in file order as files finish.
    firebreak::findings::AsffOptions asff;
    firebreak::findings::FindingTally tally;
    std::string batch;  // --format asff: one BatchImportFindings body per 100 findings
    size_t batch_count = 0;
    bool header_written = false;
    std::string buffer;
    auto write = [&](const std::string& text) {
        if (show_progress && out == stdout) {
            std::fputs("\r\033[K", stderr);  // keep the bar off the rows
        }
        std::fwrite(text.data(), 1, text.size(), out);
    };
    auto flush_batch = [&] {
        if (batch_count > 0) {
            batch += "]}\n";
            write(batch);
            batch.clear();
            batch_count = 0;
        }
    };
    auto sink = [&](std::vector<firebreak::findings::Finding>&& file_findings) {
        buffer.clear();
        for (const auto& f : file_findings) {
            tally.Add(f);
            if (format == "summary") {
                continue;  // counts only: the summary table below
            }
            if (format == "jsonl") {
                buffer += firebreak::findings::ToAsffJson(f, asff);
                buffer.push_back('\n');
            } else if (format == "asff") {
                batch += batch_count == 0 ? "{\"Findings\":[" : ",";
                batch += firebreak::findings::ToAsffJson(f, asff);
                if (++batch_count == 100) {
                    flush_batch();
                }
            } else {
                if (!header_written) {
                    buffer += firebreak::findings::RenderTableHeader();
                    header_written = true;
                }
                buffer += firebreak::findings::RenderTableRow(f, out_is_tty);
            }
        }
        if (!buffer.empty()) {
            write(buffer);
        }
    };
    firebreak::pipeline::HuntOptions run_options = options;
    run_options.count_only = format == "summary";
    auto result = firebreak::pipeline::RunHunt(*ruleset, paths, run_options, &progress, sink);
    for (size_t r = 0; r < result.rule_counts.size(); ++r) {
        tally.AddCount(&ruleset->rule(r), result.rule_counts[r]);
    }
    done.store(true);
    if (bar.joinable()) {
        bar.join();
    }
    flush_batch();
    if (format == "table" && header_written) {
        std::fputc('\n', out);
    }

    // Problems go to stderr. The summary follows a table written to stdout; with -o FILE or a
    // machine format it goes to stderr, so it stays on the terminal.
    std::FILE* info = (format == "table" || format == "summary") && out == stdout ? stdout : stderr;
    for (const std::string& p : result.problems) {
        std::fprintf(stderr, "warning: %s\n", p.c_str());
    }
    if (!quiet) {
        const auto& s = result.stats;
        std::string summary = tally.Render(info == stdout && out_is_tty);
        std::fputs(summary.c_str(), info);
        std::fprintf(info,
                     "Scanned %llu file(s), %llu events (%s, %s decoded) with %zu rules in %.2fs "
                     "on %u thread(s)\n",
                     static_cast<unsigned long long>(s.files_total),
                     static_cast<unsigned long long>(s.events),
                     HumanBytes(s.bytes_in).c_str(),
                     HumanBytes(s.bytes_decoded).c_str(),
                     ruleset->rule_count(),
                     s.seconds,
                     options.threads != 0 ? options.threads : std::thread::hardware_concurrency());
        if (s.files_skipped_by_filter || s.events_filtered || s.digest_files_skipped) {
            std::fprintf(info,
                         "Filtered: %llu file(s) by path, %llu event(s) by time/account/region, "
                         "%llu digest file(s)\n",
                         static_cast<unsigned long long>(s.files_skipped_by_filter),
                         static_cast<unsigned long long>(s.events_filtered),
                         static_cast<unsigned long long>(s.digest_files_skipped));
        }
        if (s.files_unusable || s.files_damaged || s.events_skipped || s.not_events ||
            !result.problems.empty()) {
            std::fprintf(
                    info,
                    "Skipped: %llu unreadable file(s), %llu damaged file(s) read in part, "
                    "%llu unreadable record(s), %llu non-event object(s); %llu issue(s)\n",
                    static_cast<unsigned long long>(s.files_unusable),
                    static_cast<unsigned long long>(s.files_damaged),
                    static_cast<unsigned long long>(s.events_skipped),
                    static_cast<unsigned long long>(s.not_events),
                    static_cast<unsigned long long>(
                            s.issues_total + (result.problems.size() > s.issues_total ? 0 : 0)));
        }
    }
    if (out != stdout) {
        std::fclose(out);
    } else {
        std::fflush(stdout);
    }
    firebreak::rules::Severity worst;
    if (fail_level && tally.max_severity(&worst) && worst >= *fail_level) {
        return kExitFindings;
    }
    return kExitOk;
}

int RunRulesTest(const RuleFlags& flags, bool verbose) {
    LoadSummary summary;
    auto rules_loaded = LoadForCommand(flags, &summary);
    if (!rules_loaded) {
        return kExitUsage;
    }
    std::vector<rules::Rule>& loaded = *rules_loaded;
    if (verbose || summary.skipped > 0 || summary.other_logsource > 0) {
        PrintLoadSummary(loaded.size(), summary);
    }
    int skipped = summary.skipped;
    size_t rule_count = loaded.size();
    auto ruleset = firebreak::matcher::CompiledRuleset::Compile(std::move(loaded));
    auto report = firebreak::pipeline::RunRuleTests(*ruleset);
    for (const auto& f : report.failures) {
        std::printf("FAIL %s: %s [%s]: %s\n",
                    f.pos.ToString().c_str(),
                    f.rule_id.c_str(),
                    f.test_name.c_str(),
                    f.message.c_str());
    }
    if (verbose) {
        std::printf("%zu rules, %d tests\n", rule_count, report.passed + report.failed);
    }
    std::printf("%d passed, %d failed\n", report.passed, report.failed);
    return report.failed == 0 && skipped == 0 ? kExitOk : kExitFindings;
}

int RunRulesLint(RuleFlags flags, const std::vector<std::string>& paths) {
    for (const std::string& p : paths) {
        flags.packs.push_back(p);
    }
    if (!paths.empty()) {
        flags.no_builtin = true;
    }
    Diagnostics diags;
    std::vector<rules::Rule> loaded;
    LoadSummary summary;
    flags.skip_invalid = true;  // lint reports everything it can
    LoadAllRules(flags, &loaded, &diags, &summary);
    int skipped = summary.skipped;
    rules::LintRules(loaded, &diags);
    PrintDiagnostics(diags);
    std::printf("%zu rule(s) checked, %d error(s), %d warning(s)\n",
                loaded.size() + skipped,
                diags.error_count(),
                diags.warning_count());
    return diags.has_errors() ? kExitFindings : kExitOk;
}

std::string JsonStringList(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t k = 0; k < items.size(); ++k) {
        out += (k ? "," : "") + firebreak::JsonQuote(items[k]);
    }
    return out + "]";
}

int RunRulesList(const RuleFlags& flags, const std::string& format) {
    LoadSummary summary;
    auto rules_loaded = LoadForCommand(flags, &summary);
    if (!rules_loaded) {
        return kExitUsage;
    }
    std::vector<rules::Rule>& loaded = *rules_loaded;
    if (format == "json") {
        std::string out = "[";
        for (size_t i = 0; i < loaded.size(); ++i) {
            const rules::Rule& r = loaded[i];
            out += i ? ",\n " : "";
            out += "{\"id\":" + firebreak::JsonQuote(r.id) +
                   ",\"title\":" + firebreak::JsonQuote(r.title) +
                   ",\"severity\":" + firebreak::JsonQuote(rules::SeverityName(r.severity)) +
                   ",\"mitre\":";
            out += JsonStringList(r.mitre);
            out += ",\"format\":";
            out += r.format == rules::RuleFormat::kSigma ? "\"sigma\"" : "\"firebreak\"";
            if (!r.author.empty()) {
                out += ",\"author\":" + firebreak::JsonQuote(r.author);
            }
            if (!r.filters.empty()) {
                out += ",\"filters\":" + JsonStringList(r.filters);
            }
            out += ",\"source\":" + firebreak::JsonQuote(r.pos.ToString()) + "}";
        }
        out += "]\n";
        std::fputs(out.c_str(), stdout);
        return kExitOk;
    }
    for (const rules::Rule& r : loaded) {
        std::string mitre;
        for (const std::string& m : r.mitre) {
            mitre += (mitre.empty() ? "" : ",") + m;
        }
        std::printf("%-13s %-9s %-48s %-22s %s\n",
                    std::string(rules::SeverityLabel(r.severity)).c_str(),
                    r.format == rules::RuleFormat::kSigma ? "sigma" : "firebreak",
                    r.id.c_str(),
                    mitre.c_str(),
                    r.title.c_str());
    }
    std::printf("%zu rules\n", loaded.size());
    return kExitOk;
}

int RunRulesCoverage(const RuleFlags& flags, const std::string& format) {
    LoadSummary summary;
    auto rules_loaded = LoadForCommand(flags, &summary);
    if (!rules_loaded) {
        return kExitUsage;
    }
    std::vector<rules::Rule>& loaded = *rules_loaded;
    auto tables = firebreak::BuiltinAttackTables();
    const rules::RuleSource* tactics = nullptr;
    const rules::RuleSource* techniques = nullptr;
    for (const rules::RuleSource& t : tables) {
        if (t.name == "builtin:tactics.tsv") {
            tactics = &t;
        } else if (t.name == "builtin:enterprise-cloud.tsv") {
            techniques = &t;
        }
    }
    Diagnostics table_diags;
    auto catalog = rules::AttackCatalog::Parse(
            tactics->name, tactics->text, techniques->name, techniques->text, &table_diags);
    PrintDiagnostics(table_diags);
    auto report = rules::BuildCoverage(loaded, catalog);
    std::string text = format == "json" ? rules::RenderCoverageJson(report)
                                        : rules::RenderCoverageTable(report);
    std::fputs(text.c_str(), stdout);
    return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"firebreak: CloudTrail threat hunting and incident response for AWS"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "firebreak 0.1.0");

    // hunt
    CLI::App* hunt = app.add_subcommand("hunt", "Scan CloudTrail archives with rule packs");
    RuleFlags hunt_rules;
    AddRuleFlags(hunt, &hunt_rules);
    std::vector<std::string> hunt_paths;
    std::string format = "table";
    std::string output;
    std::string since, until, fail_on;
    std::vector<std::string> accounts, regions;
    unsigned threads = 0;
    bool progress_on = false, progress_off = false, quiet = false, no_unwrap = false;
    hunt->add_option("paths",
                     hunt_paths,
                     "CloudTrail log files or folders (plain or gzip, S3 layout or not), JSON "
                     "Lines, EventBridge events")
            ->required();
    hunt->add_option("--format,-f",
                     format,
                     "table (default), jsonl (ASFF per line), asff "
                     "(BatchImportFindings bodies), summary (counts per rule only: to size up a "
                     "noisy pack)")
            ->check(CLI::IsMember({"table", "jsonl", "asff", "summary"}));
    hunt->add_option("--output,-o", output, "Write findings to this file instead of stdout");
    hunt->add_option("--since", since, "Only events at or after this UTC time");
    hunt->add_option("--until", until, "Only events at or before this UTC time");
    hunt->add_option("--account", accounts, "Only these account ids (repeatable)")
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    hunt->add_option("--region", regions, "Only these regions (repeatable)")
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    hunt->add_option("--threads,-j", threads, "Worker threads (default: all cores)");
    hunt->add_option(
            "--fail-on", fail_on, "Exit 1 when a finding at or above this severity exists");
    hunt->add_flag("--progress", progress_on, "Always show the progress bar");
    hunt->add_flag("--no-progress", progress_off, "Never show the progress bar");
    hunt->add_flag("--quiet,-q", quiet, "No summary");
    hunt->add_flag("--no-unwrap",
                   no_unwrap,
                   "Match CloudTrail events delivered through EventBridge as envelopes only");

    // rules
    CLI::App* rules_cmd = app.add_subcommand("rules", "Test, lint and list rules");
    rules_cmd->require_subcommand(1);
    CLI::App* rules_test = rules_cmd->add_subcommand("test", "Run every rule's embedded tests");
    RuleFlags test_rules;
    AddRuleFlags(rules_test, &test_rules);
    bool verbose = false;
    rules_test->add_flag("--verbose,-v", verbose, "Also print rule and test counts");
    CLI::App* rules_lint = rules_cmd->add_subcommand("lint", "Check rule files for problems");
    RuleFlags lint_rules;
    AddRuleFlags(rules_lint, &lint_rules);
    std::vector<std::string> lint_paths;
    rules_lint->add_option(
            "paths", lint_paths, "Rule files or folders (default: the built-in pack and --rules)");
    CLI::App* rules_list = rules_cmd->add_subcommand("list", "List the loaded rules");
    RuleFlags list_rules;
    AddRuleFlags(rules_list, &list_rules);
    std::string list_format = "table";
    rules_list->add_option("--format", list_format, "table or json")
            ->check(CLI::IsMember({"table", "json"}));

    CLI::App* rules_coverage = rules_cmd->add_subcommand(
            "coverage", "Which MITRE ATT&CK techniques the loaded rules cover, by tactic");
    RuleFlags coverage_rules;
    AddRuleFlags(rules_coverage, &coverage_rules);
    std::string coverage_format = "table";
    rules_coverage->add_option("--format", coverage_format, "table or json")
            ->check(CLI::IsMember({"table", "json"}));

    firebreak::cli::SandboxFlags sandbox_flags;
    CLI::App* sandbox_cmd = firebreak::cli::AddSandboxCommand(app, &sandbox_flags);

    firebreak::cli::ServeFlags serve_flags;
    CLI::App* serve_cmd = firebreak::cli::AddServeCommand(app, &serve_flags);

    firebreak::cli::ResponseArgs response_args;
    firebreak::cli::ResponseCommands response_cmds =
            firebreak::cli::AddResponseCommands(app, &response_args);

    firebreak::cli::EvidenceArgs evidence_args;
    firebreak::cli::EvidenceCommands evidence_cmds =
            firebreak::cli::AddEvidenceCommands(app, &evidence_args);
    firebreak::cli::VaultArgs vault_args;
    firebreak::cli::VaultCommands vault_cmds = firebreak::cli::AddVaultCommands(app, &vault_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }

    try {
        if (hunt->parsed()) {
            firebreak::pipeline::HuntOptions options;
            options.threads = threads;
            options.filter.since = ParseTimeFlag(since, "--since");
            options.filter.until = ParseTimeFlag(until, "--until");
            options.filter.accounts = accounts;
            options.filter.regions = regions;
            options.reader.unwrap_cloudtrail_envelopes = !no_unwrap;
            int progress_mode = progress_on ? 1 : progress_off ? -1 : 0;
            return RunHuntCommand(
                    hunt_rules, hunt_paths, format, output, options, fail_on, progress_mode, quiet);
        }
        if (rules_test->parsed()) {
            return RunRulesTest(test_rules, verbose);
        }
        if (rules_lint->parsed()) {
            return RunRulesLint(lint_rules, lint_paths);
        }
        if (rules_list->parsed()) {
            return RunRulesList(list_rules, list_format);
        }
        if (rules_coverage->parsed()) {
            return RunRulesCoverage(coverage_rules, coverage_format);
        }
        if (sandbox_cmd->parsed()) {
            return firebreak::cli::RunSandbox(sandbox_flags);
        }
        if (serve_cmd->parsed()) {
            return firebreak::cli::RunServe(serve_flags);
        }
        if (int code = firebreak::cli::RunResponseCommands(response_cmds, response_args);
            code >= 0) {
            return code;
        }
        if (int code = firebreak::cli::RunEvidenceCommands(evidence_cmds, evidence_args);
            code >= 0) {
            return code;
        }
        if (int code = firebreak::cli::RunVaultCommands(vault_cmds, vault_args); code >= 0) {
            return code;
        }
    } catch (const CLI::ValidationError& e) {
        std::fprintf(stderr, "firebreak: %s\n", e.what());
        return kExitUsage;
    }
    return kExitUsage;
}
