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

std::string RenderTable(const std::vector<Finding>& findings, bool color) {
    std::string out;
    const size_t w_time = 20, w_sev = 13, w_rule = 40, w_acct = 12, w_region = 14, w_who = 34,
                 w_event = 30;
    Pad(&out, "TIME", w_time);
    Pad(&out, "SEVERITY", w_sev);
    Pad(&out, "RULE", w_rule);
    Pad(&out, "ACCOUNT", w_acct);
    Pad(&out, "REGION", w_region);
    Pad(&out, "PRINCIPAL", w_who);
    Pad(&out, "EVENT", w_event);
    out += "SOURCE IP\n";
    for (const Finding& f : findings) {
        Pad(&out, Clip(f.event_time, w_time), w_time);
        std::string sev(rules::SeverityLabel(f.rule->severity));
        if (color) {
            out += SeverityColor(f.rule->severity);
            out += sev;
            out += "\033[0m";
            out.append(w_sev - sev.size() + 1, ' ');
        } else {
            Pad(&out, sev, w_sev);
        }
        Pad(&out, Clip(f.rule->id, w_rule), w_rule);
        Pad(&out, Clip(f.account, w_acct), w_acct);
        Pad(&out, Clip(f.region, w_region), w_region);
        Pad(&out, Clip(ShortPrincipal(f.principal), w_who), w_who);
        std::string ev = f.event_name.empty() ? f.detail_type : f.event_name;
        if (!f.error_code.empty()) {
            ev += " (" + f.error_code + ")";
        }
        Pad(&out, Clip(ev, w_event), w_event);
        out += f.source_ip;
        out += '\n';
    }
    return out;
}

std::string RenderSummary(const std::vector<Finding>& findings, bool color) {
    std::map<std::string, std::pair<const rules::Rule*, size_t>> by_rule;
    size_t by_sev[5] = {0, 0, 0, 0, 0};
    for (const Finding& f : findings) {
        auto& entry = by_rule[f.rule->id];
        entry.first = f.rule;
        ++entry.second;
        ++by_sev[static_cast<int>(f.rule->severity)];
    }
    std::string out = "Findings: " + std::to_string(findings.size());
    const rules::Severity order[] = {rules::Severity::kCritical,
                                     rules::Severity::kHigh,
                                     rules::Severity::kMedium,
                                     rules::Severity::kLow,
                                     rules::Severity::kInformational};
    bool first = true;
    for (rules::Severity s : order) {
        size_t n = by_sev[static_cast<int>(s)];
        if (n == 0) {
            continue;
        }
        out += first ? " (" : ", ";
        first = false;
        out += std::to_string(n) + " " + std::string(rules::SeverityName(s));
    }
    out += first ? "\n" : ")\n";
    std::vector<std::pair<const rules::Rule*, size_t>> rows;
    for (auto& [id, entry] : by_rule) {
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

}  // namespace firebreak::findings
