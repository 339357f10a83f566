// File: leaf_scanner.h
//
// Walks the scalar leaves of an object captured whole at a deep path (ValueType::kRaw, see
// FieldPlan::InternDeep). The walk happens only when a rule's predicate asks for it, so events
// pay for deep fields only when a candidate rule reads them.
//
// Threading: one LeafScanner per worker (it owns a parser). The text handed to the visitor is
// valid only during the call.
#pragma once

#include <memory>
#include <string_view>

#include "firebreak/event/extracted_event.h"

namespace firebreak::event {

class LeafScanner {
public:
    LeafScanner();

    ~LeafScanner();

    LeafScanner(const LeafScanner&) = delete;

    LeafScanner& operator=(const LeafScanner&) = delete;

    // Calls visit(type, text) for each scalar leaf of `raw` (objects and arrays flattened,
    // document order, null leaves skipped) until visit returns true; returns whether one did.
    // `raw` must be followed in memory by simdjson's padding, as every occurrence text from an
    // EventReader is (it points into the reader's padded input buffer).
    template <class Visit>
    bool Any(std::string_view raw, Visit&& visit) {
        return AnyImpl(
                raw,
                [](void* ctx, ValueType type, std::string_view text) {
                    return (*static_cast<std::remove_reference_t<Visit>*>(ctx))(type, text);
                },
                &visit);
    }

private:
    using VisitFn = bool (*)(void* ctx, ValueType type, std::string_view text);

    bool AnyImpl(std::string_view raw, VisitFn visit, void* ctx);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace firebreak::event
