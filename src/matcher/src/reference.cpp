#include "firebreak/matcher/reference.h"

#include <string>
#include <utility>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/field_plan.h"
#include "firebreak/matcher/value_match.h"

namespace firebreak::matcher {
namespace {

using event::JsonValue;
using rules::Expr;
using rules::ExprKind;

struct Leaf {
    event::ValueType type;
    std::string_view text;
    std::vector<std::pair<const JsonValue*, size_t>> arrays;  // (array node, element index)
    bool nested = false;  // inside an object found at a deep path
};

// The leaf type of a scalar JSON value.
event::ValueType ScalarType(const JsonValue& v) {
    switch (v.type) {
        case JsonValue::Type::kString:
            return event::ValueType::kString;
        case JsonValue::Type::kNumber:
            return event::ValueType::kNumber;
        case JsonValue::Type::kBool:
            return v.boolean ? event::ValueType::kTrue : event::ValueType::kFalse;
        default:
            return event::ValueType::kNull;
    }
}

// Deep reading (Sigma): every non-null scalar inside an object, at any depth.
void EmitNested(const JsonValue& v, std::vector<Leaf>* out) {
    if (v.type == JsonValue::Type::kArray) {
        for (const JsonValue& item : v.items) {
            EmitNested(item, out);
        }
    } else if (v.type == JsonValue::Type::kObject) {
        for (const auto& member : v.members) {
            EmitNested(member.second, out);
        }
    } else if (v.type != JsonValue::Type::kNull) {
        out->push_back({ScalarType(v), v.text, {}, true});
    }
}

// The values at a path: scalars, arrays flattened. An object is no value when read plainly
// (EventBridge); read deep (Sigma) it is one value (kRaw, present for `exists`) plus its leaves.
void EmitLeaves(const JsonValue& v,
                std::vector<std::pair<const JsonValue*, size_t>>& stack,
                std::vector<Leaf>* out,
                bool deep) {
    switch (v.type) {
        case JsonValue::Type::kArray:
            for (size_t i = 0; i < v.items.size(); ++i) {
                stack.emplace_back(&v, i);
                EmitLeaves(v.items[i], stack, out, deep);
                stack.pop_back();
            }
            return;
        case JsonValue::Type::kObject:
            if (deep) {
                out->push_back({event::ValueType::kRaw, {}, stack});
                EmitNested(v, out);
            }
            return;
        default:
            out->push_back({ScalarType(v), v.text, stack});
            return;
    }
}

void Collect(const JsonValue& v,
             const std::vector<std::string_view>& segs,
             size_t i,
             std::vector<std::pair<const JsonValue*, size_t>>& stack,
             std::vector<Leaf>* out,
             bool skip_resources_at_top,
             bool deep) {
    if (i == segs.size()) {
        EmitLeaves(v, stack, out, deep);
        return;
    }
    if (v.type == JsonValue::Type::kArray) {
        for (size_t k = 0; k < v.items.size(); ++k) {
            stack.emplace_back(&v, k);
            Collect(v.items[k], segs, i, stack, out, false, deep);
            stack.pop_back();
        }
        return;
    }
    if (v.type != JsonValue::Type::kObject) {
        return;
    }
    for (const auto& [key, child] : v.members) {
        if (skip_resources_at_top && key == "resources") {
            continue;
        }
        // The key may cover one or more path segments ("a.b" == a -> b).
        std::string joined;
        for (size_t j = i; j < segs.size(); ++j) {
            if (j > i) {
                joined += '.';
            }
            joined += segs[j];
            if (key == joined) {
                Collect(child, segs, j + 1, stack, out, false, deep);
                break;
            }
            if (key.size() <= joined.size()) {
                break;
            }
        }
    }
}

class Evaluator {
public:
    Evaluator(const JsonValue& event, bool unwrap) : event_(event) {
        if (unwrap && event.is_object()) {
            const JsonValue* dt = event.Find("detail-type");
            const JsonValue* detail = event.Find("detail");
            if (dt != nullptr && dt->is_string() && detail != nullptr &&
                event::IsCloudTrailDetailType(dt->text)) {
                detail_ = detail;
            }
        }
    }

    bool Eval(const Expr& e) {
        switch (e.kind) {
            case ExprKind::kField: {
                std::vector<Leaf> matched;
                return FieldMatches(e.field, &matched);
            }
            case ExprKind::kAnd:
                for (const Expr& c : e.children) {
                    if (!Eval(c)) {
                        return false;
                    }
                }
                return true;
            case ExprKind::kOr:
                for (const Expr& c : e.children) {
                    if (Eval(c)) {
                        return true;
                    }
                }
                return false;
            case ExprKind::kNot:
                return !Eval(e.children[0]);
            case ExprKind::kConsistentAnd: {
                std::vector<FieldState> fields;
                for (const Expr& c : e.children) {
                    FieldState f;
                    f.all = Leaves(c.field.path, c.field.deep);
                    for (const rules::ValueMatcher& m : c.field.any_of) {
                        f.not_exists |= m.kind == rules::MatcherKind::kNotExists;
                    }
                    for (const Leaf& leaf : f.all) {
                        if (LeafMatches(c.field, leaf)) {
                            f.matched.push_back(leaf);
                        }
                    }
                    if (f.matched.empty() && !f.not_exists) {
                        return false;
                    }
                    fields.push_back(std::move(f));
                }
                std::vector<const Leaf*> chosen;
                std::vector<size_t> absent;
                return Choose(fields, 0, &chosen, &absent);
            }
        }
        return false;
    }

private:
    std::vector<Leaf> Leaves(const std::string& path, bool deep) {
        std::vector<Leaf> out;
        std::vector<std::pair<const JsonValue*, size_t>> stack;
        if (deep && path.empty()) {
            EmitLeaves(event_, stack, &out, true);  // the whole event (Sigma keywords)
            return out;
        }
        std::vector<std::string_view> segs = event::SplitPath(path);
        Collect(event_, segs, 0, stack, &out, detail_ != nullptr, deep);
        if (detail_ != nullptr) {
            Collect(*detail_, segs, 0, stack, &out, false, deep);
        }
        return out;
    }

    bool LeafMatches(const rules::FieldTest& t, const Leaf& leaf) {
        for (const rules::ValueMatcher& m : t.any_of) {
            if (m.kind == rules::MatcherKind::kFieldRef) {
                for (const Leaf& other : Leaves(m.strings[0], t.deep)) {
                    if (!other.nested &&
                        FieldRefMatches(m.ref_mode, leaf.type, leaf.text, other.type, other.text)) {
                        return true;
                    }
                }
            } else if (ValueMatches(m, leaf.type, leaf.text)) {
                return true;
            }
        }
        return false;
    }

    bool FieldMatches(const rules::FieldTest& t, std::vector<Leaf>* matched) {
        std::vector<Leaf> leaves = Leaves(t.path, t.deep);
        bool not_exists = false;
        for (const rules::ValueMatcher& m : t.any_of) {
            not_exists |= m.kind == rules::MatcherKind::kNotExists;
        }
        for (const Leaf& leaf : leaves) {
            if (LeafMatches(t, leaf)) {
                matched->push_back(leaf);
            }
        }
        return !matched->empty() || (not_exists && leaves.empty());
    }

    static bool Compatible(const Leaf& a, const Leaf& b) {
        for (const auto& [arr_a, idx_a] : a.arrays) {
            for (const auto& [arr_b, idx_b] : b.arrays) {
                if (arr_a == arr_b && idx_a != idx_b) {
                    return false;
                }
            }
        }
        return true;
    }

    struct FieldState {
        std::vector<Leaf> all;
        std::vector<Leaf> matched;
        bool not_exists = false;
    };

    // Picks one matched value per field, or "absent" for an exists:false field, such that all
    // picked values are pairwise compatible and no value of an absent field is compatible with
    // all of them (EventBridge checks absence within the array elements the match lies in).
    bool Choose(const std::vector<FieldState>& fields,
                size_t k,
                std::vector<const Leaf*>* chosen,
                std::vector<size_t>* absent) {
        if (k == fields.size()) {
            for (size_t a : *absent) {
                for (const Leaf& leaf : fields[a].all) {
                    bool compatible = true;
                    for (const Leaf* c : *chosen) {
                        compatible = compatible && Compatible(leaf, *c);
                    }
                    if (compatible) {
                        return false;
                    }
                }
            }
            return true;
        }
        for (const Leaf& leaf : fields[k].matched) {
            bool ok = true;
            for (const Leaf* c : *chosen) {
                ok = ok && Compatible(leaf, *c);
            }
            if (!ok) {
                continue;
            }
            chosen->push_back(&leaf);
            if (Choose(fields, k + 1, chosen, absent)) {
                return true;
            }
            chosen->pop_back();
        }
        if (fields[k].not_exists) {
            absent->push_back(k);
            if (Choose(fields, k + 1, chosen, absent)) {
                return true;
            }
            absent->pop_back();
        }
        return false;
    }

    const JsonValue& event_;
    const JsonValue* detail_ = nullptr;
};

}  // namespace

bool ReferenceMatch(const Expr& expr, const JsonValue& event, bool unwrap_cloudtrail) {
    Evaluator evaluator(event, unwrap_cloudtrail);
    return evaluator.Eval(expr);
}

}  // namespace firebreak::matcher
