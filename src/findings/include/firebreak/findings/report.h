// File: report.h
//
// Human-readable renderings of findings: the terminal table and the summary by rule and severity.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "firebreak/findings/finding.h"

namespace firebreak::findings {

// One line per finding: time, severity, rule, account, region, principal, event, source IP.
std::string RenderTableHeader();

std::string RenderTableRow(const Finding& finding, bool color);

std::string RenderTable(const std::vector<Finding>& findings, bool color);

// Counts findings by rule and severity as they stream past.
class FindingTally {
public:
    void Add(const Finding& finding);

    // `count` findings of `rule` at once (a count-only hunt).
    void AddCount(const rules::Rule* rule, size_t count);

    size_t total() const { return total_; }

    // The highest severity seen; false when there were no findings.
    bool max_severity(rules::Severity* out) const;

    // "Findings: N (a high, b low)" then one line per rule, most severe first.
    std::string Render(bool color) const;

private:
    std::map<std::string, std::pair<const rules::Rule*, size_t>> by_rule_;
    size_t by_severity_[5] = {0, 0, 0, 0, 0};
    size_t total_ = 0;
};

std::string RenderSummary(const std::vector<Finding>& findings, bool color);

}  // namespace firebreak::findings
