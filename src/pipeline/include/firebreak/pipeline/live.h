// File: live.h
//
// The live detection pipeline of `firebreak serve`: batches that are already durable (in the
// write-ahead log) go through a bounded queue to N worker threads that share the current
// compiled ruleset, read the batch (EventReader: gzip, CloudTrail log files, JSON Lines,
// EventBridge events), match every event and hand the batch's matches to a sink on the worker
// thread. The sink stores the findings and marks the batch processed in the log.
//
//   ingest ─▶ TryReserve(bytes) ─ full ─▶ caller refuses (HTTP 503 + Retry-After)
//          ─▶ WAL append ─▶ PushReserved ─▶ queue ─▶ worker: read + match ─▶ sink
//
// The queue is bounded in batches and in bytes, and room is reserved before the caller writes
// the batch to the log, so an accepted batch never waits for room and memory stays bounded.
//
// Rules are swapped without stopping: RulesetHolder::Set publishes a new compiled ruleset
// atomically; each worker picks it up at its next batch (a batch is matched against one
// ruleset from start to end) and rebuilds its reader and scratch for the new field plan.
//
// Threading: Start/Stop from one thread; TryReserve/PushReserved/PushWait from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/findings/finding.h"
#include "firebreak/matcher/compiled_ruleset.h"

namespace firebreak::pipeline {

// The current compiled ruleset, swapped atomically on reload.
class RulesetHolder {
public:
    explicit RulesetHolder(std::shared_ptr<const matcher::CompiledRuleset> ruleset)
        : ruleset_(std::move(ruleset)) {}

    std::shared_ptr<const matcher::CompiledRuleset> Get() const {
        return std::atomic_load(&ruleset_);
    }

    void Set(std::shared_ptr<const matcher::CompiledRuleset> ruleset) {
        std::atomic_store(&ruleset_, std::move(ruleset));
        generation_.fetch_add(1);
    }

    uint64_t generation() const { return generation_.load(); }

private:
    std::shared_ptr<const matcher::CompiledRuleset> ruleset_;
    std::atomic<uint64_t> generation_{1};
};

// One durable batch: what was accepted in one request, one file or one stream poll.
struct LiveBatch {
    uint64_t seq = 0;  // the write-ahead log's sequence number
    std::string source;
    std::string payload;
    int64_t received_unix_ms = 0;
};

struct LiveMatch {
    findings::Finding finding;  // `rule` points into `BatchResult::ruleset`
    std::string asff_json;
    std::string event_json;  // the matched record as JSON text; "" when it could not be found
};

// What a worker hands to the sink for one batch.
struct BatchResult {
    const LiveBatch* batch = nullptr;
    std::shared_ptr<const matcher::CompiledRuleset> ruleset;
    std::vector<LiveMatch> matches;
    event::ReadStats read;
    std::vector<event::ReadIssue> issues;  // the first LiveOptions::max_issues
};

// Runs on the worker thread for every batch, matches or not. It must store what it needs
// (findings) and mark the batch processed; the pipeline keeps nothing of a batch after it.
using BatchSink = std::function<void(BatchResult& result)>;

struct LiveOptions {
    unsigned workers = 0;           // 0 = hardware threads
    size_t max_batches = 1024;      // queued batches
    size_t max_bytes = 256u << 20;  // queued payload bytes
    size_t max_issues = 20;         // read issues kept per batch (the rest are counted)
    findings::AsffOptions asff;
    event::ReaderOptions reader;
};

struct LiveCounters {
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> events_skipped{0};  // records that could not be read
    std::atomic<uint64_t> matches{0};
    std::atomic<uint64_t> batches_unusable{0};  // nothing could be read
    std::atomic<uint64_t> refused_full{0};      // TryReserve said no
    std::atomic<uint64_t> ruleset_swaps{0};     // worker rebuilds after a reload
};

class LivePipeline {
public:
    LivePipeline(LiveOptions options, const RulesetHolder* rules, BatchSink sink);

    ~LivePipeline();

    LivePipeline(const LivePipeline&) = delete;
    LivePipeline& operator=(const LivePipeline&) = delete;

    void Start();

    // Reserves room for a batch of `bytes`. False when the queue is full (or stopping): the
    // caller refuses the batch before writing it anywhere.
    bool TryReserve(size_t bytes);

    // Gives back a reservation that will not be used (the log append failed).
    void CancelReservation(size_t bytes);

    // Enqueues a batch whose room TryReserve reserved (payload.size() bytes). Never blocks.
    void PushReserved(LiveBatch batch);

    // Waits for room, then enqueues (replay at start). False when stopping.
    bool PushWait(LiveBatch batch);

    // Stops accepting, processes what is queued, joins the workers.
    void Stop();

    size_t queue_batches() const;
    size_t queue_bytes() const;

    size_t capacity_batches() const { return options_.max_batches; }

    size_t capacity_bytes() const { return options_.max_bytes; }

    unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }

    const LiveCounters& counters() const { return counters_; }

private:
    void Work();
    void Process(LiveBatch& batch, struct WorkerState& state);

    LiveOptions options_;
    const RulesetHolder* rules_;
    BatchSink sink_;
    LiveCounters counters_;

    mutable std::mutex mu_;
    std::condition_variable has_work_;
    std::condition_variable has_room_;
    std::deque<LiveBatch> queue_;
    size_t reserved_batches_ = 0;  // reserved, queued or not yet queued
    size_t reserved_bytes_ = 0;
    size_t queued_bytes_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

// The records of a payload (as EventReader reads it: gzip or not, a CloudTrail log file, JSON
// Lines, an event, an array of events) whose event id (CloudTrail `eventID`, an envelope's
// detail.eventID or its `id`) is one of `ids`, as compact JSON: playbooks see the whole event a
// finding came from. Only for batches with matches; it does not parse the whole batch: it finds
// the ids in the text, the objects around them in one pass that tracks strings and braces, and
// parses only those.
std::vector<std::pair<std::string, std::string>> RecordsById(std::string_view payload,
                                                             const std::vector<std::string>& ids);

}  // namespace firebreak::pipeline
