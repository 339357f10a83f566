// File: field_plan.h
//
// The field plan: the set of dotted paths that some rule (or the finding builder) reads, stored as
// a trie of path segments. The extractor walks an event's JSON against this trie and records only
// values at planned paths; everything else is skipped by the parser without being materialised.
//
// A FieldPlan is built once (single-threaded) while a ruleset compiles, then shared read-only by
// every worker thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace firebreak::event {

using FieldId = uint32_t;
inline constexpr FieldId kNoField = 0xffffffffu;
inline constexpr uint32_t kNoNode = 0xffffffffu;

// Heterogeneous-lookup hash so string_view keys find std::string entries without allocating.
struct StringHash {
    using is_transparent = void;

    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class FieldPlan {
public:
    FieldPlan();

    // Adds a dotted path ("userIdentity.type") and returns its id; the same path gives the same id.
    FieldId Intern(std::string_view dotted_path);

    // kNoField when the path is not planned.
    FieldId Find(std::string_view dotted_path) const;

    size_t field_count() const { return paths_.size(); }

    const std::string& path(FieldId id) const { return paths_[id]; }

    // Trie access for the extractor. Node 0 is the root.
    static constexpr uint32_t kRoot = 0;

    // Child of `node` for one key; a key containing '.' walks several segments (EventBridge treats
    // {"a.b": 1} like {"a": {"b": 1}}). kNoNode when absent.
    uint32_t Child(uint32_t node, std::string_view key) const;

    FieldId node_field(uint32_t node) const { return nodes_[node].field; }

    bool node_has_children(uint32_t node) const { return !nodes_[node].children.empty(); }

private:
    struct Node {
        StringMap<uint32_t> children;
        FieldId field = kNoField;
    };

    std::vector<Node> nodes_;
    std::vector<std::string> paths_;
};

// Splits "a.b.c" into segments.
std::vector<std::string_view> SplitPath(std::string_view dotted_path);

}  // namespace firebreak::event
