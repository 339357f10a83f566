#include "firebreak/rules/ir.h"

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

void CollectPaths(const Expr& expr, std::vector<std::string>* paths) {
    if (expr.kind == ExprKind::kField) {
        paths->push_back(expr.field.path);
        return;
    }
    for (const Expr& c : expr.children) {
        CollectPaths(c, paths);
    }
}

}  // namespace firebreak::rules
