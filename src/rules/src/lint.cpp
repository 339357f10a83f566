// Lint checks beyond what loading refuses: patterns that can never match, missing tests.
#include <algorithm>
#include <string>

#include "firebreak/event/event_reader.h"
#include "firebreak/rules/rule.h"

namespace firebreak::rules {
namespace {

bool AllExactStrings(const FieldTest& t, std::vector<std::string>* values) {
    for (const ValueMatcher& m : t.any_of) {
        if (m.kind != MatcherKind::kExactString) {
            return false;
        }
        values->push_back(m.strings[0]);
    }
    return true;
}

void CheckConjunction(const Rule& rule, const Expr& conj, Diagnostics* diags) {
    bool needs_envelope_only = false;
    const FieldTest* record_field = nullptr;
    for (const Expr& c : conj.children) {
        const FieldTest& t = c.field;
        std::vector<std::string> values;
        if (!AllExactStrings(t, &values)) {
            continue;
        }
        if (t.path == "eventSource") {
            for (const std::string& v : values) {
                if (v.size() < 14 || v.compare(v.size() - 14, 14, ".amazonaws.com") != 0) {
                    diags->Error("never-matches",
                                 t.pos,
                                 "rule " + rule.id + ": eventSource \"" + v +
                                         "\" never occurs (CloudTrail event sources end in "
                                         ".amazonaws.com)");
                }
            }
        }
        if (t.path == "eventName") {
            for (const std::string& v : values) {
                if (v.empty() || v.find(' ') != std::string::npos) {
                    diags->Error("never-matches",
                                 t.pos,
                                 "rule " + rule.id + ": eventName \"" + v +
                                         "\" is not an API operation name");
                }
            }
        }
        if (t.path == "detail-type") {
            bool any_cloudtrail = false;
            for (const std::string& v : values) {
                any_cloudtrail |= event::IsCloudTrailDetailType(v);
            }
            needs_envelope_only = !any_cloudtrail;
        }
        if (t.path == "eventName" || t.path == "eventSource" || t.path == "userIdentity.type") {
            record_field = &t;
        }
    }
    if (needs_envelope_only && record_field != nullptr) {
        diags->Error("never-matches",
                     record_field->pos,
                     "rule " + rule.id +
                             ": requires a non-CloudTrail detail-type and the "
                             "CloudTrail field \"" +
                             record_field->path +
                             "\" at the top level; such events never have both (use detail." +
                             record_field->path + ")");
    }
}

void CheckExpr(const Rule& rule, const Expr& e, Diagnostics* diags) {
    if (e.kind == ExprKind::kConsistentAnd) {
        CheckConjunction(rule, e, diags);
        return;
    }
    for (const Expr& c : e.children) {
        CheckExpr(rule, c, diags);
    }
}

}  // namespace

namespace {

// CloudTrail's top-level object fields: a Sigma value "requestParameters.userName" compared as
// text is almost always a field reference written without |fieldref (a literal that never
// appears in an event).
constexpr std::string_view kRecordObjects[] = {"userIdentity",
                                               "requestParameters",
                                               "responseElements",
                                               "additionalEventData",
                                               "serviceEventDetails",
                                               "tlsDetails",
                                               "resources",
                                               "detail"};

bool LooksLikeFieldPath(std::string_view v) {
    size_t dot = v.find('.');
    if (dot == std::string_view::npos || v.find_first_of(" /:*?") != std::string_view::npos) {
        return false;
    }
    std::string_view head = v.substr(0, dot);
    return std::find(std::begin(kRecordObjects), std::end(kRecordObjects), head) !=
           std::end(kRecordObjects);
}

void LintSigmaValues(const Rule& rule, const Expr& e, Diagnostics* diags) {
    if (e.kind != ExprKind::kField) {
        for (const Expr& c : e.children) {
            LintSigmaValues(rule, c, diags);
        }
        return;
    }
    for (const ValueMatcher& m : e.field.any_of) {
        if (m.kind == MatcherKind::kFieldRef || m.kind == MatcherKind::kRegex ||
            m.strings.empty()) {
            continue;
        }
        if (LooksLikeFieldPath(m.strings[0])) {
            diags->Warning("sigma-literal-field-path",
                           e.field.pos,
                           "rule " + rule.id + ": " + e.field.path +
                                   " is compared with the text \"" + m.strings[0] +
                                   "\", which names a field; to compare with that field's value "
                                   "use |fieldref");
        }
    }
}

}  // namespace

void LintRules(const std::vector<Rule>& rules, Diagnostics* diags) {
    for (const Rule& rule : rules) {
        CheckExpr(rule, rule.match, diags);
        std::string match_canon = rule.match.ToCanonicalString();
        for (const Expr& u : rule.unless) {
            if (u.ToCanonicalString() == match_canon) {
                diags->Error("never-matches",
                             rule.pos,
                             "rule " + rule.id +
                                     ": an unless pattern equals the match pattern, so "
                                     "the rule can never fire");
            }
        }
        bool has_match = false;
        bool has_no_match = false;
        for (const RuleTest& t : rule.tests) {
            has_match |= t.expect_match;
            has_no_match |= !t.expect_match;
        }
        if (!has_match || !has_no_match) {
            if (rule.format == RuleFormat::kSigma) {
                // Third-party Sigma rules have no place for tests: a warning, with the remedy.
                diags->Warning("missing-tests",
                               rule.pos,
                               "Sigma rule " + rule.id +
                                       " has no `expect: match` and `expect: no-match` tests; "
                                       "add them in a `tests-for: " +
                                       rule.id + "` file");
            } else {
                diags->Error("missing-tests",
                             rule.pos,
                             "rule " + rule.id +
                                     " needs at least one `expect: match` and one "
                                     "`expect: no-match` test");
            }
        }
        if (rule.format == RuleFormat::kSigma) {
            LintSigmaValues(rule, rule.match, diags);
        }
        if (rule.mitre.empty()) {
            diags->Warning("no-mitre", rule.pos, "rule " + rule.id + " has no MITRE technique");
        }
        if (rule.references.empty()) {
            diags->Warning("no-references", rule.pos, "rule " + rule.id + " has no references");
        }
    }
}

}  // namespace firebreak::rules
