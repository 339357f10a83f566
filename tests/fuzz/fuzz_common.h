// File: fuzz_common.h
//
// Helpers shared by the libFuzzer targets in this folder (and by their replay builds, see
// replay_main.cpp): a failure macro that works with and without libFuzzer, a digest of what the
// event reader delivered (to compare two reads of the same bytes), and the checks that gate the
// differential comparison with the reference interpreter.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/extracted_event.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::fuzz {

// A property the target checks was violated: print why and trap, so libFuzzer (or the replay
// driver, which runs every input in a child process) records it as a crash.
[[noreturn]] inline void Fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "FUZZ PROPERTY VIOLATED: %s\n%s\n", what, detail.c_str());
    std::fflush(stderr);
    __builtin_trap();
}

#define FIREBREAK_FUZZ_CHECK(cond, detail)            \
    do {                                              \
        if (!(cond)) {                                \
            ::firebreak::fuzz::Fail(#cond, (detail)); \
        }                                             \
    } while (0)

// Touches every byte of every extracted value, so ASan sees a string_view that points at freed or
// out-of-range memory while the event is still supposed to be valid.
inline uint64_t TouchEvent(const event::ExtractedEvent& ev, size_t field_count) {
    uint64_t h = 0;
    for (event::FieldId f = 0; f < field_count; ++f) {
        for (uint32_t i = ev.first(f); i != event::kEndOfList; i = ev.at(i).next) {
            const event::Occurrence& occ = ev.at(i);
            for (char c : occ.text) {
                h = h * 131 + static_cast<unsigned char>(c);
            }
            for (const event::Membership& m : ev.membership(occ)) {
                h = h * 31 + m.array_instance * 7 + m.index;
            }
        }
    }
    return h;
}

// A textual digest of one event: its shape and every planned field's occurrences.
inline void AppendEventDigest(const event::ExtractedEvent& ev,
                              size_t field_count,
                              std::string* out) {
    out->append("shape=").append(std::to_string(static_cast<int>(ev.shape))).append("\n");
    for (event::FieldId f = 0; f < field_count; ++f) {
        for (uint32_t i = ev.first(f); i != event::kEndOfList; i = ev.at(i).next) {
            const event::Occurrence& occ = ev.at(i);
            out->append(std::to_string(f)).append(":");
            out->append(std::to_string(static_cast<int>(occ.type))).append(":");
            out->append(occ.text);
            for (const event::Membership& m : ev.membership(occ)) {
                out->append("@").append(std::to_string(m.array_instance));
                out->append("/").append(std::to_string(m.index));
            }
            out->append("\n");
        }
    }
}

inline void AppendStatsDigest(const event::ReadStats& s,
                              const std::vector<event::ReadIssue>& issues,
                              std::string* out) {
    out->append("events=").append(std::to_string(s.events));
    out->append(" skipped=").append(std::to_string(s.events_skipped));
    out->append(" decoded=").append(std::to_string(s.bytes_decoded));
    out->append(" unusable=").append(s.input_unusable ? "1" : "0");
    out->append(" truncated=").append(s.truncated ? "1" : "0").append("\n");
    for (const event::ReadIssue& issue : issues) {
        out->append("issue ").append(std::to_string(issue.byte_offset)).append(" ");
        out->append(std::to_string(issue.record_index)).append(" ").append(issue.message);
        out->append("\n");
    }
}

// True when some object in the tree has two members with the same key. EventBridge gives the
// last duplicate precedence in patterns; for events the behaviour of a duplicate key is not
// specified, so the differential comparisons skip such events.
inline bool HasDuplicateKeys(const event::JsonValue& v) {
    for (size_t i = 0; i < v.members.size(); ++i) {
        for (size_t j = i + 1; j < v.members.size(); ++j) {
            if (v.members[i].first == v.members[j].first) {
                return true;
            }
        }
        if (HasDuplicateKeys(v.members[i].second)) {
            return true;
        }
    }
    for (const event::JsonValue& item : v.items) {
        if (HasDuplicateKeys(item)) {
            return true;
        }
    }
    return false;
}

inline std::string Printable(std::string_view bytes, size_t limit = 2000) {
    std::string out;
    for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
        auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7f) {
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out.append(buf);
        }
    }
    if (bytes.size() > limit) {
        out.append("...");
    }
    return out;
}

}  // namespace firebreak::fuzz
