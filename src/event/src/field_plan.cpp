#include "firebreak/event/field_plan.h"

#include <cstring>

namespace firebreak::event {

std::vector<std::string_view> SplitPath(std::string_view dotted_path) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t dot = dotted_path.find('.', start);
        if (dot == std::string_view::npos) {
            out.push_back(dotted_path.substr(start));
            break;
        }
        out.push_back(dotted_path.substr(start, dot - start));
        start = dot + 1;
    }
    return out;
}

FieldPlan::FieldPlan() {
    nodes_.emplace_back();
}

uint64_t FieldPlan::KeyHead(std::string_view key) {
    uint64_t head = 0;
    std::memcpy(&head, key.data(), key.size() < 8 ? key.size() : 8);
    return head;
}

uint64_t FieldPlan::KeyHash(uint64_t head, size_t length) {
    uint64_t h = head ^ (length * 0x9E3779B97F4A7C15ull);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

void FieldPlan::RebuildTable(uint32_t node) {
    Node& n = nodes_[node];
    size_t size = 4;
    while (size < n.children.size() * 2) {
        size *= 2;
    }
    n.table.assign(size, Slot{});
    for (const auto& [key, child] : n.children) {
        uint64_t head = KeyHead(key);
        size_t i = KeyHash(head, key.size()) & (size - 1);
        while (n.table[i].child != kNoNode) {
            i = (i + 1) & (size - 1);
        }
        n.table[i] = Slot{head, child, static_cast<uint32_t>(key.size()), &key};
    }
}

uint32_t FieldPlan::Lookup(uint32_t node, std::string_view key) const {
    const std::vector<Slot>& table = nodes_[node].table;
    if (table.empty()) {
        return kNoNode;
    }
    size_t mask = table.size() - 1;
    uint64_t head = KeyHead(key);
    for (size_t i = KeyHash(head, key.size()) & mask;; i = (i + 1) & mask) {
        const Slot& slot = table[i];
        if (slot.child == kNoNode) {
            return kNoNode;
        }
        if (slot.head == head && slot.length == key.size() &&
            (key.size() <= 8 ||
             std::memcmp(slot.key->data() + 8, key.data() + 8, key.size() - 8) == 0)) {
            return slot.child;
        }
    }
}

FieldId FieldPlan::Intern(std::string_view dotted_path) {
    uint32_t node = kRoot;
    for (std::string_view segment : SplitPath(dotted_path)) {
        auto it = nodes_[node].children.find(segment);
        if (it == nodes_[node].children.end()) {
            auto next = static_cast<uint32_t>(nodes_.size());
            nodes_[node].children.emplace(std::string(segment), next);
            RebuildTable(node);
            nodes_.emplace_back();
            node = next;
        } else {
            node = it->second;
        }
    }
    if (nodes_[node].field == kNoField) {
        nodes_[node].field = static_cast<FieldId>(paths_.size());
        paths_.emplace_back(dotted_path);
    }
    return nodes_[node].field;
}

FieldId FieldPlan::Find(std::string_view dotted_path) const {
    uint32_t node = kRoot;
    for (std::string_view segment : SplitPath(dotted_path)) {
        auto it = nodes_[node].children.find(segment);
        if (it == nodes_[node].children.end()) {
            return kNoField;
        }
        node = it->second;
    }
    return nodes_[node].field;
}

uint32_t FieldPlan::Child(uint32_t node, std::string_view key) const {
    if (node == kNoNode) {
        return kNoNode;
    }
    uint32_t direct = Lookup(node, key);
    if (direct != kNoNode) {
        return direct;
    }
    if (nodes_[node].children.empty() || key.find('.') == std::string_view::npos) {
        return kNoNode;
    }
    // Dotted key in the event: walk segment by segment.
    size_t start = 0;
    uint32_t current = node;
    while (current != kNoNode) {
        size_t dot = key.find('.', start);
        std::string_view segment =
                key.substr(start, dot == std::string_view::npos ? key.npos : dot - start);
        auto found = nodes_[current].children.find(segment);
        if (found == nodes_[current].children.end()) {
            return kNoNode;
        }
        current = found->second;
        if (dot == std::string_view::npos) {
            return current;
        }
        start = dot + 1;
    }
    return kNoNode;
}

}  // namespace firebreak::event
