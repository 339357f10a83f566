// File: compiled_ruleset.h
//
// The compiled, immutable ruleset and its matcher.
//
//   rules (IR) --Compile--> CompiledRuleset { field plan, discriminant index, predicate table,
//                                            flattened expression program }
//
// Matching one event:
//   1. discriminant index: the event's eventName (else detail-type, eventSource, source) selects
//      the candidate rules whose patterns require one of its values; rules without a
//      discriminant are always candidates;
//   2. each candidate's expression program runs over memoised predicates: a predicate (a path and
//      its value matchers, shared by every rule that uses the same one) is evaluated at most once
//      per event; exact-string alternatives are hash lookups;
//   3. EventBridge array consistency is checked only when matched values lie in arrays.
// The cost per event therefore grows with the candidates for that event's name, not with the
// size of the ruleset.
//
// Threading: a CompiledRuleset is immutable and shared (std::shared_ptr<const CompiledRuleset>)
// by all workers; each worker owns a MatchScratch. Match() does not allocate in steady state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "firebreak/event/extracted_event.h"
#include "firebreak/event/field_plan.h"
#include "firebreak/event/leaf_scanner.h"
#include "firebreak/rules/rule.h"

namespace firebreak::matcher {

// Fields the finding builder reads from every event, whether or not a rule does.
struct SystemFields {
    event::FieldId event_id, event_time, event_name, event_source, aws_region, recipient_account,
            identity_type, identity_arn, identity_account, identity_principal, identity_user_name,
            identity_access_key, identity_invoked_by, identity_issuer_arn, source_ip, user_agent,
            error_code, detail_type, source, account, region, time, id, detail_id, detail_type_gd,
            detail_severity, detail_title;
};

class MatchScratch;

class CompiledRuleset {
public:
    // Compiles loaded rules. Never fails: rules were validated when loaded.
    static std::shared_ptr<const CompiledRuleset> Compile(std::vector<rules::Rule> rules);

    const event::FieldPlan& plan() const { return plan_; }

    const SystemFields& system_fields() const { return system_; }

    size_t rule_count() const { return rules_.size(); }

    const rules::Rule& rule(size_t index) const { return rules_[index]; }

    // Field ids for a rule's resource placeholders, parallel to rule(i).resources[k].paths.
    const std::vector<std::vector<event::FieldId>>& resource_fields(size_t index) const {
        return resource_fields_[index];
    }

    // Appends the indexes of matching rules, ascending, to *matched.
    void Match(const event::ExtractedEvent& event,
               MatchScratch& scratch,
               std::vector<uint32_t>* matched) const;

    // Statistics for `rules list` and benchmarks.
    size_t predicate_count() const { return predicates_.size(); }

    size_t indexed_rule_count() const { return rule_count() - always_.size(); }

    // Canonical text of a rule's compiled condition (golden tests).
    std::string ToCanonicalString(size_t index) const;

private:
    friend class MatchScratch;

    struct Predicate {
        event::FieldId field = event::kNoField;
        std::vector<rules::ValueMatcher> matchers;  // all but the hashed exact strings
        std::unordered_set<std::string, event::StringHash, std::equal_to<>> exact;  // hashed
        // Two or more `wildcard` alternatives share one literal prefilter: each pattern's
        // longest literal part (its "atom") must occur in a matching value, so one pass over the
        // value, indexed by first byte, finds the few patterns worth running.
        std::vector<WildcardPattern> wildcards;
        std::vector<std::string> atoms;                    // parallel to wildcards
        std::vector<std::vector<uint16_t>> by_first_byte;  // 256 buckets of pattern indexes
        std::vector<uint16_t> atomless;                    // patterns with no literal part
        // Many ASCII equals-ignore-case alternatives (Sigma's plain strings): one hash lookup
        // of the value, ASCII-lowercased.
        std::unordered_set<std::string, event::StringHash, std::equal_to<>> folded;
        bool folded_scalar_text = false;

        struct Ref {
            event::FieldId field = event::kNoField;
            event::FieldId twin = event::kNoField;
            rules::FieldRefMode mode = rules::FieldRefMode::kEquals;
        };

        std::vector<Ref> refs;  // fieldref targets
        // A deep field's scalars are recorded under its plain twin when the path is planned both
        // ways (FieldPlan::DeepTwin): read both lists.
        event::FieldId twin = event::kNoField;

        bool not_exists = false;  // some matcher is {"exists": false}
        bool exists = false;      // some matcher is {"exists": true} (an object satisfies it)
        bool deep = false;
    };

    struct Node {
        rules::ExprKind kind;
        uint32_t first = 0;  // kField: predicate id; else first child in children_
        uint32_t count = 0;  // number of children
    };

    // Rules keyed by a value their condition requires at one path: exact values, and
    // ASCII-lowercased ones for case-insensitive requirements (Sigma, equals-ignore-case).
    struct Index {
        event::FieldId field = event::kNoField;
        event::FieldId twin = event::kNoField;  // deep indexes: see Predicate::twin
        bool deep = false;
        event::StringMap<std::vector<uint32_t>> buckets;
        event::StringMap<std::vector<uint32_t>> folded;
        std::vector<uint32_t> all;  // every rule indexed here (a deep object makes all candidates)
    };

    CompiledRuleset() = default;

    uint32_t AddExpr(const rules::Expr& expr);

    uint32_t AddPredicate(const rules::FieldTest& test);

    bool EvalNode(uint32_t node, const event::ExtractedEvent& event, MatchScratch& s) const;

    bool EvalConsistent(const Node& node,
                        const event::ExtractedEvent& event,
                        MatchScratch& s) const;

    bool Search(const Node& node,
                uint32_t k,
                const event::ExtractedEvent& event,
                MatchScratch& s,
                int* budget) const;

    // Evaluates (memoised) a predicate; returns whether it is satisfied.
    bool EvalPredicate(uint32_t pred, const event::ExtractedEvent& event, MatchScratch& s) const;

    bool OccurrenceMatches(const Predicate& p,
                           event::ValueType type,
                           std::string_view text,
                           const event::ExtractedEvent& event) const;

    void AddCandidates(const std::vector<uint32_t>& rules, MatchScratch& s) const;

    void LookUpCandidates(const Index& index, const event::Occurrence& occ, MatchScratch& s) const;

    static bool AnyWildcardMatches(const Predicate& p, std::string_view text);

    std::vector<rules::Rule> rules_;
    std::vector<uint32_t> rule_roots_;
    std::vector<std::vector<std::vector<event::FieldId>>> resource_fields_;
    event::FieldPlan plan_;
    SystemFields system_{};
    std::vector<Predicate> predicates_;
    event::StringMap<uint32_t> predicate_ids_;  // canonical -> id
    std::vector<Node> nodes_;
    std::vector<uint32_t> children_;
    std::vector<Index> indexes_;
    std::vector<uint32_t> always_;
};

// Per-thread mutable state for CompiledRuleset::Match.
class MatchScratch {
public:
    explicit MatchScratch(const CompiledRuleset& ruleset);

private:
    friend class CompiledRuleset;

    struct PredicateState {
        uint32_t generation = 0;
        bool satisfied = false;
        bool flat = true;           // no matched value lies inside an array
        bool no_values = true;      // the field has no value at all
        bool all_in_arrays = true;  // every value of the field lies inside an array
        uint32_t begin = 0;         // matched occurrences in occ_buffer
        uint32_t count = 0;
    };

    uint32_t generation_ = 0;
    std::vector<PredicateState> predicates_;
    std::vector<uint32_t> rule_stamp_;
    std::vector<uint32_t> candidates_;
    std::vector<uint32_t> occ_buffer_;
    std::vector<uint32_t> choice_;  // backtracking state for array consistency
    event::LeafScanner leaves_;     // expands objects at deep paths
};

}  // namespace firebreak::matcher
