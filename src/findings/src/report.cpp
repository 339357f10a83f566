#include "firebreak/findings/report.h"

#include <algorithm>
#include <map>

namespace firebreak::findings {
namespace {

const char* SeverityColor(rules::Severity s) {
    switch (s) {
        case rules::Severity::kCritical:
            return "\033[1;35m";
        case rules::Severity::kHigh:
            return "\033[1;31m";
        case rules::Severity::kMedium:
            return "\033[33m";
        case rules::Severity::kLow:
            return "\033[36m";
        case rules::Severity::kInformational:
            return "\033[2m";
    }
    return "";
}

std::string Clip(const std::string& s, size_t width) {
    if (s.size() <= width) {
        return s;
    }
    return s.substr(0, width - 1) + "~";
}

// Shortens principal ARNs to what a responder reads: "user/alice", "assumed-role/Role/session".
std::string ShortPrincipal(const std::string& arn) {
    size_t pos = arn.find(":user/");
    if (pos == std::string::npos) {
        pos = arn.find(":assumed-role/");
    }
    if (pos == std::string::npos) {
        pos = arn.find(":role/");
    }
    if (pos != std::string::npos) {
        return arn.substr(pos + 1);
    }
    if (arn.size() > 5 && arn.compare(arn.size() - 5, 5, ":root") == 0) {
        return "root";
    }
    return arn;
}

void Pad(std::string* out, const std::string& s, size_t width) {
    *out += s;
    if (s.size() < width) {
        out->append(width - s.size(), ' ');
    }
    out->push_back(' ');
}

}  // namespace

namespace {
constexpr size_t kTime = 20, kSev = 13, kRule = 40, kAcct = 12, kRegion = 14, kWho = 34,
                 kEvent = 30;
}  // namespace

std::string RenderTableHeader() {
    std::string out;
    Pad(&out, "TIME", kTime);
    Pad(&out, "SEVERITY", kSev);
    Pad(&out, "RULE", kRule);
    Pad(&out, "ACCOUNT", kAcct);
    Pad(&out, "REGION", kRegion);
    Pad(&out, "PRINCIPAL", kWho);
    Pad(&out, "EVENT", kEvent);
    out += "SOURCE IP\n";
    return out;
}

std::string RenderTableRow(const Finding& f, bool color) {
    std::string out;
    Pad(&out, Clip(f.event_time, kTime), kTime);
    std::string sev(rules::SeverityLabel(f.rule->severity));
    if (color) {
        out += SeverityColor(f.rule->severity);
        out += sev;
        out += "\033[0m";
        out.append(kSev - sev.size() + 1, ' ');
    } else {
        Pad(&out, sev, kSev);
    }
    Pad(&out, Clip(f.rule->id, kRule), kRule);
    Pad(&out, Clip(f.account, kAcct), kAcct);
    Pad(&out, Clip(f.region, kRegion), kRegion);
    Pad(&out, Clip(ShortPrincipal(f.principal), kWho), kWho);
    std::string ev = f.event_name.empty() ? f.detail_type : f.event_name;
    if (!f.error_code.empty()) {
        ev += " (" + f.error_code + ")";
    }
    Pad(&out, Clip(ev, kEvent), kEvent);
    out += f.source_ip;
    out += '\n';
    return out;
}

std::string RenderTable(const std::vector<Finding>& findings, bool color) {
    std::string out = RenderTableHeader();
    for (const Finding& f : findings) {
        out += RenderTableRow(f, color);
    }
    return out;
}

void FindingTally::Add(const Finding& f) {
    AddCount(f.rule, 1);
}

void FindingTally::AddCount(const rules::Rule* rule, size_t count) {
    if (count == 0) {
        return;
    }
    auto& entry = by_rule_[rule->id];
    entry.first = rule;
    entry.second += count;
    by_severity_[static_cast<int>(rule->severity)] += count;
    total_ += count;
}

bool FindingTally::max_severity(rules::Severity* out) const {
    for (int s = 4; s >= 0; --s) {
        if (by_severity_[s] > 0) {
            *out = static_cast<rules::Severity>(s);
            return true;
        }
    }
    return false;
}

std::string FindingTally::Render(bool color) const {
    std::string out = "Findings: " + std::to_string(total_);
    const rules::Severity order[] = {rules::Severity::kCritical,
                                     rules::Severity::kHigh,
                                     rules::Severity::kMedium,
                                     rules::Severity::kLow,
                                     rules::Severity::kInformational};
    bool first = true;
    for (rules::Severity s : order) {
        size_t n = by_severity_[static_cast<int>(s)];
        if (n == 0) {
            continue;
        }
        out += first ? " (" : ", ";
        first = false;
        out += std::to_string(n) + " " + std::string(rules::SeverityName(s));
    }
    out += first ? "\n" : ")\n";
    std::vector<std::pair<const rules::Rule*, size_t>> rows;
    for (const auto& [id, entry] : by_rule_) {
        rows.push_back(entry);
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        if (a.first->severity != b.first->severity) {
            return a.first->severity > b.first->severity;
        }
        return a.first->id < b.first->id;
    });
    for (const auto& [rule, count] : rows) {
        std::string sev(rules::SeverityLabel(rule->severity));
        out += "  ";
        if (color) {
            out += SeverityColor(rule->severity) + sev + "\033[0m";
            out.append(14 - sev.size(), ' ');
        } else {
            Pad(&out, sev, 13);
        }
        std::string n = std::to_string(count);
        out.append(n.size() < 6 ? 6 - n.size() : 0, ' ');
        out += n + "  " + rule->id + "  " + rule->title + "\n";
    }
    return out;
}

std::string RenderSummary(const std::vector<Finding>& findings, bool color) {
    FindingTally tally;
    for (const Finding& f : findings) {
        tally.Add(f);
    }
    return tally.Render(color);
}

}  // namespace firebreak::findings
