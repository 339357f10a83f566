// File: coverage.h
//
// MITRE ATT&CK coverage of a set of loaded rules (`firebreak rules coverage`): which techniques
// the rules name, grouped by tactic, from a technique table shipped with firebreak
// (data/attack/*.tsv, embedded). Techniques ATT&CK has revoked are counted under their
// replacement, so rules written against older ATT&CK versions still land in the right place.
#pragma once

#include <string>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/rules/rule.h"

namespace firebreak::rules {

struct AttackTactic {
    std::string id;          // TA0003
    std::string short_name;  // persistence
    std::string name;        // Persistence
};

struct AttackTechnique {
    std::string id;  // T1098 or T1098.001
    std::string name;
    std::vector<std::string> tactics;      // short names, kill-chain order
    std::vector<std::string> replaced_by;  // non-empty when revoked
};

// The technique table: parsed from tactics.tsv and enterprise-cloud.tsv (tab-separated; '#'
// comments; one header line). Bad lines become diagnostics naming file:line.
class AttackCatalog {
public:
    static AttackCatalog Parse(const std::string& tactics_name,
                               std::string_view tactics_tsv,
                               const std::string& techniques_name,
                               std::string_view techniques_tsv,
                               Diagnostics* diags);

    const std::vector<AttackTactic>& tactics() const { return tactics_; }

    const AttackTechnique* Find(std::string_view id) const;

    // "Enterprise v19.2", from the technique table's header comment, or "".
    const std::string& version() const { return version_; }

    size_t technique_count() const { return techniques_.size(); }

private:
    std::vector<AttackTactic> tactics_;
    std::vector<AttackTechnique> techniques_;  // sorted by id
    std::string version_;
};

struct CoveredTechnique {
    std::string id;
    std::string name;
    std::vector<std::string> rule_ids;
    std::vector<std::string> via;  // revoked ids the rules named, counted here
};

struct TacticCoverage {
    AttackTactic tactic;
    std::vector<CoveredTechnique> techniques;  // sorted by id
};

struct CoverageReport {
    std::string attack_version;
    size_t rule_count = 0;
    size_t rules_without_techniques = 0;
    size_t technique_count = 0;  // distinct covered techniques (after replacement)
    std::vector<TacticCoverage> tactics;
    std::vector<CoveredTechnique> unknown;  // ids not in the table
};

CoverageReport BuildCoverage(const std::vector<Rule>& rules, const AttackCatalog& catalog);

std::string RenderCoverageTable(const CoverageReport& report);

std::string RenderCoverageJson(const CoverageReport& report);

}  // namespace firebreak::rules
