// File: extracted_event.h
//
// An event as the matcher sees it: for each planned field, the list of leaf values found at that
// path ("occurrences"), in document order. Arrays are flattened (EventBridge matches an array when
// any element matches); each occurrence remembers which element of which array it came from
// (its "membership"), so the matcher can require two fields of one pattern to come from the same
// element of an array of objects.
//
// Strings are views into the parser's buffers; an ExtractedEvent is valid only while the document
// it was extracted from is alive (until the next parse on the same EventParser / within the
// callback of EventReader). It is reused across events: Reset() keeps capacity, so steady-state
// extraction does not allocate.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "firebreak/event/field_plan.h"

namespace firebreak::event {

// kRaw: an object found at a deep path (see FieldPlan::InternDeep); the text is its JSON, a view
// into the (padded) input buffer, so LeafScanner can walk it in place.
enum class ValueType : uint8_t { kString, kNumber, kTrue, kFalse, kNull, kRaw };

// One array level an occurrence lies in: which array (numbered per event in visit order) and
// which element of it.
struct Membership {
    uint32_t array_instance;
    uint32_t index;
};

struct Occurrence {
    ValueType type;
    uint32_t next;  // next occurrence of the same field, or kEndOfList
    uint32_t membership_begin;
    uint32_t membership_count;
    std::string_view text;  // string value (unescaped) or number literal
};

inline constexpr uint32_t kEndOfList = 0xffffffffu;

// What the top level of the event was.
enum class EventShape : uint8_t {
    kCloudTrailRecord,   // a raw CloudTrail record (from a log file or a JSON line)
    kUnwrappedEnvelope,  // an EventBridge envelope carrying a CloudTrail record, unwrapped
    kEnvelope,           // any other EventBridge event (GuardDuty, Trusted Advisor, ...)
    kOther,              // a JSON object that is neither
};

class ExtractedEvent {
public:
    // Prepares for a new event over a plan with `field_count` fields.
    void Reset(size_t field_count);

    void Add(FieldId field,
             ValueType type,
             std::string_view text,
             std::span<const Membership> membership);

    uint32_t first(FieldId field) const { return field < head_.size() ? head_[field] : kEndOfList; }

    const Occurrence& at(uint32_t index) const { return occurrences_[index]; }

    std::span<const Membership> membership(const Occurrence& occ) const {
        return {memberships_.data() + occ.membership_begin, occ.membership_count};
    }

    bool has(FieldId field) const { return first(field) != kEndOfList; }

    // The first string value of a field, or empty.
    std::string_view FirstString(FieldId field) const;

    size_t occurrence_count() const { return occurrences_.size(); }

    EventShape shape = EventShape::kOther;

private:
    std::vector<uint32_t> head_;
    std::vector<uint32_t> tail_;
    std::vector<FieldId> touched_;
    std::vector<Occurrence> occurrences_;
    std::vector<Membership> memberships_;
};

}  // namespace firebreak::event
