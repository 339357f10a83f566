// Lint checks beyond what loading refuses: patterns that can never match, missing tests.
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
            diags->Error("missing-tests",
                         rule.pos,
                         "rule " + rule.id +
                                 " needs at least one `expect: match` and one "
                                 "`expect: no-match` test");
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
