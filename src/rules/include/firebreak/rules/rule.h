// File: rule.h
//
// A loaded rule: metadata for findings, the compiled match expression and its suppressions, and
// the rule's own test events. Rules come from rule packs (folders of YAML files, see
// docs/rules/format.md) through the loader: reader -> collector -> compiler, with diagnostics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/rules/ir.h"

namespace firebreak::rules {

enum class Severity : uint8_t { kInformational, kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity s);                     // "high"
std::string_view SeverityLabel(Severity s);                    // "HIGH" (ASFF Severity.Label)
std::optional<Severity> ParseSeverity(std::string_view text);  // case-insensitive

// An ASFF resource produced from the event: `id_template` with {dotted.path} placeholders.
struct ResourceSpec {
    std::string type;
    std::string id_template;
    std::vector<std::string> paths;  // placeholders, in order
};

struct RuleTest {
    std::string name;
    bool expect_match = true;
    std::string event_json;
    SourcePos pos;
};

enum class RuleFormat : uint8_t { kFirebreak, kSigma };

struct Rule {
    RuleFormat format = RuleFormat::kFirebreak;
    std::string id;
    std::string title;
    std::string description;
    Severity severity = Severity::kMedium;
    std::vector<std::string> mitre;    // ATT&CK technique ids
    std::vector<std::string> tactics;  // ATT&CK tactic short names a rule names itself (Sigma)
    std::vector<std::string> references;
    std::vector<std::string> falsepositives;
    std::string author;                // attribution (Sigma rules keep their authors; DRL 1.1)
    std::string name;                  // Sigma's optional `name` (filters may name rules by it)
    std::vector<std::string> filters;  // ids of the Sigma filters applied to this rule
    std::string status;                // Sigma: stable, test, experimental, deprecated, unsupported
    std::vector<ResourceSpec> resources;
    Expr match;
    std::vector<Expr> unless;
    std::vector<RuleTest> tests;
    SourcePos pos;  // the rule's document

    // match AND NOT (unless_1 OR ...): what the matcher evaluates.
    Expr Condition() const;
};

struct LoadOptions {
    bool skip_invalid = false;  // load the valid rules of a pack that has invalid ones
    // Values for Sigma's `expand` placeholders (%name% -> values), e.g. from
    // --sigma-placeholders. A rule whose placeholder has no values is refused, as the
    // specification requires.
    std::map<std::string, std::vector<std::string>> sigma_placeholders;
};

// One rule file's text.
struct RuleSource {
    std::string name;  // file path or "builtin:<file>"
    std::string text;
};

struct LoadResult {
    std::vector<Rule> rules;
    int skipped_rules = 0;          // invalid rules left out under skip_invalid
    int other_logsource_rules = 0;  // Sigma rules for other log sources (not CloudTrail), ignored
    int sigma_rules = 0;            // Sigma rules loaded
    int sigma_filters = 0;          // Sigma filters applied
    bool ok = true;                 // false: errors and not skip_invalid (nothing should run)
};

// Loads rule sources. Every problem becomes a diagnostic. Duplicate ids are errors.
LoadResult LoadRules(const std::vector<RuleSource>& sources,
                     const LoadOptions& options,
                     Diagnostics* diags);

// Reads *.yaml / *.yml files under each path (a file or a folder, recursively, sorted).
// Unreadable paths become diagnostics.
std::vector<RuleSource> ReadRuleSources(const std::vector<std::string>& paths, Diagnostics* diags);

// Extra lint checks on loaded rules (never-matching patterns, missing tests, metadata quality).
void LintRules(const std::vector<Rule>& rules, Diagnostics* diags);

}  // namespace firebreak::rules
