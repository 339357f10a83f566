#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "firebreak/core/text.h"
#include "firebreak/rules/node.h"
#include "firebreak/rules/pattern.h"
#include "firebreak/rules/rule.h"
#include "firebreak/rules/sigma.h"

namespace firebreak::rules {
namespace {

constexpr std::string_view kRuleKeys[] = {"id",
                                          "title",
                                          "description",
                                          "severity",
                                          "mitre",
                                          "match",
                                          "unless",
                                          "resources",
                                          "references",
                                          "tests",
                                          "tags",
                                          "author",
                                          "status"};

bool IsValidRuleId(std::string_view id) {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

bool IsMitreId(std::string_view t) {
    if (t.size() != 5 && t.size() != 9) {
        return false;
    }
    if (t[0] != 'T') {
        return false;
    }
    for (size_t i = 1; i < 5; ++i) {
        if (t[i] < '0' || t[i] > '9') {
            return false;
        }
    }
    if (t.size() == 9) {
        if (t[5] != '.') {
            return false;
        }
        for (size_t i = 6; i < 9; ++i) {
            if (t[i] < '0' || t[i] > '9') {
                return false;
            }
        }
    }
    return true;
}

void CollectTests(const Node& list, std::vector<RuleTest>* out, Diagnostics* diags) {
    if (!list.is_array()) {
        diags->Error("bad-tests", list.pos, "\"tests\" must be a list");
        return;
    }
    for (const Node& t : list.items) {
        if (!t.is_object()) {
            diags->Error("bad-tests", t.pos, "a test must be a mapping with expect and event");
            continue;
        }
        RuleTest test;
        test.pos = t.pos;
        for (const auto& [k, v] : t.members) {
            if (k != "name" && k != "expect" && k != "event") {
                diags->Error("unknown-key", v.pos, "unknown test key \"" + k + "\"");
            }
        }
        const Node* name = t.Find("name");
        test.name = name != nullptr && name->is_string() ? name->text : "";
        const Node* expect = t.Find("expect");
        if (expect == nullptr || !expect->is_string() ||
            (expect->text != "match" && expect->text != "no-match")) {
            diags->Error("bad-tests",
                         expect != nullptr ? expect->pos : t.pos,
                         "a test needs expect: match or expect: no-match");
            continue;
        }
        test.expect_match = expect->text == "match";
        const Node* ev = t.Find("event");
        if (ev == nullptr) {
            diags->Error("bad-tests", t.pos, "a test needs an event");
            continue;
        }
        if (ev->is_string()) {
            auto parsed = event::ParseJson(ev->text);
            if (!parsed) {
                diags->Error("bad-tests",
                             ev->pos,
                             "test event is not valid JSON: " + parsed.error().message());
                continue;
            }
            test.event_json = ev->text;
        } else if (ev->is_object()) {
            test.event_json = ev->ToJson();
        } else {
            diags->Error("bad-tests", ev->pos, "test event must be a mapping or a JSON string");
            continue;
        }
        out->push_back(std::move(test));
    }
}

class RuleCollector {
public:
    RuleCollector(Diagnostics* diags) : diags_(diags) {}

    // Returns a rule, or nullopt if this document has errors (already reported).
    std::optional<Rule> Collect(const Node& doc) {
        int errors_before = diags_->error_count();
        Rule rule;
        rule.pos = doc.pos;
        if (!doc.is_object()) {
            Error("not-a-rule",
                  doc.pos,
                  "a rule document must be a mapping, not " + std::string(doc.TypeName()));
            return std::nullopt;
        }
        std::set<std::string> seen;
        for (const auto& [key, value] : doc.members) {
            if (std::find(std::begin(kRuleKeys), std::end(kRuleKeys), key) == std::end(kRuleKeys)) {
                Error("unknown-key", value.pos, "unknown rule key \"" + key + "\"");
            }
            if (!seen.insert(key).second) {
                Error("duplicate-key", value.pos, "duplicate rule key \"" + key + "\"");
            }
        }
        rule.id = RequiredString(doc, "id");
        if (!rule.id.empty() && !IsValidRuleId(rule.id)) {
            Error("bad-id",
                  doc.Find("id")->pos,
                  "rule id \"" + rule.id + "\" may use only letters, digits, '-', '_' and '.'");
        }
        rule.title = RequiredString(doc, "title");
        rule.description = RequiredString(doc, "description");
        std::string severity = RequiredString(doc, "severity");
        if (!severity.empty()) {
            auto s = ParseSeverity(severity);
            if (!s) {
                Error("bad-severity",
                      doc.Find("severity")->pos,
                      "severity must be informational, low, medium, high or critical, not \"" +
                              severity + "\"");
            } else {
                rule.severity = *s;
            }
        }
        rule.mitre = StringList(doc, "mitre");
        for (const std::string& t : rule.mitre) {
            if (!IsMitreId(t)) {
                Error("bad-mitre",
                      doc.Find("mitre")->pos,
                      "\"" + t + "\" is not an ATT&CK technique id (Txxxx or Txxxx.yyy)");
            }
        }
        rule.references = StringList(doc, "references");
        const Node* match = doc.Find("match");
        if (match == nullptr) {
            Error("missing-key", doc.pos, "rule has no \"match\" pattern");
        } else {
            auto e = CompilePattern(*match, diags_);
            if (e) {
                rule.match = std::move(*e);
            }
        }
        if (const Node* unless = doc.Find("unless")) {
            if (!unless->is_array()) {
                Error("bad-unless", unless->pos, "\"unless\" must be a list of patterns");
            } else {
                for (const Node& p : unless->items) {
                    auto e = CompilePattern(p, diags_);
                    if (e) {
                        rule.unless.push_back(std::move(*e));
                    }
                }
            }
        }
        if (const Node* resources = doc.Find("resources")) {
            CollectResources(*resources, &rule);
        }
        if (const Node* tests = doc.Find("tests")) {
            CollectTests(*tests, &rule.tests, diags_);
        }
        if (diags_->error_count() > errors_before) {
            return std::nullopt;
        }
        return rule;
    }

private:
    void Error(const char* code, const SourcePos& pos, std::string message) {
        diags_->Error(code, pos, std::move(message));
    }

    std::string RequiredString(const Node& doc, std::string_view key) {
        const Node* n = doc.Find(key);
        if (n == nullptr) {
            Error("missing-key", doc.pos, "rule has no \"" + std::string(key) + "\"");
            return {};
        }
        if (!n->is_string() || n->text.empty()) {
            Error("bad-value", n->pos, "\"" + std::string(key) + "\" must be a non-empty string");
            return {};
        }
        return n->text;
    }

    std::vector<std::string> StringList(const Node& doc, std::string_view key) {
        std::vector<std::string> out;
        const Node* n = doc.Find(key);
        if (n == nullptr) {
            return out;
        }
        if (n->is_string()) {
            out.push_back(n->text);
            return out;
        }
        if (!n->is_array()) {
            Error("bad-value", n->pos, "\"" + std::string(key) + "\" must be a list of strings");
            return out;
        }
        for (const Node& item : n->items) {
            if (!item.is_string()) {
                Error("bad-value",
                      item.pos,
                      "\"" + std::string(key) + "\" entries must be strings, not " +
                              std::string(item.TypeName()));
                continue;
            }
            out.push_back(item.text);
        }
        return out;
    }

    void CollectResources(const Node& list, Rule* rule) {
        if (!list.is_array()) {
            Error("bad-resources", list.pos, "\"resources\" must be a list");
            return;
        }
        for (const Node& r : list.items) {
            const Node* type = r.Find("type");
            const Node* id = r.Find("id");
            if (!r.is_object() || type == nullptr || id == nullptr || !type->is_string() ||
                !id->is_string()) {
                Error("bad-resources", r.pos, "a resource needs string \"type\" and \"id\"");
                continue;
            }
            for (const auto& [k, v] : r.members) {
                if (k != "type" && k != "id") {
                    Error("unknown-key", v.pos, "unknown resource key \"" + k + "\"");
                }
            }
            ResourceSpec spec;
            spec.type = type->text;
            spec.id_template = id->text;
            const std::string& t = id->text;
            size_t pos = 0;
            while ((pos = t.find('{', pos)) != std::string::npos) {
                size_t end = t.find('}', pos);
                if (end == std::string::npos) {
                    Error("bad-resources", id->pos, "unclosed '{' in resource id template");
                    break;
                }
                std::string path = t.substr(pos + 1, end - pos - 1);
                if (path.empty()) {
                    Error("bad-resources", id->pos, "empty {} in resource id template");
                }
                spec.paths.push_back(path);
                pos = end + 1;
            }
            rule->resources.push_back(std::move(spec));
        }
    }

    Diagnostics* diags_;
};

}  // namespace

std::string_view SeverityName(Severity s) {
    switch (s) {
        case Severity::kInformational:
            return "informational";
        case Severity::kLow:
            return "low";
        case Severity::kMedium:
            return "medium";
        case Severity::kHigh:
            return "high";
        case Severity::kCritical:
            return "critical";
    }
    return "?";
}

std::string_view SeverityLabel(Severity s) {
    switch (s) {
        case Severity::kInformational:
            return "INFORMATIONAL";
        case Severity::kLow:
            return "LOW";
        case Severity::kMedium:
            return "MEDIUM";
        case Severity::kHigh:
            return "HIGH";
        case Severity::kCritical:
            return "CRITICAL";
    }
    return "?";
}

std::optional<Severity> ParseSeverity(std::string_view text) {
    std::string lower = AsciiLower(text);
    for (auto s : {Severity::kInformational,
                   Severity::kLow,
                   Severity::kMedium,
                   Severity::kHigh,
                   Severity::kCritical}) {
        if (SeverityName(s) == lower) {
            return s;
        }
    }
    if (lower == "info") {
        return Severity::kInformational;
    }
    return std::nullopt;
}

Expr Rule::Condition() const {
    if (unless.empty()) {
        return match;
    }
    std::vector<Expr> parts;
    parts.push_back(match);
    parts.push_back(MakeNot(unless.size() == 1 ? unless[0] : MakeOr(unless)));
    return MakeAnd(std::move(parts));
}

namespace {

// Tests for a rule kept in another file ("tests-for: <rule id>"), e.g. for Sigma rules, which
// have no place for tests of their own.
struct SideTests {
    std::string rule_id;
    std::vector<RuleTest> tests;
    SourcePos pos;
};

bool CollectSideTests(const Node& doc, Diagnostics* diags, SideTests* out) {
    int before = diags->error_count();
    out->pos = doc.pos;
    for (const auto& [key, value] : doc.members) {
        if (key != "tests-for" && key != "tests") {
            diags->Error("unknown-key",
                         value.key_pos,
                         "unknown key \"" + key + "\" in a tests-for document");
        }
    }
    const Node* id = doc.Find("tests-for");
    if (!id->is_string() || id->text.empty()) {
        diags->Error("bad-value", id->pos, "\"tests-for\" must name a rule id");
    } else {
        out->rule_id = id->text;
    }
    const Node* tests = doc.Find("tests");
    if (tests == nullptr) {
        diags->Error("missing-key", doc.pos, "a tests-for document needs \"tests\"");
    } else {
        CollectTests(*tests, &out->tests, diags);
    }
    return diags->error_count() == before;
}

}  // namespace

LoadResult LoadRules(const std::vector<RuleSource>& sources,
                     const LoadOptions& options,
                     Diagnostics* diags) {
    LoadResult result;
    std::map<std::string, SourcePos> ids;
    std::vector<SideTests> side_tests;
    std::vector<SigmaFilter> filters;
    RuleCollector collector(diags);
    for (const RuleSource& src : sources) {
        int before = diags->error_count();
        std::vector<Node> docs = ParseYamlDocuments(src.text, src.name, diags);
        if (diags->error_count() > before) {
            ++result.skipped_rules;  // at least one rule lost to a syntax error
        }
        for (const Node& doc : docs) {
            if (doc.is_null()) {
                continue;  // empty document (e.g. a trailing ---)
            }
            std::optional<Rule> rule;
            if (doc.is_object() && doc.Find("tests-for") != nullptr) {
                SideTests side;
                if (CollectSideTests(doc, diags, &side)) {
                    side_tests.push_back(std::move(side));
                }
                continue;
            }
            if (IsSigmaFilter(doc)) {
                SigmaFilter filter;
                switch (CompileSigmaFilter(doc, options, diags, &filter)) {
                    case SigmaOutcome::kRule:
                        filters.push_back(std::move(filter));
                        break;
                    case SigmaOutcome::kOtherLogsource:
                        ++result.other_logsource_rules;
                        break;
                    case SigmaOutcome::kInvalid:
                        ++result.skipped_rules;
                        break;
                }
                continue;
            }
            if (IsSigmaDocument(doc)) {
                Rule r;
                switch (CompileSigmaRule(doc, options, diags, &r)) {
                    case SigmaOutcome::kRule:
                        rule = std::move(r);
                        break;
                    case SigmaOutcome::kOtherLogsource:
                        ++result.other_logsource_rules;
                        continue;
                    case SigmaOutcome::kInvalid:
                        break;
                }
            } else {
                rule = collector.Collect(doc);
            }
            if (!rule) {
                ++result.skipped_rules;
                continue;
            }
            auto [it, inserted] = ids.emplace(rule->id, rule->pos);
            if (!inserted) {
                diags->Error("duplicate-id",
                             rule->pos,
                             "duplicate rule id \"" + rule->id + "\" (first defined at " +
                                     it->second.ToString() + ")");
                ++result.skipped_rules;
                continue;
            }
            result.sigma_rules += rule->format == RuleFormat::kSigma ? 1 : 0;
            result.rules.push_back(std::move(*rule));
        }
    }
    for (SideTests& side : side_tests) {
        auto it = std::find_if(result.rules.begin(), result.rules.end(), [&](const Rule& r) {
            return r.id == side.rule_id;
        });
        if (it == result.rules.end()) {
            diags->Error("unknown-rule",
                         side.pos,
                         "tests-for names rule \"" + side.rule_id + "\", which is not loaded");
            continue;
        }
        for (RuleTest& t : side.tests) {
            it->tests.push_back(std::move(t));
        }
    }
    // Sigma filters amend the rules they name (by id or Sigma name), or every Sigma rule.
    for (SigmaFilter& filter : filters) {
        std::vector<bool> named(filter.rules.size(), false);
        int applied = 0;
        for (Rule& rule : result.rules) {
            bool hit = filter.any && rule.format == RuleFormat::kSigma;
            for (size_t i = 0; i < filter.rules.size(); ++i) {
                if (filter.rules[i] == rule.id ||
                    (!rule.name.empty() && filter.rules[i] == rule.name)) {
                    hit = true;
                    named[i] = true;
                }
            }
            if (!hit) {
                continue;
            }
            std::vector<Expr> both;
            both.push_back(std::move(rule.match));
            both.push_back(filter.condition);
            rule.match = MakeAnd(std::move(both));
            rule.filters.push_back(filter.id);
            ++applied;
        }
        for (size_t i = 0; i < filter.rules.size(); ++i) {
            if (!named[i]) {
                diags->Warning("sigma-filter-unused",
                               filter.pos,
                               "filter \"" + filter.title + "\" names rule \"" + filter.rules[i] +
                                       "\", which is not loaded");
            }
        }
        result.sigma_filters += applied > 0 ? 1 : 0;
    }
    result.ok = !diags->has_errors() || options.skip_invalid;
    return result;
}

std::vector<RuleSource> ReadRuleSources(const std::vector<std::string>& paths, Diagnostics* diags) {
    namespace fs = std::filesystem;
    std::vector<RuleSource> out;
    auto read = [&](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        if (!in) {
            diags->Error("unreadable", SourcePos{p.generic_string(), 0, 0}, "cannot read file");
            return;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        out.push_back({p.generic_string(), ss.str()});
    };
    auto is_yaml = [](const fs::path& p) {
        std::string ext = p.extension().string();
        return ext == ".yaml" || ext == ".yml";
    };
    for (const std::string& path : paths) {
        std::error_code ec;
        if (fs::is_regular_file(path, ec)) {
            read(path);
            continue;
        }
        if (!fs::is_directory(path, ec)) {
            diags->Error("unreadable", SourcePos{path, 0, 0}, "no such rule file or folder");
            continue;
        }
        std::vector<fs::path> files;
        for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
             it.increment(ec)) {
            if (it->is_regular_file() && is_yaml(it->path())) {
                files.push_back(it->path());
            }
        }
        if (ec) {
            diags->Error("unreadable", SourcePos{path, 0, 0}, ec.message());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            read(f);
        }
    }
    return out;
}

}  // namespace firebreak::rules
