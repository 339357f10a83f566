// File: report.h
//
// Human-readable renderings of findings: the terminal table and the summary by rule and severity.
#pragma once

#include <string>
#include <vector>

#include "firebreak/findings/finding.h"

namespace firebreak::findings {

// One line per finding: time, severity, rule, account, region, principal, event, source IP.
std::string RenderTable(const std::vector<Finding>& findings, bool color);

// Counts by severity, then by rule (most severe first).
std::string RenderSummary(const std::vector<Finding>& findings, bool color);

}  // namespace firebreak::findings
