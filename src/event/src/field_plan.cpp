#include "firebreak/event/field_plan.h"

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

FieldPlan::FieldPlan() { nodes_.emplace_back(); }

FieldId FieldPlan::Intern(std::string_view dotted_path) {
    uint32_t node = kRoot;
    for (std::string_view segment : SplitPath(dotted_path)) {
        auto it = nodes_[node].children.find(segment);
        if (it == nodes_[node].children.end()) {
            auto next = static_cast<uint32_t>(nodes_.size());
            nodes_[node].children.emplace(std::string(segment), next);
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
    const auto& children = nodes_[node].children;
    if (children.empty()) {
        return kNoNode;
    }
    auto it = children.find(key);
    if (it != children.end()) {
        return it->second;
    }
    if (key.find('.') == std::string_view::npos) {
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
