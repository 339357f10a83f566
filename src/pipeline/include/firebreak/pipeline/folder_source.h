// File: folder_source.h
//
// The folder source of `firebreak serve`: watches a folder tree that CloudTrail (or a sync job)
// delivers log files into, and hands each new complete file to the pipeline once.
//
//   poll: walk the tree (*.json, *.json.gz, *.jsonl, *.jsonl.gz; not CloudTrail-Digest folders,
//         hidden names or names containing ".tmp") ─▶ a file is complete when its size and mtime
//         are unchanged since the previous poll ─▶ not done yet ─▶ deliver(source, bytes)
//         ─▶ OK (durably in the WAL) ─▶ one line appended to the state file and fsynced
//
// The state file records done files by path + size + mtime, so a file rewritten with another
// size or mtime is new again. A restart neither skips nor repeats: files delivered before a
// crash but not yet recorded are still in the WAL (WriteAheadLog::PendingSources) and are passed
// in as `already`. A crash after the WAL processed such a file but before its state line was
// written delivers it again; findings dedupe by (rule, event id).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::pipeline {

struct FolderSourceOptions {
    std::string path;  // the folder watched (made absolute)
    std::chrono::milliseconds poll{2000};
    std::string state_file;  // required: where done files are recorded
    size_t max_file_bytes = 1ull << 30;
};

struct FolderSourceStats {
    uint64_t polls = 0;
    uint64_t files_seen = 0;        // distinct candidate files seen
    uint64_t files_delivered = 0;   // deliver() returned OK
    uint64_t files_failed = 0;      // unreadable or oversized: done with an error, not retried
    uint64_t files_already = 0;     // in the WAL already at Open (`already`): recorded, not read
    uint64_t bytes = 0;             // bytes delivered
    uint64_t deliver_refusals = 0;  // deliver() returned an error (retried next poll)
};

using FolderDeliver = std::function<Status(std::string_view source, std::string_view bytes)>;

class FolderSource {
public:
    // `already`: sources known to be in the WAL but not processed
    // (WriteAheadLog::PendingSources()), treated as done. Sources not starting with "folder:"
    // are ignored. Reads (and compacts) the state file; InvalidArgument without a path or state
    // file, Unavailable when the state file cannot be read or written.
    static Result<std::unique_ptr<FolderSource>> Open(FolderSourceOptions options,
                                                      const std::vector<std::string>& already);

    ~FolderSource();  // Stop()s
    FolderSource(const FolderSource&) = delete;
    FolderSource& operator=(const FolderSource&) = delete;

    // One scan: for each new complete file (in path order) calls deliver(source, bytes) where
    // source = "folder:" + absolute path. OK from deliver means the file is durably accepted, so
    // it is recorded as done; an error stops the scan and the file is retried next poll. Returns
    // how many files were delivered; unreadable/oversized files are listed in issues(), counted,
    // and recorded as done-with-error so they are not retried until they change. An error only
    // when the state file cannot be written.
    Result<size_t> PollOnce(const FolderDeliver& deliver);

    // Runs PollOnce every poll interval on its own thread until Stop().
    void Start(FolderDeliver deliver);
    void Stop();

    FolderSourceStats stats() const;
    std::vector<std::string> issues() const;  // the most recent 100

    static constexpr std::string_view kSourcePrefix = "folder:";

private:
    struct FileState {
        uint64_t size = 0;
        int64_t mtime_ns = 0;
        bool operator==(const FileState& other) const = default;
    };

    struct DoneEntry {
        FileState state;
        bool error = false;
    };

    explicit FolderSource(FolderSourceOptions options);
    Status LoadState();
    Status RecordDone(const std::string& path, const FileState& state, bool error);
    void AddIssue(std::string issue);

    FolderSourceOptions options_;
    std::set<std::string> already_;  // absolute paths (guarded by poll_mu_)

    std::mutex poll_mu_;  // one scan at a time; guards the file maps
    std::map<std::string, DoneEntry> done_;
    std::map<std::string, FileState> previous_;  // what the previous poll saw (not done yet)
    std::set<std::string> seen_;

    mutable std::mutex mu_;  // guards the counters, issues and stop_
    FolderSourceStats stats_;
    std::vector<std::string> issues_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace firebreak::pipeline
