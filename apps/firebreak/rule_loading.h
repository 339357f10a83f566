// File: rule_loading.h
//
// Rule flags and loading shared by hunt, rules and serve: the built-in pack and/or user packs
// (a user rule with a built-in rule's id replaces it), Sigma placeholders, --skip-invalid.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "firebreak/core/diagnostics.h"
#include "firebreak/rules/rule.h"

namespace firebreak::cli {

struct RuleFlags {
    std::vector<std::string> packs;
    bool no_builtin = false;
    bool skip_invalid = false;
    std::string sigma_placeholders;  // YAML file: placeholder name -> value or list of values
};

// What loading left out, for the summary line.
struct LoadSummary {
    int skipped = 0;          // invalid rules (only loaded at all under --skip-invalid)
    int other_logsource = 0;  // Sigma rules for other log sources
    int sigma = 0;            // Sigma rules loaded
    int filters = 0;          // Sigma filters applied
};

void AddRuleFlags(CLI::App* app, RuleFlags* flags);

// Loads the built-in pack and/or user packs. Returns false when loading failed (diagnostics are
// in *diags for the caller to print).
bool LoadAllRules(const RuleFlags& flags,
                  std::vector<rules::Rule>* out,
                  Diagnostics* diags,
                  LoadSummary* summary);

}  // namespace firebreak::cli
