#include "firebreak/rules/coverage.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "firebreak/core/text.h"

namespace firebreak::rules {
namespace {

std::vector<std::string> Split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) {
            end = s.size();
        }
        out.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::vector<std::string> SplitList(std::string_view s) {
    std::vector<std::string> out;
    if (s.empty()) {
        return out;
    }
    for (std::string& part : Split(s, ',')) {
        if (!part.empty()) {
            out.push_back(std::move(part));
        }
    }
    return out;
}

// Calls row(line_number, columns) for each data line after the header.
template <class Row>
void ForEachRow(std::string_view text, Row row) {
    bool header = true;
    int line_no = 0;
    for (std::string& line : Split(text, '\n')) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (header) {
            header = false;
            continue;
        }
        row(line_no, Split(line, '\t'));
    }
}

}  // namespace

AttackCatalog AttackCatalog::Parse(const std::string& tactics_name,
                                   std::string_view tactics_tsv,
                                   const std::string& techniques_name,
                                   std::string_view techniques_tsv,
                                   Diagnostics* diags) {
    AttackCatalog c;
    ForEachRow(tactics_tsv, [&](int line, const std::vector<std::string>& cols) {
        if (cols.size() != 3) {
            diags->Error("bad-attack-table",
                         SourcePos{tactics_name, line, 1},
                         "expected 3 tab-separated columns (id, shortname, name)");
            return;
        }
        c.tactics_.push_back({cols[0], cols[1], cols[2]});
    });
    std::set<std::string> tactic_names;
    for (const AttackTactic& t : c.tactics_) {
        tactic_names.insert(t.short_name);
    }
    ForEachRow(techniques_tsv, [&](int line, const std::vector<std::string>& cols) {
        if (cols.size() != 3 && cols.size() != 4) {
            diags->Error("bad-attack-table",
                         SourcePos{techniques_name, line, 1},
                         "expected tab-separated columns id, name, tactics[, replaced_by]");
            return;
        }
        AttackTechnique t{cols[0], cols[1], SplitList(cols[2]), {}};
        if (cols.size() == 4) {
            t.replaced_by = SplitList(cols[3]);
        }
        for (const std::string& tactic : t.tactics) {
            if (tactic_names.count(tactic) == 0) {
                diags->Error("bad-attack-table",
                             SourcePos{techniques_name, line, 1},
                             "unknown tactic \"" + tactic + "\"");
            }
        }
        c.techniques_.push_back(std::move(t));
    });
    std::sort(c.techniques_.begin(), c.techniques_.end(), [](const auto& a, const auto& b) {
        return a.id < b.id;
    });
    // "# ATT&CK version: Enterprise v19.2, released ..." in the header comment.
    constexpr std::string_view kVersion = "# ATT&CK version: ";
    size_t at = techniques_tsv.find(kVersion);
    if (at != std::string_view::npos) {
        std::string_view rest = techniques_tsv.substr(at + kVersion.size());
        size_t end = rest.find_first_of(",\n");
        c.version_ = std::string(rest.substr(0, end));
    }
    return c;
}

const AttackTechnique* AttackCatalog::Find(std::string_view id) const {
    auto it =
            std::lower_bound(techniques_.begin(),
                             techniques_.end(),
                             id,
                             [](const AttackTechnique& t, std::string_view v) { return t.id < v; });
    return it != techniques_.end() && it->id == id ? &*it : nullptr;
}

CoverageReport BuildCoverage(const std::vector<Rule>& rules, const AttackCatalog& catalog) {
    CoverageReport report;
    report.attack_version = catalog.version();
    report.rule_count = rules.size();
    // technique id -> covered entry (rules, via); unknown ids separately.
    std::map<std::string, CoveredTechnique> covered;
    std::map<std::string, CoveredTechnique> unknown;
    auto add = [](CoveredTechnique* c, const std::string& rule_id) {
        if (c->rule_ids.empty() || c->rule_ids.back() != rule_id) {
            c->rule_ids.push_back(rule_id);
        }
    };
    for (const Rule& rule : rules) {
        if (rule.mitre.empty()) {
            ++report.rules_without_techniques;
        }
        for (const std::string& id : rule.mitre) {
            const AttackTechnique* t = catalog.Find(id);
            if (t == nullptr) {
                CoveredTechnique& u = unknown[id];
                u.id = id;
                add(&u, rule.id);
                continue;
            }
            std::vector<const AttackTechnique*> targets;
            if (t->replaced_by.empty()) {
                targets.push_back(t);
            } else {
                for (const std::string& r : t->replaced_by) {
                    if (const AttackTechnique* rt = catalog.Find(r)) {
                        targets.push_back(rt);
                    }
                }
            }
            for (const AttackTechnique* target : targets) {
                CoveredTechnique& c = covered[target->id];
                c.id = target->id;
                c.name = target->name;
                add(&c, rule.id);
                if (target != t && std::find(c.via.begin(), c.via.end(), t->id) == c.via.end()) {
                    c.via.push_back(t->id);
                }
            }
        }
    }
    report.technique_count = covered.size();
    for (const AttackTactic& tactic : catalog.tactics()) {
        TacticCoverage tc;
        tc.tactic = tactic;
        for (const auto& [id, c] : covered) {
            const AttackTechnique* t = catalog.Find(id);
            if (std::find(t->tactics.begin(), t->tactics.end(), tactic.short_name) !=
                t->tactics.end()) {
                tc.techniques.push_back(c);
            }
        }
        report.tactics.push_back(std::move(tc));
    }
    for (const auto& [id, u] : unknown) {
        report.unknown.push_back(u);
    }
    return report;
}

namespace {

std::string Pad(std::string s, size_t width) {
    // Pads by bytes; names are ASCII.
    if (s.size() < width) {
        s.append(width - s.size(), ' ');
    }
    return s;
}

std::string Shorten(std::string s, size_t width) {
    if (s.size() > width) {
        s.resize(width - 3);
        s += "...";
    }
    return s;
}

}  // namespace

std::string RenderCoverageTable(const CoverageReport& r) {
    std::string out;
    char line[256];
    std::snprintf(line,
                  sizeof(line),
                  "ATT&CK coverage (%s): %zu rules name %zu techniques; %zu rules name none\n\n",
                  r.attack_version.empty() ? "ATT&CK" : r.attack_version.c_str(),
                  r.rule_count,
                  r.technique_count,
                  r.rules_without_techniques);
    out += line;
    out += Pad("TACTIC", 22) + Pad("TECHNIQUE", 11) + Pad("NAME", 64) + "RULES\n";
    for (const TacticCoverage& tc : r.tactics) {
        if (tc.techniques.empty()) {
            out += Pad(tc.tactic.short_name, 22) + Pad("-", 11) + "(no rule)\n";
            continue;
        }
        bool first = true;
        for (const CoveredTechnique& t : tc.techniques) {
            std::string via;
            for (const std::string& v : t.via) {
                via += (via.empty() ? " (as revoked " : ", ") + v;
            }
            if (!via.empty()) {
                via += ")";
            }
            out += Pad(first ? tc.tactic.short_name : "", 22) + Pad(t.id, 11) +
                   Pad(Shorten(t.name, 62), 64) + std::to_string(t.rule_ids.size()) + via + "\n";
            first = false;
        }
    }
    if (!r.unknown.empty()) {
        out += "\nNot in the ATT&CK table (unknown or mistyped ids):\n";
        for (const CoveredTechnique& u : r.unknown) {
            out += "  " + Pad(u.id, 11) + std::to_string(u.rule_ids.size()) + " rule(s): ";
            for (size_t i = 0; i < u.rule_ids.size(); ++i) {
                out += (i ? ", " : "") + u.rule_ids[i];
            }
            out += "\n";
        }
    }
    size_t covered_tactics = 0;
    for (const TacticCoverage& tc : r.tactics) {
        covered_tactics += tc.techniques.empty() ? 0 : 1;
    }
    std::snprintf(line,
                  sizeof(line),
                  "\n%zu of %zu tactics covered\n",
                  covered_tactics,
                  r.tactics.size());
    out += line;
    return out;
}

std::string RenderCoverageJson(const CoverageReport& r) {
    auto list = [](const std::vector<std::string>& v) {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) {
            s += (i ? "," : "") + JsonQuote(v[i]);
        }
        return s + "]";
    };
    auto technique = [&](const CoveredTechnique& t) {
        std::string s = "{\"id\":" + JsonQuote(t.id);
        if (!t.name.empty()) {
            s += ",\"name\":" + JsonQuote(t.name);
        }
        s += ",\"rules\":" + list(t.rule_ids);
        if (!t.via.empty()) {
            s += ",\"via_revoked\":" + list(t.via);
        }
        return s + "}";
    };
    std::string out =
            "{\"attack_version\":" + JsonQuote(r.attack_version) +
            ",\"rules\":" + std::to_string(r.rule_count) +
            ",\"rules_without_techniques\":" + std::to_string(r.rules_without_techniques) +
            ",\"techniques\":" + std::to_string(r.technique_count) + ",\"tactics\":[";
    for (size_t i = 0; i < r.tactics.size(); ++i) {
        const TacticCoverage& tc = r.tactics[i];
        out += (i ? "," : "");
        out += "{\"id\":" + JsonQuote(tc.tactic.id) + ",\"name\":" + JsonQuote(tc.tactic.name) +
               ",\"shortname\":" + JsonQuote(tc.tactic.short_name) + ",\"techniques\":[";
        for (size_t k = 0; k < tc.techniques.size(); ++k) {
            out += (k ? "," : "") + technique(tc.techniques[k]);
        }
        out += "]}";
    }
    out += "],\"unknown\":[";
    for (size_t i = 0; i < r.unknown.size(); ++i) {
        out += (i ? "," : "") + technique(r.unknown[i]);
    }
    out += "]}\n";
    return out;
}

}  // namespace firebreak::rules
