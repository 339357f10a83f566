// File: event_reader.h
//
// Reads events from bytes or files as AWS and users deliver them, detected by content, not name:
//   * gzip or plain;
//   * a CloudTrail log file {"Records":[...]};
//   * JSON Lines: one CloudTrail record, one EventBridge event or one {"Records":[...]} per line;
//   * a single JSON event (pretty-printed or not), or a JSON array of events.
// EventBridge envelopes whose detail-type is "AWS API Call via CloudTrail" or "AWS Console Sign In
// via CloudTrail" (and the other "... via CloudTrail" types) are unwrapped so the record's fields
// appear at the top level, exactly as in a raw record; the envelope's own fields (source,
// detail-type, account, region, time, id, detail.*) stay visible too.
//
// Bad input never stops a read: problems are reported as ReadIssues naming the byte offset and the
// record index, the rest of the input is still processed where it can be, and what was skipped
// is counted.
//
// Threading: an EventReader is single-threaded; use one per worker. Its buffers and parser are
// reused, so memory is bounded by the largest file it has read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/extracted_event.h"
#include "firebreak/event/field_plan.h"

namespace firebreak::event {

struct ReaderOptions {
    bool unwrap_cloudtrail_envelopes = true;
};

struct ReadIssue {
    int64_t byte_offset = -1;   // in the decoded (decompressed) text; -1 = whole input
    int64_t record_index = -1;  // 0-based event index within the input; -1 = unknown
    std::string message;
};

struct ReadStats {
    uint64_t events = 0;          // events handed to the callback
    uint64_t events_skipped = 0;  // records that could not be read (known count)
    uint64_t bytes_in = 0;        // bytes of input (compressed size for gzip)
    uint64_t bytes_decoded = 0;   // bytes of JSON text
    bool input_unusable = false;  // nothing at all could be read from the input
    bool truncated = false;       // part of the input was lost (truncated gzip, broken JSON)
};

// Called once per event, with its 0-based index within the input. The event (and its string
// views) is valid only during the call.
using EventCallback = std::function<void(const ExtractedEvent& event, uint64_t record_index)>;

class EventReader {
public:
    EventReader(const FieldPlan& plan, ReaderOptions options);

    ~EventReader();

    EventReader(const EventReader&) = delete;

    EventReader& operator=(const EventReader&) = delete;

    // Reads a whole file. An unreadable file is one issue and input_unusable.
    ReadStats ReadFile(const std::string& path,
                       const EventCallback& on_event,
                       std::vector<ReadIssue>* issues);

    // Reads bytes already in memory (gzip or plain).
    ReadStats ReadBytes(std::string_view bytes,
                        const EventCallback& on_event,
                        std::vector<ReadIssue>* issues);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True for the EventBridge detail-types that carry a CloudTrail record ("AWS API Call via
// CloudTrail" and the other "... via CloudTrail" types): such envelopes are unwrapped.
bool IsCloudTrailDetailType(std::string_view detail_type);

// True when the bytes start with the gzip magic number.
bool LooksGzipped(std::string_view bytes);

}  // namespace firebreak::event
