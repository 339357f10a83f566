#include "firebreak/matcher/compiled_ruleset.h"

#include <algorithm>
#include <optional>

#include <re2/re2.h>

#include "firebreak/matcher/value_match.h"

namespace firebreak::matcher {
namespace {

using event::ExtractedEvent;
using event::FieldId;
using event::kEndOfList;
using event::Occurrence;
using rules::Expr;
using rules::ExprKind;
using rules::MatcherKind;

// One value an index can look up: exact, or ASCII-lowercased for a case-insensitive matcher.
struct IndexKey {
    std::string text;
    bool folded = false;

    bool operator<(const IndexKey& o) const {
        return folded != o.folded ? folded < o.folded : text < o.text;
    }

    bool operator==(const IndexKey& o) const { return folded == o.folded && text == o.text; }
};

constexpr size_t kMaxFoldedKey = 128;

// Values (exact or case-folded) one of which any event matching `expr` must have at `path` (read
// deep or not), if such a set exists.
std::optional<std::vector<IndexKey>> RequiredValues(const Expr& expr,
                                                    const std::string& path,
                                                    bool deep) {
    switch (expr.kind) {
        case ExprKind::kField: {
            if (expr.field.path != path || expr.field.deep != deep) {
                return std::nullopt;
            }
            std::vector<IndexKey> values;
            for (const rules::ValueMatcher& m : expr.field.any_of) {
                if (m.kind == MatcherKind::kExactString && !m.ip) {
                    values.push_back({m.strings[0], false});
                } else if (m.kind == MatcherKind::kEqualsIgnoreCase &&
                           IsAscii(m.folded[0].pattern()) &&
                           m.folded[0].pattern().size() <= kMaxFoldedKey) {
                    values.push_back({firebreak::AsciiLower(m.folded[0].pattern()), true});
                } else {
                    return std::nullopt;
                }
            }
            return values;
        }
        case ExprKind::kAnd:
        case ExprKind::kConsistentAnd: {
            std::optional<std::vector<IndexKey>> best;
            for (const Expr& c : expr.children) {
                auto v = RequiredValues(c, path, deep);
                if (v && (!best || v->size() < best->size())) {
                    best = std::move(v);
                }
            }
            return best;
        }
        case ExprKind::kOr: {
            std::vector<IndexKey> all;
            for (const Expr& c : expr.children) {
                auto v = RequiredValues(c, path, deep);
                if (!v) {
                    return std::nullopt;
                }
                all.insert(all.end(), v->begin(), v->end());
            }
            std::sort(all.begin(), all.end());
            all.erase(std::unique(all.begin(), all.end()), all.end());
            return all;
        }
        case ExprKind::kNot:
            return std::nullopt;
    }
    return std::nullopt;
}

// True when two occurrences never lie in different elements of the same array.
bool Compatible(const ExtractedEvent& event, const Occurrence& a, const Occurrence& b) {
    auto ma = event.membership(a);
    auto mb = event.membership(b);
    for (const event::Membership& x : ma) {
        for (const event::Membership& y : mb) {
            if (x.array_instance == y.array_instance && x.index != y.index) {
                return false;
            }
        }
    }
    return true;
}

// In order of preference: a rule is indexed by the first of these its condition pins to a set of
// values. The last two catch rules about who calls (root, role sessions) or with what (one tool).
constexpr const char* kDiscriminants[] = {
        "eventName", "detail-type", "eventSource", "source", "userIdentity.type", "userAgent"};

}  // namespace

std::shared_ptr<const CompiledRuleset> CompiledRuleset::Compile(std::vector<rules::Rule> rules) {
    std::shared_ptr<CompiledRuleset> rs(new CompiledRuleset());
    rs->rules_ = std::move(rules);
    auto& plan = rs->plan_;
    SystemFields& f = rs->system_;
    f.event_id = plan.Intern("eventID");
    f.event_time = plan.Intern("eventTime");
    f.event_name = plan.Intern("eventName");
    f.event_source = plan.Intern("eventSource");
    f.aws_region = plan.Intern("awsRegion");
    f.recipient_account = plan.Intern("recipientAccountId");
    f.identity_type = plan.Intern("userIdentity.type");
    f.identity_arn = plan.Intern("userIdentity.arn");
    f.identity_account = plan.Intern("userIdentity.accountId");
    f.identity_principal = plan.Intern("userIdentity.principalId");
    f.identity_user_name = plan.Intern("userIdentity.userName");
    f.identity_access_key = plan.Intern("userIdentity.accessKeyId");
    f.identity_invoked_by = plan.Intern("userIdentity.invokedBy");
    f.identity_issuer_arn = plan.Intern("userIdentity.sessionContext.sessionIssuer.arn");
    f.source_ip = plan.Intern("sourceIPAddress");
    f.user_agent = plan.Intern("userAgent");
    f.error_code = plan.Intern("errorCode");
    f.detail_type = plan.Intern("detail-type");
    f.source = plan.Intern("source");
    f.account = plan.Intern("account");
    f.region = plan.Intern("region");
    f.time = plan.Intern("time");
    f.id = plan.Intern("id");
    f.detail_id = plan.Intern("detail.id");
    f.detail_type_gd = plan.Intern("detail.type");
    f.detail_severity = plan.Intern("detail.severity");
    f.detail_title = plan.Intern("detail.title");

    // Plain indexes first, then deep ones (Sigma reads fields deep), in discriminant order.
    for (bool deep : {false, true}) {
        for (const char* d : kDiscriminants) {
            Index index;
            index.deep = deep;
            index.field = deep ? plan.InternDeep(d) : plan.Intern(d);
            rs->indexes_.push_back(std::move(index));
        }
    }
    for (size_t i = 0; i < rs->rules_.size(); ++i) {
        const rules::Rule& rule = rs->rules_[i];
        rs->rule_roots_.push_back(rs->AddExpr(rule.Condition()));
        std::vector<std::vector<FieldId>> res;
        for (const rules::ResourceSpec& spec : rule.resources) {
            std::vector<FieldId> ids;
            for (const std::string& p : spec.paths) {
                ids.push_back(plan.Intern(p));
            }
            res.push_back(std::move(ids));
        }
        rs->resource_fields_.push_back(std::move(res));
        bool indexed = false;
        for (size_t k = 0; k < rs->indexes_.size() && !indexed; ++k) {
            Index& index = rs->indexes_[k];
            auto values = RequiredValues(
                    rule.match, kDiscriminants[k % std::size(kDiscriminants)], index.deep);
            if (!values) {
                continue;
            }
            for (const IndexKey& v : *values) {
                (v.folded ? index.folded : index.buckets)[v.text].push_back(
                        static_cast<uint32_t>(i));
            }
            index.all.push_back(static_cast<uint32_t>(i));
            indexed = true;
        }
        if (!indexed) {
            rs->always_.push_back(static_cast<uint32_t>(i));
        }
    }
    // Twins last: every path is interned by now.
    for (Predicate& p : rs->predicates_) {
        if (p.deep) {
            p.twin = plan.DeepTwin(p.field);
            for (Predicate::Ref& ref : p.refs) {
                ref.twin = plan.DeepTwin(ref.field);
            }
        }
    }
    for (Index& index : rs->indexes_) {
        if (index.deep) {
            index.twin = plan.DeepTwin(index.field);
        }
    }
    // Drop empty indexes so events do not pay for their lookups.
    rs->indexes_.erase(std::remove_if(rs->indexes_.begin(),
                                      rs->indexes_.end(),
                                      [](const Index& ix) { return ix.all.empty(); }),
                       rs->indexes_.end());
    return rs;
}

uint32_t CompiledRuleset::AddPredicate(const rules::FieldTest& test) {
    auto it = predicate_ids_.find(test.canonical);
    if (it != predicate_ids_.end()) {
        return it->second;
    }
    Predicate p;
    p.deep = test.deep;
    p.field = test.deep ? plan_.InternDeep(test.path) : plan_.Intern(test.path);
    size_t exact_count = 0;
    size_t folded_count = 0;
    auto foldable = [](const rules::ValueMatcher& m) {
        return m.kind == MatcherKind::kEqualsIgnoreCase && IsAscii(m.folded[0].pattern()) &&
               m.folded[0].pattern().size() <= kMaxFoldedKey;
    };
    for (const rules::ValueMatcher& m : test.any_of) {
        exact_count += m.kind == MatcherKind::kExactString && !m.ip ? 1 : 0;
        folded_count += foldable(m) ? 1 : 0;
    }
    bool hash = exact_count > 3;
    // One flag for the whole set: only fold alternatives that agree on scalar_text.
    bool fold = folded_count > 3;
    bool fold_scalar_text = false;
    if (fold) {
        for (const rules::ValueMatcher& m : test.any_of) {
            if (foldable(m)) {
                fold_scalar_text = m.scalar_text;
                break;
            }
        }
    }
    size_t wildcard_count = 0;
    for (const rules::ValueMatcher& m : test.any_of) {
        wildcard_count += m.kind == MatcherKind::kWildcard ? 1 : 0;
    }
    for (const rules::ValueMatcher& m : test.any_of) {
        if (m.kind == MatcherKind::kNotExists) {
            p.not_exists = true;
        } else if (m.kind == MatcherKind::kFieldRef) {
            p.refs.push_back(
                    {test.deep ? plan_.InternDeep(m.strings[0]) : plan_.Intern(m.strings[0]),
                     event::kNoField,
                     m.ref_mode});
        } else if (fold && foldable(m) && m.scalar_text == fold_scalar_text) {
            p.folded.insert(firebreak::AsciiLower(m.folded[0].pattern()));
            p.folded_scalar_text = fold_scalar_text;
        } else if (hash && m.kind == MatcherKind::kExactString && !m.ip) {
            p.exact.insert(m.strings[0]);
        } else if (wildcard_count > 1 && wildcard_count < 65536 &&
                   m.kind == MatcherKind::kWildcard) {
            const WildcardPattern& w = m.wildcards[0];
            std::string atom;
            for (const std::string& seg : w.segments) {
                if (seg.size() > atom.size()) {
                    atom = seg;
                }
            }
            if (p.by_first_byte.empty()) {
                p.by_first_byte.resize(256);
            }
            auto index = static_cast<uint16_t>(p.wildcards.size());
            if (atom.empty()) {
                p.atomless.push_back(index);
            } else {
                p.by_first_byte[static_cast<unsigned char>(atom[0])].push_back(index);
            }
            p.wildcards.push_back(w);
            p.atoms.push_back(std::move(atom));
        } else {
            p.exists |= m.kind == MatcherKind::kExists;
            p.matchers.push_back(m);
        }
    }
    auto id = static_cast<uint32_t>(predicates_.size());
    predicates_.push_back(std::move(p));
    predicate_ids_.emplace(test.canonical, id);
    return id;
}

uint32_t CompiledRuleset::AddExpr(const Expr& expr) {
    if (expr.kind == ExprKind::kField) {
        uint32_t pred = AddPredicate(expr.field);
        nodes_.push_back({ExprKind::kField, pred, 0});
        return static_cast<uint32_t>(nodes_.size() - 1);
    }
    std::vector<uint32_t> kids;
    for (const Expr& c : expr.children) {
        kids.push_back(AddExpr(c));
    }
    auto first = static_cast<uint32_t>(children_.size());
    children_.insert(children_.end(), kids.begin(), kids.end());
    nodes_.push_back({expr.kind, first, static_cast<uint32_t>(kids.size())});
    return static_cast<uint32_t>(nodes_.size() - 1);
}

bool CompiledRuleset::AnyWildcardMatches(const Predicate& p, std::string_view text) {
    for (uint16_t i : p.atomless) {
        if (p.wildcards[i].Matches(text)) {
            return true;
        }
    }
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const std::vector<uint16_t>& bucket =
                p.by_first_byte[static_cast<unsigned char>(text[pos])];
        for (uint16_t i : bucket) {
            const std::string& atom = p.atoms[i];
            if (text.size() - pos >= atom.size() && text.compare(pos, atom.size(), atom) == 0 &&
                p.wildcards[i].Matches(text)) {
                return true;
            }
        }
    }
    return false;
}

bool CompiledRuleset::OccurrenceMatches(const Predicate& p,
                                        event::ValueType type,
                                        std::string_view text,
                                        const ExtractedEvent& event) const {
    if (!p.exact.empty() && type == event::ValueType::kString &&
        p.exact.find(text) != p.exact.end()) {
        return true;
    }
    if (!p.wildcards.empty() && type == event::ValueType::kString && AnyWildcardMatches(p, text)) {
        return true;
    }
    if (!p.folded.empty()) {
        std::string_view t = text;
        bool usable = type == event::ValueType::kString;
        if (!usable && p.folded_scalar_text) {
            usable = type == event::ValueType::kNumber || type == event::ValueType::kTrue ||
                     type == event::ValueType::kFalse;
            t = type == event::ValueType::kTrue    ? std::string_view("true")
                : type == event::ValueType::kFalse ? std::string_view("false")
                                                   : text;
        }
        char buf[kMaxFoldedKey];
        std::string_view lowered;
        if (usable && AsciiLower(t, buf, sizeof(buf), &lowered) &&
            p.folded.find(lowered) != p.folded.end()) {
            return true;
        }
    }
    for (const rules::ValueMatcher& m : p.matchers) {
        if (ValueMatches(m, type, text)) {
            return true;
        }
    }
    for (const Predicate::Ref& ref : p.refs) {
        for (FieldId f : {ref.twin, ref.field}) {
            for (uint32_t i = event.first(f); i != kEndOfList; i = event.at(i).next) {
                const Occurrence& other = event.at(i);
                if (FieldRefMatches(ref.mode, type, text, other.type, other.text)) {
                    return true;
                }
            }
        }
    }
    return false;
}

bool CompiledRuleset::EvalPredicate(uint32_t pred,
                                    const ExtractedEvent& event,
                                    MatchScratch& s) const {
    MatchScratch::PredicateState& st = s.predicates_[pred];
    if (st.generation == s.generation_) {
        return st.satisfied;
    }
    const Predicate& p = predicates_[pred];
    st.generation = s.generation_;
    st.begin = static_cast<uint32_t>(s.occ_buffer_.size());
    st.count = 0;
    st.flat = true;
    st.all_in_arrays = true;
    st.no_values = event.first(p.field) == kEndOfList && event.first(p.twin) == kEndOfList;
    for (FieldId f : {p.twin, p.field}) {
        for (uint32_t i = event.first(f); i != kEndOfList; i = event.at(i).next) {
            const Occurrence& occ = event.at(i);
            st.all_in_arrays &= occ.membership_count != 0;
            bool hit = false;
            if (occ.type != event::ValueType::kRaw) {
                hit = OccurrenceMatches(p, occ.type, occ.text, event);
            } else {
                // An object at a deep path: present for `exists`; its leaves for the rest.
                hit = p.exists ||
                      s.leaves_.Any(occ.text, [&](event::ValueType t, std::string_view v) {
                          return OccurrenceMatches(p, t, v, event);
                      });
            }
            if (hit) {
                s.occ_buffer_.push_back(i);
                ++st.count;
                st.flat &= occ.membership_count == 0;
            }
        }
    }
    st.satisfied = st.count > 0 || (p.not_exists && st.no_values);
    return st.satisfied;
}

bool CompiledRuleset::EvalConsistent(const Node& node,
                                     const ExtractedEvent& event,
                                     MatchScratch& s) const {
    int non_flat = 0;
    bool relative_absence = false;
    for (uint32_t k = 0; k < node.count; ++k) {
        uint32_t pred = nodes_[children_[node.first + k]].first;
        EvalPredicate(pred, event, s);
        const MatchScratch::PredicateState& st = s.predicates_[pred];
        bool can_be_absent = predicates_[pred].not_exists && (st.no_values || st.all_in_arrays);
        if (st.count == 0 && !can_be_absent) {
            return false;
        }
        non_flat += st.flat ? 0 : 1;
        relative_absence |= predicates_[pred].not_exists && !st.no_values;
    }
    if (!relative_absence && non_flat <= 1) {
        return true;
    }
    s.choice_.assign(node.count, 0);
    int budget = 1 << 20;
    return Search(node, 0, event, s, &budget);
}

// Depth-first search over one value per field (or "absent" for an exists:false field whose
// values all lie in arrays): chosen values must be pairwise compatible, and an absent field must
// have no value compatible with all chosen ones. `budget` bounds pathological inputs.
bool CompiledRuleset::Search(const Node& node,
                             uint32_t k,
                             const ExtractedEvent& event,
                             MatchScratch& s,
                             int* budget) const {
    if (--*budget < 0) {
        return false;
    }
    auto pred_of = [&](uint32_t j) {
        return nodes_[children_[node.first + j]].first;
    };
    auto chosen_occ = [&](uint32_t j) -> const Occurrence* {
        const MatchScratch::PredicateState& st = s.predicates_[pred_of(j)];
        if (s.choice_[j] >= st.count) {
            return nullptr;  // absent, or a field without values
        }
        return &event.at(s.occ_buffer_[st.begin + s.choice_[j]]);
    };
    if (k == node.count) {
        for (uint32_t j = 0; j < node.count; ++j) {
            uint32_t pred = pred_of(j);
            const MatchScratch::PredicateState& st = s.predicates_[pred];
            if (s.choice_[j] < st.count || st.no_values) {
                continue;
            }
            // Absent: no value of this field may sit in the chosen array elements.
            for (uint32_t i = event.first(predicates_[pred].field); i != kEndOfList;
                 i = event.at(i).next) {
                bool compatible = true;
                for (uint32_t c = 0; c < node.count && compatible; ++c) {
                    const Occurrence* o = chosen_occ(c);
                    compatible = o == nullptr || Compatible(event, event.at(i), *o);
                }
                if (compatible) {
                    return false;
                }
            }
        }
        return true;
    }
    uint32_t pred = pred_of(k);
    const MatchScratch::PredicateState& st = s.predicates_[pred];
    bool absent_option = predicates_[pred].not_exists && !st.no_values && st.all_in_arrays;
    if (st.count == 0 && st.no_values) {
        s.choice_[k] = 0;  // satisfied by plain absence
        return Search(node, k + 1, event, s, budget);
    }
    for (uint32_t c = 0; c < st.count; ++c) {
        const Occurrence& cand = event.at(s.occ_buffer_[st.begin + c]);
        bool ok = true;
        for (uint32_t j = 0; j < k && ok; ++j) {
            const Occurrence* o = chosen_occ(j);
            ok = o == nullptr || Compatible(event, cand, *o);
        }
        if (!ok) {
            continue;
        }
        s.choice_[k] = c;
        if (Search(node, k + 1, event, s, budget)) {
            return true;
        }
    }
    if (absent_option) {
        s.choice_[k] = st.count;
        if (Search(node, k + 1, event, s, budget)) {
            return true;
        }
    }
    return false;
}

bool CompiledRuleset::EvalNode(uint32_t index, const ExtractedEvent& event, MatchScratch& s) const {
    const Node& node = nodes_[index];
    switch (node.kind) {
        case ExprKind::kField: {
            // Outside an EventBridge conjunction, absence is plain: no value at all.
            EvalPredicate(node.first, event, s);
            const MatchScratch::PredicateState& st = s.predicates_[node.first];
            return st.count > 0 || (predicates_[node.first].not_exists && st.no_values);
        }
        case ExprKind::kAnd:
            for (uint32_t k = 0; k < node.count; ++k) {
                if (!EvalNode(children_[node.first + k], event, s)) {
                    return false;
                }
            }
            return true;
        case ExprKind::kOr:
            for (uint32_t k = 0; k < node.count; ++k) {
                if (EvalNode(children_[node.first + k], event, s)) {
                    return true;
                }
            }
            return false;
        case ExprKind::kNot:
            return !EvalNode(children_[node.first], event, s);
        case ExprKind::kConsistentAnd:
            return EvalConsistent(node, event, s);
    }
    return false;
}

void CompiledRuleset::Match(const ExtractedEvent& event,
                            MatchScratch& s,
                            std::vector<uint32_t>* matched) const {
    if (++s.generation_ == 0) {
        // Wrapped: clear stamps so stale entries cannot look current.
        for (auto& p : s.predicates_) {
            p.generation = 0;
        }
        std::fill(s.rule_stamp_.begin(), s.rule_stamp_.end(), 0);
        s.generation_ = 1;
    }
    s.occ_buffer_.clear();
    s.candidates_.clear();
    for (const Index& index : indexes_) {
        for (uint32_t i = event.first(index.twin); i != kEndOfList; i = event.at(i).next) {
            LookUpCandidates(index, event.at(i), s);
        }
        for (uint32_t i = event.first(index.field); i != kEndOfList; i = event.at(i).next) {
            LookUpCandidates(index, event.at(i), s);
        }
    }
    s.candidates_.insert(s.candidates_.end(), always_.begin(), always_.end());
    size_t before = matched->size();
    for (uint32_t r : s.candidates_) {
        if (EvalNode(rule_roots_[r], event, s)) {
            matched->push_back(r);
        }
    }
    std::sort(matched->begin() + static_cast<std::ptrdiff_t>(before), matched->end());
}

void CompiledRuleset::LookUpCandidates(const Index& index,
                                       const Occurrence& occ,
                                       MatchScratch& s) const {
    std::string_view text = occ.text;
    switch (occ.type) {
        case event::ValueType::kString:
            break;
        case event::ValueType::kRaw:
            // An object where a value was expected: its leaves may match a deep test.
            AddCandidates(index.all, s);
            return;
        case event::ValueType::kNumber:
        case event::ValueType::kTrue:
        case event::ValueType::kFalse:
            if (!index.deep) {
                return;  // plain indexes hold strings only
            }
            text = occ.type == event::ValueType::kTrue    ? std::string_view("true")
                   : occ.type == event::ValueType::kFalse ? std::string_view("false")
                                                          : text;
            break;
        case event::ValueType::kNull:
            return;
    }
    auto it = index.buckets.find(text);
    if (it != index.buckets.end()) {
        AddCandidates(it->second, s);
    }
    if (!index.folded.empty()) {
        char buf[kMaxFoldedKey];
        std::string_view lowered;
        if (AsciiLower(text, buf, sizeof(buf), &lowered)) {
            auto f = index.folded.find(lowered);
            if (f != index.folded.end()) {
                AddCandidates(f->second, s);
            }
        }
    }
}

void CompiledRuleset::AddCandidates(const std::vector<uint32_t>& rules, MatchScratch& s) const {
    for (uint32_t r : rules) {
        if (s.rule_stamp_[r] != s.generation_) {
            s.rule_stamp_[r] = s.generation_;
            s.candidates_.push_back(r);
        }
    }
}

std::string CompiledRuleset::ToCanonicalString(size_t index) const {
    return rules_[index].Condition().ToCanonicalString();
}

MatchScratch::MatchScratch(const CompiledRuleset& ruleset)
    : predicates_(ruleset.predicates_.size()),
      rule_stamp_(ruleset.rules_.size(), 0) {
    occ_buffer_.reserve(256);
    candidates_.reserve(64);
}

}  // namespace firebreak::matcher
