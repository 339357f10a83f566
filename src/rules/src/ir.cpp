#include "firebreak/rules/ir.h"

#include <algorithm>

#include <re2/filtered_re2.h>
#include <re2/re2.h>

namespace firebreak::rules {

std::string Expr::ToCanonicalString() const {
    switch (kind) {
        case ExprKind::kField:
            return field.canonical;
        case ExprKind::kNot:
            return "not(" + children[0].ToCanonicalString() + ")";
        case ExprKind::kAnd:
        case ExprKind::kOr:
        case ExprKind::kConsistentAnd: {
            std::string out = kind == ExprKind::kAnd  ? "and("
                              : kind == ExprKind::kOr ? "or("
                                                      : "all(";
            bool first = true;
            for (const Expr& c : children) {
                if (!first) {
                    out += ", ";
                }
                first = false;
                out += c.ToCanonicalString();
            }
            return out + ")";
        }
    }
    return "?";
}

Expr MakeField(FieldTest test) {
    Expr e;
    e.kind = ExprKind::kField;
    e.field = std::move(test);
    return e;
}

Expr MakeNot(Expr child) {
    Expr e;
    e.kind = ExprKind::kNot;
    e.children.push_back(std::move(child));
    return e;
}

Expr MakeAnd(std::vector<Expr> children) {
    Expr e;
    e.kind = ExprKind::kAnd;
    e.children = std::move(children);
    return e;
}

Expr MakeOr(std::vector<Expr> children) {
    Expr e;
    e.kind = ExprKind::kOr;
    e.children = std::move(children);
    return e;
}

std::optional<ValueMatcher> MakeRegexMatcher(const std::string& pattern,
                                             bool case_insensitive,
                                             bool multi_line,
                                             bool dot_all,
                                             std::string* error) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!case_insensitive);
    options.set_dot_nl(dot_all);
    options.set_max_mem(8 << 20);
    std::string text = multi_line ? "(?m)" + pattern : pattern;
    auto re = std::make_shared<const RE2>(text, options);
    if (!re->ok()) {
        *error = re->error();
        return std::nullopt;
    }
    ValueMatcher m;
    m.kind = MatcherKind::kRegex;
    m.strings.push_back(pattern);
    m.regex = std::move(re);
    // A literal prefilter (e.g. ".+:assumed-role/aws:.+" needs ":assumed-role/aws:"), so most
    // values are refused by a substring search instead of a regex run. Only for case-sensitive
    // patterns with ASCII atoms: atoms are lowercased, and under (?i) RE2 also matches non-ASCII
    // case variants (the Kelvin sign for k) that ASCII lowering of the text would miss.
    if (!case_insensitive) {
        auto filter = std::make_shared<re2::FilteredRE2>(3);
        int id = 0;
        if (filter->Add(text, options, &id) == RE2::NoError) {
            std::vector<std::string> atoms;
            filter->Compile(&atoms);
            bool ascii = std::all_of(
                    atoms.begin(), atoms.end(), [](const std::string& a) { return IsAscii(a); });
            // The fast path below rejects a value that holds none of the atoms without asking
            // RE2; that is exact only if the filter refuses the empty atom set, checked here.
            std::vector<int> potential;
            filter->AllPotentials({}, &potential);
            if (!atoms.empty() && ascii && potential.empty()) {
                m.prefilter = std::move(filter);
                m.atoms = std::move(atoms);
            }
        }
    }
    m.canonical = "{\"re\":" + JsonQuote(pattern) + (case_insensitive ? ",\"i\":true" : "") +
                  (multi_line ? ",\"m\":true" : "") + (dot_all ? ",\"s\":true" : "") + "}";
    return m;
}

void CollectPaths(const Expr& expr, std::vector<PathUse>* paths) {
    if (expr.kind == ExprKind::kField) {
        paths->push_back({expr.field.path, expr.field.deep});
        for (const ValueMatcher& m : expr.field.any_of) {
            if (m.kind == MatcherKind::kFieldRef) {
                paths->push_back({m.strings[0], expr.field.deep});
            }
        }
        return;
    }
    for (const Expr& c : expr.children) {
        CollectPaths(c, paths);
    }
}

}  // namespace firebreak::rules
