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
        n.table[i] = Slot{head, KeyTail(key), child, static_cast<uint32_t>(key.size()), &key};
    }
}

uint32_t FieldPlan::InternNode(std::string_view dotted_path, bool empty_is_root) {
    uint32_t node = kRoot;
    if (dotted_path.empty() && empty_is_root) {
        return node;
    }
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
    return node;
}

uint32_t FieldPlan::FindNode(std::string_view dotted_path, bool empty_is_root) const {
    uint32_t node = kRoot;
    if (dotted_path.empty() && empty_is_root) {
        return node;
    }
    for (std::string_view segment : SplitPath(dotted_path)) {
        auto it = nodes_[node].children.find(segment);
        if (it == nodes_[node].children.end()) {
            return kNoNode;
        }
        node = it->second;
    }
    return node;
}

FieldId FieldPlan::NewField(uint32_t node, std::string_view dotted_path) {
    auto id = static_cast<FieldId>(paths_.size());
    paths_.emplace_back(dotted_path);
    field_nodes_.push_back(node);
    return id;
}

FieldId FieldPlan::Intern(std::string_view dotted_path) {
    uint32_t node = InternNode(dotted_path, false);
    if (nodes_[node].field == kNoField) {
        nodes_[node].field = NewField(node, dotted_path);
    }
    return nodes_[node].field;
}

FieldId FieldPlan::InternDeep(std::string_view dotted_path) {
    uint32_t node = InternNode(dotted_path, true);
    if (nodes_[node].deep_field == kNoField) {
        nodes_[node].deep_field = NewField(node, dotted_path);
    }
    return nodes_[node].deep_field;
}

FieldId FieldPlan::Find(std::string_view dotted_path) const {
    uint32_t node = FindNode(dotted_path, false);
    return node == kNoNode ? kNoField : nodes_[node].field;
}

FieldId FieldPlan::FindDeep(std::string_view dotted_path) const {
    uint32_t node = FindNode(dotted_path, true);
    return node == kNoNode ? kNoField : nodes_[node].deep_field;
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
