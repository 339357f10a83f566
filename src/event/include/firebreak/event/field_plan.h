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
#include <cstring>
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

    size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class FieldPlan {
public:
    FieldPlan();

    // Lookup tables point into the node maps: copying would leave them pointing at the
    // original, so a plan moves but does not copy.
    FieldPlan(const FieldPlan&) = delete;

    FieldPlan& operator=(const FieldPlan&) = delete;

    FieldPlan(FieldPlan&&) = default;

    FieldPlan& operator=(FieldPlan&&) = default;

    // Adds a dotted path ("userIdentity.type") and returns its id; the same path gives the same id.
    FieldId Intern(std::string_view dotted_path);

    // Adds a "deep" path: every value at the path, and when a value there is an object, that
    // object as a whole (a ValueType::kRaw occurrence carrying its JSON text, whose leaves the
    // matcher expands on demand). Sigma reads fields this way (`requestParameters|contains`);
    // the empty path is the whole event (Sigma keywords). A deep path has its own id, distinct
    // from the plain path's.
    FieldId InternDeep(std::string_view dotted_path);

    // kNoField when the path is not planned.
    FieldId Find(std::string_view dotted_path) const;

    FieldId FindDeep(std::string_view dotted_path) const;

    size_t field_count() const { return paths_.size(); }

    const std::string& path(FieldId id) const { return paths_[id]; }

    // Trie access for the extractor. Node 0 is the root.
    static constexpr uint32_t kRoot = 0;

    // Child of `node` for one key; a key containing '.' walks several segments (EventBridge treats
    // {"a.b": 1} like {"a": {"b": 1}}). kNoNode when absent.
    uint32_t Child(uint32_t node, std::string_view key) const;

    // As Child, for a caller that already knows whether the key contains a '.'.
    uint32_t Child(uint32_t node, std::string_view key, bool has_dot) const {
        if (node == kNoNode) {
            return kNoNode;
        }
        uint32_t direct = Lookup(node, key);
        if (direct != kNoNode || !has_dot) {
            return direct;
        }
        return Child(node, key);
    }

    FieldId node_field(uint32_t node) const { return nodes_[node].field; }

    FieldId node_deep_field(uint32_t node) const { return nodes_[node].deep_field; }

    // The plain field at the same path as a deep one, or kNoField. Where a path is planned both
    // ways, the walk records its scalar values once, under the plain field, and only objects
    // (kRaw) under the deep one: readers of a deep field read both lists.
    FieldId DeepTwin(FieldId deep) const { return nodes_[field_nodes_[deep]].field; }

    bool node_has_children(uint32_t node) const { return !nodes_[node].children.empty(); }

private:
    // Children are looked up once per key of every event, so each node keeps a small
    // open-addressing table with a cheap hash (length and the first and last 8 bytes), beside the
    // map used while building.
    struct Slot {
        uint64_t head = 0;  // first 8 bytes of the key, zero-padded
        uint64_t tail = 0;  // last 8 bytes of the key (keys longer than 8 bytes), else 0
        uint32_t child = kNoNode;
        uint32_t length = 0;
        const std::string* key = nullptr;
    };

    struct Node {
        StringMap<uint32_t> children;
        std::vector<Slot> table;  // size is a power of two, at least twice the children
        FieldId field = kNoField;
        FieldId deep_field = kNoField;
    };

    // The empty path is the root for deep paths; for plain ones it is the key "" (EventBridge
    // patterns may name it).
    uint32_t InternNode(std::string_view dotted_path, bool empty_is_root);

    uint32_t FindNode(std::string_view dotted_path, bool empty_is_root) const;

    FieldId NewField(uint32_t node, std::string_view dotted_path);

    static uint64_t KeyHead(std::string_view key) {
        uint64_t head = 0;
        std::memcpy(&head, key.data(), key.size() < 8 ? key.size() : 8);
        return head;
    }

    static uint64_t KeyTail(std::string_view key) {
        uint64_t tail = 0;
        if (key.size() > 8) {
            std::memcpy(&tail, key.data() + key.size() - 8, 8);
        }
        return tail;
    }

    static uint64_t KeyHash(uint64_t head, size_t length) {
        uint64_t h = head ^ (length * 0x9E3779B97F4A7C15ull);
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ull;
        return h ^ (h >> 29);
    }

    void RebuildTable(uint32_t node);

    // Inline: called once per key of every walked object.
    uint32_t Lookup(uint32_t node, std::string_view key) const {
        const std::vector<Slot>& table = nodes_[node].table;
        if (table.empty()) {
            return kNoNode;
        }
        size_t mask = table.size() - 1;
        uint64_t head = KeyHead(key);
        uint64_t tail = KeyTail(key);
        for (size_t i = KeyHash(head, key.size()) & mask;; i = (i + 1) & mask) {
            const Slot& slot = table[i];
            if (slot.child == kNoNode) {
                return kNoNode;
            }
            if (slot.head == head && slot.tail == tail && slot.length == key.size() &&
                (key.size() <= 16 ||
                 std::memcmp(slot.key->data() + 8, key.data() + 8, key.size() - 16) == 0)) {
                return slot.child;
            }
        }
    }

    std::vector<Node> nodes_;
    std::vector<std::string> paths_;
    std::vector<uint32_t> field_nodes_;  // field id -> trie node
};

// Splits "a.b.c" into segments.
std::vector<std::string_view> SplitPath(std::string_view dotted_path);

}  // namespace firebreak::event
