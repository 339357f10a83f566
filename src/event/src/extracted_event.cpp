#include "firebreak/event/extracted_event.h"

namespace firebreak::event {

void ExtractedEvent::Reset(size_t field_count) {
    if (head_.size() != field_count) {
        head_.assign(field_count, kEndOfList);
        tail_.assign(field_count, kEndOfList);
    } else {
        for (FieldId f : touched_) {
            head_[f] = kEndOfList;
            tail_[f] = kEndOfList;
        }
    }
    touched_.clear();
    occurrences_.clear();
    memberships_.clear();
    shape = EventShape::kOther;
}

void ExtractedEvent::Add(FieldId field,
                         ValueType type,
                         std::string_view text,
                         std::span<const Membership> membership) {
    auto index = static_cast<uint32_t>(occurrences_.size());
    Occurrence occ{type,
                   kEndOfList,
                   static_cast<uint32_t>(memberships_.size()),
                   static_cast<uint32_t>(membership.size()),
                   text};
    if (!membership.empty()) {
        memberships_.insert(memberships_.end(), membership.begin(), membership.end());
    }
    occurrences_.push_back(occ);
    if (head_[field] == kEndOfList) {
        head_[field] = index;
        touched_.push_back(field);
    } else {
        occurrences_[tail_[field]].next = index;
    }
    tail_[field] = index;
}

std::string_view ExtractedEvent::FirstString(FieldId field) const {
    for (uint32_t i = first(field); i != kEndOfList; i = occurrences_[i].next) {
        if (occurrences_[i].type == ValueType::kString) {
            return occurrences_[i].text;
        }
    }
    return {};
}

}  // namespace firebreak::event
