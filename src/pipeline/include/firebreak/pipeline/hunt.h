// File: hunt.h
//
// The batch hunt: scan an archive of event files with a compiled ruleset on all cores.
//
//   ListArchive -> files (sorted; S3-layout filters skip files unopened)
//   N workers, each with its own EventReader + MatchScratch, take the next file (atomic index),
//   read it as one batch, match every event, and keep that file's findings;
//   a reorder buffer hands each file's findings to the sink in file order (records and rules in
//   order within a file), so output is the same for any thread count and streams as it goes.
//
// Memory is bounded by the largest file per worker plus the findings of the files in the reorder
// window (workers wait rather than run more than kReorderWindow files ahead of the output).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "firebreak/event/archive.h"
#include "firebreak/event/event_reader.h"
#include "firebreak/findings/finding.h"
#include "firebreak/matcher/compiled_ruleset.h"

namespace firebreak::pipeline {

struct HuntOptions {
    unsigned threads = 0;  // 0 = all hardware threads
    event::ArchiveFilter filter;
    event::ReaderOptions reader;
    size_t max_issues_per_file = 20;  // further issues in one file are counted, not listed
    // Count matches per rule (HuntResult::rule_counts) instead of building findings: for
    // `--format summary`, which prints only the counts.
    bool count_only = false;
};

// Live counters, readable from another thread while the hunt runs (for the progress bar).
struct HuntProgress {
    std::atomic<uint64_t> files_done{0};
    std::atomic<uint64_t> bytes_done{0};
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> findings{0};
    uint64_t files_total = 0;
    uint64_t bytes_total = 0;
};

struct HuntStats {
    uint64_t files_total = 0;     // files considered after layout filtering
    uint64_t files_unusable = 0;  // files nothing could be read from
    uint64_t files_damaged = 0;   // files partly read (truncated gzip, broken JSON)
    uint64_t files_skipped_by_filter = 0;
    uint64_t digest_files_skipped = 0;
    uint64_t events = 0;                  // events read
    uint64_t events_matched_against = 0;  // events that passed the event-level filter
    uint64_t events_filtered = 0;         // events outside --since/--until/--account/--region
    uint64_t events_skipped = 0;          // records that could not be read
    uint64_t not_events = 0;  // JSON objects that are neither CloudTrail nor EventBridge
    uint64_t bytes_in = 0;
    uint64_t bytes_decoded = 0;
    uint64_t issues_total = 0;
    double seconds = 0;
};

// Receives the findings of one file at a time, in file order, on one thread at a time.
using FindingSink = std::function<void(std::vector<findings::Finding>&& file_findings)>;

struct HuntResult {
    std::vector<findings::Finding> findings;  // only when RunHunt is given no sink
    std::vector<uint64_t> rule_counts;        // count_only: matches per rule index
    HuntStats stats;
    std::vector<std::string> problems;  // "file[:byte N][ record M]: message"
};

// With a sink, findings stream to it and HuntResult::findings stays empty; without one they are
// collected into HuntResult::findings.
HuntResult RunHunt(const matcher::CompiledRuleset& ruleset,
                   const std::vector<std::string>& paths,
                   const HuntOptions& options,
                   HuntProgress* progress,
                   const FindingSink& sink = nullptr);

}  // namespace firebreak::pipeline
