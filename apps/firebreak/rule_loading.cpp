#include "rule_loading.h"

#include <map>
#include <set>

#include "firebreak/builtin_rules.h"
#include "firebreak/rules/node.h"

namespace firebreak::cli {
namespace {

// Reads a placeholders file: a YAML mapping of name -> string or list of strings.
bool LoadPlaceholders(const std::string& path,
                      std::map<std::string, std::vector<std::string>>* out,
                      Diagnostics* diags) {
    auto sources = rules::ReadRuleSources({path}, diags);
    if (sources.empty()) {
        return false;
    }
    int before = diags->error_count();
    auto docs = rules::ParseYamlDocuments(sources[0].text, sources[0].name, diags);
    for (const rules::Node& doc : docs) {
        if (doc.is_null()) {
            continue;
        }
        if (!doc.is_object()) {
            diags->Error("bad-placeholders", doc.pos, "expected a mapping of name: [values]");
            continue;
        }
        for (const auto& [name, value] : doc.members) {
            std::vector<std::string>& values = (*out)[name];
            const std::vector<rules::Node> one{value};
            for (const rules::Node& v : value.is_array() ? value.items : one) {
                if (v.is_string() || v.is_number()) {
                    values.push_back(v.text);
                } else {
                    diags->Error("bad-placeholders", v.pos, "placeholder values must be strings");
                }
            }
        }
    }
    return diags->error_count() == before;
}

}  // namespace

void AddRuleFlags(CLI::App* app, RuleFlags* flags) {
    app->add_option("--rules",
                    flags->packs,
                    "Rule file or folder to add (repeatable); a rule with a built-in rule's id "
                    "replaces it")
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app->add_flag("--no-builtin-rules", flags->no_builtin, "Do not load the built-in rule pack");
    app->add_flag("--skip-invalid",
                  flags->skip_invalid,
                  "Load the valid rules even if some rules are invalid (they are reported and "
                  "counted)");
    app->add_option("--sigma-placeholders",
                    flags->sigma_placeholders,
                    "YAML file giving values for Sigma `expand` placeholders "
                    "(name: [value, ...])");
}

bool LoadAllRules(const RuleFlags& flags,
                  std::vector<rules::Rule>* out,
                  Diagnostics* diags,
                  LoadSummary* summary) {
    rules::LoadOptions options;
    options.skip_invalid = flags.skip_invalid;
    if (!flags.sigma_placeholders.empty() &&
        !LoadPlaceholders(flags.sigma_placeholders, &options.sigma_placeholders, diags)) {
        return false;
    }
    std::vector<rules::Rule> builtin;
    if (!flags.no_builtin) {
        auto r = rules::LoadRules(firebreak::BuiltinRuleSources(), options, diags);
        builtin = std::move(r.rules);
        summary->skipped += r.skipped_rules;
    }
    std::vector<rules::Rule> user;
    if (!flags.packs.empty()) {
        auto sources = rules::ReadRuleSources(flags.packs, diags);
        auto r = rules::LoadRules(sources, options, diags);
        user = std::move(r.rules);
        summary->skipped += r.skipped_rules;
        summary->other_logsource += r.other_logsource_rules;
        summary->sigma += r.sigma_rules;
        summary->filters += r.sigma_filters;
    }
    std::set<std::string> user_ids;
    for (const rules::Rule& r : user) {
        user_ids.insert(r.id);
    }
    for (rules::Rule& r : builtin) {
        if (user_ids.count(r.id) == 0) {
            out->push_back(std::move(r));
        }
    }
    for (rules::Rule& r : user) {
        out->push_back(std::move(r));
    }
    return !diags->has_errors() || flags.skip_invalid;
}

}  // namespace firebreak::cli
